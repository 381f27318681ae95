// PKCS#12 files (src/pki/pkcs12.ts, pbe.ts, ber.ts): the KDF against OpenSSL's PKCS12KDF, files
// written by `openssl pkcs12 -export` in the forms that matter, read by typetls and by node:tls's
// own createSecureContext (the verdicts and the chosen certificate must agree), hand-built
// structures (BER, nesting, envelopedData, PBMAC1, limits) and a mutation run in which every
// failure is an ERR_TLS_PKCS12_* TlsError.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { TlsError } from '../src/errors.js';
import { berToDer } from '../src/pki/ber.js';
import { decodePkcs12, readPkcs12 } from '../src/pki/pkcs12.js';
import { MAX_PBKDF2_ITERATIONS, passwordOf, pkcs12Kdf } from '../src/pki/pbe.js';
import { explicit, integer, octetString, oid, sequence, tlv } from '../src/pki/der-writer.js';
import { createSecureContext } from '../src/node/context.js';
import { testPki, type TestCert } from './helpers/certs.js';
import { has } from './helpers/proc.js';
import {
  OIDS,
  bag,
  certBag,
  dataContent,
  encryptedContent,
  exportPkcs12,
  friendlyName,
  keyBag,
  localKeyId,
  nodeVerdict,
  pbes2Algorithm,
  pfx,
  pkcs8Der,
  toBer,
} from './helpers/pkcs12.js';

const crypto = nodeCryptoProvider();
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function needsOpenssl(t: TestContext): boolean {
  if (has('openssl')) return true;
  t.skip('openssl not installed');
  return false;
}

/** typetls's verdict: the certificate chosen and the other certificates, or the error code. */
function ours(file: Uint8Array, passphrase: string | undefined): { ok: true; leaf: Uint8Array; extras: Uint8Array[] } | { ok: false; code: string; message: string } {
  try {
    const id = readPkcs12(file, passphrase, crypto);
    return { ok: true, leaf: id.certificate.raw, extras: id.extraCertificates.map((c) => c.raw) };
  } catch (e) {
    assert.ok(e instanceof TlsError, `not a TlsError: ${String(e)}`);
    return { ok: false, code: e.code, message: e.message };
  }
}

test('RFC 7292 B.1: passwords as PKCS#12 takes them (BMPString with a terminator; no password has no bytes)', () => {
  assert.equal(hex(passwordOf(undefined).bmp), '');
  assert.equal(hex(passwordOf('').bmp), '0000');
  assert.equal(hex(passwordOf('aä€😀').bmp), '006100e420acd83dde000000');
  assert.equal(hex(passwordOf('aä').utf8), '61c3a4');
  // A lone surrogate becomes U+FFFD, as in the UTF-8 bytes node:tls hands to OpenSSL.
  assert.equal(hex(passwordOf('\ud800').bmp), 'fffd0000');
});

test('RFC 7292 B.2: the PKCS#12 KDF equals `openssl kdf … PKCS12KDF` (SHA-1, SHA-256, SHA-512, non-ASCII password)', (t) => {
  if (!needsOpenssl(t)) return;
  const cases: [string, string, number, number, number, string][] = [
    ['secret', '0102030405060708', 2048, 1, 24, 'SHA1'],
    ['secret', '0102030405060708', 2048, 2, 8, 'SHA1'],
    ['pässwörd€😀', 'aabbccdd', 3, 3, 32, 'SHA256'],
    ['x', '00', 1, 1, 100, 'SHA512'], // several output blocks: step 6's update of I
    ['', '0102', 5, 3, 20, 'SHA1'],
  ];
  for (const [pw, salt, iter, id, len, digest] of cases) {
    const bmp = passwordOf(pw).bmp;
    const mine = pkcs12Kdf(crypto, digest.toLowerCase() as 'sha1', bmp, Buffer.from(salt, 'hex'), id, iter, len);
    // `openssl kdf` takes the password bytes as they are: give it the BMPString.
    const args = ['kdf', '-keylen', String(len), '-kdfopt', `digest:${digest}`, '-kdfopt', `hexpass:${hex(bmp)}`, '-kdfopt', `hexsalt:${salt}`];
    const theirs = execFileSync('openssl', [...args, '-kdfopt', `iter:${iter}`, '-kdfopt', `id:${id}`, 'PKCS12KDF'], { encoding: 'utf8' });
    assert.equal(hex(mine), theirs.trim().replace(/:/g, '').toLowerCase(), `${JSON.stringify(pw)} ${digest} id ${id}`);
  }
});

