// Serves the renderer build from app://replicadesk/ instead of file:// (a real origin, and no
// access to the rest of the disk). The path check keeps requests inside the build folder.
import { join, normalize, sep } from 'node:path'
import { pathToFileURL } from 'node:url'

export function resolveAppPath(rendererDir: string, requestUrl: string): string | undefined {
  let pathname: string
  try {
    pathname = decodeURIComponent(new URL(requestUrl).pathname)
  } catch {
    return undefined
  }
  const file = normalize(join(rendererDir, pathname === '/' ? 'index.html' : pathname))
  return file.startsWith(rendererDir + sep) ? file : undefined
}

export function appFileUrl(rendererDir: string, requestUrl: string): string | undefined {
  const file = resolveAppPath(rendererDir, requestUrl)
  return file ? pathToFileURL(file).toString() : undefined
}
