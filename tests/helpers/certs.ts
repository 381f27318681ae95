// Test PKI for unit and interop tests: a root CA, an intermediate, server and client leaves of every key
// type the interop matrix needs, and the broken ones (expired, not yet valid, wrong host, untrusted CA).
// Generated once per test process with @peculiar/x509 over node's WebCrypto, kept in memory (PEM and DER)
// and written as PEM files into a temporary directory for command-line peers.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Where a certificate's PEM files are on disk. `ca` is the trust anchor that issued its chain. */
export interface CertFiles {
  readonly cert: string;
  readonly key: string;
  /** leaf followed by its intermediates (no anchor) */
  readonly chain: string;
  readonly ca: string;
}

export interface TestCert {
  /** file-name stem, e.g. `server-ecdsa` */
  readonly name: string;
  readonly certPem: string;
  /** PKCS#8 `PRIVATE KEY` PEM */
  readonly keyPem: string;
  readonly certDer: Uint8Array;
  /** leaf followed by its intermediates (no anchor) */
  readonly chainPem: string;
  /** PEM of the anchor that issued the chain (the root, or the untrusted root for `server.untrusted`) */
  readonly caPem: string;
  readonly files: CertFiles;
}

export interface TestPki {
  /** temporary directory holding every PEM file; removed when the process exits */
  readonly dir: string;
  /** ECDSA P-256 root, trusted by the tests */
  readonly root: TestCert;
  /** ECDSA P-256 intermediate CA issued by `root` */
  readonly intermediate: TestCert;
  /** a separate ECDSA P-256 root the tests never trust */
  readonly untrustedRoot: TestCert;
  /** server leaves; all have SAN DNS:localhost, IP:127.0.0.1, IP:::1 unless said otherwise */
  readonly server: {
    readonly ecdsa: TestCert;
    readonly rsa: TestCert;
    readonly ed25519: TestCert;
    readonly p384: TestCert;
    /** issued by `intermediate`: a 3-certificate chain */
    readonly viaIntermediate: TestCert;
    readonly expired: TestCert;
    readonly notYetValid: TestCert;
    /** SAN DNS:other.test only */
    readonly wrongHost: TestCert;
    /** issued by `untrustedRoot` */
    readonly untrusted: TestCert;
  };
  /** client leaves (EKU clientAuth) issued by `root` */
  readonly client: {
    readonly ecdsa: TestCert;
    /** shares its key pair with `server.rsa` (RSA key generation is the slow part) */
    readonly rsa: TestCert;
  };
}

type KeyAlg = 'p256' | 'p384' | 'rsa' | 'ed25519';

const GEN_PARAMS: Record<KeyAlg, webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams | webcrypto.Algorithm> = {
  p256: { name: 'ECDSA', namedCurve: 'P-256' } as webcrypto.EcKeyGenParams,
  p384: { name: 'ECDSA', namedCurve: 'P-384' } as webcrypto.EcKeyGenParams,
  rsa: {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  } as webcrypto.RsaHashedKeyGenParams,
  ed25519: { name: 'Ed25519' },
};

const DAY = 24 * 60 * 60 * 1000;
const ROOT_SIGNING: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

async function genKeys(alg: KeyAlg): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(GEN_PARAMS[alg], true, ['sign', 'verify'])) as CryptoKeyPair;
}

interface Issued {
  readonly cert: x509.X509Certificate;
  readonly keys: CryptoKeyPair;
}

interface LeafSpec {
  readonly cn: string;
  readonly keys: CryptoKeyPair;
  readonly issuer: Issued;
  readonly eku: 'serverAuth' | 'clientAuth';
  readonly names?: readonly x509.JsonGeneralName[];
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

const LOCAL_NAMES: readonly x509.JsonGeneralName[] = [
  { type: 'dns', value: 'localhost' },
  { type: 'ip', value: '127.0.0.1' },
  { type: 'ip', value: '::1' },
];

function serial(n: number): string {
  return (0x10 + n).toString(16).padStart(4, '0');
}

async function makeRoot(cn: string, keys: CryptoKeyPair, n: number): Promise<Issued> {
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(n),
    name: `CN=${cn}, O=typetls tests`,
    keys,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 3650 * DAY),
    signingAlgorithm: ROOT_SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys };
}

async function makeIntermediate(cn: string, keys: CryptoKeyPair, issuer: Issued, n: number): Promise<Issued> {
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(n),
    subject: `CN=${cn}, O=typetls tests`,
    issuer: issuer.cert.subject,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 3650 * DAY),
    signingAlgorithm: ROOT_SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey),
    ],
  });
  return { cert, keys };
}

