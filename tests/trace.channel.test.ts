// typetls:trace on node:diagnostics_channel: a subscriber sees every connection's events, tagged
// with the side and the socket, without a `trace` option on the connections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import type { AddressInfo } from 'node:net';
import { TRACE_CHANNEL, connect, createServer, type TLSSocket, type TraceChannelMessage } from '../src/node/index.js';
import { testPki } from './helpers/certs.js';

test('trace channel: typetls:trace carries both sides\' events while someone subscribes', async (t) => {
  const pki = await testPki();
  const seen: TraceChannelMessage[] = [];
  const onMessage = (m: unknown): void => void seen.push(m as TraceChannelMessage);
  diagnosticsChannel.subscribe(TRACE_CHANNEL, onMessage);
  t.after(() => diagnosticsChannel.unsubscribe(TRACE_CHANNEL, onMessage));
  const server = createServer({ cert: pki.server.ecdsa.chainPem, key: pki.server.ecdsa.keyPem }, (s: TLSSocket) => {
    s.end('bye');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const client = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem });
  await new Promise<void>((resolve, reject) => {
    client.on('data', () => undefined);
    client.on('error', reject);
    client.on('close', () => resolve());
  });
  const kinds = (side: 'client' | 'server') => seen.filter((m) => m.side === side).map((m) => m.event.kind);
  for (const side of ['client', 'server'] as const) {
    assert.ok(kinds(side).includes('message'), side);
    assert.ok(kinds(side).includes('handshake-complete'), side);
  }
  assert.ok(seen.filter((m) => m.side === 'client').every((m) => m.socket === client));
  const firstClient = seen.find((m) => m.side === 'client');
  assert.equal(firstClient?.event.kind, 'message', 'the ClientHello sent before the listener was set is not lost');
  assert.equal(firstClient?.event['type'], 'client_hello');

  // Nobody listening: nothing is traced.
  diagnosticsChannel.unsubscribe(TRACE_CHANNEL, onMessage);
  const before = seen.length;
  const again = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem });
  await new Promise<void>((resolve, reject) => {
    again.on('data', () => undefined);
    again.on('error', reject);
    again.on('close', () => resolve());
  });
  assert.equal(seen.length, before);
});
