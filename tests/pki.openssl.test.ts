// Certificates made by the openssl command (its default v3_ca profile and an extfile leaf), verified
// by verifyCertificateChain, so our profile checks accept what OpenSSL users actually produce.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { TlsError } from '../src/errors.js';
import { verifyCertificateChain } from '../src/pki/index.js';

function openssl(dir: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, timeout: 20_000, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

test('pki: an OpenSSL-made CA, intermediate and leaf verify; the leaf without SAN does not match', (t) => {
  if (spawnSync('openssl', ['version'], { timeout: 5000 }).status !== 0) {
    t.skip('openssl not installed');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'typetls-pki-'));
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=OpenSSL Test Root', '-days', '30']);
    writeFileSync(join(dir, 'int.cnf'), 'basicConstraints=critical,CA:true,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n');
    openssl(dir, ['req', ...ec, '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/CN=OpenSSL Test Intermediate']);
    openssl(dir, ['x509', '-req', '-in', 'int.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-out', 'int.crt', '-days', '20', '-extfile', 'int.cnf']);
    writeFileSync(join(dir, 'leaf.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n');
    openssl(dir, ['req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=localhost']);
    openssl(dir, ['x509', '-req', '-in', 'leaf.csr', '-CA', 'int.crt', '-CAkey', 'int.key', '-out', 'leaf.crt', '-days', '10', '-extfile', 'leaf.cnf']);
    const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
    const crypto = nodeCryptoProvider();
    const r = verifyCertificateChain({ leaf: read('leaf.crt'), intermediates: [read('int.crt')], ca: [read('ca.crt')], hostname: 'localhost', crypto });
    assert.ok(!(r instanceof Promise));
    assert.equal(r.chain.length, 3);
    verifyCertificateChain({ leaf: read('leaf.crt'), intermediates: [read('int.crt')], ca: [read('ca.crt')], ip: '127.0.0.1', crypto });
    // A self-signed `req -x509` certificate (CA:TRUE by default) trusted directly, as node:tls allows.
    assert.equal((verifyCertificateChain({ leaf: read('ca.crt'), ca: [read('ca.crt')], crypto }) as { chain: unknown[] }).chain.length, 1);
    assert.throws(
      () => verifyCertificateChain({ leaf: read('leaf.crt'), intermediates: [read('int.crt')], ca: [read('ca.crt')], hostname: 'example.com', crypto }),
      (e: unknown) => e instanceof TlsError && e.code === 'ERR_TLS_CERT_ALTNAME_INVALID',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
