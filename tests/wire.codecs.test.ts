import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as V from './vectors/rfc8448.js';
import { unhex, tohex } from './vectors/rfc8448.js';
import { decodeClientHello, decodeServerHello, encodeClientHello, encodeServerHello } from '../src/wire/hello.js';
import {
  decodeCertificate13,
  decodeCertificateRequest13,
  decodeCertificateVerify,
  decodeEncryptedExtensions,
  decodeFinished,
  decodeKeyUpdate,
  decodeNewSessionTicket13,
  encodeCertificate13,
  encodeCertificateRequest13,
  encodeCertificateVerify,
  encodeEncryptedExtensions,
  encodeFinished,
  encodeKeyUpdate,
  encodeNewSessionTicket13,
} from '../src/wire/messages13.js';
import { ext as X, decodeExtensions } from '../src/wire/extensions.js';
import { Reader } from '../src/wire/reader.js';
import { Writer } from '../src/wire/writer.js';
import { TlsError } from '../src/errors.js';
import { AlertDescription, CipherSuite as CS, ExtensionType as E, NamedGroup as G, SignatureScheme as S } from '../src/wire/iana.js';
import { ServerConnection } from '../src/conn/server.js';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { testPki } from './helpers/certs.js';
import { certifiedKey } from './helpers/memory.js';

const body = (hex: string): Uint8Array => unhex(hex).subarray(4);

function rejectsEveryPrefix(name: string, full: Uint8Array, decode: (b: Uint8Array) => unknown, valid: readonly number[] = []): void {
  for (let n = 0; n < full.length; n++) {
    if (valid.includes(n)) {
      assert.doesNotThrow(() => decode(full.subarray(0, n)), `${name}: prefix of ${n} bytes is a valid message`);
      continue;
    }
    assert.throws(
      () => decode(full.subarray(0, n)),
      (e: unknown) => e instanceof TlsError && (e.alert === AlertDescription.decode_error || e.alert === AlertDescription.illegal_parameter),
      `${name}: prefix of ${n} bytes accepted`,
    );
  }
}

test('RFC 8448 §3: ClientHello decodes to its fields and re-encodes byte for byte', () => {
  const ch = decodeClientHello(body(V.S3_CLIENT_HELLO));
  assert.equal(tohex(ch.random), V.S3_CLIENT_RANDOM);
  assert.deepEqual(ch.cipherSuites, [CS.TLS_AES_128_GCM_SHA256, CS.TLS_CHACHA20_POLY1305_SHA256, CS.TLS_AES_256_GCM_SHA384]);
  assert.equal(ch.ext.serverName, 'server');
  assert.deepEqual(ch.ext.supportedVersions, [0x0304]);
  assert.equal(ch.ext.keyShares?.[0]?.group, G.x25519);
  assert.equal(tohex(ch.ext.keyShares?.[0]?.key ?? new Uint8Array()), V.S3_CLIENT_X25519_PUBLIC);
  assert.equal(ch.ext.recordSizeLimit, 0x4001);
  assert.ok(ch.ext.signatureAlgorithms?.includes(S.rsa_pss_rsae_sha256));
  assert.equal(tohex(encodeClientHello(ch).raw), V.S3_CLIENT_HELLO);
  // Cut right before the extensions block, it is a valid (TLS 1.2-style) ClientHello without extensions.
  const withoutExtensions = 2 + 32 + 1 + 2 + 6 + 2;
  rejectsEveryPrefix('ClientHello', body(V.S3_CLIENT_HELLO), decodeClientHello, [withoutExtensions]);
  assert.equal(decodeClientHello(body(V.S3_CLIENT_HELLO).subarray(0, withoutExtensions)).hasExtensionsBlock, false);
});

test('RFC 8448 §3: ServerHello, EncryptedExtensions, Certificate, CertificateVerify, Finished, NewSessionTicket round-trip', () => {
  const sh = decodeServerHello(body(V.S3_SERVER_HELLO));
  assert.equal(sh.isHelloRetryRequest, false);
  assert.equal(sh.ext.selectedVersion, 0x0304);
  assert.equal(tohex(encodeServerHello(sh).raw), V.S3_SERVER_HELLO);
  rejectsEveryPrefix('ServerHello', body(V.S3_SERVER_HELLO), decodeServerHello, [2 + 32 + 1 + 2 + 1]);

  const ee = decodeEncryptedExtensions(body(V.S3_ENCRYPTED_EXTENSIONS));
  assert.equal(tohex(encodeEncryptedExtensions(ee.extensions).raw), V.S3_ENCRYPTED_EXTENSIONS);
  rejectsEveryPrefix('EncryptedExtensions', body(V.S3_ENCRYPTED_EXTENSIONS), decodeEncryptedExtensions);

  const cert = decodeCertificate13(body(V.S3_CERTIFICATE));
  assert.equal(cert.entries.length, 1);
  assert.equal(tohex(encodeCertificate13(cert.requestContext, cert.entries.map((e) => e.data)).raw), V.S3_CERTIFICATE);
  rejectsEveryPrefix('Certificate', body(V.S3_CERTIFICATE), decodeCertificate13);

  const cv = decodeCertificateVerify(body(V.S3_CERTIFICATE_VERIFY));
  assert.equal(cv.scheme, S.rsa_pss_rsae_sha256);
  assert.equal(tohex(encodeCertificateVerify(cv.scheme, cv.signature).raw), V.S3_CERTIFICATE_VERIFY);
  rejectsEveryPrefix('CertificateVerify', body(V.S3_CERTIFICATE_VERIFY), decodeCertificateVerify);

  for (const f of [V.S3_SERVER_FINISHED, V.S3_CLIENT_FINISHED]) {
    assert.equal(tohex(encodeFinished(decodeFinished(body(f), 32)).raw), f);
    rejectsEveryPrefix('Finished', body(f), (b) => decodeFinished(b, 32));
  }

  const nst = decodeNewSessionTicket13(body(V.S3_NEW_SESSION_TICKET));
  assert.equal(tohex(encodeNewSessionTicket13(nst).raw), V.S3_NEW_SESSION_TICKET);
  rejectsEveryPrefix('NewSessionTicket', body(V.S3_NEW_SESSION_TICKET), decodeNewSessionTicket13);
});

