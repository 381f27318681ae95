import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { suite13, trafficKeys, type Suite13 } from '../src/keys/schedule13.js';
import { RecordDeframer, type TlsRecord } from '../src/record/deframer.js';
import { RecordProtector13, SequenceNumber } from '../src/record/protect13.js';
import { TlsError } from '../src/errors.js';
import { AlertDescription } from '../src/wire/iana.js';
import * as V from './vectors/rfc8448.js';

const { unhex, tohex } = V;
const p = nodeCryptoProvider();

function suite(code: number): Suite13 {
  const s = suite13(code);
  assert.ok(s);
  return s;
}

function isAlert(alert: number): (e: unknown) => boolean {
  return (e: unknown) => e instanceof TlsError && e.alert === alert;
}

function parse(bytes: Uint8Array): TlsRecord {
  const d = new RecordDeframer();
  d.push(bytes);
  const r = d.next();
  assert.ok(r);
  assert.equal(d.next(), null);
  return r;
}

function pair(s: Suite13): [RecordProtector13, RecordProtector13] {
  const secret = p.randomBytes(s.hashLength);
  return [new RecordProtector13(p, s, secret), new RecordProtector13(p, s, secret)];
}

test('RFC 8448 §3: the server handshake record decrypts to EncryptedExtensions..Finished', () => {
  const r = new RecordProtector13(p, suite(0x1301), unhex(V.S3_SERVER_HS_TRAFFIC));
  const { type, content } = r.open(parse(unhex(V.S3_SERVER_HANDSHAKE_RECORD)));
  assert.equal(type, 22);
  assert.equal(
    tohex(content),
    V.S3_ENCRYPTED_EXTENSIONS + V.S3_CERTIFICATE + V.S3_CERTIFICATE_VERIFY + V.S3_SERVER_FINISHED,
  );
  assert.equal(r.seq.value, 1);
});

test('RFC 8448 §3: sealing the server flight and the client Finished is byte-exact', () => {
  const s = suite(0x1301);
  const server = new RecordProtector13(p, s, unhex(V.S3_SERVER_HS_TRAFFIC));
  const flight = unhex(V.S3_ENCRYPTED_EXTENSIONS + V.S3_CERTIFICATE + V.S3_CERTIFICATE_VERIFY + V.S3_SERVER_FINISHED);
  assert.equal(tohex(server.seal(22, flight)), V.S3_SERVER_HANDSHAKE_RECORD);
  const client = new RecordProtector13(p, s, unhex(V.S3_CLIENT_HS_TRAFFIC));
  assert.equal(tohex(client.seal(22, unhex(V.S3_CLIENT_FINISHED))), V.S3_CLIENT_FINISHED_RECORD);
  assert.deepEqual(trafficKeys(p, s, unhex(V.S3_CLIENT_HS_TRAFFIC)).key, unhex(V.S3_CLIENT_HS_KEY));
});

for (const code of [0x1301, 0x1302, 0x1303]) {
  test(`RFC 8446 §5.2: ${suite(code).name} round trip, sequence numbers, padding removed`, () => {
    const [w, r] = pair(suite(code));
    const messages = [new Uint8Array(0), p.randomBytes(1), p.randomBytes(1000), p.randomBytes(1 << 14)];
    for (const m of messages) {
      const rec = w.seal(23, m);
      assert.equal(rec[0], 23);
      assert.equal((rec[1] as number) * 256 + (rec[2] as number), 0x0303);
      assert.equal((rec[3] as number) * 256 + (rec[4] as number), m.length + 1 + 16);
      const out = r.open(parse(rec));
      assert.equal(out.type, 23);
      assert.deepEqual(out.content, m);
    }
    // RFC 8446 §5.4: padding is stripped and the type recovered.
    const padded = w.seal(22, unhex('0102'), 200);
    assert.equal(padded.length, 5 + 2 + 1 + 200 + 16);
    const out = r.open(parse(padded));
    assert.equal(out.type, 22);
    assert.equal(tohex(out.content), '0102');
    // same content twice gives different ciphertexts (the nonce moves with the sequence number)
    const a = w.seal(23, unhex('00'));
    const b = w.seal(23, unhex('00'));
    assert.notDeepEqual(a, b);
    assert.equal(w.seq.value, messages.length + 3);
  });
}

