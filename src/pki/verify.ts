// verifyCertificateChain: the public certificate verifier (shared/DESIGN.md, "The public contract").
// It parses the inputs, checks the end-entity certificate and the reference identity, builds and
// validates a path to a trust anchor, then runs the application's hook on the verified chain.
//
// Trust anchors: `ca` (PEM/DER list or a prebuilt TrustStore) replaces the defaults, as in node:tls.
// Without `ca`, the anchors come from `defaultTrustStore` in the environment, else from the crypto
// provider's `trustAnchors()`: this module has no node: imports, so the Node layer
// (src/node/verify.ts) supplies Node's root store (parsed once) and the node:crypto provider and
// exports the ready-to-use function.
import type { CryptoProvider } from '../crypto/provider.js';
import { TlsError } from '../errors.js';
import { type Certificate, toDerList } from './certificate.js';
import { type Crl, parseCrl } from './crl.js';
import { verifyError } from './errors.js';
import { EKU } from './extensions.js';
import { formatIp, matchesHostname, matchesIp, parseIp } from './hostname.js';
import { DEFAULT_MAX_INTERMEDIATES, buildPath } from './path.js';
import { checkCertificate, checkDirectlyTrusted, checkPurpose } from './profile.js';
import { TrustStore } from './trust-store.js';
import { equalBytes } from './name.js';
import { AlertDescription } from '../wire/iana.js';
import { type CheckSink, reportCheck, reportFailure, validityDetail } from './checks.js';

export type { CertificateCheckName, CertificateCheckRecord, CheckSink } from './checks.js';

export interface VerifyOptions {
  /** The end-entity certificate, DER or PEM (the first PEM block). */
  readonly leaf: string | Uint8Array;
  /** Untrusted intermediates in any order (PEM strings may hold several). */
  readonly intermediates?: readonly (string | Uint8Array)[];
  /** Trust anchors (PEM text with any number of blocks, DER, a list of those, or a TrustStore); replaces the default root store. */
  readonly ca?: string | Uint8Array | readonly (string | Uint8Array)[] | TrustStore;
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
  /**
   * The application's own check of the verified chain; an Error (returned, thrown or rejected) fails it.
   * `{ detail }` accepts it and says how (the trace's 'application' check shows it).
   */
  readonly hook?: (chain: readonly Certificate[]) => HookResult | Promise<HookResult>;
  /** Told about each check as it is made (validity, purpose, name, chain, signature, application), ok or not. */
  readonly onCheck?: CheckSink;
}

/** What a hook answers: nothing or `{ detail }` to accept, an Error to refuse. */
export type HookResult = void | Error | undefined | { readonly detail: string };

