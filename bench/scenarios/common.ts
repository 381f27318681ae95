// Helpers shared by the scenario workers: IPC with the orchestrator, CPU and memory snapshots.
import type { Duplex } from 'node:stream';
import { getHeapSpaceStatistics } from 'node:v8';
import type { Metrics, ToChild, ToParent } from '../protocol.js';
import type { BenchSocket, Impl } from '../impl.js';

export function send(msg: ToParent): void {
  process.send?.(msg);
}

const waiters = new Map<string, (m: Metrics | undefined) => void>();
const handlers = new Map<string, (count: number | undefined) => Promise<Metrics | undefined> | Metrics | undefined>();

/** Routes mark/marked messages; installed once by the worker. */
export function onParentMessage(msg: ToChild): void {
  if (msg.type === 'marked') {
    const w = waiters.get(msg.name);
    waiters.delete(msg.name);
    w?.(msg.metrics);
  } else if (msg.type === 'mark') {
    const h = handlers.get(msg.name);
    void Promise.resolve(h?.(msg.count)).then((metrics) => send({ type: 'marked', name: msg.name, ...(metrics ? { metrics } : {}) }));
  }
}

/** Asks the peer process (through the orchestrator) to take a mark; resolves with its answer. */
export function mark(name: string, count?: number): Promise<Metrics | undefined> {
  return new Promise((resolve) => {
    waiters.set(name, resolve);
    send({ type: 'mark', name, ...(count !== undefined ? { count } : {}) });
  });
}

/** Handles a mark the peer process asks for. */
export function onMark(name: string, h: (count: number | undefined) => Promise<Metrics | undefined> | Metrics | undefined): void {
  handlers.set(name, h);
}

export function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g !== undefined) {
    g();
    g();
  }
}

export function settle(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface MemSnapshot {
  readonly rss: number;
  readonly heap: number;
  readonly external: number;
  /** V8's young generation as reserved (both semi-spaces), part of rss: it grows with the allocation rate and survivors, not per connection. */
  readonly youngGen: number;
}

export async function memory(): Promise<MemSnapshot> {
  await settle(50);
  gc();
  await settle(50);
  gc();
  const m = process.memoryUsage();
  const young = getHeapSpaceStatistics().find((sp) => sp.space_name === 'new_space')?.space_size ?? 0;
  return { rss: m.rss, heap: m.heapUsed, external: m.external, youngGen: young };
}

export function perConnectionKiB(before: MemSnapshot, after: MemSnapshot, n: number, prefix: string): Metrics {
  return {
    [`${prefix}rss_kib_per_conn`]: (after.rss - before.rss) / 1024 / n,
    [`${prefix}heap_kib_per_conn`]: (after.heap - before.heap) / 1024 / n,
    [`${prefix}external_kib_per_conn`]: (after.external - before.external) / 1024 / n,
    [`${prefix}young_gen_kib_per_conn`]: (after.youngGen - before.youngGen) / 1024 / n,
  };
}

const ONE = Buffer.from([0x42]);

/** Server side of the handshake scenarios: read one byte, then close. */
export function closeAfterFirstByte(s: Duplex): void {
  s.on('error', () => undefined);
  s.once('data', () => s.end());
  s.on('data', () => undefined);
  s.on('end', () => s.end());
}

/** One connection: handshake, one byte, close; resolves when it is closed. Returns the handshake latency (ms). */
export async function oneConnection(
  impl: Impl,
  port: number,
  session: unknown,
  onSession: ((s: unknown) => void) | undefined,
): Promise<{ latency: number; resumed: boolean }> {
  const t0 = performance.now();
  const c: BenchSocket = await impl.connect(port, session, onSession);
  const latency = performance.now() - t0;
  const s = c.socket;
  await new Promise<void>((resolve) => {
    s.once('close', () => resolve());
    s.on('error', () => undefined);
    s.resume();
    s.end(ONE);
  });
  return { latency, resumed: c.resumed };
}

/** Opens a connection, sends one byte, and keeps it open. */
export async function idleConnection(impl: Impl, port: number): Promise<Duplex> {
  const c = await impl.connect(port, undefined, undefined);
  c.socket.on('error', () => undefined);
  c.socket.resume();
  c.socket.write(ONE);
  return c.socket;
}
