// A set of parsed trust anchors indexed by subject name, built once and reused: a TLS config builds
// one, so each verification starts with the anchors parsed (and their keys imported on first use).
import { type Certificate, parseCertificate, toDerList } from './certificate.js';
import { bytesKey } from './bytes.js';
import { equalBytes } from './name.js';

export interface TrustStoreOptions {
  /** Skip certificates that do not parse (used for system root stores) instead of throwing. */
  readonly skipInvalid?: boolean;
  /**
   * Apply the CA/B Forum root profile to these anchors (critical basicConstraints, key identifiers,
   * no extKeyUsage, ...). Default true; the system root store is built with false, because some
   * curated roots predate those rules.
   */
  readonly strictAnchors?: boolean;
}

/** How many recently seen certificates a store keeps parsed (with their imported keys). */
const RECENT_CERTIFICATES = 256;

/**
 * Work a TLS configuration repeats for every connection to the same peer, kept with its trust store:
 * certificates parsed from identical DER, with the public key each has imported and the signatures
 * verified on it (Certificate.knownSignedBy). Only pure results are reused: a DER string always
 * parses to the same certificate and a signature over the same bytes with the same key always
 * verifies the same way; validity dates, names, key usages, constraints, revocation and the
 * application's hook are checked again on every verification.
 */
class RecentCertificates {
  /** Keyed by the signature value (then the whole DER is compared), insertion-ordered for eviction. */
  private readonly bySignature = new Map<string, Certificate>();

  parse(der: Uint8Array): Certificate {
    const key = signatureKey(der);
    const hit = key === undefined ? undefined : this.bySignature.get(key);
    if (hit !== undefined && equalBytes(hit.raw, der)) return hit;
    if (key === undefined) return parseCertificate(der);
    // A copy, so the cache neither holds nor sees changes to the caller's buffer.
    const cert = parseCertificate(der.slice());
    if (this.bySignature.size >= RECENT_CERTIFICATES) {
      const oldest = this.bySignature.keys().next();
      if (oldest.done !== true) this.bySignature.delete(oldest.value);
    }
    this.bySignature.set(key, cert);
    return cert;
  }
}

/** The last 64 bytes of a DER certificate (inside its signature value), as a map key; undefined when too short. */
function signatureKey(der: Uint8Array): string | undefined {
  if (der.length < 128) return undefined;
  return `${der.length}:${bytesKey(der.subarray(der.length - 64))}`;
}

export class TrustStore {
  private readonly bySubject = new Map<string, Certificate[]>();
  private readonly recent = new RecentCertificates();
  readonly anchors: readonly Certificate[];
  readonly strictAnchors: boolean;

  private constructor(anchors: readonly Certificate[], strictAnchors: boolean) {
    this.strictAnchors = strictAnchors;
    const kept: Certificate[] = [];
    for (const a of anchors) {
      const k = bytesKey(a.subject.raw);
      const list = this.bySubject.get(k);
      if (list === undefined) this.bySubject.set(k, [a]);
      else if (list.some((x) => equalBytes(x.raw, a.raw))) continue;
      else list.push(a);
      kept.push(a);
    }
    this.anchors = kept;
  }

  static fromCertificates(certs: readonly Certificate[], options: TrustStoreOptions = {}): TrustStore {
    return new TrustStore(certs, options.strictAnchors !== false);
  }

  /** From PEM text (any number of blocks) and/or DER certificates. Throws on a malformed one unless skipInvalid. */
  static fromPem(input: string | Uint8Array | readonly (string | Uint8Array)[], options: TrustStoreOptions = {}): TrustStore {
    const items = typeof input === 'string' || input instanceof Uint8Array ? [input] : input;
    const certs: Certificate[] = [];
    for (const item of items) {
      for (const der of toDerList(item)) {
        try {
          certs.push(parseCertificate(der));
        } catch (e) {
          if (options.skipInvalid !== true) throw e;
        }
      }
    }
    return new TrustStore(certs, options.strictAnchors !== false);
  }

  /**
   * Parses a certificate the peer sent, reusing the parse (and imported key) of identical DER seen
   * recently with this store. Throws like parseCertificate.
   */
  parseCertificate(der: Uint8Array): Certificate {
    return this.recent.parse(der);
  }

  get size(): number {
    return this.anchors.length;
  }

  /** Anchors whose subject is exactly `issuerName` (DER). */
  bySubjectName(issuerName: Uint8Array): readonly Certificate[] {
    return this.bySubject.get(bytesKey(issuerName)) ?? [];
  }

  /** Is this exact certificate an anchor? */
  contains(cert: Certificate): boolean {
    const list = this.bySubject.get(bytesKey(cert.subject.raw));
    return list !== undefined && list.some((x) => equalBytes(x.raw, cert.raw));
  }
}
