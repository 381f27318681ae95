import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { testPki } from './helpers/certs.js';
import { crypto } from './helpers/memory.js';
import { listen } from './helpers/impl.js';
import { basicExtensions, clientHello, handshakeMessages, plainRecord, splitRecords, type Rec } from './helpers/script12.js';
import { ext as X } from '../src/wire/extensions.js';
import { decodeServerHello, encodeServerHello } from '../src/wire/hello.js';
import { ContentType, HandshakeType, SignatureScheme, CipherSuite as CS, NamedGroup as G } from '../src/wire/iana.js';
import { TlsError } from '../src/errors.js';
import { parseCertificate } from '../src/pki/certificate.js';
import { verifySignature12 } from '../src/handshake/proofs.js';
import type { HandshakeMessage } from '../src/wire/handshake.js';
import {
  decodeCertificate12,
  decodeCertificateRequest12,
  decodeClientKeyExchangeEcdhe,
  decodeClientKeyExchangeRsa,
  decodeEmptyMessage,
  decodeFinished12,
  decodeNewSessionTicket12,
  decodeServerKeyExchangeEcdhe,
  encodeCertificate12,
  encodeCertificateRequest12,
  encodeClientKeyExchangeEcdhe,
  encodeClientKeyExchangeRsa,
  encodeEcdheParams,
  encodeFinished12,
  encodeNewSessionTicket12,
  encodeServerHelloDone,
  encodeServerKeyExchangeEcdhe,
} from '../src/wire/messages12.js';

/** Every strict prefix of the body is rejected with a TlsError (decode_error or illegal_parameter). */
function prefixesRejected(body: Uint8Array, decode: (b: Uint8Array) => unknown, what: string): void {
  for (let n = 0; n < body.length; n++) {
    assert.throws(() => decode(body.subarray(0, n)), (e: unknown) => e instanceof TlsError, `${what}: prefix of ${n} bytes accepted`);
  }
  // And one trailing byte too many.
  assert.throws(() => decode(new Uint8Array([...body, 0])), (e: unknown) => e instanceof TlsError, `${what}: trailing byte accepted`);
}

test('RFC 5246 §7.4: every TLS 1.2 message round-trips and rejects truncation and trailing bytes', () => {
  const chain = [crypto.randomBytes(300), crypto.randomBytes(5)];
  const cert = encodeCertificate12(chain);
  assert.deepEqual(decodeCertificate12(cert.body), chain);
  prefixesRejected(cert.body, decodeCertificate12, 'Certificate');
  assert.deepEqual(decodeCertificate12(encodeCertificate12([]).body), []);

  const point = crypto.randomBytes(65);
  const params = encodeEcdheParams(G.secp256r1, point);
  const sig = crypto.randomBytes(71);
  const ske = encodeServerKeyExchangeEcdhe(params, SignatureScheme.ecdsa_secp256r1_sha256, sig);
  const d = decodeServerKeyExchangeEcdhe(ske.body);
  assert.deepEqual([d.group, d.publicKey, d.params, d.scheme, d.signature], [G.secp256r1, point, params, SignatureScheme.ecdsa_secp256r1_sha256, sig]);
  prefixesRejected(ske.body, decodeServerKeyExchangeEcdhe, 'ServerKeyExchange');
  // RFC 8422 §5.4: explicit curves are not allowed.
  const explicit = ske.body.slice();
  explicit[0] = 1;
  assert.throws(() => decodeServerKeyExchangeEcdhe(explicit), /named_curve/);

  const cr = { certificateTypes: [1, 64], signatureAlgorithms: [0x0403, 0x0804], authorities: [crypto.randomBytes(40)] };
  const crm = encodeCertificateRequest12(cr);
  assert.deepEqual(decodeCertificateRequest12(crm.body), cr);
  prefixesRejected(crm.body, decodeCertificateRequest12, 'CertificateRequest');

  const cke = encodeClientKeyExchangeEcdhe(point);
  assert.deepEqual(decodeClientKeyExchangeEcdhe(cke.body), point);
  prefixesRejected(cke.body, decodeClientKeyExchangeEcdhe, 'ClientKeyExchange (ECDHE)');
  const ct = crypto.randomBytes(256);
  const rsa = encodeClientKeyExchangeRsa(ct);
  assert.deepEqual(decodeClientKeyExchangeRsa(rsa.body), ct);
  prefixesRejected(rsa.body, decodeClientKeyExchangeRsa, 'ClientKeyExchange (RSA)');

  const vd = crypto.randomBytes(12);
  assert.deepEqual(decodeFinished12(encodeFinished12(vd).body), vd);
  prefixesRejected(encodeFinished12(vd).body, decodeFinished12, 'Finished');

  const t = { lifetimeHint: 7200, ticket: crypto.randomBytes(100) };
  const nst = encodeNewSessionTicket12(t);
  assert.deepEqual(decodeNewSessionTicket12(nst.body), t);
  prefixesRejected(nst.body, decodeNewSessionTicket12, 'NewSessionTicket');

  assert.equal(encodeServerHelloDone().raw.length, 4);
  assert.throws(() => decodeEmptyMessage(new Uint8Array([0]), 'ServerHelloDone'), TlsError);
});

