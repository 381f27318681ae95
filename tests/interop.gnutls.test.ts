// Interop with GnuTLS 3.7 (its own TLS stack): gnutls-cli against the implementation's server and the
// implementation's client against gnutls-serv, TLS 1.3 suites × groups, certificate types, mutual
// authentication and ALPN. gnutls-serv binds the wildcard address, so it runs in a private network
// namespace and is reached through a Unix-socket relay (tests/peers/netns-relay.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testPki } from './helpers/certs.js';
import { impl, GNUTLS_CIPHER, GROUPS, GROUP_NAMES, SUITES_13, type Group, type Suite13 } from './helpers/impl.js';
import { GNUTLS_TLS13, gnutlsClient, gnutlsServer, has, opensslOcspResponse, parseGnutls, waitFor } from './helpers/peers.js';
import { alertOf, runTestClient, stapledResponse, startTapProxy, startTestServer } from './helpers/sessions.js';

const SKIP_CLI = has('gnutls-cli') ? false : 'gnutls-cli not installed';
const SKIP_SERV = has('gnutls-serv') ? false : 'gnutls-serv not installed';

/** A GnuTLS priority string for TLS 1.3 with exactly one suite and one group. */
function priority(suite: Suite13, group: Group): string {
  return `${GNUTLS_TLS13}:-CIPHER-ALL:+${GNUTLS_CIPHER[suite]}:-GROUP-ALL:+${GROUP_NAMES[group].gnutls}`;
}

/** The part of gnutls-serv's output about its most recent connection. */
function lastConnection(output: string): string {
  const i = output.lastIndexOf('* Accepted connection');
  return i < 0 ? '' : output.slice(i);
}

test(`interop gnutls: gnutls-cli → ${impl.name} server`, { skip: SKIP_CLI }, async (t) => {
  const pki = await testPki();
  for (const [label, cert] of [
    ['ECDSA P-256', pki.server.ecdsa],
    ['RSA-2048', pki.server.rsa],
    ['Ed25519', pki.server.ed25519],
  ] as const) {
    const server = await startTestServer(t, { key: cert.keyPem, cert: cert.chainPem, ...impl.tls13() });
    // Every suite × group with the ECDSA certificate; one case for each other certificate type.
    const suites = label === 'ECDSA P-256' ? SUITES_13 : (['TLS_AES_128_GCM_SHA256'] as const);
    const groups = label === 'ECDSA P-256' ? GROUPS : (['x25519'] as const);
    for (const suite of suites) {
      for (const group of groups) {
        await t.test(`RFC 8446 §4.1: ${suite} ${group} ${label}`, async () => {
          const r = await gnutlsClient({ port: server.port, ca: pki.root.files.cert, priority: priority(suite, group), input: 'ping\n' });
          assert.equal(r.code, 0, r.stdout + r.stderr);
          assert.equal(r.info.protocol, 'TLSv1.3');
          assert.equal(r.info.cipher, suite);
          assert.equal(r.info.group, group);
          assert.equal(r.info.verified, true);
          assert.match(r.stdout, /hello from server/);
          const ev = await server.next();
          assert.equal(ev.kind === 'secure' ? ev.summary.cipher : ev.error.message, suite);
        });
      }
    }
  }
});

test(`interop gnutls: gnutls-cli → ${impl.name} server, mutual authentication and ALPN`, { skip: SKIP_CLI }, async (t) => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  const base = { key: cert.keyPem, cert: cert.chainPem, ca: pki.root.certPem, requestCert: true, ...impl.tls13() };
  await t.test('RFC 8446 §4.4.2: required, client sends an RSA certificate', async (tt) => {
    const server = await startTestServer(tt, { ...base, rejectUnauthorized: true });
    const r = await gnutlsClient({ port: server.port, ca: pki.root.files.cert, cert: pki.client.rsa, input: 'ping\n' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const ev = await server.next();
    assert.equal(ev.kind === 'secure' && ev.summary.authorized, true);
  });
  await t.test('RFC 8446 §4.4.2.4: required, no certificate → certificate_required', async (tt) => {
    const server = await startTestServer(tt, { ...base, rejectUnauthorized: true });
    const r = await gnutlsClient({ port: server.port, ca: pki.root.files.cert, input: 'ping\n' });
    assert.equal(r.info.alert, 'certificate_required', r.stdout + r.stderr);
  });
  await t.test('RFC 7301 §3.2: ALPN http/1.1', async (tt) => {
    const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem, ALPNProtocols: ['h2', 'http/1.1'], ...impl.tls13() });
    const r = await gnutlsClient({ port: server.port, ca: pki.root.files.cert, alpn: ['http/1.1'], input: 'ping\n' });
    assert.equal(r.info.alpn, 'http/1.1', r.stdout);
  });
});

