// Certificate revocation lists given by the application (RFC 5280 §5, checked as in §6.3 for
// complete, directly issued CRLs): the CRL's issuer name, signature, the issuer's cRLSign key usage,
// thisUpdate/nextUpdate, its CRL number, and the revoked serial numbers.
import type { CryptoProvider } from '../crypto/provider.js';
import { type X509SignatureAlgorithm, parseSignatureAlgorithm } from './algorithms.js';
import { bytesKey } from './bytes.js';
import type { Certificate } from './certificate.js';
import { DerReader, Tag, ctx, malformed } from './der.js';
import { verifyError } from './errors.js';
import { KeyUsageBit, hasKeyUsage } from './extensions.js';
import { type Name, equalBytes, nameToString, parseName } from './name.js';

const OID_CRL_NUMBER = '2.5.29.20';
const OID_AKI = '2.5.29.35';
const OID_DELTA_CRL_INDICATOR = '2.5.29.27';
const OID_ISSUING_DISTRIBUTION_POINT = '2.5.29.28';
const OID_REASON_CODE = '2.5.29.21';
const OID_INVALIDITY_DATE = '2.5.29.24';

export interface Crl {
  readonly raw: Uint8Array;
  readonly tbs: Uint8Array;
  readonly signatureAlgorithm: X509SignatureAlgorithm;
  readonly signature: Uint8Array;
  readonly issuer: Name;
  readonly thisUpdate: number;
  readonly nextUpdate: number | undefined;
  /** Serial numbers (INTEGER contents) keyed as latin1 strings. */
  readonly revoked: ReadonlySet<string>;
  readonly authorityKeyId: Uint8Array | undefined;
  /** Why this CRL cannot be relied on, if it cannot (missing CRL number, unknown critical extension). */
  readonly problem: string | undefined;
}

/** Parses a DER CertificateList (RFC 5280 §5.1). */
export function parseCrl(der: Uint8Array): Crl {
  const top = new DerReader(der);
  const c = top.sequence('CertificateList');
  top.done('CertificateList');
  const tbsEl = c.expect(Tag.SEQUENCE, 'tbsCertList');
  const sigAlg = parseSignatureAlgorithm(c, 'CRL signatureAlgorithm');
  const sig = c.bitString('CRL signatureValue');
  c.done('CertificateList');
  const t = new DerReader(der, tbsEl.contentStart, tbsEl.end);
  let version = 1;
  if (t.peekTag() === Tag.INTEGER) {
    version = t.smallInt('CRL version') + 1;
    if (version !== 2) throw malformed('CRL version');
  }
  const inner = parseSignatureAlgorithm(t, 'CRL signature');
  if (!equalBytes(inner.raw, sigAlg.raw)) throw verifyError('CRL_SIGNATURE_FAILURE', 'the CRL signatureAlgorithm differs from the one inside tbsCertList');
  const issuer = parseName(t, 'CRL issuer');
  const thisUpdate = t.time('thisUpdate');
  let nextUpdate: number | undefined;
  const nt = t.peekTag();
  if (nt === Tag.UTCTime || nt === Tag.GeneralizedTime) nextUpdate = t.time('nextUpdate');
  const revoked = new Set<string>();
  let problem: string | undefined;
  if (t.peekTag() === Tag.SEQUENCE) {
    const list = t.sequence('revokedCertificates');
    while (!list.atEnd) {
      const entry = list.sequence('revoked certificate');
      revoked.add(bytesKey(entry.integer('userCertificate')));
      entry.time('revocationDate');
      if (!entry.atEnd) {
        const exts = entry.sequence('crlEntryExtensions');
        while (!exts.atEnd) {
          const e = exts.sequence('CRL entry extension');
          const oid = e.oid('extnID');
          const critical = e.peekTag() === Tag.BOOLEAN ? e.boolean('critical') : false;
          e.octetString('extnValue');
          e.done('CRL entry extension');
          if (critical && oid !== OID_REASON_CODE && oid !== OID_INVALIDITY_DATE) problem = `an entry has the unknown critical extension ${oid}`;
        }
      }
      entry.done('revoked certificate');
    }
  }
  let authorityKeyId: Uint8Array | undefined;
  let hasNumber = false;
  if (t.peekTag() === ctx(0, true)) {
    if (version !== 2) throw malformed('crlExtensions in a v1 CRL');
    const exts = t.enter(ctx(0, true), 'crlExtensions').sequence('crlExtensions');
    while (!exts.atEnd) {
      const e = exts.sequence('CRL extension');
      const oid = e.oid('extnID');
      const critical = e.peekTag() === Tag.BOOLEAN ? e.boolean('critical') : false;
      const value = e.octetString('extnValue');
      e.done('CRL extension');
      if (oid === OID_CRL_NUMBER) {
        hasNumber = true;
        // RFC 5280 §5.2.3: a non-critical extension.
        if (critical) problem = 'its CRL number extension is marked critical';
        new DerReader(value).integer('CRLNumber');
      } else if (oid === OID_AKI) {
        const a = new DerReader(value).sequence('authorityKeyIdentifier');
        const kid = a.optional(ctx(0, false));
        if (kid !== undefined) authorityKeyId = a.bytes(kid);
      } else if (oid === OID_DELTA_CRL_INDICATOR || oid === OID_ISSUING_DISTRIBUTION_POINT) {
        // Delta and partitioned CRLs are not supported: such a CRL is not a complete list.
        problem = `it is a delta or partitioned CRL (${oid}), which is not supported`;
      } else if (critical) problem = `it has the unknown critical extension ${oid}`;
    }
  }
  t.done('tbsCertList');
  // RFC 5280 §5.2.3: conforming CRL issuers MUST include the CRL number.
  if (!hasNumber && problem === undefined) problem = 'it has no CRL number';
  return {
    raw: der,
    tbs: c.raw(tbsEl),
    signatureAlgorithm: sigAlg,
    signature: sig.bytes,
    issuer,
    thisUpdate,
    nextUpdate,
    revoked,
    authorityKeyId,
    problem,
  };
}

