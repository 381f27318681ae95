// TLS 1.2 interop (issue 4): OpenSSL both ways for every key exchange × bulk cipher family × certificate
// type, CBC with and without encrypt-then-MAC, client authentication, resumption by session ID and by
// ticket, the downgrade sentinel; node:tls (keylog master secret and RFC 5705 exporter compared),
// GnuTLS, NSS, Java and curl, both directions where the peer has the role. Botan (TLS 1.2 only) is in
// interop.peers.test.ts. The system under test is `impl` (tests/helpers/impl.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tls from 'node:tls';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testPki, type TestCert, type TestPki } from './helpers/certs.js';
import { impl, listen } from './helpers/impl.js';
import { curlGet, gnutlsClient, gnutlsServer, has, javaClient, javaServer, nssClient, nssDb, nssServer, opensslClient, opensslServer, parseConnections, parseOpenssl, waitFor } from './helpers/peers.js';
import { alertOf, runTestClient, startTestServer } from './helpers/sessions.js';
import { lookupSuite } from '../src/wire/names.js';

const skipUnless = (cmd: string): false | string => (has(cmd) ? false : `${cmd} not installed`);
const HTTP_GET = 'GET / HTTP/1.0\r\n\r\n';
const GNUTLS_TLS12 = 'NORMAL:-VERS-ALL:+VERS-TLS1.2';

type CertName = 'ecdsa' | 'rsa' | 'ed25519';
/** OpenSSL suite name, the certificate that serves it. */
const CASES: readonly [string, CertName][] = [
  ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ecdsa'],
  ['ECDHE-ECDSA-AES256-GCM-SHA384', 'ecdsa'],
  ['ECDHE-ECDSA-CHACHA20-POLY1305', 'ed25519'],
  ['ECDHE-RSA-AES128-GCM-SHA256', 'rsa'],
  ['ECDHE-RSA-CHACHA20-POLY1305', 'rsa'],
  ['AES128-GCM-SHA256', 'rsa'], // RSA key transport
  ['AES256-GCM-SHA384', 'rsa'],
  ['ECDHE-ECDSA-AES256-SHA384', 'ecdsa'], // CBC
  ['ECDHE-RSA-AES128-SHA', 'rsa'],
  ['AES128-SHA256', 'rsa'],
  ['AES256-SHA', 'rsa'],
];
const isCbc = (name: string): boolean => !/GCM|CHACHA/.test(name);

/** The negotiated protocol from OpenSSL's session printout ("New, TLSv1.0, Cipher is ..." gives the cipher's version). */
function protocolOf(text: string): string | undefined {
  return /^\s*Protocol\s*:\s*(\S+)/m.exec(text)?.[1];
}

function iana(openssl: string): string {
  const s = lookupSuite(openssl);
  assert.ok(s, openssl);
  return s.iana;
}

function certOf(pki: TestPki, name: CertName): TestCert {
  return pki.server[name];
}

/** encrypt_then_mac seen in the ServerHello of an OpenSSL -trace (the ClientHello mentions it first). */
function etmNegotiated(trace: string): boolean {
  const sh = trace.split(/ServerHello, Length=/)[1]?.split(/Certificate, Length=|ChangeCipherSpec|Finished, Length=/)[0] ?? '';
  return /encrypt_then_mac/.test(sh);
}

test(`interop openssl: s_client -tls1_2 → ${impl.name} server, suites × certificates, EtM and MtE`, { skip: skipUnless('openssl') }, async (t) => {
  const pki = await testPki();
  for (const [suite, certName] of CASES) {
    const cert = certOf(pki, certName);
    const server = await startTestServer(t, { key: cert.keyPem, cert: cert.chainPem, ciphers: suite });
    for (const etm of isCbc(suite) ? [true, false] : [false]) {
      await t.test(`RFC 5246: ${suite} ${certName}${isCbc(suite) ? (etm ? ' encrypt-then-MAC' : ' MAC-then-encrypt') : ''}`, async () => {
        const r = await opensslClient({
          port: server.port,
          ca: pki.root.files.cert,
          version: '1.2',
          input: 'ping\n',
          trace: isCbc(suite),
          extra: ['-cipher', suite, ...(isCbc(suite) && !etm ? ['-no_etm'] : [])],
        });
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(protocolOf(r.stdout), 'TLSv1.2');
        assert.equal(r.info.cipher, suite);
        assert.equal(r.info.verified, true);
        assert.match(r.stdout, /hello from server/);
        if (isCbc(suite)) assert.equal(etmNegotiated(r.stdout), etm);
        const ev = await server.next();
        assert.equal(ev.kind === 'secure' ? ev.summary.cipher : ev.error.message, iana(suite));
        assert.equal(ev.kind === 'secure' ? ev.received : '', 'ping\n');
      });
    }
  }
});

