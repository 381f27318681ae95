// The Node adapter's option mapping (src/node/options.ts, context.ts) and the cipher/group/scheme
// name tables (src/wire/names.ts): node:tls option values → ClientConfig / ServerConfig, and errors
// that name the bad option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import { checkServerIdentity, connect, createServer, getCiphers, rootCertificates, DEFAULT_CIPHERS, DEFAULT_ECDH_CURVE, DEFAULT_MAX_VERSION, DEFAULT_MIN_VERSION } from '../src/node/index.js';
import { peerCertificateChain, type PeerCertificate } from '../src/node/certificate.js';
import { TLS13_SUITES } from '../src/conn/resolve.js';
import { TLS12_CAPABILITIES } from '../src/conn/defaults.js';
import type { TlsConnectOptions, TlsServerOptions } from '../src/node/index.js';
import { clientConfig, contextOf, serverConfig } from '../src/node/options.js';
import { createSecureContext, mapCa } from '../src/node/context.js';
import type { SecureContextOptions } from '../src/node/context.js';
import { TrustStore } from '../src/pki/trust-store.js';
import { testPki } from './helpers/certs.js';
import type { ClientConfig } from '../src/conn/config.js';
import { TlsError } from '../src/errors.js';
import { CipherSuite, NamedGroup, SignatureScheme } from '../src/wire/iana.js';
import { lookupGroup, lookupScheme, lookupSuite, parseSuiteList } from '../src/wire/names.js';
import { fakeClient } from './helpers/fake-connection.js';
import { CERT_PEM, KEY_PEM, keyOnlyProvider } from './helpers/adapter-fixtures.js';

const serverBase = { cert: CERT_PEM, key: KEY_PEM, crypto: keyOnlyProvider } as const;

