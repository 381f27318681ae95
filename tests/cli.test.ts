// The typetls command, run as a child process (node dist/src/cli/main.js ...), against itself and
// against openssl s_server / s_client. Every process is bounded in time and killed by its PID.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseArgs, UsageError } from '../src/cli/args.js';
import { parseHostPort } from '../src/cli/client.js';
import { issue } from '../src/cli/keygen.js';
import { canonicalGroup, canonicalSuite, ciphersOption, groupsOption } from '../src/cli/names.js';
import { CLI, run, runCli, startListening, summaryOf } from './cli.proc.js';

const hasOpenssl = spawnSync('openssl', ['version'], { timeout: 5000 }).status === 0;

interface Files {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  rsaCert: string;
  rsaKey: string;
  clientCert: string;
  clientKey: string;
  otherCa: string;
}

function makeFiles(): Files {
  const dir = mkdtempSync(join(tmpdir(), 'typetls-cli-'));
  const put = (n: string, s: string): string => {
    const p = join(dir, n);
    writeFileSync(p, s);
    return p;
  };
  const ca = issue({ subjectCn: 'CLI Test CA', keyType: 'ecdsa-p256', isCA: true });
  const other = issue({ subjectCn: 'Other CA', keyType: 'ecdsa-p256', isCA: true });
  const by = { certDer: ca.certDer, key: ca.key };
  const server = issue({ subjectCn: 'localhost', keyType: 'ecdsa-p256', issuer: by, extKeyUsage: ['serverAuth'], sanDns: ['localhost'], sanIp: ['127.0.0.1'] });
  const rsa = issue({ subjectCn: 'localhost', keyType: 'rsa-2048', issuer: by, extKeyUsage: ['serverAuth'], sanDns: ['localhost'], sanIp: ['127.0.0.1'] });
  const client = issue({ subjectCn: 'cli client', keyType: 'ecdsa-p256', issuer: by, extKeyUsage: ['clientAuth'] });
  return {
    dir,
    ca: put('ca.pem', ca.certPem),
    serverCert: put('server.pem', server.certPem),
    serverKey: put('server.key', server.keyPem),
    rsaCert: put('rsa.pem', rsa.certPem),
    rsaKey: put('rsa.key', rsa.keyPem),
    clientCert: put('client.pem', client.certPem),
    clientKey: put('client.key', client.keyPem),
    otherCa: put('other-ca.pem', other.certPem),
  };
}

describe('CLI: arguments and names', () => {
  test('CLI args: --flag value, --flag=value, booleans, positionals, unknown flags', () => {
    const spec = { port: 'string', www: 'boolean' } as const;
    const a = parseArgs(['--port', '0', '--www', 'x', '--', '--y'], spec);
    assert.equal(a.strings.get('port'), '0');
    assert.ok(a.booleans.has('www'));
    assert.deepEqual(a.positionals, ['x', '--y']);
    assert.equal(parseArgs(['--port=5'], spec).strings.get('port'), '5');
    assert.throws(() => parseArgs(['--nope'], spec), UsageError);
    assert.throws(() => parseArgs(['--port'], spec), /needs a value/);
    assert.throws(() => parseArgs(['--www=1'], spec), /takes no value/);
    assert.throws(() => parseArgs(['-p'], spec), UsageError);
  });

  test('CLI names: IANA spellings with OpenSSL aliases map to the IANA names the adapter takes', () => {
    assert.equal(canonicalSuite('ECDHE-ECDSA-AES128-GCM-SHA256'), 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
    assert.equal(canonicalSuite('tls_aes_128_gcm_sha256'), 'TLS_AES_128_GCM_SHA256');
    assert.equal(canonicalSuite('TLS_FALLBACK_SCSV'), undefined);
    assert.equal(
      ciphersOption('TLS_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:AES128-GCM-SHA256'),
      'TLS_AES_128_GCM_SHA256:TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:TLS_RSA_WITH_AES_128_GCM_SHA256',
    );
    assert.equal(groupsOption('x25519,P-256,prime256v1:secp384r1'), 'x25519:secp256r1:secp256r1:secp384r1');
    assert.equal(canonicalGroup('X25519'), 'x25519');
    assert.throws(() => groupsOption('x25520'), UsageError);
    assert.throws(() => ciphersOption('RC4-MD5'), UsageError);
    assert.deepEqual(parseHostPort('[::1]:443'), { host: '::1', port: 443 });
    assert.deepEqual(parseHostPort('localhost:4433'), { host: 'localhost', port: 4433 });
    assert.throws(() => parseHostPort('localhost'), UsageError);
  });

  test('CLI: --version, help, and command-line mistakes exit 2', async () => {
    const v = await runCli(['--version']);
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^typetls \d+\.\d+\.\d+/);
    const h = await runCli(['help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /typetls demo/);
    const hs = await runCli(['server', '--help']);
    assert.equal(hs.code, 0);
    assert.match(hs.stdout, /--verify-client/);
    for (const args of [['client', '127.0.0.1:1', '--bogus'], ['frobnicate'], ['server', '--port', '0'], ['client', '127.0.0.1:1', '--groups', 'nope'], ['demo', '--fail=maybe']]) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^typetls: .+\nRun "typetls help"/, args.join(' '));
    }
  });
});

