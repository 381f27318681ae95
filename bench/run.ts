// `npm run bench`: runs every scenario with typetls and node:tls alternating (A B, B A, ... so drift
// cancels), each run in a fresh process, and prints per figure the median of both and the median of
// the per-round ratios (typetls / node) with min and max. Writes a Markdown table and a JSON file.
//
// Options: --quick (smoke test: one round pair, tiny sizes), --only id[,id] (scenario ids or
// prefixes), --rounds N (rounds, default 5), --out PATH (without extension; default
// bench/results/latest), --via adapter|bridge|auto (how typetls is reached; default auto),
// --idle-connections N (idle-memory with N connections instead of 1,000).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testPki } from '../tests/helpers/certs.js';
import type { ImplName, Spec, Via } from './impl.js';
import { typetlsSupports } from './engine-impl.js';
import type { Job, Metrics, ToChild, ToParent } from './protocol.js';
import { fmt, fmtRatio, max, median, min } from './stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const WORKER = join(here, 'worker.js');
const RUN_TIMEOUT_MS = 180_000;

/**
 * V8 flags of every worker (both implementations). With V8's default tiering, typetls's handshake
 * code keeps being optimised for about 4,000 handshakes (10 s): 3.3 ms of CPU per handshake after
 * 500, 2.2–2.5 ms after 4,000, while node:tls's handshake (in C++) barely moves. A smaller interrupt
 * budget makes V8 optimise after fewer calls, so both reach that steady state within the warm-up
 * (typetls after about 1,000 handshakes) and a run stays short. Steady state is what a long-running
 * server sees; the `handshake-cold-13` scenario runs without the flag and measures the cold start.
 */
const STEADY_JIT = ['--interrupt-budget=4096'];

interface Options {
  readonly quick: boolean;
  readonly only: readonly string[];
  readonly rounds: number;
  readonly out: string;
  readonly via: Via;
  readonly idleConnections: number | undefined;
}

function parseArgs(argv: readonly string[]): Options {
  let quick = false;
  let only: string[] = [];
  let rounds = 5;
  let out = join(here, '..', '..', 'bench', 'results', 'latest');
  let via: Via = 'auto';
  let idleConnections: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') quick = true;
    else if (a === '--only') only = value().split(',');
    else if (a === '--rounds') rounds = Number(value());
    else if (a === '--out') out = value().replace(/\.(json|md)$/, '');
    else if (a === '--via') via = value() as Via;
    else if (a === '--idle-connections') idleConnections = Number(value());
    else throw new Error(`unknown option ${a}`);
  }
  if (quick && !argv.includes('--rounds')) rounds = 1;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
  if (idleConnections !== undefined && (!Number.isInteger(idleConnections) || idleConnections < 1)) throw new Error('--idle-connections must be a positive integer');
  return { quick, only, rounds, out, via, idleConnections };
}

// ------------------------------------------------------------------------------------------ processes

interface Child {
  readonly proc: ChildProcess;
  readonly messages: AsyncIterator<ToParent>;
}

/**
 * Extra V8/Node flags for every worker, for looking into a figure (e.g. `--trace-gc-nvp` or
 * `--cpu-prof`), which NODE_OPTIONS does not allow. Space-separated; never set for a reported run.
 */
const EXTRA_WORKER_FLAGS = (process.env['TYPETLS_BENCH_WORKER_FLAGS'] ?? '').split(' ').filter((f) => f !== '');

