// The adapter over the real TLS 1.3 engine (issue 2): bulk transfer with backpressure, and interop
// with Node's own https client and server (node:tls underneath).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { connect, createServer, type TLSSocket } from '../src/index.js';
import { testPki } from './helpers/certs.js';
import { sha256, until, writeAll } from './helpers/streams.js';

test('adapter over TLS 1.3: 16 MiB each way arrive intact, with backpressure respected on both sides', async () => {
  const pki = await testPki();
  const SIZE = 16 * 1024 * 1024;
  const toServer = randomBytes(SIZE);
  const toClient = randomBytes(SIZE);
  const server = createServer({ cert: pki.server.ecdsa.certPem, key: pki.server.ecdsa.keyPem, allowHalfOpen: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'secureConnection') as Promise<[TLSSocket]>;
  const client = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, servername: 'localhost', ca: pki.root.certPem, allowHalfOpen: true });
  await once(client, 'secureConnect');
  const [srv] = await accepted;
  assert.equal(client.getProtocol(), 'TLSv1.3');

  const clientWrite = writeAll(client, toServer);
  const serverWrite = writeAll(srv, toClient);
  // Nobody reads yet: both transports must pause instead of buffering everything.
  await until(() => srv.socket.isPaused() && client.socket.isPaused(), 'both transports to pause');
  assert.ok(srv.readableLength < 1024 * 1024 && client.readableLength < 1024 * 1024, 'plaintext buffers stay bounded');

  const got = { server: [] as Buffer[], client: [] as Buffer[] };
  srv.on('data', (d: Buffer) => got.server.push(d));
  client.on('data', (d: Buffer) => got.client.push(d));
  const ends = Promise.all([once(srv, 'end'), once(client, 'end')]);
  const [cw, sw] = await Promise.all([clientWrite, serverWrite]);
  assert.ok(cw.sawBackpressure && sw.sawBackpressure, 'both writers saw write() return false');
  client.end();
  srv.end();
  await ends;
  assert.equal(sha256(got.server), sha256([toServer]));
  assert.equal(sha256(got.client), sha256([toClient]));
  await new Promise<void>((r) => server.close(() => r()));
});

test('https.request({ createConnection }) through typetls fetches a page from a Node https server', async () => {
  const pki = await testPki();
  const nodeServer = https.createServer({ cert: pki.server.rsa.certPem, key: pki.server.rsa.keyPem }, (req, res) => {
    res.end(`hello ${req.url ?? ''} over ${(req.socket as import('node:tls').TLSSocket).getProtocol() ?? '?'}`);
  });
  nodeServer.listen(0, '127.0.0.1');
  await once(nodeServer, 'listening');
  const port = (nodeServer.address() as AddressInfo).port;
  const body = await new Promise<string>((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: '/page',
        // No `agent`: only then does http use createConnection (agent: false builds a fresh Agent).
        createConnection: () => connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem, ALPNProtocols: ['http/1.1'] }),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve(text));
      },
    );
    req.on('error', reject);
    req.end();
  });
  assert.equal(body, 'hello /page over TLSv1.3');
  nodeServer.close();
});

test("Node's https.get fetches a page from a typetls server", async () => {
  const pki = await testPki();
  const { createHttpsServer } = await import('../src/index.js');
  const server = createHttpsServer({ cert: pki.server.ed25519.certPem, key: pki.server.ed25519.keyPem }, (req, res) => {
    res.end(`typetls served ${req.url ?? ''}`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const body = await new Promise<string>((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path: '/x', servername: 'localhost', ca: pki.root.certPem, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
  assert.equal(body, 'typetls served /x');
  server.close();
});

test('a destroyed TLSSocket lets go of its connection (keys, buffers), while its summary and session stay readable', async () => {
  const pki = await testPki();
  const server = createServer({ cert: pki.server.ecdsa.certPem, key: pki.server.ecdsa.keyPem });
  server.on('secureConnection', (s: TLSSocket) => {
    s.on('error', () => undefined);
    s.end('hello');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, servername: 'localhost', ca: pki.root.certPem });
  await once(client, 'secureConnect');
  // Only a weak reference to the connection from here on.
  const conn = new WeakRef(client.connection as object);
  const closed = once(client, 'close');
  client.resume();
  await once(client, 'end'); // the server's tickets came before its data
  client.destroy();
  await closed;
  assert.equal(client.connection, undefined);
  assert.equal(client.getProtocol(), 'TLSv1.3');
  assert.deepEqual(client.getEphemeralKeyInfo(), { type: 'ECDH', name: 'X25519', size: 253 });
  // Nor may the session it keeps for getSession() (not read yet: no 'session' listener) hold the
  // connection: its lazy encoding once did, through a closure's scope.
  const gc = collector();
  for (let i = 0; i < 10 && conn.deref() !== undefined; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
  assert.equal(conn.deref(), undefined, 'the connection was collected while the socket is still referenced');
  assert.ok(client.getSession() !== undefined, 'getSession() still answers after destroy');
  await new Promise<void>((r) => server.close(() => r()));
});

/** V8's gc(), made available at run time (the test runner starts node without --expose-gc). */
function collector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

test('HTTP/2 over typetls: http2.connect({ createConnection }) to a node http2 server, and an http2.Server fed by a typetls server', async () => {
  const pki = await testPki();
  const get = async (session: http2.ClientHttp2Session, path: string): Promise<string> => {
    const req = session.request({ ':path': path });
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    await once(req, 'end');
    return body;
  };
  // typetls as the client of node's HTTP/2 server.
  const nodeServer = http2.createSecureServer({ cert: pki.server.ecdsa.certPem, key: pki.server.ecdsa.keyPem }, (req, res) => {
    res.end(`h2 ${req.url} over ${(req.socket as unknown as import('node:tls').TLSSocket).getProtocol() ?? '?'}`);
  });
  nodeServer.listen(0, '127.0.0.1');
  await once(nodeServer, 'listening');
  const port = (nodeServer.address() as AddressInfo).port;
  const client = http2.connect(`https://localhost:${String(port)}`, {
    createConnection: () => connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem, ALPNProtocols: ['h2'] }) as unknown as Duplex,
  });
  assert.equal(await get(client, '/a'), 'h2 /a over TLSv1.3');
  assert.equal(await get(client, '/b'), 'h2 /b over TLSv1.3'); // two streams on one connection
  client.close();
  await new Promise<void>((r) => nodeServer.close(() => r()));

  // typetls as the TLS server under node's plain http2.Server.
  const h2 = http2.createServer((req, res) => res.end(`typetls-fed ${req.url}`));
  const server = createServer({ cert: pki.server.ecdsa.certPem, key: pki.server.ecdsa.keyPem, ALPNProtocols: ['h2'] }, (s) => h2.emit('connection', s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const nodeClient = http2.connect(`https://localhost:${String((server.address() as AddressInfo).port)}`, { ca: pki.root.certPem });
  assert.equal(await get(nodeClient, '/c'), 'typetls-fed /c');
  nodeClient.close();
  await new Promise<void>((r) => server.close(() => r()));
});
