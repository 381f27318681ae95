// Interop with the other real peers of shared/INTEROP.md §5, one or two cases each, both directions where
// the peer can take both roles: NSS (tstclnt/selfserv), curl, Java JSSE, botan (TLS 1.2 only) and Python
// ssl. The system under test is `impl` (tests/helpers/impl.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testPki } from './helpers/certs.js';
import { impl } from './helpers/impl.js';
import {
  botanClient,
  botanServer,
  curlGet,
  has,
  javaClient,
  javaServer,
  nssClient,
  nssDb,
  nssServer,
  opensslOcspResponse,
  parseConnections,
  parseNss,
  pythonClient,
  pythonServer,
  waitFor,
} from './helpers/peers.js';
import { alertOf, runTestClient, startTestServer } from './helpers/sessions.js';

const skipUnless = (cmd: string): false | string => (has(cmd) ? false : `${cmd} not installed`);
const HTTP_REPLY = 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n';

test(`interop nss: tstclnt → ${impl.name} server`, { skip: skipUnless('tstclnt') }, async (t) => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  const server = await startTestServer(t, { key: cert.keyPem, cert: cert.chainPem, ...impl.tls13() });
  const db = await nssDb(t, pki.root.files.cert);
  for (const [suite, group] of [
    ['TLS_AES_128_GCM_SHA256', 'x25519'],
    ['TLS_CHACHA20_POLY1305_SHA256', 'secp384r1'],
  ] as const) {
    await t.test(`RFC 8446 §4.1: ${suite} ${group}`, async (tt) => {
      const r = await nssClient(tt, { port: server.port, db, suites: [suite], groups: [group] });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(r.info.protocol, 'TLSv1.3');
      assert.equal(r.info.cipher, suite);
      assert.equal(r.info.group, group);
      assert.equal(r.info.verified, true);
      assert.match(r.stdout, /hello from server/);
    });
  }
});

test(`interop nss: ${impl.name} client → selfserv`, { skip: skipUnless('selfserv') }, async (t) => {
  const pki = await testPki();
  await t.test('RFC 8446 §4.1: ECDSA P-256, default suites', async (tt) => {
    const db = await nssDb(tt, pki.root.files.cert, pki.server.ecdsa);
    const server = await nssServer(tt, { db, ec: true });
    const out = await runTestClient({ socket: server.dial(), ca: pki.root.certPem, request: 'GET / HTTP/1.0\r\n\r\n', ...impl.tls13() });
    assert.equal(out.summary?.protocol, 'TLSv1.3', String(out.error));
    assert.equal(out.summary?.authorized, true);
    const seen = await waitFor('selfserv to describe the connection', () => parseNss(server.output()).cipher);
    assert.equal(seen, out.summary?.cipher);
  });
  await t.test('RFC 8446 §4.4.2: client certificate required, RSA server', async (tt) => {
    const db = await nssDb(tt, pki.root.files.cert, pki.server.rsa);
    const server = await nssServer(tt, { db, ec: false, verifyClient: 'require' });
    const client = pki.client.ecdsa;
    const out = await runTestClient({
      socket: server.dial(),
      ca: pki.root.certPem,
      cert: client.chainPem,
      key: client.keyPem,
      request: 'GET / HTTP/1.0\r\n\r\n',
      ...impl.tls13(),
    });
    assert.equal(out.summary?.authorized, true, String(out.error));
    await waitFor('selfserv to validate the client', () => (/Certificate Validated/.test(server.output()) ? true : undefined));
  });
});

test(`interop curl: curl → ${impl.name} server`, { skip: skipUnless('curl') }, async (t) => {
  const pki = await testPki();
  const cert = pki.server.rsa;
  const server = await startTestServer(t, { key: cert.keyPem, cert: cert.chainPem, ALPNProtocols: ['http/1.1'], ...impl.tls13() }, impl, HTTP_REPLY);
  const r = await curlGet({ port: server.port, ca: pki.root.files.cert, alpn: 'http/1.1' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'ok\n');
  assert.equal(r.info.protocol, 'TLSv1.3');
  assert.equal(r.info.alpn, 'http/1.1');
  assert.equal(r.info.verified, true);
});

test(`interop curl: curl --cert-status → ${impl.name} server stapling OCSP`, { skip: skipUnless('curl') || skipUnless('openssl') }, async (t) => {
  const pki = await testPki();
  // curl finds the issuer (for the response's CertID) among the certificates the server sent.
  const cert = pki.server.viaIntermediate;
  const ocsp = opensslOcspResponse(cert, pki.intermediate);
  for (const version of ['1.3', '1.2'] as const) {
    await t.test(`RFC 6066 §8, TLS ${version}: curl checks the stapled response; without one it refuses`, async (tt) => {
      const range = version === '1.3' ? impl.tls13() : impl.tls12();
      const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem, ALPNProtocols: ['http/1.1'], ...range }, impl, HTTP_REPLY);
      const staple = (_c: Buffer, _i: Buffer | null, cb: (err: Error | null, response: Buffer) => void): void => cb(null, ocsp.der);
      server.server.on('OCSPRequest', staple);
      const ok = await curlGet({ port: server.port, ca: pki.root.files.cert, alpn: 'http/1.1', version, certStatus: true });
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout, 'ok\n');
      server.server.removeListener('OCSPRequest', staple);
      const none = await curlGet({ port: server.port, ca: pki.root.files.cert, alpn: 'http/1.1', version, certStatus: true });
      assert.notEqual(none.code, 0, 'curl --cert-status needs a staple');
      assert.match(none.stderr, /OCSP/i);
    });
  }
});

