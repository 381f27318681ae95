// Certificate extensions (RFC 5280 §4.2) that path validation needs, parsed strictly. Duplicate
// extensions are malformed (§4.2); which unknown ones are critical is recorded for the validator.
import { DerReader, Tag, ctx, malformed } from './der.js';
import { type GeneralName, parseGeneralName, parseGeneralNames } from './name.js';

export const OID = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  issuerAltName: '2.5.29.18',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  policyMappings: '2.5.29.33',
  authorityKeyIdentifier: '2.5.29.35',
  policyConstraints: '2.5.29.36',
  extKeyUsage: '2.5.29.37',
  freshestCRL: '2.5.29.46',
  inhibitAnyPolicy: '2.5.29.54',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  subjectInfoAccess: '1.3.6.1.5.5.7.1.11',
  sctList: '1.3.6.1.4.1.11129.2.4.2',
} as const;

export const EKU = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  any: '2.5.29.37.0',
} as const;

/** KeyUsage bits (RFC 5280 §4.2.1.3), numbered from the most significant bit of the first byte. */
export const KeyUsageBit = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
  encipherOnly: 7,
  decipherOnly: 8,
} as const;

export interface GeneralSubtree {
  readonly base: GeneralName;
}

export interface NameConstraints {
  readonly permitted: readonly GeneralSubtree[] | undefined;
  readonly excluded: readonly GeneralSubtree[] | undefined;
}

export interface AuthorityKeyIdentifier {
  readonly keyIdentifier: Uint8Array | undefined;
  readonly hasIssuerAndSerial: boolean;
}

export interface Extension {
  readonly oid: string;
  readonly critical: boolean;
  readonly value: Uint8Array;
}

export interface Extensions {
  readonly all: readonly Extension[];
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLen: number | undefined; readonly critical: boolean };
  /** The KeyUsage bit set; undefined when the extension is absent. */
  readonly keyUsage?: { readonly bits: number; readonly critical: boolean };
  readonly extKeyUsage?: { readonly oids: readonly string[]; readonly critical: boolean };
  readonly subjectAltName?: { readonly names: readonly GeneralName[]; readonly critical: boolean };
  readonly nameConstraints?: NameConstraints & { readonly critical: boolean };
  readonly subjectKeyIdentifier?: { readonly value: Uint8Array; readonly critical: boolean };
  readonly authorityKeyIdentifier?: AuthorityKeyIdentifier & { readonly critical: boolean };
  readonly policyConstraintsCritical?: boolean;
  /** OIDs of critical extensions we do not process. */
  readonly unknownCritical: readonly string[];
  /** Extensions that must not be critical but were (RFC 5280 §4.2.1.1, §4.2.1.2, §4.2.2.1). */
  readonly badlyCritical: readonly string[];
  /** Extensions that must be critical but were not (RFC 5280 §4.2.1.11). */
  readonly mustBeCritical: readonly string[];
}

function keyUsageBits(r: DerReader): number {
  const { bytes } = r.bitString('keyUsage');
  let bits = 0;
  for (let i = 0; i < bytes.length && i < 2; i++) bits |= (bytes[i] as number) << (i === 0 ? 8 : 0);
  // Bit n counted from the MSB of the first byte -> bit (15 - n) of this 16-bit number.
  if (bits === 0) throw malformed('keyUsage with no bit set'); // RFC 5280 §4.2.1.3
  return bits;
}

export function hasKeyUsage(ku: { readonly bits: number } | undefined, bit: number): boolean {
  return ku !== undefined && (ku.bits & (1 << (15 - bit))) !== 0;
}

function parseSubtrees(r: DerReader, what: string): GeneralSubtree[] {
  const out: GeneralSubtree[] = [];
  while (!r.atEnd) {
    const s = r.sequence(what);
    const base = parseGeneralName(s, `${what} base`);
    // RFC 5280 §4.2.1.10: minimum MUST be zero and maximum MUST be absent.
    if (!s.atEnd) throw malformed(`${what}: minimum/maximum are not allowed`);
    out.push({ base });
  }
  if (out.length === 0) throw malformed(`${what}: empty GeneralSubtrees`);
  return out;
}

function parseNameConstraints(r: DerReader): NameConstraints {
  const s = r.sequence('nameConstraints');
  const p = s.peekTag() === ctx(0, true) ? parseSubtrees(s.enter(ctx(0, true), 'permittedSubtrees'), 'permittedSubtrees') : undefined;
  const x = s.peekTag() === ctx(1, true) ? parseSubtrees(s.enter(ctx(1, true), 'excludedSubtrees'), 'excludedSubtrees') : undefined;
  s.done('nameConstraints');
  // RFC 5280 §4.2.1.10: either permittedSubtrees or excludedSubtrees MUST be present.
  if (p === undefined && x === undefined) throw malformed('nameConstraints with neither permitted nor excluded subtrees');
  return { permitted: p, excluded: x };
}

function parseAki(r: DerReader): AuthorityKeyIdentifier {
  const s = r.sequence('authorityKeyIdentifier');
  const kid = s.optional(ctx(0, false));
  let hasIssuer = false;
  if (s.peekTag() === ctx(1, true)) {
    parseGeneralNames(s.enter(ctx(1, true), 'authorityCertIssuer'), 'authorityCertIssuer');
    hasIssuer = true;
  }
  let hasSerial = false;
  if (s.peekTag() === ctx(2, false)) {
    s.integer('authorityCertSerialNumber', ctx(2, false));
    hasSerial = true;
  }
  s.done('authorityKeyIdentifier');
  // RFC 5280 §4.2.1.1: issuer and serial are present together or not at all.
  if (hasIssuer !== hasSerial) throw malformed('authorityKeyIdentifier with only one of issuer and serial');
  return { keyIdentifier: kid === undefined ? undefined : s.bytes(kid), hasIssuerAndSerial: hasIssuer };
}

