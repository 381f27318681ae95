import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { exporter12, extendedMasterSecret12, finishedVerifyData12, keyBlock12, masterSecret12, prf12 } from '../src/keys/prf12.js';
import { suite12 } from '../src/keys/suites12.js';
import { CipherSuite as CS } from '../src/wire/iana.js';

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

test('RFC 5246 §8.1, §6.3, §7.4.9 and RFC 7627 §4, RFC 5705 §4: derivations are the PRF with the right labels and seeds', () => {
  const pms = hex('0303' + '11'.repeat(46));
  const cr = hex('aa'.repeat(32));
  const sr = hex('bb'.repeat(32));
  const ms = masterSecret12(crypto, 'sha256', pms, cr, sr);
  assert.deepEqual(ms, prf12(crypto, 'sha256', pms, 'master secret', new Uint8Array([...cr, ...sr]), 48));
  const sh = hex('cc'.repeat(32));
  assert.deepEqual(extendedMasterSecret12(crypto, 'sha256', pms, sh), prf12(crypto, 'sha256', pms, 'extended master secret', sh, 48));
  const gcm = suite12(CS.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
  const cbc = suite12(CS.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384);
  assert.ok(gcm && cbc);
  // RFC 5246 §6.3: seed is server_random + client_random; 2x(key 16 + iv 4) for AES-128-GCM.
  const kb = keyBlock12(crypto, gcm, ms, cr, sr);
  const block = prf12(crypto, 'sha256', ms, 'key expansion', new Uint8Array([...sr, ...cr]), 40);
  assert.deepEqual([...kb.clientKey, ...kb.serverKey, ...kb.clientIv, ...kb.serverIv], [...block]);
  assert.equal(kb.clientMacKey.length, 0);
  // CBC with HMAC-SHA384: 2x(mac 48 + key 32), no IVs (explicit per record in TLS 1.2).
  const kb2 = keyBlock12(crypto, cbc, ms, cr, sr);
  const block2 = prf12(crypto, 'sha384', ms, 'key expansion', new Uint8Array([...sr, ...cr]), 160);
  assert.deepEqual([...kb2.clientMacKey, ...kb2.serverMacKey, ...kb2.clientKey, ...kb2.serverKey], [...block2]);
  assert.equal(kb2.clientIv.length, 0);
  const hh = hex('dd'.repeat(32));
  assert.deepEqual(finishedVerifyData12(crypto, 'sha256', ms, true, hh), prf12(crypto, 'sha256', ms, 'client finished', hh, 12));
  assert.deepEqual(finishedVerifyData12(crypto, 'sha256', ms, false, hh), prf12(crypto, 'sha256', ms, 'server finished', hh, 12));
  const ctx = hex('0102');
  assert.deepEqual(exporter12(crypto, 'sha256', ms, 'EXPERIMENTAL x', cr, sr, ctx, 20), prf12(crypto, 'sha256', ms, 'EXPERIMENTAL x', new Uint8Array([...cr, ...sr, 0, 2, 1, 2]), 20));
  assert.deepEqual(exporter12(crypto, 'sha256', ms, 'EXPERIMENTAL x', cr, sr, undefined, 20), prf12(crypto, 'sha256', ms, 'EXPERIMENTAL x', new Uint8Array([...cr, ...sr]), 20));
  assert.throws(() => exporter12(crypto, 'sha256', ms, 'key expansion', cr, sr, undefined, 20), /reserved/);
});
