// TLS 1.2 record protection (RFC 5246 §6.2.3): AES-GCM with an explicit nonce (RFC 5288 §3),
// ChaCha20-Poly1305 (RFC 7905 §2), and AES-CBC with HMAC, either encrypt-then-MAC (RFC 7366) or the
// original MAC-then-encrypt, checked in constant time: the same padding check and the same amount of
// MAC work whatever the padding, and every failure is bad_record_mac (no Lucky13 signal, RFC 5246
// §6.2.3.2 and §7.2.2).
import type { Aead, CbcCipher, CryptoProvider } from '../crypto/provider.js';
import { internalError, unexpectedMessage } from '../errors.js';
import { ContentType } from '../wire/iana.js';
import type { Suite12 } from '../keys/suites12.js';
import { MAX_CIPHERTEXT_12, MAX_PLAINTEXT, RECORD_HEADER_LENGTH, recordOverflow, type TlsRecord } from './deframer.js';
import { SequenceNumber, badRecordMac, type RecordProtector } from './protect13.js';

const TAG = 16;
const BLOCK = 16;

/** Keys of one direction. `iv` is the implicit IV of AEAD suites (empty for CBC). */
export interface DirectionKeys12 {
  readonly key: Uint8Array;
  readonly macKey: Uint8Array;
  readonly iv: Uint8Array;
}

