// Interop with node:tls (OpenSSL 3.0 inside Node) in both directions, in process: every TLS 1.3 suite ×
// group × server certificate, mutual authentication, HelloRetryRequest (seen by a tap on the TCP stream),
// ALPN and certificate rejection. The system under test is `impl` (tests/helpers/impl.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testPki, type TestCert, type TestPki } from './helpers/certs.js';
import { impl, listen, nodePeer, nodeTls13, GROUPS, SUITES_13 } from './helpers/impl.js';
import type * as tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { alertOf, runTestClient, stapledResponse, startTapProxy, startTestServer } from './helpers/sessions.js';

const CERT_TYPES = [
  ['ECDSA P-256', (p: TestPki): TestCert => p.server.ecdsa],
  ['RSA-2048', (p: TestPki): TestCert => p.server.rsa],
  ['Ed25519', (p: TestPki): TestCert => p.server.ed25519],
] as const;

test(`interop node:tls: node:tls client → ${impl.name} server, TLS 1.3 suite × group × certificate`, async (t) => {
  const pki = await testPki();
  for (const [label, pick] of CERT_TYPES) {
    const cert = pick(pki);
    const server = await startTestServer(t, { key: cert.keyPem, cert: cert.chainPem, ...impl.tls13() });
    for (const suite of SUITES_13) {
      for (const group of GROUPS) {
        await t.test(`RFC 8446 §4.1: ${suite} ${group} ${label}`, async () => {
          const out = await runTestClient({ port: server.port, ca: pki.root.certPem, ...nodeTls13([suite], [group]) }, nodePeer);
          assert.equal(out.error, undefined, String(out.error));
          assert.equal(out.summary?.cipher, suite);
          assert.equal(out.summary?.group, group);
          assert.equal(out.summary?.authorized, true);
          assert.equal(out.data, 'hello from server\n');
          const ev = await server.next();
          assert.equal(ev.kind === 'secure' ? ev.summary.cipher : ev.error.message, suite);
        });
      }
    }
  }
});

test(`interop node:tls: ${impl.name} client → node:tls server, TLS 1.3 suite × group × certificate`, async (t) => {
  const pki = await testPki();
  for (const [label, pick] of CERT_TYPES) {
    const cert = pick(pki);
    const server = await startTestServer(t, { key: cert.keyPem, cert: cert.chainPem, ...nodeTls13() }, nodePeer);
    for (const suite of SUITES_13) {
      for (const group of GROUPS) {
        await t.test(`RFC 8446 §4.1: ${suite} ${group} ${label}`, async () => {
          const out = await runTestClient({ port: server.port, ca: pki.root.certPem, ...impl.tls13([suite], [group]) });
          assert.equal(out.error, undefined, String(out.error));
          assert.equal(out.summary?.protocol, 'TLSv1.3');
          assert.equal(out.summary?.cipher, suite);
          assert.equal(out.summary?.group, group);
          assert.equal(out.data, 'hello from server\n');
          const ev = await server.next();
          assert.equal(ev.kind === 'secure' ? ev.summary.cipher : ev.error.message, suite);
        });
      }
    }
  }
});

test('interop node:tls: mutual authentication, both directions', async (t) => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  const serverOpts = { key: cert.keyPem, cert: cert.chainPem, ca: pki.root.certPem, requestCert: true };
  const clientCert = { cert: pki.client.ecdsa.chainPem, key: pki.client.ecdsa.keyPem };
  for (const [dir, serverApi, clientApi] of [
    [`node:tls client → ${impl.name} server`, impl, nodePeer],
    [`${impl.name} client → node:tls server`, nodePeer, impl],
  ] as const) {
    const tls13 = serverApi === impl ? impl.tls13() : nodeTls13();
    await t.test(`RFC 8446 §4.4.2: ${dir}: required, with a certificate`, async (tt) => {
      const server = await startTestServer(tt, { ...serverOpts, ...tls13, rejectUnauthorized: true }, serverApi);
      const out = await runTestClient({ port: server.port, ca: pki.root.certPem, ...clientCert }, clientApi);
      assert.equal(out.error, undefined, String(out.error));
      const ev = await server.next();
      assert.equal(ev.kind === 'secure' && ev.summary.authorized, true);
      assert.equal(ev.kind === 'secure' ? ev.peerSubject : undefined, 'client ecdsa');
    });
    await t.test(`RFC 8446 §4.4.2.4: ${dir}: required, without one → certificate_required`, async (tt) => {
      const server = await startTestServer(tt, { ...serverOpts, ...tls13, rejectUnauthorized: true }, serverApi);
      const out = await runTestClient({ port: server.port, ca: pki.root.certPem }, clientApi);
      assert.equal(alertOf(out.error), 'certificate_required', String(out.error));
      assert.equal((await server.next()).kind, 'error');
    });
    await t.test(`RFC 8446 §4.4.2.4: ${dir}: optional, without one → authorized false`, async (tt) => {
      const server = await startTestServer(tt, { ...serverOpts, ...tls13, rejectUnauthorized: false }, serverApi);
      const out = await runTestClient({ port: server.port, ca: pki.root.certPem }, clientApi);
      assert.equal(out.error, undefined, String(out.error));
      const ev = await server.next();
      assert.equal(ev.kind === 'secure' && ev.summary.authorized, false);
      assert.ok(ev.kind === 'secure' && ev.summary.authorizationError !== undefined, 'a reason is given');
    });
  }
});

