import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDiffieHellman } from 'node:crypto';
import { ffdheGroup } from '../src/crypto/ffdhe.js';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { TlsError } from '../src/errors.js';
import { AlertDescription, NamedGroup } from '../src/wire/iana.js';

const p = nodeCryptoProvider();
const groups = [NamedGroup.ffdhe2048, NamedGroup.ffdhe3072, NamedGroup.ffdhe4096];

/** floor(e · 2^bits) from the series Σ 1/k!. */
function eFixed(bits: number): bigint {
  const n = BigInt(bits + 64);
  let term = 1n << n;
  let sum = 0n;
  for (let k = 1n; term > 0n; k++) {
    sum += term;
    term /= k;
  }
  return sum >> 64n;
}

test('RFC 7919 App. A: the ffdhe primes follow from e and X', () => {
  for (const g of groups) {
    const params = ffdheGroup(g);
    assert.ok(params);
    const b = BigInt(params.bits);
    const prime = (1n << b) - (1n << (b - 64n)) + (eFixed(params.bits - 130) + params.x) * (1n << 64n) - 1n;
    assert.equal(params.primeHex, prime.toString(16), `ffdhe${params.bits}`);
  }
  assert.equal(ffdheGroup(NamedGroup.x25519), undefined);
});

test('RFC 8446 §4.2.8.1, §7.4.1: ffdhe shares and secrets are the size of p and agree', () => {
  for (const g of groups) {
    const params = ffdheGroup(g);
    assert.ok(params);
    const size = params.bits / 8;
    const a = p.keyExchange(g);
    const b = p.keyExchange(g);
    assert.equal(a.publicKey.length, size);
    const s = a.deriveSecret(b.publicKey);
    assert.equal(s.length, size);
    assert.deepEqual(s, b.deriveSecret(a.publicKey));
    // node's own DH agrees
    const n = createDiffieHellman(Buffer.from(params.primeHex, 'hex'), 2);
    n.generateKeys();
    const nodePub = new Uint8Array(size);
    const raw = n.getPublicKey();
    nodePub.set(raw, size - raw.length);
    const z = n.computeSecret(Buffer.from(a.publicKey));
    const zPadded = new Uint8Array(size);
    zPadded.set(z, size - z.length);
    assert.deepEqual(a.deriveSecret(nodePub), zPadded);
  }
  assert.ok(p.supportedGroups().includes(NamedGroup.ffdhe2048));
});

test('RFC 7919 §5.1: ffdhe shares outside 1 < y < p - 1 or of the wrong length are illegal_parameter', () => {
  const params = ffdheGroup(NamedGroup.ffdhe2048);
  assert.ok(params);
  const a = p.keyExchange(NamedGroup.ffdhe2048);
  const ill = (e: unknown): boolean => e instanceof TlsError && e.alert === AlertDescription.illegal_parameter;
  const prime = BigInt('0x' + params.primeHex);
  const enc = (v: bigint): Uint8Array => {
    const hex = v.toString(16).padStart(512, '0');
    return new Uint8Array(Buffer.from(hex, 'hex'));
  };
  for (const v of [0n, 1n, prime - 1n, prime, prime + 1n]) assert.throws(() => a.deriveSecret(enc(v)), ill, v.toString(16).slice(0, 8));
  assert.equal(a.deriveSecret(enc(2n)).length, 256);
  assert.throws(() => a.deriveSecret(new Uint8Array(255).fill(5)), ill);
  assert.throws(() => a.deriveSecret(new Uint8Array(257).fill(5)), ill);
});
