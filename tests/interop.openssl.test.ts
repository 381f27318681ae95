// Interop with OpenSSL 3 (`openssl s_client` / `s_server`) in both directions: every TLS 1.3 suite ×
// group × server certificate type, mutual authentication, HelloRetryRequest, ALPN, and the alerts
// OpenSSL reports for a rejected certificate. The system under test is `impl` (tests/helpers/impl.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testPki, type TestCert, type TestPki } from './helpers/certs.js';
import { impl, GROUPS, GROUP_NAMES, SUITES_13 } from './helpers/impl.js';
import { has, opensslClient, opensslOcspResponse, opensslServer, parseOpenssl, waitFor } from './helpers/peers.js';
import { alertOf, runTestClient, stapledResponse, startTestServer } from './helpers/sessions.js';

const SKIP = has('openssl') ? false : 'openssl not installed';
const CERT_TYPES = [
  ['ECDSA P-256', (p: TestPki): TestCert => p.server.ecdsa],
  ['RSA-2048', (p: TestPki): TestCert => p.server.rsa],
  ['Ed25519', (p: TestPki): TestCert => p.server.ed25519],
] as const;
const HTTP_GET = 'GET / HTTP/1.0\r\n\r\n';

test(`interop openssl: s_client → ${impl.name} server, TLS 1.3 suite × group × certificate`, { skip: SKIP }, async (t) => {
  const pki = await testPki();
  for (const [label, pick] of CERT_TYPES) {
    const cert = pick(pki);
    const server = await startTestServer(t, { key: cert.keyPem, cert: cert.chainPem, ...impl.tls13() });
    for (const suite of SUITES_13) {
      for (const group of GROUPS) {
        await t.test(`RFC 8446 §4.1: ${suite} ${group} ${label}`, async () => {
          const r = await opensslClient({
            port: server.port,
            ca: pki.root.files.cert,
            ciphersuites: suite,
            groups: GROUP_NAMES[group].openssl,
            input: 'ping\n',
          });
          assert.equal(r.code, 0, r.stdout + r.stderr);
          assert.equal(r.info.protocol, 'TLSv1.3');
          assert.equal(r.info.cipher, suite);
          assert.equal(r.info.group, group);
          assert.equal(r.info.verified, true);
          assert.match(r.stdout, /hello from server/);
          const ev = await server.next();
          assert.equal(ev.kind, 'secure');
          if (ev.kind === 'secure') {
            assert.equal(ev.summary.cipher, suite);
            assert.equal(ev.received, 'ping\n');
          }
        });
      }
    }
  }
});

test(`interop openssl: ${impl.name} client → s_server, TLS 1.3 suite × group × certificate`, { skip: SKIP }, async (t) => {
  const pki = await testPki();
  for (const [label, pick] of CERT_TYPES) {
    const server = await opensslServer(t, { cert: pick(pki) });
    for (const suite of SUITES_13) {
      for (const group of GROUPS) {
        await t.test(`RFC 8446 §4.1: ${suite} ${group} ${label}`, async () => {
          const out = await runTestClient({ port: server.port, ca: pki.root.certPem, request: HTTP_GET, ...impl.tls13([suite], [group]) });
          assert.equal(out.error, undefined, String(out.error));
          assert.equal(out.summary?.protocol, 'TLSv1.3');
          assert.equal(out.summary?.cipher, suite);
          assert.equal(out.summary?.group, group);
          assert.equal(out.summary?.authorized, true);
          const page = parseOpenssl(out.data); // s_server -www describes the session it saw
          assert.equal(page.protocol, 'TLSv1.3');
          assert.equal(page.cipher, suite);
          assert.equal(page.group, group);
        });
      }
    }
  }
});

