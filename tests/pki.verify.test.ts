// verifyCertificateChain with certificates generated here: every error code it promises, with its
// alert, and the successful paths (unordered intermediates, PEM and DER, every signature family).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { TlsError } from '../src/errors.js';
import { AlertDescription } from '../src/wire/iana.js';
import { TrustStore, type VerifyOptions, type VerifyResult, createCertificateVerifier, verifyCertificateChain } from '../src/pki/index.js';
import { verifyCertificateChain as verifyWithDefaults } from '../src/node/verify.js';
import { NOW, crl, dnsNameConstraints, issue, newKeys, x509 } from './helpers/pki-fixtures.js';

const crypto = nodeCryptoProvider();
const DAY = 86_400_000;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

async function pki() {
  const root = await issue({ cn: 'Test Root', ca: true });
  const inter = await issue({ cn: 'Test Intermediate', ca: true, issuer: root });
  const leaf = await issue({ cn: 'server.test', issuer: inter, dns: ['server.test', '*.wild.test'], ips: ['127.0.0.1', '::1'], eku: [SERVER_AUTH] });
  return { root, inter, leaf };
}
const fixtures = pki();

function verify(o: Omit<VerifyOptions, 'crypto'>): VerifyResult {
  const r = verifyCertificateChain({ time: NOW, ...o, crypto });
  assert.ok(!(r instanceof Promise));
  return r;
}