test('adapter: option errors name the bad option', () => {
  const bad: [TlsConnectOptions, RegExp][] = [
    [{ ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:FOO-BAR' }, /`ciphers`.*"FOO-BAR"/],
    [{ ciphersuites: 'TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256' }, /`ciphersuites`.*not a TLS 1\.3 suite/],
    [{ ciphers: 'DHE-RSA-AES128-GCM-SHA256:TLS_AES_128_CCM_SHA256' }, /`ciphers`.*selects no cipher suite typetls implements/],
    [{ ecdhCurve: 'X25519:P-999' }, /`ecdhCurve`.*"P-999"/],
    [{ sigalgs: 'ECDSA+SHA256:DSA+SHA1' }, /`sigalgs`.*"DSA\+SHA1"/],
    [{ minVersion: 'TLSv1.4' }, /`minVersion`/],
    [{ maxVersion: 'TLSv1.1' }, /`maxVersion`/],
    [{ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.2' }, /`minVersion`/],
    [{ ALPNProtocols: ['h2', 7 as unknown as string] }, /`ALPNProtocols`/],
    [{ ALPNProtocols: Buffer.from([5, 0x68]) }, /`ALPNProtocols`.*wire format/],
    [{ ca: 'not a certificate' }, /`ca`.*no PEM CERTIFICATE/],
    [{ key: KEY_PEM, crypto: keyOnlyProvider }, /`cert`.*without a `cert`/],
    [{ cert: CERT_PEM, key: 'garbage', crypto: keyOnlyProvider }, /`key`.*cannot import/],
    [{ rejectUnauthorized: 'no' as unknown as boolean }, /`rejectUnauthorized`/],
    [{ session: 'abc' as unknown as Uint8Array }, /`session`/],
    [{ port: 70000 }, /`port`/],
    // node:tls options typetls does not implement: refused, never silently ignored.
    [{ pfx: Buffer.alloc(8) } as TlsConnectOptions, /`pfx`.*not a well-formed PKCS#12 file/],
    [{ privateKeyEngine: 'pkcs11', privateKeyIdentifier: 'id' } as TlsConnectOptions, /`privateKeyEngine`.*engines/],
    [{ pskCallback: 'key' } as unknown as TlsConnectOptions, /`pskCallback`.*function/],
    [{ requestOCSP: 'yes' } as unknown as TlsConnectOptions, /`requestOCSP`.*boolean/],
  ];
  for (const [opts, re] of bad) {
    assert.throws(
      () => connect({ port: 1, host: '127.0.0.1', connectionFactory: fakeClient(), ...opts }),
      (e: unknown) => e instanceof TlsError && e.code === 'ERR_TLS_INVALID_OPTION' && re.test(e.message),
      `${JSON.stringify(opts).slice(0, 80)} should fail with ${re}`,
    );
  }
  assert.throws(() => createServer({}), /`cert`.*needs `cert` and `key`/);
  assert.throws(() => createServer({ pfx: Buffer.alloc(8) } as TlsServerOptions), /`pfx`.*PKCS#12/, 'names pfx, not the missing cert');
  assert.throws(() => createServer({ ...serverBase, pskIdentityHint: 7 } as unknown as TlsServerOptions), /`pskIdentityHint`.*string/);
  assert.throws(() => createSecureContext({ pfx: Buffer.alloc(8) } as SecureContextOptions), /`pfx`/);
  assert.throws(() => createServer({ ...serverBase, ALPNCallback: 'h2' as unknown as () => string }), /`ALPNCallback`.*function/);
  // Off is accepted (http and other libraries pass such options on).
  createServer({ ...serverBase, requestOCSP: false, pfx: undefined, privateKeyEngine: undefined } as unknown as TlsServerOptions);
  assert.throws(() => createServer({ ...serverBase, ticketKeys: Buffer.alloc(10) }), /`ticketKeys`.*48-byte/);
  // Validated by createServer itself, not when the first client connects.
  assert.throws(() => createServer({ ...serverBase, numTickets: 17 }), /numTickets/);
  assert.throws(() => createServer({ ...serverBase }).setTicketKeys(Buffer.alloc(47)), /`keys`/);
});

test('adapter: option mapping: versions, suites (node rule for 1.2-only lists), groups, schemes, ca, chains', () => {
  const map = (o: TlsConnectOptions): ClientConfig => clientConfig(o, contextOf(o), { keylog: false, trace: false });

  let c = map({ ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305' });
  assert.deepEqual(c.cipherSuites, [CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256]);
  assert.equal(c.maxVersion, 'TLSv1.2', 'node:tls: a cipher list without TLS 1.3 suites turns TLS 1.3 off');
  c = map({ ciphers: 'TLS_CHACHA20_POLY1305_SHA256' });
  assert.equal(c.minVersion, 'TLSv1.3');
  c = map({ ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', ciphersuites: 'TLS_AES_256_GCM_SHA384' });
  assert.deepEqual(c.cipherSuites, [CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]);
  assert.equal(c.maxVersion, undefined);
  c = map({ ciphers: tls.DEFAULT_CIPHERS });
  assert.ok(c.cipherSuites !== undefined && c.cipherSuites.includes(CipherSuite.TLS_AES_128_GCM_SHA256));
  c = map({ ecdhCurve: 'X25519:P-256:secp384r1:prime256v1', sigalgs: 'ecdsa_secp256r1_sha256:RSA-PSS+SHA256:ed25519' });
  assert.deepEqual(c.groups, [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1, NamedGroup.secp256r1]);
  assert.deepEqual(c.signatureSchemes, [SignatureScheme.ecdsa_secp256r1_sha256, SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.ed25519]);
  assert.equal(map({ ecdhCurve: 'auto' }).groups, undefined);
  c = map({ minVersion: 'TLSv1', maxVersion: 'TLSv1.3' });
  assert.equal(c.minVersion, 'TLSv1.2');
  const caList = mapCa([CERT_PEM + CERT_PEM, Buffer.from(CERT_PEM)]);
  assert.ok(Array.isArray(caList));
  assert.equal(caList.length, 3, 'a PEM bundle is split; a PEM buffer is read as text');
  assert.ok(caList.every((x: unknown) => x instanceof Uint8Array && x[0] === 0x30));
  // The context parses its anchors once (a TrustStore, duplicates merged) for every connection.
  c = map({ ca: [CERT_PEM + CERT_PEM, Buffer.from(CERT_PEM)] });
  assert.ok(c.ca instanceof TrustStore && c.ca.size === 1);
  c = map({ cert: CERT_PEM + CERT_PEM, key: KEY_PEM, crypto: keyOnlyProvider });
  assert.equal(c.certificate?.chain.length, 2);
  assert.equal(map({ host: '127.0.0.1' }).serverName, '127.0.0.1', 'an IP is kept for IP matching (the connection does not send it as SNI)');
  assert.equal(map({ host: 'a.test', servername: 'b.test' }).serverName, 'b.test');
  assert.equal(map({ host: 'a.test', rejectUnauthorized: false }).rejectUnauthorized, false);

  // checkServerIdentity gets a node-shaped certificate.
  let seen: { host: string; cn: unknown; san: unknown } | undefined;
  c = map({
    checkServerIdentity: (host, cert) => {
      seen = { host, cn: cert.subject.CN, san: cert.subjectaltname };
      return new Error('no thanks');
    },
  });
  const der = new X509Certificate(CERT_PEM).raw;
  assert.ok(c.checkServerIdentity !== undefined);
  const r = c.checkServerIdentity('localhost', [der]);
  assert.equal(r?.message, 'no thanks');
  assert.deepEqual(seen, { host: 'localhost', cn: 'localhost', san: 'DNS:localhost, IP Address:127.0.0.1' });

  // Server side: requestCert + rejectUnauthorized = require.
  const so: TlsServerOptions = { ...serverBase, requestCert: true };
  const sc = serverConfig(so, contextOf(so), { ticketKeys: new Uint8Array(48) }, { keylog: false, trace: false });
  assert.equal(sc.requestCert, true);
  assert.equal(sc.requireCert, true);
  const so2: TlsServerOptions = { ...serverBase, requestCert: true, rejectUnauthorized: false };
  assert.equal(serverConfig(so2, contextOf(so2), { ticketKeys: new Uint8Array(48) }, { keylog: false, trace: false }).requireCert, false);
});

test('names: cipher suites by IANA and OpenSSL name; OpenSSL cipher-list syntax', () => {
  assert.equal(lookupSuite('ECDHE-ECDSA-AES128-GCM-SHA256')?.code, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
  assert.equal(lookupSuite('tls_ecdhe_rsa_with_aes_256_gcm_sha384')?.openssl, 'ECDHE-RSA-AES256-GCM-SHA384');
  assert.equal(lookupSuite('AES128-SHA')?.iana, 'TLS_RSA_WITH_AES_128_CBC_SHA');
  assert.equal(lookupSuite('AES128-SHA')?.since, 'SSLv3');
  assert.equal(lookupSuite('TLS_AES_128_GCM_SHA256')?.openssl, 'TLS_AES_128_GCM_SHA256');
  assert.equal(lookupSuite('RC4-MD5'), undefined);
  const defaults = [CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256];
  assert.deepEqual(parseSuiteList('HIGH:!aNULL:!MD5:@STRENGTH', defaults), { ok: true, suites: defaults });
  assert.deepEqual(parseSuiteList('AES128-SHA:DEFAULT:-AES128-SHA', defaults), { ok: true, suites: defaults });
  assert.deepEqual(parseSuiteList('!ECDHE-RSA-AES128-GCM-SHA256:DEFAULT', defaults), { ok: true, suites: [CipherSuite.TLS_AES_128_GCM_SHA256] });
  assert.deepEqual(parseSuiteList('AES128-SHA:AES256-SHA:+AES128-SHA', []), {
    ok: true,
    suites: [CipherSuite.TLS_RSA_WITH_AES_256_CBC_SHA, CipherSuite.TLS_RSA_WITH_AES_128_CBC_SHA],
  });
  assert.deepEqual(parseSuiteList('ECDHE+AESGCM', defaults), { ok: false, bad: 'ECDHE+AESGCM' });
  assert.equal(lookupGroup('P-256'), NamedGroup.secp256r1);
  assert.equal(lookupGroup('x25519'), NamedGroup.x25519);
  assert.equal(lookupGroup('prime256v1'), NamedGroup.secp256r1);
  assert.equal(lookupScheme('RSA+SHA256'), SignatureScheme.rsa_pkcs1_sha256);
  assert.equal(lookupScheme('ed25519'), SignatureScheme.ed25519);
});

test('options: contexts built from the same ca share one TrustStore (parsed once, its caches reused); another ca gets its own', async () => {
  const pki = await testPki();
  const a = pki.server.ecdsa.caPem;
  const b = pki.server.ecdsa.certPem; // any other certificate list
  const first = contextOf({ ca: [a] }).fields.ca;
  const again = contextOf({ ca: [a] }).fields.ca;
  const asDer = contextOf({ ca: [new X509Certificate(a).raw] }).fields.ca;
  const other = contextOf({ ca: [b] }).fields.ca;
  assert.ok(first instanceof TrustStore);
  assert.equal(again, first);
  assert.equal(asDer, first, 'the same certificate as DER finds the same store');
  assert.ok(other instanceof TrustStore);
  assert.notEqual(other, first);
  assert.throws(() => contextOf({ ca: ['not a certificate'] }), /ca/);
});

test('node:tls module helpers: checkServerIdentity (RFC 9525, node:tls’s error shape), getCiphers, DEFAULT_*, rootCertificates', async () => {
  const pki = await testPki();
  const cert = peerCertificateChain([pki.server.ecdsa.certDer], false) as PeerCertificate;
  assert.equal(checkServerIdentity('localhost', cert), undefined);
  assert.equal(checkServerIdentity('LOCALHOST.', cert), undefined, 'case and one trailing dot do not matter');
  assert.equal(checkServerIdentity('127.0.0.1', cert), undefined, 'an IP literal is matched against IP SANs');
  const err = checkServerIdentity('example.com', cert);
  assert.ok(err instanceof Error);
  assert.equal(err.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
  assert.equal(err.host, 'example.com');
  assert.equal(err.cert, cert);
  assert.match(err.reason, /not valid for example\.com.*DNS:localhost/);
  assert.match(err.message, /^Hostname\/IP does not match certificate's altnames: /);
  // Its verdicts are node:tls's for SAN certificates (node:tls is the reference here).
  for (const host of ['localhost', 'example.com', '127.0.0.1', '10.0.0.1']) {
    assert.equal(checkServerIdentity(host, cert) === undefined, tls.checkServerIdentity(host, cert as unknown as tls.PeerCertificate) === undefined, host);
  }
  assert.equal(checkServerIdentity('localhost', {} as PeerCertificate)?.code, 'ERR_TLS_CERT_ALTNAME_INVALID', 'no raw DER: refused, not thrown');

  const ciphers = getCiphers();
  assert.ok(ciphers.includes('tls_aes_128_gcm_sha256') && ciphers.includes('ecdhe-ecdsa-aes128-gcm-sha256'));
  assert.ok(ciphers.every((c) => c === c.toLowerCase()));
  assert.equal(DEFAULT_MIN_VERSION, 'TLSv1.2');
  assert.equal(DEFAULT_MAX_VERSION, 'TLSv1.3');
  assert.equal(DEFAULT_ECDH_CURVE, 'auto');
  assert.match(DEFAULT_CIPHERS, /^TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:ECDHE-/);
  assert.doesNotMatch(DEFAULT_CIPHERS, /CBC|-SHA:|^AES|:AES/, 'forward-secret AEAD suites only');
  // The default list is one the `ciphers` option takes, and it selects the defaults.
  assert.deepEqual(contextOf({ ciphers: DEFAULT_CIPHERS }).fields.cipherSuites, [...TLS13_SUITES, ...TLS12_CAPABILITIES.defaultSuites12]);
  assert.equal(rootCertificates, tls.rootCertificates);
});