test(`interop openssl: ${impl.name} client → s_server -tls1_2, suites × certificates, EtM and MtE`, { skip: skipUnless('openssl') }, async (t) => {
  const pki = await testPki();
  for (const [suite, certName] of CASES) {
    for (const etm of isCbc(suite) ? [true, false] : [false]) {
      await t.test(`RFC 5246: ${suite} ${certName}${isCbc(suite) ? (etm ? ' encrypt-then-MAC' : ' MAC-then-encrypt') : ''}`, async (tt) => {
        const server = await opensslServer(tt, { cert: certOf(pki, certName), version: '1.2', extra: ['-cipher', suite, ...(isCbc(suite) && !etm ? ['-no_etm'] : [])] });
        const out = await runTestClient({ port: server.port, ca: pki.root.certPem, request: HTTP_GET, ciphers: suite });
        assert.equal(out.error, undefined, String(out.error));
        assert.equal(out.summary?.protocol, 'TLSv1.2');
        assert.equal(out.summary?.cipher, iana(suite));
        assert.equal(out.summary?.authorized, true);
        const page = parseOpenssl(out.data);
        assert.equal(protocolOf(out.data), 'TLSv1.2');
        assert.equal(page.cipher, suite);
      });
    }
  }
});

test('interop openssl: TLS 1.2 client authentication both ways', { skip: skipUnless('openssl') }, async (t) => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  await t.test(`RFC 5246 §7.4.6: s_client with a certificate → ${impl.name} server requiring one`, async (tt) => {
    const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem, ca: pki.root.certPem, requestCert: true, rejectUnauthorized: true, ...impl.tls12() });
    const r = await opensslClient({ port: server.port, ca: pki.root.files.cert, version: '1.2', cert: pki.client.rsa, input: 'ping\n' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const ev = await server.next();
    assert.equal(ev.kind === 'secure' && ev.summary.authorized, true);
    assert.equal(ev.kind === 'secure' ? ev.peerSubject : undefined, 'client rsa');
  });
  await t.test(`RFC 5246 §7.4.6: s_client without a certificate → ${impl.name} server requiring one: handshake_failure`, async (tt) => {
    const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem, ca: pki.root.certPem, requestCert: true, rejectUnauthorized: true, ...impl.tls12() });
    const r = await opensslClient({ port: server.port, ca: pki.root.files.cert, version: '1.2', input: 'ping\n' });
    assert.equal(r.info.alert, 'handshake_failure', r.stdout + r.stderr);
    const ev = await server.next();
    assert.equal(ev.kind, 'error');
  });
  await t.test(`RFC 5246 §7.4.8: ${impl.name} client with a certificate → s_server -Verify`, async (tt) => {
    const server = await opensslServer(tt, { cert, version: '1.2', verifyClient: 'require', ca: pki.root.files.cert });
    const client = pki.client.ecdsa;
    const out = await runTestClient({ port: server.port, ca: pki.root.certPem, cert: client.chainPem, key: client.keyPem, request: HTTP_GET, ...impl.tls12() });
    assert.equal(out.error, undefined, String(out.error));
    assert.equal(parseOpenssl(out.data).protocol, 'TLSv1.2');
  });
  await t.test(`RFC 5246 §7.4.6: ${impl.name} client without a certificate → s_server -Verify: OpenSSL's handshake_failure`, async (tt) => {
    const server = await opensslServer(tt, { cert, version: '1.2', verifyClient: 'require', ca: pki.root.files.cert });
    const out = await runTestClient({ port: server.port, ca: pki.root.certPem, request: HTTP_GET, ...impl.tls12() });
    assert.equal(alertOf(out.error), 'handshake_failure', String(out.error));
  });
});

