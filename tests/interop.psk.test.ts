// TLS-PSK against OpenSSL (`s_server -psk -nocert`, `s_client -psk`) and node:tls, both directions,
// through node:tls's API (pskCallback, pskIdentityHint, PSK names in `ciphers`): TLS 1.3 external PSKs
// (RFC 8446 §4.2.11) and TLS 1.2 PSK and ECDHE_PSK suites (RFC 4279, RFC 5489). The system under test
// is `impl` (tests/helpers/impl.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as tls from 'node:tls';
import { impl, listen, nodePeer } from './helpers/impl.js';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canUseNetns, freePort, has, runClient, startServer } from './helpers/peers.js';

const SKIP = has('openssl') ? false : 'openssl not installed';
const KEY = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const IDENTITY = 'device7';
const SUITES = ['PSK-AES128-GCM-SHA256', 'PSK-AES256-CBC-SHA', 'ECDHE-PSK-CHACHA20-POLY1305', 'ECDHE-PSK-AES128-CBC-SHA256'] as const;
const TLS12 = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } as const;

/** One connection of `clientApi` to `port`; resolves with what the server sent and how it ended. */
function pskClient(
  clientApi: { connect: typeof tls.connect },
  port: number,
  ciphers: string | undefined,
  identity = IDENTITY,
  send = 'GET / HTTP/1.0\r\n\r\n',
): Promise<{ data: string; error: (Error & { code?: string }) | undefined; protocol: string | null; cipher: string | undefined; authorized: boolean; reused: boolean; hints: (string | null)[] }> {
  const hints: (string | null)[] = [];
  return new Promise((resolve) => {
    const c = clientApi.connect({
      host: '127.0.0.1',
      port,
      // PSK suites name TLS 1.2; without them, the default versions (TLS 1.3 external PSKs).
      ...(ciphers !== undefined ? { ciphers, ...TLS12 } : {}),
      checkServerIdentity: () => undefined,
      pskCallback: (hint: string | null) => {
        hints.push(hint);
        return { psk: KEY, identity };
      },
    });
    let data = '';
    let error: (Error & { code?: string }) | undefined;
    let protocol: string | null = null;
    let cipher: string | undefined;
    let authorized = false;
    let reused = false;
    c.on('secureConnect', () => {
      protocol = c.getProtocol();
      cipher = c.getCipher()?.name;
      authorized = c.authorized;
      // (Read here: node:tls 20 crashes when isSessionReused() is called after a failed PSK handshake.)
      reused = c.isSessionReused();
      c.write(send);
    });
    c.on('data', (d: Buffer) => (data += d.toString('latin1')));
    c.on('error', (e: Error & { code?: string }) => (error = e));
    c.on('close', () => resolve({ data, error, protocol, cipher, authorized, reused, hints }));
  });
}

test(`interop openssl: ${impl.name} client → s_server -psk -nocert, TLS 1.2 PSK and ECDHE_PSK suites`, { skip: SKIP }, async (t) => {
  for (const suite of SUITES) {
    await t.test(`RFC 4279 / RFC 5489: ${suite}`, async (tt) => {
      const server = await startServer(
        'openssl',
        ['s_server', '-accept', '127.0.0.1:0', '-nocert', '-psk', KEY.toString('hex'), '-psk_identity', IDENTITY, '-psk_hint', 'hint-1', '-tls1_2', '-cipher', suite, '-www', '-naccept', '1'],
        { t: tt, portPattern: /^ACCEPT 127\.0\.0\.1:(\d+)$/m },
      );
      const r = await pskClient(impl, server.port, suite);
      assert.equal(r.error, undefined, String(r.error));
      assert.equal(r.protocol, 'TLSv1.2');
      assert.equal(r.cipher, suite);
      assert.equal(r.authorized, true);
      assert.deepEqual(r.hints, ['hint-1']);
      // s_server -www answers with its session page, which names the suite it used.
      assert.match(r.data, /^HTTP\/1\.0 200 ok/);
      assert.match(r.data, new RegExp(`Cipher\\s*:\\s*${suite}`));
    });
  }
  await t.test('a server holding another key: the Finished cannot check out and the handshake fails', async (tt) => {
    // (s_server only warns about an unexpected identity and goes on with its key.)
    const server = await startServer(
      'openssl',
      ['s_server', '-accept', '127.0.0.1:0', '-nocert', '-psk', 'ffeeddccbbaa99887766554433221100', '-psk_identity', IDENTITY, '-tls1_2', '-cipher', SUITES[0], '-www', '-naccept', '1'],
      { t: tt, portPattern: /^ACCEPT 127\.0\.0\.1:(\d+)$/m },
    );
    const r = await pskClient(impl, server.port, SUITES[0]);
    assert.ok(r.error !== undefined, 'the handshake must fail');
    assert.equal(r.protocol, null);
    assert.match(`${r.error.code ?? ''} ${r.error.message}`, /decrypt|bad.record.mac/i);
  });
});

