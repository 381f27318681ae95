// The trust store's cache of recently seen certificates: identical DER reuses the parse, the imported
// key and verified signatures; anything else is verified from scratch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testPki } from './helpers/certs.js';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import type { CryptoProvider } from '../src/crypto/provider.js';
import { TrustStore } from '../src/pki/trust-store.js';
import { verifyCertificateChain } from '../src/pki/verify.js';
import { TlsError } from '../src/errors.js';

function countingProvider(): { crypto: CryptoProvider; verifies: () => number } {
  const base = nodeCryptoProvider();
  let n = 0;
  const crypto: CryptoProvider = Object.assign(Object.create(base) as CryptoProvider, {
    verify: (...args: Parameters<CryptoProvider['verify']>) => {
      n++;
      return base.verify(...args);
    },
  });
  return { crypto, verifies: () => n };
}

test('pki cache (RFC 5280 §6.1.3 (a)(1)): a chain seen again with the same TrustStore reuses its verified signatures', async () => {
  const pki = await testPki();
  const { crypto, verifies } = countingProvider();
  const store = TrustStore.fromPem([pki.root.certPem]);
  const leaf = pki.server.viaIntermediate;
  const intermediates = [pki.intermediate.certPem];
  const first = verifyCertificateChain({ leaf: leaf.certDer, intermediates, ca: store, hostname: 'localhost', crypto });
  assert.ok(!(first instanceof Promise));
  const afterFirst = verifies();
  assert.equal(afterFirst, 2, 'leaf and intermediate signatures checked once');
  const second = verifyCertificateChain({ leaf: leaf.certDer.slice(), intermediates, ca: store, hostname: 'localhost', crypto });
  assert.ok(!(second instanceof Promise));
  assert.equal(verifies(), afterFirst, 'no signature checked again');
  assert.deepEqual(
    second.chain.map((c) => Buffer.from(c.raw).toString('hex')),
    first.chain.map((c) => Buffer.from(c.raw).toString('hex')),
  );
  // Everything that is not a pure function of the bytes is still checked: the host name ...
  assert.throws(() => verifyCertificateChain({ leaf: leaf.certDer, intermediates, ca: store, hostname: 'other.test', crypto }), (e: unknown) => e instanceof TlsError && e.code === 'ERR_TLS_CERT_ALTNAME_INVALID');
  // ... and the validity period.
  assert.throws(
    () => verifyCertificateChain({ leaf: leaf.certDer, intermediates, ca: store, time: Date.now() + 20 * 365 * 86_400_000, crypto }),
    (e: unknown) => e instanceof TlsError && e.code === 'CERT_HAS_EXPIRED',
  );
});

test('pki cache: a certificate with the same signature bytes but a changed body is verified, and fails', async () => {
  const pki = await testPki();
  const store = TrustStore.fromPem([pki.root.certPem]);
  const crypto = nodeCryptoProvider();
  const good = pki.server.ecdsa.certDer;
  verifyCertificateChain({ leaf: good, ca: store, hostname: 'localhost', crypto });
  // Flip a byte inside the subject public key (the signature value at the end stays the same).
  const bad = good.slice();
  const spkiAt = Buffer.from(bad).indexOf(Buffer.from([0x03, 0x42, 0x00, 0x04]));
  assert.ok(spkiAt > 0);
  bad[spkiAt + 10] = (bad[spkiAt + 10] as number) ^ 0x01;
  assert.throws(() => verifyCertificateChain({ leaf: bad, ca: store, hostname: 'localhost', crypto }), (e: unknown) => e instanceof TlsError && e.code === 'CERT_SIGNATURE_FAILURE');
});
