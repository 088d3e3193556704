// The only way a URL leaves the app: http(s) links, opened in the user's browser.
export function safeExternalUrl(url: string): string | undefined {
  try {
    const u = new URL(url)
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : undefined
  } catch {
    return undefined
  }
}

export function makeOpenExternal(open: (url: string) => Promise<void>) {
  return (url: string): void => {
    const safe = safeExternalUrl(url)
    if (safe) void open(safe).catch(() => undefined)
  }
}