test(`interop openssl: ${impl.name} client with longer chains and other keys`, { skip: SKIP }, async (t) => {
  const pki = await testPki();
  for (const [label, cert] of [
    ['ECDSA P-384 (ecdsa_secp384r1_sha384)', pki.server.p384],
    ['leaf + intermediate (3-certificate chain)', pki.server.viaIntermediate],
  ] as const) {
    await t.test(`RFC 8446 §4.4.2: ${label}`, async () => {
      const server = await opensslServer(t, { cert });
      const out = await runTestClient({ port: server.port, ca: pki.root.certPem, request: HTTP_GET, ...impl.tls13() });
      assert.equal(out.error, undefined, String(out.error));
      assert.equal(out.summary?.authorized, true);
      assert.match(out.data, /New, TLSv1\.3/);
    });
  }
});

test(`interop openssl: mutual authentication, s_client → ${impl.name} server`, { skip: SKIP }, async (t) => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  const base = { key: cert.keyPem, cert: cert.chainPem, ca: pki.root.certPem, requestCert: true, ...impl.tls13() };
  await t.test('RFC 8446 §4.4.2: required, client sends a certificate (ECDSA and RSA)', async (tt) => {
    const server = await startTestServer(tt, { ...base, rejectUnauthorized: true });
    for (const client of [pki.client.ecdsa, pki.client.rsa]) {
      const r = await opensslClient({ port: server.port, ca: pki.root.files.cert, cert: client, input: 'ping\n' });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const ev = await server.next();
      assert.equal(ev.kind, 'secure');
      if (ev.kind === 'secure') {
        assert.equal(ev.summary.authorized, true);
        assert.equal(ev.peerSubject, client === pki.client.rsa ? 'client rsa' : 'client ecdsa');
      }
    }
  });
  await t.test('RFC 8446 §4.4.2.4: required, no certificate → certificate_required', async (tt) => {
    const server = await startTestServer(tt, { ...base, rejectUnauthorized: true });
    const r = await opensslClient({ port: server.port, ca: pki.root.files.cert, input: 'ping\n' });
    assert.equal(r.info.alert, 'certificate_required', r.stdout + r.stderr);
    assert.equal((await server.next()).kind, 'error');
  });
  await t.test('RFC 8446 §4.4.2.4: requested, no certificate → completes, not authorized', async (tt) => {
    const server = await startTestServer(tt, { ...base, rejectUnauthorized: false });
    const r = await opensslClient({ port: server.port, ca: pki.root.files.cert, input: 'ping\n' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const ev = await server.next();
    assert.equal(ev.kind, 'secure');
    if (ev.kind === 'secure') {
      assert.equal(ev.summary.authorized, false);
      assert.ok(ev.summary.authorizationError !== undefined, 'a reason is given');
    }
  });
});

test(`interop openssl: mutual authentication, ${impl.name} client → s_server`, { skip: SKIP }, async (t) => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  await t.test('RFC 8446 §4.4.2: required, client sends a certificate (ECDSA and RSA)', async (tt) => {
    const server = await opensslServer(tt, { cert, verifyClient: 'require' });
    for (const client of [pki.client.ecdsa, pki.client.rsa]) {
      const out = await runTestClient({
        port: server.port,
        ca: pki.root.certPem,
        cert: client.chainPem,
        key: client.keyPem,
        request: HTTP_GET,
        ...impl.tls13(),
      });
      assert.equal(out.error, undefined, String(out.error));
      assert.match(out.data, /^Client certificate$/m);
      assert.equal(parseOpenssl(out.data).verified, true);
    }
  });
  await t.test('RFC 8446 §4.4.2.4: required, no certificate → certificate_required', async (tt) => {
    const server = await opensslServer(tt, { cert, verifyClient: 'require' });
    const out = await runTestClient({ port: server.port, ca: pki.root.certPem, request: HTTP_GET, ...impl.tls13() });
    assert.equal(alertOf(out.error), 'certificate_required', String(out.error));
  });
  await t.test('RFC 8446 §4.4.2.4: requested, no certificate → completes without one', async (tt) => {
    const server = await opensslServer(tt, { cert, verifyClient: 'request' });
    const out = await runTestClient({ port: server.port, ca: pki.root.certPem, request: HTTP_GET, ...impl.tls13() });
    assert.equal(out.error, undefined, String(out.error));
    assert.match(out.data, /no client certificate available/);
  });
});

