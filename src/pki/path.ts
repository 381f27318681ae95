// Path building with backtracking (RFC 4158 in spirit) and RFC 5280 §6.1 path validation, done
// incrementally: each candidate issuer is checked against the partial path below it (signature,
// CA profile, validity, path length, extended key usage, name constraints, revocation), so a
// failing candidate is abandoned at once and the next one tried. Work is bounded by a budget of
// candidate steps and signature verifications, so hostile inputs cost linear, not exponential, time.
import type { CryptoProvider } from '../crypto/provider.js';
import { TlsError } from '../errors.js';
import type { Certificate } from './certificate.js';
import { bytesKey } from './bytes.js';
import { type Crl, checkRevocation } from './crl.js';
import { verifyError } from './errors.js';
import { NAME_CONSTRAINT_BUDGET, checkNameConstraints, validateConstraints } from './name-constraints.js';
import { equalBytes } from './name.js';
import { checkCertificate, checkPurpose } from './profile.js';
import type { TrustStore } from './trust-store.js';

const MAX_STEPS = 256;
const MAX_SIGNATURES = 64;
/** Default bound on intermediates when the caller gives none. */
export const DEFAULT_MAX_INTERMEDIATES = 8;

export interface PathContext {
  readonly crypto: CryptoProvider;
  /** Validation time, ms, floored to whole seconds. */
  readonly time: number;
  readonly purposeOid: string;
  readonly purposeName: string;
  readonly maxIntermediates: number;
  readonly allowSha1: boolean;
  readonly crls: readonly Crl[];
  readonly store: TrustStore;
  readonly intermediates: readonly Certificate[];
}

interface Search {
  readonly ctx: PathContext;
  readonly pool: Map<string, Certificate[]>;
  steps: number;
  signatures: number;
  readonly sigCache: Map<Certificate, Map<Certificate, boolean>>;
  readonly checked: Map<Certificate, TlsError | null>;
  ncBudget: { left: number };
  /** The most informative failure so far and the path length where it happened. */
  best: { error: TlsError; rank: number } | undefined;
}

function record(s: Search, error: TlsError, rank: number): void {
  if (s.best === undefined || rank > s.best.rank) s.best = { error, rank };
}

/** Non-self-issued intermediates in chain[1..end) (RFC 5280 §6.1.4 (l)). */
function countIntermediates(chain: readonly Certificate[], end: number): number {
  let n = 0;
  for (let i = 1; i < end; i++) if (!(chain[i] as Certificate).selfIssued) n++;
  return n;
}

function signedBy(s: Search, cert: Certificate, issuer: Certificate): boolean {
  if (cert.knownSignedBy(issuer)) return true;
  let m = s.sigCache.get(cert);
  if (m === undefined) s.sigCache.set(cert, (m = new Map()));
  const cached = m.get(issuer);
  if (cached !== undefined) return cached;
  if (++s.signatures > MAX_SIGNATURES) {
    throw verifyError('ERR_TLS_CERT_CHAIN_TOO_COMPLEX', `building a path for this certificate needs more than ${MAX_SIGNATURES} signature checks; giving up`);
  }
  const alg = cert.signatureAlgorithm.algorithm;
  let ok = false;
  if (alg !== undefined) {
    const key = issuer.publicKey(s.ctx.crypto);
    ok = s.ctx.crypto.verify(alg, key, cert.tbs, cert.signature);
  }
  if (ok) cert.rememberSignedBy(issuer);
  m.set(issuer, ok);
  return ok;
}

/** The signature algorithm of `cert` is one we accept (RFC 5280 §4.1.1.2; SHA-1 and MD5 refused by default). */
function checkSignatureAlgorithm(cert: Certificate, issuer: Certificate, allowSha1: boolean): void {
  const a = cert.signatureAlgorithm;
  if (a.hash === 'md5' || (a.hash === 'sha1' && !allowSha1)) {
    throw verifyError('CA_MD_TOO_WEAK', `certificate ${cert.displayName} is signed with ${a.name}, which is not accepted`);
  }
  if (a.algorithm === undefined) throw verifyError('UNSUPPORTED_SIGNATURE_ALGORITHM', `certificate ${cert.displayName} is signed with ${a.name}, which is not supported`);
  const k = issuer.keyInfo.kind;
  const fits = a.keyKind === 'rsa' ? k === 'rsa' || (k === 'rsa-pss' && a.algorithm.kind === 'rsa-pss') : a.keyKind === k;
  if (!fits) throw verifyError('CERT_SIGNATURE_FAILURE', `certificate ${cert.displayName} is signed with ${a.name} but its issuer ${issuer.displayName} has a ${k} key`);
}