describe('CLI: typetls demo', () => {
  test('demo: mutual-auth handshake, messages both ways, close_notify, summary', async () => {
    const r = await runCli(['demo']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Client handshake summary/);
    assert.match(r.stdout, /Server handshake summary/);
    assert.match(r.stdout, /protocol: TLSv1\.3/);
    assert.match(r.stdout, /the client verified the server: CN=localhost/);
    assert.match(r.stdout, /the server verified the client: CN=typetls demo client.*: ok/);
    assert.match(r.stdout, /client sent close_notify/);
    assert.match(r.stdout, /application data: client sent \d+, server sent \d+/);
    assert.equal((r.stdout.match(/^  client → server  /gm) ?? []).length, 3);
    assert.equal((r.stdout.match(/^  server → client  /gm) ?? []).length, 3);
  });

  test('demo: --tls1.2, --rsa-kex and --no-client-auth', async () => {
    const [t12, rsa, noAuth] = await Promise.all([runCli(['demo', '--tls1.2']), runCli(['demo', '--rsa-kex']), runCli(['demo', '--no-client-auth'])]);
    assert.equal(t12.code, 0, t12.stdout);
    assert.match(t12.stdout, /protocol: TLSv1\.2/);
    assert.equal(rsa.code, 0, rsa.stdout);
    assert.match(rsa.stdout, /cipher: TLS_RSA_WITH_AES_128_GCM_SHA256/);
    assert.equal(noAuth.code, 0, noAuth.stdout);
    assert.match(noAuth.stdout, /did not ask the client for a certificate/);
  });

  // Decision: a --fail path exits 0 when the handshake is refused as intended (the demo did what it
  // set out to show) and 1 when the connection unexpectedly succeeds.
  const failures: readonly [string, RegExp][] = [
    ['expired', /certificate_expired/],
    ['wrong-host', /ERR_TLS_CERT_ALTNAME_INVALID|bad_certificate/],
    ['unknown-ca', /unknown_ca/],
    ['no-client-cert', /alert on the wire: certificate_required \(server → client\)/],
    ['tampered-record', /alert on the wire: bad_record_mac \(server → client\)/],
  ];
  for (const [fail, expect] of failures) {
    test(`demo: --fail=${fail} shows the refusal, the alert and the error`, async () => {
      const r = await runCli(['demo', `--fail=${fail}`]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /How it ended:/);
      assert.match(r.stdout, /client saw: error: \S+: ./);
      assert.match(r.stdout, /alert on the wire: /);
      assert.match(r.stdout, expect);
      assert.match(r.stdout, /refused, as it should be/);
    });
  }
});


