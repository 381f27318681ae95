// OCSP stapling (RFC 6066 §8; RFC 8446 §4.4.2.1) in the engine, both versions: the client's
// status_request, the server's callback and what it staples (TLS 1.3: in the leaf's CertificateEntry;
// TLS 1.2: the ServerHello's acknowledgement and a CertificateStatus message), and the refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testPki } from './helpers/certs.js';
import { certifiedKey, pair, pump } from './helpers/memory.js';
import { joinRecords, rewriteServerFlight, splitMessages, splitRecords } from './helpers/mitm.js';
import type { OcspRequest, ServerConfig } from '../src/conn/config.js';
import { AlertDescription, CipherSuite, ExtensionType as E, HandshakeType } from '../src/wire/iana.js';
import { Reader } from '../src/wire/reader.js';
import { Writer } from '../src/wire/writer.js';
import { decodeExtensions, ext as X } from '../src/wire/extensions.js';
import { decodeCertificate13, encodeCertificate13 } from '../src/wire/messages13.js';
import { encodeCertificateStatus } from '../src/wire/messages12.js';
import { concatBytes } from '../src/wire/bytes.js';
import { TlsError } from '../src/errors.js';

/** Not a real OCSPResponse: typetls carries the bytes and leaves checking them to the application, as node:tls. */
const RESPONSE = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);

for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
  test(`RFC 6066 §8 (${version}): a client that asks gets the stapled response; the callback sees the leaf, its issuer and the SNI name`, async () => {
    const pki = await testPki();
    const ca = [pki.root.certPem];
    const cert = certifiedKey(pki.server.viaIntermediate);
    const range = { minVersion: version, maxVersion: version };
    const asked: OcspRequest[] = [];
    const server: ServerConfig = { ...range, certificates: [cert], ocspResponse: (r) => (asked.push(r), RESPONSE) };

    const stapled = pair({ ...range, serverName: 'localhost', ca, requestOcsp: true }, server);
    await pump(stapled.client, stapled.server);
    assert.equal(stapled.client.error, undefined, stapled.client.error?.message);
    assert.deepEqual(stapled.client.summary?.ocspResponse, RESPONSE);
    assert.equal(asked.length, 1);
    assert.deepEqual(asked[0]?.certificate, cert.chain[0]);
    assert.deepEqual(asked[0]?.issuer, cert.chain[1], 'the chain’s second certificate issued the leaf');
    assert.equal(asked[0]?.serverName, 'localhost');

    // Without status_request the callback is not asked and the summary's ocspResponse is undefined.
    const plain = pair({ ...range, serverName: 'localhost', ca }, server);
    await pump(plain.client, plain.server);
    assert.equal(plain.client.error, undefined, plain.client.error?.message);
    assert.equal(asked.length, 1);
    assert.equal(plain.client.summary?.ocspResponse, undefined);

    // Asked, none stapled (no callback, or one that answers undefined, possibly later): null.
    const { ocspResponse: _, ...noCallback } = server;
    for (const config of [noCallback, { ...server, ocspResponse: () => undefined }, { ...server, ocspResponse: async () => undefined }]) {
      const none = pair({ ...range, serverName: 'localhost', ca, requestOcsp: true }, config);
      await pump(none.client, none.server);
      assert.equal(none.client.error, undefined, none.client.error?.message);
      assert.equal(none.client.summary?.ocspResponse, null);
    }

    // An asynchronous callback (a responder asked over the network) staples what it resolves to.
    const later = pair({ ...range, serverName: 'localhost', ca, requestOcsp: true }, { ...server, ocspResponse: async () => RESPONSE.subarray(0, 10) });
    await pump(later.client, later.server);
    assert.deepEqual(later.client.summary?.ocspResponse, RESPONSE.subarray(0, 10));
  });

  test(`RFC 6066 §8 (${version}): a callback that throws, rejects or answers no bytes fails the handshake with internal_error`, async () => {
    const pki = await testPki();
    const range = { minVersion: version, maxVersion: version };
    const callbacks = [
      () => {
        throw new Error('responder unreachable');
      },
      () => Promise.reject(new Error('responder timed out')),
      () => 'not bytes' as unknown as Uint8Array,
      () => new Uint8Array(0),
    ];
    for (const ocspResponse of callbacks) {
      const { client, server } = pair({ ...range, serverName: 'localhost', ca: [pki.root.certPem], requestOcsp: true }, { ...range, certificates: [certifiedKey(pki.server.ecdsa)], ocspResponse });
      await pump(client, server);
      assert.equal(server.error?.code, 'ERR_TLS_OCSP_CALLBACK_FAILED', String(server.error?.message));
      assert.equal(client.error?.alert, AlertDescription.internal_error);
    }
  });
}

