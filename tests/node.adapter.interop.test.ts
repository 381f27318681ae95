// The Node adapter with real TLS bytes: a Connection backed by node:tls over an in-memory wire
// (tests/helpers/node-tls-connection.ts) talks to real node:tls / https peers over 127.0.0.1. This
// checks the adapter's asynchronous ('wakeup') path and its http/https integration; the typetls
// engine itself is not involved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { Agent, connect, createHttpsServer, createServer } from '../src/node/index.js';
import type { TLSSocket } from '../src/node/index.js';
import { TlsError } from '../src/errors.js';
import { CERT_PEM, KEY_PEM, keyOnlyProvider } from './helpers/adapter-fixtures.js';
import { nodeTlsClient, nodeTlsServer } from './helpers/node-tls-connection.js';

test('adapter interop: https.get through the typetls Agent from a node https server', async () => {
  const server = https.createServer({ cert: CERT_PEM, key: KEY_PEM }, (req, res) => res.end(`page ${req.url}`));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, ca: CERT_PEM, connectionFactory: nodeTlsClient });
  let socket: TLSSocket | undefined;
  const body = await new Promise<string>((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path: '/index.html', agent, servername: 'localhost' }, (res) => {
        socket = res.socket as unknown as TLSSocket;
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => resolve(`${res.statusCode} ${Buffer.concat(parts).toString()}`));
      })
      .on('error', reject);
  });
  assert.equal(body, '200 page /index.html');
  assert.ok(socket !== undefined);
  assert.equal(socket.authorized, true);
  assert.equal(socket.getProtocol(), 'TLSv1.3');
  assert.equal(socket.getCipher()?.standardName, 'TLS_AES_256_GCM_SHA384');
  agent.destroy();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

test('adapter interop: node https.get from a typetls createHttpsServer', async () => {
  const server = createHttpsServer(
    { cert: CERT_PEM, key: KEY_PEM, crypto: keyOnlyProvider, ALPNProtocols: ['http/1.1'], connectionFactory: nodeTlsServer },
    (req, res) => res.end(`served ${req.url}`),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  for (const path of ['/a', '/b']) {
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port, path, ca: CERT_PEM, servername: 'localhost', agent: false }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('end', () => resolve(`${res.statusCode} ${Buffer.concat(parts).toString()}`));
        })
        .on('error', reject);
    });
    assert.equal(body, `200 served ${path}`);
  }
  await new Promise<void>((r) => server.close(() => r()));
});

test('adapter interop: 4 MiB echo between node:tls and a typetls server; verification failures', async () => {
  const server = createServer({ cert: CERT_PEM, key: KEY_PEM, crypto: keyOnlyProvider, connectionFactory: nodeTlsServer }, (s) => s.pipe(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const data = randomBytes(4 * 1024 * 1024);
  const client = tls.connect({ host: '127.0.0.1', port, ca: CERT_PEM, servername: 'localhost' });
  await once(client, 'secureConnect');
  const got: Buffer[] = [];
  let n = 0;
  const all = new Promise<void>((resolve) =>
    client.on('data', (d: Buffer) => {
      got.push(d);
      n += d.length;
      if (n >= data.length) resolve();
    }),
  );
  // (Not end(data): node:tls under the test connection cannot answer after the peer's close_notify.)
  client.write(data);
  await all;
  const ended = once(client, 'end');
  client.end();
  await ended;
  assert.equal(createHash('sha256').update(Buffer.concat(got)).digest('hex'), createHash('sha256').update(data).digest('hex'));

  // The default trust store does not know the self-signed certificate.
  const refused = connect({ host: '127.0.0.1', port, servername: 'localhost', connectionFactory: nodeTlsClient });
  const [err] = (await once(refused, 'error')) as [TlsError];
  assert.equal(err.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
  const lax = connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false, connectionFactory: nodeTlsClient });
  await once(lax, 'secureConnect');
  assert.equal(lax.authorized, false);
  assert.equal(lax.authorizationError, 'DEPTH_ZERO_SELF_SIGNED_CERT');
  const closed = once(lax, 'close');
  lax.end();
  lax.resume();
  await closed;
  await new Promise<void>((r) => server.close(() => r()));
});