function seqBytes(seq: SequenceNumber): Uint8Array {
  const out = new Uint8Array(8);
  let v = seq.value;
  for (let i = 7; i >= 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

/** seq_num(8) ‖ type(1) ‖ version(2) ‖ length(2): the AEAD additional data and the start of the MAC input. */
function pseudoHeader(seq: SequenceNumber, type: number, length: number): Uint8Array {
  const out = new Uint8Array(13);
  out.set(seqBytes(seq), 0);
  out[8] = type;
  out[9] = 0x03;
  out[10] = 0x03;
  out[11] = length >>> 8;
  out[12] = length & 0xff;
  return out;
}

function header(out: Uint8Array, type: number, length: number): void {
  out[0] = type;
  out[1] = 0x03;
  out[2] = 0x03;
  out[3] = length >>> 8;
  out[4] = length & 0xff;
}

function checkType(type: number): void {
  // RFC 5246 §6.2.1: a protected record carries one of the known content types.
  if (type !== ContentType.handshake && type !== ContentType.alert && type !== ContentType.application_data && type !== ContentType.change_cipher_spec) {
    throw unexpectedMessage(`record of unknown content type ${type}`);
  }
}

/** Builds the protector of one direction for a negotiated TLS 1.2 suite. */
export function recordProtector12(p: CryptoProvider, suite: Suite12, keys: DirectionKeys12, encryptThenMac: boolean): RecordProtector {
  return suite.bulk.kind === 'aead' ? new AeadProtector12(p, suite, keys) : new CbcProtector12(p, suite, keys, encryptThenMac);
}

/** AES-GCM (RFC 5288) and ChaCha20-Poly1305 (RFC 7905) for TLS 1.2. */
export class AeadProtector12 implements RecordProtector {
  readonly seq = new SequenceNumber();
  readonly maxContent = MAX_PLAINTEXT;
  private readonly aead: Aead;
  private readonly iv: Uint8Array;
  private readonly explicit: number;
  private readonly nonce = new Uint8Array(12);

  constructor(p: CryptoProvider, suite: Suite12, keys: DirectionKeys12) {
    if (suite.bulk.kind !== 'aead') throw internalError('AEAD protector for a CBC suite');
    this.aead = p.aead(suite.bulk.aead, keys.key);
    this.iv = keys.iv;
    this.explicit = suite.bulk.explicitNonceLength;
  }

  private makeNonce(): void {
    if (this.explicit === 8) {
      // RFC 5288 §3: nonce = salt(4) ‖ nonce_explicit(8); we use the sequence number as the explicit part.
      this.nonce.set(this.iv.subarray(0, 4), 0);
      this.nonce.set(seqBytes(this.seq), 4);
    } else {
      // RFC 7905 §2: the 64-bit sequence number, left-padded, XORed with the 12-byte IV.
      this.seq.nonce(this.iv, this.nonce);
    }
  }

  seal(type: number, content: Uint8Array): Uint8Array {
    if (content.length > this.maxContent) throw internalError(`record content of ${content.length} bytes exceeds 2^14`);
    this.seq.check();
    this.makeNonce();
    const length = this.explicit + content.length + TAG;
    const out = new Uint8Array(RECORD_HEADER_LENGTH + length);
    header(out, type, length);
    if (this.explicit === 8) out.set(this.nonce.subarray(4), RECORD_HEADER_LENGTH);
    const aad = pseudoHeader(this.seq, type, content.length);
    this.aead.sealInto(this.nonce, aad, content, out, RECORD_HEADER_LENGTH + this.explicit);
    this.seq.increment();
    return out;
  }

  open(record: TlsRecord): { type: number; content: Uint8Array } {
    checkType(record.type);
    const f = record.fragment;
    // RFC 5246 §6.2.3: TLSCiphertext.length must not exceed 2^14 + 2048.
    if (f.length > MAX_CIPHERTEXT_12) throw recordOverflow(`protected record of ${f.length} bytes exceeds 2^14 + 2048`);
    if (f.length < this.explicit + TAG) throw badRecordMac();
    this.seq.check();
    if (this.explicit === 8) {
      this.nonce.set(this.iv.subarray(0, 4), 0);
      this.nonce.set(f.subarray(0, 8), 4);
    } else {
      this.seq.nonce(this.iv, this.nonce);
    }
    const aad = pseudoHeader(this.seq, record.type, f.length - this.explicit - TAG);
    const plain = this.aead.open(this.nonce, aad, f.subarray(this.explicit));
    if (plain === null) throw badRecordMac();
    this.seq.increment();
    // RFC 5246 §6.2.2: TLSCompressed.length (here the plaintext) must not exceed 2^14 + 1024; 2^14 without compression.
    if (plain.length > MAX_PLAINTEXT) throw recordOverflow(`decrypted record of ${plain.length} bytes exceeds 2^14`);
    return { type: record.type, content: plain };
  }
}

/** Constant-time helpers on small non-negative integers (no data-dependent branches). */
function ctIsZero(x: number): number {
  // 1 when x === 0, else 0 (x in 0..2^31-1).
  return ((x | -x) >>> 31) ^ 1;
}
function ctLessThan(a: number, b: number): number {
  // 1 when a < b, for a, b in 0..2^30.
  return ((a - b) >>> 31) & 1;
}

/** AES-CBC + HMAC (RFC 5246 §6.2.3.2), with encrypt-then-MAC when negotiated (RFC 7366). */
export class CbcProtector12 implements RecordProtector {
  readonly seq = new SequenceNumber();
  readonly maxContent = MAX_PLAINTEXT;
  private readonly cipher: CbcCipher;
  private readonly mac: 'sha1' | 'sha256' | 'sha384';
  private readonly macLength: number;
  private readonly hashBlock: number;
  private readonly hashLengthField: number;
  /** Zeros for the dummy hashing that evens out the MAC work (MAC-then-encrypt). */
  private readonly dummy: Uint8Array;

  constructor(
    private readonly p: CryptoProvider,
    suite: Suite12,
    private readonly keys: DirectionKeys12,
    readonly encryptThenMac: boolean,
  ) {
    if (suite.bulk.kind !== 'cbc') throw internalError('CBC protector for an AEAD suite');
    this.cipher = p.cbc(suite.bulk.cbc, keys.key);
    this.mac = suite.bulk.mac;
    this.macLength = suite.bulk.macLength;
    this.hashBlock = this.mac === 'sha384' ? 128 : 64;
    this.hashLengthField = this.mac === 'sha384' ? 16 : 8;
    this.dummy = encryptThenMac ? new Uint8Array(0) : new Uint8Array(MAX_CIPHERTEXT_12 + 2 * this.hashBlock);
  }

  private hmac(parts: readonly Uint8Array[]): Uint8Array {
    return this.p.hmac(this.mac, this.keys.macKey, parts);
  }

  seal(type: number, content: Uint8Array): Uint8Array {
    if (content.length > this.maxContent) throw internalError(`record content of ${content.length} bytes exceeds 2^14`);
    this.seq.check();
    const iv = this.p.randomBytes(BLOCK);
    const macLen = this.macLength;
    let body: Uint8Array;
    if (this.encryptThenMac) {
      // RFC 7366 §3: encrypt content ‖ padding, then MAC the IV and ciphertext.
      const padLen = BLOCK - ((content.length + 1) % BLOCK);
      const plain = new Uint8Array(content.length + padLen + 1);
      plain.set(content);
      plain.fill(padLen, content.length);
      const ct = this.cipher.encrypt(iv, plain);
      const length = BLOCK + ct.length;
      const mac = this.hmac([pseudoHeader(this.seq, type, length), iv, ct]);
      body = new Uint8Array(length + macLen);
      body.set(iv);
      body.set(ct, BLOCK);
      body.set(mac, length);
    } else {
      // RFC 5246 §6.2.3.2: MAC the content, then encrypt content ‖ MAC ‖ padding.
      const mac = this.hmac([pseudoHeader(this.seq, type, content.length), content]);
      const padLen = BLOCK - ((content.length + macLen + 1) % BLOCK);
      const plain = new Uint8Array(content.length + macLen + padLen + 1);
      plain.set(content);
      plain.set(mac, content.length);
      plain.fill(padLen, content.length + macLen);
      const ct = this.cipher.encrypt(iv, plain);
      body = new Uint8Array(BLOCK + ct.length);
      body.set(iv);
      body.set(ct, BLOCK);
    }
    this.seq.increment();
    const out = new Uint8Array(RECORD_HEADER_LENGTH + body.length);
    header(out, type, body.length);
    out.set(body, RECORD_HEADER_LENGTH);
    return out;
  }

  open(record: TlsRecord): { type: number; content: Uint8Array } {
    checkType(record.type);
    const f = record.fragment;
    if (f.length > MAX_CIPHERTEXT_12) throw recordOverflow(`protected record of ${f.length} bytes exceeds 2^14 + 2048`);
    this.seq.check();
    const out = this.encryptThenMac ? this.openEtm(record.type, f) : this.openMte(record.type, f);
    this.seq.increment();
    if (out.length > MAX_PLAINTEXT) throw recordOverflow(`decrypted record of ${out.length} bytes exceeds 2^14`);
    return { type: record.type, content: out };
  }

  private openEtm(type: number, f: Uint8Array): Uint8Array {
    const macLen = this.macLength;
    // IV, at least one block of ciphertext, MAC; the ciphertext is whole blocks. The lengths are public.
    if (f.length < BLOCK + BLOCK + macLen || (f.length - macLen) % BLOCK !== 0) throw badRecordMac();
    const length = f.length - macLen;
    const expected = this.hmac([pseudoHeader(this.seq, type, length), f.subarray(0, length)]);
    // RFC 7366 §3: the MAC is checked before anything is decrypted.
    if (!this.p.timingSafeEqual(expected, f.subarray(length))) throw badRecordMac();
    const plain = this.cipher.decrypt(f.subarray(0, BLOCK), f.subarray(BLOCK, length));
    const padLen = plain[plain.length - 1] as number;
    if (padLen + 1 > plain.length) throw badRecordMac();
    for (let i = plain.length - 1 - padLen; i < plain.length; i++) if (plain[i] !== padLen) throw badRecordMac();
    return plain.subarray(0, plain.length - 1 - padLen);
  }

  /**
   * MAC-then-encrypt, in constant time (the Lucky13 countermeasure): the padding is checked over the
   * last 256 bytes whatever its length; the MAC is extracted by scanning a fixed window; and dummy
   * hashing makes the number of hash compressions the same for every padding length.
   */
  private openMte(type: number, f: Uint8Array): Uint8Array {
    const macLen = this.macLength;
    // Public-length checks: IV plus whole blocks holding at least the MAC and one padding byte.
    if (f.length < BLOCK + Math.max(BLOCK, macLen + 1) || f.length % BLOCK !== 0) throw badRecordMac();
    const plain = this.cipher.decrypt(f.subarray(0, BLOCK), f.subarray(BLOCK));
    const n = plain.length;
    const padLen = plain[n - 1] as number;
    // good = 1 when padLen + 1 + macLen <= n.
    let good = ctLessThan(n - 1 - macLen, padLen) ^ 1;
    // Check up to 256 bytes: every byte within the padding must equal padLen.
    const toCheck = Math.min(256, n);
    let bad = 0;
    for (let i = 0; i < toCheck; i++) {
      const inPad = ctLessThan(i, padLen + 1); // byte n-1-i belongs to the padding
      bad |= (((plain[n - 1 - i] as number) ^ padLen) & (-inPad & 0xff));
    }
    good &= ctIsZero(bad);
    // On bad padding, proceed as if there were no padding (the MAC check then fails).
    const effPad = padLen & -good;
    // Never negative: good implies padLen + 1 + macLen <= n, and otherwise effPad is 0 (n > macLen checked above).
    const safeContentLen = n - macLen - 1 - effPad;
    // Extract the received MAC from its secret-dependent position by scanning a fixed window.
    const mac = new Uint8Array(macLen);
    const windowStart = Math.max(0, n - macLen - 256 - 1);
    for (let i = windowStart; i < n; i++) {
      const off = i - safeContentLen;
      const b = plain[i] as number;
      for (let j = 0; j < macLen; j++) {
        const hit = ctIsZero((off - j) & 0x7fffffff) & ((off >>> 31) ^ 1);
        mac[j] = (mac[j] as number) | (b & (-hit & 0xff));
      }
    }
    const content = plain.subarray(0, safeContentLen);
    const expected = this.hmac([pseudoHeader(this.seq, type, safeContentLen), content]);
    // Even out the hash work: compressions for the real MAC plus the dummy hash are the same for every padding.
    const B = this.hashBlock;
    const blocks = (len: number): number => Math.floor((len + 1 + this.hashLengthField + B - 1) / B);
    const realBlocks = blocks(B + 13 + safeContentLen);
    const maxBlocks = blocks(B + 13 + Math.max(0, n - macLen - 1));
    this.p.digest(this.mac, this.dummy.subarray(0, (maxBlocks - realBlocks) * B));
    const macOk = this.p.timingSafeEqual(expected, mac) ? 1 : 0;
    if ((good & macOk) !== 1) throw badRecordMac();
    return content;
  }
}