test('interop node:tls: HelloRetryRequest forced by the server’s group preference, both directions', async (t) => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  await t.test(`RFC 8446 §4.1.4: ${impl.name} server wants secp384r1, node:tls client shares x25519`, async (tt) => {
    const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem, ...impl.tls13(undefined, ['secp384r1']) });
    const tap = await startTapProxy(tt, server.port);
    const out = await runTestClient({ port: tap.port, ca: pki.root.certPem, ...nodeTls13(undefined, ['x25519', 'secp384r1']) }, nodePeer);
    assert.equal(out.error, undefined, String(out.error));
    assert.equal(out.summary?.group, 'secp384r1');
    assert.equal(tap.clientHellos(), 2);
  });
  await t.test(`RFC 8446 §4.1.4: node:tls server wants secp384r1, ${impl.name} client shares x25519`, async (tt) => {
    const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem, ...nodeTls13(undefined, ['secp384r1']) }, nodePeer);
    const tap = await startTapProxy(tt, server.port);
    const out = await runTestClient({ port: tap.port, ca: pki.root.certPem, ...impl.tls13(undefined, ['x25519', 'secp384r1']) });
    assert.equal(out.error, undefined, String(out.error));
    assert.equal(out.summary?.group, 'secp384r1');
    assert.equal(tap.clientHellos(), 2);
  });
  await t.test('RFC 8446 §4.1.4: control: a shared first group needs one ClientHello', async (tt) => {
    const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem, ...impl.tls13() });
    const tap = await startTapProxy(tt, server.port);
    const out = await runTestClient({ port: tap.port, ca: pki.root.certPem, ...nodeTls13() }, nodePeer);
    assert.equal(out.error, undefined, String(out.error));
    assert.equal(tap.clientHellos(), 1);
  });
});

test('interop node:tls: ALPN, both directions', async (t) => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  const key = { key: cert.keyPem, cert: cert.chainPem };
  await t.test(`RFC 7301 §3.2: node:tls client → ${impl.name} server picks http/1.1`, async (tt) => {
    const server = await startTestServer(tt, { ...key, ALPNProtocols: ['http/1.1'], ...impl.tls13() });
    const out = await runTestClient({ port: server.port, ca: pki.root.certPem, ALPNProtocols: ['h2', 'http/1.1'] }, nodePeer);
    assert.equal(out.summary?.alpn, 'http/1.1');
  });
  await t.test(`RFC 7301 §3.2: ${impl.name} client → node:tls server picks h2`, async (tt) => {
    const server = await startTestServer(tt, { ...key, ALPNProtocols: ['h2', 'http/1.1'] }, nodePeer);
    const out = await runTestClient({ port: server.port, ca: pki.root.certPem, ALPNProtocols: ['h2'], ...impl.tls13() });
    assert.equal(out.summary?.alpn, 'h2');
  });
  await t.test(`RFC 7301 §3.2: no overlap → no_application_protocol`, async (tt) => {
    const server = await startTestServer(tt, { ...key, ALPNProtocols: ['h2'], ...impl.tls13() });
    const out = await runTestClient({ port: server.port, ca: pki.root.certPem, ALPNProtocols: ['http/1.1'] }, nodePeer);
    assert.equal(alertOf(out.error), 'no_application_protocol', String(out.error));
  });
});

