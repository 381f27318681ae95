// The Node adapter (src/node) over a fake Connection (tests/helpers/fake-connection.ts): real
// 127.0.0.1 TCP sockets, the adapter's streaming, backpressure, half-close, error routing and
// option mapping. The real engine is not involved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import { Agent, connect, createHttpsServer, createServer, createSecureContext, TLSSocket } from '../src/node/index.js';
import type { Server, TlsConnectOptions, TlsServerOptions } from '../src/node/index.js';
import type { ClientConfig, ServerConfig } from '../src/conn/config.js';
import { TlsError } from '../src/errors.js';
import { defaultTrustStore } from '../src/node/verify.js';
import { AlertDescription } from '../src/wire/iana.js';
import { FakeConnection, fakeClient, fakeServer, fakeServerFlight } from './helpers/fake-connection.js';
import type { FakeOptions } from './helpers/fake-connection.js';
import { CERT_PEM, KEY_PEM, keyOnlyProvider } from './helpers/adapter-fixtures.js';
import { sha256, until, writeAll } from './helpers/streams.js';

const serverBase = { cert: CERT_PEM, key: KEY_PEM, crypto: keyOnlyProvider } as const;

async function listen(options: TlsServerOptions, fake: FakeOptions = {}): Promise<{ server: Server; port: number }> {
  const server = createServer({ ...serverBase, connectionFactory: fakeServer(fake), ...options });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

function dial(port: number, options: TlsConnectOptions = {}, fake: FakeOptions = {}): TLSSocket {
  return connect({ host: '127.0.0.1', port, connectionFactory: fakeClient(fake), ...options });
}

async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

test('adapter: 16 MiB each way arrive intact; a slow reader pauses the transport and the writer waits', async () => {
  const SIZE = 16 * 1024 * 1024;
  const toServer = randomBytes(SIZE);
  const toClient = randomBytes(SIZE);
  const { server, port } = await listen({ allowHalfOpen: true });
  const accepted = once(server, 'secureConnection') as Promise<[TLSSocket]>;
  const client = dial(port, { allowHalfOpen: true });
  await once(client, 'secureConnect');
  const [srv] = await accepted;

  const clientWrite = writeAll(client, toServer);
  const serverWrite = writeAll(srv, toClient);
  // Nobody reads yet: each side's transport must be paused once its plaintext buffer is full.
  await until(() => srv.socket.isPaused() && client.socket.isPaused(), 'both transports to pause');
  await new Promise((r) => setTimeout(r, 100)); // give an unbounded implementation time to misbehave
  assert.ok(srv.readableLength < 1024 * 1024, `server buffered ${srv.readableLength} bytes of plaintext`);
  assert.ok(client.readableLength < 1024 * 1024, `client buffered ${client.readableLength} bytes of plaintext`);
  assert.ok(srv.socket.isPaused() && client.socket.isPaused());
  assert.ok((srv.socket as net.Socket).bytesRead < SIZE, 'the server kept reading its transport while paused');
  assert.ok(client.writableNeedDrain && srv.writableNeedDrain, 'writers are not held back');

  const got = { server: [] as Buffer[], client: [] as Buffer[] };
  srv.on('data', (d: Buffer) => got.server.push(d));
  client.on('data', (d: Buffer) => got.client.push(d));
  const ends = Promise.all([once(srv, 'end'), once(client, 'end')]);
  const closes = Promise.all([once(client, 'close'), once(srv, 'close')]);
  const [cw, sw] = await Promise.all([clientWrite, serverWrite]);
  assert.ok(cw.sawBackpressure && sw.sawBackpressure);
  client.end();
  srv.end();
  await ends;
  assert.equal(Buffer.concat(got.server).length, SIZE);
  assert.equal(sha256(got.server), sha256([toServer]));
  assert.equal(sha256(got.client), sha256([toClient]));
  await closes;
  await closeServer(server);
});

test('adapter: half-close: the client ends, the server still writes, then ends', async () => {
  const { server, port } = await listen({ allowHalfOpen: true });
  const events: string[] = [];
  server.on('secureConnection', (s: TLSSocket) => {
    const got: Buffer[] = [];
    s.on('data', (d: Buffer) => got.push(d));
    s.on('end', () => {
      events.push(`server end after ${Buffer.concat(got).toString()}`);
      s.write('pong');
      setImmediate(() => s.end('!'));
    });
  });
  const client = dial(port, { allowHalfOpen: true });
  client.on('secureConnect', () => client.end('ping'));
  const closed = once(client, 'close');
  const got: Buffer[] = [];
  client.on('data', (d: Buffer) => got.push(d));
  await once(client, 'end');
  events.push(`client end after ${Buffer.concat(got).toString()}`);
  await closed;
  assert.deepEqual(events, ['server end after ping', 'client end after pong!']);
  await closeServer(server);
});

test('adapter: without allowHalfOpen, the peer ending ends our side too (node:tls default)', async () => {
  const { server, port } = await listen({});
  server.on('secureConnection', (s: TLSSocket) => {
    s.resume();
    s.end('bye');
  });
  const client = dial(port);
  const got: Buffer[] = [];
  client.on('data', (d: Buffer) => got.push(d));
  await once(client, 'close');
  assert.equal(Buffer.concat(got).toString(), 'bye');
  assert.ok(client.writableEnded);
  await closeServer(server);
});

test('adapter: data buffered when the transport closes is still delivered, then end and close', async () => {
  const payload = randomBytes(10000);
  const raw = net.createServer((s) => {
    s.once('data', () => s.end(fakeServerFlight(payload)));
    s.resume();
  });
  raw.listen(0, '127.0.0.1');
  await once(raw, 'listening');
  const client = dial((raw.address() as AddressInfo).port);
  client.on('error', (e) => assert.fail(e));
  const closed = once(client, 'close');
  client.on('secureConnect', () => client.end());
  await once(client.socket, 'close'); // both FINs exchanged, and nobody read yet
  const got: Buffer[] = [];
  client.on('data', (d: Buffer) => got.push(d));
  await once(client, 'end');
  await closed;
  assert.deepEqual(Buffer.concat(got), payload);
  raw.close();
});

test('adapter: a FIN without close_notify after the handshake ends the stream without an error (node:tls), slow reader', async () => {
  const payload = randomBytes(300000);
  const raw = net.createServer((s) => {
    s.once('data', () => s.end(fakeServerFlight(payload, true)));
    s.resume();
  });
  raw.listen(0, '127.0.0.1');
  await once(raw, 'listening');
  const client = dial((raw.address() as AddressInfo).port);
  client.on('error', (e) => assert.fail(e));
  const closed = once(client, 'close');
  await once(client, 'secureConnect');
  await until(() => client.socket.isPaused(), 'the transport to pause');
  const got: Buffer[] = [];
  client.on('data', (d: Buffer) => got.push(d));
  await once(client, 'end');
  await closed;
  assert.deepEqual(Buffer.concat(got), payload);
  raw.close();
});

test('adapter: a failed handshake is an error on the client and tlsClientError on the server', async () => {
  const { server, port } = await listen({}, { failWith: AlertDescription.handshake_failure });
  server.on('error', () => assert.fail('the server must not emit error'));
  server.on('secureConnection', () => assert.fail('no secureConnection after a failed handshake'));
  const clientError = new Promise<Error>((resolve) => dial(port).on('error', resolve));
  const [serverErr, tlsSocket] = (await once(server, 'tlsClientError')) as [Error, TLSSocket];
  assert.ok(serverErr instanceof TlsError);
  assert.equal(serverErr.code, 'ERR_TLS_HANDSHAKE_FAILURE');
  assert.ok(tlsSocket instanceof TLSSocket);
  const err = await clientError;
  assert.ok(err instanceof TlsError);
  assert.equal(err.alert, AlertDescription.handshake_failure);
  assert.equal(err.remote, true);
  await closeServer(server);
});

test('adapter: the transport closing during the handshake is ECONNRESET, as in node:tls', async () => {
  const raw = net.createServer((s) => s.destroy());
  raw.listen(0, '127.0.0.1');
  await once(raw, 'listening');
  const client = dial((raw.address() as AddressInfo).port);
  const [err] = (await once(client, 'error')) as [Error & { code?: string }];
  assert.equal(err.code, 'ECONNRESET');
  raw.close();
});

test('adapter: connection refused surfaces as the socket error', async () => {
  const raw = net.createServer();
  raw.listen(0, '127.0.0.1');
  await once(raw, 'listening');
  const port = (raw.address() as AddressInfo).port;
  await new Promise<void>((r) => raw.close(() => r()));
  const [err] = (await once(dial(port), 'error')) as [Error & { code?: string }];
  assert.equal(err.code, 'ECONNREFUSED');
});

test('adapter: handshake results: ALPN, SNI, cipher names, key info, session, keylog, exporter', async () => {
  let serverConfig: ServerConfig | undefined;
  let clientConfig: ClientConfig | undefined;
  const server = createServer({
    ...serverBase,
    ALPNProtocols: ['h2', 'http/1.1'],
    connectionFactory: (c) => {
      serverConfig = c;
      return new FakeConnection(false, c);
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const accepted = once(server, 'secureConnection') as Promise<[TLSSocket]>;
  const client = connect({
    host: '127.0.0.1',
    port,
    servername: 'example.test',
    ALPNProtocols: Buffer.from('\x08http/1.1\x06spdy/1', 'latin1'),
    connectionFactory: (c) => {
      clientConfig = c;
      return new FakeConnection(true, c);
    },
  });
  const keylog: Buffer[] = [];
  client.on('keylog', (line: Buffer) => keylog.push(line));
  const session = once(client, 'session') as Promise<[Buffer]>;
  await once(client, 'secureConnect');
  const [srv] = await accepted;
  assert.equal(client.alpnProtocol, 'http/1.1');
  assert.equal(srv.alpnProtocol, 'http/1.1');
  assert.equal(srv.servername, 'example.test');
  assert.equal(client.servername, 'example.test');
  assert.equal(client.authorized, true);
  assert.equal(client.authorizationError, null);
  assert.equal(client.getProtocol(), 'TLSv1.3');
  assert.deepEqual(client.getCipher(), { name: 'TLS_AES_128_GCM_SHA256', standardName: 'TLS_AES_128_GCM_SHA256', version: 'TLSv1.3' });
  assert.deepEqual(client.getEphemeralKeyInfo(), { type: 'ECDH', name: 'X25519', size: 253 });
  assert.deepEqual(srv.getEphemeralKeyInfo(), {});
  assert.deepEqual(client.getPeerCertificate(), {});
  assert.equal(client.isSessionReused(), false);
  assert.equal(client.exportKeyingMaterial(4, 'EXPORTER').toString(), 'EXPO');
  const [s] = await session;
  assert.deepEqual([...s], [1, 2, 3]);
  assert.deepEqual(client.getSession(), s);
  assert.deepEqual(keylog.map(String), ['CLIENT_RANDOM 00 11\n']);
  assert.equal(client.encrypted, true);
  assert.equal(client.remoteAddress, '127.0.0.1');
  assert.equal(client.remotePort, port);

  // The configs the connections were built from.
  assert.ok(clientConfig !== undefined && serverConfig !== undefined);
  assert.equal(clientConfig.serverName, 'example.test');
  assert.deepEqual(clientConfig.alpnProtocols, ['http/1.1', 'spdy/1']);
  assert.equal(clientConfig.rejectUnauthorized, true);
  assert.equal(clientConfig.ca, defaultTrustStore(), "no `ca` means node's root store, parsed once");
  assert.equal(clientConfig.keylog, true, "a 'keylog' listener turns the key log on");
  assert.ok(Object.isFrozen(clientConfig));
  assert.equal(serverConfig.certificates.length, 1);
  assert.equal(serverConfig.certificates[0]?.chain.length, 1);
  assert.equal(serverConfig.keylog, undefined, 'no keylog listener, no key log');
  assert.equal(serverConfig.requestCert, false);
  assert.equal(serverConfig.requireCert, false);
  assert.equal(server.getTicketKeys().length, 48);
  const closes = Promise.all([once(client, 'close'), once(srv, 'close')]);
  client.end();
  srv.end();
  await closes;
  await closeServer(server);
});

test('adapter: rejectUnauthorized false: the handshake completes with authorized false and the code', async () => {
  const { server, port } = await listen({});
  server.on('secureConnection', (s: TLSSocket) => s.end());
  const client = dial(port, { rejectUnauthorized: false }, { unauthorized: true });
  await once(client, 'secureConnect');
  assert.equal(client.authorized, false);
  assert.equal(client.authorizationError, 'DEPTH_ZERO_SELF_SIGNED_CERT');
  assert.equal(client.tlsAuthorizationError?.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
  client.resume();
  await once(client, 'close');
  await closeServer(server);
});

test('adapter: an alert after the handshake is an error on both sockets (not tlsClientError)', async () => {
  const { server, port } = await listen({}, { failOnData: 'boom' });
  server.on('tlsClientError', () => assert.fail('the handshake succeeded'));
  const serverError = new Promise<Error>((resolve) => server.on('secureConnection', (s: TLSSocket) => s.on('error', resolve)));
  const client = dial(port);
  client.on('secureConnect', () => client.write('boom'));
  const [err] = (await once(client, 'error')) as [TlsError];
  assert.equal(err.alert, AlertDescription.unexpected_message);
  assert.equal(err.remote, true, 'the server sent its alert before closing');
  const serr = await serverError;
  assert.ok(serr instanceof TlsError && serr.code === 'ERR_TLS_UNEXPECTED_MESSAGE');
  await closeServer(server);
});

test('adapter: a client that never finishes the handshake is dropped after handshakeTimeout', async () => {
  const { server, port } = await listen({ handshakeTimeout: 50 });
  const raw = net.connect(port, '127.0.0.1');
  raw.on('error', () => {});
  const [err] = (await once(server, 'tlsClientError')) as [TlsError];
  assert.equal(err.code, 'ERR_TLS_HANDSHAKE_TIMEOUT');
  raw.destroy();
  await closeServer(server);
});

test('adapter: getPeerCertificate() is node-shaped; trace option as a listener and as events', async () => {
  const der = new Uint8Array(new X509Certificate(CERT_PEM).raw);
  const serverTrace: unknown[] = [];
  const { server, port } = await listen({ trace: (e) => serverTrace.push(e) });
  server.on('secureConnection', (s: TLSSocket) => s.end());
  const client = dial(port, { trace: true }, { peerCertificates: [der] });
  const clientTrace: unknown[] = [];
  client.on('trace', (e: unknown) => clientTrace.push(e));
  const closed = once(client, 'close');
  await once(client, 'secureConnect');
  const cert = client.getPeerCertificate(true);
  assert.ok(cert !== null && 'subject' in cert);
  assert.equal(cert.subject.CN, 'localhost');
  assert.equal(cert.subject.O, 'typetls test');
  assert.equal(cert.subjectaltname, 'DNS:localhost, IP Address:127.0.0.1');
  assert.equal(cert.issuerCertificate, cert, 'a self-signed certificate is its own issuer, as node:tls shows it');
  assert.equal(cert.nistCurve, 'P-256');
  assert.equal(cert.bits, 256);
  assert.match(cert.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.match(cert.serialNumber, /^[0-9A-F]+$/);
  assert.match(cert.valid_to, /2126 GMT$/);
  assert.deepEqual(new Uint8Array(cert.raw), der);
  assert.equal(client.getPeerX509Certificate()?.subject, 'CN=localhost\nO=typetls test');
  client.resume();
  await closed;
  assert.deepEqual(clientTrace, [{ kind: 'fake-handshake-done', isClient: true }]);
  assert.deepEqual(serverTrace, [{ kind: 'fake-handshake-done', isClient: false }]);
  await closeServer(server);
});

test('adapter: SNICallback (node callback style) and addContext feed the asynchronous sniCallback', async () => {
  const asked: string[] = [];
  const { server, port } = await listen({
    SNICallback: (name, cb) => {
      asked.push(name);
      setImmediate(() => cb(null, createSecureContext({ cert: CERT_PEM, key: KEY_PEM, crypto: keyOnlyProvider })));
    },
  });
  server.on('secureConnection', (s: TLSSocket) => s.end('ok'));
  const client = dial(port, { servername: 'sni.example' });
  const got: Buffer[] = [];
  client.on('data', (d: Buffer) => got.push(d));
  await once(client, 'close');
  assert.deepEqual(asked, ['sni.example']);
  assert.equal(Buffer.concat(got).toString(), 'ok');
  await closeServer(server);

  // addContext: node's wildcard rule, one label.
  let cfg: ServerConfig | undefined;
  const s2 = createServer({ ...serverBase, connectionFactory: (c) => ((cfg = c), new FakeConnection(false, c)) });
  s2.addContext('*.example.test', { cert: CERT_PEM, key: KEY_PEM, crypto: keyOnlyProvider });
  s2.listen(0, '127.0.0.1');
  await once(s2, 'listening');
  s2.on('secureConnection', (s: TLSSocket) => s.end());
  const c2 = dial((s2.address() as AddressInfo).port, { servername: 'a.example.test' });
  c2.resume();
  await once(c2, 'close');
  assert.ok(cfg?.sniCallback !== undefined);
  assert.ok(cfg.sniCallback('www.example.test') !== undefined);
  assert.equal(cfg.sniCallback('a.b.example.test'), undefined);
  await closeServer(s2);
});

test('adapter: http.request over a typetls client to an http.Server fed by a typetls server', async () => {
  const httpServer = http.createServer((req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(`hello ${req.method} ${req.url}`);
  });
  const { server, port } = await listen({});
  server.on('secureConnection', (s: TLSSocket) => httpServer.emit('connection', s));
  // http uses `createConnection` only without an agent; an Agent subclass covers keep-alive reuse.
  let dials = 0;
  const tlsDial = (): net.Socket => {
    dials++;
    return dial(port) as unknown as net.Socket;
  };
  class TlsAgent extends http.Agent {
    override createConnection(): net.Socket {
      return tlsDial();
    }
  }
  const keepAlive = new TlsAgent({ keepAlive: true, maxSockets: 1 });
  const get = (path: string, agent: http.Agent | undefined): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path, ...(agent !== undefined ? { agent } : { createConnection: tlsDial }) }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => resolve(`${res.statusCode} ${Buffer.concat(parts).toString()}`));
      });
      req.on('error', reject);
      req.setTimeout(10000);
      req.end();
    });
  assert.equal(await get('/a', undefined), '200 hello GET /a');
  assert.equal(await get('/b', undefined), '200 hello GET /b');
  assert.equal(dials, 2);
  assert.equal(await get('/c', keepAlive), '200 hello GET /c');
  assert.equal(await get('/d', keepAlive), '200 hello GET /d');
  assert.equal(dials, 3, 'the keep-alive agent reuses its TLS socket');
  keepAlive.destroy();
  httpServer.close();
  await closeServer(server);
});

