import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { suite13, type Suite13 } from '../src/keys/schedule13.js';
import { RecordLayer, type RecordContent } from '../src/record/layer.js';
import { RecordProtector13 } from '../src/record/protect13.js';
import { HandshakeJoiner } from '../src/record/handshake-joiner.js';
import { TlsError } from '../src/errors.js';
import { AlertDescription } from '../src/wire/iana.js';
import * as V from './vectors/rfc8448.js';

const { unhex, tohex } = V;
const p = nodeCryptoProvider();

function aes128(): Suite13 {
  const s = suite13(0x1301);
  assert.ok(s);
  return s;
}

function isAlert(alert: number): (e: unknown) => boolean {
  return (e: unknown) => e instanceof TlsError && e.alert === alert;
}

function drain(l: RecordLayer): RecordContent[] {
  const out: RecordContent[] = [];
  for (let r = l.nextRecord(); r !== null; r = l.nextRecord()) out.push({ type: r.type, content: r.content.slice() });
  return out;
}

test('RFC 8448 §3: the server flight through the layer is byte-exact (hello in clear, coalesced protected flight)', () => {
  const s = aes128();
  const server = new RecordLayer();
  server.send(22, unhex(V.S3_SERVER_HELLO));
  server.setWriteProtector(new RecordProtector13(p, s, unhex(V.S3_SERVER_HS_TRAFFIC)));
  for (const m of [V.S3_ENCRYPTED_EXTENSIONS, V.S3_CERTIFICATE, V.S3_CERTIFICATE_VERIFY, V.S3_SERVER_FINISHED]) server.send(22, unhex(m));
  const out = server.takeOutput();
  assert.ok(out);
  assert.equal(tohex(out), V.S3_SERVER_HELLO_RECORD_HEADER + V.S3_SERVER_HELLO + V.S3_SERVER_HANDSHAKE_RECORD);
  assert.equal(server.takeOutput(), null);

  // The client reads it back one byte at a time, switching keys after the ServerHello.
  const client = new RecordLayer();
  const joiner = new HandshakeJoiner();
  const seen: string[] = [];
  for (const b of out) {
    client.receive(new Uint8Array([b]));
    for (let r = client.nextRecord(); r !== null; r = client.nextRecord()) {
      assert.equal(r.type, 22);
      joiner.push(r.content);
      for (let m = joiner.next(); m !== null; m = joiner.next()) {
        seen.push(tohex(m.raw));
        if (m.type === 2) {
          assert.equal(joiner.pending, false);
          client.setReadProtector(new RecordProtector13(p, s, unhex(V.S3_SERVER_HS_TRAFFIC)));
        }
      }
    }
  }
  assert.deepEqual(seen, [V.S3_SERVER_HELLO, V.S3_ENCRYPTED_EXTENSIONS, V.S3_CERTIFICATE, V.S3_CERTIFICATE_VERIFY, V.S3_SERVER_FINISHED]);
});

test('RFC 8446 §5.1: the initial ClientHello record uses legacy_record_version 0x0301, later records 0x0303', () => {
  const c = new RecordLayer();
  c.sendPlain(22, unhex(V.S3_CLIENT_HELLO));
  assert.equal(tohex(c.takeOutput() ?? new Uint8Array(0)), V.S3_CLIENT_HELLO_RECORD_HEADER + V.S3_CLIENT_HELLO);
  c.sendPlain(20, unhex('01'));
  c.sendPlain(22, unhex(V.S3_CLIENT_HELLO)); // a second ClientHello (after HelloRetryRequest)
  assert.equal(tohex(c.takeOutput() ?? new Uint8Array(0)), '14030300010116030300c4' + V.S3_CLIENT_HELLO);
  // via send() too, and an explicit version wins
  const c2 = new RecordLayer();
  c2.send(22, unhex(V.S3_CLIENT_HELLO));
  assert.equal(tohex(c2.takeOutput()?.subarray(0, 5) ?? new Uint8Array(0)), '16030100c4');
  const c3 = new RecordLayer();
  c3.sendPlain(22, unhex(V.S3_CLIENT_HELLO), 0x0303);
  assert.equal(tohex(c3.takeOutput()?.subarray(0, 5) ?? new Uint8Array(0)), '16030300c4');
});

test('RFC 8446 §5.1: long content is fragmented to 2^14 or a smaller record size limit; each suite round-trips', () => {
  for (const code of [0x1301, 0x1302, 0x1303]) {
    const s = suite13(code);
    assert.ok(s);
    const secret = p.randomBytes(s.hashLength);
    const a = new RecordLayer();
    const b = new RecordLayer();
    a.setWriteProtector(new RecordProtector13(p, s, secret));
    b.setReadProtector(new RecordProtector13(p, s, secret));
    const data = p.randomBytes(40000);
    a.send(23, data);
    a.send(23, new Uint8Array(0));
    const wire = a.takeOutput();
    assert.ok(wire);
    assert.equal(wire.length, 40000 + 3 * (5 + 1 + 16));
    b.receive(wire);
    const got = drain(b);
    assert.deepEqual(
      got.map((r) => r.content.length),
      [16384, 16384, 40000 - 32768],
    );
    assert.deepEqual(Buffer.concat(got.map((r) => r.content)), Buffer.from(data));
  }
  const plain = new RecordLayer();
  plain.maxFragment = 100;
  plain.send(23, new Uint8Array(250));
  const out = plain.takeOutput();
  assert.equal(out?.length, 250 + 3 * 5);
});