test(`interop openssl: s_client -psk → ${impl.name} server without a certificate, TLS 1.2`, { skip: SKIP }, async (t) => {
  for (const suite of SUITES) {
    await t.test(`RFC 4279 / RFC 5489: ${suite}`, async () => {
      const identities: string[] = [];
      const srv = impl.createServer(
        {
          ciphers: suite,
          ...TLS12,
          pskIdentityHint: 'hint-2',
          pskCallback: (socket: tls.TLSSocket, identity: string) => {
            assert.equal(typeof socket.write, 'function', 'pskCallback gets the TLSSocket');
            identities.push(identity);
            return identity === IDENTITY ? KEY : null;
          },
        },
        (s) => {
          s.on('error', () => undefined);
          s.on('data', () => s.end(`hello ${s.getCipher().name} ${String(s.authorized)}\n`));
        },
      );
      srv.on('tlsClientError', () => undefined);
      const port = await listen(srv);
      try {
        const r = await runClient('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_2', '-cipher', suite, '-psk', KEY.toString('hex'), '-psk_identity', IDENTITY, '-ign_eof'], {
          input: 'ping\n',
          timeoutMs: 10_000,
        });
        const out = r.stdout + r.stderr;
        assert.match(out, new RegExp(`Cipher is ${suite}`));
        assert.match(out, new RegExp(`hello ${suite} false`));
        assert.deepEqual(identities, [IDENTITY]);
        const bad = await runClient('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_2', '-cipher', suite, '-psk', KEY.toString('hex'), '-psk_identity', 'stranger'], {
          input: '',
          timeoutMs: 10_000,
        });
        assert.match(bad.stdout + bad.stderr, /unknown psk identity/i);
      } finally {
        await new Promise<void>((resolve) => srv.close(() => resolve()));
      }
    });
  }
});

test(`interop node:tls: TLS-PSK between node:tls and ${impl.name}, both directions, TLS 1.2`, async (t) => {
  for (const suite of ['PSK-AES128-GCM-SHA256', 'ECDHE-PSK-CHACHA20-POLY1305']) {
    for (const [label, serverApi, clientApi] of [
      [`${impl.name} client → node:tls server`, nodePeer, impl],
      [`node:tls client → ${impl.name} server`, impl, nodePeer],
    ] as const) {
      await t.test(`${label}, ${suite}`, async () => {
        const srv = serverApi.createServer(
          { ciphers: suite, ...TLS12, pskIdentityHint: 'hint-3', pskCallback: (_s: tls.TLSSocket, identity: string) => (identity === IDENTITY ? KEY : null) },
          (s) => {
            s.on('error', () => undefined);
            s.on('data', () => s.end(`pong ${s.getProtocol() ?? ''}`));
          },
        );
        srv.on('tlsClientError', () => undefined);
        const port = await listen(srv);
        try {
          const ok = await pskClient(clientApi, port, suite, IDENTITY, 'ping');
          assert.equal(ok.error, undefined, String(ok.error));
          assert.equal(ok.cipher, suite);
          assert.equal(ok.data, 'pong TLSv1.2');
          assert.deepEqual(ok.hints, ['hint-3']);
          assert.equal(ok.authorized, true);
          const bad = await pskClient(clientApi, port, suite, 'stranger', 'ping');
          assert.ok(bad.error !== undefined, 'an unknown identity fails the handshake');
          assert.match(`${bad.error.code ?? ''} ${bad.error.message}`, /unknown.psk.identity/i);
        } finally {
          await new Promise<void>((resolve) => srv.close(() => resolve()));
        }
      });
    }
  }
});

