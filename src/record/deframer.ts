// Cuts a TCP byte stream into TLS records (RFC 8446 §5.1, RFC 5246 §6.2.1). Works with any
// chunking (down to one byte at a time) without re-copying buffered bytes; holds at most one
// partial record beyond the chunks the caller pushed. Header checks happen as soon as the 5-byte
// header is in, so a bad stream fails before its body arrives.
import { TlsError, decodeError, unexpectedMessage } from '../errors.js';
import { AlertDescription, ContentType } from '../wire/iana.js';
import { ByteQueue } from './bytequeue.js';

/** One record as it came off the wire. `header` and `fragment` are views; do not modify them. */
export interface TlsRecord {
  readonly type: number;
  readonly version: number;
  /** The 5 header bytes (the AEAD additional data in TLS 1.3). */
  readonly header: Uint8Array;
  readonly fragment: Uint8Array;
}

export const RECORD_HEADER_LENGTH = 5;
/** 2^14: the largest TLSPlaintext fragment (RFC 8446 §5.1). */
export const MAX_PLAINTEXT = 1 << 14;
/** 2^14 + 256: the largest TLS 1.3 TLSCiphertext fragment (RFC 8446 §5.2). */
export const MAX_CIPHERTEXT_13 = (1 << 14) + 256;
/** 2^14 + 2048: the largest TLS 1.2 TLSCiphertext fragment (RFC 5246 §6.2.3). */
export const MAX_CIPHERTEXT_12 = (1 << 14) + 2048;

function knownContentType(t: number): boolean {
  return t === ContentType.change_cipher_spec || t === ContentType.alert || t === ContentType.handshake || t === ContentType.application_data;
}

export function recordOverflow(message: string): TlsError {
  return new TlsError('ERR_TLS_RECORD_OVERFLOW', AlertDescription.record_overflow, message);
}

export class RecordDeframer {
  private readonly queue = new ByteQueue();
  /**
   * Largest fragment length accepted (RFC 8446 §5.2: 2^14 + 256). The record layer raises it to
   * 2^14 + 2048 for TLS 1.2 (RFC 5246 §6.2.3); protectors and the plaintext path apply the exact limit.
   */
  maxFragmentLength = MAX_CIPHERTEXT_13;

  /** Bytes received but not yet returned as records. */
  get buffered(): number {
    return this.queue.length;
  }

  /** Adds bytes from the transport. The chunk is kept by reference until consumed: do not reuse it. */
  push(data: Uint8Array): void {
    this.queue.push(data);
  }

  /**
   * The next complete record, or null when more bytes are needed. Throws a TlsError on a bad header.
   * A record of content type `transientType` (when given) may be assembled in a scratch buffer that
   * the next call reuses: the caller passes it only for records it consumes at once (decrypts into a
   * new buffer) and keeps no view of.
   */
  next(transientType?: number): TlsRecord | null {
    const q = this.queue;
    if (q.length < RECORD_HEADER_LENGTH) {
      // Fail early on a first byte that cannot start a record (e.g. plaintext HTTP on a TLS port).
      if (q.length > 0) this.checkType(q.peek(0));
      if (q.length > 1) this.checkMajor(q.peek(1));
      return null;
    }
    const type = q.peek(0);
    this.checkType(type);
    this.checkMajor(q.peek(1));
    const length = (q.peek(3) << 8) | q.peek(4);
    if (length > this.maxFragmentLength) {
      // RFC 8446 §5.2 (and RFC 5246 §6.2.3): a record longer than allowed is record_overflow.
      throw recordOverflow(`record of ${length} bytes exceeds the limit of ${this.maxFragmentLength}`);
    }
    if (q.length < RECORD_HEADER_LENGTH + length) return null;
    const whole = q.take(RECORD_HEADER_LENGTH + length, type === transientType);
    const header = whole.subarray(0, RECORD_HEADER_LENGTH);
    return {
      type,
      version: ((header[1] as number) << 8) | (header[2] as number),
      header,
      fragment: whole.subarray(RECORD_HEADER_LENGTH),
    };
  }

  private checkType(type: number): void {
    // RFC 8446 §5: "If a TLS implementation receives an unexpected record type, it MUST terminate
    // the connection with an unexpected_message alert." Heartbeat (24) is never negotiated here.
    if (!knownContentType(type)) {
      const hint = type >= 0x41 && type <= 0x5a ? ' (the peer may be speaking plaintext, e.g. HTTP)' : '';
      throw unexpectedMessage(`record with unknown content type ${type}${hint}`);
    }
  }

  private checkMajor(major: number): void {
    // RFC 8446 §5.1 ignores legacy_record_version's value, but every TLS version (and SSL 3.0)
    // uses major 3; anything else is not a TLS record at all (e.g. an SSL 2.0 hello), so it is a
    // field out of range: decode_error (RFC 8446 §6.2).
    if (major !== 3) throw decodeError(`record version major byte is ${major}, not 3: this is not a TLS record`);
  }
}
