// verifyCertificateChain: the public certificate verifier (shared/DESIGN.md, "The public contract").
// It parses the inputs, checks the end-entity certificate and the reference identity, builds and
// validates a path to a trust anchor, then runs the application's hook on the verified chain.
//
// Trust anchors: `ca` (PEM/DER list or a prebuilt TrustStore) replaces the defaults, as in node:tls.
// Without `ca`, the anchors come from `defaultTrustStore` in the environment: this module has no
// node: imports, so the Node layer (src/node/verify.ts) supplies Node's root store and the
// node:crypto provider and exports the ready-to-use function.
import type { CryptoProvider } from '../crypto/provider.js';
import { TlsError } from '../errors.js';
import { type Certificate, toDerList } from './certificate.js';
import { type Crl, parseCrl } from './crl.js';
import { verifyError } from './errors.js';
import { EKU } from './extensions.js';
import { formatIp, matchesHostname, matchesIp, normalizeReferenceName, parseIp } from './hostname.js';
import { DEFAULT_MAX_INTERMEDIATES, buildPath } from './path.js';
import { checkCertificate, checkPurpose, checkSerial } from './profile.js';
import { TrustStore } from './trust-store.js';

export interface VerifyOptions {
  /** The end-entity certificate, DER or PEM (the first PEM block). */
  readonly leaf: string | Uint8Array;
  /** Untrusted intermediates in any order (PEM strings may hold several). */
  readonly intermediates?: readonly (string | Uint8Array)[];
  /** Trust anchors; replaces the default root store. */
  readonly ca?: readonly (string | Uint8Array)[] | TrustStore;
  /** Validation time (default: now). */
  readonly time?: Date | number;
  /** Expected DNS name (RFC 9525; an IP literal here is matched as an IP address). */
  readonly hostname?: string;
  /** Expected IP address (IPv4 dotted quad or IPv6). */
  readonly ip?: string;
  /** Extended key usage required of the chain. Default 'serverAuth'. */
  readonly purpose?: 'serverAuth' | 'clientAuth';
  /** CRLs (DER or PEM), checked for every certificate whose issuer published one. */
  readonly crl?: readonly (string | Uint8Array)[];
  /** Maximum number of intermediate certificates (self-issued ones not counted). */
  readonly maxDepth?: number;
  readonly crypto?: CryptoProvider;
  /** Accept SHA-1 signatures on certificates (never MD5). Default false. */
  readonly allowSha1?: boolean;
  /** The application's own check of the verified chain; an Error (returned, thrown or rejected) fails it. */
  readonly hook?: (chain: readonly Certificate[]) => void | Error | undefined | Promise<void | Error | undefined>;
}

export interface VerifyResult {
  /** Leaf first, trust anchor last. */
  readonly chain: Certificate[];
}

/** What the platform layer supplies: a crypto provider and the default trust anchors. */
export interface VerifyEnvironment {
  readonly crypto?: CryptoProvider;
  readonly defaultTrustStore?: () => TrustStore;
}

function anchorsOf(ca: VerifyOptions['ca'], env: VerifyEnvironment): TrustStore {
  if (ca instanceof TrustStore) return ca;
  if (ca !== undefined) return TrustStore.fromPem(ca);
  if (env.defaultTrustStore !== undefined) return env.defaultTrustStore();
  throw verifyError('ERR_TLS_NO_TRUST_ANCHORS', 'no trust anchors: pass `ca` (or use the verifyCertificateChain exported by typetls, which defaults to Node\'s root store)');
}

function firstDer(input: string | Uint8Array): Uint8Array {
  const list = toDerList(input);
  return list[0] as Uint8Array;
}

function hookError(chain: readonly Certificate[], e: unknown): TlsError {
  if (e instanceof TlsError) return e;
  const why = e instanceof Error ? e.message : String(e);
  return verifyError('CERT_REJECTED', `the application rejected the certificate ${chain[0]?.displayName ?? ''}: ${why}`, e);
}