test(`interop gnutls: ${impl.name} client → gnutls-serv`, { skip: SKIP_SERV }, async (t) => {
  const pki = await testPki();
  for (const [label, cert] of [
    ['ECDSA P-256', pki.server.ecdsa],
    ['RSA-2048', pki.server.rsa],
    ['Ed25519', pki.server.ed25519],
  ] as const) {
    const server = await gnutlsServer(t, { cert, alpn: ['http/1.1'] });
    const suites = label === 'ECDSA P-256' ? SUITES_13 : (['TLS_CHACHA20_POLY1305_SHA256'] as const);
    const groups = label === 'ECDSA P-256' ? GROUPS : (['secp256r1'] as const);
    for (const suite of suites) {
      for (const group of groups) {
        await t.test(`RFC 8446 §4.1: ${suite} ${group} ${label}`, async () => {
          const out = await runTestClient({
            socket: server.dial(),
            ca: pki.root.certPem,
            ALPNProtocols: ['http/1.1'],
            until: (d) => d.includes('ping\n'), // --echo
            ...impl.tls13([suite], [group]),
          });
          assert.equal(out.error, undefined, String(out.error));
          assert.equal(out.data, 'ping\n');
          assert.equal(out.summary?.cipher, suite);
          assert.equal(out.summary?.group, group);
          assert.equal(out.summary?.alpn, 'http/1.1');
          const seen = await waitFor('gnutls-serv to describe the connection', () => parseGnutls(lastConnection(server.output())).cipher);
          assert.equal(seen, suite);
        });
      }
    }
  }
});

test(`interop gnutls: ${impl.name} client → gnutls-serv, mutual authentication`, { skip: SKIP_SERV }, async (t) => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  await t.test('RFC 8446 §4.4.2: required, client sends an ECDSA certificate', async (tt) => {
    const server = await gnutlsServer(tt, { cert, verifyClient: 'require' });
    const out = await runTestClient({
      socket: server.dial(),
      ca: pki.root.certPem,
      cert: pki.client.ecdsa.chainPem,
      key: pki.client.ecdsa.keyPem,
      until: (d) => d.includes('ping\n'),
      ...impl.tls13(),
    });
    assert.equal(out.error, undefined, String(out.error));
    assert.equal(out.data, 'ping\n');
    const status = await waitFor('gnutls-serv to verify the client', () => parseGnutls(lastConnection(server.output())).verified);
    assert.equal(status, true);
  });
  await t.test('RFC 8446 §4.4.2.4: required, no certificate → certificate_required', async (tt) => {
    const server = await gnutlsServer(tt, { cert, verifyClient: 'require' });
    const out = await runTestClient({ socket: server.dial(), ca: pki.root.certPem, until: (d) => d.includes('ping\n'), ...impl.tls13() });
    assert.equal(alertOf(out.error), 'certificate_required', String(out.error));
  });
});

test('interop gnutls: HelloRetryRequest forced by the server’s group preference, both directions', async (t) => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  await t.test(`RFC 8446 §4.1.4: ${impl.name} server wants secp384r1, gnutls-cli shares x25519 and secp256r1`, { skip: SKIP_CLI }, async (tt) => {
    const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem, ...impl.tls13(undefined, ['secp384r1']) });
    const tap = await startTapProxy(tt, server.port);
    const groups = '-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1';
    const r = await gnutlsClient({ port: tap.port, ca: pki.root.files.cert, priority: `${GNUTLS_TLS13}:${groups}`, input: 'ping\n' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.info.group, 'secp384r1');
    assert.equal(tap.clientHellos(), 2);
  });
  await t.test(`RFC 8446 §4.1.4: gnutls-serv wants secp384r1, ${impl.name} client shares x25519`, { skip: SKIP_SERV }, async (tt) => {
    const server = await gnutlsServer(tt, { cert, priority: `${GNUTLS_TLS13}:-GROUP-ALL:+GROUP-SECP384R1` });
    const tap = await startTapProxy(tt, server.dial);
    const out = await runTestClient({
      port: tap.port,
      ca: pki.root.certPem,
      until: (d) => d.includes('ping\n'),
      ...impl.tls13(undefined, ['x25519', 'secp384r1']),
    });
    assert.equal(out.error, undefined, String(out.error));
    assert.equal(out.summary?.group, 'secp384r1');
    assert.equal(tap.clientHellos(), 2);
  });
});

test('interop gnutls: OCSP stapling (RFC 6066 §8, RFC 8446 §4.4.2.1), both directions', { skip: SKIP_CLI || SKIP_SERV || (has('openssl') ? false : 'openssl (to make the response) not installed') }, async (t) => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  const ocsp = opensslOcspResponse(cert, pki.root);
  for (const [version, gnutlsPriority] of [['1.3', GNUTLS_TLS13], ['1.2', 'NORMAL:-VERS-ALL:+VERS-TLS1.2']] as const) {
    const range = version === '1.3' ? impl.tls13() : impl.tls12();
    await t.test(`gnutls-cli → ${impl.name} server, TLS ${version}: GnuTLS reads and checks the stapled response`, async (tt) => {
      const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem, ...range });
      server.server.on('OCSPRequest', (_c: Buffer, _i: Buffer | null, cb: (err: Error | null, response: Buffer) => void) => cb(null, ocsp.der));
      const r = await gnutlsClient({ port: server.port, ca: pki.root.files.cert, priority: gnutlsPriority, input: 'ping\n' });
      assert.match(r.stdout, /Options:.*OCSP status request/, r.stdout + r.stderr);
      assert.match(r.stdout, /The certificate is trusted/, r.stdout + r.stderr);
    });
    await t.test(`${impl.name} client → gnutls-serv --ocsp-response, TLS ${version}: 'OCSPResponse' has its bytes`, async (tt) => {
      const server = await gnutlsServer(tt, { cert, priority: gnutlsPriority, extra: ['--ocsp-response', ocsp.file] });
      assert.deepEqual(await stapledResponse({ socket: server.dial(), ca: pki.root.certPem, ...range }), ocsp.der);
    });
  }
});
