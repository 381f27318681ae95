// Sequential handshakes: one byte each way... (the client sends one byte, the server closes).
// role both: client and server in this process (the headline); role server/client: two processes,
// each reporting its own CPU per handshake.
import type { Duplex } from 'node:stream';
import type { Job, Metrics } from '../protocol.js';
import { makeImpl, type Impl } from '../impl.js';
import { percentile } from '../stats.js';
import { closeAfterFirstByte, cpuMicros, mark, oneConnection, onMark, send } from './common.js';

type HandshakeJob = Extract<Job, { kind: 'handshake' }>;

async function clientLoop(
  impl: Impl,
  port: number,
  job: HandshakeJob,
  stop: (done: number, startedAt: number) => boolean,
  onStart: () => Promise<void>,
): Promise<Metrics> {
  let session: unknown = undefined;
  const resume = job.spec.resumption;
  const onSession = resume ? (s: unknown) => (session = s) : undefined;
  const warmupUntil = performance.now() + (job.warmupMs ?? 0);
  for (let i = 0; i < job.warmup || performance.now() < warmupUntil; i++) await oneConnection(impl, port, session, onSession);
  if (resume && session === undefined) throw new Error('no session after the warm-up: resumption unavailable');
  await onStart();
  const latencies: number[] = [];
  let resumed = 0;
  const cpu0 = cpuMicros();
  const t0 = performance.now();
  while (!stop(latencies.length, t0)) {
    const r = await oneConnection(impl, port, session, onSession);
    latencies.push(r.latency);
    if (r.resumed) resumed++;
  }
  const wall = performance.now() - t0;
  const cpu = cpuMicros() - cpu0;
  const n = latencies.length;
  const m: Metrics = {
    handshakes_per_s: (n * 1000) / wall,
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    cpu_us_per_handshake: cpu / n,
    handshakes: n,
  };
  if (resume) m['resumed_fraction'] = resumed / n;
  return m;
}

export async function runHandshake(job: HandshakeJob): Promise<void> {
  const impl = await makeImpl(job.impl, job.spec, job.via);
  if (job.role === 'both') {
    const server = await impl.listen(closeAfterFirstByte);
    const stop = job.durationMs > 0 ? (_n: number, t0: number) => performance.now() - t0 >= job.durationMs : (n: number) => n >= job.count;
    const m = await clientLoop(impl, server.port, job, stop, async () => undefined);
    send({ type: 'result', metrics: m, via: impl.via });
    return;
  }
  if (job.role === 'server') {
    let cpu0 = 0;
    const sockets = new Set<Duplex>();
    const server = await impl.listen((s) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
      closeAfterFirstByte(s);
    });
    onMark('start', () => {
      cpu0 = cpuMicros();
      return undefined;
    });
    onMark('stop', async (count) => {
      // Wait for the last connections to finish closing on this side.
      for (let i = 0; i < 100 && sockets.size > 0; i++) await new Promise((r) => setTimeout(r, 5));
      const cpu = cpuMicros() - cpu0;
      return { server_cpu_us_per_handshake: cpu / (count ?? 1) };
    });
    send({ type: 'ready', port: server.port, via: impl.via });
    return;
  }
  const port = job.port;
  if (port === undefined) throw new Error('client role needs a port');
  const m = await clientLoop(impl, port, job, (n) => n >= job.count, async () => void (await mark('start')));
  const server = await mark('stop', m['handshakes']);
  const out: Metrics = {
    handshakes_per_s: m['handshakes_per_s'] as number,
    p50_ms: m['p50_ms'] as number,
    p99_ms: m['p99_ms'] as number,
    client_cpu_us_per_handshake: m['cpu_us_per_handshake'] as number,
    server_cpu_us_per_handshake: server?.['server_cpu_us_per_handshake'] ?? NaN,
  };
  send({ type: 'result', metrics: out, via: impl.via });
}