test(`interop node:tls: ${impl.name} server's ALPNCallback (node:tls client)`, async (t) => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  const key = { key: cert.keyPem, cert: cert.chainPem };
  for (const [version, range] of [['TLS 1.3', impl.tls13()], ['TLS 1.2', impl.tls12()]] as const) {
    await t.test(`RFC 7301 §3.2, ${version}: the callback sees the SNI name and the offer in the client's order; its choice is sent`, async (tt) => {
      const seen: unknown[] = [];
      const ALPNCallback = (offer: { servername: string | false; protocols: string[] }): string | undefined => {
        seen.push(offer);
        return offer.protocols[1];
      };
      const server = await startTestServer(tt, { ...key, ALPNCallback, ...range });
      const out = await runTestClient({ port: server.port, ca: pki.root.certPem, ALPNProtocols: ['h2', 'http/1.1'] }, nodePeer);
      assert.equal(out.error, undefined, String(out.error));
      assert.equal(out.summary?.alpn, 'http/1.1');
      assert.deepEqual(seen, [{ servername: 'localhost', protocols: ['h2', 'http/1.1'] }]);
      // Without the extension the callback is not asked, and no protocol is agreed.
      const none = await runTestClient({ port: server.port, ca: pki.root.certPem }, nodePeer);
      assert.equal(none.summary?.alpn, false);
      assert.equal(seen.length, 1);
    });
  }
  await t.test('RFC 7301 §3.2: a callback that returns undefined refuses the client with no_application_protocol', async (tt) => {
    const server = await startTestServer(tt, { ...key, ALPNCallback: () => undefined, ...impl.tls13() });
    const out = await runTestClient({ port: server.port, ca: pki.root.certPem, ALPNProtocols: ['h2'] }, nodePeer);
    assert.equal(alertOf(out.error), 'no_application_protocol', String(out.error));
    const ev = await server.next();
    assert.equal(ev.kind, 'error');
  });
  await t.test('a callback that answers a protocol the client did not offer fails the handshake (node:tls code)', async (tt) => {
    const server = await startTestServer(tt, { ...key, ALPNCallback: () => 'spdy/1', ...impl.tls13() });
    const out = await runTestClient({ port: server.port, ca: pki.root.certPem, ALPNProtocols: ['h2'] }, nodePeer);
    assert.notEqual(out.error, undefined);
    const ev = await server.next();
    assert.equal(ev.kind === 'error' ? (ev.error as { code?: string }).code : ev.kind, 'ERR_TLS_ALPN_CALLBACK_INVALID_RESULT');
  });
  await t.test('ALPNCallback with ALPNProtocols is refused by createServer (node:tls code)', () => {
    assert.throws(() => impl.createServer({ ...key, ALPNCallback: () => 'h2', ALPNProtocols: ['h2'] }), { code: 'ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS' });
  });
});

test('interop node:tls: OCSP stapling (RFC 6066 §8), both directions', async (t) => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  const key = { key: cert.keyPem, cert: cert.chainPem };
  const response = Buffer.from('an OCSP response: neither side parses it');
  const staple = (server: { on(event: 'OCSPRequest', l: (c: Buffer, i: Buffer | null, cb: (e: Error | null, r: Buffer) => void) => void): unknown }, seen: unknown[]): void => {
    server.on('OCSPRequest', (certificate, issuer, cb) => {
      seen.push([certificate.toString('base64'), issuer]);
      cb(null, response);
    });
  };
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    const range = { minVersion: version, maxVersion: version };
    await t.test(`node:tls client → ${impl.name} server, ${version}: the listener sees the leaf (issuer null: the chain is the leaf alone) and its answer arrives`, async (tt) => {
      const server = await startTestServer(tt, { ...key, ...range });
      const seen: unknown[] = [];
      staple(server.server, seen);
      assert.deepEqual(await stapledResponse({ port: server.port, ca: pki.root.certPem }, nodePeer), response);
      assert.deepEqual(seen, [[Buffer.from(cert.certDer).toString('base64'), null]]);
      // Asked, but the listener staples nothing: 'OCSPResponse' is null, as node:tls reports it.
      server.server.removeAllListeners('OCSPRequest');
      assert.equal(await stapledResponse({ port: server.port, ca: pki.root.certPem }, nodePeer), null);
    });
    await t.test(`${impl.name} client → node:tls server, ${version}: 'OCSPResponse' before secureConnect, null without a staple`, async (tt) => {
      const stapling = await startTestServer(tt, { ...key, ...range }, nodePeer);
      staple(stapling.server, []);
      assert.deepEqual(await stapledResponse({ port: stapling.port, ca: pki.root.certPem, ...range }), response);
      const plain = await startTestServer(tt, { ...key, ...range }, nodePeer);
      assert.equal(await stapledResponse({ port: plain.port, ca: pki.root.certPem, ...range }), null);
    });
  }
});

