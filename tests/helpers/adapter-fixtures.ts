// Fixtures for the Node adapter tests: a self-signed P-256 certificate for localhost/127.0.0.1 (valid
// until 2126) and a minimal CryptoProvider that can only import private keys (the adapter needs
// nothing else; the fake connection does no crypto).
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { CryptoProvider, PrivateKey } from '../../src/crypto/provider.js';

export const KEY_PEM = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgl8N3p4gVpu6baTFH
QsdguedjlriELRN/mgtsVnQhMbChRANCAAS91WhxXmgxIbjrbC6xpDbhkCsmGp+h
sdIkeMV27/c7Jo5uZ7YH47MDQ7BNJmrggsUKuCIl/oJaDjtIByk4x8y1
-----END PRIVATE KEY-----
`;

export const CERT_PEM = `-----BEGIN CERTIFICATE-----
MIIByDCCAW+gAwIBAgIUbcpq3g65BvzolbiViofxGGChxJUwCgYIKoZIzj0EAwIw
KzESMBAGA1UEAwwJbG9jYWxob3N0MRUwEwYDVQQKDAx0eXBldGxzIHRlc3QwIBcN
MjYxMTIyMDkxNzI4WhgPMjEyNjEwMjkwOTE3MjhaMCsxEjAQBgNVBAMMCWxvY2Fs
aG9zdDEVMBMGA1UECgwMdHlwZXRscyB0ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAEvdVocV5oMSG462wusaQ24ZArJhqfobHSJHjFdu/3OyaObme2B+OzA0Ow
TSZq4ILFCrgiJf6CWg47SAcpOMfMtaNvMG0wHQYDVR0OBBYEFCNlVtIQC/wZkwDv
rDg9CEgRuJzVMB8GA1UdIwQYMBaAFCNlVtIQC/wZkwDvrDg9CEgRuJzVMA8GA1Ud
EwEB/wQFMAMBAf8wGgYDVR0RBBMwEYIJbG9jYWxob3N0hwR/AAABMAoGCCqGSM49
BAMCA0cAMEQCIFKyciEd4uk87G0HlQNTBvjnu0Z8xG+MLYSFrPIav5mtAiBSTSLk
G6SmTdnFQGqcpy2GtBEcnLabyPNJq5Evt5jDtg==
-----END CERTIFICATE-----
`;

function notNeeded(): never {
  throw new Error('not needed by the adapter tests');
}

/** Imports keys with node:crypto and names its groups (x25519, secp256r1); every primitive throws. */
export const keyOnlyProvider = {
  name: 'key-only (tests)',
  importPrivateKey(key: string | Uint8Array, passphrase?: string): PrivateKey {
    const handle = createPrivateKey(passphrase === undefined ? { key: Buffer.from(key) } : { key: Buffer.from(key), passphrase });
    const pub = createPublicKey(handle);
    return { type: 'ec', curve: 'P-256', handle, publicKey: { type: 'ec', curve: 'P-256', handle: pub } };
  },
  randomBytes: notNeeded,
  hash: notNeeded,
  digest: notNeeded,
  hashLength: notNeeded,
  hmac: notNeeded,
  pbkdf2: notNeeded,
  aead: notNeeded,
  cbc: notNeeded,
  supportedGroups: () => [0x001d, 0x0017],
  keyExchange: notNeeded,
  importSpki: notNeeded,
  samePublicKey: notNeeded,
  sign: notNeeded,
  verify: notNeeded,
  rsaEncryptPkcs1: notNeeded,
  rsaDecryptRaw: notNeeded,
  timingSafeEqual: notNeeded,
} satisfies CryptoProvider;
