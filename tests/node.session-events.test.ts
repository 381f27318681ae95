// node:tls's 'newSession' and 'resumeSession' server events: the application's own store for TLS 1.2
// session-ID resumption (shared between processes in a cluster), driven by node:tls clients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { createServer, type Server, type TLSSocket } from '../src/node/index.js';
import { testPki } from './helpers/certs.js';

type Pki = Awaited<ReturnType<typeof testPki>>;

/** A node:tls client connection: resumed or not, the session it got, or the error. */
async function dial(port: number, pki: Pki, options: tls.ConnectionOptions = {}): Promise<{ reused: boolean; session: Buffer | undefined; error: Error | undefined }> {
  // No tickets: TLS 1.2 session IDs are the only way back.
  const c = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem, maxVersion: 'TLSv1.2', secureOptions: constants.SSL_OP_NO_TICKET, ...options });
  let session: Buffer | undefined;
  c.on('session', (s: Buffer) => (session = s));
  // once() rejects with the socket's 'error': that is the failure case.
  const first = await once(c, 'secureConnect').then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (first !== undefined) return { reused: false, session: undefined, error: first };
  const reused = c.isSessionReused();
  c.on('data', () => undefined);
  c.end();
  await once(c, 'close');
  return { reused, session, error: undefined };
}

async function listen(pki: Pki, maxVersion: 'TLSv1.2' | 'TLSv1.3' = 'TLSv1.2'): Promise<{ server: Server; port: number }> {
  const server = createServer({ cert: pki.server.ecdsa.certPem, key: pki.server.ecdsa.keyPem, maxVersion }, (s: TLSSocket) => {
    s.on('data', () => undefined);
    s.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

test("'newSession' gets each new TLS 1.2 session and 'resumeSession' looks it up (asynchronously): node:tls clients resume by session ID", async () => {
  const pki = await testPki();
  const { server, port } = await listen(pki);
  const store = new Map<string, Buffer>();
  const asked: string[] = [];
  server.on('newSession', (id: Buffer, data: Buffer, cb: () => void) => {
    assert.ok(Buffer.isBuffer(id) && id.length === 32 && Buffer.isBuffer(data) && typeof cb === 'function');
    store.set(id.toString('hex'), data);
    cb();
  });
  server.on('resumeSession', (id: Buffer, cb: (err: Error | null, data: Buffer | null) => void) => {
    asked.push(id.toString('hex'));
    setTimeout(() => cb(null, store.get(id.toString('hex')) ?? null), 5);
  });
  try {
    const first = await dial(port, pki);
    assert.equal(first.error, undefined);
    assert.equal(first.reused, false);
    await new Promise((r) => setImmediate(r));
    assert.equal(store.size, 1, 'newSession stored the session');
    const again = await dial(port, pki, { session: first.session });
    assert.equal(again.reused, true);
    assert.deepEqual(asked, [...store.keys()]);
    // The store forgets it: a full handshake, and a new session stored.
    store.clear();
    const fresh = await dial(port, pki, { session: first.session });
    assert.equal(fresh.error, undefined);
    assert.equal(fresh.reused, false);
    await new Promise((r) => setImmediate(r));
    assert.equal(store.size, 1);
    // Garbage from the store is no session: a full handshake, not a failure.
    const [key] = [...store.keys()];
    store.set(key ?? '', Buffer.from('not a session'));
    const junk = await dial(port, pki, { session: fresh.session });
    assert.equal(junk.error, undefined);
    assert.equal(junk.reused, false);
  } finally {
    server.close();
  }
});

test("'resumeSession' answering an error fails that handshake (tlsClientError), as in node:tls", async () => {
  const pki = await testPki();
  const { server, port } = await listen(pki);
  let stored: Buffer | undefined;
  server.on('newSession', (_id: Buffer, data: Buffer, cb: () => void) => {
    stored = data;
    cb();
  });
  const first = await dial(port, pki);
  assert.ok(stored !== undefined);
  server.on('resumeSession', (_id: Buffer, cb: (err: Error | null) => void) => cb(new Error('store down')));
  const failed = once(server, 'tlsClientError') as Promise<[Error]>;
  try {
    const again = await dial(port, pki, { session: first.session });
    assert.ok(again.error !== undefined, 'the client saw the failure');
    const [err] = await failed;
    assert.match(err.message, /session store failed.*store down/);
  } finally {
    server.close();
  }
});

test('without the events the server keeps TLS 1.2 sessions itself; TLS 1.3 resumes by ticket and fires neither', async () => {
  const pki = await testPki();
  const { server, port } = await listen(pki);
  try {
    const first = await dial(port, pki);
    assert.equal((await dial(port, pki, { session: first.session })).reused, true);
  } finally {
    server.close();
  }
  const s13 = await listen(pki, 'TLSv1.3');
  const events: string[] = [];
  s13.server.on('newSession', () => events.push('newSession'));
  s13.server.on('resumeSession', (_id: Buffer, cb: (err: null, data: null) => void) => {
    events.push('resumeSession');
    cb(null, null);
  });
  try {
    const first = await dial(s13.port, pki, { maxVersion: 'TLSv1.3', secureOptions: 0 });
    const again = await dial(s13.port, pki, { maxVersion: 'TLSv1.3', secureOptions: 0, session: first.session });
    assert.equal(again.reused, true);
    assert.deepEqual(events, []);
  } finally {
    s13.server.close();
  }
});