test('interop openssl: TLS 1.2 resumption by session ID and by ticket, both ways', { skip: skipUnless('openssl') }, async (t) => {
  const pki = await testPki();
  const cert = pki.server.rsa;
  const dir = mkdtempSync(join(tmpdir(), 'typetls-sess-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const how of ['ticket', 'session ID'] as const) {
    await t.test(`RFC ${how === 'ticket' ? '5077' : '5246 §7.4.1.2'}: s_client resumes with ${impl.name} server by ${how}`, async (tt) => {
      const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem, ...impl.tls12() });
      const file = join(dir, `${how === 'ticket' ? 't' : 'i'}.pem`);
      const extra = how === 'ticket' ? [] : ['-no_ticket'];
      const first = await opensslClient({ port: server.port, ca: pki.root.files.cert, version: '1.2', input: 'ping\n', extra: [...extra, '-sess_out', file] });
      assert.equal(first.info.resumed, false, first.stdout + first.stderr);
      const second = await opensslClient({ port: server.port, ca: pki.root.files.cert, version: '1.2', input: 'ping\n', extra: [...extra, '-sess_in', file] });
      assert.equal(second.info.resumed, true, second.stdout + second.stderr);
      await server.next();
      const ev = await server.next();
      assert.equal(ev.kind === 'secure' && ev.summary.resumed, true);
    });
    await t.test(`RFC ${how === 'ticket' ? '5077' : '5246 §7.4.1.2'}: ${impl.name} client resumes with s_server by ${how}`, async (tt) => {
      const server = await opensslServer(tt, { cert, version: '1.2', extra: how === 'ticket' ? [] : ['-no_ticket'] });
      const first = await sessionClient({ port: server.port, ca: pki.root.certPem, ...impl.tls12() });
      assert.equal(first.resumed, false);
      assert.ok(first.session, 'no session event');
      const second = await sessionClient({ port: server.port, ca: pki.root.certPem, session: first.session, ...impl.tls12() });
      assert.equal(second.resumed, true);
      assert.match(second.data, /^Reused, TLSv1\.2/m);
    });
  }
});

/** Connects, sends a GET, collects the reply, and reports the session, reuse and data. */
function sessionClient(o: tls.ConnectionOptions): Promise<{ session: Buffer | undefined; resumed: boolean; data: string }> {
  return new Promise((resolve, reject) => {
    let session: Buffer | undefined;
    let data = '';
    let resumed = false;
    const s = impl.connect({ host: '127.0.0.1', servername: 'localhost', ...o }, () => {
      resumed = s.isSessionReused();
      s.write(HTTP_GET);
    });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('sessionClient: no close within 10 s'));
    }, 10_000);
    s.on('session', (b: Buffer) => (session = b));
    s.setEncoding('latin1');
    s.on('data', (d: string) => (data += d));
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ session, resumed, data });
    });
  });
}

test('interop openssl: RFC 8446 §4.1.3 downgrade sentinel, a 1.2-limited side against a 1.3-capable one', { skip: skipUnless('openssl') }, async (t) => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  await t.test(`s_client -tls1_2 → ${impl.name} server (1.3-capable): the ServerHello random ends in DOWNGRD\\x01`, async (tt) => {
    const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem });
    const r = await opensslClient({ port: server.port, ca: pki.root.files.cert, version: '1.2', input: 'ping\n', extra: ['-msg'] });
    assert.equal(r.info.protocol, 'TLSv1.2', r.stdout + r.stderr);
    const hex = (r.stdout.split(/<<< TLS 1\.2, Handshake \[length [0-9a-f]+\], ServerHello/)[1] ?? '').split(/<<<|>>>/)[0]?.replace(/[^0-9a-f]/g, '') ?? '';
    // msg_type(1) length(3) version(2) random(32): the last 8 bytes of the random are at 30..38.
    assert.equal(hex.slice(60, 76), '444f574e47524401');
  });
  await t.test(`${impl.name} client (1.3-capable) → s_server -tls1_2: no sentinel, TLS 1.2`, async (tt) => {
    const server = await opensslServer(tt, { cert, version: '1.2' });
    const out = await runTestClient({ port: server.port, ca: pki.root.certPem, request: HTTP_GET });
    assert.equal(out.error, undefined, String(out.error));
    assert.equal(out.summary?.protocol, 'TLSv1.2');
  });
  await t.test(`${impl.name} client limited to 1.2 → s_server (1.3-capable, sets the sentinel): TLS 1.2`, async (tt) => {
    const server = await opensslServer(tt, { cert, version: 'any' });
    const out = await runTestClient({ port: server.port, ca: pki.root.certPem, request: HTTP_GET, ...impl.tls12() });
    assert.equal(out.error, undefined, String(out.error));
    assert.equal(out.summary?.protocol, 'TLSv1.2');
  });
  await t.test(`s_client (1.3-capable, checks the sentinel) → ${impl.name} server limited to 1.2: TLS 1.2`, async (tt) => {
    const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem, ...impl.tls12() });
    const r = await opensslClient({ port: server.port, ca: pki.root.files.cert, version: 'any', input: 'ping\n' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.info.protocol, 'TLSv1.2');
  });
});

