// Strict, bounds-checked reader over a byte slice (shared/STYLE.md, habit 5). Every read that runs
// past the end, every vector outside its declared bounds and every trailing byte is a decode_error.
// When a SpanSink is attached, each named read records its byte span so the trace can annotate every
// byte with the meaning the decoder itself gave it (issue: --trace=bytes).
import { decodeError } from '../errors.js';

export interface Span {
  /** Absolute offsets into the buffer the outermost Reader was built on. */
  readonly start: number;
  readonly end: number;
  /** Field name as the RFC spells it, with the nesting path, e.g. `extensions.key_share.group`. */
  readonly name: string;
  /** Decoded meaning, when the decoder knows one (e.g. `x25519`). */
  readonly value?: string;
}

export interface SpanSink {
  spans: Span[];
}

export class Reader {
  private pos: number;
  private readonly limit: number;
  private sink: SpanSink | undefined;
  private prefix: string;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
    sink?: SpanSink,
    prefix = '',
  ) {
    if (start < 0 || end > buf.length || start > end) throw decodeError('reader bounds out of range');
    this.pos = start;
    this.limit = end;
    this.sink = sink;
    this.prefix = prefix;
  }

  get offset(): number {
    return this.pos;
  }
  get remaining(): number {
    return this.limit - this.pos;
  }
  get atEnd(): boolean {
    return this.pos === this.limit;
  }

  /** Attaches a span sink (for traces). */
  withSink(sink: SpanSink | undefined, prefix = ''): this {
    this.sink = sink;
    this.prefix = prefix;
    return this;
  }

  /** Records a span for bytes already read (start..current position). */
  note(start: number, name: string, value?: string): void {
    if (this.sink === undefined) return;
    const full = this.prefix === '' ? name : `${this.prefix}.${name}`;
    this.sink.spans.push(value === undefined ? { start, end: this.pos, name: full } : { start, end: this.pos, name: full, value });
  }

  /** The span name prefix of a nested reader (built only when spans are recorded). */
  private childPrefix(name: string): string {
    if (this.sink === undefined) return '';
    return this.prefix === '' ? name : `${this.prefix}.${name}`;
  }

  private need(n: number, what: string): void {
    if (n > this.limit - this.pos) throw decodeError(`truncated ${what}: needed ${n} byte(s), ${this.limit - this.pos} left`);
  }

  u8(name = 'uint8', describe?: (v: number) => string): number {
    this.need(1, name);
    const v = this.buf[this.pos++] as number;
    if (this.sink) this.note(this.pos - 1, name, describe ? describe(v) : String(v));
    return v;
  }

  u16(name = 'uint16', describe?: (v: number) => string): number {
    this.need(2, name);
    const b = this.buf;
    const p = this.pos;
    const v = ((b[p] as number) << 8) | (b[p + 1] as number);
    this.pos = p + 2;
    if (this.sink) this.note(p, name, describe ? describe(v) : String(v));
    return v;
  }

  u24(name = 'uint24'): number {
    this.need(3, name);
    const b = this.buf;
    const p = this.pos;
    const v = ((b[p] as number) << 16) | ((b[p + 1] as number) << 8) | (b[p + 2] as number);
    this.pos = p + 3;
    if (this.sink) this.note(p, name, String(v));
    return v;
  }

  u32(name = 'uint32'): number {
    this.need(4, name);
    const b = this.buf;
    const p = this.pos;
    const v = (((b[p] as number) << 24) >>> 0) + (((b[p + 1] as number) << 16) | ((b[p + 2] as number) << 8) | (b[p + 3] as number));
    this.pos = p + 4;
    if (this.sink) this.note(p, name, String(v));
    return v;
  }

  /** Fixed-length bytes (a view, not a copy). */
  bytes(n: number, name = 'bytes', describe?: (v: Uint8Array) => string): Uint8Array {
    this.need(n, name);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    if (this.sink) this.note(this.pos - n, name, describe ? describe(v) : undefined);
    return v;
  }

  private vecLen(lenBytes: 1 | 2 | 3, min: number, max: number, name: string): number {
    const start = this.pos;
    this.need(lenBytes, `${name} length`);
    let len = 0;
    for (let i = 0; i < lenBytes; i++) len = (len << 8) | (this.buf[this.pos++] as number);
    if (this.sink) this.note(start, `${name}.length`, String(len));
    if (len < min || len > max) throw decodeError(`${name}: length ${len} outside ${min}..${max}`);
    this.need(len, name);
    return len;
  }

  /** A vector with a 1-, 2- or 3-byte length prefix, as a view; length checked against min..max. */
  vec(lenBytes: 1 | 2 | 3, min: number, max: number, name = 'vector', describe?: (v: Uint8Array) => string): Uint8Array {
    const len = this.vecLen(lenBytes, min, max, name);
    return this.bytes(len, name, describe);
  }
  vec8(min: number, max: number, name = 'vector8', describe?: (v: Uint8Array) => string): Uint8Array {
    return this.vec(1, min, max, name, describe);
  }
  vec16(min: number, max: number, name = 'vector16', describe?: (v: Uint8Array) => string): Uint8Array {
    return this.vec(2, min, max, name, describe);
  }
  vec24(min: number, max: number, name = 'vector24', describe?: (v: Uint8Array) => string): Uint8Array {
    return this.vec(3, min, max, name, describe);
  }

  /** A Reader over a length-prefixed vector's contents; the parent skips past it. */
  sub(lenBytes: 1 | 2 | 3, min: number, max: number, name = 'vector'): Reader {
    const len = this.vecLen(lenBytes, min, max, name);
    const r = new Reader(this.buf, this.pos, this.pos + len, this.sink, this.childPrefix(name));
    this.pos += len;
    return r;
  }
  sub8(min: number, max: number, name = 'vector8'): Reader {
    return this.sub(1, min, max, name);
  }
  sub16(min: number, max: number, name = 'vector16'): Reader {
    return this.sub(2, min, max, name);
  }
  sub24(min: number, max: number, name = 'vector24'): Reader {
    return this.sub(3, min, max, name);
  }

  /** A Reader over the next n bytes (no length prefix). */
  subFixed(n: number, name: string): Reader {
    this.need(n, name);
    const r = new Reader(this.buf, this.pos, this.pos + n, this.sink, this.childPrefix(name));
    this.pos += n;
    return r;
  }

  /** Rest of the buffer as a view. */
  rest(name = 'rest'): Uint8Array {
    return this.bytes(this.remaining, name);
  }

  /** Requires that everything was consumed (trailing bytes are a decode_error). */
  end(what = 'message'): void {
    if (this.pos !== this.limit) throw decodeError(`${this.limit - this.pos} trailing byte(s) after ${what}`);
  }
}
