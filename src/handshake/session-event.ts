// The 'session' event with its bytes encoded on first read: a client keeps its latest session for
// getSession() for as long as the connection lives, and the decoded form (whose certificates are
// shared with the handshake summary) is much smaller than the encoding.
import type { ConnectionEvent } from '../conn/types.js';

export type SessionEvent = Extract<ConnectionEvent, { readonly type: 'session' }>;

/** A class, not an object literal with a getter: V8 keeps the latter in a slow dictionary form. */
class LazySessionEvent {
  readonly type = 'session';
  #bytes: Uint8Array | undefined;
  #encode: (() => Uint8Array) | undefined;

  constructor(encode: () => Uint8Array) {
    this.#encode = encode;
  }

  get session(): Uint8Array {
    if (this.#bytes === undefined) {
      const encode = this.#encode;
      if (encode === undefined) throw new Error('unreachable: no session encoder');
      this.#bytes = encode();
      this.#encode = undefined;
    }
    return this.#bytes;
  }
}

export function sessionEvent(encode: () => Uint8Array): SessionEvent {
  return new LazySessionEvent(encode);
}
