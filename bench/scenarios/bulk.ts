// Bulk transfer over one connection: the client writes 64 KiB chunks respecting backpressure, the
// server counts bytes. Both in this process; MiB/s and CPU µs per MiB. The warm-up (128 MiB, both
// implementations) lets V8 finish optimising typetls's record path (about 80 MiB in), so the figures
// are the steady state, not the compiler's work.
import type { Duplex } from 'node:stream';
import type { Job } from '../protocol.js';
import { makeImpl } from '../impl.js';
import { cpuMicros, send } from './common.js';

type BulkJob = Extract<Job, { kind: 'bulk' }>;

const MiB = 1024 * 1024;

export async function runBulk(job: BulkJob): Promise<void> {
  const impl = await makeImpl(job.impl, job.spec, job.via);
  let received = 0;
  let target = Infinity;
  let reached: (() => void) | undefined;
  const server = await impl.listen((s: Duplex) => {
    s.on('error', () => undefined);
    s.on('data', (d: Buffer) => {
      received += d.length;
      if (received >= target && reached !== undefined) {
        const r = reached;
        reached = undefined;
        r();
      }
    });
  });
  const c = await impl.connect(server.port, undefined, undefined);
  const sock = c.socket;
  sock.on('error', () => undefined);
  const chunk = Buffer.alloc(job.writeKiB * 1024, 0x61);

  const transfer = async (bytes: number): Promise<void> => {
    const done = new Promise<void>((r) => (reached = r));
    target = received + bytes;
    for (let sent = 0; sent < bytes; sent += chunk.length) {
      if (!sock.write(chunk)) await new Promise((r) => sock.once('drain', r));
    }
    await done;
  };

  await transfer(job.warmupMiB * MiB);
  const cpu0 = cpuMicros();
  const t0 = performance.now();
  await transfer(job.totalMiB * MiB);
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuMicros() - cpu0;
  sock.destroy();
  send({ type: 'result', metrics: { mib_per_s: job.totalMiB / wall, cpu_us_per_mib: cpu / job.totalMiB }, via: impl.via });
}
