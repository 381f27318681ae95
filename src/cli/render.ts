// The CLI's trace flags (--trace, --trace=bytes, --json) as a render mode; the renderer itself is
// src/trace/render.ts (TLSSocket.enableTrace() uses it too).
import { UsageError } from './args.js';
import type { TraceMode } from '../trace/render.js';

export * from '../trace/render.js';

/** `--trace`, `--trace=bytes` and `--json` as a mode, or undefined when no trace was asked for. */
export function traceMode(booleans: ReadonlySet<string>, strings: ReadonlyMap<string, string>): TraceMode | undefined {
  if (booleans.has('json')) return 'json';
  const v = strings.get('trace');
  if (v === 'bytes') return 'bytes';
  if (v !== undefined && v !== 'steps') throw new UsageError(`--trace takes no value or "bytes", not "${v}"`);
  return booleans.has('trace') ? 'steps' : undefined;
}
