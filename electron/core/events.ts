// Typed event bus for contract events: the core emits, every front end forwards.
import { EventEmitter } from 'node:events'
import type { EventName, EventPayload } from '../../shared/contract'

type EventListener = (name: EventName, payload: unknown) => void

export class CoreEvents {
  private readonly emitter = new EventEmitter()

  constructor() {
    this.emitter.setMaxListeners(0) // one per connected client; bounded by the server
  }

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    this.emitter.emit('event', name, payload)
  }

  /** Listen to every event; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.emitter.on('event', listener)
    return () => this.emitter.off('event', listener)
  }
}
