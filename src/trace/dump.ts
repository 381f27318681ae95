// The annotated hex dump (--trace=bytes): every byte of a handshake message under the name and the
// meaning its decoder gave it (spans from src/wire/reader.ts), plus a coverage check used by tests.
import type { Span } from '../wire/reader.js';

export interface DumpRow {
  /** Offset of the first byte on this row, from the start of the message. */
  readonly offset: number;
  /** Up to `width` bytes, as hex pairs separated by spaces. */
  readonly hex: string;
  /** Field name (first row of a field only). */
  readonly name: string;
  /** Decoded meaning (first row of a field only). */
  readonly value: string | undefined;
}

function hexOf(b: Uint8Array, start: number, end: number): string {
  const out: string[] = [];
  for (let i = start; i < end; i++) out.push((b[i] as number).toString(16).padStart(2, '0'));
  return out.join(' ');
}

/** The leaf spans in byte order (zero-length spans, such as an empty vector's bytes, are dropped). */
function leafSpans(spans: readonly Span[]): Span[] {
  return spans.filter((s) => s.end > s.start).sort((a, b) => a.start - b.start || a.end - b.end);
}

/** Gaps (bytes no span names) and overlaps (bytes two spans name) over [0, length). */
export function coverage(spans: readonly Span[], length: number): { gaps: [number, number][]; overlaps: [number, number][] } {
  const gaps: [number, number][] = [];
  const overlaps: [number, number][] = [];
  let at = 0;
  for (const s of leafSpans(spans)) {
    if (s.start > at) gaps.push([at, s.start]);
    else if (s.start < at) overlaps.push([s.start, Math.min(at, s.end)]);
    at = Math.max(at, s.end);
  }
  if (at < length) gaps.push([at, length]);
  return { gaps, overlaps };
}

/** Rows of the dump: each field's bytes, `width` bytes a row, its name and meaning on the first row. */
export function dumpRows(raw: Uint8Array, spans: readonly Span[], width = 16): DumpRow[] {
  const rows: DumpRow[] = [];
  let at = 0;
  const push = (start: number, end: number, name: string, value: string | undefined): void => {
    for (let p = start; p < end; p += width) {
      const first = p === start;
      rows.push({ offset: p, hex: hexOf(raw, p, Math.min(end, p + width)), name: first ? name : '', value: first ? value : undefined });
    }
  };
  for (const s of leafSpans(spans)) {
    if (s.start > at) push(at, s.start, '(not decoded)', undefined);
    const start = Math.max(s.start, at);
    if (s.end > start) push(start, s.end, s.name, s.value);
    at = Math.max(at, s.end);
  }
  if (at < raw.length) push(at, raw.length, '(not decoded)', undefined);
  return rows;
}