test(`interop node:tls: ${impl.name} client rejects bad node:tls server certificates`, async (t) => {
  const pki = await testPki();
  for (const [name, cert, code] of [
    ['RFC 8446 §6.2: unknown CA', pki.server.untrusted, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['RFC 8446 §6.2: expired', pki.server.expired, 'CERT_HAS_EXPIRED'],
    ['RFC 9525 §6.3: wrong host name', pki.server.wrongHost, 'ERR_TLS_CERT_ALTNAME_INVALID'],
  ] as const) {
    await t.test(name, async (tt) => {
      const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem }, nodePeer);
      const out = await runTestClient({ port: server.port, ca: pki.root.certPem, ...impl.tls13() });
      assert.equal(out.error?.code, code, String(out.error));
      assert.equal(out.data, '');
    });
  }
  await t.test('RFC 8446 §4.4.2: a 3-certificate chain verifies', async (tt) => {
    const cert = pki.server.viaIntermediate;
    const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem }, nodePeer);
    const out = await runTestClient({ port: server.port, ca: pki.root.certPem, ...impl.tls13() });
    assert.equal(out.error, undefined, String(out.error));
    assert.equal(out.summary?.authorized, true);
  });
});

/** One connection between `serverApi` and `clientApi` (client certificate `clientCert`); both sockets once the client is secure and the server has seen it. */
async function connectedPair(
  serverApi: { createServer: typeof tls.createServer },
  clientApi: { connect: typeof tls.connect },
  server: tls.TlsOptions,
  client: tls.ConnectionOptions,
): Promise<{ client: tls.TLSSocket; server: tls.TLSSocket; close: () => Promise<void> }> {
  let serverSide: (s: tls.TLSSocket) => void = () => undefined;
  const accepted = new Promise<tls.TLSSocket>((resolve) => (serverSide = resolve));
  const srv = serverApi.createServer(server, (s) => {
    s.on('error', () => undefined);
    serverSide(s);
  });
  const port = await listen(srv);
  const c = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const sock = clientApi.connect({ host: '127.0.0.1', port, servername: 'localhost', ...client }, () => resolve(sock));
    sock.on('error', reject);
  });
  const s = await accepted;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      c.destroy();
      s.destroy();
      srv.close(() => resolve());
    });
  return { client: c, server: s, close };
}

test('interop node:tls: getCertificate / getX509Certificate are each side’s own certificate, as the peer sees it', async (t) => {
  const pki = await testPki();
  const srvCert = pki.server.ecdsa;
  const cliCert = pki.client.ecdsa;
  const serverOptions = { key: srvCert.keyPem, cert: srvCert.chainPem, ca: pki.root.certPem, requestCert: true };
  const clientOptions = { ca: pki.root.certPem, key: cliCert.keyPem, cert: cliCert.chainPem };
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    const range = { minVersion: version, maxVersion: version };
    for (const [label, serverApi, clientApi] of [
      [`${impl.name} client → node:tls server`, nodePeer, impl],
      [`node:tls client → ${impl.name} server`, impl, nodePeer],
    ] as const) {
      await t.test(`${label}, ${version}`, async () => {
        const p = await connectedPair(serverApi, clientApi, { ...serverOptions, ...range }, { ...clientOptions, ...range });
        try {
          assert.equal((p.client.getCertificate() as tls.PeerCertificate).subject.CN, (p.server.getPeerCertificate() as tls.PeerCertificate).subject.CN);
          assert.equal((p.server.getCertificate() as tls.PeerCertificate).subject.CN, (p.client.getPeerCertificate() as tls.PeerCertificate).subject.CN);
          assert.equal(p.server.getX509Certificate()?.fingerprint256, p.client.getPeerX509Certificate()?.fingerprint256);
          assert.equal(p.client.getX509Certificate()?.fingerprint256, p.server.getPeerX509Certificate()?.fingerprint256);
        } finally {
          await p.close();
        }
      });
    }
  }
  await t.test(`${impl.name} client with a certificate nobody asked for: getCertificate() is it, before the handshake and after (as node:tls)`, async () => {
    const srv = nodePeer.createServer({ key: srvCert.keyPem, cert: srvCert.chainPem }, (s) => s.end());
    const port = await listen(srv);
    try {
      const want = new X509Certificate(cliCert.certPem);
      const cn = /CN=([^\n]+)/.exec(want.subject)?.[1];
      const c = impl.connect({ host: '127.0.0.1', port, servername: 'localhost', ...clientOptions });
      c.on('error', () => undefined);
      assert.equal((c.getCertificate() as tls.PeerCertificate).subject.CN, cn);
      assert.equal(c.getX509Certificate()?.fingerprint256, want.fingerprint256);
      await new Promise<void>((resolve) => c.once('secureConnect', () => resolve()));
      assert.equal((c.getCertificate() as tls.PeerCertificate).subject.CN, cn);
      assert.equal(c.getX509Certificate()?.fingerprint256, want.fingerprint256);
      c.destroy();
    } finally {
      await new Promise<void>((resolve) => srv.close(() => resolve()));
    }
  });
  await t.test(`${impl.name} client without a certificate: getCertificate() is {}; getFinished() is refused with the way to channel binding`, async () => {
    const p = await connectedPair(nodePeer, impl, { key: srvCert.keyPem, cert: srvCert.chainPem }, { ca: pki.root.certPem });
    try {
      assert.deepEqual(p.client.getCertificate(), {});
      assert.equal(p.client.getX509Certificate(), undefined);
      assert.throws(() => p.client.getFinished(), { code: 'ERR_TLS_NOT_SUPPORTED', message: /RFC 9266.*exportKeyingMaterial/ });
      assert.throws(() => p.client.getPeerFinished(), { code: 'ERR_TLS_NOT_SUPPORTED' });
    } finally {
      await p.close();
    }
  });
});

