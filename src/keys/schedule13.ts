// The TLS 1.3 key schedule (RFC 8446 §7): HKDF on the provider's HMAC (node's hkdfSync cannot do
// Expand alone, shared/DESIGN.md), Derive-Secret, traffic keys, Finished keys, KeyUpdate, the
// resumption PSK and exporters. Every value here is checked against RFC 8448 in
// tests/keys.schedule13.test.ts.
import type { AeadAlgorithm, CryptoProvider, HashAlgorithm } from '../crypto/provider.js';
import { internalError } from '../errors.js';
import { CipherSuite } from '../wire/iana.js';

/** A TLS 1.3 cipher suite's parameters (RFC 8446 §B.4). */
export interface Suite13 {
  readonly suite: number;
  readonly name: string;
  readonly hash: 'sha256' | 'sha384';
  readonly hashLength: number;
  readonly aead: AeadAlgorithm;
  readonly keyLength: number;
  readonly ivLength: 12;
}

const SUITES13: readonly Suite13[] = [
  { suite: CipherSuite.TLS_AES_128_GCM_SHA256, name: 'TLS_AES_128_GCM_SHA256', hash: 'sha256', hashLength: 32, aead: 'aes-128-gcm', keyLength: 16, ivLength: 12 },
  { suite: CipherSuite.TLS_AES_256_GCM_SHA384, name: 'TLS_AES_256_GCM_SHA384', hash: 'sha384', hashLength: 48, aead: 'aes-256-gcm', keyLength: 32, ivLength: 12 },
  {
    suite: CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
    name: 'TLS_CHACHA20_POLY1305_SHA256',
    hash: 'sha256',
    hashLength: 32,
    aead: 'chacha20-poly1305',
    keyLength: 32,
    ivLength: 12,
  },
];

/** The parameters of a TLS 1.3 cipher suite, or undefined for any other code point. */
export function suite13(suite: number): Suite13 | undefined {
  return SUITES13.find((s) => s.suite === suite);
}

const encoder = new TextEncoder();
const LABEL_PREFIX = encoder.encode('tls13 ');
const EMPTY = new Uint8Array(0);

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Values every handshake without a PSK recomputes otherwise (RFC 8446 §7.1): Hash(""), the Early
 * Secret HKDF-Extract(0, 0) and Derive-Secret(Early Secret, "derived", ""). Constants of the hash
 * function (the SHA-256 ones are in RFC 8448 §3); tests/keys.schedule13.test.ts recomputes them.
 * Copied on use, so nobody can change them.
 */
export const NO_PSK_CONSTANTS: Readonly<Record<'sha256' | 'sha384', { readonly emptyHash: string; readonly early: string; readonly derived: string }>> = {
  sha256: {
    emptyHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    early: '33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a',
    derived: '6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba',
  },
  sha384: {
    emptyHash: '38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b',
    early: '7ee8206f5570023e6dc7519eb1073bc4e791ad37b5c382aa10ba18e2357e716971f9362f2c2fe2a76bfd78dfec4ea9b5',
    derived: '1591dac5cbbf0330a4a84de9c753330e92d01f0a88214b4464972fd668049e93e52f2b16fad922fdc0584478428f282b',
  },
};

/**
 * The same as bytes, decoded once, with HashLen zeros: shared by every KeySchedule13, which only
 * reads them and never hands them out (a copy per handshake cost four typed arrays of heap per
 * connection in flight).
 */
const NO_PSK_BYTES = {
  sha256: bytesOf(NO_PSK_CONSTANTS.sha256),
  sha384: bytesOf(NO_PSK_CONSTANTS.sha384),
} as const;

function bytesOf(k: { readonly emptyHash: string; readonly early: string; readonly derived: string }) {
  const emptyHash = fromHex(k.emptyHash);
  return { emptyHash, early: fromHex(k.early), derived: fromHex(k.derived), zeros: new Uint8Array(emptyHash.length) } as const;
}

/** HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM) (RFC 5869 §2.2). An empty salt means HashLen zeros. */
export function hkdfExtract(p: CryptoProvider, hash: HashAlgorithm, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return p.hmac(hash, salt.length === 0 ? new Uint8Array(p.hashLength(hash)) : salt, ikm);
}