test('interop openssl: HelloRetryRequest forced by the server’s group preference', { skip: SKIP }, async (t) => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  await t.test(`RFC 8446 §4.1.4: ${impl.name} server wants secp384r1, s_client shares x25519 first`, async (tt) => {
    const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem, ...impl.tls13(undefined, ['secp384r1']) });
    const r = await opensslClient({ port: server.port, ca: pki.root.files.cert, groups: 'X25519:P-384', trace: true, input: 'ping\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.info.clientHellos, 2, 'two ClientHellos: the second answers the HelloRetryRequest');
    assert.equal(r.info.group, 'secp384r1');
  });
  await t.test(`RFC 8446 §4.1.4: s_server wants P-384, ${impl.name} client shares x25519 first`, async (tt) => {
    const server = await opensslServer(tt, { cert, groups: 'P-384', trace: true });
    const out = await runTestClient({
      port: server.port,
      ca: pki.root.certPem,
      request: HTTP_GET,
      ...impl.tls13(undefined, ['x25519', 'secp384r1']),
    });
    assert.equal(out.error, undefined, String(out.error));
    assert.equal(out.summary?.group, 'secp384r1');
    assert.equal(parseOpenssl(server.output()).clientHellos, 2);
  });
});

test('interop openssl: ALPN', { skip: SKIP }, async (t) => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  await t.test(`RFC 7301 §3.2: s_client offers http/1.1, ${impl.name} server picks it`, async (tt) => {
    const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem, ALPNProtocols: ['h2', 'http/1.1'], ...impl.tls13() });
    const r = await opensslClient({ port: server.port, ca: pki.root.files.cert, alpn: ['http/1.1'], input: 'ping\n' });
    assert.equal(r.info.alpn, 'http/1.1', r.stdout);
    const ev = await server.next();
    assert.equal(ev.kind === 'secure' ? ev.summary.alpn : undefined, 'http/1.1');
  });
  await t.test(`RFC 7301 §3.2: no overlap → no_application_protocol`, async (tt) => {
    const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem, ALPNProtocols: ['h2'], ...impl.tls13() });
    const r = await opensslClient({ port: server.port, ca: pki.root.files.cert, alpn: ['http/1.1'], input: 'ping\n' });
    assert.equal(r.info.alert, 'no_application_protocol', r.stdout + r.stderr);
  });
  await t.test(`RFC 7301 §3.2: ${impl.name} client offers h2 and http/1.1, s_server picks by its own order`, async (tt) => {
    const server = await opensslServer(tt, { cert, alpn: ['http/1.1', 'h2'] });
    const out = await runTestClient({ port: server.port, ca: pki.root.certPem, ALPNProtocols: ['h2', 'http/1.1'], request: HTTP_GET, ...impl.tls13() });
    assert.equal(out.error, undefined, String(out.error));
    assert.equal(out.summary?.alpn, 'http/1.1');
  });
});

