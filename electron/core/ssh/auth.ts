// Authentication material: the agent (ssh-agent, Pageant or the Windows OpenSSH agent pipe),
// key files (passphrases asked through the injected prompt, only when the key is needed),
// and a password only when the user chose password login.
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import ssh2, { type AuthenticationType, type ParsedKey } from 'ssh2'
import { FileProblem, readBoundedFile } from '../store/bounded-read'

export type UnlockedKeys = Map<string, ParsedKey>
import type { ResolvedTarget } from './target'

export interface SecretRequest {
  kind: 'passphrase' | 'password'
  host: string
  port: number
  user: string
  /** The key file, for a passphrase. */
  keyFile?: string
  /** True when an earlier answer was wrong. */
  retry: boolean
  /** A sentence to show the user. */
  message: string
}
/** Resolves to the secret, or undefined when the user cancels. */
export type SecretPrompt = (request: SecretRequest) => Promise<string | undefined>

export interface AuthSettings {
  /** Agent socket/pipe; null disables the agent; undefined reads SSH_AUTH_SOCK (Windows: the OpenSSH pipe, then Pageant). */
  agent?: string | null
  homeDir: string
  secretPrompt?: SecretPrompt
}

type Method = { type: AuthenticationType; username: string; [k: string]: unknown }
export interface AuthPlan {
  methods: { method: Method; label: string }[]
  /** Things that could not be offered, for the error message (e.g. "key X: cancelled"). */
  notes: string[]
}

const WINDOWS_AGENT_PIPE = '\\\\.\\pipe\\openssh-ssh-agent'

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false)
}

export async function agentCandidates(setting: string | null | undefined): Promise<string[]> {
  if (setting === null) return []
  if (setting !== undefined) return [setting]
  const env = process.env.SSH_AUTH_SOCK
  if (process.platform === 'win32') return [...(env ? [env] : []), WINDOWS_AGENT_PIPE, 'pageant']
  return env && (await exists(env)) ? [env] : []
}

function defaultKeyFiles(homeDir: string): string[] {
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((n) => join(homeDir, '.ssh', n))
}

/** A private key is a few kB (an RSA 16384-bit one about 13 kB); past this it is not a key. */
export const MAX_KEY_FILE_BYTES = 64 * 1024

/**
 * A key file's bytes (undefined: it does not exist). Only a regular file of sane size is read,
 * without blocking: /dev/zero, a FIFO or a folder are refused with the path and the reason.
 */
export async function readKeyFile(file: string): Promise<Buffer | undefined> {
  try {
    return await readBoundedFile(file, { maxBytes: MAX_KEY_FILE_BYTES })
  } catch (err) {
    if (err instanceof FileProblem) throw new Error(`${err.message}; an identity file must be a private key file (a few kB)`)
    throw err
  }
}

type KeyState = { kind: 'ready'; key: ParsedKey } | { kind: 'encrypted' } | { kind: 'unusable'; why: string }

function parseKeyFile(data: Buffer, passphrase?: string): KeyState {
  const r = ssh2.utils.parseKey(data, passphrase)
  if (r instanceof Error) {
    if (/no passphrase given/i.test(r.message)) return { kind: 'encrypted' }
    if (/passphrase/i.test(r.message)) return { kind: 'unusable', why: 'wrong passphrase' }
    return { kind: 'unusable', why: r.message }
  }
  const key = Array.isArray(r) ? r[0] : r
  if (!key || !key.isPrivateKey()) return { kind: 'unusable', why: 'not a private key' }
  return { kind: 'ready', key }
}

/**
 * Per-target auth state. Decrypted keys and a chosen password stay in memory only (never on
 * disk), so a reconnect after a network cut does not ask again.
 */
export class TargetAuth {
  private password: string | undefined
  /** The last password was refused: the next question says so. */
  private passwordRefused = false
  /** The user cancelled the question: asking again at once would only annoy. */
  private passwordCancelled = false

  /** `unlocked` is shared by the service: a key decrypted once serves every host. */
  constructor(
    private readonly target: ResolvedTarget,
    private readonly settings: AuthSettings,
    private readonly unlocked: Map<string, ParsedKey>,
  ) {}

  private keyFiles(): string[] {
    return this.target.identityFiles.length > 0 ? this.target.identityFiles : defaultKeyFiles(this.settings.homeDir)
  }