test('adapter: https.request through the typetls Agent (keep-alive, session cache) to createHttpsServer', async () => {
  const server = createHttpsServer({ ...serverBase, connectionFactory: fakeServer() }, (req, res) => {
    res.end(`secure=${(req.socket as unknown as TLSSocket).encrypted} ${req.url}`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const sessions: (Uint8Array | undefined)[] = [];
  const factory = (c: ClientConfig): FakeConnection => {
    sessions.push(c.session);
    return new FakeConnection(true, c);
  };
  const get = (agent: https.Agent | undefined, path: string, extra: object = {}): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port, path, ...(agent !== undefined ? { agent } : {}), ...extra }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('end', () => resolve(`${res.statusCode} ${Buffer.concat(parts).toString()}`));
        })
        .on('error', reject);
    });
  const keepAlive = new Agent({ keepAlive: true, maxSockets: 1, connectionFactory: factory });
  assert.equal(await get(keepAlive, '/1'), '200 secure=true /1');
  assert.equal(await get(keepAlive, '/2'), '200 secure=true /2');
  assert.equal(sessions.length, 1, 'one TLS connection for two requests');
  keepAlive.destroy();
  const oneShot = new Agent({ keepAlive: false, connectionFactory: factory });
  assert.equal(await get(oneShot, '/3'), '200 secure=true /3');
  assert.equal(await get(oneShot, '/4'), '200 secure=true /4');
  assert.equal(sessions.length, 3);
  assert.equal(sessions[1], undefined);
  assert.deepEqual([...(sessions[2] ?? [])], [1, 2, 3], "the second connection offers the first one's session");
  oneShot.destroy();
  // createConnection: connect, without an agent: http passes its request options (path: undefined).
  assert.equal(await get(undefined, '/5', { createConnection: connect, connectionFactory: factory }), '200 secure=true /5');
  await new Promise<void>((r) => server.close(() => r()));
});

