// node:tls's `secureOptions` (OpenSSL's SSL_OP_* flags from crypto.constants): each flag typetls
// reads does what it does in node:tls, checked against node:tls itself, and a TLS 1.2 server without
// RFC 5746 (gnutls-serv with %DISABLE_SAFE_RENEGOTIATION, an old device's behaviour) is reached only
// with SSL_OP_LEGACY_SERVER_CONNECT, by both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { connect, createSecureContext, createServer, type TLSSocket } from '../src/node/index.js';
import { TlsError } from '../src/errors.js';
import { PskKeyExchangeMode } from '../src/wire/iana.js';
import type { TraceEvent } from '../src/conn/types.js';
import { knownEvent, type SidedEvent } from '../src/trace/events.js';
import { buildNarrative } from '../src/trace/steps.js';
import { testPki } from './helpers/certs.js';
import { gnutlsServer, has } from './helpers/peers.js';

type Pki = Awaited<ReturnType<typeof testPki>>;
type Client = tls.TLSSocket | TLSSocket;

const SKIP_SERV = has('gnutls-serv') ? false : 'gnutls-serv not installed';

/** One connection: the protocol, whether it resumed, the session to resume with, and whether a TLS 1.2 ticket came. */
async function once12(make: (o: tls.ConnectionOptions) => Client, options: tls.ConnectionOptions): Promise<{ protocol: string | null; reused: boolean; session: Buffer | undefined; ticket: boolean }> {
  const c = make(options);
  let session: Buffer | undefined;
  c.on('session', (s: Buffer) => (session = s));
  await once(c, 'secureConnect');
  c.on('data', () => undefined);
  const out = { protocol: c.getProtocol(), reused: c.isSessionReused(), ticket: c.getTLSTicket() !== undefined };
  c.end();
  await once(c, 'close');
  return { ...out, session: session ?? c.getSession() };
}

