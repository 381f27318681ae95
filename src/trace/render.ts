// Renders typetls trace events for people and tools: the ten classic handshake steps (colour on a
// terminal, plain text when piped), optionally with the annotated bytes of every handshake message
// (the CLI's --trace=bytes), or one JSON object per event (--json). The model is ./steps.ts. The CLI
// and TLSSocket.enableTrace() both use it.
import type { TraceEvent } from '../conn/types.js';
import { knownEvent, type Side, type SidedEvent } from './events.js';
import { buildNarrative, type Narrative, type Step, type StepMessage } from './steps.js';
import { dumpRows } from './dump.js';

export type TraceMode = 'steps' | 'bytes' | 'json';

export interface RenderOptions {
  readonly mode: TraceMode;
  /** ANSI colours (a terminal); plain text otherwise. */
  readonly color: boolean;
  readonly write: (text: string) => void;
  /** Render the first nine steps as soon as one side's handshake completes (client, server); the demo renders at the end. */
  readonly live?: boolean;
}

/** Collects one connection's (or, for the demo, both sides') events and renders them. */
export interface TraceCollector {
  /** The option to hand to connect()/createServer() for one side. */
  listener(side: Side): (event: TraceEvent) => void;
  /** Renders what has not been rendered yet (the whole narrative, or the session's part). */
  flush(): void;
  /** The events so far (for tests and the demo's own summary). */
  readonly events: readonly SidedEvent[];
  /** The narrative of the events so far. */
  narrative(): Narrative;
}

interface Palette {
  bold(s: string): string;
  dim(s: string): string;
  ok(s: string): string;
  bad(s: string): string;
  warn(s: string): string;
  head(s: string): string;
}