/** HKDF-Expand(PRK, info, L) (RFC 5869 §2.3). */
export function hkdfExpand(p: CryptoProvider, hash: HashAlgorithm, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const hashLen = p.hashLength(hash);
  if (!Number.isInteger(length) || length < 0 || length > 255 * hashLen) {
    throw internalError(`HKDF-Expand length ${length} outside 0..${255 * hashLen}`);
  }
  if (length <= hashLen) {
    // One block (every TLS 1.3 derivation): T(1) = HMAC(PRK, info || 0x01).
    const input = new Uint8Array(info.length + 1);
    input.set(info);
    input[info.length] = 1;
    const t1 = p.hmac(hash, prk, input);
    return length === t1.length ? t1 : t1.slice(0, length);
  }
  const out = new Uint8Array(length);
  let prev: Uint8Array = EMPTY;
  const counter = new Uint8Array(1);
  for (let i = 1, at = 0; at < length; i++) {
    counter[0] = i;
    prev = p.hmac(hash, prk, [prev, info, counter]);
    out.set(prev.subarray(0, Math.min(prev.length, length - at)), at);
    at += prev.length;
  }
  return out;
}

/** "tls13 " ‖ label as bytes: the labels of the key schedule are encoded once, at load. */
const FIXED_LABELS: ReadonlyMap<string, Uint8Array> = new Map(
  [
    'derived',
    'ext binder',
    'res binder',
    'c e traffic',
    'e exp master',
    'c hs traffic',
    's hs traffic',
    'c ap traffic',
    's ap traffic',
    'exp master',
    'res master',
    'key',
    'iv',
    'finished',
    'traffic upd',
    'resumption',
    'exporter',
  ].map((l) => [l, encoder.encode(`tls13 ${l}`)]),
);

function fullLabel(label: string): Uint8Array {
  const fixed = FIXED_LABELS.get(label);
  if (fixed !== undefined) return fixed;
  const l = encoder.encode(label);
  const out = new Uint8Array(LABEL_PREFIX.length + l.length);
  out.set(LABEL_PREFIX);
  out.set(l, LABEL_PREFIX.length);
  return out;
}

/**
 * The HkdfLabel structure (RFC 8446 §7.1): uint16 length, opaque label<7..255>, opaque context<0..255>,
 * followed by `trailer` zero bytes (room for HKDF-Expand's counter, so one block needs one buffer).
 * Written into `out` when given (from offset 0; the caller passes a buffer large enough), else into
 * a new buffer; returns the bytes written, as a view of that buffer.
 */
function hkdfLabel(label: string, context: Uint8Array, length: number, trailer: number, out?: Uint8Array): Uint8Array {
  const l = fullLabel(label);
  const fullLen = l.length;
  if (fullLen > 255) throw internalError(`HKDF label "tls13 ${label}" is longer than 255 bytes`);
  if (context.length > 255) throw internalError(`HKDF context of ${context.length} bytes is longer than 255 bytes`);
  if (length > 0xffff) throw internalError(`HKDF-Expand-Label length ${length} does not fit 16 bits`);
  const n = 2 + 1 + fullLen + 1 + context.length + trailer;
  const buf = out ?? new Uint8Array(n);
  buf[0] = length >>> 8;
  buf[1] = length & 0xff;
  buf[2] = fullLen;
  buf.set(l, 3);
  buf[3 + fullLen] = context.length;
  buf.set(context, 4 + fullLen);
  if (trailer > 0) buf.fill(0, n - trailer, n);
  return buf === out ? buf.subarray(0, n) : buf;
}

/**
 * The HMAC input of a one-block HKDF-Expand-Label (HkdfLabel ‖ 0x01), shared by every derivation:
 * written, handed to one synchronous HMAC (which copies it) and then dead, so a derivation allocates
 * no buffer for it. Large enough for the longest label and context (255 bytes each).
 */
const LABEL_SCRATCH = new Uint8Array(2 + 1 + 255 + 1 + 255 + 1);