test('RFC 8446 §5: the compatibility change_cipher_spec is dropped during the handshake; others are unexpected_message', () => {
  const l = new RecordLayer();
  l.allowCompatCcs = true;
  l.receive(unhex('140303000101' + '1503030002012f'));
  const got = drain(l);
  assert.deepEqual(got.map((r) => [r.type, tohex(r.content)]), [[21, '012f']]);
  assert.equal(l.compatCcsCount, 1);
  for (const bad of ['140303000102', '14030300020101']) {
    const m = new RecordLayer();
    m.allowCompatCcs = true;
    m.receive(unhex(bad));
    assert.throws(() => m.nextRecord(), isAlert(AlertDescription.unexpected_message), bad);
  }
  // a CCS once the handshake is over and protection is on: the 1.3 protector rejects it
  const s = aes128();
  const done = new RecordLayer();
  done.setReadProtector(new RecordProtector13(p, s, p.randomBytes(32)));
  done.receive(unhex('140303000101'));
  assert.throws(() => done.nextRecord(), isAlert(AlertDescription.unexpected_message));
  // TLS 1.2: delivered to the caller before keys
  const t12 = new RecordLayer();
  t12.receive(unhex('140303000101'));
  assert.deepEqual(drain(t12).map((r) => r.type), [20]);
  const t12bad = new RecordLayer();
  t12bad.receive(unhex('140303000100'));
  assert.throws(() => t12bad.nextRecord(), isAlert(AlertDescription.decode_error));
});

test('RFC 8446 §5.1: a plaintext record over 2^14 is record_overflow; empty handshake and odd alerts are refused', () => {
  const l = new RecordLayer();
  l.receive(unhex('1603034001'));
  l.receive(new Uint8Array(0x4001));
  assert.throws(() => l.nextRecord(), isAlert(AlertDescription.record_overflow));
  const e = new RecordLayer();
  e.receive(unhex('1603030000'));
  assert.throws(() => e.nextRecord(), isAlert(AlertDescription.unexpected_message));
  const a = new RecordLayer();
  a.receive(unhex('1503030003020a00'));
  assert.throws(() => a.nextRecord(), isAlert(AlertDescription.decode_error));
  const z = new RecordLayer();
  z.receive(unhex('1703030000'));
  assert.deepEqual(drain(z).map((r) => [r.type, r.content.length]), [[23, 0]]);
});

test('record: a plaintext alert while protected is accepted only when allowed; tampering is bad_record_mac', () => {
  const s = aes128();
  const secret = p.randomBytes(32);
  const l = new RecordLayer();
  l.setReadProtector(new RecordProtector13(p, s, secret));
  l.allowPlaintextAlert = true;
  l.receive(unhex('1503030002022f'));
  assert.deepEqual(drain(l).map((r) => [r.type, tohex(r.content)]), [[21, '022f']]);
  l.allowPlaintextAlert = false;
  l.receive(unhex('1503030002022f'));
  assert.deepEqual(l.nextRecord(true)?.content, unhex('022f'), 'accepted while the compat window is open');
  l.receive(unhex('1503030002022f'));
  assert.throws(() => l.nextRecord(), isAlert(AlertDescription.unexpected_message));

  const w = new RecordLayer();
  w.setWriteProtector(new RecordProtector13(p, s, secret));
  w.send(23, unhex('68656c6c6f'));
  const rec = w.takeOutput();
  assert.ok(rec);
  rec[rec.length - 3] = (rec[rec.length - 3] as number) ^ 1;
  const r = new RecordLayer();
  r.setReadProtector(new RecordProtector13(p, s, secret));
  r.receive(rec);
  assert.throws(() => r.nextRecord(), isAlert(AlertDescription.bad_record_mac));
});

test('record: handshake data is flushed before a protector change, an alert or a plaintext send', () => {
  const s = aes128();
  const secret = p.randomBytes(32);
  const l = new RecordLayer();
  l.send(22, unhex('0e000000'));
  assert.equal(l.hasOutput, true);
  l.sendPlain(20, unhex('01'));
  l.send(22, unhex('0b000000'));
  l.setWriteProtector(new RecordProtector13(p, s, secret));
  l.send(22, unhex('14000000'));
  l.send(21, unhex('0100'));
  const out = l.takeOutput();
  assert.ok(out);
  const r = new RecordLayer();
  r.receive(out);
  assert.deepEqual(
    [r.nextRecord(), r.nextRecord(), r.nextRecord()].map((x) => (x === null ? null : [x.type, tohex(x.content)])),
    [
      [22, '0e000000'],
      [20, '01'],
      [22, '0b000000'],
    ],
  );
  r.setReadProtector(new RecordProtector13(p, s, secret));
  assert.deepEqual(drain(r).map((x) => [x.type, tohex(x.content)]), [
    [22, '14000000'],
    [21, '0100'],
  ]);
  assert.equal(l.hasOutput, false);
});

test('record: the engine-facing names (nextRecord flag, sendPlaintext, setRecordVersion)', () => {
  const l = new RecordLayer();
  l.receive(unhex('140303000101' + '1503030002012f'));
  assert.deepEqual(l.nextRecord(true)?.type, 21);
  l.receive(unhex('140303000101'));
  assert.equal(l.nextRecord(false)?.type, 20);
  l.setRecordVersion(0x0303);
  l.sendPlaintext(20, unhex('01'));
  l.sendPlaintext(21, unhex('0100'), 0x0301);
  assert.equal(tohex(l.takeOutput() ?? new Uint8Array(0)), '140303000101' + '15030100020100');
  // queued handshake data keeps the version in force when it was sent
  const c = new RecordLayer();
  c.setRecordVersion(0x0301);
  c.send(22, unhex('0e000000'));
  c.setRecordVersion(0x0303);
  c.send(22, unhex('0e000000'));
  assert.equal(tohex(c.takeOutput() ?? new Uint8Array(0)), '16030100040e000000' + '16030300040e000000');
});
