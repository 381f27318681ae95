// TLS 1.3 record protection (RFC 8446 §5.2–§5.4): AEAD over TLSInnerPlaintext (content ‖ type ‖
// zero padding), the 5-byte record header as additional data, and a per-record nonce formed from
// the write IV and the 64-bit sequence number. Each sealed record (header, ciphertext, tag) is
// written into one buffer (shared/INTEROP.md §6); `sealInto` lets the record layer put every record
// of one send into a single buffer.
import type { Aead, CryptoProvider } from '../crypto/provider.js';
import { TlsError, internalError, unexpectedMessage } from '../errors.js';
import { trafficKeys, type Suite13 } from '../keys/schedule13.js';
import { AlertDescription, ContentType } from '../wire/iana.js';
import { MAX_CIPHERTEXT_13, MAX_PLAINTEXT, RECORD_HEADER_LENGTH, recordOverflow, type TlsRecord } from './deframer.js';

const TAG_LENGTH = 16;

/** Something that protects and unprotects records of one direction (TLS 1.3 AEAD, TLS 1.2 GCM/ChaCha/CBC). */
export interface RecordProtector {
  /** Protects one fragment (at most `maxContent` bytes) and returns the whole record, header included. */
  seal(type: number, content: Uint8Array): Uint8Array;
  /** Unprotects one record; throws a TlsError (bad_record_mac for every authentication failure). */
  open(record: TlsRecord): { type: number; content: Uint8Array };
  /** The largest content this protector seals in one record. */
  readonly maxContent: number;
  /** TLS 1.3: the key reached its usage limit (RFC 8446 §5.5); the sender must update it. */
  readonly keyUpdateDue?: boolean;
  /**
   * Optional fast path: the size of the record `seal` would return for content of this length, and
   * sealing straight into `out` at `offset` (returns the bytes written). The record layer then writes
   * every record of one send into a single buffer.
   */
  sealedLength?(contentLength: number): number;
  sealInto?(type: number, content: Uint8Array, out: Uint8Array, offset: number): number;
  /** sealInto writes every byte of each record it returns the length of (its AEAD says so): no zero fill needed first. */
  readonly fillsOutput?: boolean;
}

export function badRecordMac(): TlsError {
  // RFC 8446 §5.2: every decryption failure is bad_record_mac, with nothing to tell them apart.
  return new TlsError('ERR_TLS_BAD_RECORD_MAC', AlertDescription.bad_record_mac, 'a record failed authentication (bad_record_mac)');
}

/**
 * A 64-bit record sequence number kept as two 32-bit halves (RFC 8446 §5.3). It must never wrap:
 * the connection must rekey (KeyUpdate) or close long before.
 */
export class SequenceNumber {
  private hi = 0;
  private lo = 0;

  /** The current value as a JS number (exact below 2^53). */
  get value(): number {
    return this.hi * 0x1_0000_0000 + this.lo;
  }

  /** Writes iv XOR (0^32 ‖ seq64) into `nonce` (RFC 8446 §5.3). */
  nonce(iv: Uint8Array, nonce: Uint8Array): void {
    nonce.set(iv);
    this.xorInto(nonce, iv.length);
  }

  /** XORs the 64-bit big-endian value into the 8 bytes of `nonce` that end at `n`. */
  xorInto(nonce: Uint8Array, n: number): void {
    nonce[n - 8] = (nonce[n - 8] as number) ^ (this.hi >>> 24);
    nonce[n - 7] = (nonce[n - 7] as number) ^ ((this.hi >>> 16) & 0xff);
    nonce[n - 6] = (nonce[n - 6] as number) ^ ((this.hi >>> 8) & 0xff);
    nonce[n - 5] = (nonce[n - 5] as number) ^ (this.hi & 0xff);
    nonce[n - 4] = (nonce[n - 4] as number) ^ (this.lo >>> 24);
    nonce[n - 3] = (nonce[n - 3] as number) ^ ((this.lo >>> 16) & 0xff);
    nonce[n - 2] = (nonce[n - 2] as number) ^ ((this.lo >>> 8) & 0xff);
    nonce[n - 1] = (nonce[n - 1] as number) ^ (this.lo & 0xff);
  }