test('adapter: STARTTLS: new TLSSocket(socket, { isServer }) and connect({ socket }) upgrade a plain connection', async () => {
  const raw = net.createServer((plain) => {
    plain.once('data', (line: Buffer) => {
      assert.equal(line.toString(), 'STARTTLS\r\n');
      plain.write('GO\r\n');
      const secure = new TLSSocket(plain, {
        isServer: true,
        ...serverBase,
        ALPNProtocols: ['smtp'],
        connectionFactory: (c) => new FakeConnection(false, c),
      });
      secure.on('secure', () => secure.end(`hello ${String(secure.alpnProtocol)}`));
      secure.resume();
    });
  });
  raw.listen(0, '127.0.0.1');
  await once(raw, 'listening');
  const plain = net.connect((raw.address() as AddressInfo).port, '127.0.0.1');
  await once(plain, 'connect');
  plain.write('STARTTLS\r\n');
  const [go] = (await once(plain, 'data')) as [Buffer];
  assert.equal(go.toString(), 'GO\r\n');
  const client = connect({ socket: plain, servername: 'mail.example', ALPNProtocols: ['smtp'], connectionFactory: fakeClient() });
  const got: Buffer[] = [];
  client.on('data', (d: Buffer) => got.push(d));
  const closed = once(client, 'close');
  await once(client, 'secureConnect');
  assert.equal(client.servername, 'mail.example');
  await closed;
  assert.equal(Buffer.concat(got).toString(), 'hello smtp');
  raw.close();
});

