// How the PostgreSQL engine's messages state an amount of data: decimal megabytes (bytes below
// one), the unit the app shows sizes and rates in everywhere else.
export const mb = (bytes: number) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${bytes} bytes`)