test(`interop openssl: TLS 1.3 external PSK, ${impl.name} client → s_server -psk -nocert and s_client -psk → ${impl.name} server`, { skip: SKIP }, async (t) => {
  await t.test('RFC 8446 §4.2.11: client', async (tt) => {
    const server = await startServer('openssl', ['s_server', '-accept', '127.0.0.1:0', '-nocert', '-psk', KEY.toString('hex'), '-psk_identity', IDENTITY, '-tls1_3', '-www', '-naccept', '1'], {
      t: tt,
      portPattern: /^ACCEPT 127\.0\.0\.1:(\d+)$/m,
    });
    const r = await pskClient(impl, server.port, undefined);
    assert.equal(r.error, undefined, String(r.error));
    assert.equal(r.protocol, 'TLSv1.3');
    assert.equal(r.reused, true);
    assert.equal(r.authorized, true);
    assert.deepEqual(r.hints, [null]);
    assert.match(r.data, /Reused, TLSv1\.3, Cipher is TLS_AES_128_GCM_SHA256/);
  });
  await t.test('RFC 8446 §4.2.11: server without a certificate', async () => {
    const identities: string[] = [];
    const srv = impl.createServer({ pskCallback: (_s: tls.TLSSocket, identity: string) => (identities.push(identity), identity === IDENTITY ? KEY : null) }, (s) => {
      s.on('error', () => undefined);
      s.on('data', () => s.end(`hello ${s.getProtocol() ?? ''} ${String(s.isSessionReused())}\n`));
    });
    srv.on('tlsClientError', () => undefined);
    const port = await listen(srv);
    try {
      const r = await runClient('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_3', '-psk', KEY.toString('hex'), '-psk_identity', IDENTITY, '-ign_eof'], { input: 'ping\n', timeoutMs: 10_000 });
      const out = r.stdout + r.stderr;
      assert.match(out, /Reused, TLSv1\.3/);
      assert.match(out, /hello TLSv1\.3 true/);
      assert.deepEqual(identities, [IDENTITY]);
      const bad = await runClient('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_3', '-psk', KEY.toString('hex'), '-psk_identity', 'stranger'], { input: '', timeoutMs: 10_000 });
      // Unknown identity and no certificate to fall back on: handshake_failure.
      assert.match(bad.stdout + bad.stderr, /handshake failure/i);
    } finally {
      await new Promise<void>((resolve) => srv.close(() => resolve()));
    }
  });
});

test(`interop node:tls: TLS 1.3 external PSK between node:tls and ${impl.name}, both directions (default versions)`, async (t) => {
  for (const [label, serverApi, clientApi] of [
    [`${impl.name} client → node:tls server`, nodePeer, impl],
    [`node:tls client → ${impl.name} server`, impl, nodePeer],
  ] as const) {
    await t.test(label, async () => {
      const srv = serverApi.createServer({ pskCallback: (_s: tls.TLSSocket, identity: string) => (identity === IDENTITY ? KEY : null) }, (s) => {
        s.on('error', () => undefined);
        s.on('data', () => s.end(`pong ${s.getProtocol() ?? ''} ${String(s.authorized)}`));
      });
      srv.on('tlsClientError', () => undefined);
      const port = await listen(srv);
      try {
        const ok = await pskClient(clientApi, port, undefined, IDENTITY, 'ping');
        assert.equal(ok.error, undefined, String(ok.error));
        assert.equal(ok.protocol, 'TLSv1.3');
        assert.equal(ok.data, 'pong TLSv1.3 false');
        assert.equal(ok.reused, true);
        assert.equal(ok.authorized, true);
        assert.deepEqual(ok.hints, [null]);
        const bad = await pskClient(clientApi, port, undefined, 'stranger', 'ping');
        assert.ok(bad.error !== undefined, 'an unknown identity, and no certificate: the handshake fails');
        assert.match(`${bad.error.code ?? ''} ${bad.error.message}`, /handshake.failure/i);
      } finally {
        await new Promise<void>((resolve) => srv.close(() => resolve()));
      }
    });
  }
});