describe('CLI: client and server', () => {
  let f: Files;
  before(() => {
    f = makeFiles();
  });
  after(() => {
    rmSync(f.dir, { recursive: true, force: true });
  });
  const cli = (args: readonly string[]): [string, string[]] => [process.execPath, [CLI, ...args]];

  test('server --echo + client: mutual auth, stdin to the peer and back, half-close, summary, keylog', async () => {
    const srv = await startListening(
      ...cli(['server', '--port', '0', '--cert', f.serverCert, '--key', f.serverKey, '--ca', f.ca, '--verify-client', 'require', '--alpn', 'h2,http/1.1', '--echo', '--naccept', '1']),
    );
    try {
      const keylog = join(f.dir, 'keylog.txt');
      const input = 'ping\nsecond line\n';
      const r = await runCli(
        ['client', `127.0.0.1:${String(srv.port)}`, '--ca', f.ca, '--cert', f.clientCert, '--key', f.clientKey, '--alpn', 'h2', '--keylog', keylog],
        { input },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, input);
      const s = summaryOf(r.stderr);
      assert.equal(s.get('protocol'), 'TLSv1.3');
      assert.match(s.get('cipher') ?? '', /^TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)$/);
      assert.equal(s.get('group'), 'x25519');
      assert.equal(s.get('alpn'), 'h2');
      assert.equal(s.get('peer certificate'), 'CN=localhost');
      assert.equal(s.get('verification'), 'ok');
      assert.equal(s.get('resumed'), 'no');
      assert.equal(s.get('early data'), 'not sent');
      assert.match(readFileSync(keylog, 'utf8'), /^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} (?:[0-9a-f]{64}|[0-9a-f]{96})$/m);
      const exit = await srv.exited;
      assert.equal(exit.code, 0, 'server exits by itself after --naccept 1');
      const err = srv.output().stderr;
      assert.match(err, /client certificate=CN=cli client/);
      assert.match(err, /verification=ok/);
      assert.match(err, /closed \(17 bytes received, 17 bytes sent\)/);
    } finally {
      srv.stop();
    }
  });

  test('server --early-data --num-tickets 1 + client --early-data: after the handshake without a session, 0-RTT accepted with one (RFC 8446 §4.2.10)', async () => {
    const srv = await startListening(
      ...cli(['server', '--port', '0', '--cert', f.serverCert, '--key', f.serverKey, '--echo', '--early-data', '--num-tickets', '1', '--naccept', '2']),
    );
    try {
      const target = `127.0.0.1:${String(srv.port)}`;
      const sess = join(f.dir, 'sess-early.pem');
      const early = join(f.dir, 'early.txt');
      writeFileSync(early, 'early bytes\n');
      const first = await runCli(['client', target, '--ca', f.ca, '--sess-out', sess, '--early-data', early], { input: '' });
      assert.equal(first.code, 0, first.stderr);
      assert.equal(summaryOf(first.stderr).get('early data'), 'not sent');
      assert.doesNotMatch(first.stderr, /^note:/m);
      assert.equal(first.stdout, 'early bytes\n', 'sent after the handshake and echoed');
      assert.ok(existsSync(sess), 'the ticket was saved');
      const again = await runCli(['client', target, '--ca', f.ca, '--sess-in', sess, '--early-data', early], { input: 'late\n' });
      assert.equal(again.code, 0, again.stderr);
      const s = summaryOf(again.stderr);
      assert.equal(s.get('resumed'), 'yes');
      assert.equal(s.get('early data'), 'accepted');
      assert.equal(again.stdout, 'early bytes\nlate\n');
    } finally {
      srv.stop();
    }
  });

  test('client --status and server --status-file: the stapled OCSP response, TLS 1.3 and 1.2; none when the server has none', async () => {
    const response = Buffer.from('stapled OCSP response bytes (not parsed by either side)');
    const file = join(f.dir, 'ocsp.der');
    writeFileSync(file, response);
    const digest = createHash('sha256').update(response).digest('hex');
    const srv = await startListening(...cli(['server', '--port', '0', '--cert', f.serverCert, '--key', f.serverKey, '--status-file', file, '--naccept', '3']));
    try {
      const target = `127.0.0.1:${String(srv.port)}`;
      for (const version of ['1.3', '1.2']) {
        const r = await runCli(['client', target, '--ca', f.ca, '--status', '--max-version', version], { input: '' });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(summaryOf(r.stderr).get('ocsp response'), `${String(response.length)} bytes, sha256 ${digest}`, r.stderr);
      }
      const plain = await runCli(['client', target, '--ca', f.ca], { input: '' });
      assert.equal(summaryOf(plain.stderr).has('ocsp response'), false, 'no line without --status');
    } finally {
      srv.stop();
    }
    const bare = await startListening(...cli(['server', '--port', '0', '--cert', f.serverCert, '--key', f.serverKey, '--naccept', '1']));
    try {
      const r = await runCli(['client', `127.0.0.1:${String(bare.port)}`, '--ca', f.ca, '--status'], { input: '' });
      assert.equal(summaryOf(r.stderr).get('ocsp response'), 'none', r.stderr);
    } finally {
      bare.stop();
    }
  });

  test('client --psk and server --psk (no certificate): TLS 1.3 external PSK, TLS 1.2 with PSK suites; a wrong key fails', async () => {
    const key = '00112233445566778899aabbccddeeff';
    const srv = await startListening(
      ...cli(['server', '--port', '0', '--psk', key, '--psk-identity', 'dev7', '--psk-hint', 'hint', '--ciphers', 'TLS_AES_128_GCM_SHA256:PSK-AES128-GCM-SHA256', '--echo', '--naccept', '3']),
    );
    try {
      const target = `127.0.0.1:${String(srv.port)}`;
      const r13 = await runCli(['client', target, '--psk', key, '--psk-identity', 'dev7'], { input: 'over 1.3\n' });
      assert.equal(r13.code, 0, r13.stderr);
      assert.equal(r13.stdout, 'over 1.3\n');
      const s13 = summaryOf(r13.stderr);
      assert.equal(s13.get('protocol'), 'TLSv1.3');
      assert.equal(s13.get('peer certificate'), 'none');
      const r12 = await runCli(['client', target, '--psk', key, '--psk-identity', 'dev7', '--max-version', '1.2', '--ciphers', 'PSK-AES128-GCM-SHA256'], { input: 'over 1.2\n' });
      assert.equal(r12.code, 0, r12.stderr);
      assert.equal(r12.stdout, 'over 1.2\n');
      assert.equal(summaryOf(r12.stderr).get('cipher'), 'TLS_PSK_WITH_AES_128_GCM_SHA256');
      const wrong = await runCli(['client', target, '--psk', 'ffeeddccbbaa99887766554433221100', '--psk-identity', 'dev7'], { input: 'x' });
      assert.equal(wrong.code, 1, wrong.stderr);
      assert.match(wrong.stderr, /decrypt_error/);
    } finally {
      srv.stop();
    }
    const bad = await runCli(['client', '127.0.0.1:1', '--psk', 'xyz']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--psk takes the key as hex digits/);
    const noCert = await runCli(['server', '--port', '0']);
    assert.match(noCert.stderr, /needs --cert F --key F or --pfx F \(or --psk HEX\)/);
  });

  test('client: a required client certificate that is missing fails with exit 1 and the reason', async () => {
    const srv = await startListening(...cli(['server', '--port', '0', '--cert', f.serverCert, '--key', f.serverKey, '--ca', f.ca, '--verify-client', 'require', '--naccept', '1']));
    try {
      const r = await runCli(['client', `127.0.0.1:${String(srv.port)}`, '--ca', f.ca], { input: 'x' });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^error: \S+: .*certificate/im);
      assert.equal((await srv.exited).code, 0);
      assert.match(srv.output().stderr, /handshake failed|error/);
    } finally {
      srv.stop();
    }
  });

  test('client: failed server verification exits 1 with the reason; --insecure continues and shows it', async () => {
    const srv = await startListening(...cli(['server', '--port', '0', '--cert', f.serverCert, '--key', f.serverKey, '--www', '--naccept', '2']));
    try {
      const bad = await runCli(['client', `127.0.0.1:${String(srv.port)}`, '--ca', f.otherCa]);
      assert.equal(bad.code, 1, bad.stderr);
      assert.match(bad.stderr, /^error: [A-Z_]+: \S/m);
      assert.doesNotMatch(bad.stderr, /^protocol:/m);
      const insecure = await runCli(['client', `127.0.0.1:${String(srv.port)}`, '--ca', f.otherCa, '--insecure'], { input: 'GET / HTTP/1.0\r\n\r\n' });
      assert.equal(insecure.code, 0, insecure.stderr);
      const s = summaryOf(insecure.stderr);
      assert.ok(s.has('verification') && s.get('verification') !== 'ok', insecure.stderr);
      assert.match(insecure.stdout, /^HTTP\/1\.0 200 ok\r\n/);
      assert.equal((await srv.exited).code, 0);
    } finally {
      srv.stop();
    }
  });

  test('server --www answers openssl s_client (TLS 1.3 with a client certificate, TLS 1.2 without)', async (t) => {
    if (!hasOpenssl) {
      t.skip('openssl not installed');
      return;
    }
    const srv = await startListening(
      ...cli(['server', '--port', '0', '--cert', f.serverCert, '--key', f.serverKey, '--cert2', f.rsaCert, '--key2', f.rsaKey, '--ca', f.ca, '--verify-client', 'request', '--www', '--naccept', '3']),
    );
    try {
      const req = 'GET / HTTP/1.0\r\n\r\n';
      const base = ['s_client', '-connect', `127.0.0.1:${String(srv.port)}`, '-CAfile', f.ca, '-verify_return_error', '-ign_eof'];
      const r13 = await run('openssl', [...base, '-tls1_3', '-cert', f.clientCert, '-key', f.clientKey], { input: req });
      assert.equal(r13.code, 0, r13.stdout + r13.stderr);
      assert.match(r13.stdout, /HTTP\/1\.0 200 ok/);
      assert.match(r13.stdout, /<th>protocol<\/th><td>TLSv1\.3<\/td>/);
      assert.match(r13.stdout, /<th>client certificate<\/th><td>CN=cli client<\/td>/);
      assert.match(r13.stdout, /<th>verification<\/th><td>ok<\/td>/);
      const r12 = await run('openssl', [...base, '-tls1_2'], { input: req });
      assert.equal(r12.code, 0, r12.stdout + r12.stderr);
      assert.match(r12.stdout, /<th>protocol<\/th><td>TLSv1\.2<\/td>/);
      assert.match(r12.stdout, /<th>client certificate<\/th><td>none<\/td>/);
      // The second certificate (RSA) is chosen when the client only offers RSA-PSS signatures.
      const rsa = await run('openssl', [...base, '-tls1_3', '-sigalgs', 'rsa_pss_rsae_sha256'], { input: req });
      assert.equal(rsa.code, 0, rsa.stdout + rsa.stderr);
      assert.match(rsa.stdout, /Server public key is 2048 bit/);
      assert.equal((await srv.exited).code, 0);
    } finally {
      srv.stop();
    }
  });

  test('server --pfx + client --pfx --pass: PKCS#12 files on both sides, mutual auth; the CA in the server file trusts the client', async (t) => {
    if (!hasOpenssl) {
      t.skip('openssl not installed');
      return;
    }
    const p12 = (name: string, cert: string, key: string, pass: string, extra: readonly string[] = []): string => {
      const out = join(f.dir, name);
      const r = spawnSync('openssl', ['pkcs12', '-export', '-in', cert, '-inkey', key, '-passout', `pass:${pass}`, '-out', out, ...extra], { timeout: 20_000 });
      assert.equal(r.status, 0, String(r.stderr));
      return out;
    };
    const serverP12 = p12('server.p12', f.serverCert, f.serverKey, 's3cret', ['-certfile', f.ca]);
    const clientP12 = p12('client.p12', f.clientCert, f.clientKey, 'pässwörd');
    const passFile = join(f.dir, 'pass.txt');
    writeFileSync(passFile, 'pässwörd\n');
    // No --ca on the server: the CA in its PKCS#12 file is trusted, as node:tls does.
    const srv = await startListening(...cli(['server', '--port', '0', '--pfx', serverP12, '--pass', 'pass:s3cret', '--verify-client', 'require', '--echo', '--naccept', '1']));
    try {
      const r = await runCli(['client', `127.0.0.1:${String(srv.port)}`, '--ca', f.ca, '--pfx', clientP12, '--pass', `file:${passFile}`], { input: 'ping\n' });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'ping\n');
      assert.equal(summaryOf(r.stderr).get('verification'), 'ok');
      assert.equal((await srv.exited).code, 0);
      assert.match(srv.output().stderr, /client certificate=CN=cli client/);
      assert.match(srv.output().stderr, /verification=ok/);
    } finally {
      srv.stop();
    }
    const wrong = await runCli(['client', '127.0.0.1:1', '--pfx', clientP12, '--pass', 'pass:wrong']);
    assert.equal(wrong.code, 1, wrong.stderr);
    assert.match(wrong.stderr, /option `pfx`: cannot use this PKCS#12 file: mac verify failure: the passphrase is wrong/);
    assert.doesNotMatch(wrong.stderr, /\n\s+at /, 'a refused option is a message, not a stack trace');
    const bad = await runCli(['client', '127.0.0.1:1', '--pfx', clientP12, '--pass', 'wrong']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--pass takes pass:TEXT, env:VAR or file:PATH/);
  });

  test('client against openssl s_server -www: summary keys, ALPN, exporter, resumption, TLS 1.2 names', async (t) => {
    if (!hasOpenssl) {
      t.skip('openssl not installed');
      return;
    }
    const srv = await startListening('openssl', [
      's_server', '-www', '-accept', '127.0.0.1:0', '-naccept', '3', '-cert', f.serverCert, '-key', f.serverKey, '-alpn', 'http/1.1',
    ]);
    try {
      const target = `127.0.0.1:${String(srv.port)}`;
      const req = 'GET / HTTP/1.0\r\n\r\n';
      const sess = join(f.dir, 'sess.pem');
      const first = await runCli(['client', target, '--ca', f.ca, '--alpn', 'http/1.1', '--keymatexport', 'EXPERIMENTAL-typetls', '--keymatexportlen', '16', '--sess-out', sess], {
        input: req,
      });
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /^HTTP\/1\.0 200 ok/);
      const s = summaryOf(first.stderr);
      for (const k of ['protocol', 'cipher', 'group', 'alpn', 'peer certificate', 'verification', 'resumed', 'early data', 'keying material']) {
        assert.ok(s.has(k), `summary has "${k}": ${first.stderr}`);
      }
      assert.equal(s.get('protocol'), 'TLSv1.3');
      assert.equal(s.get('alpn'), 'http/1.1');
      assert.equal(s.get('verification'), 'ok');
      assert.match(s.get('keying material') ?? '', /^[0-9a-f]{32}$/);
      assert.ok(existsSync(sess), 'session written');
      assert.match(readFileSync(sess, 'utf8'), /^-----BEGIN SSL SESSION PARAMETERS-----/);

      const again = await runCli(['client', target, '--ca', f.ca, '--sess-in', sess], { input: req });
      assert.equal(again.code, 0, again.stderr);
      assert.equal(summaryOf(again.stderr).get('resumed'), 'yes');

      const t12 = await runCli(['client', target, '--ca', f.ca, '--max-version', '1.2', '--ciphers', 'ECDHE-ECDSA-AES128-GCM-SHA256', '--groups', 'P-256'], { input: req });
      assert.equal(t12.code, 0, t12.stderr);
      const s12 = summaryOf(t12.stderr);
      assert.equal(s12.get('protocol'), 'TLSv1.2');
      assert.equal(s12.get('cipher'), 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
      assert.equal(s12.get('group'), 'secp256r1');
    } finally {
      srv.stop();
    }
  });

  test('--no-ticket on both sides: TLS 1.2 resumes by session ID (openssl -no_ticket)', async () => {
    const srv = await startListening(...cli(['server', '--port', '0', '--cert', f.serverCert, '--key', f.serverKey, '--no-ticket', '--max-version', '1.2', '--echo', '--naccept', '2']));
    try {
      const target = `127.0.0.1:${String(srv.port)}`;
      const sess = join(f.dir, 'sess-no-ticket.pem');
      const first = await runCli(['client', target, '--ca', f.ca, '--no-ticket', '--sess-out', sess], { input: 'one\n' });
      assert.equal(first.code, 0, first.stderr);
      assert.equal(summaryOf(first.stderr).get('resumed'), 'no');
      const again = await runCli(['client', target, '--ca', f.ca, '--no-ticket', '--sess-in', sess], { input: 'two\n' });
      assert.equal(again.code, 0, again.stderr);
      assert.equal(summaryOf(again.stderr).get('protocol'), 'TLSv1.2');
      assert.equal(summaryOf(again.stderr).get('resumed'), 'yes');
    } finally {
      srv.stop();
    }
  });

  test('tunnel client and server (like stunnel): plain TCP through TLS both ways, half-close carried, a failed handshake closes the plain side', async () => {
    // Plain TCP helpers: send, half-close, read everything until the other side ends.
    const exchange = (port: number, data: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => s.end(data));
        let got = '';
        s.setEncoding('utf8').on('data', (d: string) => (got += d));
        s.once('end', () => resolve(got));
        s.once('error', reject);
      });
    // tunnel client: plain in, TLS out to a typetls --echo server (which verifies our client certificate).
    const echo = await startListening(...cli(['server', '--port', '0', '--cert', f.serverCert, '--key', f.serverKey, '--ca', f.ca, '--verify-client', 'require', '--echo']));
    const tc = await startListening(
      ...cli(['tunnel', 'client', '--accept', '0', '--connect', `127.0.0.1:${String(echo.port)}`, '--servername', 'localhost', '--ca', f.ca, '--cert', f.clientCert, '--key', f.clientKey, '--naccept', '2']),
    );
    // The tunnel to a server whose certificate the CA does not vouch for.
    const bad = await startListening(...cli(['tunnel', 'client', '--accept', '0', '--connect', `127.0.0.1:${String(echo.port)}`, '--ca', f.otherCa, '--naccept', '1']));
    // A plain backend behind a tunnel server, answering once the request ends (half-close).
    const backend = net.createServer({ allowHalfOpen: true }, (s) => {
      let req = '';
      s.setEncoding('utf8').on('data', (d: string) => (req += d));
      s.once('end', () => s.end(`backend got ${String(req.length)} bytes: ${req.toUpperCase()}`));
    });
    backend.listen(0, '127.0.0.1');
    await once(backend, 'listening');
    const ts = await startListening(
      ...cli(['tunnel', 'server', '--accept', '0', '--connect', `127.0.0.1:${String((backend.address() as net.AddressInfo).port)}`, '--cert', f.serverCert, '--key', f.serverKey, '--naccept', '1']),
    );
    try {
      assert.equal(await exchange(tc.port, 'through the tunnel\n'), 'through the tunnel\n');
      const big = 'x'.repeat(200_000);
      assert.equal(await exchange(tc.port, big), big);
      assert.equal((await tc.exited).code, 0);
      const line = tc.output().stderr.split('\n').find((l) => l.startsWith('conn 1:')) ?? '';
      assert.match(line, /protocol=TLSv1\.3 .*server certificate=CN=localhost \| verification=ok/);
      assert.match(tc.output().stderr, /conn 2: closed \(200000 bytes to the server, 200000 bytes back\)/);

      assert.equal(await exchange(bad.port, 'never delivered'), '');
      assert.equal((await bad.exited).code, 0);
      assert.match(bad.output().stderr, /conn 1: handshake failed: .*(certificate|issuer)/i);

      // tunnel server: a node:tls client, its end carried to the backend, the answer carried back.
      const answer = await new Promise<string>((resolve, reject) => {
        // allowHalfOpen works on node:tls clients, though @types/node does not list it there.
        const o = { port: ts.port, host: '127.0.0.1', servername: 'localhost', ca: readFileSync(f.ca), allowHalfOpen: true } as tls.ConnectionOptions;
        const c = tls.connect(o, () => c.end('hello backend'));
        let got = '';
        c.setEncoding('utf8').on('data', (d: string) => (got += d));
        c.once('end', () => resolve(got));
        c.once('error', reject);
      });
      assert.equal(answer, 'backend got 13 bytes: HELLO BACKEND');
      assert.equal((await ts.exited).code, 0);
      assert.match(ts.output().stderr, /conn 1: .*protocol=TLSv1\.3 .*client certificate=none .*-> 127\.0\.0\.1:\d+/);
    } finally {
      for (const p of [echo, tc, bad, ts]) p.stop();
      backend.close();
    }
  });

  test('tunnel: command-line mistakes exit 2', async () => {
    for (const args of [
      ['tunnel'],
      ['tunnel', 'sideways', '--accept', '0', '--connect', '127.0.0.1:1'],
      ['tunnel', 'client', '--accept', '0'],
      ['tunnel', 'server', '--accept', '0', '--connect', '127.0.0.1:1'],
      ['tunnel', 'server', '--accept', '0', '--connect', '127.0.0.1:1', '--cert', f.serverCert, '--key', f.serverKey, '--servername', 'x'],
      ['tunnel', 'client', '--accept', '70000', '--connect', '127.0.0.1:1'],
    ]) {
      const r = await runCli(args);
      assert.equal(r.code, args.length === 1 ? 0 : 2, `${args.join(' ')}: ${r.stderr}`);
    }
  });

  test('server: SIGTERM closes it cleanly with exit 0', async () => {
    const srv = await startListening(...cli(['server', '--port', '0', '--cert', f.serverCert, '--key', f.serverKey]));
    try {
      srv.child.kill('SIGTERM');
      const exit = await srv.exited;
      assert.equal(exit.code, 0);
    } finally {
      srv.stop();
    }
  });
});
