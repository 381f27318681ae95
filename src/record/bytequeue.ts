// A FIFO of byte chunks: bytes are appended as they arrive and taken from the front without
// re-copying what is left (no O(n²) behaviour when data arrives a byte at a time). Taking a span
// that lies inside one chunk returns a view; a span that crosses chunks is copied once, into a new
// buffer or, when the caller says it is done with the span before its next take, into a scratch
// buffer the queue keeps (so a bulk stream does not allocate per record).

const EMPTY = new Uint8Array(0);

export class ByteQueue {
  private chunks: Uint8Array[] = [];
  /** Index of the first live chunk (chunks before it are consumed; compacted now and then). */
  private first = 0;
  /** Offset of the first unread byte in chunks[first]. */
  private head = 0;
  private total = 0;
  private scratch: Uint8Array = EMPTY;

  get length(): number {
    return this.total;
  }

  /** Appends a chunk (kept by reference: the caller must not modify it afterwards). */
  push(data: Uint8Array): void {
    if (data.length === 0) return;
    this.chunks.push(data);
    this.total += data.length;
  }

  /** The byte at `index` from the front (index < length). */
  peek(index: number): number {
    let i = index + this.head;
    for (let k = this.first; k < this.chunks.length; k++) {
      const c = this.chunks[k] as Uint8Array;
      if (i < c.length) return c[i] as number;
      i -= c.length;
    }
    throw new RangeError(`ByteQueue.peek(${index}) past the end (${this.total} bytes)`);
  }

  /**
   * Removes and returns the first `n` bytes (n <= length): a view when they sit in one chunk, else one
   * copy. With `transient`, a span that crosses chunks is copied into the queue's scratch buffer: the
   * bytes returned are then valid only until the next take(), and the caller must not keep them.
   */
  take(n: number, transient = false): Uint8Array {
    if (n > this.total) throw new RangeError(`ByteQueue.take(${n}) with only ${this.total} bytes`);
    const first = this.chunks[this.first];
    if (n === 0 || first === undefined) return new Uint8Array(0);
    if (first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.skip(n);
      return out;
    }
    const out = transient ? this.scratchOf(n) : new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[this.first];
      if (c === undefined) break;
      const take = Math.min(c.length - this.head, n - at);
      out.set(c.subarray(this.head, this.head + take), at);
      at += take;
      this.skip(take);
    }
    return out;
  }

  /**
   * The first n bytes of the scratch buffer: allocated at the first crossing take and grown to the
   * largest span taken (a full record in a bulk stream), dropped when the queue runs empty so an idle
   * connection holds none.
   */
  private scratchOf(n: number): Uint8Array {
    if (this.scratch.length < n) this.scratch = new Uint8Array(n);
    return this.scratch.subarray(0, n);
  }

  private skip(n: number): void {
    this.total -= n;
    let left = n;
    while (left > 0) {
      const c = this.chunks[this.first];
      if (c === undefined) break;
      const avail = c.length - this.head;
      if (left < avail) {
        this.head += left;
        break;
      }
      left -= avail;
      this.chunks[this.first] = EMPTY; // drop the reference so the chunk can be collected
      this.first++;
      this.head = 0;
    }
    if (this.first === this.chunks.length) {
      this.chunks = [];
      this.first = 0;
      // A span just taken may still be a view of the scratch buffer: only the reference is dropped.
      this.scratch = EMPTY;
    } else if (this.first >= 64 && this.first * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }
}