function palette(color: boolean): Palette {
  const c = (code: string) => (s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { bold: c('1'), dim: c('2'), ok: c('32'), bad: c('31'), warn: c('33'), head: c('1;36') };
}

/** JSON for one event: Uint8Array/Buffer fields as hex (message bytes only with --trace=bytes). */
export function eventJson(side: Side | undefined, event: TraceEvent, withBytes: boolean): string {
  const out: Record<string, unknown> = side === undefined ? {} : { side };
  for (const [k, v] of Object.entries(event)) {
    if (v instanceof Uint8Array) {
      if (withBytes) out[k] = Buffer.from(v.buffer, v.byteOffset, v.length).toString('hex');
    } else if (typeof v === 'bigint') out[k] = v.toString();
    else out[k] = v;
  }
  return JSON.stringify(out);
}

function arrow(from: Side): string {
  return from === 'client' ? 'client → server' : 'server → client';
}

function bytes(n: number): string {
  return n === 1 ? '1 byte' : `${n} bytes`;
}

function keysText(keys: string): string {
  return keys === 'none' || keys === '' ? 'plaintext' : `protected by ${keys}`;
}

function messageLines(m: StepMessage, p: Palette, withBytes: boolean): string[] {
  const lines = [`    ${arrow(m.from)}  ${p.bold(m.name)}  ${bytes(m.length)}, ${keysText(m.keys)}`];
  if (withBytes && m.raw !== undefined && m.spans !== undefined) {
    for (const r of dumpRows(m.raw, m.spans)) {
      const label = r.name === '' ? '' : `${r.name}${r.value === undefined ? '' : ` = ${r.value}`}`;
      lines.push(`      ${p.dim(r.offset.toString(16).padStart(4, '0'))}  ${r.hex.padEnd(47)}  ${label}`);
    }
  }
  return lines;
}

function statusText(s: Step, p: Palette): string {
  switch (s.status) {
    case 'done':
      return p.ok('done');
    case 'failed':
      return p.bad('FAILED');
    case 'skipped':
      return p.warn('skipped');
    case 'not reached':
      return p.dim('not reached');
  }
}

/** One step as text. */
export function renderStep(s: Step, p: Palette, withBytes: boolean): string {
  const lines = [`${p.head(`Step ${s.n}`)}  ${p.bold(s.title)}  [${statusText(s, p)}]`];
  if (s.carriedBy !== '') lines.push(`  ${p.dim('carried by:')} ${s.carriedBy}`);
  for (const m of s.messages) lines.push(...messageLines(m, p, withBytes));
  for (const f of s.facts) lines.push(`  ${f.name}: ${p.bold(f.value)}${f.why === undefined ? '' : p.dim(`  (${f.why})`)}`);
  for (const c of s.checks) {
    const mark = c.ok ? p.ok('✓') : p.bad('✗');
    lines.push(`  ${mark} ${c.by} checks ${c.check} of ${c.subject}: ${c.detail}${c.code === undefined ? '' : ` [${c.code}]`}`);
  }
  for (const k of s.secrets) lines.push(`  derived ${p.bold(k.name)} (label "${k.label}", ${k.length} bytes)${k.by === 'both' ? ', by both sides' : `, by the ${k.by}`}`);
  for (const r of s.records) lines.push(`    ${arrow(r.from)}  ${r.contentType} record, ${bytes(r.length)}${r.keys === '' ? '' : `, ${keysText(r.keys)}`}`);
  for (const n of s.notes) lines.push(`  ${p.dim('note:')} ${n}`);
  return lines.join('\n') + '\n';
}

/** The outcome block: how the connection ended, the alert on the wire and the errors. */
export function renderOutcome(n: Narrative, color: boolean): string {
  const p = palette(color);
  const o = n.outcome;
  const lines: string[] = [];
  const fatal = o.alerts.filter((a) => a.description !== 'close_notify');
  if (o.errors.length === 0 && fatal.length === 0) {
    lines.push(p.ok(o.completed ? 'Outcome: handshake complete' : 'Outcome: no handshake'));
  } else {
    lines.push(p.bad(`Outcome: failed${o.failedStep === undefined ? '' : ` in step ${o.failedStep}`}`));
  }
  for (const a of o.alerts) lines.push(`  alert on the wire: ${p.bold(a.description)} (${a.level}, ${arrow(a.from)})`);
  for (const e of o.errors) lines.push(`  the ${e.side} application sees: ${p.bold(e.code)}: ${e.message}`);
  return lines.join('\n') + '\n';
}

/** The whole narrative as text: the ten steps in the classic order, the real order, the outcome. */
export function renderNarrative(n: Narrative, color: boolean, withBytes: boolean, steps?: ReadonlySet<number>): string {
  const p = palette(color);
  let out = '';
  for (const s of n.steps) if (steps === undefined || steps.has(s.n)) out += renderStep(s, p, withBytes) + '\n';
  return out;
}

export function createTraceCollector(opts: RenderOptions): TraceCollector {
  const events: SidedEvent[] = [];
  const withBytes = opts.mode === 'bytes';
  let headerDone = false;
  const narrative = (): Narrative => buildNarrative(events, { bytes: withBytes });
  const p = palette(opts.color);
  const renderHandshake = (): void => {
    const n = narrative();
    opts.write(`${p.bold(`The handshake in ten steps (${n.version}${n.sides.length === 1 ? `, as the ${n.sides[0] ?? ''} saw it` : ', both sides'})`)}\n\n`);
    opts.write(renderNarrative(n, opts.color, withBytes, new Set([1, 2, 3, 4, 5, 6, 7, 8, 9])));
    if (n.order.length > 0) opts.write(`${p.dim('order on the wire:')} steps ${n.order.filter((x) => x !== 10).join(', ')}\n\n`);
    headerDone = true;
  };
  return {
    events,
    narrative,
    listener(side: Side) {
      return (event: TraceEvent) => {
        const e = knownEvent(event);
        if (opts.mode === 'json') {
          opts.write(eventJson(side, event, withBytes) + '\n');
          if (e !== undefined) events.push({ side, event: e });
          return;
        }
        if (e === undefined) return;
        events.push({ side, event: e });
        // Live: the first nine steps as soon as this side's handshake is done.
        if (opts.live !== false && e.kind === 'handshake-complete' && !headerDone) renderHandshake();
      };
    },
    flush() {
      if (opts.mode === 'json') {
        events.length = 0;
        return;
      }
      if (events.length === 0) return;
      if (!headerDone) renderHandshake();
      const n = narrative();
      opts.write(renderNarrative(n, opts.color, withBytes, new Set([10])));
      opts.write(renderOutcome(n, opts.color) + '\n');
      events.length = 0;
      headerDone = false;
    },
  };
}
