// The adapter sends the client's last handshake flight together with the first write made on
// secureConnect (as node:tls does), so Nagle cannot hold that write behind an unacknowledged Finished.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import { connect, TLSSocket } from '../src/node/index.js';
import { CERT_PEM, KEY_PEM } from './helpers/adapter-fixtures.js';
import { until } from './helpers/streams.js';

/** In-memory transport pair; the client end records each batch its writer hands down. */
function pair(): { client: Duplex; server: Duplex; batches: Buffer[][] } {
  const batches: Buffer[][] = [];
  const ends: Duplex[] = [];
  const deliver = (to: number, chunks: Buffer[]): void => {
    for (const c of chunks) ends[to]?.push(c);
  };
  const client = new Duplex({
    read() {},
    writev(chunks, cb) {
      const bufs = chunks.map((c) => c.chunk as Buffer);
      batches.push(bufs);
      deliver(1, bufs);
      cb();
    },
    final(cb) {
      ends[1]?.push(null);
      cb();
    },
  });
  const server = new Duplex({
    read() {},
    write(chunk: Buffer, _e, cb) {
      deliver(0, [chunk]);
      cb();
    },
    final(cb) {
      ends[0]?.push(null);
      cb();
    },
  });
  ends.push(client, server);
  return { client, server, batches };
}

/** TLS record content types in a batch of raw records (a record may span chunks; we only read headers of whole records). */
function contentTypes(batch: readonly Buffer[]): number[] {
  const all = Buffer.concat(batch);
  const out: number[] = [];
  for (let at = 0; at + 5 <= all.length; at += 5 + all.readUInt16BE(at + 3)) out.push(all[at] as number);
  return out;
}

type Transport = 'memory' | 'tcp';

/**
 * A TCP connection to a one-shot listener whose accepted socket feeds a TLSSocket server; the client
 * socket's writes are recorded per call of its _write/_writev (a corked batch is one call).
 */
async function tcpPair(): Promise<{ client: net.Socket; server: Promise<net.Socket>; batches: Buffer[][]; close: () => void }> {
  const listener = net.createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const server = new Promise<net.Socket>((resolve) => listener.once('connection', resolve));
  const client = net.connect((listener.address() as AddressInfo).port, '127.0.0.1');
  const batches: Buffer[][] = [];
  type WriteFn = (chunk: Buffer, enc: BufferEncoding, cb: (e?: Error | null) => void) => void;
  type WritevFn = (chunks: { chunk: Buffer }[], cb: (e?: Error | null) => void) => void;
  const spy = client as unknown as { _write: WriteFn; _writev: WritevFn };
  const write = spy._write.bind(client);
  const writev = spy._writev.bind(client);
  spy._write = (chunk, enc, cb) => {
    batches.push([chunk]);
    write(chunk, enc, cb);
  };
  spy._writev = (chunks, cb) => {
    batches.push(chunks.map((c) => c.chunk));
    writev(chunks, cb);
  };
  return { client, server, batches, close: () => listener.close() };
}

/** One connection; returns the client's write batches from the first write after secureConnect on. */
async function exchange(transport: Transport, version: 'TLSv1.2' | 'TLSv1.3', ticketKeys: Uint8Array, session: Buffer | undefined): Promise<{ tail: number[][]; session: Buffer | undefined; reused: boolean }> {
  let clientEnd: Duplex;
  let serverEnd: Duplex;
  let batches: Buffer[][];
  let done = (): void => undefined;
  if (transport === 'memory') {
    const t = pair();
    [clientEnd, serverEnd, batches] = [t.client, t.server, t.batches];
  } else {
    const t = await tcpPair();
    clientEnd = t.client;
    serverEnd = await t.server;
    batches = t.batches;
    done = t.close;
  }
  const server = new TLSSocket(serverEnd, { isServer: true, cert: CERT_PEM, key: KEY_PEM, minVersion: version, maxVersion: version, ticketKeys });
  const got: Buffer[] = [];
  server.on('data', (d: Buffer) => got.push(d));
  server.on('end', () => server.end());
  const client = connect({ socket: clientEnd, ca: [CERT_PEM], servername: 'localhost', minVersion: version, maxVersion: version, ...(session !== undefined ? { session } : {}) });
  let next: Buffer | undefined;
  client.on('session', (s: Buffer) => (next = s));
  client.resume();
  await once(client, 'secureConnect');
  // In a promise continuation after the event, as `await connect()` code writes.
  const from = batches.length;
  client.write('ping');
  await until(() => Buffer.concat(got).toString() === 'ping', 'the first write at the server');
  const tail = batches.slice(from).map(contentTypes);
  const reused = client.isSessionReused();
  const closed = Promise.all([once(client, 'close'), once(server, 'close')]);
  client.end();
  await closed;
  done();
  return { tail, session: next, reused };
}

const CCS = 20;
const HANDSHAKE = 22;
const APPLICATION_DATA = 23;

for (const transport of ['memory', 'tcp'] as const) {
  test(`adapter (TLSv1.3, ${transport}): the client's Finished and its first write after secureConnect leave in one transport write`, async () => {
    const { tail } = await exchange(transport, 'TLSv1.3', randomBytes(48), undefined);
    // The compatibility CCS, the Finished (an encrypted record) and the data, in one batch.
    assert.deepEqual(tail[0], [CCS, APPLICATION_DATA, APPLICATION_DATA], JSON.stringify(tail));
  });

  test(`adapter (TLSv1.2 resumed, ${transport}): the client's CCS and Finished and its first write leave in one transport write (no Nagle wait)`, async () => {
    const keys = randomBytes(48);
    const first = await exchange(transport, 'TLSv1.2', keys, undefined);
    assert.ok(first.session !== undefined, 'a session to resume');
    const again = await exchange(transport, 'TLSv1.2', keys, first.session);
    assert.equal(again.reused, true);
    // RFC 5246 §7.3: in the abbreviated handshake the client sends the last flight; the server has
    // nothing to answer it with, so the data must not wait behind it.
    assert.deepEqual(again.tail[0], [CCS, HANDSHAKE, APPLICATION_DATA], JSON.stringify(again.tail));
  });
}
