// Certificate verification inside real handshakes with OpenSSL (issue 3, "Done means"): typetls's
// client verifies a chain s_server sends out of order, and typetls's server refuses a revoked client
// certificate with certificate_revoked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { webcrypto } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from '../src/index.js';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import type { TestCert } from './helpers/certs.js';
import { has } from './helpers/peers.js';
import { opensslClient, opensslServer } from './helpers/peer-openssl-gnutls.js';
import { type Issued, crl, issue } from './helpers/pki-fixtures.js';

const SKIP = has('openssl') ? false : 'openssl not installed';

async function keyPem(i: Issued): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', i.keys.privateKey));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END PRIVATE KEY-----\n`;
}

/** A TestCert for the peer helpers whose chain file holds `chain` in the order given. */
async function testCert(dir: string, name: string, leaf: Issued, chain: readonly Issued[], anchor: Issued): Promise<TestCert> {
  const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`), chain: join(dir, `${name}-chain.crt`), ca: join(dir, `${name}-ca.crt`) };
  const k = await keyPem(leaf);
  const chainPem = [leaf, ...chain].map((c) => c.pem).join('\n');
  writeFileSync(files.cert, leaf.pem);
  writeFileSync(files.key, k);
  writeFileSync(files.chain, chain.map((c) => c.pem).join('\n'));
  writeFileSync(files.ca, anchor.pem);
  return { name, certPem: leaf.pem, keyPem: k, certDer: leaf.der, chainPem, caPem: anchor.pem, files };
}

test('pki interop: typetls client verifies a chain OpenSSL sends out of order (RFC 8446 §4.4.2)', { skip: SKIP }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'typetls-pki-interop-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const now = new Date();
  const root = await issue({ cn: 'Interop Root', ca: true, notBefore: new Date(now.getTime() - 86_400_000) });
  const i1 = await issue({ cn: 'Interop CA 1', ca: true, issuer: root, notBefore: new Date(now.getTime() - 86_400_000) });
  const i2 = await issue({ cn: 'Interop CA 2', ca: true, issuer: i1, notBefore: new Date(now.getTime() - 86_400_000) });
  const leaf = await issue({ cn: 'localhost', issuer: i2, dns: ['localhost'], eku: ['1.3.6.1.5.5.7.3.1'], notBefore: new Date(now.getTime() - 86_400_000) });
  // The intermediates go out root-side first: leaf, CA 1, CA 2 (RFC 8446 §4.4.2 lets a client cope).
  const cert = await testCert(dir, 'leaf', leaf, [i1, i2], root);
  const server = await opensslServer(t, { cert });
  const attempt = (ca: string): Promise<{ authorized: boolean; error: (Error & { code?: string }) | undefined }> =>
    new Promise((resolve) => {
      const s = connect({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca, minVersion: 'TLSv1.3', crypto: nodeCryptoProvider() }, () => {
        resolve({ authorized: s.authorized, error: undefined });
        s.end();
      });
      s.on('error', (error: Error & { code?: string }) => resolve({ authorized: false, error }));
    });
  const ok = await attempt(root.pem);
  assert.equal(ok.error, undefined, String(ok.error));
  assert.equal(ok.authorized, true);
  // The same chain against another anchor: node:tls's code for an untrusted top.
  const other = await issue({ cn: 'Other Root', ca: true });
  const bad = await attempt(other.pem);
  assert.equal(bad.error?.code, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', String(bad.error));
});

test('pki interop: typetls server refuses a revoked OpenSSL client certificate with certificate_revoked', { skip: SKIP }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'typetls-pki-interop-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const now = new Date();
  const notBefore = new Date(now.getTime() - 86_400_000);
  const root = await issue({ cn: 'Interop Root', ca: true, notBefore });
  const serverLeaf = await issue({ cn: 'localhost', issuer: root, dns: ['localhost'], notBefore });
  const client = await issue({ cn: 'alice', issuer: root, eku: ['1.3.6.1.5.5.7.3.2'], notBefore });
  const clientCert = await testCert(dir, 'alice', client, [], root);
  const revocation = await crl(root, [client.cert.serialNumber], { thisUpdate: notBefore, nextUpdate: new Date(now.getTime() + 86_400_000) });
  const errors: unknown[] = [];
  const srv = createServer({
    key: await keyPem(serverLeaf),
    cert: serverLeaf.pem,
    ca: root.pem,
    crl: Buffer.from(revocation),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.3',
    crypto: nodeCryptoProvider(),
  });
  srv.on('tlsClientError', (e: unknown) => errors.push(e));
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => new Promise<void>((resolve) => srv.close(() => resolve())));
  const address = srv.address();
  assert.ok(address !== null && typeof address === 'object');
  const r = await opensslClient({ port: address.port, ca: clientCert.files.ca, cert: clientCert, input: 'ping\n' });
  assert.equal(r.info.alert, 'certificate_revoked', r.stdout + r.stderr);
  for (let i = 0; i < 50 && errors.length === 0; i++) await new Promise((res) => setTimeout(res, 20));
  assert.equal((errors[0] as { code?: string } | undefined)?.code, 'CERT_REVOKED');
});
