// The 'session' event with its bytes encoded on first read: a client keeps its latest session for
// getSession() for as long as the connection lives, and the decoded form (whose certificates are
// shared with the handshake summary) is much smaller than the encoding.
import type { ConnectionEvent } from '../conn/types.js';

export type SessionEvent = Extract<ConnectionEvent, { readonly type: 'session' }>;

export function sessionEvent(encode: () => Uint8Array): SessionEvent {
  let bytes: Uint8Array | undefined;
  return {
    type: 'session',
    get session(): Uint8Array {
      if (bytes === undefined) bytes = encode();
      return bytes;
    },
  };
}
