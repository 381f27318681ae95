// The precomputed no-PSK values of the TLS 1.3 key schedule equal what the provider computes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { NO_PSK_CONSTANTS, deriveSecret, hkdfExtract } from '../src/keys/schedule13.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('RFC 8446 §7.1: precomputed Hash(""), Early Secret and its "derived" secret (no PSK) match the provider', () => {
  const p = nodeCryptoProvider();
  for (const [hash, len] of [
    ['sha256', 32],
    ['sha384', 48],
  ] as const) {
    const zeros = new Uint8Array(len);
    const emptyHash = p.digest(hash, new Uint8Array(0));
    const early = hkdfExtract(p, hash, zeros, zeros);
    const derived = deriveSecret(p, hash, early, 'derived', emptyHash);
    assert.equal(NO_PSK_CONSTANTS[hash].emptyHash, hex(emptyHash), hash);
    assert.equal(NO_PSK_CONSTANTS[hash].early, hex(early), hash);
    assert.equal(NO_PSK_CONSTANTS[hash].derived, hex(derived), hash);
  }
});
