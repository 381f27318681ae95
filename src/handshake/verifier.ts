// The seam between the handshake and certificate validation: the handshake asks for the leaf's key
// (to check CertificateVerify) and for a verdict on the chain; src/pki implements it in full.
import type { PublicKey } from '../crypto/provider.js';
import type { CheckSink } from '../pki/checks.js';

export interface PeerCertificateCheck {
  /** As received: leaf first, then whatever the peer sent, in its order. */
  readonly certificates: readonly Uint8Array[];
  readonly purpose: 'serverAuth' | 'clientAuth';
  /** DNS name to match (client side), when known. */
  readonly hostname?: string;
  /** IP literal to match (client side), when the peer was addressed by IP. */
  readonly ip?: string;
  /** Told about each check made (the narrated trace); only set when tracing. */
  readonly onCheck?: CheckSink;
  /**
   * False when the application's own identity check (node's checkServerIdentity) replaces the
   * built-in name match; hostname/ip are then only reported to the hooks.
   */
  readonly nameCheck?: boolean;
}

export interface VerifiedPeer {
  /** Leaf first, trust anchor last. */
  readonly chain: readonly Uint8Array[];
}

export interface CertificateVerifier {
  /** The end-entity certificate's public key; throws a TlsError (bad_certificate) when unusable. */
  leafPublicKey(der: Uint8Array): PublicKey;
  /** Verifies the chain; throws (or rejects with) a TlsError carrying node:tls's code and the alert. */
  verify(check: PeerCertificateCheck): VerifiedPeer | Promise<VerifiedPeer>;
  /** DER subject names of the trust anchors (for certificate_authorities in a CertificateRequest). */
  anchorSubjects(): readonly Uint8Array[];
}