const SKIP_GNUTLS = has('gnutls-cli') && has('gnutls-serv') ? false : 'gnutls-cli/gnutls-serv not installed';

test(`interop GnuTLS: TLS-PSK both directions (gnutls-cli --pskkey, gnutls-serv --pskpasswd), TLS 1.3 and 1.2`, { skip: SKIP_GNUTLS }, async (t) => {
  await t.test(`gnutls-cli → ${impl.name} server without a certificate`, async () => {
    const srv = impl.createServer(
      { ciphers: 'TLS_AES_128_GCM_SHA256:PSK-AES128-GCM-SHA256:ECDHE-PSK-CHACHA20-POLY1305', pskCallback: (_s: tls.TLSSocket, identity: string) => (identity === IDENTITY ? KEY : null) },
      (s) => {
        s.on('error', () => undefined);
        s.on('data', () => s.end(`hello ${s.getProtocol() ?? ''} ${s.getCipher().name}\n`));
      },
    );
    srv.on('tlsClientError', () => undefined);
    const port = await listen(srv);
    try {
      for (const [priority, want] of [
        ['NORMAL:-VERS-ALL:+VERS-TLS1.3:+PSK:+ECDHE-PSK', 'hello TLSv1.3 TLS_AES_128_GCM_SHA256'],
        // (Not ECDHE-PSK: this gnutls-cli, 3.7.9, crashes on it in TLS 1.2 against gnutls-serv too.)
        ['NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+PSK', 'hello TLSv1.2 PSK-AES128-GCM-SHA256'],
      ] as const) {
        const r = await runClient('gnutls-cli', ['127.0.0.1', '-p', String(port), '--pskusername', IDENTITY, '--pskkey', KEY.toString('hex'), '--priority', priority], {
          input: 'ping\n',
          holdStdinMs: 1500,
          timeoutMs: 10_000,
        });
        assert.match(r.stdout + r.stderr, /Handshake was completed/, `${priority}: ${r.stderr}`);
        assert.match(r.stdout, new RegExp(want), priority);
      }
    } finally {
      await new Promise<void>((resolve) => srv.close(() => resolve()));
    }
  });
  await t.test(`${impl.name} client → gnutls-serv --pskpasswd (no certificate)`, async (tt) => {
    const dir = mkdtempSync(join(tmpdir(), 'typetls-psk-'));
    const passwd = join(dir, 'psk.passwd');
    writeFileSync(passwd, `${IDENTITY}:${KEY.toString('hex')}\n`);
    const netns = canUseNetns();
    const port = netns ? 4433 : await freePort();
    const server = await startServer('gnutls-serv', ['--port', String(port), '--echo', '--pskpasswd', passwd, '--priority', 'NORMAL:+PSK:+ECDHE-PSK'], { t: tt, port, netns });
    for (const [options, want] of [
      [{}, 'TLSv1.3'],
      [{ ciphers: 'ECDHE-PSK-CHACHA20-POLY1305', ...TLS12 }, 'TLSv1.2'],
    ] as const) {
      const echoed = await new Promise<{ data: string; protocol: string | null; error: Error | undefined }>((resolve) => {
        const c = impl.connect({ socket: server.dial(), ...options, pskCallback: () => ({ psk: KEY, identity: IDENTITY }) });
        let data = '';
        let protocol: string | null = null;
        let error: Error | undefined;
        c.on('secureConnect', () => {
          protocol = c.getProtocol();
          c.write('ping\n'); // gnutls-serv --echo answers line by line
        });
        c.on('data', (d: Buffer) => {
          data += d.toString('latin1');
          c.end();
        });
        c.on('error', (e: Error) => (error = e));
        c.on('close', () => resolve({ data, protocol, error }));
      });
      assert.equal(echoed.error, undefined, String(echoed.error));
      assert.equal(echoed.protocol, want);
      assert.equal(echoed.data, 'ping\n');
    }
  });
});
