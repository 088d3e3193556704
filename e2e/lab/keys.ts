// SSH keys of a lab run: the tests' client key, one host key per host, and the files that
// let any SSH client check them (known_hosts, an ssh_config with one alias per host).
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { run } from './run'
import type { Lab } from './state'

/** Makes an ed25519 key pair without passphrase; returns the public key line without comment. */
export async function makeKey(path: string, comment: string): Promise<string> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path])
  const [type, blob] = readFileSync(`${path}.pub`, 'utf8').trim().split(/\s+/)
  return `${type} ${blob}`
}

/** Same text as `ssh-keygen -lf` prints: SHA256 of the key blob, base64 without padding. */
export function fingerprint(publicKey: string): string {
  const blob = Buffer.from(publicKey.trim().split(/\s+/)[1] ?? '', 'base64')
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')
}

/** OpenSSH writes a non-22 port as "[addr]:port". */
export const knownHostsName = (address: string, port: number) => (port === 22 ? address : `[${address}]:${port}`)

export function writeClientFiles(lab: Lab) {
  const known = lab.hosts.map((h) => `${knownHostsName(h.address, h.port)} ${h.hostKeyPublic}\n`).join('')
  writeFileSync(lab.knownHostsPath, known, { mode: 0o644 })
  // `ssh -F <sshConfigPath> postgres@host1` from a shell; also a real file for ssh-config tests.
  const config = lab.hosts
    .map((h) =>
      [
        `Host ${h.name}`,
        `  HostName ${h.address}`,
        `  Port ${h.port}`,
        `  User ${lab.users.postgres}`,
        `  IdentityFile ${lab.clientKeyPath}`,
        `  IdentitiesOnly yes`,
        `  UserKnownHostsFile ${lab.knownHostsPath}`,
        `  StrictHostKeyChecking yes`,
        '',
      ].join('\n'),
    )
    .join('\n')
  writeFileSync(lab.sshConfigPath, config, { mode: 0o644 })
}