function checkPolicies(r: DerReader): void {
  const s = r.sequence('certificatePolicies');
  if (s.atEnd) throw malformed('empty certificatePolicies');
  const seen = new Set<string>();
  while (!s.atEnd) {
    const pi = s.sequence('PolicyInformation');
    const id = pi.oid('policyIdentifier');
    // RFC 5280 §4.2.1.4: a policy OID appears at most once.
    if (seen.has(id)) throw malformed('certificatePolicies repeats a policy');
    seen.add(id);
    if (!pi.atEnd) pi.sequence('policyQualifiers');
    pi.done('PolicyInformation');
  }
}

function checkAccessDescriptions(r: DerReader, what: string): void {
  const s = r.sequence(what);
  if (s.atEnd) throw malformed(`empty ${what}`);
  while (!s.atEnd) {
    const ad = s.sequence(`${what} AccessDescription`);
    ad.oid('accessMethod');
    parseGeneralName(ad, 'accessLocation');
    ad.done(`${what} AccessDescription`);
  }
}

/** Parses `[3] EXPLICIT Extensions` contents (a SEQUENCE SIZE (1..MAX) OF Extension). */
export function parseExtensions(r: DerReader): Extensions {
  const seq = r.sequence('extensions');
  const all: Extension[] = [];
  const seen = new Set<string>();
  const unknownCritical: string[] = [];
  const badlyCritical: string[] = [];
  const mustBeCritical: string[] = [];
  const out: {
    -readonly [K in keyof Extensions]: Extensions[K];
  } = { all, unknownCritical, badlyCritical, mustBeCritical };
  if (seq.atEnd) throw malformed('empty extensions');
  while (!seq.atEnd) {
    const e = seq.sequence('Extension');
    const oid = e.oid('extnID');
    let critical = false;
    if (e.peekTag() === Tag.BOOLEAN) critical = e.boolean('critical');
    const value = e.octetString('extnValue');
    e.done('Extension');
    // RFC 5280 §4.2: a certificate MUST NOT include more than one instance of an extension.
    if (seen.has(oid)) throw malformed(`duplicate extension ${oid}`);
    seen.add(oid);
    all.push({ oid, critical, value });
    const v = new DerReader(value);
    switch (oid) {
      case OID.basicConstraints: {
        const s = v.sequence('basicConstraints');
        const ca = s.peekTag() === Tag.BOOLEAN ? s.boolean('cA') : false;
        const pathLen = s.atEnd ? undefined : s.smallInt('pathLenConstraint');
        s.done('basicConstraints');
        out.basicConstraints = { ca, pathLen, critical };
        break;
      }
      case OID.keyUsage:
        out.keyUsage = { bits: keyUsageBits(v), critical };
        break;
      case OID.extKeyUsage: {
        const s = v.sequence('extKeyUsage');
        const oids: string[] = [];
        while (!s.atEnd) oids.push(s.oid('KeyPurposeId'));
        // RFC 5280 §4.2.1.12: ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId
        if (oids.length === 0) throw malformed('empty extKeyUsage');
        out.extKeyUsage = { oids, critical };
        break;
      }
      case OID.subjectAltName:
        out.subjectAltName = { names: parseGeneralNames(v.sequence('subjectAltName'), 'subjectAltName'), critical };
        break;
      case OID.nameConstraints:
        out.nameConstraints = { ...parseNameConstraints(v), critical };
        break;
      case OID.subjectKeyIdentifier:
        out.subjectKeyIdentifier = { value: v.octetString('subjectKeyIdentifier'), critical };
        if (critical) badlyCritical.push('subjectKeyIdentifier'); // RFC 5280 §4.2.1.2
        break;
      case OID.authorityKeyIdentifier:
        out.authorityKeyIdentifier = { ...parseAki(v), critical };
        if (critical) badlyCritical.push('authorityKeyIdentifier'); // RFC 5280 §4.2.1.1
        break;
      case OID.certificatePolicies:
        checkPolicies(v);
        break;
      case OID.policyConstraints: {
        const s = v.sequence('policyConstraints');
        s.optional(ctx(0, false));
        s.optional(ctx(1, false));
        s.done('policyConstraints');
        out.policyConstraintsCritical = critical;
        // RFC 5280 §4.2.1.11: conforming CAs MUST mark this extension as critical.
        if (!critical) mustBeCritical.push('policyConstraints');
        break;
      }
      case OID.authorityInfoAccess:
        checkAccessDescriptions(v, 'authorityInfoAccess');
        if (critical) badlyCritical.push('authorityInfoAccess'); // RFC 5280 §4.2.2.1
        continue;
      case OID.subjectInfoAccess:
        checkAccessDescriptions(v, 'subjectInfoAccess');
        continue;
      case OID.inhibitAnyPolicy:
      case OID.policyMappings:
      case OID.crlDistributionPoints:
      case OID.freshestCRL:
      case OID.issuerAltName:
      case OID.sctList:
        continue;
      default:
        if (critical) unknownCritical.push(oid);
        continue;
    }
    v.done(oid);
  }
  return out;
}