function cachedCheck(s: Search, cert: Certificate, role: 'ca' | 'anchor'): void {
  const prior = s.checked.get(cert);
  if (prior === null) return;
  if (prior !== undefined) throw prior;
  try {
    checkCertificate(cert, role, s.ctx.time, s.ctx.store.strictAnchors);
    checkPurpose(cert, role, s.ctx.purposeOid, s.ctx.purposeName);
    const nc = cert.extensions.nameConstraints;
    if (nc !== undefined) validateConstraints(cert, nc);
    s.checked.set(cert, null);
  } catch (e) {
    if (e instanceof TlsError) s.checked.set(cert, e);
    throw e;
  }
}

/** Checks `issuer` as the next certificate above chain (which ends with the certificate it signed). */
function checkLink(s: Search, chain: readonly Certificate[], issuer: Certificate, isAnchor: boolean): void {
  const ctx = s.ctx;
  const child = chain[chain.length - 1] as Certificate;
  const pos = chain.length; // index the issuer would take
  // Chain depth: non-self-issued intermediates, counting the issuer if it is one.
  const inter = countIntermediates(chain, pos) + (!isAnchor && !issuer.selfIssued ? 1 : 0);
  if (inter > ctx.maxIntermediates) {
    throw verifyError('CERT_CHAIN_TOO_LONG', `the chain of ${chain[0]?.displayName ?? 'the certificate'} needs more than ${ctx.maxIntermediates} intermediate certificates`);
  }
  cachedCheck(s, issuer, isAnchor ? 'anchor' : 'ca');
  checkSignatureAlgorithm(child, issuer, ctx.allowSha1);
  // RFC 5280 §6.1.3 (a)(1): the signature.
  if (!signedBy(s, child, issuer)) {
    throw verifyError('CERT_SIGNATURE_FAILURE', `the signature on certificate ${child.displayName} does not verify with the key of ${issuer.displayName}`);
  }
  // RFC 5280 §6.1.4 (m): pathLenConstraint counts the non-self-issued intermediates below.
  const pathLen = issuer.extensions.basicConstraints?.pathLen;
  if (pathLen !== undefined && countIntermediates(chain, pos) > pathLen) {
    throw verifyError('PATH_LENGTH_EXCEEDED', `CA ${issuer.displayName} allows ${pathLen} intermediate certificate(s) below it, but the chain has more`);
  }
  // RFC 5280 §6.1.3 (b)–(c): its name constraints apply to every certificate below it, skipping
  // self-issued intermediates.
  const nc = issuer.extensions.nameConstraints;
  if (nc !== undefined) {
    for (let j = 0; j < pos; j++) {
      const c = chain[j] as Certificate;
      if (j > 0 && c.selfIssued) continue;
      checkNameConstraints(issuer, nc, c, s.ncBudget);
    }
  }
  // RFC 5280 §6.3: revocation of the child by this issuer.
  if (ctx.crls.length > 0) checkRevocation(child, issuer, ctx.crls, ctx.time, ctx.crypto);
}

function candidates(s: Search, cert: Certificate): { cert: Certificate; anchor: boolean }[] {
  const out: { cert: Certificate; anchor: boolean }[] = [];
  const aki = cert.extensions.authorityKeyIdentifier?.keyIdentifier;
  const fits = (c: Certificate): boolean => {
    // RFC 5280 §4.2.1.1: when both key identifiers are present they must agree.
    const ski = c.extensions.subjectKeyIdentifier?.value;
    return aki === undefined || ski === undefined || equalBytes(aki, ski);
  };
  for (const a of s.ctx.store.bySubjectName(cert.issuer.raw)) if (fits(a)) out.push({ cert: a, anchor: true });
  for (const c of s.pool.get(bytesKey(cert.issuer.raw)) ?? []) if (fits(c)) out.push({ cert: c, anchor: false });
  return out;
}

