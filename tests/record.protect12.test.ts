import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { exporter12, extendedMasterSecret12, finishedVerifyData12, masterSecret12, prf12 } from '../src/keys/prf12.js';
import { allSuites12, keyBlockSizes12, suite12, type Suite12 } from '../src/keys/suites12.js';
import { RecordDeframer, type TlsRecord } from '../src/record/deframer.js';
import { RecordProtector12Cbc, recordProtector12 } from '../src/record/protect12.js';
import { TlsError } from '../src/errors.js';
import { AlertDescription, CipherSuite } from '../src/wire/iana.js';
import { tohex, unhex } from './vectors/rfc8448.js';

const p = nodeCryptoProvider();

function parse(bytes: Uint8Array): TlsRecord {
  const d = new RecordDeframer();
  d.maxFragmentLength = (1 << 14) + 2048;
  d.push(bytes);
  const r = d.next();
  assert.ok(r);
  return r;
}

const badMac = (e: unknown): boolean => e instanceof TlsError && e.alert === AlertDescription.bad_record_mac && e.message === 'a record failed authentication (bad_record_mac)';

function keysFor(s: Suite12): { key: Uint8Array; iv: Uint8Array; macKey: Uint8Array } {
  const sizes = keyBlockSizes12(s);
  return { key: p.randomBytes(sizes.keyLength), iv: p.randomBytes(sizes.fixedIvLength), macKey: p.randomBytes(sizes.macKeyLength) };
}

test('RFC 5246 §5: the TLS 1.2 PRF with SHA-256 matches the published test vector', () => {
  const out = prf12(p, 'sha256', unhex('9bbe436ba940f017b17652849a71db35'), 'test label', unhex('a0ba9f936cda311827a6f796ffd5198c'), 100);
  assert.equal(
    tohex(out),
    'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
  );
  assert.equal(prf12(p, 'sha384', p.randomBytes(48), 'x', p.randomBytes(10), 0).length, 0);
});

test('RFC 5246 §8.1, RFC 7627 §4, §7.4.9, RFC 5705: derivations use their labels and lengths', () => {
  const pms = p.randomBytes(48);
  const cr = p.randomBytes(32);
  const sr = p.randomBytes(32);
  const ms = masterSecret12(p, 'sha256', pms, cr, sr);
  assert.deepEqual(ms, prf12(p, 'sha256', pms, 'master secret', new Uint8Array([...cr, ...sr]), 48));
  const sessionHash = p.randomBytes(32);
  assert.deepEqual(extendedMasterSecret12(p, 'sha256', pms, sessionHash), prf12(p, 'sha256', pms, 'extended master secret', sessionHash, 48));
  const fin = finishedVerifyData12(p, 'sha384', ms, 'server', p.randomBytes(48));
  assert.equal(fin.length, 12);
  const withEmpty = exporter12(p, 'sha256', ms, cr, sr, 'EXPERIMENTAL x', new Uint8Array(0), 16);
  const without = exporter12(p, 'sha256', ms, cr, sr, 'EXPERIMENTAL x', undefined, 16);
  assert.notDeepEqual(withEmpty, without, 'RFC 5705: no context and an empty context differ');
});

test('RFC 5246 App. C: the TLS 1.2 suite table', () => {
  const s = suite12(CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384);
  assert.ok(s);
  assert.equal(s.prfHash, 'sha384');
  assert.deepEqual(keyBlockSizes12(s), { macKeyLength: 48, keyLength: 32, fixedIvLength: 0 });
  assert.deepEqual(keyBlockSizes12(suite12(0xc02f) ?? s), { macKeyLength: 0, keyLength: 16, fixedIvLength: 4 });
  assert.deepEqual(keyBlockSizes12(suite12(0xcca8) ?? s), { macKeyLength: 0, keyLength: 32, fixedIvLength: 12 });
  assert.equal(suite12(0x002f)?.forwardSecret, false);
  assert.equal(suite12(0x002f)?.prfHash, 'sha256');
  assert.equal(suite12(0x1301), undefined);
  assert.equal(allSuites12().length, 32);
  assert.ok(allSuites12().every((x) => x.name.startsWith('TLS_')));
  // RFC 4279 / RFC 5487 / RFC 5489: the PSK suites; plain PSK is not forward secret.
  assert.equal(allSuites12().filter((x) => x.psk).length, 12);
  assert.equal(suite12(CipherSuite.TLS_PSK_WITH_AES_256_CBC_SHA384)?.prfHash, 'sha384');
  assert.equal(suite12(CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256)?.forwardSecret, false);
  assert.equal(suite12(CipherSuite.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256)?.forwardSecret, true);
});

