// TLS 1.2 record protection (RFC 5246 §6.2.3): AEAD with AES-GCM (RFC 5288, explicit 8-byte nonce)
// or ChaCha20-Poly1305 (RFC 7905, IV XOR sequence number), and AES-CBC with HMAC, either
// MAC-then-encrypt (RFC 5246 §6.2.3.2) or encrypt-then-MAC (RFC 7366). Every failure to
// authenticate or unpad is the same bad_record_mac (RFC 5246 §7.2.2).
import type { Aead, CbcCipher, CryptoProvider, HashAlgorithm } from '../crypto/provider.js';
import { internalError } from '../errors.js';
import type { RecordCipher12 } from '../keys/suites12.js';
import { ProtocolVersion } from '../wire/iana.js';
import { MAX_PLAINTEXT, RECORD_HEADER_LENGTH, recordOverflow, type TlsRecord } from './deframer.js';
import { NONCE_SCRATCH, SequenceNumber, badRecordMac, type RecordProtector } from './protect13.js';

/** The additional data of the record being sealed or opened: used at once, then rewritten (shared, like NONCE_SCRATCH). */
const AAD_SCRATCH = new Uint8Array(13);

const TAG_LENGTH = 16;
const BLOCK = 16;

function writeHeader(out: Uint8Array, type: number, version: number, length: number, offset = 0): void {
  out[offset] = type;
  out[offset + 1] = version >>> 8;
  out[offset + 2] = version & 0xff;
  out[offset + 3] = length >>> 8;
  out[offset + 4] = length & 0xff;
}

/**
 * seq_num ‖ type ‖ version ‖ length: the AEAD additional data and the MAC prefix (RFC 5246 §6.2.3.2,
 * §6.2.3.3), written into `a` (13 bytes; a new buffer when not given).
 */
function pseudoHeader(seq: SequenceNumber, type: number, versionHi: number, versionLo: number, length: number, a = new Uint8Array(13)): Uint8Array {
  seq.write(a, 0);
  a[8] = type;
  a[9] = versionHi;
  a[10] = versionLo;
  a[11] = length >>> 8;
  a[12] = length & 0xff;
  return a;
}

/** TLS 1.2 AEAD records: AES-GCM (RFC 5288 §3) or ChaCha20-Poly1305 (RFC 7905 §2). */
export class RecordProtector12Aead implements RecordProtector {
  readonly seq = new SequenceNumber();
  maxContent = MAX_PLAINTEXT;
  private readonly aead: Aead;
  private readonly explicitLength: number;

  constructor(
    p: CryptoProvider,
    private readonly cipher: Extract<RecordCipher12, { kind: 'gcm' | 'chacha' }>,
    key: Uint8Array,
    private readonly fixedIv: Uint8Array,
    private readonly version: number = ProtocolVersion.TLSv1_2,
  ) {
    if (fixedIv.length !== cipher.fixedIvLength) throw internalError(`${cipher.aead} needs a ${cipher.fixedIvLength}-byte implicit IV`);
    this.aead = p.aead(cipher.aead, key);
    this.explicitLength = cipher.kind === 'gcm' ? 8 : 0;
  }

  /** Header, explicit nonce, then the AEAD's output: every byte, when the AEAD fills its range. */
  get fillsOutput(): boolean {
    return this.aead.fillsOutput === true;
  }

  private nonce(): Uint8Array {
    if (this.cipher.kind === 'gcm') {
      // RFC 5288 §3: salt (4 bytes) ‖ nonce_explicit; the sequence number is a unique explicit part.
      NONCE_SCRATCH.set(this.fixedIv, 0);
      this.seq.write(NONCE_SCRATCH, 4);
    } else {
      // RFC 7905 §2: the 64-bit sequence number, left-padded, XOR the 12-byte IV.
      this.seq.nonce(this.fixedIv, NONCE_SCRATCH);
    }
    return NONCE_SCRATCH;
  }

  seal(type: number, content: Uint8Array): Uint8Array {
    const out = new Uint8Array(this.sealedLength(content.length));
    this.sealInto(type, content, out, 0);
    return out;
  }