test('interop node:tls: TLS 1.2 both ways; master secret and RFC 5705 exporter agree; resumption', async (t) => {
  const pki = await testPki();
  const cert = pki.server.rsa;
  await t.test(`RFC 5246: ${impl.name} client → node:tls server (ECDHE-RSA-AES256-GCM-SHA384), keylog and exporter`, async (tt) => {
    const lines: string[] = [];
    const ekm: Buffer[] = [];
    const server = tls.createServer({ key: cert.keyPem, cert: cert.chainPem, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' }, (s) => {
      ekm.push(s.exportKeyingMaterial(32, 'EXPERIMENTAL-typetls', Buffer.from('ctx')));
      s.end('hello from node\n');
    });
    server.on('keylog', (line: Buffer) => lines.push(line.toString('latin1').trim()));
    const port = await listen(server);
    tt.after(() => new Promise<void>((r) => server.close(() => r())));
    const mine: string[] = [];
    const got = await new Promise<{ ekm: Buffer; cipher: string }>((resolve, reject) => {
      const s = impl.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem, ...impl.tls12() }, () => {
        resolve({ ekm: s.exportKeyingMaterial(32, 'EXPERIMENTAL-typetls', Buffer.from('ctx')), cipher: s.getCipher().standardName });
        s.end();
      });
      s.on('keylog', (line: Buffer) => mine.push(line.toString('latin1').trim()));
      s.on('error', reject);
    });
    assert.equal(got.cipher, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384');
    await waitFor('node to log its key', () => (lines.length > 0 && ekm.length > 0 ? true : undefined));
    assert.deepEqual(mine, lines);
    assert.match(mine[0] ?? '', /^CLIENT_RANDOM /);
    assert.deepEqual(got.ekm, ekm[0]);
  });
  await t.test(`RFC 5077: node:tls client → ${impl.name} server (RSA key transport) and resumption by ticket`, async (tt) => {
    const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem, ciphers: 'AES128-GCM-SHA256' });
    const connectOnce = (session?: Buffer): Promise<{ session: Buffer | undefined; reused: boolean }> =>
      new Promise((resolve, reject) => {
        let sess: Buffer | undefined;
        let reused = false;
        const s = tls.connect({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca: pki.root.certPem, ciphers: 'AES128-GCM-SHA256', maxVersion: 'TLSv1.2', ...(session ? { session } : {}) }, () => {
          reused = s.isSessionReused();
          s.write('ping\n');
        });
        s.on('session', (b: Buffer) => (sess = b));
        s.on('data', () => undefined);
        s.on('error', reject);
        s.on('close', () => resolve({ session: sess, reused }));
      });
    const first = await connectOnce();
    assert.ok(first.session);
    const second = await connectOnce(first.session);
    assert.equal(second.reused, true);
    await server.next();
    const ev = await server.next();
    assert.equal(ev.kind === 'secure' && ev.summary.resumed, true);
    assert.equal(ev.kind === 'secure' ? ev.summary.cipher : '', 'TLS_RSA_WITH_AES_128_GCM_SHA256');
  });
});