  /**
   * Methods to offer. Without `interactive`, nothing is asked (agent, plain keys, keys
   * unlocked earlier); with it, passphrases and the password are asked first, outside the
   * handshake timeout. Returns whether asking could add anything.
   */
  async plan(interactive: boolean): Promise<AuthPlan & { canAsk: boolean }> {
    const { user, address, port } = this.target
    const methods: AuthPlan['methods'] = []
    const notes: string[] = []
    let canAsk = false
    const prompt = this.settings.secretPrompt

    if (this.target.usePassword) {
      // The user chose a password: offer only that, so keys do not use up MaxAuthTries.
      if (this.password === undefined && interactive && prompt && !this.passwordCancelled) {
        this.password = await prompt({ kind: 'password', host: address, port, user, retry: this.passwordRefused, message: `Password for ${this.target.label}` })
        if (this.password === undefined) {
          this.passwordCancelled = true
          notes.push('password: cancelled')
        }
      }
      if (this.password === undefined) {
        canAsk = !!prompt && !this.passwordCancelled
        if (!prompt) notes.push('password: no way to ask for it')
        if (this.passwordCancelled) notes.push('password: cancelled')
        this.passwordCancelled = false // a later connect (the user's next action) may ask again
      } else {
        const password = this.password
        methods.push({ method: { type: 'password', username: user, password }, label: 'password' })
        methods.push({
          method: { type: 'keyboard-interactive', username: user, prompt: (_n: string, _i: string, _l: string, prompts: unknown[], finish: (answers: string[]) => void) => finish(prompts.map(() => password)) },
          label: 'keyboard-interactive (password)',
        })
      }
      return { methods, notes, canAsk }
    }

    const explicit = this.target.identityFiles.length > 0
    const files = this.keyFiles()
    const agents = await agentCandidates(this.settings.agent)
    const addAgents = () => {
      for (const agent of agents) methods.push({ method: { type: 'agent', username: user, agent }, label: `agent ${agent === 'pageant' ? 'Pageant' : agent}` })
    }
    // Keys the user named come first; then the agent; then the default key files.
    if (!explicit) addAgents()
    for (const file of files) {
      const cached = this.unlocked.get(file)
      if (cached) {
        methods.push({ method: { type: 'publickey', username: user, key: cached }, label: `key ${file}` })
        continue
      }
      let data: Buffer | undefined
      try {
        data = await readKeyFile(file)
      } catch (err) {
        // Named or default, a key path that holds something else is worth telling.
        notes.push(`key ${(err as Error).message}`)
        continue
      }
      if (!data) {
        if (explicit) notes.push(`key ${file}: no such file (ENOENT)`)
        continue
      }
      let state = parseKeyFile(data)
      if (state.kind === 'encrypted') {
        if (!interactive || !prompt) {
          canAsk ||= !!prompt
          if (!prompt) notes.push(`key ${file}: encrypted, and no way to ask for its passphrase`)
          continue
        }
        for (let attempt = 0; attempt < 3 && (state.kind === 'encrypted' || (state.kind === 'unusable' && state.why === 'wrong passphrase')); attempt++) {
          const pass = await prompt({ kind: 'passphrase', host: address, port, user, keyFile: file, retry: attempt > 0, message: `Passphrase for ${file} (to log in as ${this.target.label})` })
          if (pass === undefined) {
            notes.push(`key ${file}: passphrase not given`)
            break
          }
          state = parseKeyFile(data, pass)
        }
      }
      if (state.kind === 'ready') {
        this.unlocked.set(file, state.key)
        methods.push({ method: { type: 'publickey', username: user, key: state.key }, label: `key ${file}` })
      } else if (state.kind === 'unusable') {
        notes.push(`key ${file}: ${state.why}`)
      }
    }
    if (explicit) addAgents()
    return { methods, notes, canAsk }
  }

  /** Forget remembered secrets (after an auth failure they were wrong). */
  forgetPassword(): void {
    if (this.password !== undefined) this.passwordRefused = true
    this.password = undefined
  }
}

/** ssh2 authHandler that offers the planned methods in order and records what was tried. */
export function authHandler(plan: AuthPlan, tried: string[]) {
  const queue = [...plan.methods]
  const serverName = (t: AuthenticationType) => (t === 'agent' ? 'publickey' : t)
  return (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: (m: Method | false) => void) => {
    while (queue.length > 0) {
      const m = queue.shift()!
      if (methodsLeft && !methodsLeft.includes(serverName(m.method.type))) continue
      tried.push(m.label)
      return next(m.method)
    }
    return next(false)
  }
}
