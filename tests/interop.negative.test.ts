// Negative tests against OpenSSL (issue 2): typetls detects the fault, sends the alert, and
// `openssl s_client` reports receiving it. Faults a real peer cannot be made to produce are injected
// by a man in the middle (tests/helpers/record-proxy.ts) that knows the typetls server's keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer, type TLSSocket } from '../src/index.js';
import { TlsError } from '../src/errors.js';
import { CipherSuite as CS } from '../src/wire/iana.js';
import { testPki } from './helpers/certs.js';
import { has } from './helpers/proc.js';
import { opensslClient } from './helpers/peer-openssl-gnutls.js';
import { flipFirstAppData, rewriteClientFlight, startRecordProxy } from './helpers/record-proxy.js';

interface Started {
  port: number;
  keylog: string[];
  errors: Error[];
  close(): Promise<void>;
}

async function typetlsServer(options: Record<string, unknown>): Promise<Started> {
  const pki = await testPki();
  const keylog: string[] = [];
  const errors: Error[] = [];
  const server = createServer(
    { cert: pki.server.ecdsa.certPem, key: pki.server.ecdsa.keyPem, ca: pki.root.certPem, ciphers: 'TLS_AES_128_GCM_SHA256', ...options },
    (s: TLSSocket) => {
      s.on('error', (e: Error) => errors.push(e));
      s.on('data', () => {});
      s.on('end', () => s.end());
    },
  );
  server.on('keylog', (line: Buffer) => keylog.push(line.toString('latin1').trim()));
  server.on('tlsClientError', (e: Error) => errors.push(e));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    keylog,
    errors,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function waitForError(errors: Error[]): Promise<TlsError> {
  for (let i = 0; i < 400 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  const e = errors[0];
  assert.ok(e instanceof TlsError, `expected a TlsError, got ${String(e)}`);
  return e;
}

const skip = has('openssl') ? false : 'openssl is not installed';

test('RFC 8446 §5.2: a record altered in transit: typetls sends bad_record_mac, s_client reports it', { skip }, async () => {
  const srv = await typetlsServer({});
  const proxy = await startRecordProxy(srv.port, { toServer: flipFirstAppData(1) });
  try {
    const pki = await testPki();
    const r = await opensslClient({ port: proxy.port, ca: pki.root.files.cert, input: 'hello\n', timeoutMs: 8000 });
    const err = await waitForError(srv.errors);
    assert.equal(err.alertName, 'bad_record_mac');
    assert.equal(err.remote, false);
    assert.equal(r.info.alert, 'bad_record_mac', r.stderr + r.stdout);
  } finally {
    await proxy.close();
    await srv.close();
  }
});

test('RFC 8446 §4.4.4: a client Finished altered by a man in the middle: typetls sends decrypt_error, s_client reports it', { skip }, async () => {
  const srv = await typetlsServer({});
  const proxy = await startRecordProxy(srv.port, {
    toServer: rewriteClientFlight(srv.keylog, CS.TLS_AES_128_GCM_SHA256, (msgs) =>
      msgs.map((m) => {
        if (m[0] !== 20) return m;
        const c = m.slice();
        c[8] = (c[8] as number) ^ 0x55;
        return c;
      }),
    ),
  });
  try {
    const pki = await testPki();
    const r = await opensslClient({ port: proxy.port, ca: pki.root.files.cert, input: 'hello\n', timeoutMs: 8000 });
    const err = await waitForError(srv.errors);
    assert.equal(err.alertName, 'decrypt_error', err.message);
    assert.equal(r.info.alert, 'decrypt_error', r.stderr + r.stdout);
  } finally {
    await proxy.close();
    await srv.close();
  }
});

test('RFC 8446 §4.4.1: the client CertificateVerify removed in transit: typetls sends unexpected_message, s_client reports it', { skip }, async () => {
  const srv = await typetlsServer({ requestCert: true, rejectUnauthorized: true });
  const proxy = await startRecordProxy(srv.port, {
    toServer: rewriteClientFlight(srv.keylog, CS.TLS_AES_128_GCM_SHA256, (msgs) => msgs.filter((m) => m[0] !== 15)),
  });
  try {
    const pki = await testPki();
    const r = await opensslClient({ port: proxy.port, ca: pki.root.files.cert, cert: pki.client.ecdsa, input: 'hello\n', timeoutMs: 8000 });
    const err = await waitForError(srv.errors);
    assert.equal(err.alertName, 'unexpected_message', err.message);
    assert.equal(r.info.alert, 'unexpected_message', r.stderr + r.stdout);
  } finally {
    await proxy.close();
    await srv.close();
  }
});