  /** Writes the 8-byte big-endian value at `offset` (TLS 1.2 MAC / AEAD additional data, GCM explicit nonce). */
  write(buf: Uint8Array, offset: number): void {
    put32(buf, offset, this.hi);
    put32(buf, offset + 4, this.lo);
  }

  /** Checks the counter can be used (it has not reached 2^64 - 1) — RFC 8446 §5.3: never wrap. */
  check(): void {
    if (this.hi === 0xffffffff && this.lo === 0xffffffff) {
      throw internalError('record sequence number exhausted: the connection must be rekeyed or closed');
    }
  }

  increment(): void {
    if (this.lo === 0xffffffff) {
      this.lo = 0;
      this.hi++;
    } else {
      this.lo++;
    }
  }

  /** For tests: start from a given value. */
  set(hi: number, lo: number): void {
    this.hi = hi >>> 0;
    this.lo = lo >>> 0;
  }
}

/**
 * The nonce of the record being sealed or opened, shared by every protector: it is written, used by
 * one synchronous AEAD call and then dead (the Aead contract), so a per-connection copy would only
 * cost memory (two buffers per idle connection).
 */
export const NONCE_SCRATCH = new Uint8Array(12);

/**
 * A 12-byte static IV kept as three signed 32-bit numbers, which V8 stores as small integers in the
 * object: 48 bytes per direction where a typed array with its ArrayBuffer costs about 300 for a
 * connection's whole life.
 */
class StaticIv {
  private readonly w0: number;
  private readonly w1: number;
  private readonly w2: number;
  constructor(iv: Uint8Array) {
    if (iv.length !== 12) throw internalError(`TLS 1.3 IV must be 12 bytes, got ${iv.length}`);
    const w = (i: number): number => ((iv[i] as number) << 24) | ((iv[i + 1] as number) << 16) | ((iv[i + 2] as number) << 8) | (iv[i + 3] as number);
    this.w0 = w(0);
    this.w1 = w(4);
    this.w2 = w(8);
  }

  /** Writes iv XOR (0^32 ‖ seq64) into `out` (RFC 8446 §5.3). */
  nonce(seq: SequenceNumber, out: Uint8Array): void {
    put32(out, 0, this.w0);
    put32(out, 4, this.w1);
    put32(out, 8, this.w2);
    seq.xorInto(out, 12);
  }
}

/** Writes the low 32 bits of `v` big-endian at `at`. */
function put32(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 24;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
}

export class RecordProtector13 implements RecordProtector {
  readonly suite: Suite13;
  readonly seq = new SequenceNumber();
  /**
   * The largest TLSInnerPlaintext accepted on open (content + type + padding): 2^14 + 1 (RFC 8446
   * §5.4), or the record_size_limit we announced (RFC 8449 §4).
   */
  maxInnerPlaintext = MAX_PLAINTEXT + 1;
  /** The largest content sealed per record: 2^14, or the peer's record_size_limit - 1 (RFC 8449 §4). */
  maxContent = MAX_PLAINTEXT;
  /**
   * RFC 8446 §5.5: records one key may protect before a KeyUpdate is due. AES-GCM is limited to
   * 2^24.5 full-size records; we ask for an update well before (2^23). ChaCha20-Poly1305's limit
   * is far higher (2^36 here).
   */
  readonly usageLimit: number;
  private readonly aead: Aead;
  private readonly iv: StaticIv;

  /** Header, then the AEAD's output over the whole inner plaintext: every byte, when the AEAD fills its range. */
  get fillsOutput(): boolean {
    return this.aead.fillsOutput === true;
  }

  constructor(p: CryptoProvider, s: Suite13, trafficSecret: Uint8Array) {
    this.suite = s;
    this.usageLimit = s.aead === 'chacha20-poly1305' ? 2 ** 36 : 2 ** 23;
    const { key, iv } = trafficKeys(p, s, trafficSecret);
    this.aead = p.aead(s.aead, key);
    this.iv = new StaticIv(iv);
  }

  /** True once this key has protected `usageLimit` records: the sender should send a KeyUpdate (RFC 8446 §4.6.3). */
  get keyUpdateDue(): boolean {
    return this.seq.value >= this.usageLimit;
  }

