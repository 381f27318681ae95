import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordDeframer } from '../src/record/deframer.js';
import { ByteQueue } from '../src/record/bytequeue.js';
import { HandshakeJoiner } from '../src/record/handshake-joiner.js';
import { TlsError } from '../src/errors.js';
import { AlertDescription } from '../src/wire/iana.js';
import * as V from './vectors/rfc8448.js';

const { unhex, tohex } = V;

function isAlert(alert: number): (e: unknown) => boolean {
  return (e: unknown) => e instanceof TlsError && e.alert === alert;
}

function records(...hexes: string[]): Uint8Array {
  return unhex(hexes.join(''));
}

const CH_RECORD = V.S3_CLIENT_HELLO_RECORD_HEADER + V.S3_CLIENT_HELLO;
const SH_RECORD = V.S3_SERVER_HELLO_RECORD_HEADER + V.S3_SERVER_HELLO;

test('record: ByteQueue takes views inside a chunk and copies across chunks', () => {
  const q = new ByteQueue();
  q.push(unhex('0102'));
  q.push(unhex('030405'));
  q.push(new Uint8Array(0));
  assert.equal(q.length, 5);
  assert.equal(q.peek(3), 4);
  assert.equal(tohex(q.take(1)), '01');
  assert.equal(tohex(q.take(3)), '020304');
  assert.equal(q.length, 1);
  assert.equal(tohex(q.take(1)), '05');
  assert.equal(q.length, 0);
  assert.throws(() => q.take(1), RangeError);
  // many tiny chunks (compaction path)
  for (let i = 0; i < 1000; i++) q.push(new Uint8Array([i & 0xff]));
  for (let i = 0; i < 1000; i += 10) {
    const t = q.take(10);
    assert.equal(t[0], i & 0xff);
    assert.equal(t[9], (i + 9) & 0xff);
  }
  assert.equal(q.length, 0);
});

test('RFC 8446 §5.1: records are cut from any chunking, down to one byte at a time', () => {
  const stream = records(CH_RECORD, SH_RECORD, '1503030002022f');
  for (const size of [1, 2, 3, 5, 7, 64, stream.length]) {
    const d = new RecordDeframer();
    const got: string[] = [];
    for (let at = 0; at < stream.length; at += size) {
      d.push(stream.slice(at, at + size));
      for (let r = d.next(); r !== null; r = d.next()) got.push(`${r.type}:${r.version.toString(16)}:${tohex(r.fragment)}`);
      assert.ok(d.buffered < 5 + 0x4000 + size, 'memory stays bounded');
    }
    assert.deepEqual(got, [`22:301:${V.S3_CLIENT_HELLO}`, `22:303:${V.S3_SERVER_HELLO}`, '21:303:022f'], `chunk size ${size}`);
    assert.equal(d.buffered, 0);
  }
});

test('record: the header bytes are returned for use as AEAD additional data', () => {
  const d = new RecordDeframer();
  d.push(unhex(V.S3_SERVER_HANDSHAKE_RECORD));
  const r = d.next();
  assert.ok(r);
  assert.equal(tohex(r.header), '17030302a2');
  assert.equal(r.fragment.length, 0x2a2);
});

test('RFC 8446 §5: an unknown content type is unexpected_message, as soon as the first byte arrives', () => {
  for (const t of [0, 19, 24, 25, 0x47]) {
    const d = new RecordDeframer();
    d.push(new Uint8Array([t]));
    assert.throws(() => d.next(), isAlert(AlertDescription.unexpected_message), `type ${t}`);
  }
  const d = new RecordDeframer();
  d.push(new TextEncoder().encode('GET / HTTP/1.1\r\n'));
  assert.throws(() => d.next(), /plaintext/);
});

test('RFC 8446 §5.1: a record version major byte other than 3 is decode_error', () => {
  for (const hex of ['1602', '160201', '1604030005', '8003']) {
    const d = new RecordDeframer();
    d.push(unhex(hex));
    assert.throws(() => d.next(), isAlert(hex === '8003' ? AlertDescription.unexpected_message : AlertDescription.decode_error), hex);
  }
  // minor bytes are not checked here (RFC 8446 §5.1: legacy_record_version is ignored)
  const d = new RecordDeframer();
  d.push(unhex('1703990001ff'));
  assert.equal(d.next()?.version, 0x0399);
});

test('RFC 8446 §5.2: a record longer than 2^14 + 256 is record_overflow, from its header alone', () => {
  const d = new RecordDeframer();
  d.push(unhex('1703034101'));
  assert.throws(() => d.next(), isAlert(AlertDescription.record_overflow));
  const ok = new RecordDeframer();
  ok.push(unhex('1703034100'));
  assert.equal(ok.next(), null);
  ok.push(new Uint8Array(0x4100));
  assert.equal(ok.next()?.fragment.length, 0x4100);
  // TLS 1.2 allows 2^14 + 2048 (RFC 5246 §6.2.3)
  const d12 = new RecordDeframer();
  d12.maxFragmentLength = (1 << 14) + 2048;
  d12.push(unhex('1703034800'));
  assert.equal(d12.next(), null);
  d12.push(unhex('1703034801').subarray(0, 0));
  const d12b = new RecordDeframer();
  d12b.maxFragmentLength = (1 << 14) + 2048;
  d12b.push(unhex('1703034801'));
  assert.throws(() => d12b.next(), isAlert(AlertDescription.record_overflow));
});

test('RFC 8446 §5.1: handshake messages are joined across records and split when coalesced', () => {
  const msgs = [V.S3_ENCRYPTED_EXTENSIONS, V.S3_CERTIFICATE, V.S3_CERTIFICATE_VERIFY, V.S3_SERVER_FINISHED];
  const flight = unhex(msgs.join(''));
  for (const size of [1, 3, 4, 5, 100, flight.length]) {
    const j = new HandshakeJoiner();
    const got: string[] = [];
    for (let at = 0; at < flight.length; at += size) {
      j.push(flight.slice(at, at + size));
      for (let m = j.next(); m !== null; m = j.next()) {
        got.push(tohex(m.raw));
        assert.equal(m.body.length, m.raw.length - 4);
        assert.equal(m.type, m.raw[0]);
      }
    }
    assert.deepEqual(got, msgs, `fragment size ${size}`);
    assert.equal(j.pending, false);
  }
  const j = new HandshakeJoiner();
  j.push(unhex('140000'));
  assert.equal(j.next(), null);
  assert.equal(j.pending, true);
  j.push(unhex('02aa'));
  assert.equal(j.next(), null);
  assert.equal(j.pending, true);
  j.push(unhex('bb0e000000'));
  assert.equal(tohex(j.next()?.body ?? new Uint8Array(1)), 'aabb');
  assert.equal(j.next()?.type, 14);
  assert.equal(j.pending, false);
});

test('record: a handshake message over the limit is illegal_parameter with a clear message', () => {
  const j = new HandshakeJoiner();
  j.push(unhex('0b010001'));
  assert.throws(() => j.next(), (e: unknown) => e instanceof TlsError && e.alert === AlertDescription.illegal_parameter && /65537 bytes exceeds/.test(e.message));
  const small = new HandshakeJoiner(10);
  small.push(unhex('0100000b'));
  assert.throws(() => small.next(), isAlert(AlertDescription.illegal_parameter));
  const exact = new HandshakeJoiner(10);
  exact.push(unhex('0100000a' + '00'.repeat(10)));
  assert.equal(exact.next()?.body.length, 10);
});