/** Two in-memory Duplex ends wired to each other (a transport that is not a net.Socket). */
function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const make = (peer: () => Duplex | undefined): Duplex =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _e, cb) {
        peer()?.push(chunk);
        cb();
      },
      final(cb) {
        peer()?.push(null);
        cb();
      },
    });
  ends.push(make(() => ends[1]), make(() => ends[0]));
  const [a, b] = ends;
  assert.ok(a !== undefined && b !== undefined);
  return [a, b];
}

test('adapter: the transport gets its listeners once; a second TLSSocket over it takes them over (nothing delivered twice)', async () => {
  const [a, b] = duplexPair();
  // A first wrapper, never used: its listeners are the shared ones, pointed at whoever owns the transport.
  const first = new TLSSocket(b, { isServer: true, ...serverBase, connectionFactory: (c) => new FakeConnection(false, c) });
  first.on('error', () => undefined);
  const counts = ['data', 'end', 'error', 'close', 'drain', 'timeout'].map((e) => b.listenerCount(e));
  const server = new TLSSocket(b, { isServer: true, ...serverBase, connectionFactory: (c) => new FakeConnection(false, c) });
  assert.deepEqual(
    ['data', 'end', 'error', 'close', 'drain', 'timeout'].map((e) => b.listenerCount(e)),
    counts,
  );
  let received = '';
  server.on('data', (d: Buffer) => {
    received += d.toString();
    server.write(d.toString().toUpperCase());
  });
  server.on('end', () => server.end());
  const client = connect({ socket: a, connectionFactory: fakeClient() });
  const got: Buffer[] = [];
  client.on('data', (d: Buffer) => got.push(d));
  await once(client, 'secureConnect');
  client.write('once');
  await until(() => Buffer.concat(got).length === 4, 'the echo');
  client.end();
  await once(client, 'close');
  assert.equal(received, 'once');
  assert.equal(Buffer.concat(got).toString(), 'ONCE');
});