  /** Bytes of the record that seals `contentLength` bytes (header, explicit nonce, ciphertext, tag). */
  sealedLength(contentLength: number): number {
    return RECORD_HEADER_LENGTH + this.explicitLength + contentLength + TAG_LENGTH;
  }

  /** Seals like `seal`, writing the whole record into `out` at `offset`; returns the bytes written. */
  sealInto(type: number, content: Uint8Array, out: Uint8Array, offset: number): number {
    if (content.length > this.maxContent) throw internalError(`record content of ${content.length} bytes exceeds ${this.maxContent}`);
    const length = this.explicitLength + content.length + TAG_LENGTH;
    if (offset < 0 || offset + RECORD_HEADER_LENGTH + length > out.length) {
      throw internalError(`record buffer too small: need ${RECORD_HEADER_LENGTH + length} bytes at offset ${offset}, have ${out.length}`);
    }
    this.seq.check();
    writeHeader(out, type, this.version, length, offset);
    const nonce = this.nonce();
    if (this.explicitLength > 0) out.set(nonce.subarray(4), offset + RECORD_HEADER_LENGTH);
    const aad = pseudoHeader(this.seq, type, this.version >>> 8, this.version & 0xff, content.length, AAD_SCRATCH);
    this.aead.sealInto(nonce, aad, content, out, offset + RECORD_HEADER_LENGTH + this.explicitLength);
    this.seq.increment();
    return RECORD_HEADER_LENGTH + length;
  }

  open(record: TlsRecord): { type: number; content: Uint8Array } {
    const f = record.fragment;
    if (f.length < this.explicitLength + TAG_LENGTH) throw badRecordMac();
    const plainLength = f.length - this.explicitLength - TAG_LENGTH;
    // RFC 5246 §6.2.1: a plaintext fragment is at most 2^14 bytes.
    if (plainLength > MAX_PLAINTEXT) throw recordOverflow(`record of ${plainLength} plaintext bytes exceeds 2^14`);
    this.seq.check();
    const nonce = this.nonce();
    if (this.explicitLength > 0) nonce.set(f.subarray(0, 8), 4);
    const aad = pseudoHeader(this.seq, record.type, record.header[1] as number, record.header[2] as number, plainLength, AAD_SCRATCH);
    const content = this.aead.open(nonce, aad, f.subarray(this.explicitLength));
    if (content === null) throw badRecordMac();
    this.seq.increment();
    return { type: record.type, content };
  }
}

/** TLS 1.2 AES-CBC + HMAC records, MAC-then-encrypt (RFC 5246 §6.2.3.2) or encrypt-then-MAC (RFC 7366). */
export class RecordProtector12Cbc implements RecordProtector {
  readonly seq = new SequenceNumber();
  maxContent = MAX_PLAINTEXT;
  private readonly cbc: CbcCipher;
  private readonly mac: HashAlgorithm;
  private readonly macLength: number;

  constructor(
    private readonly p: CryptoProvider,
    cipher: Extract<RecordCipher12, { kind: 'cbc' }>,
    key: Uint8Array,
    private readonly macKey: Uint8Array,
    readonly encryptThenMac: boolean,
    private readonly version: number = ProtocolVersion.TLSv1_2,
  ) {
    this.cbc = p.cbc(cipher.cbc, key);
    this.mac = cipher.mac;
    this.macLength = cipher.macLength;
    if (macKey.length !== cipher.macLength) throw internalError(`HMAC-${cipher.mac} needs a ${cipher.macLength}-byte key`);
  }

  private computeMac(type: number, vHi: number, vLo: number, length: number, data: readonly Uint8Array[]): Uint8Array {
    return this.p.hmac(this.mac, this.macKey, [pseudoHeader(this.seq, type, vHi, vLo, length), ...data]);
  }

  seal(type: number, content: Uint8Array): Uint8Array {
    const out = new Uint8Array(this.sealedLength(content.length));
    this.sealInto(type, content, out, 0);
    return out;
  }

  /** content ‖ MAC (MAC-then-encrypt only) ‖ padding ‖ padding_length, a whole number of blocks. */
  private paddedLength(contentLength: number): number {
    const unpadded = contentLength + (this.encryptThenMac ? 0 : this.macLength) + 1;
    return unpadded + ((BLOCK - (unpadded % BLOCK)) % BLOCK);
  }