async function makeLeaf(spec: LeafSpec, n: number): Promise<x509.X509Certificate> {
  const now = Date.now();
  const isRsa = spec.keys.publicKey.algorithm.name === 'RSASSA-PKCS1-v1_5';
  // RFC 5280 §4.2.1.3: RSA leaves may encipher (TLS 1.2 RSA key exchange); EC and EdDSA leaves only sign.
  const usage = isRsa
    ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
    : x509.KeyUsageFlags.digitalSignature;
  const eku = spec.eku === 'serverAuth' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth;
  return x509.X509CertificateGenerator.create({
    serialNumber: serial(n),
    subject: `CN=${spec.cn}, O=typetls tests`,
    issuer: spec.issuer.cert.subject,
    publicKey: spec.keys.publicKey,
    signingKey: spec.issuer.keys.privateKey,
    notBefore: spec.notBefore ?? new Date(now - DAY),
    notAfter: spec.notAfter ?? new Date(now + 825 * DAY),
    signingAlgorithm: ROOT_SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(usage, true),
      new x509.ExtendedKeyUsageExtension([eku]),
      new x509.SubjectAlternativeNameExtension([...(spec.names ?? LOCAL_NAMES)]),
      await x509.SubjectKeyIdentifierExtension.create(spec.keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(spec.issuer.keys.publicKey),
    ],
  });
}

async function keyPem(keys: CryptoKeyPair): Promise<string> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
}

function pemOf(cert: x509.X509Certificate): string {
  return cert.toString('pem') + '\n';
}

async function save(
  dir: string,
  name: string,
  leaf: Issued,
  intermediates: readonly x509.X509Certificate[],
  anchor: x509.X509Certificate,
): Promise<TestCert> {
  const certPem = pemOf(leaf.cert);
  const chainPem = [leaf.cert, ...intermediates].map(pemOf).join('');
  const caPem = pemOf(anchor);
  const kPem = await keyPem(leaf.keys);
  const files: CertFiles = {
    cert: join(dir, `${name}.crt`),
    key: join(dir, `${name}.key`),
    chain: join(dir, `${name}.chain.crt`),
    ca: join(dir, `${anchorStem(anchor)}-anchor.crt`),
  };
  writeFileSync(files.cert, certPem);
  writeFileSync(files.key, kPem, { mode: 0o600 });
  writeFileSync(files.chain, chainPem);
  writeFileSync(files.ca, caPem);
  return { name, certPem, keyPem: kPem, certDer: new Uint8Array(leaf.cert.rawData), chainPem, caPem, files };
}

function anchorStem(anchor: x509.X509Certificate): string {
  return anchor.subject.includes('untrusted') ? 'untrusted' : 'root';
}