for (const s of allSuites12().filter((x, i, all) => all.findIndex((y) => JSON.stringify(y.cipher) === JSON.stringify(x.cipher)) === i)) {
  for (const etm of s.cipher.kind === 'cbc' ? [false, true] : [false]) {
    test(`RFC 5246 §6.2.3: ${s.name}${s.cipher.kind === 'cbc' ? (etm ? ' encrypt-then-MAC' : ' MAC-then-encrypt') : ''} round trip, tamper, replay`, () => {
      const keys = keysFor(s);
      const w = recordProtector12(p, s.cipher, keys, etm);
      const r = recordProtector12(p, s.cipher, keys, etm);
      for (const len of [0, 1, 15, 16, 31, 255, 256, 1 << 14]) {
        const data = p.randomBytes(len);
        const rec = w.seal(23, data);
        assert.equal(tohex(rec.subarray(0, 3)), '170303');
        const out = r.open(parse(rec));
        assert.equal(out.type, 23);
        assert.deepEqual(out.content, data, `length ${len}`);
      }
      const rec = w.seal(22, p.randomBytes(40));
      for (const i of [0, 2, 5, 12, rec.length - 17, rec.length - 1]) {
        const t = rec.slice();
        t[i] = (t[i] as number) ^ 0x01;
        assert.throws(() => r.open(parse(t)), badMac, `byte ${i}`);
      }
      r.open(parse(rec));
      assert.throws(() => r.open(parse(rec)), badMac, 'replay');
      assert.throws(() => r.open(parse(unhex('1703030010' + '00'.repeat(16)))), badMac, 'short');
    });
  }
}

test('RFC 5246 §6.2.3.2: bad padding and a bad MAC fail the same way (MAC-then-encrypt)', () => {
  const s = suite12(CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA);
  assert.ok(s);
  const cipher = s.cipher;
  assert.ok(cipher.kind === 'cbc');
  const keys = keysFor(s);
  const cbc = p.cbc(cipher.cbc, keys.key);
  const content = unhex('68656c6c6f');
  const macOf = (type: number, data: Uint8Array): Uint8Array => {
    const pseudo = new Uint8Array(13);
    pseudo.set([type, 3, 3, data.length >> 8, data.length & 0xff], 8);
    return p.hmac('sha1', keys.macKey, [pseudo, data]);
  };
  const build = (plain: Uint8Array): Uint8Array => {
    const iv = p.randomBytes(16);
    const ct = cbc.encrypt(iv, plain);
    const rec = new Uint8Array(5 + 16 + ct.length);
    rec.set([23, 3, 3, (16 + ct.length) >> 8, (16 + ct.length) & 0xff]);
    rec.set(iv, 5);
    rec.set(ct, 21);
    return rec;
  };
  // content(5) ‖ MAC(20) ‖ padding: 5 + 20 + 7 = 32
  const good = new Uint8Array(32);
  good.set(content);
  good.set(macOf(23, content), 5);
  good.fill(6, 25);
  const okR = new RecordProtector12Cbc(p, cipher, keys.key, keys.macKey, false);
  assert.deepEqual(okR.open(parse(build(good))).content, content);

  const badPad = good.slice();
  badPad[26] = 5;
  assert.throws(() => new RecordProtector12Cbc(p, cipher, keys.key, keys.macKey, false).open(parse(build(badPad))), badMac);
  const badMacRec = good.slice();
  badMacRec[7] = (badMacRec[7] as number) ^ 1;
  assert.throws(() => new RecordProtector12Cbc(p, cipher, keys.key, keys.macKey, false).open(parse(build(badMacRec))), badMac);
  const hugePad = good.slice();
  hugePad[31] = 200; // padding longer than the record
  assert.throws(() => new RecordProtector12Cbc(p, cipher, keys.key, keys.macKey, false).open(parse(build(hugePad))), badMac);
  // a longer (legal) padding with a valid MAC is accepted: 5 + 20 + 23 = 48
  const longPad = new Uint8Array(48);
  longPad.set(content);
  longPad.set(macOf(23, content), 5);
  longPad.fill(22, 25);
  assert.deepEqual(new RecordProtector12Cbc(p, cipher, keys.key, keys.macKey, false).open(parse(build(longPad))).content, content);
});

test('RFC 5288 §3: the GCM explicit nonce is the sequence number; plaintext over 2^14 is record_overflow', () => {
  const s = suite12(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
  assert.ok(s);
  const keys = keysFor(s);
  const w = recordProtector12(p, s.cipher, keys);
  w.seal(23, unhex('00'));
  const second = w.seal(23, unhex('00'));
  assert.equal(tohex(second.subarray(5, 13)), '0000000000000001');
  const r = recordProtector12(p, s.cipher, keys);
  const big = { type: 23, version: 0x0303, header: unhex('1703034019'), fragment: new Uint8Array((1 << 14) + 25) };
  assert.throws(() => r.open(big), (e: unknown) => e instanceof TlsError && e.alert === AlertDescription.record_overflow);
});