function inChain(chain: readonly Certificate[], c: Certificate): boolean {
  for (const x of chain) {
    if (x === c || equalBytes(x.raw, c.raw)) return true;
    // The same logical CA (subject and key) twice is a cycle too.
    if (equalBytes(x.subject.raw, c.subject.raw) && equalBytes(x.spki, c.spki)) return true;
  }
  return false;
}

function extend(s: Search, chain: Certificate[]): Certificate[] | undefined {
  if (++s.steps > MAX_STEPS) {
    throw verifyError('ERR_TLS_CERT_CHAIN_TOO_COMPLEX', `building a path needs more than ${MAX_STEPS} steps; giving up`);
  }
  const top = chain[chain.length - 1] as Certificate;
  let viable = 0;
  for (const { cert, anchor } of candidates(s, top)) {
    if (inChain(chain, cert)) continue;
    viable++;
    try {
      checkLink(s, chain, cert, anchor);
    } catch (e) {
      if (!(e instanceof TlsError) || e.code === 'ERR_TLS_CERT_CHAIN_TOO_COMPLEX') throw e;
      record(s, e, 2 * chain.length + 1);
      continue;
    }
    chain.push(cert);
    if (anchor) return chain;
    const done = extend(s, chain);
    if (done !== undefined) return done;
    chain.pop();
  }
  if (viable === 0) record(s, deadEnd(s, chain), 2 * chain.length);
  return undefined;
}

function deadEnd(s: Search, chain: readonly Certificate[]): TlsError {
  const top = chain[chain.length - 1] as Certificate;
  const leaf = chain[0] as Certificate;
  if (top.selfIssued) {
    let selfSigned = false;
    try {
      selfSigned = top.signatureAlgorithm.algorithm !== undefined && signedBy(s, top, top);
    } catch (e) {
      if (e instanceof TlsError && e.code === 'ERR_TLS_CERT_CHAIN_TOO_COMPLEX') throw e;
    }
    if (selfSigned && chain.length === 1) return verifyError('DEPTH_ZERO_SELF_SIGNED_CERT', `certificate ${top.displayName} is self-signed and not trusted`);
    if (selfSigned) return verifyError('SELF_SIGNED_CERT_IN_CHAIN', `the chain of ${leaf.displayName} ends in the self-signed certificate ${top.displayName}, which is not trusted`);
  }
  if (chain.length === 1) {
    return verifyError('UNABLE_TO_VERIFY_LEAF_SIGNATURE', `the issuer of certificate ${leaf.displayName} (${top.issuerText}) is neither trusted nor among the intermediates`);
  }
  return verifyError('UNABLE_TO_GET_ISSUER_CERT_LOCALLY', `the chain of ${leaf.displayName} stops at ${top.displayName}, whose issuer (${top.issuerText}) is not a trusted certificate`);
}

/** Builds and validates a path from `leaf` (already checked on its own) to a trust anchor. */
export function buildPath(leaf: Certificate, ctx: PathContext): Certificate[] {
  const pool = new Map<string, Certificate[]>();
  for (const c of ctx.intermediates) {
    // The leaf, and copies of anchors (servers often send the root too), are not intermediates.
    if (equalBytes(c.raw, leaf.raw) || ctx.store.contains(c)) continue;
    const k = bytesKey(c.subject.raw);
    const list = pool.get(k);
    if (list === undefined) pool.set(k, [c]);
    else if (!list.some((x) => equalBytes(x.raw, c.raw))) list.push(c);
  }
  const s: Search = {
    ctx,
    pool,
    steps: 0,
    signatures: 0,
    sigCache: new Map(),
    checked: new Map(),
    ncBudget: { left: NAME_CONSTRAINT_BUDGET },
    best: undefined,
  };
  const chain = extend(s, [leaf]);
  if (chain !== undefined) return chain;
  throw s.best?.error ?? verifyError('UNABLE_TO_GET_ISSUER_CERT_LOCALLY', `no path from ${leaf.displayName} to a trusted certificate`);
}