test('interop gnutls: TLS 1.2 both ways, with resumption', { skip: skipUnless('gnutls-cli') }, async (t) => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  await t.test(`RFC 5077: gnutls-cli -r → ${impl.name} server`, async (tt) => {
    const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem, ...impl.tls12() });
    const r = await gnutlsClient({ port: server.port, ca: pki.root.files.cert, priority: GNUTLS_TLS12, resume: true, input: 'ping\n' });
    assert.equal(r.info.protocol, 'TLSv1.2', r.stdout + r.stderr);
    assert.equal(r.info.resumed, true, r.stdout + r.stderr);
  });
  await t.test(`RFC 5246 §7.4.1.2: gnutls-cli -r (no tickets) → ${impl.name} server, resumption by session ID`, async (tt) => {
    const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem, ...impl.tls12() });
    const r = await gnutlsClient({ port: server.port, ca: pki.root.files.cert, priority: `${GNUTLS_TLS12}:%NO_TICKETS`, resume: true, input: 'ping\n' });
    assert.equal(r.info.protocol, 'TLSv1.2', r.stdout + r.stderr);
    assert.equal(r.info.resumed, true, r.stdout + r.stderr);
  });
  await t.test(`RFC 5246 §7.4.7.1: gnutls-cli, RSA key transport with AES-128-CBC-SHA1 and no EtM → ${impl.name} server`, async (tt) => {
    const rsa = pki.server.rsa;
    const server = await startTestServer(tt, { key: rsa.keyPem, cert: rsa.chainPem, ciphers: 'AES128-SHA' });
    const r = await gnutlsClient({ port: server.port, ca: pki.root.files.cert, priority: `${GNUTLS_TLS12}:-KX-ALL:+RSA:-CIPHER-ALL:+AES-128-CBC:-MAC-ALL:+SHA1:%NO_ETM`, input: 'ping\n' });
    assert.equal(r.info.protocol, 'TLSv1.2', r.stdout + r.stderr);
    assert.match(r.stdout, /hello from server/);
    const ev = await server.next();
    assert.equal(ev.kind === 'secure' ? ev.summary.cipher : ev.error.message, 'TLS_RSA_WITH_AES_128_CBC_SHA');
  });
  await t.test(`RFC 5246: ${impl.name} client → gnutls-serv (TLS 1.2, CBC)`, { skip: skipUnless('gnutls-serv') }, async (tt) => {
    const server = await gnutlsServer(tt, { cert, priority: `${GNUTLS_TLS12}:-CIPHER-ALL:+AES-128-CBC:-MAC-ALL:+SHA1` });
    const out = await runTestClient({ socket: server.dial(), ca: pki.root.certPem, until: (d) => d.includes('ping\n'), ciphers: 'ECDHE-ECDSA-AES128-SHA' });
    assert.equal(out.error, undefined, String(out.error));
    assert.equal(out.summary?.protocol, 'TLSv1.2');
    assert.equal(out.summary?.cipher, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA');
    assert.equal(out.data, 'ping\n');
  });
});

test('interop nss: TLS 1.2 both ways', { skip: skipUnless('tstclnt') }, async (t) => {
  const pki = await testPki();
  await t.test(`RFC 5246: tstclnt -V tls1.2:tls1.2 → ${impl.name} server`, async (tt) => {
    const cert = pki.server.rsa;
    const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem });
    const db = await nssDb(tt, pki.root.files.cert);
    const r = await nssClient(tt, { port: server.port, db, versions: 'tls1.2:tls1.2' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.info.protocol, 'TLSv1.2');
    assert.match(r.stdout, /hello from server/);
  });
  await t.test(`RFC 5246: ${impl.name} client → selfserv -V tls1.2:tls1.2`, { skip: skipUnless('selfserv') }, async (tt) => {
    const db = await nssDb(tt, pki.root.files.cert, pki.server.ecdsa);
    const server = await nssServer(tt, { db, ec: true, versions: 'tls1.2:tls1.2' });
    const out = await runTestClient({ socket: server.dial(), ca: pki.root.certPem, request: HTTP_GET });
    assert.equal(out.summary?.protocol, 'TLSv1.2', String(out.error));
  });
});

test('interop java: TLS 1.2 JSSE client and server', { skip: skipUnless('java'), concurrency: true }, async (t) => {
  const pki = await testPki();
  await t.test(`RFC 5246: JSSE client (TLSv1.2) → ${impl.name} server`, async (tt) => {
    const cert = pki.server.ecdsa;
    const server = await startTestServer(tt, { key: cert.keyPem, cert: cert.chainPem });
    const r = await javaClient({ port: server.port, ca: pki.root.files.cert, protocols: 'TLSv1.2' });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.info.protocol, 'TLSv1.2');
    assert.match(r.stdout, /^data: hello from server$/m);
  });
  await t.test(`RFC 5246: ${impl.name} client → JSSE server (TLSv1.2, RSA)`, async (tt) => {
    const server = await javaServer(tt, { cert: pki.server.rsa, protocols: 'TLSv1.2' });
    const out = await runTestClient({ port: server.port, ca: pki.root.certPem });
    assert.equal(out.error, undefined, String(out.error));
    const conns = await waitFor('the JSSE server to report', () => parseConnections(server.output())[0]);
    assert.equal(conns.protocol, 'TLSv1.2');
    assert.equal(out.summary?.protocol, 'TLSv1.2');
  });
});

test(`interop curl: curl --tls-max 1.2 → ${impl.name} server`, { skip: skipUnless('curl') }, async (t) => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  const server = await startTestServer(t, { key: cert.keyPem, cert: cert.chainPem }, impl, 'HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n');
  const r = await curlGet({ port: server.port, ca: pki.root.files.cert, version: '1.2' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'ok\n');
  assert.equal(r.info.protocol, 'TLSv1.2');
});