  /** Bytes of the record that seals `contentLength` bytes (header, IV, ciphertext, MAC with encrypt-then-MAC). */
  sealedLength(contentLength: number): number {
    return RECORD_HEADER_LENGTH + BLOCK + this.paddedLength(contentLength) + (this.encryptThenMac ? this.macLength : 0);
  }

  /** Seals like `seal`, writing the whole record into `out` at `offset`; returns the bytes written. */
  sealInto(type: number, content: Uint8Array, out: Uint8Array, offset: number): number {
    if (content.length > this.maxContent) throw internalError(`record content of ${content.length} bytes exceeds ${this.maxContent}`);
    const total = this.sealedLength(content.length);
    if (offset < 0 || offset + total > out.length) {
      throw internalError(`record buffer too small: need ${total} bytes at offset ${offset}, have ${out.length}`);
    }
    this.seq.check();
    const vHi = this.version >>> 8;
    const vLo = this.version & 0xff;
    const iv = this.p.randomBytes(BLOCK); // RFC 5246 §6.2.3.2: a fresh unpredictable IV per record
    const macInside = this.encryptThenMac ? 0 : this.macLength;
    const plainLength = this.paddedLength(content.length);
    const padLength = plainLength - content.length - macInside - 1; // padding_length byte value
    // The plaintext is laid out where its ciphertext goes, then encrypted and written over itself.
    const ctAt = offset + RECORD_HEADER_LENGTH + BLOCK;
    const plain = out.subarray(ctAt, ctAt + plainLength);
    plain.set(content, 0);
    if (!this.encryptThenMac) plain.set(this.computeMac(type, vHi, vLo, content.length, [content]), content.length);
    plain.fill(padLength, content.length + macInside);
    const ct = this.cbc.encrypt(iv, plain);
    out.set(ct, ctAt);
    const length = total - RECORD_HEADER_LENGTH;
    writeHeader(out, type, this.version, length, offset);
    out.set(iv, offset + RECORD_HEADER_LENGTH);
    if (this.encryptThenMac) {
      // RFC 7366 §3: MAC(MAC_write_key, seq_num ‖ type ‖ version ‖ length ‖ IV ‖ ENC(content ‖ padding)).
      const mac = this.computeMac(type, vHi, vLo, BLOCK + ct.length, [iv, ct]);
      out.set(mac, ctAt + ct.length);
    }
    this.seq.increment();
    return total;
  }

  open(record: TlsRecord): { type: number; content: Uint8Array } {
    return this.encryptThenMac ? this.openEtm(record) : this.openMte(record);
  }

  private openEtm(record: TlsRecord): { type: number; content: Uint8Array } {
    const f = record.fragment;
    const ctLength = f.length - BLOCK - this.macLength;
    if (ctLength < BLOCK || ctLength % BLOCK !== 0) throw badRecordMac();
    this.seq.check();
    const vHi = record.header[1] as number;
    const vLo = record.header[2] as number;
    const body = f.subarray(0, BLOCK + ctLength);
    const expected = this.computeMac(record.type, vHi, vLo, body.length, [body]);
    // RFC 7366 §3: the MAC is checked before anything is decrypted.
    if (!this.p.timingSafeEqual(expected, f.subarray(BLOCK + ctLength))) throw badRecordMac();
    const plain = this.cbc.decrypt(f.subarray(0, BLOCK), f.subarray(BLOCK, BLOCK + ctLength));
    const pad = plain[plain.length - 1] as number;
    if (pad + 1 > plain.length) throw badRecordMac();
    let bad = 0;
    for (let i = plain.length - 1 - pad; i < plain.length; i++) bad |= (plain[i] as number) ^ pad;
    if (bad !== 0) throw badRecordMac();
    const contentLength = plain.length - pad - 1;
    if (contentLength > MAX_PLAINTEXT) throw recordOverflow(`record of ${contentLength} plaintext bytes exceeds 2^14`);
    this.seq.increment();
    return { type: record.type, content: plain.subarray(0, contentLength) };
  }

