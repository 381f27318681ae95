import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { nodeCryptoProvider, x25519FromPrivate } from '../src/crypto/node.js';
import { X25519MlKem768, X25519MLKEM768_CLIENT_SHARE, X25519MLKEM768_SERVER_SHARE } from '../src/crypto/x25519mlkem768.js';
import { AlertDescription, NamedGroup as G } from '../src/wire/iana.js';
import { TlsError } from '../src/errors.js';
import { testPki } from './helpers/certs.js';
import { certifiedKey, pair, pump, text } from './helpers/memory.js';

/** Deterministic bytes for reproducible shares. */
function counterRandom(seed: number): (n: number) => Uint8Array {
  let c = seed;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = (c++ * 131 + 7) & 0xff;
    return out;
  };
}

test('draft-ietf-tls-ecdhe-mlkem: X25519MLKEM768 shares are ML-KEM first, then X25519; the secret is mlkem_ss ‖ x25519_ss', () => {
  const clientX = x25519FromPrivate(new Uint8Array(32).fill(1));
  const serverX = x25519FromPrivate(new Uint8Array(32).fill(2));
  const client = new X25519MlKem768(clientX, counterRandom(1));
  const server = new X25519MlKem768(serverX, counterRandom(2));
  const cShare = client.publicKey;
  assert.equal(cShare.length, X25519MLKEM768_CLIENT_SHARE);
  assert.equal(cShare.length, 1216);
  // The client's ML-KEM key comes from a 64-byte keygen seed; X25519 last.
  const kp = ml_kem768.keygen(counterRandom(1)(64));
  assert.deepEqual(cShare.subarray(0, 1184), kp.publicKey);
  assert.deepEqual(cShare.subarray(1184), clientX.publicKey);
  const serverSecret = server.deriveSecret(cShare);
  const sShare = server.publicKey;
  assert.equal(sShare.length, X25519MLKEM768_SERVER_SHARE);
  assert.equal(sShare.length, 1120);
  assert.deepEqual(sShare.subarray(1088), serverX.publicKey);
  const clientSecret = client.deriveSecret(sShare);
  assert.equal(clientSecret.length, 64);
  assert.deepEqual(clientSecret, serverSecret);
  // The halves: ML-KEM shared secret, then the X25519 one.
  assert.deepEqual(clientSecret.subarray(0, 32), ml_kem768.decapsulate(sShare.subarray(0, 1088), kp.secretKey));
  assert.deepEqual(clientSecret.subarray(32), x25519FromPrivate(new Uint8Array(32).fill(1)).deriveSecret(serverX.publicKey));
});

test('X25519MLKEM768: malformed shares are illegal_parameter', () => {
  const p = nodeCryptoProvider();
  const server = p.keyExchange(G.X25519MLKEM768);
  const isIllegal = (e: unknown) => e instanceof TlsError && e.alert === AlertDescription.illegal_parameter;
  assert.throws(() => server.deriveSecret(new Uint8Array(1215)), isIllegal);
  const client = p.keyExchange(G.X25519MLKEM768);
  void client.publicKey;
  assert.throws(() => client.deriveSecret(new Uint8Array(1119)), isIllegal);
  // An encapsulation key whose coefficients are not reduced mod q fails the FIPS 203 check.
  const bad = new Uint8Array(1216).fill(0xff);
  assert.throws(() => p.keyExchange(G.X25519MLKEM768).deriveSecret(bad), isIllegal);
});

test('X25519MLKEM768: typetls to typetls, not offered by default, HelloRetryRequest to it and from it', async () => {
  const pki = await testPki();
  const ca = [pki.root.certPem];
  const cert = certifiedKey(pki.server.ecdsa);
  const run = async (clientGroups: number[] | undefined, serverGroups: number[] | undefined) => {
    const { client, server } = pair(
      { serverName: 'localhost', ca, ...(clientGroups ? { groups: clientGroups } : {}) },
      { certificates: [cert], ...(serverGroups ? { groups: serverGroups } : {}) },
    );
    await pump(client, server);
    assert.equal(client.error, undefined, client.error?.message);
    assert.equal(server.error, undefined, server.error?.message);
    client.write(new TextEncoder().encode('pq'));
    await pump(client, server);
    assert.equal(text(server.readPlaintext()), 'pq');
    return client.summary?.group;
  };
  assert.equal(await run([G.X25519MLKEM768, G.x25519], undefined), G.x25519, 'the default server does not take it');
  assert.equal(await run([G.X25519MLKEM768, G.x25519], [G.X25519MLKEM768, G.x25519]), G.X25519MLKEM768);
  assert.equal(await run([G.X25519MLKEM768, G.x25519], [G.x25519]), G.x25519, 'HRR from it');
  assert.equal(await run([G.x25519, G.X25519MLKEM768], [G.X25519MLKEM768]), G.X25519MLKEM768, 'HRR to it');
  assert.equal(await run(undefined, [G.X25519MLKEM768, G.x25519]), G.x25519, 'the default client does not offer it');
});
