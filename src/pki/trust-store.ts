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

export class TrustStore {
  private readonly bySubject = new Map<string, Certificate[]>();
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
