// Per-certificate checks of the RFC 5280 profile as the web PKI applies it (CA/Browser Forum
// Baseline Requirements §7.1), independent of the path: extensions, key sizes, validity, and what
// a certificate in each position (end entity, intermediate CA, trust anchor) must and must not carry.
import type { Certificate } from './certificate.js';
import { verifyError } from './errors.js';
import { EKU, KeyUsageBit, hasKeyUsage } from './extensions.js';
import { equalBytes, isEmptyName } from './name.js';

export type Role = 'leaf' | 'ca' | 'anchor';

function profile(cert: Certificate, what: string): Error {
  return verifyError('ERR_TLS_CERT_PROFILE', `certificate ${cert.displayName} ${what}`);
}

/** RFC 5280 §4.1.2.5: the validity period, at a time floored to whole seconds. */
function checkValidity(cert: Certificate, time: number): void {
  if (time < cert.notBefore) {
    throw verifyError('CERT_NOT_YET_VALID', `certificate ${cert.displayName} is not valid until ${new Date(cert.notBefore).toISOString()}`);
  }
  if (time > cert.notAfter) {
    throw verifyError('CERT_HAS_EXPIRED', `certificate ${cert.displayName} expired on ${new Date(cert.notAfter).toISOString()}`);
  }
}

function checkKey(cert: Certificate, role: Role): void {
  const k = cert.keyInfo;
  if (k.kind === 'unsupported') {
    throw verifyError('UNSUPPORTED_PUBLIC_KEY', `certificate ${cert.displayName} has ${k.problem ?? 'an unsupported key'}`);
  }
  // CA/B Forum BR §6.1.5: RSA moduli of at least 2048 bits, a multiple of 8.
  if ((k.kind === 'rsa' || k.kind === 'rsa-pss') && (k.bits === undefined || k.bits < 2048 || k.bits % 8 !== 0)) {
    throw verifyError(role === 'leaf' ? 'EE_KEY_TOO_SMALL' : 'CA_KEY_TOO_SMALL', `certificate ${cert.displayName} has a ${k.bits ?? 0}-bit RSA key; at least 2048 bits (a multiple of 8) are required`);
  }
}

/** RFC 5280 §4.1.2.2: a positive integer of at most 20 octets (some curated roots use zero). */
function checkSerial(cert: Certificate, allowZero = false): void {
  const s = cert.serial;
  if ((s[0] as number) & 0x80) throw profile(cert, 'has a negative serial number');
  if (!allowZero && s.length === 1 && s[0] === 0) throw profile(cert, 'has serial number zero');
  if (s.length > 21 || (s.length === 21 && s[0] !== 0)) throw profile(cert, 'has a serial number longer than 20 octets');
}

/**
 * Checks that do not depend on the rest of the path. `strictAnchor` applies the CA/B Forum root
 * profile to trust anchors too; it is off for the system root store, whose curated roots predate
 * parts of it (RFC 5280 §6.1.1 (d) itself only needs an anchor's name and key).
 */
