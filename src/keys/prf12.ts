// The TLS 1.2 key derivations (RFC 5246 §5, §6.3, §7.4.9, §8.1), the extended master secret
// (RFC 7627 §4) and the TLS 1.2 keying-material exporter (RFC 5705 §4), all on the provider's HMAC.
import type { CryptoProvider, HashAlgorithm } from '../crypto/provider.js';
import { internalError } from '../errors.js';
import { concatBytes } from '../wire/bytes.js';

const encoder = new TextEncoder();


/** P_hash(secret, seed) (RFC 5246 §5), `length` bytes. */
export function pHash(p: CryptoProvider, hash: HashAlgorithm, secret: Uint8Array, seed: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0) throw internalError(`P_hash length ${length} is not a non-negative integer`);
  const out = new Uint8Array(length);
  let a = seed; // A(0)
  for (let at = 0; at < length; ) {
    a = p.hmac(hash, secret, a); // A(i) = HMAC(secret, A(i-1))
    const block = p.hmac(hash, secret, [a, seed]);
    const take = Math.min(block.length, length - at);
    out.set(block.subarray(0, take), at);
    at += take;
  }
  return out;
}

/** The labels of the handshake (RFC 5246 §6.3, §7.4.9, §8.1; RFC 7627 §4), encoded once at load. */
const FIXED_LABELS: ReadonlyMap<string, Uint8Array> = new Map(
  ['master secret', 'extended master secret', 'key expansion', 'client finished', 'server finished'].map((l) => [l, encoder.encode(l)]),
);

/** PRF(secret, label, seed) = P_<hash>(secret, label ‖ seed) (RFC 5246 §5). */
export function prf12(p: CryptoProvider, hash: HashAlgorithm, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  return pHash(p, hash, secret, concatBytes(FIXED_LABELS.get(label) ?? encoder.encode(label), seed), length);
}

/** master_secret from the premaster secret and the hello randoms (RFC 5246 §8.1). */
export function masterSecret12(
  p: CryptoProvider,
  hash: HashAlgorithm,
  preMasterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): Uint8Array {
  return prf12(p, hash, preMasterSecret, 'master secret', concatBytes(clientRandom, serverRandom), 48);
}

/**
 * The extended master secret (RFC 7627 §4): the seed is the session hash, the transcript hash
 * through ClientKeyExchange.
 */
export function extendedMasterSecret12(p: CryptoProvider, hash: HashAlgorithm, preMasterSecret: Uint8Array, sessionHash: Uint8Array): Uint8Array {
  return prf12(p, hash, preMasterSecret, 'extended master secret', sessionHash, 48);
}

/** The connection's write keys (RFC 5246 §6.3), each direction's MAC key, cipher key and IV. */
export interface KeyBlock12 {
  readonly clientMacKey: Uint8Array;
  readonly serverMacKey: Uint8Array;
  readonly clientKey: Uint8Array;
  readonly serverKey: Uint8Array;
  /** The implicit IV (AEAD: 4 bytes for GCM, 12 for ChaCha20-Poly1305; empty for CBC in TLS 1.2). */
  readonly clientIv: Uint8Array;
  readonly serverIv: Uint8Array;
}

/** key_block = PRF(master_secret, "key expansion", server_random ‖ client_random), cut in order (RFC 5246 §6.3). */
export function keyBlock12(
  p: CryptoProvider,
  hash: HashAlgorithm,
  masterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  sizes: { readonly macKeyLength: number; readonly keyLength: number; readonly fixedIvLength: number },
): KeyBlock12 {
  const { macKeyLength: m, keyLength: k, fixedIvLength: v } = sizes;
  const block = prf12(p, hash, masterSecret, 'key expansion', concatBytes(serverRandom, clientRandom), 2 * (m + k + v));
  let at = 0;
  const cut = (n: number): Uint8Array => {
    const out = block.slice(at, at + n);
    at += n;
    return out;
  };
  const clientMacKey = cut(m);
  const serverMacKey = cut(m);
  const clientKey = cut(k);
  const serverKey = cut(k);
  const clientIv = cut(v);
  const serverIv = cut(v);
  return { clientMacKey, serverMacKey, clientKey, serverKey, clientIv, serverIv };
}

/** Finished.verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11] (RFC 5246 §7.4.9). */
export function finishedVerifyData12(
  p: CryptoProvider,
  hash: HashAlgorithm,
  masterSecret: Uint8Array,
  sender: 'client' | 'server',
  transcriptHash: Uint8Array,
): Uint8Array {
  return prf12(p, hash, masterSecret, sender === 'client' ? 'client finished' : 'server finished', transcriptHash, 12);
}

/**
 * TLS 1.2 exporter (RFC 5705 §4): PRF(master_secret, label, client_random ‖ server_random
 * [‖ uint16 context length ‖ context]). An absent context and an empty one differ in TLS 1.2.
 */
export function exporter12(
  p: CryptoProvider,
  hash: HashAlgorithm,
  masterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  label: string,
  context: Uint8Array | undefined,
  length: number,
): Uint8Array {
  const parts = [clientRandom, serverRandom];
  if (context !== undefined) {
    if (context.length > 0xffff) throw internalError(`exporter context of ${context.length} bytes exceeds 65535`);
    parts.push(new Uint8Array([context.length >>> 8, context.length & 0xff]), context);
  }
  return prf12(p, hash, masterSecret, label, concatBytes(...parts), length);
}
