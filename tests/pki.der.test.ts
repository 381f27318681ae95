// The strict DER reader, the certificate parser, PEM bundles and the RFC 9525 name helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { TlsError } from '../src/errors.js';
import { DerReader, decodeOid, decodeTime, Tag } from '../src/pki/der.js';
import { formatIp, parseIp, parseCertificate, parsePemBundle, matchesHostname } from '../src/pki/index.js';
import { dnsMayMatch as dnsMayMatchForTest } from '../src/pki/name-constraints.js';
import { issue } from './helpers/pki-fixtures.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const malformed = (e: unknown): boolean => e instanceof TlsError && e.code === 'ERR_TLS_CERT_MALFORMED';

test('X.690 §10.1: definite, minimal lengths only; no trailing bytes', () => {
  assert.equal(new DerReader(bytes(0x04, 0x01, 0xaa)).element().end, 3);
  assert.throws(() => new DerReader(bytes(0x04, 0x80, 0x00, 0x00)).element(), malformed); // indefinite
  assert.throws(() => new DerReader(bytes(0x04, 0x81, 0x01, 0xaa)).element(), malformed); // long form for 1
  assert.throws(() => new DerReader(bytes(0x04, 0x82, 0x00, 0x81, ...new Array<number>(0x81).fill(0))).element(), malformed);
  assert.throws(() => new DerReader(bytes(0x04, 0x02, 0xaa)).element(), malformed); // past the end
  assert.throws(() => new DerReader(bytes(0x1f, 0x22, 0x00)).element(), malformed); // high tag number
  const r = new DerReader(bytes(0x30, 0x00, 0x00));
  r.sequence('x');
  assert.throws(() => r.done('x'), malformed);
});

test('X.690 §8.3, §8.2, §8.6, §8.19: INTEGER, BOOLEAN, BIT STRING and OID are DER', () => {
  assert.deepEqual([...new DerReader(bytes(0x02, 0x02, 0x00, 0x80)).integer('i')], [0x00, 0x80]);
  assert.throws(() => new DerReader(bytes(0x02, 0x02, 0x00, 0x7f)).integer('i'), malformed);
  assert.throws(() => new DerReader(bytes(0x02, 0x02, 0xff, 0x80)).integer('i'), malformed);
  assert.throws(() => new DerReader(bytes(0x02, 0x00)).integer('i'), malformed);
  assert.equal(new DerReader(bytes(0x01, 0x01, 0xff)).boolean('b'), true);
  assert.throws(() => new DerReader(bytes(0x01, 0x01, 0x01)).boolean('b'), malformed);
  assert.deepEqual(new DerReader(bytes(0x03, 0x02, 0x01, 0x02)).bitString('s').unused, 1);
  assert.throws(() => new DerReader(bytes(0x03, 0x02, 0x01, 0x03)).bitString('s'), malformed); // unused bit set
  assert.throws(() => new DerReader(bytes(0x03, 0x01, 0x01)).bitString('s'), malformed);
  assert.throws(() => new DerReader(bytes(0x03, 0x02, 0x08, 0x00)).bitString('s'), malformed);
  assert.equal(decodeOid(bytes(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b), 'o'), '1.2.840.113549.1.1.11');
  assert.equal(decodeOid(bytes(0x55, 0x1d, 0x13), 'o'), '2.5.29.19');
  assert.throws(() => decodeOid(bytes(0x2a, 0x80, 0x01), 'o'), malformed);
  assert.throws(() => decodeOid(bytes(0x2a, 0x86), 'o'), malformed);
});

test('RFC 5280 §4.1.2.5: UTCTime and GeneralizedTime in their only allowed forms', () => {
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  assert.equal(decodeTime(Tag.UTCTime, enc('491231235959Z'), 't'), Date.UTC(2049, 11, 31, 23, 59, 59));
  assert.equal(decodeTime(Tag.UTCTime, enc('500101000000Z'), 't'), Date.UTC(1950, 0, 1));
  assert.equal(decodeTime(Tag.GeneralizedTime, enc('20500101000000Z'), 't'), Date.UTC(2050, 0, 1));
  for (const [tag, s] of [
    [Tag.UTCTime, '4912312359Z'],
    [Tag.UTCTime, '491231235959+0100'],
    [Tag.GeneralizedTime, '20500101000000.5Z'],
    [Tag.GeneralizedTime, '20500231000000Z'],
    [Tag.GeneralizedTime, '20501301000000Z'],
    [Tag.UTCTime, '49123123595AZ'],
  ] as const) {
    assert.throws(() => decodeTime(tag, enc(s), 't'), malformed, s);
  }
});