export function checkCertificate(cert: Certificate, role: Role, time: number, strictAnchor = true): void {
  const x = cert.extensions;
  // RFC 5280 §4.2: a certificate with an unrecognized critical extension MUST be rejected.
  if (x.unknownCritical.length > 0) {
    throw verifyError('UNHANDLED_CRITICAL_EXTENSION', `certificate ${cert.displayName} has the unsupported critical extension ${x.unknownCritical.join(', ')}`);
  }
  if (x.badlyCritical.length > 0) throw profile(cert, `marks ${x.badlyCritical.join(', ')} critical, which RFC 5280 forbids`);
  if (x.mustBeCritical.length > 0) throw profile(cert, `does not mark ${x.mustBeCritical.join(', ')} critical, as RFC 5280 requires`);
  checkValidity(cert, time);
  checkSerial(cert, role === 'anchor');
  if (role === 'anchor' && !strictAnchor) {
    // A curated root: only what the path itself needs (it must be a CA allowed to sign certificates).
    const bc = x.basicConstraints;
    if (cert.version === 3 && (bc === undefined || !bc.ca)) throw verifyError('INVALID_CA', `trusted certificate ${cert.displayName} is not a CA`);
    if (x.keyUsage !== undefined && !hasKeyUsage(x.keyUsage, KeyUsageBit.keyCertSign)) {
      throw verifyError('INVALID_CA', `trusted certificate ${cert.displayName} has a key usage without keyCertSign`);
    }
    checkKey(cert, role);
    return;
  }
  if (cert.version !== 3) throw profile(cert, `is an X.509 v${cert.version} certificate; v3 is required`);
  checkKey(cert, role);
  // RFC 5280 §4.1.2.4: the issuer field MUST contain a non-empty name.
  if (isEmptyName(cert.issuer)) throw profile(cert, 'has an empty issuer name');
  const san = x.subjectAltName;
  if (isEmptyName(cert.subject)) {
    // RFC 5280 §4.1.2.6: a CA's subject is non-empty; an empty subject needs a critical SAN (§4.2.1.6).
    if (role !== 'leaf') throw profile(cert, 'is a CA certificate with an empty subject');
    if (san === undefined || !san.critical) throw profile(cert, 'has an empty subject and no critical subjectAltName');
  } else if (san !== undefined && san.critical) {
    // CA/B Forum BR §7.1.2.7.12: critical only when the subject is empty.
    throw profile(cert, 'marks subjectAltName critical although its subject is not empty');
  }
  const aki = x.authorityKeyIdentifier;
  const ski = x.subjectKeyIdentifier;
  if (role === 'leaf') {
    // RFC 5280 §4.2.1.10: name constraints only in CA certificates.
    if (x.nameConstraints !== undefined) throw profile(cert, 'is an end-entity certificate with name constraints');
    // RFC 5280 §4.2.1.3 and CA/B Forum BR §7.1.2.7.8: an end entity is not a CA.
    if (x.basicConstraints?.ca === true) {
      throw verifyError('INVALID_PURPOSE', `certificate ${cert.displayName} is a CA certificate (basicConstraints cA) and cannot be used as an end-entity certificate`);
    }
    if (hasKeyUsage(x.keyUsage, KeyUsageBit.keyCertSign)) throw profile(cert, 'asserts keyCertSign without being a CA');
    const eku = x.extKeyUsage;
    // CA/B Forum BR §7.1.2.7.10 and §7.1.2.7.6: no anyExtendedKeyUsage, and not critical.
    if (eku !== undefined && eku.oids.includes(EKU.any)) throw profile(cert, 'has anyExtendedKeyUsage in its extended key usage');
    if (eku !== undefined && eku.critical) throw profile(cert, 'marks its extended key usage critical');
    // RFC 5280 §4.2.1.1: AKI MUST be present except in self-signed certificates.
    if (aki === undefined && !cert.selfIssued) throw profile(cert, 'has no authorityKeyIdentifier');
    return;
  }
  // RFC 5280 §4.2.1.9: the cA bit, in a critical basicConstraints, on every CA certificate.
  const bc = x.basicConstraints;
  if (bc === undefined) throw verifyError('INVALID_CA', `certificate ${cert.displayName} is used as a CA but has no basicConstraints extension`);
  if (!bc.ca) throw verifyError('INVALID_CA', `certificate ${cert.displayName} is used as a CA but its basicConstraints say it is not one`);
  if (!bc.critical) throw verifyError('INVALID_CA', `certificate ${cert.displayName} is a CA but its basicConstraints extension is not critical`);
  // RFC 5280 §4.2.1.3: keyCertSign for a key that signs certificates.
  if (x.keyUsage !== undefined && !hasKeyUsage(x.keyUsage, KeyUsageBit.keyCertSign)) {
    throw verifyError('INVALID_CA', `certificate ${cert.displayName} is used as a CA but its key usage does not include keyCertSign`);
  }
  // RFC 5280 §4.2.1.2: CA certificates MUST include a subject key identifier.
  if (ski === undefined) throw profile(cert, 'is a CA certificate without a subjectKeyIdentifier');
  if (aki !== undefined) {
    // CA/B Forum BR §7.1.2.11.1: keyIdentifier present, authorityCertIssuer and serial absent.
    if (aki.keyIdentifier === undefined) throw profile(cert, 'has an authorityKeyIdentifier without keyIdentifier');
    if (aki.hasIssuerAndSerial) throw profile(cert, 'has an authorityKeyIdentifier with authorityCertIssuer and serial number');
    if (cert.selfIssued && role === 'anchor' && !equalBytes(aki.keyIdentifier, ski.value)) {
      throw profile(cert, 'is a self-issued root whose authorityKeyIdentifier differs from its subjectKeyIdentifier');
    }
  } else if (role === 'ca' && !cert.selfIssued) {
    // RFC 5280 §4.2.1.1: only self-signed certificates may omit it. A trust anchor may (x509-limbo
    // cve-2024-0567 trusts a cross-signed CA without one).
    throw profile(cert, 'has no authorityKeyIdentifier');
  }
  // CA/B Forum BR §7.1.2.1.2: a root CA certificate has no extKeyUsage.
  if (role === 'anchor' && cert.selfIssued && x.extKeyUsage !== undefined) throw profile(cert, 'is a root certificate with an extended key usage extension');
}

/**
 * A peer certificate that is itself a trust anchor (a self-signed certificate given as `ca`, as
 * node:tls allows): no path to build, but it must still be well formed, current and usable.
 */
export function checkDirectlyTrusted(cert: Certificate, time: number): void {
  const x = cert.extensions;
  if (x.unknownCritical.length > 0) {
    throw verifyError('UNHANDLED_CRITICAL_EXTENSION', `certificate ${cert.displayName} has the unsupported critical extension ${x.unknownCritical.join(', ')}`);
  }
  checkSerial(cert);
  checkValidity(cert, time);
  checkKey(cert, 'leaf');
}

/** RFC 5280 §4.2.1.12: the extended key usage allows the purpose (CAs may say anyExtendedKeyUsage). */
export function checkPurpose(cert: Certificate, role: Role, purposeOid: string, purposeName: string): void {
  const eku = cert.extKeyUsageOids;
  if (eku === undefined) return;
  if (eku.includes(purposeOid)) return;
  if (role !== 'leaf' && eku.includes(EKU.any)) return;
  const who = role === 'leaf' ? 'certificate' : 'CA certificate';
  throw verifyError('INVALID_PURPOSE', `${who} ${cert.displayName} is not valid for ${purposeName} (its extended key usage does not allow it)`);
}