async function generate(): Promise<TestPki> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const dir = mkdtempSync(join(tmpdir(), 'typetls-pki-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

  const [rootK, interK, untrustedK, ecK, rsaK, edK, p384K, viaK, expK, nyvK, wrongK, untK, clientEcK] =
    await Promise.all([
      genKeys('p256'),
      genKeys('p256'),
      genKeys('p256'),
      genKeys('p256'),
      genKeys('rsa'),
      genKeys('ed25519'),
      genKeys('p384'),
      genKeys('p256'),
      genKeys('p256'),
      genKeys('p256'),
      genKeys('p256'),
      genKeys('p256'),
      genKeys('p256'),
    ]);

  const root = await makeRoot('typetls test root', rootK, 1);
  const untrustedRoot = await makeRoot('typetls untrusted root', untrustedK, 2);
  const intermediate = await makeIntermediate('typetls test intermediate', interK, root, 3);
  const now = Date.now();
  const leaf = async (n: number, spec: LeafSpec): Promise<Issued> => ({ cert: await makeLeaf(spec, n), keys: spec.keys });
  const [ecdsa, rsa, ed25519, p384, via, expired, notYet, wrong, untrusted, cEc, cRsa] = await Promise.all([
    leaf(10, { cn: 'localhost ecdsa', keys: ecK, issuer: root, eku: 'serverAuth' }),
    leaf(11, { cn: 'localhost rsa', keys: rsaK, issuer: root, eku: 'serverAuth' }),
    leaf(12, { cn: 'localhost ed25519', keys: edK, issuer: root, eku: 'serverAuth' }),
    leaf(13, { cn: 'localhost p384', keys: p384K, issuer: root, eku: 'serverAuth' }),
    leaf(14, { cn: 'localhost via intermediate', keys: viaK, issuer: intermediate, eku: 'serverAuth' }),
    leaf(15, {
      cn: 'localhost expired',
      keys: expK,
      issuer: root,
      eku: 'serverAuth',
      notBefore: new Date(now - 30 * DAY),
      notAfter: new Date(now - DAY),
    }),
    leaf(16, {
      cn: 'localhost not yet valid',
      keys: nyvK,
      issuer: root,
      eku: 'serverAuth',
      notBefore: new Date(now + 30 * DAY),
      notAfter: new Date(now + 60 * DAY),
    }),
    leaf(17, { cn: 'other.test', keys: wrongK, issuer: root, eku: 'serverAuth', names: [{ type: 'dns', value: 'other.test' }] }),
    leaf(18, { cn: 'localhost untrusted', keys: untK, issuer: untrustedRoot, eku: 'serverAuth' }),
    leaf(19, { cn: 'client ecdsa', keys: clientEcK, issuer: root, eku: 'clientAuth', names: [{ type: 'dns', value: 'client.test' }] }),
    leaf(20, { cn: 'client rsa', keys: rsaK, issuer: root, eku: 'clientAuth', names: [{ type: 'dns', value: 'client.test' }] }),
  ]);

  const r = root.cert;
  const u = untrustedRoot.cert;
  const i = intermediate.cert;
  const [rootC, interC, untrustedC] = await Promise.all([
    save(dir, 'root', root, [], r),
    save(dir, 'intermediate', intermediate, [], r),
    save(dir, 'untrusted-root', untrustedRoot, [], u),
  ]);
  const [sEc, sRsa, sEd, sP384, sVia, sExp, sNyv, sWrong, sUnt, cliEc, cliRsa] = await Promise.all([
    save(dir, 'server-ecdsa', ecdsa, [], r),
    save(dir, 'server-rsa', rsa, [], r),
    save(dir, 'server-ed25519', ed25519, [], r),
    save(dir, 'server-p384', p384, [], r),
    save(dir, 'server-via-intermediate', via, [i], r),
    save(dir, 'server-expired', expired, [], r),
    save(dir, 'server-not-yet-valid', notYet, [], r),
    save(dir, 'server-wrong-host', wrong, [], r),
    save(dir, 'server-untrusted', untrusted, [], u),
    save(dir, 'client-ecdsa', cEc, [], r),
    save(dir, 'client-rsa', cRsa, [], r),
  ]);
  return {
    dir,
    root: rootC,
    intermediate: interC,
    untrustedRoot: untrustedC,
    server: {
      ecdsa: sEc,
      rsa: sRsa,
      ed25519: sEd,
      p384: sP384,
      viaIntermediate: sVia,
      expired: sExp,
      notYetValid: sNyv,
      wrongHost: sWrong,
      untrusted: sUnt,
    },
    client: { ecdsa: cliEc, rsa: cliRsa },
  };
}

// One PKI per test process: generation takes a few hundred milliseconds and every test file shares it.
// (A memoized promise is the one piece of module state allowed, and only under tests/.)
let pkiPromise: Promise<TestPki> | undefined;

/** The shared test PKI, generated on first use. */
export function testPki(): Promise<TestPki> {
  pkiPromise ??= generate();
  return pkiPromise;
}

/**
 * Writes `<cert.name>.p12` (leaf, chain and key; friendly name `leaf`) with `openssl pkcs12` for peers
 * that need PKCS#12 (NSS pk12util). Returns its path.
 */
export async function writePkcs12(cert: TestCert, password: string, dir: string): Promise<string> {
  const out = join(dir, `${cert.name}.p12`);
  await execFileAsync(
    'openssl',
    ['pkcs12', '-export', '-in', cert.files.chain, '-inkey', cert.files.key, '-name', 'leaf', '-passout', `pass:${password}`, '-out', out],
    { timeout: 10_000 },
  );
  return out;
}

/**
 * A client (or server) certificate with any subject DN, ECDSA P-256, issued by the test root: for
 * tests about subject names (a directory entry per subject, say). @peculiar/x509 takes the RDNs in
 * the certificate's order, most significant first: `DC=test, DC=typetls, OU=people, CN=alice` is the
 * entry `CN=alice,OU=people,DC=typetls,DC=test` (RFC 4514 reverses them).
 */
export async function issueWithSubject(pki: TestPki, subject: string, eku: 'serverAuth' | 'clientAuth' = 'clientAuth'): Promise<{ readonly certPem: string; readonly keyPem: string; readonly certDer: Uint8Array }> {
  const rootCert = new x509.X509Certificate(pki.root.certPem);
  const rootKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decode(pki.root.keyPem)[0] as ArrayBuffer, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const keys = await genKeys('p256');
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: (0x1000 + Math.floor(Math.random() * 0xefff)).toString(16),
    subject,
    issuer: rootCert.subject,
    publicKey: keys.publicKey,
    signingKey: rootKey,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 30 * DAY),
    signingAlgorithm: ROOT_SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([eku === 'serverAuth' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([...LOCAL_NAMES]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(await rootCert.publicKey.export()),
    ],
  });
  return { certPem: pemOf(cert), keyPem: await keyPem(keys), certDer: new Uint8Array(cert.rawData) };
}