function start(job: Job): Child {
  const cold = job.kind === 'handshake' && job.coldJit === true;
  const execArgv = ['--expose-gc', ...(cold ? [] : STEADY_JIT), ...EXTRA_WORKER_FLAGS];
  const proc = fork(WORKER, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const queue: ToParent[] = [];
  let wake: (() => void) | undefined;
  let exited = false;
  proc.on('message', (m: ToParent) => {
    queue.push(m);
    wake?.();
  });
  proc.on('exit', () => {
    exited = true;
    wake?.();
  });
  const timer = setTimeout(() => proc.kill('SIGKILL'), RUN_TIMEOUT_MS);
  proc.on('exit', () => clearTimeout(timer));
  proc.send({ type: 'job', job } satisfies ToChild);
  const messages: AsyncIterator<ToParent> = {
    async next() {
      for (;;) {
        const m = queue.shift();
        if (m !== undefined) return { value: m, done: false };
        if (exited) return { value: undefined, done: true };
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    },
  };
  return { proc, messages };
}

function stop(c: Child): void {
  if (c.proc.exitCode === null && c.proc.pid !== undefined) c.proc.kill('SIGKILL');
}

async function expect(c: Child, type: ToParent['type']): Promise<ToParent> {
  const r = await c.messages.next();
  if (r.done === true) throw new Error(`worker exited before sending ${type}`);
  const m = r.value;
  if (m.type === 'error') throw new Error(`worker failed: ${m.message}`);
  if (m.type !== type) throw new Error(`expected ${type} from the worker, got ${m.type}`);
  return m;
}

interface RunResult {
  readonly metrics: Metrics;
  readonly via: string;
}

async function runOne(job: Job): Promise<RunResult> {
  const c = start(job);
  try {
    const m = await expect(c, 'result');
    if (m.type !== 'result') throw new Error('unreachable');
    return { metrics: m.metrics, via: m.via };
  } finally {
    stop(c);
  }
}

/** A server process and a client process; the client's marks are relayed to the server. */
async function runPair(serverJob: Job, clientJob: (port: number) => Job): Promise<RunResult> {
  const s = start(serverJob);
  let c: Child | undefined;
  try {
    const ready = await expect(s, 'ready');
    if (ready.type !== 'ready') throw new Error('unreachable');
    c = start(clientJob(ready.port));
    for (;;) {
      const r = await c.messages.next();
      if (r.done === true) throw new Error('client worker exited without a result');
      const m = r.value;
      if (m.type === 'error') throw new Error(`client worker failed: ${m.message}`);
      if (m.type === 'result') return { metrics: m.metrics, via: `${m.via}` };
      if (m.type === 'mark') {
        s.proc.send({ type: 'mark', name: m.name, ...(m.count !== undefined ? { count: m.count } : {}) } satisfies ToChild);
        const ans = await expect(s, 'marked');
        if (ans.type !== 'marked') throw new Error('unreachable');
        c.proc.send({ type: 'marked', name: ans.name, ...(ans.metrics ? { metrics: ans.metrics } : {}) } satisfies ToChild);
      }
    }
  } finally {
    if (c !== undefined) stop(c);
    stop(s);
  }
}

// ------------------------------------------------------------------------------------------ scenarios

interface Scenario {
  readonly id: string;
  readonly title: string;
  /** Returns a reason to skip (e.g. "not implemented yet"), or undefined to run. */
  readonly check?: () => Promise<string | undefined>;
  readonly run: (impl: ImplName) => Promise<RunResult>;
  /** Compared with node:tls (false: typetls only, e.g. the crypto floor). */
  readonly comparative: boolean;
  /**
   * Not part of the default run (which must stay under 10 minutes): runs only when `--only` names
   * it. For figures that explain another one rather than answer a target.
   */
  readonly optIn?: boolean;
}

interface Certs {
  readonly ecdsa: Spec['cert'];
  readonly rsa: Spec['cert'];
}

function scenarios(o: Options, certs: Certs): Scenario[] {
  const q = o.quick;
  const via = o.via;
  const spec = (cert: Spec['cert'], suite: string, version: Spec['version'] = 'TLSv1.3', resumption = false): Spec => ({ cert, suite, version, resumption });
  const hs = (id: string, title: string, s: Spec, count: number): Scenario[] => {
    const check = async (): Promise<string | undefined> => typetlsSupports(s);
    // Long enough for V8 to finish optimising the JavaScript of both implementations (with STEADY_JIT
    // typetls reaches its steady state after about 1,000 handshakes, 2–2.5 s; node:tls sooner): the
    // same time for both.
    const warmup = q ? 10 : 0;
    const warmupMs = q ? 0 : 2500;
    const warmup2proc = q ? 10 : 200;
    return [
      {
        id,
        title: `${title}, one process`,
        check,
        comparative: true,
        run: (impl) => runOne({ kind: 'handshake', role: 'both', impl, via, spec: s, warmup, warmupMs, durationMs: q ? 300 : 1000, count: 0 }),
      },
      {
        id: `${id}-2proc`,
        title: `${title}, two processes`,
        check,
        comparative: true,
        run: (impl) =>
          runPair({ kind: 'handshake', role: 'server', impl, via, spec: s, warmup: warmup2proc, durationMs: 0, count: 0 }, (port) => ({
            kind: 'handshake',
            role: 'client',
            impl,
            via,
            spec: s,
            warmup: warmup2proc,
            durationMs: 0,
            count: q ? 30 : count,
            port,
          })),
      },
    ];
  };
  const ecdsa13 = spec(certs.ecdsa, 'TLS_AES_128_GCM_SHA256');
  const list: Scenario[] = [
    ...hs('handshake-full-13', 'handshake-full-13 (ECDSA P-256, x25519, TLS_AES_128_GCM_SHA256)', ecdsa13, 300),
    {
      id: 'handshake-cold-13',
      title: `handshake-full-13 (ECDSA P-256), cold start: the first ${q ? 30 : 300} handshakes of a fresh process, V8's default tiering, one process`,
      check: async () => typetlsSupports(ecdsa13),
      comparative: true,
      run: (impl) => runOne({ kind: 'handshake', role: 'both', impl, via, spec: ecdsa13, warmup: 0, durationMs: 0, count: q ? 30 : 300, coldJit: true }),
    },
    ...hs(
      'handshake-full-13-ctx',
      'handshake-full-13 (ECDSA P-256; client context built once and passed as secureContext)',
      { ...ecdsa13, reuseContext: true },
      400,
    )
      .slice(0, 1)
      .map((x) => ({ ...x, optIn: true })),
    ...hs('handshake-full-13-rsa', 'handshake-full-13 (RSA-2048, x25519, TLS_AES_128_GCM_SHA256)', spec(certs.rsa, 'TLS_AES_128_GCM_SHA256'), 150),
    // One process only for these (the headline figure), to keep the whole run under 10 minutes.
    ...hs('handshake-resumed-13', 'handshake-resumed-13 (ticket, psk_dhe_ke, x25519)', spec(certs.ecdsa, 'TLS_AES_128_GCM_SHA256', 'TLSv1.3', true), 300).slice(0, 1),
    ...hs('handshake-full-12', 'handshake-full-12 (ECDHE-ECDSA-AES128-GCM-SHA256)', spec(certs.ecdsa, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLSv1.2'), 300).slice(0, 1),
    ...hs(
      'handshake-resumed-12',
      'handshake-resumed-12 (ECDHE-ECDSA-AES128-GCM-SHA256, ticket)',
      spec(certs.ecdsa, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLSv1.2', true),
      300,
    ).slice(0, 1),
  ];
  for (const [aead, suite] of [
    ['AES-128-GCM', 'TLS_AES_128_GCM_SHA256'],
    ['AES-256-GCM', 'TLS_AES_256_GCM_SHA384'],
    ['ChaCha20-Poly1305', 'TLS_CHACHA20_POLY1305_SHA256'],
  ] as const) {
    list.push({
      id: `bulk-${aead.toLowerCase()}`,
      title: `bulk ${aead} (one connection, 64 KiB writes)`,
      comparative: true,
      run: (impl) => runOne({ kind: 'bulk', impl, via, spec: spec(certs.ecdsa, suite), warmupMiB: q ? 2 : 128, totalMiB: q ? 8 : 128, writeKiB: 64 }),
    });
  }
  const idleN = o.idleConnections ?? (q ? 50 : 1000);
  list.push({
    id: 'idle-memory',
    title: `idle-memory (${idleN} idle connections, two processes)`,
    comparative: true,
    run: (impl) =>
      runPair({ kind: 'idle', role: 'server', impl, via, spec: ecdsa13, connections: idleN }, (port) => ({
        kind: 'idle',
        role: 'client',
        impl,
        via,
        spec: ecdsa13,
        connections: idleN,
        port,
      })),
  });
  for (const n of q ? [10] : [10, 100, 1000]) {
    list.push({
      id: `scaling-${n}`,
      title: `scaling: ${n} concurrent connections (one process)`,
      comparative: true,
      run: (impl) => runOne({ kind: 'scaling', impl, via, spec: ecdsa13, concurrency: n, durationMs: q ? 300 : 1000 }),
    });
  }
  list.push({
    id: 'crypto-floor',
    title: 'crypto-floor (node:crypto calls of one full TLS 1.3 handshake, both sides)',
    comparative: false,
    run: () => runOne({ kind: 'floor', iterations: q ? 200 : 3000, certs }),
  });
  if (o.only.length === 0) return list.filter((s) => s.optIn !== true);
  // Each --only entry selects the scenario with exactly that id, else every id that starts with it.
  return list.filter((s) => o.only.some((p) => (list.some((x) => x.id === p) ? s.id === p : s.id.startsWith(p))));
}

// ------------------------------------------------------------------------------------------ statistics

interface Figure {
  readonly metric: string;
  readonly typetls: number[];
  readonly node: number[];
  readonly ratios: number[];
}

interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly skipped?: string;
  readonly via?: string;
  /** Wall time of all its runs (s), so the 10-minute budget can be split sensibly. */
  readonly seconds?: number;
  readonly figures: Figure[];
  readonly runs: { impl: ImplName; round: number; metrics: Metrics }[];
}

async function runScenario(s: Scenario, o: Options): Promise<ScenarioResult> {
  const reason = s.check !== undefined ? await s.check() : undefined;
  if (reason !== undefined) {
    console.log(`\n## ${s.title}\nskipped: ${reason}`);
    return { id: s.id, title: s.title, skipped: reason, figures: [], runs: [] };
  }
  const runs: ScenarioResult['runs'] = [];
  let via: string | undefined;
  const t0 = Date.now();
  if (!s.comparative) {
    for (let r = 0; r < Math.min(3, o.rounds); r++) {
      const res = await runOne0(s, 'typetls');
      runs.push({ impl: 'typetls', round: r, metrics: res.metrics });
    }
  } else {
    for (let r = 0; r < o.rounds; r++) {
      // A B, then B A: each pair alternates which goes first.
      const order: ImplName[] = r % 2 === 0 ? ['typetls', 'node'] : ['node', 'typetls'];
      for (const impl of order) {
        const res = await s.run(impl);
        if (impl === 'typetls') via = res.via;
        runs.push({ impl, round: r, metrics: res.metrics });
      }
    }
  }
  const figures: Figure[] = [];
  const names = new Set<string>();
  for (const run of runs) for (const k of Object.keys(run.metrics)) names.add(k);
  for (const metric of names) {
    const t: number[] = [];
    const n: number[] = [];
    const ratios: number[] = [];
    for (let r = 0; r < o.rounds; r++) {
      const a = runs.find((x) => x.round === r && x.impl === 'typetls')?.metrics[metric];
      const b = runs.find((x) => x.round === r && x.impl === 'node')?.metrics[metric];
      if (a !== undefined) t.push(a);
      if (b !== undefined) n.push(b);
      if (a !== undefined && b !== undefined && b !== 0) ratios.push(a / b);
    }
    figures.push({ metric, typetls: t, node: n, ratios });
  }
  const seconds = Math.round((Date.now() - t0) / 100) / 10;
  const result: ScenarioResult = { id: s.id, title: s.title, ...(via !== undefined ? { via } : {}), seconds, figures, runs };
  console.log(`\n## ${s.title}${via !== undefined ? ` [typetls via ${via}]` : ''} (${seconds.toFixed(1)} s)`);
  console.log(figureTable(result));
  return result;
}

async function runOne0(s: Scenario, impl: ImplName): Promise<RunResult> {
  return s.run(impl);
}

function figureTable(r: ScenarioResult): string {
  const lines: string[] = [];
  if (r.figures.every((f) => f.node.length === 0)) {
    lines.push('| figure | median |', '|---|---:|');
    for (const f of r.figures) lines.push(`| ${f.metric} | ${fmt(median(f.typetls))} |`);
    return lines.join('\n');
  }
  lines.push('| figure | typetls | node:tls | typetls/node (median, min–max) |', '|---|---:|---:|---|');
  for (const f of r.figures) {
    if (f.metric === 'handshakes') continue;
    lines.push(
      `| ${f.metric} | ${fmt(median(f.typetls))} | ${fmt(median(f.node))} | ${fmtRatio(median(f.ratios))} (${fmtRatio(min(f.ratios))}–${fmtRatio(max(f.ratios))}) |`,
    );
  }
  return lines.join('\n');
}

// ------------------------------------------------------------------------------------------ targets

interface Target {
  readonly name: string;
  readonly value: number | undefined;
  readonly goal: string;
  readonly met: boolean | undefined;
}

function ratioOf(results: readonly ScenarioResult[], id: string, metric: string): number | undefined {
  const f = results.find((r) => r.id === id && r.skipped === undefined)?.figures.find((x) => x.metric === metric);
  return f === undefined || f.ratios.length === 0 ? undefined : median(f.ratios);
}

function targets(results: readonly ScenarioResult[]): Target[] {
  const out: Target[] = [];
  const atLeast = (name: string, v: number | undefined, goal: number): void => {
    out.push({ name, value: v, goal: `≥ ${goal}x`, met: v === undefined ? undefined : v >= goal });
  };
  const atMost = (name: string, v: number | undefined, goal: number): void => {
    out.push({ name, value: v, goal: `≤ ${goal}x`, met: v === undefined ? undefined : v <= goal });
  };
  atLeast('full TLS 1.3 handshakes/s, ECDSA (one process)', ratioOf(results, 'handshake-full-13', 'handshakes_per_s'), 1.5);
  atLeast('full TLS 1.3 handshakes/s, RSA-2048 (one process)', ratioOf(results, 'handshake-full-13-rsa', 'handshakes_per_s'), 1.3);
  atLeast('resumed TLS 1.3 handshakes/s', ratioOf(results, 'handshake-resumed-13', 'handshakes_per_s'), 1.5);
  atLeast('full TLS 1.2 handshakes/s', ratioOf(results, 'handshake-full-12', 'handshakes_per_s'), 1.5);
  for (const a of ['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305']) atLeast(`bulk MiB/s ${a}`, ratioOf(results, `bulk-${a}`, 'mib_per_s'), 1.2);
  atMost('idle memory per connection, server (RSS)', ratioOf(results, 'idle-memory', 'server_rss_kib_per_conn'), 0.75);
  atMost('idle memory per connection, client (RSS)', ratioOf(results, 'idle-memory', 'client_rss_kib_per_conn'), 0.5);
  const cpu = results.find((r) => r.id === 'handshake-full-13')?.figures.find((f) => f.metric === 'cpu_us_per_handshake');
  const floor = results.find((r) => r.id === 'crypto-floor')?.figures.find((f) => f.metric === 'ecdsa_floor_us_per_handshake');
  const v = cpu !== undefined && floor !== undefined && cpu.typetls.length > 0 ? median(cpu.typetls) / median(floor.typetls) : undefined;
  atMost('CPU per handshake / crypto floor (ECDSA, one process)', v, 1.5);
  const cpuRsa = results.find((r) => r.id === 'handshake-full-13-rsa')?.figures.find((f) => f.metric === 'cpu_us_per_handshake');
  const floorRsa = results.find((r) => r.id === 'crypto-floor')?.figures.find((f) => f.metric === 'rsa_floor_us_per_handshake');
  const vr = cpuRsa !== undefined && floorRsa !== undefined && cpuRsa.typetls.length > 0 ? median(cpuRsa.typetls) / median(floorRsa.typetls) : undefined;
  atMost('CPU per handshake / crypto floor (RSA-2048, one process)', vr, 1.5);
  return out;
}

function targetTable(ts: readonly Target[]): string {
  const lines = ['| target | measured | goal | met |', '|---|---:|---|---|'];
  for (const t of ts) lines.push(`| ${t.name} | ${t.value === undefined ? '—' : fmtRatio(t.value)} | ${t.goal} | ${t.met === undefined ? 'not measured' : t.met ? 'yes' : '**no**'} |`);
  return lines.join('\n');
}

// ------------------------------------------------------------------------------------------ main

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const started = new Date();
  const pki = await testPki();
  const certs: Certs = {
    ecdsa: { chain: pki.server.ecdsa.files.chain, key: pki.server.ecdsa.files.key, ca: pki.server.ecdsa.files.ca },
    rsa: { chain: pki.server.rsa.files.chain, key: pki.server.rsa.files.key, ca: pki.server.rsa.files.ca },
  };
  const list = scenarios(o, certs);
  if (list.length === 0) throw new Error(`no scenario matches --only ${o.only.join(',')}`);
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node ${process.version} (OpenSSL ${process.versions.openssl})`;
  console.log(`typetls benchmarks — ${started.toISOString()} — ${machine}`);
  console.log(`${o.quick ? 'QUICK (smoke test, numbers are not meaningful); ' : ''}${o.rounds} round(s) of each implementation, alternating A B / B A, fresh process per run`);
  const results: ScenarioResult[] = [];
  for (const s of list) results.push(await runScenario(s, o));
  const ts = targets(results);
  const seconds = (Date.now() - started.getTime()) / 1000;
  console.log(`\n## Targets (ratios typetls / node:tls)\n${targetTable(ts)}\n\ntotal time ${seconds.toFixed(0)} s`);

  const md: string[] = [
    `# typetls benchmarks`,
    '',
    `Run ${started.toISOString()} on ${machine}.`,
    `${o.quick ? '**Quick smoke run: the numbers mean nothing.** ' : ''}${o.rounds} rounds per implementation, alternating A B / B A, each run a fresh process; total ${seconds.toFixed(0)} s.`,
    'Ratios are typetls / node:tls, the median of the per-round ratios (min–max). Latency, CPU and memory: lower is better; handshakes/s and MiB/s: higher is better.',
    '',
  ];
  for (const r of results) {
    md.push(`## ${r.title}${r.via !== undefined ? ` (typetls via ${r.via})` : ''}${r.seconds !== undefined ? `, ${r.seconds.toFixed(0)} s` : ''}`, '');
    md.push(r.skipped !== undefined ? `skipped: ${r.skipped}` : figureTable(r), '');
  }
  md.push('## Targets', '', targetTable(ts), '');
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(`${o.out}.md`, md.join('\n'));
  writeFileSync(`${o.out}.json`, JSON.stringify({ date: started.toISOString(), machine, quick: o.quick, rounds: o.rounds, seconds, results, targets: ts }, null, 2));
  console.log(`wrote ${o.out}.md and ${o.out}.json`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
