// The TLS 1.2 PRF (RFC 5246 §5) on the provider's HMAC, and what is derived with it: the master
// secret (§8.1), the extended master secret (RFC 7627 §4), the key block (§6.3), Finished verify_data
// (§7.4.9) and the exporter (RFC 5705 §4). Checked against published vectors in tests/keys.prf12.test.ts.
import type { CryptoProvider } from '../crypto/provider.js';
import { internalError } from '../errors.js';
import type { Suite12 } from './suites12.js';

const encoder = new TextEncoder();

function concat(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** PRF(secret, label, seed) = P_<hash>(secret, label + seed), `length` bytes (RFC 5246 §5). */
export function prf12(p: CryptoProvider, hash: 'sha256' | 'sha384', secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0) throw internalError(`PRF length ${length} is not a non-negative integer`);
  const labelSeed = concat(encoder.encode(label), seed);
  const out = new Uint8Array(length);
  // A(0) = seed; A(i) = HMAC(secret, A(i-1)); output = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + ...
  let a = labelSeed;
  for (let at = 0; at < length; ) {
    a = p.hmac(hash, secret, a);
    const block = p.hmac(hash, secret, [a, labelSeed]);
    out.set(block.subarray(0, Math.min(block.length, length - at)), at);
    at += block.length;
  }
  return out;
}

/** RFC 5246 §8.1: master_secret = PRF(pre_master_secret, "master secret", client_random + server_random)[0..47]. */
export function masterSecret12(p: CryptoProvider, hash: 'sha256' | 'sha384', pms: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): Uint8Array {
  return prf12(p, hash, pms, 'master secret', concat(clientRandom, serverRandom), 48);
}

/** RFC 7627 §4: master_secret = PRF(pre_master_secret, "extended master secret", session_hash)[0..47]. */
export function extendedMasterSecret12(p: CryptoProvider, hash: 'sha256' | 'sha384', pms: Uint8Array, sessionHash: Uint8Array): Uint8Array {
  return prf12(p, hash, pms, 'extended master secret', sessionHash, 48);
}

/** The connection keys cut from the key block (RFC 5246 §6.3). */
export interface KeyBlock12 {
  readonly clientMacKey: Uint8Array;
  readonly serverMacKey: Uint8Array;
  readonly clientKey: Uint8Array;
  readonly serverKey: Uint8Array;
  readonly clientIv: Uint8Array;
  readonly serverIv: Uint8Array;
}

/**
 * RFC 5246 §6.3: key_block = PRF(master_secret, "key expansion", server_random + client_random),
 * cut into client/server MAC keys, encryption keys and (for AEAD suites) implicit IVs. CBC suites in
 * TLS 1.2 use explicit per-record IVs, so their IVs here are empty.
 */
export function keyBlock12(p: CryptoProvider, suite: Suite12, master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): KeyBlock12 {
  const b = suite.bulk;
  const macLen = b.kind === 'cbc' ? b.macLength : 0;
  const ivLen = b.kind === 'aead' ? b.fixedIvLength : 0;
  const total = 2 * (macLen + b.keyLength + ivLen);
  const block = prf12(p, suite.prfHash, master, 'key expansion', concat(serverRandom, clientRandom), total);
  let at = 0;
  const take = (n: number): Uint8Array => {
    const v = block.slice(at, at + n);
    at += n;
    return v;
  };
  const clientMacKey = take(macLen);
  const serverMacKey = take(macLen);
  const clientKey = take(b.keyLength);
  const serverKey = take(b.keyLength);
  const clientIv = take(ivLen);
  const serverIv = take(ivLen);
  return { clientMacKey, serverMacKey, clientKey, serverKey, clientIv, serverIv };
}

/** RFC 5246 §7.4.9: verify_data = PRF(master_secret, finished_label, Hash(handshake_messages))[0..11]. */
export function finishedVerifyData12(p: CryptoProvider, hash: 'sha256' | 'sha384', master: Uint8Array, fromClient: boolean, handshakeHash: Uint8Array): Uint8Array {
  return prf12(p, hash, master, fromClient ? 'client finished' : 'server finished', handshakeHash, 12);
}

/**
 * RFC 5705 §4: PRF(master_secret, label, client_random + server_random [+ context_length + context]).
 * Labels the handshake itself uses are refused (§4).
 */
export function exporter12(
  p: CryptoProvider,
  hash: 'sha256' | 'sha384',
  master: Uint8Array,
  label: string,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  context: Uint8Array | undefined,
  length: number,
): Uint8Array {
  const reserved = ['client finished', 'server finished', 'master secret', 'key expansion', 'extended master secret'];
  if (reserved.includes(label)) throw internalError(`exporter label "${label}" is reserved by TLS (RFC 5705 §4)`);
  let seed = concat(clientRandom, serverRandom);
  if (context !== undefined) {
    if (context.length > 0xffff) throw internalError('exporter context longer than 65535 bytes');
    seed = concat(seed, new Uint8Array([context.length >>> 8, context.length & 0xff]), context);
  }
  return prf12(p, hash, master, label, seed, length);
}
