// Stream helpers shared by the adapter tests: bounded waits, writes that honour backpressure, digests.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';

/** Writes `data` in 64 KiB pieces honouring write() === false (the caller ends the stream). */
export async function writeAll(s: Duplex, data: Buffer): Promise<{ sawBackpressure: boolean }> {
  let sawBackpressure = false;
  for (let i = 0; i < data.length; i += 65536) {
    if (!s.write(data.subarray(i, i + 65536))) {
      sawBackpressure = true;
      await once(s, 'drain');
    }
  }
  return { sawBackpressure };
}

/** Collects the 'data' chunks of `s` until `total` bytes have arrived (attach before writing). */
export function receiveBytes(s: Duplex, total: number): Promise<Buffer[]> {
  const got: Buffer[] = [];
  let n = 0;
  return new Promise((resolve) =>
    s.on('data', (d: Buffer) => {
      got.push(d);
      n += d.length;
      if (n >= total) resolve(got);
    }),
  );
}

export function sha256(parts: readonly Buffer[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/** Waits (a bounded number of event-loop turns) until `cond` holds. */
export async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`timed out waiting for ${what}`);
}

