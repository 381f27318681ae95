import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { testPki, type TestCert } from './helpers/certs.js';
import { has, runClient, type ClientResult } from './helpers/peers.js';


test('test PKI: generates every certificate with the expected names and validity', async () => {
  const pki = await testPki();
  const ec = new X509Certificate(pki.server.ecdsa.certPem);
  assert.equal(ec.checkHost('localhost'), 'localhost');
  assert.equal(ec.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(ec.checkIP('::1'), '::1');
  assert.ok(ec.verify(new X509Certificate(pki.root.certPem).publicKey));
  assert.deepEqual(new Uint8Array(ec.raw), pki.server.ecdsa.certDer);
  assert.equal(new X509Certificate(pki.server.wrongHost.certPem).checkHost('localhost'), undefined);
  assert.ok(Date.parse(new X509Certificate(pki.server.expired.certPem).validTo) < Date.now());
  assert.ok(Date.parse(new X509Certificate(pki.server.notYetValid.certPem).validFrom) > Date.now());
  assert.deepEqual(new X509Certificate(pki.client.rsa.certPem).keyUsage, ['1.3.6.1.5.5.7.3.2']);
  assert.equal(pki.server.viaIntermediate.chainPem.match(/BEGIN CERTIFICATE/g)?.length, 2);
  assert.match(pki.server.ed25519.keyPem, /^-----BEGIN PRIVATE KEY-----/);
});

test('test PKI: openssl verify accepts the good chains and rejects the bad ones', { skip: has('openssl') ? false : 'openssl not installed' }, async () => {
  const pki = await testPki();
  const verify = (cert: TestCert, extra: readonly string[] = []): Promise<ClientResult> =>
    runClient('openssl', ['verify', '-x509_strict', '-CAfile', pki.root.files.cert, ...extra, cert.files.cert], { timeoutMs: 10_000 });
  const good = [pki.server.ecdsa, pki.server.rsa, pki.server.ed25519, pki.server.p384, pki.server.wrongHost, pki.client.ecdsa, pki.client.rsa];
  for (const c of good) {
    const r = await verify(c);
    assert.equal(r.code, 0, `${c.name}: ${r.stdout}${r.stderr}`);
  }
  const via = await verify(pki.server.viaIntermediate, ['-untrusted', pki.intermediate.files.cert, '-purpose', 'sslserver']);
  assert.equal(via.code, 0, via.stdout + via.stderr);
  const client = await verify(pki.client.ecdsa, ['-purpose', 'sslclient']);
  assert.equal(client.code, 0, client.stdout + client.stderr);
  for (const [c, why] of [
    [pki.server.expired, /certificate has expired/],
    [pki.server.notYetValid, /certificate is not yet valid/],
    [pki.server.untrusted, /unable to get local issuer certificate/],
    [pki.server.viaIntermediate, /unable to get local issuer certificate/],
  ] as const) {
    const r = await verify(c);
    assert.notEqual(r.code, 0, c.name);
    assert.match(r.stdout + r.stderr, why);
  }
  const untrusted = await runClient('openssl', ['verify', '-CAfile', pki.server.untrusted.files.ca, pki.server.untrusted.files.cert], { timeoutMs: 10_000 });
  assert.equal(untrusted.code, 0, untrusted.stdout + untrusted.stderr);
});