  /**
   * Seals `content` of `type` with `padding` zero bytes (RFC 8446 §5.4) into one record:
   * opaque_type application_data, legacy_record_version 0x0303, the AEAD output.
   */
  seal(type: number, content: Uint8Array, padding = 0): Uint8Array {
    const out = new Uint8Array(this.sealedLength(content.length, padding));
    this.sealInto(type, content, out, 0, padding);
    return out;
  }

  /** Bytes of the record that seals `contentLength` bytes of content with `padding` (header included). */
  sealedLength(contentLength: number, padding = 0): number {
    return RECORD_HEADER_LENGTH + contentLength + 1 + padding + TAG_LENGTH;
  }

  /**
   * Seals like `seal`, writing header, ciphertext and tag into `out` at `offset` (no other buffer is
   * made for the record). Returns the bytes written.
   */
  sealInto(type: number, content: Uint8Array, out: Uint8Array, offset: number, padding = 0): number {
    if (content.length > this.maxContent) {
      throw internalError(`record content of ${content.length} bytes exceeds ${this.maxContent}; fragment first`);
    }
    const innerLength = content.length + 1 + padding;
    // RFC 8446 §5.4: the full TLSInnerPlaintext MUST NOT exceed 2^14 + 1 octets.
    if (padding < 0 || innerLength > MAX_PLAINTEXT + 1) {
      throw internalError(`inner plaintext of ${innerLength} bytes exceeds 2^14 + 1 (content ${content.length}, padding ${padding})`);
    }
    const length = innerLength + TAG_LENGTH;
    if (offset < 0 || offset + RECORD_HEADER_LENGTH + length > out.length) {
      throw internalError(`record buffer too small: need ${RECORD_HEADER_LENGTH + length} bytes at offset ${offset}, have ${out.length}`);
    }
    this.seq.check();
    out[offset] = ContentType.application_data;
    out[offset + 1] = 0x03;
    out[offset + 2] = 0x03;
    out[offset + 3] = length >>> 8;
    out[offset + 4] = length & 0xff;
    const body = offset + RECORD_HEADER_LENGTH;
    out.set(content, body);
    out[body + content.length] = type;
    if (padding > 0) out.fill(0, body + content.length + 1, body + innerLength);
    this.iv.nonce(this.seq, NONCE_SCRATCH);
    const inner = out.subarray(body, body + innerLength);
    this.aead.sealInto(NONCE_SCRATCH, out.subarray(offset, body), inner, out, body);
    this.seq.increment();
    return RECORD_HEADER_LENGTH + length;
  }

  open(record: TlsRecord): { type: number; content: Uint8Array } {
    // RFC 8446 §5.2: protected records always carry opaque_type application_data.
    if (record.type !== ContentType.application_data) {
      throw unexpectedMessage(`received an unprotected record of type ${record.type} after record protection started`);
    }
    const fragment = record.fragment;
    if (fragment.length > MAX_CIPHERTEXT_13) {
      throw recordOverflow(`protected record of ${fragment.length} bytes exceeds 2^14 + 256`);
    }
    // A ciphertext shorter than the tag plus the content type byte cannot authenticate.
    if (fragment.length < TAG_LENGTH + 1) throw badRecordMac();
    this.seq.check();
    this.iv.nonce(this.seq, NONCE_SCRATCH);
    const inner = this.aead.open(NONCE_SCRATCH, record.header, fragment);
    if (inner === null) throw badRecordMac();
    this.seq.increment();
    // RFC 8446 §5.4: TLSInnerPlaintext longer than the limit is record_overflow.
    if (inner.length > this.maxInnerPlaintext) {
      throw recordOverflow(`decrypted record of ${inner.length} bytes exceeds the limit of ${this.maxInnerPlaintext}`);
    }
    // RFC 8446 §5.4: the content type is the last non-zero byte; all zeros is unexpected_message.
    let i = inner.length - 1;
    while (i >= 0 && inner[i] === 0) i--;
    if (i < 0) throw unexpectedMessage('protected record has no content type (all-zero inner plaintext)');
    const type = inner[i] as number;
    if (type !== ContentType.handshake && type !== ContentType.alert && type !== ContentType.application_data) {
      // RFC 8446 §5: a protected change_cipher_spec, or any unknown inner type, is unexpected_message.
      throw unexpectedMessage(`protected record with inner content type ${type}`);
    }
    return { type, content: inner.subarray(0, i) };
  }
}
