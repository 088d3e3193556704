// Text from elsewhere (a server's stderr, a file, a host record) made safe to print: control
// characters are shown as visible escapes instead of acting on the terminal (a title change, a
// screen clear, a carriage return that overwrites a line with a fake "verified"), and so are the
// Unicode direction overrides that reorder what a reader sees. Newlines and tabs stay.

// C0 controls but \t and \n, DEL, C1 controls, and the bidi embeddings, overrides and isolates.
// eslint-disable-next-line no-control-regex
const unsafe = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

const visible = (c: string): string => {
  const code = c.charCodeAt(0)
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

export function escapeControls(text: string): string {
  return text.replace(unsafe, visible)
}