test('RFC 8446 §4.4.2: a stapled response the client did not ask for is unsupported_extension', async () => {
  const pki = await testPki();
  const keylog: string[] = [];
  const suite = CipherSuite.TLS_AES_128_GCM_SHA256;
  const { client, server } = pair(
    { serverName: 'localhost', ca: [pki.root.certPem], cipherSuites: [suite] },
    { certificates: [certifiedKey(pki.server.ecdsa)], keylog: true, listener: (e) => e.type === 'keylog' && keylog.push(e.line) },
  );
  await pump(client, server, {
    tamper: (bytes, from, flight) => {
      if (from !== 'server' || flight !== 1) return bytes;
      return rewriteServerFlight(bytes, keylog, suite, (msgs) =>
        msgs.map((m) => {
          if (m[0] !== HandshakeType.certificate) return m;
          const c = decodeCertificate13(m.subarray(4));
          return encodeCertificate13(c.requestContext, c.entries.map((e) => e.data), [X.certificateStatus(RESPONSE)]).raw;
        }),
      );
    },
  });
  assert.equal(client.error?.alert, AlertDescription.unsupported_extension, client.error?.message);
});

test('RFC 6066 §8: a TLS 1.2 CertificateStatus without the ServerHello acknowledgement is unexpected_message', async () => {
  const pki = await testPki();
  const range = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } as const;
  const { client, server } = pair({ ...range, serverName: 'localhost', ca: [pki.root.certPem], requestOcsp: true }, { ...range, certificates: [certifiedKey(pki.server.ecdsa)] });
  await pump(client, server, {
    tamper: (bytes, from, flight) => {
      if (from !== 'server' || flight !== 1) return bytes;
      // The server's first flight is plaintext: put a CertificateStatus right after its Certificate.
      const { records } = splitRecords(bytes);
      const msgs = splitMessages(concatBytes(...records.map((r) => r.fragment)));
      const at = msgs.findIndex((m) => m[0] === HandshakeType.certificate);
      msgs.splice(at + 1, 0, encodeCertificateStatus(RESPONSE).raw);
      const header = (records[0] as { header: Uint8Array }).header;
      return joinRecords([{ type: 22, header, fragment: concatBytes(...msgs) }]);
    },
  });
  assert.equal(client.error?.alert, AlertDescription.unexpected_message, client.error?.message);
});

test('RFC 6066 §8: status_request decoded by message: request, empty acknowledgement, stapled response', () => {
  const block = (type: number, data: Uint8Array): Reader => {
    const w = new Writer();
    w.vec16((x) => x.u16(type).vecBytes(2, data));
    return new Reader(w.finish());
  };
  const request = X.statusRequestOcsp();
  assert.equal(decodeExtensions(block(E.status_request, request.data), 'client_hello').ext.statusRequest, true);
  // Responder IDs and request extensions are read (and must be well formed), not used.
  const withIds = Uint8Array.of(1, 0, 4, 0, 2, 0xaa, 0xbb, 0, 0);
  assert.equal(decodeExtensions(block(E.status_request, withIds), 'client_hello').ext.statusRequest, true);
  assert.throws(() => decodeExtensions(block(E.status_request, Uint8Array.of(1, 0, 4, 0, 9)), 'client_hello'), TlsError);
  // Another status_type is not an OCSP request: ignored, not refused.
  assert.equal(decodeExtensions(block(E.status_request, Uint8Array.of(7, 1, 2)), 'client_hello').ext.statusRequest, undefined);
  assert.equal(decodeExtensions(block(E.status_request, new Uint8Array(0)), 'client_hello').ext.statusRequest, undefined);
  // A TLS 1.3 server asks for the client's own OCSP response with an empty one (GnuTLS sends it); we have none to give.
  assert.equal(decodeExtensions(block(E.status_request, new Uint8Array(0)), 'certificate_request').ext.statusRequest, true);
  assert.equal(decodeExtensions(block(E.status_request, new Uint8Array(0)), 'server_hello').ext.statusRequest, true);
  assert.throws(() => decodeExtensions(block(E.status_request, Uint8Array.of(1)), 'server_hello'), (e: unknown) => e instanceof TlsError && e.alert === AlertDescription.decode_error);
  const stapled = X.certificateStatus(RESPONSE);
  assert.deepEqual(decodeExtensions(block(E.status_request, stapled.data), 'certificate').ext.ocspResponse, RESPONSE);
  const otherType = stapled.data.slice();
  otherType[0] = 2;
  assert.throws(() => decodeExtensions(block(E.status_request, otherType), 'certificate'), (e: unknown) => e instanceof TlsError && e.alert === AlertDescription.illegal_parameter);
});