function acceptedDetail(v: HookResult): string {
  return typeof v === 'object' && v !== null && !(v instanceof Error) && typeof v.detail === 'string' ? v.detail : "the application's own check accepted the chain";
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

function anchorsOf(ca: VerifyOptions['ca'], env: VerifyEnvironment, crypto: CryptoProvider): TrustStore {
  if (ca instanceof TrustStore) return ca;
  if (ca !== undefined) return TrustStore.fromPem(ca);
  if (env.defaultTrustStore !== undefined) return env.defaultTrustStore();
  // The provider's platform roots, parsed for this call (the Node layer keeps a parsed copy instead).
  const platform = crypto.trustAnchors?.();
  if (platform !== undefined) return TrustStore.fromPem(platform, { skipInvalid: true, strictAnchors: false });
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

function finish(chain: Certificate[], hook: VerifyOptions['hook'], sink: CheckSink | undefined): VerifyResult | Promise<VerifyResult> {
  if (hook === undefined) return { chain };
  const leaf = chain[0] as Certificate;
  const fail = (e: TlsError): TlsError => {
    reportFailure(sink, leaf, e, 'application');
    return e;
  };
  const ok = (v: HookResult): VerifyResult => {
    sink?.({ check: 'application', subject: leaf.subjectText, ok: true, detail: acceptedDetail(v) });
    return { chain };
  };
  let r: ReturnType<NonNullable<VerifyOptions['hook']>>;
  try {
    r = hook(chain);
  } catch (e) {
    throw fail(hookError(chain, e));
  }
  if (r instanceof Promise) {
    return r.then(
      (v) => {
        if (v instanceof Error) throw fail(hookError(chain, v));
        return ok(v);
      },
      (e: unknown) => {
        throw fail(hookError(chain, e));
      },
    );
  }
  if (r instanceof Error) throw fail(hookError(chain, r));
  return ok(r);
}

/** Inputs already parsed: what verifyCertificateChain builds, and what a long-lived verifier keeps. */
export interface PreparedVerification {
  readonly leaf: Certificate;
  readonly intermediates: readonly Certificate[];
  readonly store: TrustStore;
  readonly crls: readonly Crl[];
  readonly crypto: CryptoProvider;
  /** Milliseconds since the epoch. */
  readonly time: number;
  readonly hostname?: string | undefined;
  readonly ip?: string | undefined;
  readonly purpose: 'serverAuth' | 'clientAuth';
  readonly maxDepth?: number | undefined;
  readonly allowSha1?: boolean | undefined;
  readonly hook?: VerifyOptions['hook'];
  /** Told about each check made (the narrated trace). */
  readonly onCheck?: CheckSink | undefined;
}

/** The verification itself, on parsed inputs. */
export function verifyPrepared(p: PreparedVerification): VerifyResult | Promise<VerifyResult> {
  // RFC 5280 validity has whole-second granularity: compare at floor(time).
  const time = Math.floor(p.time / 1000) * 1000;
  const serverAuth = p.purpose === 'serverAuth';
  const purposeOid = serverAuth ? EKU.serverAuth : EKU.clientAuth;
  const purposeName = serverAuth ? 'TLS server authentication' : 'TLS client authentication';
  const { leaf, store } = p;
  const sink = p.onCheck;
  const purposeDetail = (): string => `usable for ${purposeName} (extendedKeyUsage)`;
  const identityDetail = (): string => `subjectAltName matches ${[p.hostname, p.ip].filter((x) => x !== undefined).join(' and ')}`;
  const hasIdentity = p.hostname !== undefined || p.ip !== undefined;
  if (store.contains(leaf)) {
    // The peer's certificate is itself trusted (node:tls accepts this too, e.g. a self-signed
    // development certificate given as `ca`): the path is that one certificate.
    reportCheck(sink, 'validity', leaf, () => validityDetail(leaf, time), () => checkDirectlyTrusted(leaf, time));
    reportCheck(sink, 'purpose', leaf, purposeDetail, () => checkPurpose(leaf, 'anchor', purposeOid, purposeName));
    if (hasIdentity) reportCheck(sink, 'name', leaf, identityDetail, () => checkIdentity(leaf, p.hostname, p.ip));
    sink?.({ check: 'chain', subject: leaf.subjectText, ok: true, detail: 'the certificate is itself one of the trust anchors' });
    return finish([leaf], p.hook, sink);
  }
  // As OpenSSL (and so node:tls): a self-signed leaf that no anchor or intermediate could have issued
  // is reported as such before any other check of it.
  if (leaf.selfIssued && store.bySubjectName(leaf.issuer.raw).length === 0 && !p.intermediates.some((c) => equalBytes(c.subject.raw, leaf.issuer.raw))) {
    const e = verifyError('DEPTH_ZERO_SELF_SIGNED_CERT', `certificate ${leaf.displayName} is self-signed and not trusted`);
    reportFailure(sink, leaf, e);
    throw e;
  }
  reportCheck(sink, 'validity', leaf, () => validityDetail(leaf, time), () => checkCertificate(leaf, 'leaf', time));
  reportCheck(sink, 'purpose', leaf, purposeDetail, () => checkPurpose(leaf, 'leaf', purposeOid, purposeName));
  let chain: Certificate[];
  try {
    chain = buildPath(leaf, {
      crypto: p.crypto,
      time,
      purposeOid,
      purposeName,
      maxIntermediates: p.maxDepth ?? DEFAULT_MAX_INTERMEDIATES,
      allowSha1: p.allowSha1 === true,
      crls: p.crls,
      store,
      intermediates: p.intermediates,
    });
  } catch (e) {
    reportFailure(sink, leaf, e);
    throw e;
  }
  if (sink !== undefined) reportPath(sink, chain, time);
  // As node:tls: the identity is checked once the chain is known good, so a bad chain reports its
  // own error first.
  if (hasIdentity) reportCheck(sink, 'name', leaf, identityDetail, () => checkIdentity(leaf, p.hostname, p.ip));
  return finish(chain, p.hook, sink);
}

/** The checks buildPath made on the path it returned: each link's signature, each issuer's validity, the anchor. */
function reportPath(sink: CheckSink, chain: readonly Certificate[], time: number): void {
  for (let i = 0; i + 1 < chain.length; i++) {
    const cert = chain[i] as Certificate;
    const issuer = chain[i + 1] as Certificate;
    sink({ check: 'signature', subject: cert.subjectText, ok: true, detail: `signed by ${issuer.subjectText} (${cert.signatureAlgorithm.name}), signature verified with the issuer's public key` });
    if (i + 1 < chain.length - 1) sink({ check: 'validity', subject: issuer.subjectText, ok: true, detail: validityDetail(issuer, time) });
  }
  sink({ check: 'chain', subject: (chain[0] as Certificate).subjectText, ok: true, detail: `${chain.map((c) => c.subjectText).join(' → ')} (trust anchor)` });
}

/**
 * Verifies a certificate chain. Returns `{ chain }` (leaf first, anchor last), or a Promise of it when
 * the hook returns a Promise; throws (or rejects with) a TlsError carrying node:tls's error code.
 * `env` supplies the defaults for `crypto` and `ca` (the Node layer passes node:crypto and Node's roots).
 */
export function verifyCertificateChain(options: VerifyOptions, env: VerifyEnvironment = {}): VerifyResult | Promise<VerifyResult> {
  const crypto = options.crypto ?? env.crypto;
  if (crypto === undefined) throw verifyError('ERR_TLS_NO_CRYPTO_PROVIDER', 'verifyCertificateChain needs a crypto provider (`crypto` option)');
  const t = options.time === undefined ? Date.now() : typeof options.time === 'number' ? options.time : options.time.getTime();
  if (!Number.isFinite(t)) throw verifyError('ERR_TLS_CERT_MALFORMED', 'the `time` option is not a valid date');
  if (options.maxDepth !== undefined && !(Number.isInteger(options.maxDepth) && options.maxDepth >= 0)) {
    throw new TlsError('ERR_INVALID_ARG_VALUE', AlertDescription.internal_error, `invalid option maxDepth: ${String(options.maxDepth)} is not a non-negative integer`);
  }
  const store = anchorsOf(options.ca, env, crypto);
  // Through the store's cache: a chain seen before with this store reuses its parse, keys and signatures.
  const leaf = store.parseCertificate(firstDer(options.leaf));
  const intermediates: Certificate[] = [];
  for (const item of options.intermediates ?? []) for (const der of toDerList(item)) intermediates.push(store.parseCertificate(der));
  const crls: Crl[] = [];
  for (const item of options.crl ?? []) for (const der of toDerList(item, 'X509 CRL')) crls.push(parseCrl(der));
  return verifyPrepared({
    leaf,
    intermediates,
    store,
    crls,
    crypto,
    time: t,
    hostname: options.hostname,
    ip: options.ip,
    purpose: options.purpose ?? 'serverAuth',
    maxDepth: options.maxDepth,
    allowSha1: options.allowSha1,
    hook: options.hook,
    onCheck: options.onCheck,
  });
}

/** RFC 9525 §6: the reference identity against subjectAltName (no common-name fallback). */
export function checkIdentity(leaf: Certificate, hostname: string | undefined, ipText: string | undefined): void {
  const sans = leaf.extensions.subjectAltName?.names ?? [];
  const refs: string[] = [];
  if (hostname !== undefined) {
    const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
    const asIp = parseIp(bare);
    if (asIp !== undefined ? !matchesIp(sans, asIp) : !matchesHostname(sans, hostname)) refs.push(hostname);
  }
  if (ipText !== undefined) {
    const ip = parseIp(ipText);
    if (ip === undefined || !matchesIp(sans, ip)) refs.push(ipText);
  }
  if (refs.length > 0) {
    const names = sans
      .filter((n) => n.kind === 'dns' || n.kind === 'ip')
      .map((n) => (n.kind === 'dns' ? `DNS:${n.value}` : n.kind === 'ip' ? `IP:${formatIp(n.value)}` : ''))
      .join(', ');
    throw verifyError('ERR_TLS_CERT_ALTNAME_INVALID', `certificate ${leaf.displayName} is not valid for ${refs.join(' and ')}: its subjectAltName ${names === '' ? 'has no DNS name or IP address' : 'lists ' + names}`);
  }
}
