// Renders trace events (the typetls `trace` option) for people. For now one line per event,
// `kind: json`; the narrated ten-step renderer replaces `describe` without changing its callers.
import type { TraceEvent } from './tls-api.js';

export type Renderer = (event: TraceEvent) => void;

function json(event: TraceEvent): string {
  const { kind: _kind, ...rest } = event;
  return JSON.stringify(rest, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.length).toString('hex');
    return v;
  });
}

/** A renderer writing to `write` (one line per event), each line prefixed with `label` when given. */
export function createRenderer(write: (line: string) => void, label?: string): Renderer {
  const prefix = label === undefined ? '' : `[${label}] `;
  return (event) => write(`${prefix}${event.kind}: ${json(event)}\n`);
}
