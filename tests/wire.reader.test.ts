import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader } from '../src/wire/reader.js';
import { Writer } from '../src/wire/writer.js';
import { TlsError } from '../src/errors.js';
import { AlertDescription } from '../src/wire/iana.js';

test('wire: writer and reader round-trip integers and vectors', () => {
  const w = new Writer(4);
  w.u8(1).u16(0x0203).u24(0x040506).u32(0xfffffffe).vec16((x) => x.u8(9).u8(8)).vec8(() => {});
  const r = new Reader(w.finish());
  assert.equal(r.u8(), 1);
  assert.equal(r.u16(), 0x0203);
  assert.equal(r.u24(), 0x040506);
  assert.equal(r.u32(), 0xfffffffe);
  assert.deepEqual([...r.vec16(0, 10)], [9, 8]);
  assert.equal(r.vec8(0, 0).length, 0);
  r.end();
});

test('wire: every truncated prefix is a decode_error', () => {
  const full = new Writer().u16(7).vec16((x) => x.bytes(new Uint8Array([1, 2, 3]))).finish();
  for (let n = 0; n < full.length; n++) {
    const r = new Reader(full.subarray(0, n));
    assert.throws(
      () => {
        r.u16();
        r.vec16(0, 100);
        r.end();
      },
      (e: unknown) => e instanceof TlsError && e.alert === AlertDescription.decode_error,
    );
  }
});

test('wire: vector bounds and trailing bytes are rejected', () => {
  assert.throws(() => new Reader(new Uint8Array([0, 1, 5])).vec16(2, 10), TlsError);
  assert.throws(() => new Reader(new Uint8Array([0, 0, 5])).end(), TlsError);
});

test('wire: spans record field names and offsets', () => {
  const buf = new Writer().u16(0x0303).vec8((x) => x.u8(1)).finish();
  const sink = { spans: [] as { start: number; end: number; name: string }[] };
  const r = new Reader(buf, 0, buf.length, sink);
  r.u16('legacy_version');
  r.vec8(0, 32, 'session_id');
  assert.deepEqual(
    sink.spans.map((s) => [s.name, s.start, s.end]),
    [
      ['legacy_version', 0, 2],
      ['session_id.length', 2, 3],
      ['session_id', 3, 4],
    ],
  );
});