test(`interop node:tls: ${impl.name} setMaxSendFragment (before the connection, and during it) keeps the data intact for node:tls`, async () => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  const p = await connectedPair(nodePeer, impl, { key: cert.keyPem, cert: cert.chainPem }, { ca: pki.root.certPem });
  try {
    assert.equal(p.client.setMaxSendFragment(511), false);
    assert.equal(p.client.setMaxSendFragment(16385), false);
    assert.throws(() => p.client.setMaxSendFragment(1.5), TypeError);
    assert.equal(p.client.setMaxSendFragment(512), true);
    const data = Buffer.alloc(100_000, 0x5a);
    const got = new Promise<number>((resolve) => {
      let n = 0;
      p.server.on('data', (d: Buffer) => {
        n += d.length;
        if (n >= data.length) resolve(n);
      });
    });
    p.client.write(data);
    assert.equal(await got, data.length);
  } finally {
    await p.close();
  }
  // Set on a socket whose transport has not connected yet: applied when the connection is built.
  const srv = nodePeer.createServer({ key: cert.keyPem, cert: cert.chainPem }, (s) => s.end());
  const port = await listen(srv);
  try {
    const s = impl.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem });
    assert.equal(s.setMaxSendFragment(1024), true);
    await new Promise<void>((resolve, reject) => {
      s.on('secureConnect', () => resolve());
      s.on('error', reject);
    });
    s.destroy();
  } finally {
    srv.close();
  }
});

test(`interop node:tls: ${impl.name} client's getTLSTicket() is the ticket of its latest session (both versions); undefined on a server`, async () => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    const range = { minVersion: version, maxVersion: version };
    const p = await connectedPair(nodePeer, impl, { key: cert.keyPem, cert: cert.chainPem, ...range }, { ca: pki.root.certPem, ...range });
    try {
      if (p.client.getSession() === undefined) await new Promise((resolve) => p.client.once('session', resolve));
      const ticket = p.client.getTLSTicket();
      // (node:tls's own client answers undefined for TLS 1.3: it reads the handshake's session, not the tickets' ones.)
      assert.ok(ticket instanceof Buffer && ticket.length > 16, `${version}: a ticket`);
    } finally {
      await p.close();
    }
  }
  const s = await connectedPair(impl, nodePeer, { key: cert.keyPem, cert: cert.chainPem }, { ca: pki.root.certPem });
  try {
    assert.equal(s.server.getTLSTicket(), undefined);
  } finally {
    await s.close();
  }
});

test(`interop node:tls: ${impl.name} enableTrace (option or method before the handshake) narrates the connection on stderr; too late, a warning`, async () => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array): boolean => {
    written.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    const p = await connectedPair(nodePeer, impl, { key: cert.keyPem, cert: cert.chainPem }, { ca: pki.root.certPem, enableTrace: true } as tls.ConnectionOptions);
    await p.close();
  } finally {
    process.stderr.write = write;
  }
  const text = written.join('');
  assert.match(text, /The handshake in ten steps \(TLSv1\.3, as the client saw it\)/);
  assert.match(text, /ClientHello/);
  // Called once the handshake is done on a connection built without a trace: nothing to show, and a warning says why.
  const p = await connectedPair(nodePeer, impl, { key: cert.keyPem, cert: cert.chainPem }, { ca: pki.root.certPem });
  try {
    const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
    (p.client as tls.TLSSocket & { enableTrace(): void }).enableTrace();
    assert.equal(((await warned) as Error & { code?: string }).code, 'TYPETLS_TRACE_TOO_LATE');
  } finally {
    await p.close();
  }
});