/** HKDF-Expand-Label(Secret, Label, Context, Length) (RFC 8446 §7.1); the "tls13 " prefix is added here. */
export function hkdfExpandLabel(
  p: CryptoProvider,
  hash: HashAlgorithm,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Uint8Array {
  if (Number.isInteger(length) && length >= 0 && length <= p.hashLength(hash)) {
    // One block (every derivation of the key schedule): T(1) = HMAC(PRK, HkdfLabel ‖ 0x01), built
    // in one buffer (RFC 5869 §2.3).
    const input = hkdfLabel(label, context, length, 1, LABEL_SCRATCH);
    input[input.length - 1] = 1;
    const t1 = p.hmac(hash, secret, input);
    // T(1) is a fresh buffer nobody else holds: a shorter output (a key or an IV) can be a view of it.
    return length === t1.length ? t1 : t1.subarray(0, length);
  }
  return hkdfExpand(p, hash, secret, hkdfLabel(label, context, length, 0), length);
}

/** Derive-Secret(Secret, Label, Messages) with the transcript hash already computed (RFC 8446 §7.1). */
export function deriveSecret(p: CryptoProvider, hash: HashAlgorithm, secret: Uint8Array, label: string, transcriptHash: Uint8Array): Uint8Array {
  return hkdfExpandLabel(p, hash, secret, label, transcriptHash, p.hashLength(hash));
}

/** The write key and IV for a traffic secret (RFC 8446 §7.3). */
export function trafficKeys(p: CryptoProvider, s: Suite13, trafficSecret: Uint8Array): { key: Uint8Array; iv: Uint8Array } {
  return {
    key: hkdfExpandLabel(p, s.hash, trafficSecret, 'key', EMPTY, s.keyLength),
    iv: hkdfExpandLabel(p, s.hash, trafficSecret, 'iv', EMPTY, s.ivLength),
  };
}

/** finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length) (RFC 8446 §4.4.4). */
export function finishedKey(p: CryptoProvider, hash: HashAlgorithm, baseKey: Uint8Array): Uint8Array {
  return hkdfExpandLabel(p, hash, baseKey, 'finished', EMPTY, p.hashLength(hash));
}

/** verify_data = HMAC(finished_key, Transcript-Hash(...)) (RFC 8446 §4.4.4); also the PSK binder (§4.2.11.2). */
export function finishedVerifyData(p: CryptoProvider, hash: HashAlgorithm, baseKey: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
  return p.hmac(hash, finishedKey(p, hash, baseKey), transcriptHash);
}

/** application_traffic_secret_N+1 (RFC 8446 §7.2, KeyUpdate). */
export function nextTrafficSecret(p: CryptoProvider, hash: HashAlgorithm, secret: Uint8Array): Uint8Array {
  return hkdfExpandLabel(p, hash, secret, 'traffic upd', EMPTY, p.hashLength(hash));
}

/** The PSK for a ticket: HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length) (RFC 8446 §4.6.1). */
export function resumptionPsk(p: CryptoProvider, hash: HashAlgorithm, resumptionMasterSecret: Uint8Array, ticketNonce: Uint8Array): Uint8Array {
  return hkdfExpandLabel(p, hash, resumptionMasterSecret, 'resumption', ticketNonce, p.hashLength(hash));
}

/**
 * TLS-Exporter(label, context_value, key_length) (RFC 8446 §7.5) from the (early) exporter master
 * secret: HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter", Hash(context_value), key_length).
 * An absent context and an empty one are the same in TLS 1.3.
 */
export function exporter13(
  p: CryptoProvider,
  hash: HashAlgorithm,
  exporterMasterSecret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Uint8Array {
  const derived = deriveSecret(p, hash, exporterMasterSecret, label, p.digest(hash, EMPTY));
  const out = hkdfExpandLabel(p, hash, derived, 'exporter', p.digest(hash, context), length);
  // A shorter output is a view of T(1): the application gets a buffer of its own, with no bytes
  // of T(1) beyond the ones it asked for behind it.
  return out.byteLength === out.buffer.byteLength ? out : out.slice();
}

/** Early Secret = HKDF-Extract(0, PSK) (RFC 8446 §7.1). */
export function earlySecretOf(p: CryptoProvider, suite: Suite13, psk: Uint8Array): Uint8Array {
  return hkdfExtract(p, suite.hash, new Uint8Array(suite.hashLength), psk);
}

/**
 * The secret chain of one TLS 1.3 handshake (RFC 8446 §7.1): Early Secret → Handshake Secret →
 * Master Secret, each stage fed in order. Derivations from a stage not yet reached throw (a bug).
 */
export class KeySchedule13 {
  private readonly p: CryptoProvider;
  private readonly hash: 'sha256' | 'sha384';
  /** HashLen zeros, Hash("") and (without a PSK) the Early Secret: shared constants, only read. */
  private readonly zeros: Uint8Array;
  private readonly emptyHash: Uint8Array;
  private readonly early: Uint8Array;
  /** Derive-Secret(Early Secret, "derived", ""), precomputed without a PSK. */
  private readonly earlyDerived: Uint8Array | undefined;
  private handshake: Uint8Array | undefined;
  private master: Uint8Array | undefined;

  /**
   * Computes the Early Secret from the PSK, or from HashLen zeros without one. `earlySecret`, when
   * given, is that PSK's Early Secret already computed (earlySecretOf), so it is not derived again.
   */
  constructor(
    p: CryptoProvider,
    readonly suite: Suite13,
    psk?: Uint8Array,
    earlySecret?: Uint8Array,
  ) {
    this.p = p;
    this.hash = suite.hash;
    const k = NO_PSK_BYTES[suite.hash];
    this.zeros = k.zeros;
    this.emptyHash = k.emptyHash;
    if (psk === undefined) {
      this.early = k.early;
      this.earlyDerived = k.derived;
    } else {
      // The caller's Early Secret is only read here (the PSK offer keeps it for the binder too).
      this.early = earlySecret ?? earlySecretOf(p, suite, psk);
      this.earlyDerived = undefined;
    }
  }

  private derive(secret: Uint8Array, label: string, th: Uint8Array): Uint8Array {
    if (th.length !== this.suite.hashLength) {
      throw internalError(`transcript hash of ${th.length} bytes where ${this.suite.hash} gives ${this.suite.hashLength}`);
    }
    return deriveSecret(this.p, this.hash, secret, label, th);
  }

  private needHandshake(): Uint8Array {
    if (this.handshake === undefined) throw internalError('key schedule: the handshake secret has not been computed yet');
    return this.handshake;
  }

  private needMaster(): Uint8Array {
    if (this.master === undefined) throw internalError('key schedule: the master secret has not been computed yet');
    return this.master;
  }

  /** The Early Secret (for tests and traces of intermediate values; never logged). A copy: it may be a shared constant. */
  get earlySecret(): Uint8Array {
    return this.early.slice();
  }
  /** The Handshake Secret, once computed. */
  get handshakeSecret(): Uint8Array | undefined {
    return this.handshake;
  }
  /** The Master Secret, once computed. */
  get masterSecret(): Uint8Array | undefined {
    return this.master;
  }

  /** binder_key: "res binder" for resumption PSKs, "ext binder" for external ones (RFC 8446 §7.1). */
  binderKey(resumption: boolean): Uint8Array {
    return deriveSecret(this.p, this.hash, this.early, resumption ? 'res binder' : 'ext binder', this.emptyHash);
  }

  /** client_early_traffic_secret over Hash(ClientHello). */
  clientEarlyTrafficSecret(th: Uint8Array): Uint8Array {
    return this.derive(this.early, 'c e traffic', th);
  }

  /** early_exporter_master_secret over Hash(ClientHello). */
  earlyExporterMasterSecret(th: Uint8Array): Uint8Array {
    return this.derive(this.early, 'e exp master', th);
  }

  /** Handshake Secret = HKDF-Extract(Derive-Secret(Early, "derived", ""), (EC)DHE); zeros for psk_ke. */
  inputHandshakeSecret(sharedSecret: Uint8Array | undefined): void {
    if (this.handshake !== undefined) throw internalError('key schedule: the handshake secret was already computed');
    const salt = this.earlyDerived ?? deriveSecret(this.p, this.hash, this.early, 'derived', this.emptyHash);
    this.handshake = hkdfExtract(this.p, this.hash, salt, sharedSecret ?? this.zeros);
  }

  /** client_handshake_traffic_secret over Hash(ClientHello..ServerHello). */
  clientHandshakeTrafficSecret(th: Uint8Array): Uint8Array {
    return this.derive(this.needHandshake(), 'c hs traffic', th);
  }

  /** server_handshake_traffic_secret over Hash(ClientHello..ServerHello). */
  serverHandshakeTrafficSecret(th: Uint8Array): Uint8Array {
    return this.derive(this.needHandshake(), 's hs traffic', th);
  }

  /** Master Secret = HKDF-Extract(Derive-Secret(Handshake, "derived", ""), 0). */
  inputMasterSecret(): void {
    if (this.master !== undefined) throw internalError('key schedule: the master secret was already computed');
    const salt = deriveSecret(this.p, this.hash, this.needHandshake(), 'derived', this.emptyHash);
    this.master = hkdfExtract(this.p, this.hash, salt, this.zeros);
  }

  /** client_application_traffic_secret_0 over Hash(ClientHello..server Finished). */
  clientApplicationTrafficSecret(th: Uint8Array): Uint8Array {
    return this.derive(this.needMaster(), 'c ap traffic', th);
  }

  /** server_application_traffic_secret_0 over Hash(ClientHello..server Finished). */
  serverApplicationTrafficSecret(th: Uint8Array): Uint8Array {
    return this.derive(this.needMaster(), 's ap traffic', th);
  }

  /** exporter_master_secret over Hash(ClientHello..server Finished). */
  exporterMasterSecret(th: Uint8Array): Uint8Array {
    return this.derive(this.needMaster(), 'exp master', th);
  }

  /** resumption_master_secret over Hash(ClientHello..client Finished). */
  resumptionMasterSecret(th: Uint8Array): Uint8Array {
    return this.derive(this.needMaster(), 'res master', th);
  }
}