async function nodeServer(pki: Pki, options: tls.TlsOptions = {}): Promise<{ server: tls.Server; port: number }> {
  const server = tls.createServer({ cert: pki.server.ecdsa.certPem, key: pki.server.ecdsa.keyPem, ...options }, (s) => {
    s.on('data', () => undefined);
    s.end();
  });
  // node:tls keeps no session cache of its own: session IDs resume through these two events.
  const store = new Map<string, Buffer>();
  server.on('newSession', (id: Buffer, data: Buffer, cb: () => void) => {
    store.set(id.toString('hex'), data);
    cb();
  });
  server.on('resumeSession', (id: Buffer, cb: (err: Error | null, data: Buffer | null) => void) => cb(null, store.get(id.toString('hex')) ?? null));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

const clients: readonly [string, (o: tls.ConnectionOptions) => Client][] = [
  ['node:tls', (o) => tls.connect(o)],
  ['typetls', (o) => connect(o as never)],
];

test('secureOptions: SSL_OP_NO_TLSv1_3 and SSL_OP_NO_TLSv1_2 turn that version off, as in node:tls; both, or a bad value, are refused', async () => {
  const pki = await testPki();
  const { server, port } = await nodeServer(pki);
  try {
    for (const [name, make] of clients) {
      const base = { host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem };
      assert.equal((await once12(make, { ...base, secureOptions: constants.SSL_OP_NO_TLSv1_3 })).protocol, 'TLSv1.2', name);
      assert.equal((await once12(make, { ...base, secureOptions: constants.SSL_OP_NO_TLSv1_2 })).protocol, 'TLSv1.3', name);
      // Flags typetls already behaves by (or that mean nothing without SSLv3, TLS 1.0/1.1, compression, renegotiation).
      const quiet = constants.SSL_OP_NO_SSLv3 | constants.SSL_OP_NO_TLSv1 | constants.SSL_OP_NO_TLSv1_1 | constants.SSL_OP_NO_COMPRESSION | constants.SSL_OP_NO_RENEGOTIATION | constants.SSL_OP_ALL;
      assert.equal((await once12(make, { ...base, secureOptions: quiet })).protocol, 'TLSv1.3', name);
    }
  } finally {
    server.close();
  }
  const refused = (o: object): void =>
    assert.throws(() => createSecureContext(o), (e: unknown) => e instanceof TlsError && e.code === 'ERR_TLS_INVALID_OPTION' && /secureOptions/.test(e.message));
  refused({ secureOptions: constants.SSL_OP_NO_TLSv1_2 | constants.SSL_OP_NO_TLSv1_3 });
  refused({ secureOptions: constants.SSL_OP_NO_TLSv1_3, minVersion: 'TLSv1.3' });
  // The flags that reach the engine's config.
  const f = createSecureContext({ secureOptions: constants.SSL_OP_ALLOW_NO_DHE_KEX | constants.SSL_OP_NO_ENCRYPT_THEN_MAC | constants.SSL_OP_NO_TICKET }).fields;
  assert.deepEqual([f.pskModes, f.encryptThenMac, f.tickets12, f.legacyServerConnect], [[PskKeyExchangeMode.psk_dhe_ke, PskKeyExchangeMode.psk_ke], false, false, undefined]);
  assert.deepEqual(createSecureContext({}).fields.tickets12, undefined);
  refused({ secureOptions: 2 ** 32 });
  refused({ secureOptions: 1.5 });
  refused({ secureOptions: '4' });
});

test('secureOptions: SSL_OP_NO_TICKET leaves TLS 1.2 session IDs, client and server, as in node:tls', async () => {
  const pki = await testPki();
  const v12 = { maxVersion: 'TLSv1.2' } as const;
  // A client with the flag, against node:tls: no ticket, and resumption by session ID.
  const { server, port } = await nodeServer(pki, v12);
  try {
    for (const [name, make] of clients) {
      const base = { host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem, ...v12 };
      const plain = await once12(make, base);
      assert.equal(plain.ticket, true, `${name}: a ticket without the flag`);
      const first = await once12(make, { ...base, secureOptions: constants.SSL_OP_NO_TICKET });
      assert.equal(first.ticket, false, name);
      const again = await once12(make, { ...base, secureOptions: constants.SSL_OP_NO_TICKET, session: first.session });
      assert.equal(again.reused, true, `${name}: resumed by session ID`);
      assert.equal(again.ticket, false, name);
    }
  } finally {
    server.close();
  }
  // A typetls server with the flag: node:tls's client gets no ticket and resumes by session ID.
  const ours = createServer({ cert: pki.server.ecdsa.certPem, key: pki.server.ecdsa.keyPem, secureOptions: constants.SSL_OP_NO_TICKET, ...v12 }, (s) => {
    s.on('data', () => undefined);
    s.end();
  });
  ours.listen(0, '127.0.0.1');
  await once(ours, 'listening');
  try {
    const base = { host: '127.0.0.1', port: (ours.address() as AddressInfo).port, servername: 'localhost', ca: pki.root.certPem };
    const first = await once12((o) => tls.connect(o), base);
    assert.equal(first.ticket, false);
    const again = await once12((o) => tls.connect(o), { ...base, session: first.session });
    assert.equal(again.reused, true);
  } finally {
    ours.close();
  }
});

test('secureOptions: SSL_OP_LEGACY_SERVER_CONNECT reaches a TLS 1.2 server without RFC 5746, which is refused by default (node:tls too)', { skip: SKIP_SERV }, async (t) => {
  const pki = await testPki();
  const server = await gnutlsServer(t, { cert: pki.server.ecdsa, priority: 'NORMAL:-VERS-ALL:+VERS-TLS1.2:%DISABLE_SAFE_RENEGOTIATION' });
  for (const [name, make] of clients) {
    const base = { socket: server.dial(), servername: 'localhost', ca: pki.root.certPem };
    const refused = make(base);
    const [err] = (await once(refused, 'error')) as [Error & { code?: string }];
    assert.match(`${err.code ?? ''} ${err.message}`, /renegotiation/i, name);
    refused.destroy();
    const events: SidedEvent[] = [];
    const trace = (e: TraceEvent): void => {
      const k = knownEvent(e);
      if (k !== undefined) events.push({ side: 'client', event: k });
    };
    const c = make({ ...base, socket: server.dial(), secureOptions: constants.SSL_OP_LEGACY_SERVER_CONNECT, ...(name === 'typetls' ? { trace } : {}) } as tls.ConnectionOptions);
    await once(c, 'secureConnect');
    c.write('ping\n');
    const [echo] = (await once(c, 'data')) as [Buffer];
    assert.equal(echo.toString(), 'ping\n', name);
    assert.equal(c.getProtocol(), 'TLSv1.2', name);
    c.destroy();
    if (name === 'typetls') {
      // The narrated trace says what was given up.
      const fact = buildNarrative(events).steps.find((s) => s.n === 2)?.facts.find((f) => f.name === 'secure renegotiation');
      assert.equal(fact?.value, 'not supported by the server');
    }
  }
});