test('RFC 8446 §5.2: tampering with header, ciphertext or tag, or replaying, is bad_record_mac', () => {
  const [w, r] = pair(suite(0x1301));
  const rec = w.seal(23, p.randomBytes(50));
  const bad = isAlert(AlertDescription.bad_record_mac);
  for (const i of [2, 5, 30, rec.length - 1]) {
    const t = rec.slice();
    t[i] = (t[i] as number) ^ 0x80;
    assert.throws(() => r.open(parse(t)), bad, `byte ${i}`);
  }
  assert.equal(r.seq.value, 0, 'failed opens do not advance the sequence number');
  r.open(parse(rec));
  assert.throws(() => r.open(parse(rec)), bad, 'replay');
  // too short to hold tag + type
  const short = unhex('1703030010' + '00'.repeat(16));
  assert.throws(() => r.open(parse(short)), bad);
  // wrong key
  const [, other] = pair(suite(0x1301));
  assert.throws(() => other.open(parse(w.seal(23, unhex('01')))), bad);
});

test('RFC 8446 §5.4: an all-zero inner plaintext is unexpected_message', () => {
  const [w, r] = pair(suite(0x1303));
  const rec = w.seal(0, new Uint8Array(0), 7);
  assert.throws(() => r.open(parse(rec)), isAlert(AlertDescription.unexpected_message));
});

test('RFC 8446 §5: a protected change_cipher_spec or unknown inner type is unexpected_message', () => {
  const [w, r] = pair(suite(0x1301));
  assert.throws(() => r.open(parse(w.seal(20, unhex('01')))), isAlert(AlertDescription.unexpected_message));
  assert.throws(() => r.open(parse(w.seal(99, unhex('01')))), isAlert(AlertDescription.unexpected_message));
});

test('RFC 8446 §5.2: an unprotected record type after protection starts is unexpected_message', () => {
  const [, r] = pair(suite(0x1301));
  assert.throws(() => r.open(parse(unhex('1603030004' + '0e000000'))), isAlert(AlertDescription.unexpected_message));
});

test('RFC 8446 §5.4: an inner plaintext over 2^14 + 1 is record_overflow; a ciphertext over 2^14 + 256 too', () => {
  const s = suite(0x1301);
  const secret = p.randomBytes(32);
  const r = new RecordProtector13(p, s, secret);
  // Build an over-long record by hand with the same key and nonce (seq 0).
  const { key, iv } = trafficKeys(p, s, secret);
  const aead = p.aead(s.aead, key);
  const inner = new Uint8Array((1 << 14) + 2);
  inner[inner.length - 1] = 23;
  const len = inner.length + 16;
  const rec = new Uint8Array(5 + len);
  rec.set([23, 3, 3, len >> 8, len & 0xff]);
  aead.sealInto(iv, rec.subarray(0, 5), inner, rec, 5);
  assert.throws(() => r.open(parse(rec)), isAlert(AlertDescription.record_overflow));
  // the exact limit is fine
  const r2 = new RecordProtector13(p, s, secret);
  const ok = new Uint8Array((1 << 14) + 1);
  ok[ok.length - 1] = 23;
  const len2 = ok.length + 16;
  const rec2 = new Uint8Array(5 + len2);
  rec2.set([23, 3, 3, len2 >> 8, len2 & 0xff]);
  aead.sealInto(iv, rec2.subarray(0, 5), ok, rec2, 5);
  assert.equal(r2.open(parse(rec2)).content.length, 1 << 14);
  // a ciphertext over 2^14 + 256 (handed over without the deframer's own check)
  const big = new Uint8Array((1 << 14) + 257);
  const header = unhex('1703034101');
  assert.throws(() => r.open({ type: 23, version: 0x0303, header, fragment: big }), isAlert(AlertDescription.record_overflow));
  // sealing more than allowed is a bug, not a wire error
  assert.throws(() => new RecordProtector13(p, s, secret).seal(23, new Uint8Array((1 << 14) + 1)), TlsError);
  assert.throws(() => new RecordProtector13(p, s, secret).seal(23, new Uint8Array(1 << 14), 1), TlsError);
});

