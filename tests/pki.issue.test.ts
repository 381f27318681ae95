// The demo certificate issuer (src/pki/issue.ts) and its DER writer, checked against OpenSSL and
// node's X509Certificate.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { issue } from '../src/cli/keygen.js';
import { boolean, integer, namedBitString, oid, sequence, time, tlv, unsignedInteger } from '../src/pki/der-writer.js';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { verifyCertificateChain } from '../src/pki/verify.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const hasOpenssl = spawnSync('openssl', ['version'], { timeout: 5000 }).status === 0;

function openssl(args: string[]): { status: number | null; out: string } {
  const r = spawnSync('openssl', args, { timeout: 10_000, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('X.690 §10: DER writer encodes minimal lengths, integers, bit strings, OIDs and times', () => {
  assert.equal(hex(integer(0)), '020100');
  assert.equal(hex(integer(127)), '02017f');
  assert.equal(hex(integer(128)), '02020080');
  assert.equal(hex(integer(65536)), '0203010000');
  assert.equal(hex(unsignedInteger(Uint8Array.of(0, 0, 0x80))), '02020080');
  assert.equal(hex(boolean(true)), '0101ff');
  // RFC 5280 §4.2.1.3: digitalSignature alone, and keyCertSign + cRLSign, trailing zero bits removed.
  assert.equal(hex(namedBitString([0])), '03020780');
  assert.equal(hex(namedBitString([5, 6])), '03020106');
  assert.equal(hex(namedBitString([0, 8])), '0303078080');
  assert.equal(hex(oid('1.2.840.113549.1.1.11')), '06092a864886f70d01010b');
  assert.equal(hex(oid('2.5.29.19')), '0603551d13');
  assert.equal(hex(tlv(0x04, new Uint8Array(127))).slice(0, 4), '047f');
  assert.equal(hex(tlv(0x04, new Uint8Array(128))).slice(0, 6), '048180');
  assert.equal(hex(tlv(0x04, new Uint8Array(256))).slice(0, 8), '04820100');
  assert.equal(hex(sequence()), '3000');
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
  assert.equal(Buffer.from(time(new Date(Date.UTC(2049, 11, 31, 23, 59, 59)))).toString('latin1').slice(2), '491231235959Z');
  assert.equal(time(new Date(Date.UTC(2049, 0, 1)))[0], 0x17);
  assert.equal(Buffer.from(time(new Date(Date.UTC(2050, 0, 1)))).toString('latin1').slice(2), '20500101000000Z');
  assert.equal(time(new Date(Date.UTC(2050, 0, 1)))[0], 0x18);
});

test('RFC 5280 §4.1: issued certificates parse in node and chain to their CA', () => {
  const ca = issue({ subjectCn: 'Test CA', keyType: 'ecdsa-p256', isCA: true, pathLen: 0 });
  const caX = new X509Certificate(Buffer.from(ca.certDer));
  assert.equal(caX.ca, true);
  assert.equal(caX.subject, 'CN=Test CA');
  assert.ok(caX.verify(caX.publicKey), 'self-signed signature');
  for (const keyType of ['ecdsa-p256', 'rsa-2048', 'ed25519'] as const) {
    const leaf = issue({
      subjectCn: 'localhost',
      keyType,
      issuer: { certDer: ca.certDer, key: ca.key },
      extKeyUsage: ['serverAuth', 'clientAuth'],
      sanDns: ['localhost', 'alt.example.test'],
      sanIp: ['127.0.0.1', '::1'],
      serial: 0x1234n,
    });
    const x = new X509Certificate(leaf.certPem);
    assert.equal(x.ca, false, keyType);
    assert.equal(x.issuer, 'CN=Test CA');
    assert.equal(x.serialNumber.toUpperCase(), '1234');
    assert.ok(x.verify(caX.publicKey), `${keyType} leaf signature verifies with the CA key`);
    assert.ok(!x.verify(x.publicKey), 'and not with its own key');
    assert.equal(x.checkHost('localhost'), 'localhost');
    assert.equal(x.checkHost('alt.example.test'), 'alt.example.test');
    assert.equal(x.checkHost('other.example.test'), undefined);
    assert.equal(x.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(x.checkIP('::1'), '::1');
    assert.deepEqual([...(x.keyUsage ?? [])].sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    assert.ok(x.checkIssued(caX));
    assert.ok(x.checkPrivateKey(createPrivateKey(leaf.keyPem)), 'keyPem matches the certificate');
  }
  // RSA and Ed25519 issuers sign with sha256WithRSAEncryption and Ed25519 (RFC 4055, RFC 8410).
  for (const keyType of ['rsa-2048', 'ed25519'] as const) {
    const ca2 = issue({ subjectCn: `CA ${keyType}`, keyType, isCA: true });
    const leaf = issue({ subjectCn: 'leaf', keyType: 'ecdsa-p256', issuer: { certDer: ca2.certDer, key: ca2.key } });
    assert.ok(new X509Certificate(leaf.certPem).verify(new X509Certificate(ca2.certPem).publicKey), keyType);
  }
});

test('RFC 5280 §4.2: openssl verifies the chain strictly and shows every extension', (t) => {
  if (!hasOpenssl) {
    t.skip('openssl not installed');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'typetls-issue-'));
  try {
    const ca = issue({ subjectCn: 'Test CA', organization: 'typetls', keyType: 'ecdsa-p256', isCA: true, pathLen: 0 });
    const server = issue({
      subjectCn: 'localhost',
      keyType: 'rsa-2048',
      issuer: { certDer: ca.certDer, key: ca.key },
      extKeyUsage: ['serverAuth'],
      sanDns: ['localhost'],
      sanIp: ['127.0.0.1'],
      notAfter: new Date(Date.UTC(2051, 0, 1)),
    });
    const client = issue({ subjectCn: 'client', keyType: 'ed25519', issuer: { certDer: ca.certDer, key: ca.key }, extKeyUsage: ['clientAuth'] });
    const expired = issue({
      subjectCn: 'old',
      keyType: 'ecdsa-p256',
      issuer: { certDer: ca.certDer, key: ca.key },
      notBefore: new Date(Date.now() - 10 * 86_400_000),
      notAfter: new Date(Date.now() - 86_400_000),
    });
    const f = (n: string, s: string): string => {
      const p = join(dir, n);
      writeFileSync(p, s);
      return p;
    };
    const caF = f('ca.pem', ca.certPem);
    const serverF = f('server.pem', server.certPem);
    const clientF = f('client.pem', client.certPem);
    const expiredF = f('expired.pem', expired.certPem);
    const keyF = f('server.key', server.keyPem);

    let r = openssl(['verify', '-x509_strict', '-CAfile', caF, '-purpose', 'sslserver', serverF]);
    assert.equal(r.status, 0, r.out);
    r = openssl(['verify', '-x509_strict', '-CAfile', caF, '-purpose', 'sslclient', clientF]);
    assert.equal(r.status, 0, r.out);
    r = openssl(['verify', '-x509_strict', '-CAfile', caF, '-purpose', 'sslserver', clientF]);
    assert.notEqual(r.status, 0, 'a clientAuth-only certificate is not a server certificate');
    r = openssl(['verify', '-x509_strict', '-CAfile', caF, expiredF]);
    assert.notEqual(r.status, 0);
    assert.match(r.out, /expired/);

    r = openssl(['x509', '-in', caF, '-noout', '-text']);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /Version: 3/);
    assert.match(r.out, /Issuer: O = typetls, CN = Test CA/);
    assert.match(r.out, /Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    assert.match(r.out, /Key Usage: critical\s+Certificate Sign, CRL Sign/);
    assert.match(r.out, /Signature Algorithm: ecdsa-with-SHA256/);

    r = openssl(['x509', '-in', serverF, '-noout', '-text']);
    assert.match(r.out, /Basic Constraints: critical\s+CA:FALSE/);
    assert.match(r.out, /Key Usage: critical\s+Digital Signature, Key Encipherment/);
    assert.match(r.out, /Extended Key Usage:\s+TLS Web Server Authentication/);
    assert.match(r.out, /DNS:localhost, IP Address:127.0.0.1/);
    assert.match(r.out, /Subject Key Identifier/);
    assert.match(r.out, /Authority Key Identifier/);
    assert.match(r.out, /Not After : Jan  1 00:00:00 2051 GMT/);
    // The server's AKI is the CA's SKI (RFC 5280 §4.2.1.1).
    const caSki = Buffer.from(ca.subjectKeyId).toString('hex').toUpperCase().match(/../g)?.join(':') ?? '';
    assert.ok(r.out.includes(caSki), 'AKI equals the CA SKI');
    r = openssl(['pkey', '-in', keyF, '-noout']);
    assert.equal(r.status, 0, r.out);
    r = openssl(['asn1parse', '-in', serverF, '-strictpem']);
    assert.equal(r.status, 0, r.out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('RFC 5280 §6: issued chains pass typetls path validation and fail it when expired', async () => {
  const crypto = nodeCryptoProvider();
  const ca = issue({ subjectCn: 'Test CA', keyType: 'ecdsa-p256', isCA: true, pathLen: 1 });
  const inter = issue({ subjectCn: 'Intermediate', keyType: 'rsa-2048', isCA: true, pathLen: 0, issuer: { certDer: ca.certDer, key: ca.key } });
  const leaf = issue({
    subjectCn: 'localhost',
    keyType: 'ed25519',
    issuer: { certDer: inter.certDer, key: inter.key },
    extKeyUsage: ['serverAuth'],
    sanDns: ['localhost'],
    sanIp: ['127.0.0.1', '::1'],
  });
  const r = await verifyCertificateChain({ leaf: leaf.certDer, intermediates: [inter.certPem], ca: [ca.certPem], hostname: 'localhost', crypto });
  assert.equal(r.chain.length, 3);
  await verifyCertificateChain({ leaf: leaf.certDer, intermediates: [inter.certDer], ca: [ca.certDer], ip: '::1', crypto });
  await assert.rejects(
    async () => verifyCertificateChain({ leaf: leaf.certDer, intermediates: [inter.certDer], ca: [ca.certDer], time: Date.now() + 30 * 86_400_000, crypto }),
    (e: unknown) => (e as { code?: unknown }).code === 'CERT_HAS_EXPIRED',
  );
  await assert.rejects(
    async () => verifyCertificateChain({ leaf: leaf.certDer, intermediates: [inter.certDer], ca: [ca.certDer], purpose: 'clientAuth', crypto }),
  );
});