/**
 * Throws when a CRL issued by `issuer` is unusable or lists `cert` (RFC 5280 §6.3.3). CRLs of other
 * issuers are skipped; a certificate without a CRL passes (the application chose which CRLs to give).
 */
export function checkRevocation(cert: Certificate, issuer: Certificate, crls: readonly Crl[], time: number, crypto: CryptoProvider): void {
  for (const crl of crls) {
    if (!equalBytes(crl.issuer.raw, cert.issuer.raw) || !equalBytes(crl.issuer.raw, issuer.subject.raw)) continue;
    const ski = issuer.extensions.subjectKeyIdentifier?.value;
    if (crl.authorityKeyId !== undefined && ski !== undefined && !equalBytes(crl.authorityKeyId, ski)) continue;
    const who = `the CRL of ${nameToString(crl.issuer)}`;
    if (crl.problem !== undefined) throw verifyError('CRL_SIGNATURE_FAILURE', `${who} cannot be used: ${crl.problem}`);
    // RFC 5280 §4.2.1.3 and §6.3.3 (f): the CRL issuer's key usage must allow cRLSign.
    const ku = issuer.extensions.keyUsage;
    if (ku !== undefined && !hasKeyUsage(ku, KeyUsageBit.cRLSign)) {
      throw verifyError('CRL_SIGNATURE_FAILURE', `${who} is signed by a CA whose key usage does not include cRLSign`);
    }
    const alg = crl.signatureAlgorithm.algorithm;
    if (alg === undefined || !crypto.verify(alg, issuer.publicKey(crypto), crl.tbs, crl.signature)) {
      throw verifyError('CRL_SIGNATURE_FAILURE', `the signature on ${who} does not verify with the key of ${issuer.displayName}`);
    }
    if (time < crl.thisUpdate) throw verifyError('CRL_NOT_YET_VALID', `${who} is not valid yet (thisUpdate ${new Date(crl.thisUpdate).toISOString()})`);
    if (crl.nextUpdate !== undefined && time > crl.nextUpdate) {
      throw verifyError('CRL_HAS_EXPIRED', `${who} has expired (nextUpdate ${new Date(crl.nextUpdate).toISOString()})`);
    }
    if (crl.revoked.has(bytesKey(cert.serial))) {
      throw verifyError('CERT_REVOKED', `certificate ${cert.displayName} (serial ${Array.from(cert.serial, (b) => b.toString(16).padStart(2, '0')).join('')}) is revoked by ${who}`);
    }
  }
}