test('RFC 8446 §5.3: the nonce is iv XOR the 64-bit sequence number, which refuses to wrap', () => {
  const seq = new SequenceNumber();
  const iv = unhex('000102030405060708090a0b');
  const n = new Uint8Array(12);
  seq.nonce(iv, n);
  assert.equal(tohex(n), '000102030405060708090a0b');
  seq.set(0x00000001, 0xffffffff);
  seq.nonce(iv, n);
  assert.equal(tohex(n), '00010203' + '04050606f7f6f5f4');
  seq.increment();
  seq.nonce(iv, n);
  assert.equal(tohex(n), '00010203' + '040506050809' + '0a0b');
  assert.equal(seq.value, 2 * 0x1_0000_0000);

  const [w, r] = pair(suite(0x1301));
  w.seq.set(0xffffffff, 0xfffffffd);
  r.seq.set(0xffffffff, 0xfffffffd);
  assert.equal(r.open(parse(w.seal(23, unhex('aa')))).type, 23);
  assert.equal(r.open(parse(w.seal(23, unhex('bb')))).type, 23);
  assert.throws(() => w.seal(23, unhex('cc')), /sequence number exhausted/);
});

test('RFC 8446 §5.5: a key update falls due before the AEAD usage limit', () => {
  const [w] = pair(suite(0x1301));
  assert.equal(w.keyUpdateDue, false);
  w.seq.set(0, 2 ** 23 - 1);
  assert.equal(w.keyUpdateDue, false);
  w.seal(23, unhex('00'));
  assert.equal(w.keyUpdateDue, true);
  const [c] = pair(suite(0x1303));
  c.seq.set(0, 2 ** 23);
  assert.equal(c.keyUpdateDue, false);
});

test('record layer: sealing skips the zero fill only when the AEAD says it writes its whole output range', async () => {
  const { RecordLayer } = await import('../src/record/layer.js');
  const s = suite(0x1301);
  const secret = new Uint8Array(32).fill(7);
  assert.equal(new RecordProtector13(p, s, secret).fillsOutput, true, "node:crypto's AEAD fills its range");
  // A provider whose AEAD does not say so (a custom one): sealed into zeroed memory, same bytes out.
  const quiet = {
    ...p,
    aead: (alg: Parameters<typeof p.aead>[0], key: Uint8Array) => {
      const inner = p.aead(alg, key);
      return { algorithm: inner.algorithm, keyLength: inner.keyLength, sealInto: inner.sealInto.bind(inner), open: inner.open.bind(inner) };
    },
    hmac: p.hmac.bind(p),
    hashLength: p.hashLength.bind(p),
  };
  const plain = new RecordProtector13(quiet as typeof p, s, secret);
  assert.equal(plain.fillsOutput, false);
  const data = new Uint8Array(40_000).map((_, i) => i & 0xff);
  const outputs = [new RecordProtector13(p, s, secret), plain].map((prot) => {
    const layer = new RecordLayer();
    layer.setWriteProtector(prot);
    layer.send(23, data);
    return layer.takeOutput();
  });
  const [fast, zeroed] = outputs;
  assert.ok(fast && zeroed);
  assert.equal(tohex(fast), tohex(zeroed));
});