test('adapter: any Duplex can be the transport (in-memory pair, no net.Socket)', async () => {
  const [a, b] = duplexPair();
  const server = new TLSSocket(b, { isServer: true, ...serverBase, connectionFactory: (c) => new FakeConnection(false, c) });
  server.on('data', (d: Buffer) => server.write(d.toString().toUpperCase()));
  server.on('end', () => server.end());
  const client = connect({ socket: a, connectionFactory: fakeClient() });
  const got: Buffer[] = [];
  client.on('data', (d: Buffer) => got.push(d));
  const closed = Promise.all([once(client, 'close'), once(server, 'close')]);
  client.setNoDelay(true).setKeepAlive(true).setTimeout(0);
  assert.deepEqual(client.address(), {});
  assert.equal(client.remoteAddress, undefined);
  await once(client, 'secureConnect');
  client.write('hello');
  await until(() => Buffer.concat(got).length === 5, 'the echo');
  client.end();
  await closed;
  assert.equal(Buffer.concat(got).toString(), 'HELLO');
});

test('adapter: getCertificate() before the handshake is the configured certificate, as node:tls answers from its context', () => {
  const want = new X509Certificate(CERT_PEM);
  // The STARTTLS form, server side: nothing has been read yet.
  const wrapped = new TLSSocket(new net.Socket(), { isServer: true, cert: CERT_PEM, key: KEY_PEM });
  assert.equal(wrapped.getX509Certificate()?.fingerprint256, want.fingerprint256);
  assert.equal((wrapped.getCertificate() as { fingerprint256?: string }).fingerprint256, want.fingerprint256);
  wrapped.destroy();
  // Without a configured certificate: {} (and null once destroyed before any handshake), as node:tls.
  const plain = new TLSSocket(new net.Socket(), { isServer: false });
  assert.deepEqual(plain.getCertificate(), {});
  assert.equal(plain.getX509Certificate(), undefined);
  plain.destroy();
  assert.equal(plain.getCertificate(), null);
});

test('adapter: STARTTLS with a pre-shared key: new TLSSocket(socket, { isServer, pskCallback }) hands the callback its own socket', async () => {
  const [a, b] = duplexPair();
  const key = Buffer.alloc(16, 7);
  let asked: unknown;
  const server = new TLSSocket(b, {
    isServer: true,
    pskCallback: (socket: Duplex, identity: string) => {
      asked = socket;
      return identity === 'dev' ? key : null;
    },
  });
  server.on('data', (d: Buffer) => server.end(d.toString().toUpperCase()));
  const client = connect({ socket: a, pskCallback: () => ({ psk: key, identity: 'dev' }) });
  const got: Buffer[] = [];
  client.on('data', (d: Buffer) => got.push(d));
  await once(client, 'secureConnect');
  assert.equal(client.getProtocol(), 'TLSv1.3');
  assert.equal(client.isSessionReused(), true);
  assert.equal(asked, server);
  client.write('psk');
  await until(() => Buffer.concat(got).length === 3, 'the answer');
  assert.equal(Buffer.concat(got).toString(), 'PSK');
  client.destroy();
  server.destroy();
});
