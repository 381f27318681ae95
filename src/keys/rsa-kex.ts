// TLS 1.2 RSA key transport, server side (RFC 5246 §7.4.7.1). Node refuses PKCS#1 v1.5 private
// decryption, so the raw RSA result is unpadded here without branching on it, and any failure
// (bad padding, wrong length, wrong version) silently yields a random premaster secret: the
// handshake then fails at Finished, exactly like a wrong key, and nothing tells the cases apart
// (shared/DESIGN.md, "RSA key exchange").
import type { CryptoProvider, PrivateKey } from '../crypto/provider.js';

export const PREMASTER_LENGTH = 48;

/** 1 when x (0..255) is zero, else 0, without a branch. */
function isZero(x: number): number {
  return ((x - 1) >> 31) & 1;
}

/**
 * The 48-byte premaster secret from an EncryptedPreMasterSecret, or a random one on any failure.
 * `clientVersion` is ClientHello.client_version, which the premaster's first two bytes must carry.
 */
export function decryptPremaster(p: CryptoProvider, key: PrivateKey, encrypted: Uint8Array, clientVersion: number): Uint8Array {
  // RFC 5246 §7.4.7.1: generate the random premaster first, whatever happens next.
  const random = p.randomBytes(PREMASTER_LENGTH);
  const k = ((key.bits ?? 0) + 7) >> 3;
  const raw = p.rsaDecryptRaw(key, encrypted);
  let bad = raw === null || raw.length !== k || k < PREMASTER_LENGTH + 11 ? 1 : 0;
  const em = raw !== null && raw.length === k && k >= PREMASTER_LENGTH + 11 ? raw : new Uint8Array(Math.max(k, PREMASTER_LENGTH + 11));
  const n = em.length;
  // EM = 0x00 ‖ 0x02 ‖ PS (n - 51 non-zero bytes) ‖ 0x00 ‖ premaster (48 bytes)
  bad |= em[0] as number;
  bad |= (em[1] as number) ^ 0x02;
  for (let i = 2; i < n - PREMASTER_LENGTH - 1; i++) bad |= isZero(em[i] as number);
  bad |= em[n - PREMASTER_LENGTH - 1] as number;
  bad |= (em[n - PREMASTER_LENGTH] as number) ^ (clientVersion >>> 8);
  bad |= (em[n - PREMASTER_LENGTH + 1] as number) ^ (clientVersion & 0xff);
  const keep = -isZero(bad) & 0xff; // bad is an OR of bytes (<= 0xff); keep is 0xff when every check passed
  const out = new Uint8Array(PREMASTER_LENGTH);
  for (let i = 0; i < PREMASTER_LENGTH; i++) {
    out[i] = ((em[n - PREMASTER_LENGTH + i] as number) & keep) | ((random[i] as number) & ~keep & 0xff);
  }
  return out;
}
