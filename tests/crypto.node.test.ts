import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { nodeCryptoProvider, x25519FromPrivate, keyExchangeFromPrivate } from '../src/crypto/node.js';
import type { AeadAlgorithm, PrivateKey, SignatureAlgorithm } from '../src/crypto/provider.js';
import { TlsError } from '../src/errors.js';
import { AlertDescription, NamedGroup } from '../src/wire/iana.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const p = nodeCryptoProvider();

function isAlert(alert: number): (e: unknown) => boolean {
  return (e: unknown) => e instanceof TlsError && e.alert === alert;
}

test('crypto: hash contexts snapshot with copy() and digest() does not consume', () => {
  const h = p.hash('sha256');
  h.update(new TextEncoder().encode('ab'));
  const snap = h.copy();
  assert.equal(toHex(h.digest()), toHex(p.digest('sha256', new TextEncoder().encode('ab'))));
  h.update(new TextEncoder().encode('c'));
  // FIPS 180-2 "abc"
  assert.equal(toHex(h.digest()), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(toHex(h.digest()), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(toHex(snap.digest()), toHex(p.digest('sha256', new TextEncoder().encode('ab'))));
  assert.equal(h.outputLength, 32);
  assert.equal(p.hashLength('sha384'), 48);
  assert.equal(p.digest('md5-sha1', new Uint8Array(0)).length, 36);
});

test('crypto: hmac over one part equals hmac over several parts (RFC 4231 TC2)', () => {
  const key = new TextEncoder().encode('Jefe');
  const data = new TextEncoder().encode('what do ya want for nothing?');
  const one = p.hmac('sha256', key, data);
  assert.equal(toHex(one), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  const parts = p.hmac('sha256', key, [data.subarray(0, 5), data.subarray(5, 9), data.subarray(9)]);
  assert.equal(toHex(parts), toHex(one));
});

const aeads: readonly AeadAlgorithm[] = ['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305'];
for (const alg of aeads) {
  test(`crypto: ${alg} seals into a buffer, opens, and returns null on tampering`, () => {
    const a = p.aead(alg, p.randomBytes(alg === 'aes-128-gcm' ? 16 : 32));
    const nonce = p.randomBytes(12);
    const aad = hex('1703030020');
    const pt = new TextEncoder().encode('hello, record layer');
    const out = new Uint8Array(5 + pt.length + 16 + 3);
    const n = a.sealInto(nonce, aad, pt, out, 5);
    assert.equal(n, pt.length + 16);
    const ct = out.subarray(5, 5 + n);
    assert.deepEqual(a.open(nonce, aad, ct), pt);
    for (const i of [0, pt.length, n - 1]) {
      const bad = ct.slice();
      bad[i] = (bad[i] as number) ^ 1;
      assert.equal(a.open(nonce, aad, bad), null);
    }
    assert.equal(a.open(nonce, hex('1703030021'), ct), null);
    assert.equal(a.open(p.randomBytes(12), aad, ct), null);
    assert.equal(a.open(nonce, aad, ct.subarray(0, 15)), null);
    // empty plaintext
    const out2 = new Uint8Array(16);
    assert.equal(a.sealInto(nonce, aad, new Uint8Array(0), out2, 0), 16);
    assert.equal(a.open(nonce, aad, out2)?.length, 0);
    assert.throws(() => a.sealInto(nonce, aad, pt, new Uint8Array(pt.length + 15), 0));
  });
}

test('crypto: AES-128-GCM matches the GCM spec test case 4 (McGrew-Viega)', () => {
  const a = p.aead('aes-128-gcm', hex('feffe9928665731c6d6a8f9467308308'));
  const pt = hex(
    'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
  );
  const out = new Uint8Array(pt.length + 16);
  a.sealInto(hex('cafebabefacedbaddecaf888'), hex('feedfacedeadbeeffeedfacedeadbeefabaddad2'), pt, out, 0);
  assert.equal(
    toHex(out),
    '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091' +
      '5bc94fbc3221a5db94fae95ae7121a47',
  );
});

test('crypto: AES-CBC without padding round-trips whole blocks (FIPS 197 C.1 via CBC with zero IV)', () => {
  const c = p.cbc('aes-128-cbc', hex('000102030405060708090a0b0c0d0e0f'));
  const ct = c.encrypt(new Uint8Array(16), hex('00112233445566778899aabbccddeeff'));
  assert.equal(toHex(ct), '69c4e0d86a7b0430d8cdb78070b4c55a');
  assert.equal(toHex(c.decrypt(new Uint8Array(16), ct)), '00112233445566778899aabbccddeeff');
  const c256 = p.cbc('aes-256-cbc', p.randomBytes(32));
  const iv = p.randomBytes(16);
  const data = p.randomBytes(48);
  assert.deepEqual(c256.decrypt(iv, c256.encrypt(iv, data)), data);
  assert.throws(() => c256.encrypt(iv, new Uint8Array(17)));
});

test('crypto: primitives of password-protected files: PBKDF2 (RFC 6070), AES-192 (FIPS 197 C.2), 3DES (SP 800-67), SHA-224', () => {
  const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
  assert.equal(toHex(p.pbkdf2('sha1', utf8('password'), utf8('salt'), 2, 20)), 'ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957');
  assert.equal(toHex(p.pbkdf2('sha1', utf8('password'), utf8('salt'), 4096, 20)), '4b007901b765489abead49d926f721d065a429c1');
  const aes192 = p.cbc('aes-192-cbc', hex('000102030405060708090a0b0c0d0e0f1011121314151617'));
  assert.equal(toHex(aes192.encrypt(new Uint8Array(16), hex('00112233445566778899aabbccddeeff'))), 'dda97ca4864cdfe06eaf70a0ec0d7191');
  // SP 800-67 Rev. 1 Appendix B: three-key TDEA, first block ("The qufc"); CBC with a zero IV is ECB on one block.
  const tdea = p.cbc('des-ede3-cbc', hex('0123456789abcdef 23456789abcdef01 456789abcdef0123'));
  assert.equal(toHex(tdea.decrypt(new Uint8Array(8), hex('a826fd8ce53b855f'))), toHex(utf8('The qufc')));
  assert.throws(() => tdea.decrypt(new Uint8Array(16), hex('a826fd8ce53b855f')), /8-byte IV/);
  assert.equal(toHex(p.digest('sha224', utf8('abc'))), '23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7');
});

test('crypto: samePublicKey tells the public half of a private key from another key', () => {
  const a = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const b = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const priv = p.importPrivateKey(new Uint8Array(a.privateKey.export({ type: 'pkcs8', format: 'der' })));
  const spki = (k: typeof a.publicKey): Uint8Array => new Uint8Array(k.export({ type: 'spki', format: 'der' }));
  assert.equal(p.samePublicKey(p.importSpki(spki(a.publicKey)), priv.publicKey), true);
  assert.equal(p.samePublicKey(p.importSpki(spki(b.publicKey)), priv.publicKey), false);
});

test('RFC 7748 §6.1: X25519 key exchange from given scalars', () => {
  const alice = x25519FromPrivate(hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'));
  const bob = x25519FromPrivate(hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'));
  assert.equal(toHex(alice.publicKey), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
  assert.equal(toHex(bob.publicKey), 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
  const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
  assert.equal(toHex(alice.deriveSecret(bob.publicKey)), shared);
  assert.equal(toHex(bob.deriveSecret(alice.publicKey)), shared);
  assert.equal(alice.group, NamedGroup.x25519);
});

test('RFC 8446 §4.2.8.2: X25519 and X448 agree and reject bad shares with illegal_parameter', () => {
  for (const [group, size] of [
    [NamedGroup.x25519, 32],
    [NamedGroup.x448, 56],
  ] as const) {
    const a = p.keyExchange(group);
    const b = p.keyExchange(group);
    assert.equal(a.publicKey.length, size);
    assert.deepEqual(a.deriveSecret(b.publicKey), b.deriveSecret(a.publicKey));
    assert.throws(() => a.deriveSecret(b.publicKey.subarray(1)), isAlert(AlertDescription.illegal_parameter));
    assert.throws(() => a.deriveSecret(new Uint8Array(size + 1)), isAlert(AlertDescription.illegal_parameter));
    // RFC 8446 §7.4.2: the all-zero point gives an all-zero shared secret.
    assert.throws(() => a.deriveSecret(new Uint8Array(size)), isAlert(AlertDescription.illegal_parameter));
  }
});

test('RFC 8446 §4.2.8.2: NIST curves agree and reject compressed, short and off-curve shares', () => {
  for (const [group, len, secretLen] of [
    [NamedGroup.secp256r1, 65, 32],
    [NamedGroup.secp384r1, 97, 48],
    [NamedGroup.secp521r1, 133, 66],
  ] as const) {
    const a = p.keyExchange(group);
    const b = p.keyExchange(group);
    assert.equal(a.publicKey.length, len);
    assert.equal(a.publicKey[0], 4);
    const s = a.deriveSecret(b.publicKey);
    assert.equal(s.length, secretLen);
    assert.deepEqual(s, b.deriveSecret(a.publicKey));
    const ill = isAlert(AlertDescription.illegal_parameter);
    assert.throws(() => a.deriveSecret(b.publicKey.subarray(0, len - 1)), ill);
    const compressed = new Uint8Array(1 + (len - 1) / 2);
    compressed.set(b.publicKey.subarray(0, compressed.length));
    compressed[0] = 2 + ((b.publicKey[len - 1] as number) & 1);
    assert.throws(() => a.deriveSecret(compressed), ill);
    const wrongPrefix = b.publicKey.slice();
    wrongPrefix[0] = 6;
    assert.throws(() => a.deriveSecret(wrongPrefix), ill);
    const offCurve = b.publicKey.slice();
    offCurve[len - 1] = (offCurve[len - 1] as number) ^ 1;
    assert.throws(() => a.deriveSecret(offCurve), ill);
  }
  assert.deepEqual(p.supportedGroups().slice(0, 3), [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1]);
  assert.throws(() => p.keyExchange(0x9999), TlsError);
});

test('crypto: keyExchangeFromPrivate reproduces a P-256 public key', () => {
  const a = p.keyExchange(NamedGroup.secp256r1);
  const priv = p.randomBytes(32);
  priv[0] = 0x10; // comfortably below n
  const k1 = keyExchangeFromPrivate(NamedGroup.secp256r1, priv);
  const k2 = keyExchangeFromPrivate(NamedGroup.secp256r1, priv);
  assert.deepEqual(k1.publicKey, k2.publicKey);
  assert.deepEqual(k1.deriveSecret(a.publicKey), a.deriveSecret(k2.publicKey));
});

interface KeyCase {
  readonly name: string;
  readonly key: PrivateKey;
  readonly algs: readonly SignatureAlgorithm[];
}

function keyCases(): KeyCase[] {
  const pem = (kp: { privateKey: { export(o: { format: 'pem'; type: 'pkcs8' }): string | Buffer } }): string =>
    String(kp.privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaPssPem = generateKeyPairSync('rsa-pss', {
    modulusLength: 2048,
    hashAlgorithm: 'sha256',
    mgf1HashAlgorithm: 'sha256',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  }).privateKey;
  const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  const ed = generateKeyPairSync('ed25519');
  const ed448 = generateKeyPairSync('ed448');
  const rsaDer = new Uint8Array(rsa.privateKey.export({ format: 'der', type: 'pkcs8' }));
  return [
    {
      name: 'rsa (PEM PKCS#8)',
      key: p.importPrivateKey(pem(rsa)),
      algs: [
        { kind: 'rsa-pkcs1', hash: 'sha256' },
        { kind: 'rsa-pkcs1', hash: 'sha1' },
        { kind: 'rsa-pkcs1', hash: 'md5-sha1' },
        { kind: 'rsa-pss', hash: 'sha256', saltLength: 32 },
        { kind: 'rsa-pss', hash: 'sha384', saltLength: 48 },
        { kind: 'rsa-pss', hash: 'sha512', saltLength: 64 },
      ],
    },
    { name: 'rsa (DER PKCS#8)', key: p.importPrivateKey(rsaDer), algs: [{ kind: 'rsa-pkcs1', hash: 'sha384' }] },
    {
      name: 'rsa (PEM PKCS#1)',
      key: p.importPrivateKey(String(rsa.privateKey.export({ format: 'pem', type: 'pkcs1' }))),
      algs: [{ kind: 'rsa-pkcs1', hash: 'sha512' }],
    },
    { name: 'rsa-pss', key: p.importPrivateKey(rsaPssPem), algs: [{ kind: 'rsa-pss', hash: 'sha256', saltLength: 32 }] },
    { name: 'P-256', key: p.importPrivateKey(pem(p256)), algs: [{ kind: 'ecdsa', hash: 'sha256' }] },
    {
      name: 'P-384 (SEC1)',
      key: p.importPrivateKey(String(p384.privateKey.export({ format: 'pem', type: 'sec1' }))),
      algs: [{ kind: 'ecdsa', hash: 'sha384' }],
    },
    { name: 'ed25519', key: p.importPrivateKey(pem(ed)), algs: [{ kind: 'ed25519' }] },
    { name: 'ed448', key: p.importPrivateKey(pem(ed448)), algs: [{ kind: 'ed448' }] },
  ];
}

test('crypto: sign/verify for every signature kind; verify is false on any mismatch', () => {
  const data = new TextEncoder().encode('TLS 1.3, server CertificateVerify');
  const cases = keyCases();
  for (const c of cases) {
    for (const alg of c.algs) {
      const sig = p.sign(alg, c.key, data);
      const spki = (c.key.publicKey.handle as { export(o: { format: 'der'; type: 'spki' }): Buffer }).export({ format: 'der', type: 'spki' });
      const pub = p.importSpki(new Uint8Array(spki));
      assert.equal(pub.type, c.key.type, c.name);
      assert.equal(p.verify(alg, pub, data, sig), true, `${c.name} ${JSON.stringify(alg)}`);
      assert.equal(p.verify(alg, c.key.publicKey, data, sig), true);
      const bad = sig.slice();
      bad[bad.length >> 1] = (bad[bad.length >> 1] as number) ^ 0x40;
      assert.equal(p.verify(alg, pub, data, bad), false, `${c.name} tampered`);
      assert.equal(p.verify(alg, pub, data.subarray(1), sig), false);
      assert.equal(p.verify(alg, pub, data, new Uint8Array(0)), false);
      assert.equal(p.verify(alg, pub, data, sig.subarray(0, sig.length - 1)), false);
      if (alg.kind === 'rsa-pss' && c.key.type === 'rsa') {
        assert.equal(p.verify({ ...alg, saltLength: alg.saltLength === 32 ? 20 : 32 }, pub, data, sig), false, 'wrong salt length');
      }
      // the key of another case never verifies
      for (const other of cases) {
        if (other.key.type === c.key.type && other.key.curve === c.key.curve) continue;
        assert.equal(p.verify(alg, other.key.publicKey, data, sig), false, `${c.name} sig under ${other.name}`);
      }
    }
  }
  const ec = cases.find((c) => c.name === 'P-256');
  assert.equal(ec?.key.curve, 'P-256');
  assert.equal(ec?.key.bits, 256);
  const rsa = cases[0];
  assert.equal(rsa?.key.bits, 2048);
  // ecdsa signatures are DER (SEQUENCE)
  if (ec !== undefined) assert.equal(p.sign({ kind: 'ecdsa', hash: 'sha256' }, ec.key, data)[0], 0x30);
  if (rsa !== undefined) assert.throws(() => p.sign({ kind: 'ecdsa', hash: 'sha256' }, rsa.key, data), TlsError);
});

test('crypto: importSpki rejects garbage with bad_certificate; importPrivateKey rejects garbage', () => {
  assert.throws(() => p.importSpki(hex('3003020100')), isAlert(AlertDescription.bad_certificate));
  assert.throws(() => p.importPrivateKey('not a key'), TlsError);
  assert.throws(() => p.importPrivateKey(new Uint8Array([1, 2, 3])), TlsError);
});

test('RFC 5246 §7.4.7.1: raw RSA decryption of a PKCS#1 ciphertext gives 00 02 PS 00 premaster', () => {
  const kp = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const priv = p.importPrivateKey(String(kp.privateKey.export({ format: 'pem', type: 'pkcs8' })));
  const pms = p.randomBytes(48);
  pms[0] = 3;
  pms[1] = 3;
  const ct = p.rsaEncryptPkcs1(priv.publicKey, pms);
  assert.equal(ct.length, 256);
  const em = p.rsaDecryptRaw(priv, ct);
  assert.ok(em !== null);
  assert.equal(em.length, 256);
  assert.equal(em[0], 0);
  assert.equal(em[1], 2);
  for (let i = 2; i < 256 - 49; i++) assert.notEqual(em[i], 0, `PS byte ${i}`);
  assert.equal(em[256 - 49], 0);
  assert.deepEqual(em.subarray(256 - 48), pms);
  // wrong lengths and ct >= n give null
  assert.equal(p.rsaDecryptRaw(priv, ct.subarray(1)), null);
  assert.equal(p.rsaDecryptRaw(priv, new Uint8Array(257)), null);
  assert.equal(p.rsaDecryptRaw(priv, new Uint8Array(256).fill(0xff)), null);
  // a random ciphertext below n decrypts to something (the caller's unpadding rejects it)
  const r = p.randomBytes(256);
  r[0] = 0;
  assert.equal(p.rsaDecryptRaw(priv, r)?.length, 256);
});

test('crypto: timingSafeEqual', () => {
  assert.equal(p.timingSafeEqual(hex('0102'), hex('0102')), true);
  assert.equal(p.timingSafeEqual(hex('0102'), hex('0103')), false);
  assert.equal(p.timingSafeEqual(hex('0102'), hex('010203')), false);
  assert.equal(p.timingSafeEqual(new Uint8Array(0), new Uint8Array(0)), true);
  assert.equal(p.randomBytes(7).length, 7);
});

test('RFC 5280 §4.1.2.7: importSpki (JWK fast path and DER fallback) gives the same key as node for every key type', () => {
  const pairs = [
    ['rsa', generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['rsa e=3', generateKeyPairSync('rsa', { modulusLength: 1024, publicExponent: 3 })],
    ['rsa-pss', generateKeyPairSync('rsa-pss', { modulusLength: 2048 })],
    ['P-256', generateKeyPairSync('ec', { namedCurve: 'prime256v1' })],
    ['P-384', generateKeyPairSync('ec', { namedCurve: 'secp384r1' })],
    ['P-521', generateKeyPairSync('ec', { namedCurve: 'secp521r1' })],
    ['ed25519', generateKeyPairSync('ed25519')],
    ['ed448', generateKeyPairSync('ed448')],
  ] as const;
  for (const [name, kp] of pairs) {
    const der = new Uint8Array(kp.publicKey.export({ format: 'der', type: 'spki' }));
    const pub = p.importSpki(der);
    const handle = pub.handle as { equals(o: unknown): boolean; asymmetricKeyType?: string };
    assert.ok(handle.equals(kp.publicKey), name);
    assert.equal(pub.type, kp.publicKey.asymmetricKeyType, name);
  }
  const p384 = p.importSpki(new Uint8Array(pairs[4][1].publicKey.export({ format: 'der', type: 'spki' })));
  assert.equal(p384.curve, 'P-384');
  assert.equal(p384.bits, 384);
  // an off-curve EC point is refused by both paths
  const der = new Uint8Array(pairs[3][1].publicKey.export({ format: 'der', type: 'spki' }));
  der[der.length - 1] = (der[der.length - 1] as number) ^ 1;
  assert.throws(() => p.importSpki(der), isAlert(AlertDescription.bad_certificate));
  // trailing garbage is refused
  const rsaDer = new Uint8Array(pairs[0][1].publicKey.export({ format: 'der', type: 'spki' }));
  const trailing = new Uint8Array(rsaDer.length + 1);
  trailing.set(rsaDer);
  assert.throws(() => p.importSpki(trailing), isAlert(AlertDescription.bad_certificate));
});

test('crypto: injected randomness makes key shares reproducible (RFC 8448 client key share)', () => {
  const scalar = hex('49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005');
  const seeded = nodeCryptoProvider({ random: (n) => scalar.slice(0, n) });
  assert.equal(toHex(seeded.keyExchange(NamedGroup.x25519).publicKey), '99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c');
  assert.deepEqual(seeded.randomBytes(4), scalar.slice(0, 4));
  for (const g of [NamedGroup.secp256r1, NamedGroup.secp384r1, NamedGroup.secp521r1]) {
    const a = seeded.keyExchange(g);
    const b = seeded.keyExchange(g);
    assert.deepEqual(a.publicKey, b.publicKey);
    assert.deepEqual(a.deriveSecret(p.keyExchange(g).publicKey).length > 0, true);
  }
  let calls = 0;
  const zeroFirst = nodeCryptoProvider({ random: (n) => (calls++ === 0 ? new Uint8Array(n) : new Uint8Array(n).fill(7)) });
  assert.equal(zeroFirst.keyExchange(NamedGroup.secp256r1).publicKey.length, 65);
  assert.equal(calls, 2, 'a zero scalar is redrawn');
});

test('crypto: randomBytes from the pool: right sizes, fresh buffers, no repeats across refills; the default provider is shared', () => {
  assert.equal(nodeCryptoProvider(), p, 'providers without options are one object');
  assert.notEqual(nodeCryptoProvider({ random: (n) => new Uint8Array(n) }), p);
  assert.equal(p.randomBytes(0).length, 0);
  assert.equal(p.randomBytes(1000).length, 1000, 'large draws bypass the pool');
  assert.throws(() => p.randomBytes(-1));
  const seen = new Set<string>();
  // 600 draws of 32 bytes cross the 4 KiB pool several times.
  for (let i = 0; i < 600; i++) {
    const r = p.randomBytes(32);
    assert.equal(r.length, 32);
    assert.equal(r.byteOffset, 0, 'each draw is its own buffer, not a view of the pool');
    assert.equal(r.buffer.byteLength, 32);
    const k = toHex(r);
    assert.ok(!seen.has(k), 'no draw repeats');
    seen.add(k);
  }
  const a = p.randomBytes(16);
  const copy = toHex(a);
  p.randomBytes(16);
  assert.equal(toHex(a), copy, 'later draws do not change an earlier one');
});
