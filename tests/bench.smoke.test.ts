// Benchmarks: the quick mode of one scenario runs end to end and writes its table and JSON. No timing
// is asserted (tests never assert timings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs node with `args`; its exit code and everything it printed (killed after `limitMs`). */
async function runNode(args: readonly string[], limitMs: number): Promise<{ code: number | null; log: string }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const timer = setTimeout(() => {
    if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }, limitMs);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, log };
}

test('bench: --quick handshake-full-13 runs typetls and node:tls and writes Markdown and JSON', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'typetls-bench-'));
  try {
    const out = join(dir, 'smoke');
    const { code, log } = await runNode(['dist/bench/run.js', '--quick', '--only', 'handshake-full-13', '--out', out], 120_000);
    assert.equal(code, 0, log);
    const json = JSON.parse(readFileSync(`${out}.json`, 'utf8')) as {
      results: { id: string; figures: { metric: string; typetls: number[]; node: number[] }[] }[];
    };
    assert.deepEqual(
      json.results.map((r) => r.id),
      ['handshake-full-13'],
    );
    const hs = json.results[0]?.figures.find((f) => f.metric === 'handshakes_per_s');
    assert.ok(hs !== undefined && hs.typetls.length === 1 && hs.node.length === 1, log);
    assert.match(readFileSync(`${out}.md`, 'utf8'), /handshakes_per_s/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench: engine.js drives the engine in memory and over plain sockets, every connection completing', async () => {
  for (const mode of ['handshakes', 'net']) {
    const { code, log } = await runNode(['dist/bench/engine.js', mode, 'ecdsa', '0.3'], 60_000);
    assert.equal(code, 0, log);
    assert.match(log, /µs CPU each \(client \+ server\)/);
  }
});
