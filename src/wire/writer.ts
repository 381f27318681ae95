// Growable big-endian writer with back-patched length prefixes.
import { internalError } from '../errors.js';

export class Writer {
  private buf: Uint8Array;
  private pos = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
  }

  get length(): number {
    return this.pos;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    this.room(2);
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  u24(v: number): this {
    this.room(3);
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  u32(v: number): this {
    this.room(4);
    this.buf[this.pos++] = (v >>> 24) & 0xff;
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** Writes a length-prefixed vector whose body `fn` writes; checks the length fits and maxima. */
  vec(lenBytes: 1 | 2 | 3, fn: (w: this) => void, max = (1 << (8 * lenBytes)) - 1): this {
    this.room(lenBytes);
    const at = this.pos;
    this.pos += lenBytes;
    fn(this);
    const len = this.pos - at - lenBytes;
    if (len > max) throw internalError(`vector of ${len} bytes exceeds its maximum ${max}`);
    for (let i = lenBytes - 1; i >= 0; i--) this.buf[at + (lenBytes - 1 - i)] = (len >>> (8 * i)) & 0xff;
    return this;
  }
  vec8(fn: (w: this) => void): this {
    return this.vec(1, fn);
  }
  vec16(fn: (w: this) => void): this {
    return this.vec(2, fn);
  }
  vec24(fn: (w: this) => void): this {
    return this.vec(3, fn);
  }
  /** Shorthand for a vector holding exactly these bytes. */
  vecBytes(lenBytes: 1 | 2 | 3, b: Uint8Array): this {
    return this.vec(lenBytes, (w) => w.bytes(b));
  }

  /** The written bytes (a copy sized exactly). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
