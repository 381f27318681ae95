// The 'session' event with its bytes encoded on first read: a client keeps its latest session for
// getSession() for as long as the connection lives, and the decoded form (whose certificates are
// shared with the handshake summary) is much smaller than the encoding.
import type { ConnectionEvent } from '../conn/types.js';

export type SessionEvent = Extract<ConnectionEvent, { readonly type: 'session' }>;

/**
 * A class, not an object literal with a getter: V8 keeps the latter in a slow dictionary form. It
 * holds the session and a module-level encoder rather than a closure: a closure made inside the
 * handshake code would keep that code's whole scope (the connection with its keys and buffers)
 * alive for as long as the application keeps the event or the socket.
 */
class LazySessionEvent<T> {
  readonly type = 'session';
  #bytes: Uint8Array | undefined;
  #value: T | undefined;
  readonly #encode: (value: T) => Uint8Array;

  constructor(value: T, encode: (value: T) => Uint8Array) {
    this.#value = value;
    this.#encode = encode;
  }

  get session(): Uint8Array {
    if (this.#bytes === undefined) {
      const value = this.#value;
      if (value === undefined) throw new Error('unreachable: no session to encode');
      this.#bytes = this.#encode(value);
      this.#value = undefined;
    }
    return this.#bytes;
  }
}

/** The 'session' event of `value`, encoded by `encode` (a module-level function) on first read. */
export function sessionEvent<T>(value: T, encode: (value: T) => Uint8Array): SessionEvent {
  return new LazySessionEvent(value, encode);
}