interface Made {
  readonly name: string;
  readonly file: Uint8Array;
  readonly passphrase: string;
  readonly cert: TestCert;
  /** The other certificates the file holds, DER, in order. */
  readonly extras: readonly Uint8Array[];
}

const der = (pem: string): Uint8Array => new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----|\s+/g, ''), 'base64'));

test('RFC 7292: `openssl pkcs12 -export` files: typetls and node:tls accept and refuse the same, and choose the same certificate', async (t) => {
  if (!needsOpenssl(t)) return;
  const pki = await testPki();
  const dir = mkdtempSync(join(tmpdir(), 'typetls-p12-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const rsa = pki.server.rsa;
  const ec = pki.server.viaIntermediate; // ECDSA, issued by the intermediate
  const chainFile = join(dir, 'chain.pem');
  execFileSync('sh', ['-c', `cat "${pki.intermediate.files.cert}" "${pki.root.files.cert}" > "${chainFile}"`]);
  const chainDer = [pki.intermediate.certDer, pki.root.certDer];
  const made: Made[] = [];
  const make = (name: string, cert: TestCert, passphrase: string, extra: readonly string[], extras: readonly Uint8Array[] = []): void => {
    const file = exportPkcs12(dir, name, ['-in', cert.files.cert, '-inkey', cert.files.key, '-passout', `pass:${passphrase}`, ...extra]);
    assert.ok(file !== undefined, `openssl pkcs12 -export ${name}`);
    made.push({ name, file, passphrase, cert, extras });
  };
  make('default (PBES2 AES-256-CBC, SHA-256 MAC), RSA, CA chain', rsa, 'secret', ['-certfile', chainFile], chainDer);
  make('PBE-SHA1-3DES, SHA-1 MAC, ECDSA', ec, 'secret', ['-certpbe', 'PBE-SHA1-3DES', '-keypbe', 'PBE-SHA1-3DES', '-macalg', 'sha1', '-certfile', chainFile], chainDer);
  make('not encrypted (-keypbe NONE -certpbe NONE)', rsa, 'secret', ['-keypbe', 'NONE', '-certpbe', 'NONE']);
  make('AES-128 certificates, AES-192 key, SHA-512 MAC', ec, 'secret', ['-certpbe', 'AES-128-CBC', '-keypbe', 'AES-192-CBC', '-macalg', 'sha512']);
  make('PBES2 DES-EDE3, two-key 3DES key, SHA-384 MAC', rsa, 'secret', ['-certpbe', 'DES-EDE3-CBC', '-keypbe', 'PBE-SHA1-2DES', '-macalg', 'sha384', '-iter', '1000']);
  make('empty passphrase', ec, '', []);
  make('empty passphrase, PBE-SHA1-3DES', ec, '', ['-certpbe', 'PBE-SHA1-3DES', '-keypbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']);
  make('non-ASCII passphrase', rsa, 'pässwörd€😀', []);
  make('non-ASCII passphrase, PBE-SHA1-3DES', rsa, 'pässwörd€😀', ['-certpbe', 'PBE-SHA1-3DES', '-keypbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']);
  make('-nomac with a passphrase (OpenSSL 3.0: "mac absent")', rsa, 'secret', ['-nomac']);
  make('-nomac, empty passphrase', ec, '', ['-nomac']);
  make('-nomac, not encrypted', ec, '', ['-nomac', '-keypbe', 'NONE', '-certpbe', 'NONE']);
  const legacy = exportPkcs12(dir, 'legacy.p12', ['-legacy', '-in', rsa.files.cert, '-inkey', rsa.files.key, '-passout', 'pass:secret']);
  if (legacy !== undefined) made.push({ name: '-legacy (RC2-40 certificates)', file: legacy, passphrase: 'secret', cert: rsa, extras: [] });
  else t.diagnostic('this openssl cannot write -legacy files: RC2 not checked');

  let accepted = 0;
  for (const m of made) {
    for (const pass of new Set([m.passphrase, 'wrong', undefined])) {
      const mine = ours(m.file, pass);
      const node = nodeVerdict(m.file, pass);
      const what = `${m.name} with ${JSON.stringify(pass)}: typetls ${mine.ok ? 'ok' : mine.code}, node ${node.ok ? 'ok' : node.error}`;
      t.diagnostic(what);
      assert.equal(mine.ok, node.ok, what);
      if (mine.ok && node.ok) {
        accepted++;
        assert.equal(hex(mine.leaf), hex(m.cert.certDer), what);
        assert.equal(hex(node.leaf ?? new Uint8Array(0)), hex(mine.leaf), `${what}: node chose another certificate`);
        assert.deepEqual(mine.extras.map(hex), m.extras.map(hex), what);
      } else if (!mine.ok && !node.ok) {
        // The same failure, in node:tls's words where it has some.
        if (/mac verify failure|mac absent|bad decrypt/.test(node.error)) assert.match(mine.message, new RegExp(node.error), what);
        if (/Unsupported PKCS12/.test(node.error)) assert.match(mine.message, /legacy algorithm.*openssl pkcs12/, what);
      }
    }
  }
  assert.ok(accepted >= 10, `accepted ${accepted}`);
  // Refusals say what to do.
  const wrong = ours(made[0]?.file ?? new Uint8Array(0), 'wrong');
  assert.ok(!wrong.ok && wrong.code === 'ERR_TLS_PKCS12_MAC_VERIFY_FAILURE' && /passphrase is wrong/.test(wrong.message));
  const noKey = exportPkcs12(dir, 'nokey.p12', ['-nokeys', '-in', rsa.files.cert, '-passout', 'pass:secret']);
  const noCert = exportPkcs12(dir, 'nocert.p12', ['-nocerts', '-inkey', rsa.files.key, '-passout', 'pass:secret']);
  assert.ok(noKey !== undefined && noCert !== undefined);
  assert.equal(nodeVerdict(noKey, 'secret').ok, false);
  assert.equal(nodeVerdict(noCert, 'secret').ok, false);
  const r1 = ours(noKey, 'secret');
  const r2 = ours(noCert, 'secret');
  assert.ok(!r1.ok && r1.code === 'ERR_TLS_PKCS12_NO_KEY' && /export it with the key/.test(r1.message), JSON.stringify(r1));
  assert.ok(!r2.ok && r2.code === 'ERR_TLS_PKCS12_NO_CERTIFICATE', JSON.stringify(r2));
});

test('X.690 §8.1.3.6, §8.7.3.2: a PFX in BER (indefinite lengths, segmented OCTET STRINGs) reads like its DER form, as in node:tls', async (t) => {
  if (!needsOpenssl(t)) return;
  const pki = await testPki();
  const dir = mkdtempSync(join(tmpdir(), 'typetls-p12-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const c = pki.server.rsa;
  const withMac = exportPkcs12(dir, 'mac.p12', ['-in', c.files.cert, '-inkey', c.files.key, '-passout', 'pass:secret']);
  const plain = exportPkcs12(dir, 'plain.p12', ['-in', c.files.cert, '-inkey', c.files.key, '-passout', 'pass:', '-nomac', '-keypbe', 'NONE', '-certpbe', 'NONE']);
  const encrypted = exportPkcs12(dir, 'enc.p12', ['-in', c.files.cert, '-inkey', c.files.key, '-passout', 'pass:', '-nomac']);
  assert.ok(withMac !== undefined && plain !== undefined && encrypted !== undefined);
  // The MAC covers the AuthenticatedSafe's bytes: with a MAC only the outer layers change.
  const forms: [string, Uint8Array, string | undefined][] = [
    ['outer BER, MAC', toBer(withMac, false), 'secret'],
    ['BER throughout, no MAC', toBer(plain, true), undefined],
    ['BER throughout, encrypted, constructed encryptedContent', toBer(encrypted, true), undefined],
  ];
  for (const [name, ber, pass] of forms) {
    assert.notEqual(ber[1], withMac[1], `${name}: not BER`);
    const node = nodeVerdict(ber, pass);
    const mine = ours(ber, pass);
    assert.ok(node.ok, `${name}: node:tls refused: ${node.ok ? '' : node.error}`);
    assert.ok(mine.ok, `${name}: ${mine.ok ? '' : mine.message}`);
    assert.equal(hex(mine.leaf), hex(c.certDer));
  }
  // berToDer gives DER back unchanged.
  assert.equal(hex(berToDer(withMac)), hex(withMac));
  assert.equal(hex(berToDer(toBer(plain, false))), hex(plain));
});

test('RFC 7292 §4.2: bags: the certificate is the first whose key is the private key (not the localKeyId one), as OpenSSL chooses', async () => {
  const pki = await testPki();
  // server.rsa and client.rsa share one key pair: both certificates fit the key.
  const key = pkcs8Der(pki.server.rsa.keyPem);
  const id = Uint8Array.of(1, 2, 3);
  const file = pfx([
    dataContent(
      certBag(pki.server.ecdsa.certDer, [friendlyName('other')]),
      certBag(pki.client.rsa.certDer),
      certBag(pki.server.rsa.certDer, [localKeyId(id), friendlyName('leaf')]),
      keyBag(key, [localKeyId(id)]),
    ),
  ]);
  const node = nodeVerdict(file, undefined);
  const mine = ours(file, undefined);
  assert.ok(node.ok && mine.ok);
  assert.equal(hex(mine.leaf), hex(pki.client.rsa.certDer));
  assert.equal(hex(node.leaf ?? new Uint8Array(0)), hex(mine.leaf), 'node:tls chose another certificate');
  assert.deepEqual(mine.extras.map(hex), [pki.server.ecdsa.certDer, pki.server.rsa.certDer].map(hex));
  const contents = decodePkcs12(file, undefined, crypto);
  assert.deepEqual(
    contents.certificates.map((c) => [c.friendlyName, c.localKeyId === undefined ? undefined : hex(c.localKeyId)]),
    [['other', undefined], [undefined, undefined], ['leaf', '010203']],
  );
});

test('RFC 7292 §4.2.6, §4.1: nested safeContentsBags, a second key, envelopedData and unknown bags: read and skipped as OpenSSL does', async () => {
  const pki = await testPki();
  const rsaKey = pkcs8Der(pki.server.rsa.keyPem);
  const ecKey = pkcs8Der(pki.server.ecdsa.keyPem);
  // PKCS#7 EnvelopedData { version, recipientInfos (none), encryptedContentInfo }: whole enough for OpenSSL's decoder.
  const eci = sequence(oid(OIDS.data), sequence(oid('1.2.840.113549.3.7'), octetString(new Uint8Array(8))), tlv(0x80, new Uint8Array(16)));
  const enveloped = sequence(oid(OIDS.envelopedData), explicit(0, sequence(integer(0), tlv(0x31), eci)));
  const nested = bag(OIDS.safeContentsBag, sequence(bag(OIDS.safeContentsBag, sequence(keyBag(rsaKey), certBag(pki.server.rsa.certDer)))));
  const secret = bag(OIDS.secretBag, sequence(oid('1.2.3.4'), explicit(0, octetString(Uint8Array.of(1)))));
  const file = pfx([enveloped, dataContent(secret, nested, keyBag(ecKey), certBag(pki.root.certDer))]);
  const node = nodeVerdict(file, undefined);
  const mine = ours(file, undefined);
  assert.ok(node.ok, node.ok ? '' : node.error);
  assert.ok(mine.ok, mine.ok ? '' : mine.message);
  assert.equal(hex(mine.leaf), hex(pki.server.rsa.certDer), 'the first key (nested) wins; the ECDSA key is skipped');
  assert.deepEqual(mine.extras.map(hex), [hex(pki.root.certDer)]);
  // Only envelopedData: no key, and the message says why.
  const onlyEnveloped = pfx([enveloped, dataContent(certBag(pki.server.rsa.certDer))]);
  assert.equal(nodeVerdict(onlyEnveloped, undefined).ok, false);
  const r = ours(onlyEnveloped, undefined);
  assert.ok(!r.ok && r.code === 'ERR_TLS_PKCS12_NO_KEY' && /envelopedData/.test(r.message), JSON.stringify(r));
  // A key without its certificate.
  const mismatch = pfx([dataContent(keyBag(ecKey), certBag(pki.server.rsa.certDer))]);
  assert.equal(nodeVerdict(mismatch, undefined).ok, false);
  assert.equal((ours(mismatch, undefined) as { code: string }).code, 'ERR_TLS_PKCS12_NO_CERTIFICATE');
  // Nesting beyond the limit.
  let deep = sequence(keyBag(rsaKey), certBag(pki.server.rsa.certDer));
  for (let i = 0; i < 9; i++) deep = sequence(bag(OIDS.safeContentsBag, deep));
  assert.equal((ours(pfx([sequence(oid(OIDS.data), explicit(0, octetString(deep)))]), undefined) as { code: string }).code, 'ERR_TLS_PKCS12_LIMIT');
});

test('RFC 9579: a PBMAC1 MAC is refused with what to do (node:tls on Node 20 cannot check it either)', async () => {
  const pki = await testPki();
  const kdf = sequence(oid(OIDS.pbkdf2), sequence(octetString(new Uint8Array(8)), integer(2048), integer(32), sequence(oid(OIDS.hmacWithSHA256), tlv(0x05))));
  const params = sequence(kdf, sequence(oid(OIDS.hmacWithSHA256), tlv(0x05)));
  const macData = sequence(sequence(sequence(oid(OIDS.pbmac1), params), octetString(new Uint8Array(32))), octetString(new TextEncoder().encode('NOT USED')), integer(1));
  const file = pfx([dataContent(keyBag(pkcs8Der(pki.server.rsa.keyPem)), certBag(pki.server.rsa.certDer))], macData);
  assert.equal(nodeVerdict(file, 'secret').ok, false);
  const r = ours(file, 'secret');
  assert.ok(!r.ok && r.code === 'ERR_TLS_PKCS12_UNSUPPORTED' && /PBMAC1.*-macalg sha256/.test(r.message), JSON.stringify(r));
});

test('pbe: iteration counts above the limits are refused before any work (PBKDF2, the MAC)', async () => {
  const pki = await testPki();
  const cert = certBag(pki.server.rsa.certDer);
  const start = Date.now();
  const big = pfx([encryptedContent(pbes2Algorithm(MAX_PBKDF2_ITERATIONS + 1), new Uint8Array(32)), dataContent(cert)]);
  const r = ours(big, undefined);
  assert.ok(!r.ok && r.code === 'ERR_TLS_PKCS12_LIMIT' && /iteration count 10000001/.test(r.message), JSON.stringify(r));
  const macData = sequence(sequence(sequence(oid('1.3.14.3.2.26'), tlv(0x05)), octetString(new Uint8Array(20))), octetString(new Uint8Array(8)), integer(2 ** 31 - 1));
  const r2 = ours(pfx([dataContent(cert)], macData), 'secret');
  assert.ok(!r2.ok && r2.code === 'ERR_TLS_PKCS12_LIMIT', JSON.stringify(r2));
  assert.ok(Date.now() - start < 2000, 'refused without deriving');
});

/** xorshift32: the mutation run is the same on every machine. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

test('pkcs12: truncated and mutated files (MAC, no MAC, encrypted): only ERR_TLS_PKCS12_* errors, and option errors through createSecureContext', async (t) => {
  if (!needsOpenssl(t)) return;
  const pki = await testPki();
  const dir = mkdtempSync(join(tmpdir(), 'typetls-p12-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const c = pki.server.viaIntermediate;
  const base = ['-in', c.files.chain, '-inkey', c.files.key];
  const files: [string, Uint8Array | undefined, string | undefined][] = [
    ['MAC, PBES2', exportPkcs12(dir, 'a.p12', [...base, '-passout', 'pass:secret']), 'secret'],
    ['no MAC, not encrypted', exportPkcs12(dir, 'b.p12', [...base, '-passout', 'pass:', '-nomac', '-keypbe', 'NONE', '-certpbe', 'NONE']), undefined],
    ['no MAC, PBE-SHA1-3DES', exportPkcs12(dir, 'c.p12', [...base, '-passout', 'pass:', '-nomac', '-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-iter', '100']), undefined],
  ];
  const random = prng(0x7e57);
  const codes = new Map<string, number>();
  let edits = 0;
  for (const [name, file, pass] of files) {
    assert.ok(file !== undefined, name);
    assert.ok(ours(file, pass).ok, `${name}: the unedited file opens`);
    const variants: Uint8Array[] = [];
    for (let i = 0; i < 60; i++) variants.push(file.subarray(0, Math.floor(random() * file.length)));
    for (let i = 0; i < 100; i++) {
      const v = file.slice();
      const at = Math.floor(random() * v.length);
      const kind = random();
      if (kind < 0.6) v[at] = (v[at] ?? 0) ^ (1 + Math.floor(random() * 255));
      else if (kind < 0.8) v[at] = random() < 0.5 ? 0x80 : 0xff; // lengths: indefinite, huge
      else {
        variants.push(Uint8Array.of(...v.subarray(0, at), Math.floor(random() * 256), ...v.subarray(at))); // an inserted byte
        continue;
      }
      variants.push(v);
    }
    for (const v of variants) {
      edits++;
      let error: TlsError | undefined;
      try {
        readPkcs12(v, pass, crypto);
      } catch (e) {
        if (!(e instanceof TlsError) || !e.code.startsWith('ERR_TLS_PKCS12_')) {
          assert.fail(`${name}: ${e instanceof Error ? `${e.name} ${(e as { code?: string }).code ?? ''}: ${e.message}` : String(e)}`);
        }
        error = e;
      }
      const code = error?.code ?? 'accepted';
      codes.set(code, (codes.get(code) ?? 0) + 1);
      if (error !== undefined && edits % 10 === 0) {
        assert.throws(
          () => createSecureContext(pass === undefined ? { pfx: v } : { pfx: v, passphrase: pass }),
          (e: unknown) => e instanceof TlsError && e.code === 'ERR_TLS_INVALID_OPTION' && /option `pfx`: cannot use this PKCS#12 file/.test(e.message),
        );
      }
    }
  }
  t.diagnostic(`${edits} edited files: ${[...codes].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  assert.ok(edits >= 450);
});