test('interop openssl: OCSP stapling (RFC 6066 §8, RFC 8446 §4.4.2.1), both directions', { skip: SKIP }, async (t) => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  const ocsp = opensslOcspResponse(cert, pki.root); // a real response, so s_client can read it
  for (const version of ['1.3', '1.2'] as const) {
    const range = version === '1.3' ? impl.tls13() : impl.tls12();
    await t.test(`s_client -status → ${impl.name} server, TLS ${version}: the 'OCSPRequest' answer is stapled`, async (tt) => {
      const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem, ...range });
      const asked: Buffer[] = [];
      server.server.on('OCSPRequest', (certificate: Buffer, _issuer: Buffer | null, cb: (err: Error | null, response: Buffer) => void) => {
        asked.push(certificate);
        cb(null, ocsp.der);
      });
      const r = await opensslClient({ port: server.port, ca: pki.root.files.cert, version, extra: ['-status'], input: 'ping\n' });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /OCSP Response Status: successful/);
      assert.match(r.stdout, /Cert Status: good/);
      assert.deepEqual(asked.map((c) => c.toString('base64')), [Buffer.from(cert.certDer).toString('base64')]);
    });
    await t.test(`${impl.name} client → s_server -status_file, TLS ${version}: 'OCSPResponse' has the stapled bytes`, async (tt) => {
      const server = await opensslServer(tt, { cert, version, extra: ['-status_file', ocsp.file] });
      assert.deepEqual(await stapledResponse({ port: server.port, ca: pki.root.certPem, ...range }), ocsp.der);
    });
  }
});

test(`interop openssl: ${impl.name} client rejects bad server certificates with the right alert`, { skip: SKIP }, async (t) => {
  const pki = await testPki();
  // [name, server certificate, alert OpenSSL must report receiving, node:tls error code]
  const cases = [
    ['RFC 8446 §6.2: unknown CA → unknown_ca', pki.server.untrusted, 'unknown_ca', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['RFC 8446 §6.2: expired → certificate_expired', pki.server.expired, 'certificate_expired', 'CERT_HAS_EXPIRED'],
    ['RFC 8446 §6.2: not yet valid → bad_certificate', pki.server.notYetValid, 'bad_certificate', 'CERT_NOT_YET_VALID'],
    ['RFC 9525 §6.3: wrong host name → bad_certificate', pki.server.wrongHost, 'bad_certificate', 'ERR_TLS_CERT_ALTNAME_INVALID'],
  ] as const;
  for (const [name, cert, alert, code] of cases) {
    await t.test(name, async (tt) => {
      const server = await opensslServer(tt, { cert });
      const out = await runTestClient({ port: server.port, ca: pki.root.certPem, request: HTTP_GET, ...impl.tls13() });
      assert.equal(out.data, '', 'no application data may flow');
      assert.equal(out.error?.code, code, String(out.error));
      if (impl.alertsOnBadCertificate) {
        const seen = await waitFor('s_server to report the alert', () => parseOpenssl(server.output()).alert);
        assert.equal(seen, alert, server.output());
      }
    });
    // The same rejection by OpenSSL's own client: proves the certificates are bad in exactly this way and
    // that the alert check above sees what s_server reports.
    await t.test(`${name} (reference: s_client)`, async (tt) => {
      const server = await opensslServer(tt, { cert });
      const r = await opensslClient({ port: server.port, ca: pki.root.files.cert, input: HTTP_GET });
      assert.notEqual(r.code, 0);
      const seen = await waitFor('s_server to report the alert', () => parseOpenssl(server.output()).alert);
      assert.equal(seen, alert, server.output());
    });
  }
});

test(`interop openssl: s_client rejects bad ${impl.name} server certificates; the server reports the alert`, { skip: SKIP }, async (t) => {
  const pki = await testPki();
  for (const [name, cert, alert] of [
    ['RFC 8446 §6.2: unknown CA → unknown_ca', pki.server.untrusted, 'unknown_ca'],
    ['RFC 8446 §6.2: expired → certificate_expired', pki.server.expired, 'certificate_expired'],
    ['RFC 9525 §6.3: wrong host name → bad_certificate', pki.server.wrongHost, 'bad_certificate'],
  ] as const) {
    await t.test(name, async (tt) => {
      const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem, ...impl.tls13() });
      const r = await opensslClient({ port: server.port, ca: pki.root.files.cert, input: 'ping\n' });
      assert.notEqual(r.code, 0);
      assert.doesNotMatch(r.stdout, /hello from server/);
      const ev = await server.next();
      assert.equal(ev.kind === 'error' ? alertOf(ev.error) : 'handshake completed', alert);
    });
  }
});