/** Reads the plaintext first flight a server sends to `hello` over TCP (up to ServerHelloDone). */
function firstFlight(port: number, hello: HandshakeMessage): Promise<HandshakeMessage[]> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(plainRecord(ContentType.handshake, hello.raw)));
    let buf = new Uint8Array(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('no ServerHelloDone within 5 s'));
    }, 5000);
    sock.on('data', (d: Buffer) => {
      buf = new Uint8Array([...buf, ...d]);
      const recs: Rec[] = splitRecords(buf);
      const msgs = handshakeMessages(recs);
      if (msgs.some((m) => m.type === HandshakeType.server_hello_done)) {
        clearTimeout(timer);
        sock.destroy();
        resolve(msgs);
      }
    });
    sock.on('error', reject);
  });
}

test('RFC 5246 §7.4, RFC 8422 §5.4: a real peer\'s (node:tls) TLS 1.2 flight decodes, verifies and re-encodes byte for byte', async (t) => {
  const pki = await testPki();
  const cert = pki.server.ecdsa;
  const server = tls.createServer({ key: cert.keyPem, cert: cert.chainPem, ca: pki.root.certPem, requestCert: true, maxVersion: 'TLSv1.2' });
  server.on('tlsClientError', () => undefined);
  const port = await listen(server);
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const random = crypto.randomBytes(32);
  const hello = clientHello(random, {
    suites: [CS.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256],
    extensions: [...basicExtensions(true), X.signatureAlgorithms([SignatureScheme.ecdsa_secp256r1_sha256])],
  });
  const msgs = await firstFlight(port, hello);
  assert.deepEqual(msgs.map((m) => m.type), [2, 11, 12, 13, 14]);
  const [sh, certMsg, skeMsg, crMsg] = msgs;
  assert.ok(sh && certMsg && skeMsg && crMsg);
  const shd = decodeServerHello(sh.body);
  assert.deepEqual(encodeServerHello(shd).raw, sh.raw);
  const chain = decodeCertificate12(certMsg.body);
  assert.deepEqual(encodeCertificate12(chain).raw, certMsg.raw);
  const ske = decodeServerKeyExchangeEcdhe(skeMsg.body);
  assert.deepEqual(encodeServerKeyExchangeEcdhe(ske.params, ske.scheme, ske.signature).raw, skeMsg.raw);
  // The signature covers client_random ‖ server_random ‖ params (RFC 8422 §5.4).
  const leaf = chain[0];
  assert.ok(leaf);
  const key = parseCertificate(leaf).publicKey(crypto);
  verifySignature12(crypto, key, ske.scheme, ske.signature, [ske.scheme], new Uint8Array([...random, ...shd.random, ...ske.params]), 'ServerKeyExchange');
  const cr = decodeCertificateRequest12(crMsg.body);
  assert.deepEqual(encodeCertificateRequest12(cr).raw, crMsg.raw);
  assert.ok(cr.authorities.length >= 1);
});