  private openMte(record: TlsRecord): { type: number; content: Uint8Array } {
    const f = record.fragment;
    const macLength = this.macLength;
    // IV, then at least one block holding MAC and padding_length. These lengths are public.
    const minCt = Math.ceil((macLength + 1) / BLOCK) * BLOCK;
    if (f.length < BLOCK + minCt || f.length % BLOCK !== 0) throw badRecordMac();
    this.seq.check();
    const plain = this.cbc.decrypt(f.subarray(0, BLOCK), f.subarray(BLOCK));
    const n = plain.length;
    // Lucky 13 (RFC 5246 §6.2.3.2 and its implementation note): no branch on secret data. The padding is
    // checked over a fixed window of the last 256 bytes, masking those inside the claimed padding.
    const padLength = plain[n - 1] as number;
    const fits = ((n - macLength - 1 - padLength) >> 31) + 1; // 1 when pad + 1 + MAC fit, else 0
    let padBad = 0;
    const window = Math.min(256, n);
    for (let i = 1; i <= window; i++) {
      const inPad = ((i - padLength - 2) >> 31) & 1; // i - 1 <= padLength
      padBad |= inPad * ((plain[n - i] as number) ^ padLength);
    }
    const good = fits & (((padBad - 1) >> 31) & 1);
    // With bad padding, take padding_length 0 and go on: the MAC then fails the same way.
    const usedPad = good * padLength;
    const contentLength = n - macLength - 1 - usedPad;
    // The received MAC sits at a secret-dependent offset: gather it by scanning a fixed window.
    const received = new Uint8Array(macLength);
    const from = Math.max(0, n - macLength - 256 - 1);
    for (let i = from; i < n; i++) {
      const off = i - contentLength;
      const b = plain[i] as number;
      for (let j = 0; j < macLength; j++) {
        const hit = (((((off - j) | (j - off)) >> 31) & 1) ^ 1) & (((off >> 31) & 1) ^ 1);
        received[j] = (received[j] as number) | (b & -hit);
      }
    }
    const vHi = record.header[1] as number;
    const vLo = record.header[2] as number;
    const content = plain.subarray(0, contentLength);
    const expected = this.computeMac(record.type, vHi, vLo, contentLength, [content]);
    // The same number of hash compressions whatever the padding: the MAC over fewer blocks is topped up
    // with a dummy hash of exactly the missing blocks (plus one, so it is never empty).
    const B = this.mac === 'sha384' || this.mac === 'sha512' ? 128 : 64;
    const lengthField = B === 128 ? 16 : 8;
    const blocks = (len: number): number => Math.floor((B + 13 + len + 1 + lengthField + B - 1) / B);
    const missing = blocks(n - macLength - 1) - blocks(contentLength);
    this.p.digest(this.mac, this.zeros(missing * B));
    const macOk = this.p.timingSafeEqual(expected, received) ? 1 : 0;
    if ((macOk & good) !== 1) throw badRecordMac();
    if (contentLength > MAX_PLAINTEXT) throw recordOverflow(`record of ${contentLength} plaintext bytes exceeds 2^14`);
    this.seq.increment();
    return { type: record.type, content };
  }

  private zeroBuf: Uint8Array = new Uint8Array(0);
  /** A zero buffer of n bytes (kept and grown, so the dummy hashing allocates once). */
  private zeros(n: number): Uint8Array {
    if (this.zeroBuf.length < n) this.zeroBuf = new Uint8Array(Math.max(n, 2048));
    return this.zeroBuf.subarray(0, n);
  }
}

/** The protector for one direction of a TLS 1.2 connection. */
export function recordProtector12(
  p: CryptoProvider,
  cipher: RecordCipher12,
  keys: { readonly key: Uint8Array; readonly iv: Uint8Array; readonly macKey: Uint8Array },
  encryptThenMac = false,
): RecordProtector12Aead | RecordProtector12Cbc {
  if (cipher.kind === 'cbc') return new RecordProtector12Cbc(p, cipher, keys.key, keys.macKey, encryptThenMac);
  return new RecordProtector12Aead(p, cipher, keys.key, keys.iv);
}
