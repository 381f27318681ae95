// TLS 1.2 RSA key transport, server side (RFC 5246 §7.4.7.1, shared/DESIGN.md): decrypt with no padding,
// unpad without branches on secret data, and on any failure (wrong length, bad padding, no zero
// separator, wrong version) continue with a random premaster secret. Nothing here throws or returns
// early on a secret-dependent condition: the failure shows only later, when the client's Finished does
// not verify, at the same point for every kind of bad ciphertext.
import type { CryptoProvider, PrivateKey } from '../crypto/provider.js';

const PMS = 48;

/** 0xff when x === 0 else 0x00, for a byte x (no branches). */
function zeroMask(x: number): number {
  return (((x | -x) >>> 31) - 1) & 0xff;
}

/**
 * The premaster secret from an EncryptedPreMasterSecret: the decrypted one when the PKCS#1 v1.5 block
 * is well formed (00 02 PS[>=8 non-zero] 00 PMS[48]) and PMS starts with `clientVersion`; otherwise
 * `fallback` (48 random bytes the caller drew beforehand, so the work is the same either way).
 */
export function decryptPremaster(crypto: CryptoProvider, key: PrivateKey, ciphertext: Uint8Array, clientVersion: number, fallback: Uint8Array): Uint8Array {
  const bits = key.bits ?? 0;
  const k = Math.ceil(bits / 8);
  // A wrong-length ciphertext is public (its length is on the wire); it still takes the same path.
  const raw = crypto.rsaDecryptRaw(key, ciphertext);
  const em = raw !== null && raw.length === k ? raw : new Uint8Array(Math.max(k, PMS + 11));
  const n = em.length;
  // good stays 0xff while every check passes.
  let good = zeroMask(em[0] as number) & zeroMask((em[1] as number) ^ 0x02);
  // PS: bytes 2 .. n-PMS-2 must all be non-zero; the separator at n-PMS-1 must be zero.
  let psZero = 0;
  for (let i = 2; i < n - PMS - 1; i++) psZero |= zeroMask(em[i] as number);
  good &= ~psZero & 0xff;
  good &= zeroMask(em[n - PMS - 1] as number);
  // RFC 5246 §7.4.7.1: the first two bytes are the version the client offered, checked in constant time too.
  good &= zeroMask((em[n - PMS] as number) ^ (clientVersion >>> 8));
  good &= zeroMask((em[n - PMS + 1] as number) ^ (clientVersion & 0xff));
  // Also fail (without a branch) when the key size was unusable or the decryption returned nothing.
  good &= zeroMask(raw === null ? 1 : 0) & zeroMask(k === n ? 0 : 1);
  const out = new Uint8Array(PMS);
  for (let i = 0; i < PMS; i++) {
    out[i] = ((em[n - PMS + i] as number) & good) | ((fallback[i] as number) & ~good & 0xff);
  }
  return out;
}