test('RFC 8446 §4.3.2, §4.6.3: CertificateRequest and KeyUpdate round-trip and reject bad input', () => {
  const cr = encodeCertificateRequest13(new Uint8Array(0), [X.signatureAlgorithms([S.ecdsa_secp256r1_sha256]), X.certificateAuthorities([new Uint8Array([0x30, 0])])]);
  const d = decodeCertificateRequest13(cr.body);
  assert.deepEqual(d.ext.signatureAlgorithms, [S.ecdsa_secp256r1_sha256]);
  assert.equal(d.ext.certificateAuthorities?.length, 1);
  rejectsEveryPrefix('CertificateRequest', cr.body, decodeCertificateRequest13);
  // §4.3.2: signature_algorithms is mandatory.
  const noSig = encodeCertificateRequest13(new Uint8Array(0), [X.certificateAuthorities([new Uint8Array([0x30, 0])])]);
  assert.throws(() => decodeCertificateRequest13(noSig.body), (e: unknown) => e instanceof TlsError && e.alert === AlertDescription.missing_extension);

  assert.equal(decodeKeyUpdate(encodeKeyUpdate(1).body), 1);
  assert.throws(() => decodeKeyUpdate(new Uint8Array([2])), (e: unknown) => e instanceof TlsError && e.alert === AlertDescription.illegal_parameter);
});

test('RFC 8446 §4.2: duplicate extensions, misplaced ones and a non-final pre_shared_key are illegal_parameter', () => {
  const block = (exts: { type: number; data: Uint8Array }[]) => {
    const w = new Writer();
    w.vec16((x) => exts.forEach((e) => x.u16(e.type).vecBytes(2, e.data)));
    return new Reader(w.finish());
  };
  const illegal = (e: unknown) => e instanceof TlsError && e.alert === AlertDescription.illegal_parameter;
  const sni = X.serverName('a.test');
  assert.throws(() => decodeExtensions(block([sni, sni]), 'client_hello'), illegal);
  assert.throws(() => decodeExtensions(block([X.keyShareClient([])]), 'encrypted_extensions'), illegal);
  const psk = X.preSharedKeyClient([{ identity: new Uint8Array([1]), obfuscatedTicketAge: 0 }], [new Uint8Array(32)]);
  assert.throws(() => decodeExtensions(block([psk, sni]), 'client_hello'), illegal);
  assert.doesNotThrow(() => decodeExtensions(block([sni, psk]), 'client_hello'));
  // Unknown extensions are kept raw and ignored.
  const unknown = decodeExtensions(block([{ type: 0x7777, data: new Uint8Array([1, 2]) }]), 'client_hello');
  assert.equal(unknown.list[0]?.type, 0x7777);
  // Empty-bodied extensions with a body are a decode_error.
  assert.throws(() => decodeExtensions(block([{ type: E.extended_master_secret, data: new Uint8Array([0]) }]), 'client_hello'), TlsError);
});

test('RFC 8448 §3: the server answers the trace\'s ClientHello with its ServerHello byte for byte', async () => {
  const pki = await testPki();
  const keys = [unhex(V.S3_SERVER_X25519_PRIVATE)];
  const crypto = nodeCryptoProvider({ random: (n) => (n === 32 && keys.length > 0 ? (keys.shift() as Uint8Array) : new Uint8Array(n)) });
  const server = new ServerConnection({
    crypto,
    random: () => unhex(V.S3_SERVER_RANDOM),
    certificates: [certifiedKey(pki.server.rsa)],
  });
  server.receive(unhex(V.S3_CLIENT_HELLO_RECORD_HEADER + V.S3_CLIENT_HELLO));
  assert.equal(server.error, undefined, server.error?.message);
  const out = server.takeOutput();
  assert.ok(out);
  // The first record is the plaintext ServerHello; no compatibility CCS, as the session id is empty.
  assert.equal(tohex(out.subarray(0, 5 + 90)), V.S3_SERVER_HELLO_RECORD_HEADER + V.S3_SERVER_HELLO);
  assert.equal(out[95], 0x17, 'the next record is protected (application_data outer type)');
});