test('interop java: JSSE client and server', { skip: skipUnless('java'), concurrency: true }, async (t) => {
  const pki = await testPki();
  await t.test(`RFC 8446 §4.4.2: JSSE client (certificate, x25519) → ${impl.name} server requiring one`, async (tt) => {
    const cert = pki.server.ecdsa;
    const server = await startTestServer(tt, {
      key: cert.keyPem,
      cert: cert.chainPem,
      ca: pki.root.certPem,
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2', 'http/1.1'],
      ...impl.tls13(),
    });
    const r = await javaClient({
      port: server.port,
      ca: pki.root.files.cert,
      cert: pki.client.rsa,
      suites: ['TLS_AES_256_GCM_SHA384'],
      groups: ['x25519'],
      alpn: ['http/1.1'],
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.info.protocol, 'TLSv1.3');
    assert.equal(r.info.cipher, 'TLS_AES_256_GCM_SHA384');
    assert.equal(r.info.alpn, 'http/1.1');
    assert.match(r.stdout, /^data: hello from server$/m);
    const ev = await server.next();
    assert.equal(ev.kind === 'secure' && ev.summary.authorized, true);
    assert.equal(ev.kind === 'secure' ? ev.summary.group : 'n/a', undefined); // not reported server-side
  });
  await t.test(`RFC 8446 §4.1: ${impl.name} client → JSSE server (Ed25519 certificate, secp256r1)`, async (tt) => {
    const server = await javaServer(tt, { cert: pki.server.ed25519, groups: ['secp256r1'] });
    const out = await runTestClient({ port: server.port, ca: pki.root.certPem, ...impl.tls13(undefined, ['secp256r1']) });
    assert.equal(out.error, undefined, String(out.error));
    assert.equal(out.data, 'hello from jsse\n');
    assert.equal(out.summary?.group, 'secp256r1');
    const conns = await waitFor('the JSSE server to report', () => parseConnections(server.output())[0]);
    assert.equal(conns.protocol, 'TLSv1.3');
    assert.equal(conns.cipher, out.summary?.cipher);
  });
});

test('interop botan: TLS 1.2 client and server', { skip: skipUnless('botan') }, async (t) => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  await t.test(`RFC 5246: botan tls_client → ${impl.name} server`, async (tt) => {
    const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem, ...impl.tls12() });
    const r = await botanClient({ port: server.port, ca: pki.root.files.cert });
    assert.equal(r.info.protocol, 'TLSv1.2', r.stdout + r.stderr);
    assert.equal(r.info.verified, true);
    assert.match(r.stdout, /hello from server/);
    const ev = await server.next();
    assert.equal(ev.kind === 'secure' ? ev.summary.protocol : ev.error.message, 'TLSv1.2');
  });
  await t.test(`RFC 5246: ${impl.name} client → botan tls_server`, async (tt) => {
    const server = await botanServer(tt, { cert });
    const out = await runTestClient({ socket: server.dial(), ca: pki.root.certPem, until: (d) => d.includes('ping\n'), ...impl.tls12() });
    assert.equal(out.error, undefined, String(out.error));
    assert.equal(out.summary?.protocol, 'TLSv1.2');
    assert.equal(out.data, 'ping\n'); // tls_server echoes
  });
});

test('interop python: ssl client and server', { skip: skipUnless('python3') }, async (t) => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  await t.test(`RFC 8446 §4.4.2.4: python client without a certificate → ${impl.name} server requiring one`, async (tt) => {
    const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem, ca: pki.root.certPem, requestCert: true, rejectUnauthorized: true, ...impl.tls13() });
    const r = await pythonClient({ port: server.port, ca: pki.root.files.cert });
    assert.equal(r.info.alert, 'certificate_required', r.stdout + r.stderr);
  });
  await t.test(`RFC 8446 §4.4.2: ${impl.name} client with a certificate → python server requiring one`, async (tt) => {
    const server = await pythonServer(tt, { cert, ca: pki.root.files.cert, clientAuth: 'required', alpn: ['http/1.1'] });
    const client = pki.client.ecdsa;
    const out = await runTestClient({
      port: server.port,
      ca: pki.root.certPem,
      cert: client.chainPem,
      key: client.keyPem,
      ALPNProtocols: ['http/1.1'],
      ...impl.tls13(),
    });
    assert.equal(out.error, undefined, String(out.error));
    assert.equal(out.data, 'hello from python\n');
    assert.equal(out.summary?.alpn, 'http/1.1');
    const seen = await waitFor('the python server to report', () => parseConnections(server.output())[0]);
    assert.equal(seen.verified, true);
    assert.equal(seen.protocol, 'TLSv1.3');
  });
  await t.test(`RFC 8446 §4.4.2.4: ${impl.name} client without a certificate → python server requiring one`, async (tt) => {
    const server = await pythonServer(tt, { cert, ca: pki.root.files.cert, clientAuth: 'required' });
    const out = await runTestClient({ port: server.port, ca: pki.root.certPem, ...impl.tls13() });
    assert.equal(alertOf(out.error), 'certificate_required', String(out.error));
  });
});
