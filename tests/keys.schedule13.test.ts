import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hkdfSync } from 'node:crypto';
import { nodeCryptoProvider, x25519FromPrivate } from '../src/crypto/node.js';
import {
  KeySchedule13,
  deriveSecret,
  exporter13,
  finishedKey,
  finishedVerifyData,
  hkdfExpand,
  hkdfExpandLabel,
  hkdfExtract,
  nextTrafficSecret,
  resumptionPsk,
  suite13,
  trafficKeys,
  type Suite13,
} from '../src/keys/schedule13.js';
import * as V from './vectors/rfc8448.js';

const { unhex, tohex } = V;
const p = nodeCryptoProvider();

function aes128(): Suite13 {
  const s = suite13(0x1301);
  assert.ok(s);
  return s;
}

function th(...hexMessages: string[]): Uint8Array {
  const h = p.hash('sha256');
  for (const m of hexMessages) h.update(unhex(m));
  return h.digest();
}

test('RFC 5869 A.1: HKDF-Extract and HKDF-Expand', () => {
  const prk = hkdfExtract(p, 'sha256', unhex('000102030405060708090a0b0c'), unhex('0b'.repeat(22)));
  assert.equal(tohex(prk), '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5');
  const okm = hkdfExpand(p, 'sha256', prk, unhex('f0f1f2f3f4f5f6f7f8f9'), 42);
  assert.equal(tohex(okm), '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
});

test('RFC 5869: HKDF on HMAC equals node hkdfSync for SHA-256 and SHA-384, several lengths', () => {
  for (const hash of ['sha256', 'sha384'] as const) {
    for (const len of [1, 12, 32, 48, 100, 255]) {
      const salt = p.randomBytes(20);
      const ikm = p.randomBytes(33);
      const info = p.randomBytes(17);
      const ours = hkdfExpand(p, hash, hkdfExtract(p, hash, salt, ikm), info, len);
      assert.deepEqual(ours, new Uint8Array(hkdfSync(hash, ikm, salt, info, len)));
    }
  }
  assert.throws(() => hkdfExpand(p, 'sha256', new Uint8Array(32), new Uint8Array(0), 255 * 32 + 1));
});

test('RFC 8446 §B.4: suite13 parameters', () => {
  assert.deepEqual(
    [0x1301, 0x1302, 0x1303].map((c) => {
      const s = suite13(c);
      return s === undefined ? undefined : [s.name, s.hash, s.hashLength, s.aead, s.keyLength, s.ivLength];
    }),
    [
      ['TLS_AES_128_GCM_SHA256', 'sha256', 32, 'aes-128-gcm', 16, 12],
      ['TLS_AES_256_GCM_SHA384', 'sha384', 48, 'aes-256-gcm', 32, 12],
      ['TLS_CHACHA20_POLY1305_SHA256', 'sha256', 32, 'chacha20-poly1305', 32, 12],
    ],
  );
  assert.equal(suite13(0xc02f), undefined);
  assert.equal(suite13(0x1304), undefined);
});

test('RFC 8448 §3: the vector messages have the lengths the RFC gives', () => {
  assert.equal(unhex(V.S3_CLIENT_HELLO).length, 196);
  assert.equal(unhex(V.S3_SERVER_HELLO).length, 90);
  assert.equal(unhex(V.S3_CERTIFICATE).length, 445);
  assert.equal(unhex(V.S3_CERTIFICATE_VERIFY).length, 136);
  assert.equal(unhex(V.S3_SERVER_HANDSHAKE_RECORD).length, 679);
  assert.equal(unhex(V.S3_CLIENT_FINISHED_RECORD).length, 58);
  assert.equal(unhex(V.S4_CLIENT_HELLO_PREFIX).length + unhex(V.S4_CLIENT_HELLO_BINDERS).length, 0x1fc + 4);
});

test('RFC 7748 / RFC 8448 §3: the X25519 shares and shared secret', () => {
  const c = x25519FromPrivate(unhex(V.S3_CLIENT_X25519_PRIVATE));
  const s = x25519FromPrivate(unhex(V.S3_SERVER_X25519_PRIVATE));
  assert.equal(tohex(c.publicKey), V.S3_CLIENT_X25519_PUBLIC);
  assert.equal(tohex(s.publicKey), V.S3_SERVER_X25519_PUBLIC);
  assert.equal(tohex(c.deriveSecret(s.publicKey)), V.S3_SHARED_SECRET);
  assert.equal(tohex(s.deriveSecret(c.publicKey)), V.S3_SHARED_SECRET);
});

test('RFC 8448 §3: every secret, key, IV and Finished of the simple 1-RTT handshake', () => {
  const s = aes128();
  const ks = new KeySchedule13(p, s);
  assert.equal(tohex(ks.earlySecret), V.S3_EARLY_SECRET);
  assert.equal(tohex(deriveSecret(p, 'sha256', ks.earlySecret, 'derived', p.digest('sha256', new Uint8Array(0)))), V.S3_DERIVED_FOR_HANDSHAKE);
  assert.throws(() => ks.clientHandshakeTrafficSecret(new Uint8Array(32)), /not been computed/);
  assert.throws(() => ks.inputMasterSecret(), /not been computed/);

  ks.inputHandshakeSecret(unhex(V.S3_SHARED_SECRET));
  assert.equal(tohex(ks.handshakeSecret ?? new Uint8Array(0)), V.S3_HANDSHAKE_SECRET);
  const thHello = th(V.S3_CLIENT_HELLO, V.S3_SERVER_HELLO);
  const cHs = ks.clientHandshakeTrafficSecret(thHello);
  const sHs = ks.serverHandshakeTrafficSecret(thHello);
  assert.equal(tohex(cHs), V.S3_CLIENT_HS_TRAFFIC);
  assert.equal(tohex(sHs), V.S3_SERVER_HS_TRAFFIC);
  assert.throws(() => ks.clientHandshakeTrafficSecret(new Uint8Array(48)), /transcript hash/);

  const sKeys = trafficKeys(p, s, sHs);
  const cKeys = trafficKeys(p, s, cHs);
  assert.equal(tohex(sKeys.key), V.S3_SERVER_HS_KEY);
  assert.equal(tohex(sKeys.iv), V.S3_SERVER_HS_IV);
  assert.equal(tohex(cKeys.key), V.S3_CLIENT_HS_KEY);
  assert.equal(tohex(cKeys.iv), V.S3_CLIENT_HS_IV);

  assert.equal(tohex(finishedKey(p, 'sha256', sHs)), V.S3_SERVER_FINISHED_KEY);
  assert.equal(tohex(finishedKey(p, 'sha256', cHs)), V.S3_CLIENT_FINISHED_KEY);
  const thCv = th(V.S3_CLIENT_HELLO, V.S3_SERVER_HELLO, V.S3_ENCRYPTED_EXTENSIONS, V.S3_CERTIFICATE, V.S3_CERTIFICATE_VERIFY);
  const serverVerify = finishedVerifyData(p, 'sha256', sHs, thCv);
  assert.equal(tohex(serverVerify), V.S3_SERVER_VERIFY_DATA);
  assert.equal(V.S3_SERVER_FINISHED, '14000020' + V.S3_SERVER_VERIFY_DATA);

  ks.inputMasterSecret();
  assert.equal(tohex(ks.masterSecret ?? new Uint8Array(0)), V.S3_MASTER_SECRET);
  const thSf = th(V.S3_CLIENT_HELLO, V.S3_SERVER_HELLO, V.S3_ENCRYPTED_EXTENSIONS, V.S3_CERTIFICATE, V.S3_CERTIFICATE_VERIFY, V.S3_SERVER_FINISHED);
  assert.equal(tohex(thSf), V.S3_TRANSCRIPT_THROUGH_SERVER_FINISHED);
  const cAp = ks.clientApplicationTrafficSecret(thSf);
  const sAp = ks.serverApplicationTrafficSecret(thSf);
  assert.equal(tohex(cAp), V.S3_CLIENT_AP_TRAFFIC);
  assert.equal(tohex(sAp), V.S3_SERVER_AP_TRAFFIC);
  assert.equal(tohex(ks.exporterMasterSecret(thSf)), V.S3_EXPORTER_MASTER);
  assert.equal(tohex(trafficKeys(p, s, sAp).key), V.S3_SERVER_AP_KEY);
  assert.equal(tohex(trafficKeys(p, s, sAp).iv), V.S3_SERVER_AP_IV);
  assert.equal(tohex(trafficKeys(p, s, cAp).key), V.S3_CLIENT_AP_KEY);
  assert.equal(tohex(trafficKeys(p, s, cAp).iv), V.S3_CLIENT_AP_IV);

  const clientVerify = finishedVerifyData(p, 'sha256', cHs, thSf);
  assert.equal(tohex(clientVerify), V.S3_CLIENT_VERIFY_DATA);
  assert.equal(V.S3_CLIENT_FINISHED, '14000020' + V.S3_CLIENT_VERIFY_DATA);

  const thCf = th(
    V.S3_CLIENT_HELLO,
    V.S3_SERVER_HELLO,
    V.S3_ENCRYPTED_EXTENSIONS,
    V.S3_CERTIFICATE,
    V.S3_CERTIFICATE_VERIFY,
    V.S3_SERVER_FINISHED,
    V.S3_CLIENT_FINISHED,
  );
  const rms = ks.resumptionMasterSecret(thCf);
  assert.equal(tohex(rms), V.S3_RESUMPTION_MASTER);
  assert.equal(tohex(resumptionPsk(p, 'sha256', rms, unhex(V.S3_TICKET_NONCE))), V.S3_RESUMPTION_PSK);
  assert.throws(() => ks.inputHandshakeSecret(undefined), /already/);
  assert.throws(() => ks.inputMasterSecret(), /already/);
});

test('RFC 8448 §4: resumption PSK, binder key, binder, early and handshake secrets', () => {
  const s = aes128();
  const ks = new KeySchedule13(p, s, unhex(V.S3_RESUMPTION_PSK));
  assert.equal(tohex(ks.earlySecret), V.S4_EARLY_SECRET);
  const binderKey = ks.binderKey(true);
  assert.equal(tohex(binderKey), V.S4_RES_BINDER_KEY);
  assert.notEqual(tohex(ks.binderKey(false)), V.S4_RES_BINDER_KEY);
  assert.equal(tohex(finishedKey(p, 'sha256', binderKey)), V.S4_BINDER_FINISHED_KEY);
  const binderHash = th(V.S4_CLIENT_HELLO_PREFIX);
  assert.equal(tohex(binderHash), V.S4_BINDER_HASH);
  assert.equal(tohex(finishedVerifyData(p, 'sha256', binderKey, binderHash)), V.S4_BINDER);

  const thCh = th(V.S4_CLIENT_HELLO_PREFIX, V.S4_CLIENT_HELLO_BINDERS);
  const cE = ks.clientEarlyTrafficSecret(thCh);
  assert.equal(tohex(cE), V.S4_CLIENT_EARLY_TRAFFIC);
  assert.equal(tohex(ks.earlyExporterMasterSecret(thCh)), V.S4_EARLY_EXPORTER_MASTER);
  assert.equal(tohex(trafficKeys(p, s, cE).key), V.S4_CLIENT_EARLY_KEY);
  assert.equal(tohex(trafficKeys(p, s, cE).iv), V.S4_CLIENT_EARLY_IV);

  const c = x25519FromPrivate(unhex(V.S4_CLIENT_X25519_PRIVATE));
  assert.equal(tohex(c.publicKey), V.S4_CLIENT_X25519_PUBLIC);
  const shared = c.deriveSecret(unhex(V.S4_SERVER_X25519_PUBLIC));
  assert.equal(tohex(shared), V.S4_SHARED_SECRET);
  ks.inputHandshakeSecret(shared);
  assert.equal(tohex(ks.handshakeSecret ?? new Uint8Array(0)), V.S4_HANDSHAKE_SECRET);
  const thSh = th(V.S4_CLIENT_HELLO_PREFIX, V.S4_CLIENT_HELLO_BINDERS, V.S4_SERVER_HELLO);
  const cHs = ks.clientHandshakeTrafficSecret(thSh);
  const sHs = ks.serverHandshakeTrafficSecret(thSh);
  assert.equal(tohex(cHs), V.S4_CLIENT_HS_TRAFFIC);
  assert.equal(tohex(sHs), V.S4_SERVER_HS_TRAFFIC);
  assert.equal(tohex(trafficKeys(p, s, sHs).key), V.S4_SERVER_HS_KEY);
  assert.equal(tohex(trafficKeys(p, s, sHs).iv), V.S4_SERVER_HS_IV);
  assert.equal(tohex(trafficKeys(p, s, cHs).key), V.S4_CLIENT_HS_KEY);
  assert.equal(tohex(trafficKeys(p, s, cHs).iv), V.S4_CLIENT_HS_IV);
  const thEe = th(V.S4_CLIENT_HELLO_PREFIX, V.S4_CLIENT_HELLO_BINDERS, V.S4_SERVER_HELLO, V.S4_ENCRYPTED_EXTENSIONS);
  assert.equal(V.S4_SERVER_FINISHED, '14000020' + tohex(finishedVerifyData(p, 'sha256', sHs, thEe)));

  ks.inputMasterSecret();
  assert.equal(tohex(ks.masterSecret ?? new Uint8Array(0)), V.S4_MASTER_SECRET);
  const thSf = th(V.S4_CLIENT_HELLO_PREFIX, V.S4_CLIENT_HELLO_BINDERS, V.S4_SERVER_HELLO, V.S4_ENCRYPTED_EXTENSIONS, V.S4_SERVER_FINISHED);
  const cAp = ks.clientApplicationTrafficSecret(thSf);
  const sAp = ks.serverApplicationTrafficSecret(thSf);
  assert.equal(tohex(cAp), V.S4_CLIENT_AP_TRAFFIC);
  assert.equal(tohex(sAp), V.S4_SERVER_AP_TRAFFIC);
  assert.equal(tohex(ks.exporterMasterSecret(thSf)), V.S4_EXPORTER_MASTER);
  assert.equal(tohex(trafficKeys(p, s, sAp).key), V.S4_SERVER_AP_KEY);
  assert.equal(tohex(trafficKeys(p, s, cAp).key), V.S4_CLIENT_AP_KEY);
  assert.equal(tohex(trafficKeys(p, s, cAp).iv), V.S4_CLIENT_AP_IV);

  // RFC 8446 §4.4.4: the client Finished covers EndOfEarlyData.
  const thEoed = th(
    V.S4_CLIENT_HELLO_PREFIX,
    V.S4_CLIENT_HELLO_BINDERS,
    V.S4_SERVER_HELLO,
    V.S4_ENCRYPTED_EXTENSIONS,
    V.S4_SERVER_FINISHED,
    V.S4_END_OF_EARLY_DATA,
  );
  assert.equal(V.S4_CLIENT_FINISHED, '14000020' + tohex(finishedVerifyData(p, 'sha256', cHs, thEoed)));
  const thCf = th(
    V.S4_CLIENT_HELLO_PREFIX,
    V.S4_CLIENT_HELLO_BINDERS,
    V.S4_SERVER_HELLO,
    V.S4_ENCRYPTED_EXTENSIONS,
    V.S4_SERVER_FINISHED,
    V.S4_END_OF_EARLY_DATA,
    V.S4_CLIENT_FINISHED,
  );
  assert.equal(tohex(ks.resumptionMasterSecret(thCf)), V.S4_RESUMPTION_MASTER);
});

test('RFC 8446 §7.1: HKDF-Expand-Label encodes "tls13 " + label and the context (RFC 8448 info bytes)', () => {
  // RFC 8448 §3 "key info (13 octets): 00 10 09 74 6c 73 31 33 20 6b 65 79 00": check by recomputing
  // the expansion with the raw info bytes.
  const secret = unhex(V.S3_SERVER_HS_TRAFFIC);
  const viaRaw = hkdfExpand(p, 'sha256', secret, unhex('001009746c733133206b657900'), 16);
  assert.equal(tohex(viaRaw), V.S3_SERVER_HS_KEY);
  assert.deepEqual(hkdfExpandLabel(p, 'sha256', secret, 'key', new Uint8Array(0), 16), viaRaw);
  assert.throws(() => hkdfExpandLabel(p, 'sha256', secret, 'x'.repeat(250), new Uint8Array(0), 16), /255/);
  assert.throws(() => hkdfExpandLabel(p, 'sha256', secret, 'key', new Uint8Array(256), 16), /255/);
});

test('RFC 8446 §7.2: KeyUpdate chain is "traffic upd" over an empty context', () => {
  const secret = unhex(V.S3_CLIENT_AP_TRAFFIC);
  const next = nextTrafficSecret(p, 'sha256', secret);
  assert.deepEqual(next, hkdfExpandLabel(p, 'sha256', secret, 'traffic upd', new Uint8Array(0), 32));
  assert.notDeepEqual(next, secret);
  assert.equal(nextTrafficSecret(p, 'sha384', p.randomBytes(48)).length, 48);
});

test('RFC 8446 §7.5: exporter = Expand-Label(Derive-Secret(S, label, ""), "exporter", Hash(context), L)', () => {
  const ems = unhex(V.S3_EXPORTER_MASTER);
  const empty = p.digest('sha256', new Uint8Array(0));
  const inner = hkdfExpandLabel(p, 'sha256', ems, 'EXPERIMENTAL label', empty, 32);
  const expected = hkdfExpandLabel(p, 'sha256', inner, 'exporter', p.digest('sha256', unhex('0102')), 20);
  const got = exporter13(p, 'sha256', ems, 'EXPERIMENTAL label', unhex('0102'), 20);
  assert.deepEqual(got, expected);
  assert.equal(got.length, 20);
  assert.notDeepEqual(exporter13(p, 'sha256', ems, 'EXPERIMENTAL label', new Uint8Array(0), 20), got);
});

test('RFC 8446 §7.1: the SHA-384 schedule produces 48-byte secrets and 32-byte keys', () => {
  const s = suite13(0x1302);
  assert.ok(s);
  const ks = new KeySchedule13(p, s);
  assert.equal(ks.earlySecret.length, 48);
  ks.inputHandshakeSecret(p.randomBytes(32));
  const t = p.randomBytes(48);
  const sec = ks.serverHandshakeTrafficSecret(t);
  assert.equal(sec.length, 48);
  const k = trafficKeys(p, s, sec);
  assert.equal(k.key.length, 32);
  assert.equal(k.iv.length, 12);
  assert.equal(finishedVerifyData(p, 'sha384', sec, t).length, 48);
  assert.throws(() => ks.serverHandshakeTrafficSecret(new Uint8Array(32)), /transcript hash/);
});
