// The adapter's bulk data path: writev batches go to the transport without a joining copy, and
// every record sealed straight into the send buffer (TLS 1.3 and the TLS 1.2 AEAD and CBC suites)
// is read back intact by node:tls (OpenSSL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { connect, createServer, type TLSSocket } from '../src/index.js';
import { testPki } from './helpers/certs.js';
import { receiveBytes } from './helpers/streams.js';

test('adapter: a corked burst of writes (one _writev batch) arrives intact and in order', async () => {
  const pki = await testPki();
  const server = createServer({ cert: pki.server.ecdsa.certPem, key: pki.server.ecdsa.keyPem });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'secureConnection') as Promise<[TLSSocket]>;
  const client = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, servername: 'localhost', ca: pki.root.certPem });
  await once(client, 'secureConnect');
  const [srv] = await accepted;
  const got: Buffer[] = [];
  srv.on('data', (d: Buffer) => got.push(d));
  const ended = once(srv, 'end');

  let largestBatch = 0;
  const writev = client._writev?.bind(client);
  assert.ok(writev !== undefined);
  client._writev = (chunks, cb) => {
    largestBatch = Math.max(largestBatch, chunks.length);
    writev(chunks, cb);
  };
  const parts = [randomBytes(40000), randomBytes(1), randomBytes(70000), randomBytes(16384), randomBytes(300)];
  client.cork();
  for (const p of parts) client.write(p);
  client.uncork();
  client.write(randomBytes(0));
  const tail = randomBytes(5000);
  client.end(tail);
  await ended;
  assert.ok(largestBatch > 1, `the writes went through _writev (largest batch ${largestBatch})`);
  assert.ok(Buffer.concat(got).equals(Buffer.concat([...parts, tail])));
  srv.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

for (const ciphers of ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-ECDSA-AES128-SHA256', 'ECDHE-ECDSA-AES256-SHA']) {
  test(`RFC 5246 §6.2.3: multi-record writes under ${ciphers} are read back intact by node:tls, and its echo by typetls`, async () => {
    const pki = await testPki();
    const server = tls.createServer({ key: pki.server.ecdsa.keyPem, cert: pki.server.ecdsa.chainPem, maxVersion: 'TLSv1.2', ciphers }, (s) => {
      s.on('error', () => undefined);
      s.pipe(s);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = connect({
      host: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      servername: 'localhost',
      ca: pki.root.certPem,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
      ciphers,
    });
    await once(client, 'secureConnect');
    assert.equal(client.getProtocol(), 'TLSv1.2');
    const sent = [randomBytes(70000), randomBytes(1), randomBytes(16384), randomBytes(16385)];
    const total = sent.reduce((n, b) => n + b.length, 0);
    const done = receiveBytes(client, total);
    for (const b of sent) client.write(b);
    const got = await done;
    assert.ok(Buffer.concat(got).equals(Buffer.concat(sent)));
    client.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  });
}