function expectCode(fn: () => unknown, code: string, alert: number): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof TlsError, `not a TlsError: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.equal(e.alert, alert, `${code} should map to alert ${alert}, got ${e.alert}`);
    assert.ok(e.message.length > 20);
    return true;
  });
}

test('pki: a 3-certificate chain given out of order verifies, leaf first and anchor last', async () => {
  const { root, inter, leaf } = await fixtures;
  const decoy = await issue({ cn: 'Unrelated CA', ca: true });
  const r = verify({ leaf: leaf.pem, intermediates: [root.pem, decoy.der, inter.der], ca: [root.pem], hostname: 'server.test' });
  assert.deepEqual(
    r.chain.map((c) => c.displayName),
    ['"server.test"', '"Test Intermediate"', '"Test Root"'],
  );
  assert.deepEqual(r.chain[0]?.raw, leaf.der);
});

test('pki: a four-certificate chain with intermediates reversed in one PEM bundle', async () => {
  const root = await issue({ cn: 'R', ca: true });
  const i1 = await issue({ cn: 'I1', ca: true, issuer: root });
  const i2 = await issue({ cn: 'I2', ca: true, issuer: i1 });
  const leaf = await issue({ cn: 'x.test', issuer: i2, dns: ['x.test'] });
  const r = verify({ leaf: leaf.der, intermediates: [i1.pem + i2.pem], ca: TrustStore.fromPem(root.pem), hostname: 'X.TEST.' });
  assert.equal(r.chain.length, 4);
  // maxDepth counts intermediates (RFC 5280 §6.1 path length as node's `maxDepth`).
  expectCode(() => verify({ leaf: leaf.der, intermediates: [i1.pem, i2.pem], ca: [root.pem], maxDepth: 1 }), 'CERT_CHAIN_TOO_LONG', AlertDescription.unknown_ca);
});

test('pki: RFC 5280 §4.1.2.5 validity: CERT_HAS_EXPIRED and CERT_NOT_YET_VALID', async () => {
  const { root, inter, leaf } = await fixtures;
  const base = { leaf: leaf.der, intermediates: [inter.der], ca: [root.der] };
  expectCode(() => verify({ ...base, time: NOW + 400 * DAY }), 'CERT_HAS_EXPIRED', AlertDescription.certificate_expired);
  expectCode(() => verify({ ...base, time: new Date(NOW - 60 * DAY) }), 'CERT_NOT_YET_VALID', AlertDescription.bad_certificate);
  const oldInter = await issue({ cn: 'Expired Intermediate', ca: true, issuer: root, notAfter: new Date(NOW - DAY) });
  const leaf2 = await issue({ cn: 'a.test', issuer: oldInter, dns: ['a.test'] });
  expectCode(() => verify({ leaf: leaf2.der, intermediates: [oldInter.der], ca: [root.der] }), 'CERT_HAS_EXPIRED', AlertDescription.certificate_expired);
});

test('pki: self-signed and missing issuers get node:tls codes', async () => {
  const { root, inter, leaf } = await fixtures;
  const self = await issue({ cn: 'self.test', dns: ['self.test'] });
  expectCode(() => verify({ leaf: self.der, ca: [root.der] }), 'DEPTH_ZERO_SELF_SIGNED_CERT', AlertDescription.unknown_ca);
  // A trusted self-signed certificate used directly is accepted, as node:tls does.
  assert.equal(verify({ leaf: self.der, ca: [self.der], hostname: 'self.test' }).chain.length, 1);
  const other = await issue({ cn: 'Other Root', ca: true });
  expectCode(() => verify({ leaf: leaf.der, intermediates: [inter.der, root.der], ca: [other.der] }), 'SELF_SIGNED_CERT_IN_CHAIN', AlertDescription.unknown_ca);
  expectCode(() => verify({ leaf: leaf.der, intermediates: [inter.der], ca: [other.der] }), 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', AlertDescription.unknown_ca);
  expectCode(() => verify({ leaf: leaf.der, ca: [root.der] }), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', AlertDescription.unknown_ca);
});

test('pki: RFC 5280 §6.1.3 (a)(1) a bad signature is CERT_SIGNATURE_FAILURE', async () => {
  const { root, inter } = await fixtures;
  const forged = await issue({ cn: 'forged.test', issuer: inter, signWith: await newKeys(), dns: ['forged.test'] });
  expectCode(() => verify({ leaf: forged.der, intermediates: [inter.der], ca: [root.der] }), 'CERT_SIGNATURE_FAILURE', AlertDescription.bad_certificate);
});

test('pki: RFC 5280 §4.2.1.9 an issuer that is not a CA is INVALID_CA', async () => {
  const { root } = await fixtures;
  const notCa = await issue({ cn: 'Not A CA', issuer: root, noBasicConstraints: true, keyUsage: x509.KeyUsageFlags.digitalSignature });
  const leaf = await issue({ cn: 'b.test', issuer: notCa, dns: ['b.test'] });
  expectCode(() => verify({ leaf: leaf.der, intermediates: [notCa.der], ca: [root.der] }), 'INVALID_CA', AlertDescription.unknown_ca);
  const noSign = await issue({ cn: 'CA without keyCertSign', ca: true, issuer: root, keyUsage: x509.KeyUsageFlags.cRLSign });
  const leaf2 = await issue({ cn: 'c.test', issuer: noSign, dns: ['c.test'] });
  expectCode(() => verify({ leaf: leaf2.der, intermediates: [noSign.der], ca: [root.der] }), 'INVALID_CA', AlertDescription.unknown_ca);
});

test('pki: RFC 5280 §6.1.4 (m) pathLenConstraint is PATH_LENGTH_EXCEEDED', async () => {
  const root = await issue({ cn: 'Root pathLen 0', ca: true, pathLen: 0 });
  const inter = await issue({ cn: 'Sub', ca: true, issuer: root });
  const leaf = await issue({ cn: 'd.test', issuer: inter, dns: ['d.test'] });
  expectCode(() => verify({ leaf: leaf.der, intermediates: [inter.der], ca: [root.der] }), 'PATH_LENGTH_EXCEEDED', AlertDescription.bad_certificate);
  // The leaf itself does not count: pathLen 0 allows root -> leaf.
  const direct = await issue({ cn: 'e.test', issuer: root, dns: ['e.test'] });
  assert.equal(verify({ leaf: direct.der, ca: [root.der], hostname: 'e.test' }).chain.length, 2);
});

test('pki: RFC 5280 §4.2.1.12 extended key usage is INVALID_PURPOSE', async () => {
  const { root, inter, leaf } = await fixtures;
  expectCode(() => verify({ leaf: leaf.der, intermediates: [inter.der], ca: [root.der], purpose: 'clientAuth' }), 'INVALID_PURPOSE', AlertDescription.unsupported_certificate);
  const client = await issue({ cn: 'alice', issuer: inter, eku: [CLIENT_AUTH] });
  assert.equal(verify({ leaf: client.der, intermediates: [inter.der], ca: [root.der], purpose: 'clientAuth' }).chain.length, 3);
  // An intermediate's EKU constrains the chain too (web PKI practice).
  const serverOnly = await issue({ cn: 'Server-only CA', ca: true, issuer: root, eku: [SERVER_AUTH] });
  const client2 = await issue({ cn: 'bob', issuer: serverOnly, eku: [CLIENT_AUTH] });
  expectCode(() => verify({ leaf: client2.der, intermediates: [serverOnly.der], ca: [root.der], purpose: 'clientAuth' }), 'INVALID_PURPOSE', AlertDescription.unsupported_certificate);
});

test('pki: RFC 5280 §6.3 a revoked certificate is CERT_REVOKED; the CRL is checked', async () => {
  const { root, inter, leaf } = await fixtures;
  const serial = leaf.cert.serialNumber;
  const base = { leaf: leaf.der, intermediates: [inter.der], ca: [root.der] };
  const revoking = await crl(inter, [serial]);
  expectCode(() => verify({ ...base, crl: [revoking] }), 'CERT_REVOKED', AlertDescription.certificate_revoked);
  // A CRL that does not list the certificate, or one of another issuer, passes.
  assert.equal(verify({ ...base, crl: [await crl(inter, ['0abc'])] }).chain.length, 3);
  assert.equal(verify({ ...base, crl: [await crl(root, [serial])] }).chain.length, 3);
  // An expired CRL and a forged one are refused.
  expectCode(() => verify({ ...base, crl: [revoking.subarray(1)] }), 'ERR_TLS_CERT_MALFORMED', AlertDescription.bad_certificate);
  const stale = await crl(inter, [], { thisUpdate: new Date(NOW - 10 * DAY), nextUpdate: new Date(NOW - 2 * DAY) });
  expectCode(() => verify({ ...base, crl: [stale] }), 'CRL_HAS_EXPIRED', AlertDescription.certificate_expired);
  const forged = await crl({ ...inter, keys: await newKeys() }, []);
  expectCode(() => verify({ ...base, crl: [forged] }), 'CRL_SIGNATURE_FAILURE', AlertDescription.bad_certificate);
});

test('pki: RFC 9525 names: SAN only, whole-label wildcard, IP literals; ERR_TLS_CERT_ALTNAME_INVALID', async () => {
  const { root, inter, leaf } = await fixtures;
  const base = { leaf: leaf.der, intermediates: [inter.der], ca: [root.der] };
  for (const hostname of ['server.test', 'SERVER.test.', 'a.wild.test', '127.0.0.1', '::1', '[::1]']) verify({ ...base, hostname });
  verify({ ...base, ip: '0:0:0:0:0:0:0:1' });
  for (const hostname of ['other.test', 'a.b.wild.test', 'wild.test', '127.0.0.2', '::2', 'server.test..']) {
    expectCode(() => verify({ ...base, hostname }), 'ERR_TLS_CERT_ALTNAME_INVALID', AlertDescription.bad_certificate);
  }
  expectCode(() => verify({ ...base, ip: '127.0.0.01' }), 'ERR_TLS_CERT_ALTNAME_INVALID', AlertDescription.bad_certificate);
  // No common-name fallback.
  const cnOnly = await issue({ cn: 'cn-only.test', issuer: inter });
  expectCode(() => verify({ ...base, leaf: cnOnly.der, hostname: 'cn-only.test' }), 'ERR_TLS_CERT_ALTNAME_INVALID', AlertDescription.bad_certificate);
});

test('pki: RFC 5280 §4.2.1.10 name constraints: permitted and excluded DNS subtrees', async () => {
  const root = await issue({ cn: 'Constrained Root', ca: true, extra: [dnsNameConstraints(['example.test'], ['bad.example.test'])] });
  const ok = await issue({ cn: 'www.example.test', issuer: root, dns: ['www.example.test'] });
  verify({ leaf: ok.der, ca: [root.der], hostname: 'www.example.test' });
  const outside = await issue({ cn: 'www.other.test', issuer: root, dns: ['www.other.test'] });
  expectCode(() => verify({ leaf: outside.der, ca: [root.der] }), 'PERMITTED_VIOLATION', AlertDescription.bad_certificate);
  const excluded = await issue({ cn: 'x.bad.example.test', issuer: root, dns: ['x.bad.example.test'] });
  expectCode(() => verify({ leaf: excluded.der, ca: [root.der] }), 'EXCLUDED_VIOLATION', AlertDescription.bad_certificate);
});

test('pki: the hook sees the verified chain; an Error is CERT_REJECTED, sync or async', async () => {
  const { root, inter, leaf } = await fixtures;
  const base = { leaf: leaf.der, intermediates: [inter.der], ca: [root.der], crypto, time: NOW };
  let seen = 0;
  const r = verifyCertificateChain({ ...base, hook: (chain) => void (seen = chain.length) });
  assert.ok(!(r instanceof Promise));
  assert.equal(seen, 3);
  expectCode(() => verifyCertificateChain({ ...base, hook: () => new Error('not in the directory') }), 'CERT_REJECTED', AlertDescription.bad_certificate);
  expectCode(
    () =>
      verifyCertificateChain({
        ...base,
        hook: () => {
          throw new Error('boom');
        },
      }),
    'CERT_REJECTED',
    AlertDescription.bad_certificate,
  );
  const p = verifyCertificateChain({ ...base, hook: async () => undefined });
  assert.ok(p instanceof Promise);
  assert.equal((await p).chain.length, 3);
  await assert.rejects(
    Promise.resolve(verifyCertificateChain({ ...base, hook: async () => new Error('revoked in LDAP') })),
    (e: unknown) => e instanceof TlsError && e.code === 'CERT_REJECTED' && e.message.includes('revoked in LDAP'),
  );
});

test('pki: signatures: RSA PKCS#1, RSA-PSS, ECDSA P-384, Ed25519; SHA-1 refused unless allowed', async () => {
  for (const keyKind of ['rsa', 'rsa-pss', 'p384', 'ed25519'] as const) {
    const root = await issue({ cn: `Root ${keyKind}`, ca: true, keyKind });
    const leaf = await issue({ cn: `${keyKind}.test`, issuer: root, dns: [`${keyKind}.test`], keyKind });
    assert.equal(verify({ leaf: leaf.der, ca: [root.der], hostname: `${keyKind}.test` }).chain.length, 2, keyKind);
  }
  const root = await issue({ cn: 'SHA-1 Root', ca: true });
  const leaf = await issue({ cn: 'sha1.test', issuer: root, dns: ['sha1.test'], hash: 'SHA-1' });
  expectCode(() => verify({ leaf: leaf.der, ca: [root.der] }), 'CA_MD_TOO_WEAK', AlertDescription.bad_certificate);
  assert.equal(verify({ leaf: leaf.der, ca: [root.der], allowSha1: true }).chain.length, 2);
});

test('pki: malformed input is a TlsError with bad_certificate', async () => {
  const { root, leaf } = await fixtures;
  const der = leaf.der;
  for (const bad of [der.subarray(0, der.length - 1), Uint8Array.from([...der, 0]), 'not a pem']) {
    expectCode(() => verify({ leaf: bad, ca: [root.der] }), 'ERR_TLS_CERT_MALFORMED', AlertDescription.bad_certificate);
  }
});

test('pki: the Node wrapper defaults to node:crypto and Node\'s root store', async () => {
  const { inter, leaf } = await fixtures;
  assert.throws(
    () => verifyWithDefaults({ leaf: leaf.der, intermediates: [inter.der], time: NOW }),
    (e: unknown) => e instanceof TlsError && e.code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  );
});

test('pki: createCertificateVerifier (the handshake seam): ca/crl/hook/clock, anchors parsed once', async () => {
  const { root, inter, leaf } = await fixtures;
  let hookSaw: { n: number; host: string | undefined; purpose: string } | undefined;
  const v = createCertificateVerifier({
    crypto,
    trustStore: () => TrustStore.fromPem(root.pem),
    now: () => NOW,
    hook: (info) => {
      hookSaw = { n: info.chain.length, host: info.hostname, purpose: info.purpose };
    },
  });
  assert.deepEqual(v.anchorSubjects(), [new Uint8Array(root.cert.subjectName.toArrayBuffer())]);
  assert.equal(v.leafPublicKey(leaf.der).type, 'ec');
  for (let i = 0; i < 2; i++) {
    const r = v.verify({ certificates: [leaf.der, inter.der], purpose: 'serverAuth', hostname: 'server.test' });
    assert.ok(!(r instanceof Promise));
    assert.deepEqual(r.chain, [leaf.der, inter.der, root.der]);
  }
  assert.deepEqual(hookSaw, { n: 3, host: 'server.test', purpose: 'serverAuth' });
  expectCode(() => v.verify({ certificates: [leaf.der, inter.der], purpose: 'serverAuth', hostname: 'evil.test' }), 'ERR_TLS_CERT_ALTNAME_INVALID', AlertDescription.bad_certificate);
  const revoked = await crl(inter, [leaf.cert.serialNumber]);
  const revoking = createCertificateVerifier({ crypto, trustStore: () => TrustStore.fromPem(root.der), now: () => NOW, crl: [revoked] });
  expectCode(() => revoking.verify({ certificates: [leaf.der, inter.der], purpose: 'serverAuth' }), 'CERT_REVOKED', AlertDescription.certificate_revoked);
});
