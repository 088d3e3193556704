// What each field of a dialog form shows: its own check once the user has left the field, else
// what the core said about it (the core's refusals stay until the field changes).
export function shownErrors<F extends string>(
  fields: readonly F[],
  own: Partial<Record<F, string>>,
  touched: Partial<Record<F, boolean>>,
  server: Partial<Record<F, string>>,
): Partial<Record<F, string>> {
  const shown: Partial<Record<F, string>> = {}
  for (const f of fields) {
    const message = (touched[f] ? own[f] : undefined) ?? server[f]
    if (message) shown[f] = message
  }
  return shown
}
