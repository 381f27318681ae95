// idle-memory (two processes: server and client each report their own KiB per connection) and
// scaling (one process: handshakes/s with N connections in flight, and KiB per held connection).
import type { Duplex } from 'node:stream';
import type { Job, Metrics } from '../protocol.js';
import { makeImpl, type Impl } from '../impl.js';
import { closeAfterFirstByte, idleConnection, mark, memory, oneConnection, onMark, perConnectionKiB, send, settle, type MemSnapshot } from './common.js';

type IdleJob = Extract<Job, { kind: 'idle' }>;
type ScalingJob = Extract<Job, { kind: 'scaling' }>;

const OPEN_IN_FLIGHT = 50;
/** Sequential connections before the scaling measurements (V8 optimises both implementations first). */
const WARMUP = 150;

/** Opens n idle connections, at most OPEN_IN_FLIGHT handshakes at a time. */
async function openMany(impl: Impl, port: number, n: number): Promise<Duplex[]> {
  const out: Duplex[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      out.push(await idleConnection(impl, port));
    }
  };
  await Promise.all(Array.from({ length: Math.min(OPEN_IN_FLIGHT, n) }, worker));
  return out;
}

/** Server side that keeps every connection open and counts those that delivered their byte. */
async function holdingServer(impl: Impl): Promise<{ port: number; count: () => number; sockets: Set<Duplex> }> {
  let got = 0;
  const sockets = new Set<Duplex>();
  const server = await impl.listen((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.once('data', () => got++);
    s.on('data', () => undefined);
    s.on('end', () => s.end());
    s.once('close', () => sockets.delete(s));
  });
  return { port: server.port, count: () => got, sockets };
}

export async function runIdle(job: IdleJob): Promise<void> {
  const impl = await makeImpl(job.impl, job.spec, job.via);
  if (job.role === 'server') {
    const srv = await holdingServer(impl);
    let base: MemSnapshot | undefined;
    let at = 0;
    onMark('baseline', async () => {
      for (let i = 0; i < 200 && srv.sockets.size > 0; i++) await settle(5);
      base = await memory();
      at = srv.count();
      return undefined;
    });
    onMark('measure', async () => {
      for (let i = 0; i < 400 && srv.count() - at < job.connections; i++) await settle(5);
      const after = await memory();
      if (base === undefined) throw new Error('measure before baseline');
      return perConnectionKiB(base, after, job.connections, 'server_');
    });
    send({ type: 'ready', port: srv.port, via: impl.via });
    return;
  }
  const port = job.port;
  if (port === undefined) throw new Error('client role needs a port');
  // Warm up the code paths (V8 optimises them here, not while the connections are counted), then
  // take the baseline with no connection open.
  for (let i = 0; i < 100; i++) await oneConnection(impl, port, undefined, undefined);
  await mark('baseline');
  const before = await memory();
  const held = await openMany(impl, port, job.connections);
  await settle(100);
  const server = await mark('measure');
  const after = await memory();
  const m: Metrics = { ...perConnectionKiB(before, after, job.connections, 'client_'), ...(server ?? {}) };
  send({ type: 'result', metrics: m, via: impl.via });
  void held;
}

export async function runScaling(job: ScalingJob): Promise<void> {
  const impl = await makeImpl(job.impl, job.spec, job.via);
  const n = job.concurrency;
  const srv = await holdingServer(impl);
  // Warm-up: the handshake rate below is measured once V8 has optimised both implementations.
  for (let i = 0; i < WARMUP; i++) await oneConnection(impl, srv.port, undefined, undefined);
  for (let i = 0; i < 200 && srv.sockets.size > 0; i++) await settle(5);
  // Memory: n connections held open (client and server side both in this process).
  const before = await memory();
  const held = await openMany(impl, srv.port, n);
  for (let i = 0; i < 400 && srv.count() < WARMUP + n; i++) await settle(5);
  const after = await memory();
  const mem = perConnectionKiB(before, after, n, '');
  for (const s of held) s.destroy();
  held.length = 0; // nothing of the closed connections is kept by this scenario
  for (let i = 0; i < 400 && srv.sockets.size > 0; i++) await settle(5);
  // The heap per connection is measured against the heap once the connections are closed again, not
  // against the one before they opened: in between, the process frees a few hundred KiB that have
  // nothing to do with the connections (both implementations; it made the figure at 10 connections
  // negative), and a baseline taken after cancels that. RSS cannot be measured this way (freed
  // memory stays mapped), so it keeps the baseline from before and stays noisy for small n.
  const closed = await memory();
  mem['heap_kib_per_conn'] = (after.heap - closed.heap) / 1024 / n;
  // Throughput: n loops, each doing handshake + one byte + close, for durationMs.
  const server2 = await impl.listen(closeAfterFirstByte);
  let done = 0;
  const t0 = performance.now();
  const loop = async (): Promise<void> => {
    while (performance.now() - t0 < job.durationMs) {
      await oneConnection(impl, server2.port, undefined, undefined);
      done++;
    }
  };
  await Promise.all(Array.from({ length: n }, loop));
  const wall = performance.now() - t0;
  send({ type: 'result', metrics: { handshakes_per_s: (done * 1000) / wall, rss_kib_per_conn: mem['rss_kib_per_conn'] as number, heap_kib_per_conn: mem['heap_kib_per_conn'] as number }, via: impl.via });
}
