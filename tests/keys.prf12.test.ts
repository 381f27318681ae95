import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { prf12 } from '../src/keys/prf12.js';

const crypto = nodeCryptoProvider();
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// The TLS 1.2 PRF vectors published on the IETF TLS WG list (msg03416), used by BearSSL, BouncyCastle, ...
test('RFC 5246 §5: PRF with SHA-256 matches the published vector', () => {
  const out = prf12(crypto, 'sha256', hex('9bbe436ba940f017b17652849a71db35'), 'test label', hex('a0ba9f936cda311827a6f796ffd5198c'), 100);
  assert.equal(
    toHex(out),
    'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
  );
});

test('RFC 5246 §5: PRF with SHA-384 matches the published vector', () => {
  const out = prf12(crypto, 'sha384', hex('b80b733d6ceefcdc71566ea48e5567df'), 'test label', hex('cd665cf6a8447dd6ff8b27555edb7465'), 148);
  assert.equal(
    toHex(out),
    '7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f',
  );
});

test('RFC 5246 §5: every prefix of the PRF output is the shorter output (P_hash is a stream)', () => {
  const secret = hex('9bbe436ba940f017b17652849a71db35');
  const seed = hex('a0ba9f936cda311827a6f796ffd5198c');
  const full = prf12(crypto, 'sha256', secret, 'test label', seed, 100);
  for (const n of [0, 1, 12, 31, 32, 33, 64, 99]) assert.deepEqual(prf12(crypto, 'sha256', secret, 'test label', seed, n), full.subarray(0, n));
});