function finish(chain: Certificate[], hook: VerifyOptions['hook']): VerifyResult | Promise<VerifyResult> {
  if (hook === undefined) return { chain };
  let r: ReturnType<NonNullable<VerifyOptions['hook']>>;
  try {
    r = hook(chain);
  } catch (e) {
    throw hookError(chain, e);
  }
  if (r instanceof Promise) {
    return r.then(
      (v) => {
        if (v instanceof Error) throw hookError(chain, v);
        return { chain };
      },
      (e: unknown) => {
        throw hookError(chain, e);
      },
    );
  }
  if (r instanceof Error) throw hookError(chain, r);
  return { chain };
}

/**
 * Verifies a certificate chain. Returns `{ chain }` (leaf first, anchor last), or a Promise of it when
 * the hook returns a Promise; throws (or rejects with) a TlsError carrying node:tls's error code.
 */
export function verifyCertificateChain(options: VerifyOptions, env: VerifyEnvironment = {}): VerifyResult | Promise<VerifyResult> {
  const crypto = options.crypto ?? env.crypto;
  if (crypto === undefined) throw verifyError('ERR_TLS_NO_TRUST_ANCHORS', 'verifyCertificateChain needs a crypto provider (`crypto` option)');
  const t = options.time === undefined ? Date.now() : typeof options.time === 'number' ? options.time : options.time.getTime();
  // RFC 5280 validity has whole-second granularity: compare at floor(time).
  const time = Math.floor(t / 1000) * 1000;
  const purpose = options.purpose ?? 'serverAuth';
  const purposeOid = purpose === 'serverAuth' ? EKU.serverAuth : EKU.clientAuth;
  const purposeName = purpose === 'serverAuth' ? 'TLS server authentication' : 'TLS client authentication';

  const store = anchorsOf(options.ca, env);
  const leaf = store.parseCertificate(firstDer(options.leaf));
  if (store.contains(leaf)) {
    // The peer's certificate is itself trusted (node:tls accepts this too, e.g. a self-signed
    // development certificate given as `ca`): the path is that one certificate.
    checkCertificate(leaf, 'anchor', time, false);
    checkSerial(leaf);
    checkPurpose(leaf, 'anchor', purposeOid, purposeName);
    checkIdentity(leaf, options);
    return finish([leaf], options.hook);
  }
  checkCertificate(leaf, 'leaf', time);
  checkPurpose(leaf, 'leaf', purposeOid, purposeName);
  checkIdentity(leaf, options);

  const intermediates: Certificate[] = [];
  for (const item of options.intermediates ?? []) for (const der of toDerList(item)) intermediates.push(store.parseCertificate(der));
  const crls: Crl[] = [];
  for (const item of options.crl ?? []) for (const der of toDerList(item, 'X509 CRL')) crls.push(parseCrl(der));

  const maxDepth = options.maxDepth ?? DEFAULT_MAX_INTERMEDIATES;
  const chain = buildPath(leaf, {
    crypto,
    time,
    purposeOid,
    purposeName,
    maxIntermediates: maxDepth,
    allowSha1: options.allowSha1 === true,
    crls,
    store,
    intermediates,
  });
  return finish(chain, options.hook);
}

/** RFC 9525 §6: the reference identity against subjectAltName (no common-name fallback). */
function checkIdentity(leaf: Certificate, options: VerifyOptions): void {
  const sans = leaf.extensions.subjectAltName?.names ?? [];
  const refs: string[] = [];
  if (options.hostname !== undefined) {
    const host = normalizeReferenceName(options.hostname);
    const asIp = parseIp(host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host);
    if (asIp !== undefined ? !matchesIp(sans, asIp) : !matchesHostname(sans, host)) refs.push(options.hostname);
  }
  if (options.ip !== undefined) {
    const ip = parseIp(options.ip);
    if (ip === undefined || !matchesIp(sans, ip)) refs.push(options.ip);
  }
  if (refs.length > 0) {
    const names = sans
      .filter((n) => n.kind === 'dns' || n.kind === 'ip')
      .map((n) => (n.kind === 'dns' ? `DNS:${n.value}` : n.kind === 'ip' ? `IP:${formatIp(n.value)}` : ''))
      .join(', ');
    throw verifyError('ERR_TLS_CERT_ALTNAME_INVALID', `certificate ${leaf.displayName} is not valid for ${refs.join(' and ')}: its subjectAltName ${names === '' ? 'has no DNS name or IP address' : 'lists ' + names}`);
  }
}
