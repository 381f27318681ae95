import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { recordProtector12 } from '../src/record/protect12.js';
import { RecordDeframer } from '../src/record/deframer.js';
import { allSuites12, suite12, type Suite12 } from '../src/keys/suites12.js';
import { AlertDescription, ContentType, CipherSuite as CS } from '../src/wire/iana.js';
import { TlsError } from '../src/errors.js';
import type { RecordProtector } from '../src/record/layer.js';

const crypto = nodeCryptoProvider();

function keysFor(s: Suite12) {
  const b = s.cipher;
  const key = crypto.randomBytes(b.keyLength);
  const macKey = crypto.randomBytes(b.kind === 'cbc' ? b.macLength : 0);
  const iv = crypto.randomBytes(b.fixedIvLength);
  return { key, macKey, iv };
}

function pairFor(s: Suite12, etm: boolean): { w: RecordProtector; r: RecordProtector } {
  const k = keysFor(s);
  return { w: recordProtector12(crypto, s.cipher, k, etm), r: recordProtector12(crypto, s.cipher, k, etm) };
}

function parse(rec: Uint8Array) {
  const d = new RecordDeframer();
  d.maxFragmentLength = (1 << 14) + 2048;
  d.push(rec);
  const r = d.next();
  assert.ok(r);
  return r;
}

function failure(f: () => unknown): TlsError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof TlsError);
    return e;
  }
  assert.fail('expected a failure');
}

test('RFC 5246 §6.2.3 (CBC and AEAD, both MAC orders): every TLS 1.2 suite seals and opens records of every size, in sequence', () => {
  for (const s of allSuites12()) {
    for (const etm of s.cipher.kind === 'cbc' ? [false, true] : [false]) {
      const { w, r } = pairFor(s, etm);
      for (const n of [0, 1, 15, 16, 17, 255, 256, 1000, 1 << 14]) {
        const data = crypto.randomBytes(n);
        const rec = w.seal(ContentType.application_data, data);
        const out = r.open(parse(rec));
        assert.equal(out.type, ContentType.application_data);
        assert.deepEqual(out.content, data, `${s.name} etm=${etm} n=${n}`);
      }
    }
  }
});

test('RFC 5246 §6.2.3 / RFC 7366: any flipped bit in a record is bad_record_mac', () => {
  for (const s of allSuites12()) {
    for (const etm of s.cipher.kind === 'cbc' ? [false, true] : [false]) {
      const { w, r } = pairFor(s, etm);
      const rec = w.seal(ContentType.application_data, crypto.randomBytes(100));
      for (const at of [5, 12, 30, rec.length - 20, rec.length - 1]) {
        const bad = rec.slice();
        bad[at] = (bad[at] as number) ^ 0x01;
        const err = failure(() => r.open(parse(bad)));
        assert.equal(err.alert, AlertDescription.bad_record_mac, `${s.name} etm=${etm} at=${at}`);
      }
    }
  }
});

test('RFC 5246 §6.2.3.2 (Lucky13): bad CBC padding and a bad MAC fail the same way (MAC-then-encrypt and EtM)', () => {
  const s = suite12(CS.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA);
  assert.ok(s && s.cipher.kind === 'cbc');
  for (const etm of [false, true]) {
    const k = keysFor(s);
    const mk = (): RecordProtector => recordProtector12(crypto, s.cipher, k, etm);
    // Build records by hand so the padding itself can be wrong under a valid MAC (and vice versa).
    const cbc = crypto.cbc(s.cipher.cbc, k.key);
    const content = new TextEncoder().encode('attack at dawn');
    const seq0 = new Uint8Array(8);
    const hdr = (len: number) => new Uint8Array([...seq0, ContentType.application_data, 3, 3, len >>> 8, len & 0xff]);
    const iv = crypto.randomBytes(16);
    const build = (padBytes: number[], macOk: boolean): Uint8Array => {
      let body: Uint8Array;
      if (etm) {
        const plain = new Uint8Array([...content, ...padBytes]);
        const ct = cbc.encrypt(iv, plain);
        const mac = crypto.hmac('sha1', k.macKey, [hdr(16 + ct.length), iv, ct]);
        if (!macOk) mac[0] = (mac[0] as number) ^ 1;
        body = new Uint8Array([...iv, ...ct, ...mac]);
      } else {
        const mac = crypto.hmac('sha1', k.macKey, [hdr(content.length), content]);
        if (!macOk) mac[0] = (mac[0] as number) ^ 1;
        const plain = new Uint8Array([...content, ...mac, ...padBytes]);
        body = new Uint8Array([...iv, ...cbc.encrypt(iv, plain)]);
      }
      return new Uint8Array([ContentType.application_data, 3, 3, body.length >>> 8, body.length & 0xff, ...body]);
    };
    // content 14 + mac 20 = 34 → 14 bytes of padding (13 value bytes + length byte) for MtE; EtM: 14 → 2.
    const padLen: number = etm ? 1 : 13;
    const goodPad = Array.from({ length: padLen + 1 }, () => padLen);
    assert.deepEqual(mk().open(parse(build(goodPad, true))).content, content);
    const badPad = goodPad.slice();
    badPad[0] = (badPad[0] as number) ^ 0x40;
    const wrongLen = goodPad.map((v, i, a) => (i === a.length - 1 ? v + 1 : v));
    const errors: TlsError[] = [build(goodPad, false), build(badPad, true), build(wrongLen, true), build(badPad, false)].map((rec) => failure(() => mk().open(parse(rec))));
    for (const e of errors) {
      assert.equal(e.alert, AlertDescription.bad_record_mac);
      assert.equal(e.code, errors[0]?.code);
      assert.equal(e.message, errors[0]?.message);
    }
  }
});
