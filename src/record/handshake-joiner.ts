// Reassembles handshake messages from record fragments (RFC 8446 §5.1: a message may span
// records, and one record may hold several messages). Each message keeps its raw bytes, header
// included, for the transcript hash.
import { TlsError } from '../errors.js';
import { AlertDescription, handshakeName } from '../wire/iana.js';
import { ByteQueue } from './bytequeue.js';

export interface HandshakeMessageBytes {
  readonly type: number;
  /** The body, without the 4-byte header (a view into `raw`). */
  readonly body: Uint8Array;
  /** The whole message: msg_type, uint24 length, body. */
  readonly raw: Uint8Array;
}

/** Default largest handshake message: 64 KiB (long certificate chains need more than 16 KiB). */
export const DEFAULT_MAX_HANDSHAKE_MESSAGE = 64 * 1024;

export class HandshakeJoiner {
  private readonly queue = new ByteQueue();

  constructor(readonly maxMessageLength = DEFAULT_MAX_HANDSHAKE_MESSAGE) {}

  /** True while part of a message is buffered (keys may change only at a message boundary). */
  get pending(): boolean {
    return this.queue.length > 0;
  }

  /** Adds the content of one handshake record (kept by reference until consumed). */
  push(fragment: Uint8Array): void {
    this.queue.push(fragment);
  }

  /** The next complete message, or null when more fragments are needed. */
  next(): HandshakeMessageBytes | null {
    const q = this.queue;
    if (q.length < 4) return null;
    const type = q.peek(0);
    const length = (q.peek(1) << 16) | (q.peek(2) << 8) | q.peek(3);
    if (length > this.maxMessageLength) {
      throw new TlsError(
        'ERR_TLS_HANDSHAKE_MESSAGE_TOO_LONG',
        AlertDescription.illegal_parameter,
        `${handshakeName(type)} message of ${length} bytes exceeds the limit of ${this.maxMessageLength} bytes (raise maxHandshakeSize if the peer's certificate chain really is this long)`,
      );
    }
    if (q.length < 4 + length) return null;
    const raw = q.take(4 + length);
    return { type, body: raw.subarray(4), raw };
  }
}