test('RFC 5280 §4.1: a generated certificate parses; every truncation and any trailing byte is refused', async () => {
  const root = await issue({ cn: 'Parse Root', ca: true, pathLen: 1 });
  const leaf = await issue({ cn: 'parse.test', issuer: root, dns: ['parse.test'], ips: ['10.0.0.1'], eku: ['1.3.6.1.5.5.7.3.1'] });
  const c = parseCertificate(leaf.der);
  const node = new X509Certificate(leaf.der);
  assert.equal(c.version, 3);
  assert.equal(c.subjectText, 'CN=parse.test');
  assert.equal(c.issuerText, 'CN=Parse Root');
  assert.equal(c.notAfter, Date.parse(node.validTo));
  assert.deepEqual(c.extKeyUsageOids, ['1.3.6.1.5.5.7.3.1']);
  assert.deepEqual(
    c.extensions.subjectAltName?.names.map((n) => (n.kind === 'ip' ? formatIp(n.value) : n.kind === 'dns' ? n.value : '?')),
    ['parse.test', '10.0.0.1'],
  );
  const r = parseCertificate(root.der);
  assert.deepEqual(r.extensions.basicConstraints, { ca: true, pathLen: 1, critical: true });
  assert.ok(r.selfIssued);
  for (let n = 0; n < leaf.der.length; n += 7) assert.throws(() => parseCertificate(leaf.der.subarray(0, n)), malformed);
  assert.throws(() => parseCertificate(Uint8Array.from([...leaf.der, 0])), malformed);
});

test('RFC 7468: PEM bundles with text around the blocks; bad base64 refused', async () => {
  const a = await issue({ cn: 'A', ca: true });
  const b = await issue({ cn: 'B', ca: true });
  const bundle = `subject=A\n${a.pem}\nsome text\r\n${b.pem.replace(/\n/g, '\r\n')}`;
  const ders = parsePemBundle(bundle);
  assert.equal(ders.length, 2);
  assert.deepEqual(ders[0], a.der);
  assert.deepEqual(ders[1], b.der);
  assert.throws(() => parsePemBundle('-----BEGIN CERTIFICATE-----\nMII$\n-----END CERTIFICATE-----'), malformed);
  assert.throws(() => parsePemBundle('-----BEGIN CERTIFICATE-----\nMIIB\n'), malformed);
});

test('RFC 9525 §6.3: wildcards only as the whole left-most label over two or more labels', () => {
  const sans = (...names: string[]) => names.map((value) => ({ kind: 'dns' as const, value }));
  assert.ok(matchesHostname(sans('*.example.com'), 'www.example.com'));
  assert.ok(matchesHostname(sans('*.example.com'), 'WWW.Example.COM.'));
  assert.ok(!matchesHostname(sans('*.example.com'), 'example.com'));
  assert.ok(!matchesHostname(sans('*.example.com'), 'a.b.example.com'));
  assert.ok(!matchesHostname(sans('w*.example.com'), 'www.example.com'));
  assert.ok(!matchesHostname(sans('www.*.com'), 'www.example.com'));
  assert.ok(!matchesHostname(sans('*.com'), 'example.com'));
  assert.ok(!matchesHostname(sans('*'), 'localhost'));
  assert.ok(matchesHostname(sans('localhost'), 'LOCALHOST'));
  assert.ok(!matchesHostname(sans('foo_bar.example.com'), 'foo_bar.example.com'));
  assert.ok(!matchesHostname(sans('xn--*-1b3c148a.example.com'), 'xn--bliss-1b3c148a.example.com'));
});

test('RFC 9525 §6.2 / RFC 4291 §2.2: IP literals, strictly', () => {
  assert.deepEqual([...(parseIp('192.0.2.1') ?? [])], [192, 0, 2, 1]);
  for (const bad of ['192.0.2', '192.0.2.01', '0x7f.0.0.1', '256.0.0.1', '1.2.3.4.5', '::1::', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', '12345::']) {
    assert.equal(parseIp(bad), undefined, bad);
  }
  assert.equal(formatIp(parseIp('2001:0db8:0:0:0:0:0:1') ?? new Uint8Array()), '2001:db8::1');
  assert.equal(formatIp(parseIp('::ffff:192.0.2.1') ?? new Uint8Array()), '::ffff:c000:201');
  assert.equal(formatIp(parseIp('1:0:0:2:0:0:0:3') ?? new Uint8Array()), '1:0:0:2::3');
  assert.equal(formatIp(parseIp('::') ?? new Uint8Array()), '::');
});

test('RFC 5280 §4.2.1.10: a wildcard SAN is excluded by any name it could stand for', () => {
  assert.ok(dnsMayMatchForTest('*.example.com', 'bar.example.com'));
  assert.ok(dnsMayMatchForTest('*.example.com', 'example.com'));
  assert.ok(!dnsMayMatchForTest('*.example.com', 'a.bar.example.com'));
  assert.ok(!dnsMayMatchForTest('www.example.com', 'bar.example.com'));
});

test('pki parser: random byte mutations never escape as anything but a TlsError', async () => {
  const root = await issue({ cn: 'Fuzz Root', ca: true, pathLen: 2 });
  const leaf = await issue({ cn: 'fuzz.test', issuer: root, dns: ['fuzz.test', '*.fuzz.test'], ips: ['::1'], eku: ['1.3.6.1.5.5.7.3.1'] });
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (const der of [root.der, leaf.der]) {
    for (let k = 0; k < 1500; k++) {
      const m = Uint8Array.from(der);
      for (let c = 1 + rnd(3); c > 0; c--) m[rnd(m.length)] = rnd(256);
      try {
        parseCertificate(m);
      } catch (e) {
        assert.ok(e instanceof TlsError, String(e));
      }
    }
  }
});
