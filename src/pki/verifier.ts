// The CertificateVerifier the handshake uses (src/handshake/verifier.ts), built once per config:
// anchors and CRLs are parsed when it is created, so each handshake parses only what the peer sent.
import type { CryptoProvider, PublicKey } from '../crypto/provider.js';
import type { CertificateVerifier, PeerCertificateCheck, VerifiedPeer } from '../handshake/verifier.js';
import { type Certificate, toDerList } from './certificate.js';
import { type Crl, parseCrl } from './crl.js';
import { verifyError } from './errors.js';
import type { TrustStore } from './trust-store.js';
import { type HookResult, type VerifyResult, verifyPrepared } from './verify.js';

/** The application's check of a verified chain (the config's verifyHook shape). */
export type ChainHook = (info: {
  readonly chain: readonly Uint8Array[];
  readonly hostname: string | undefined;
  readonly purpose: 'serverAuth' | 'clientAuth';
}) => HookResult | Promise<HookResult>;

export interface CertificateVerifierOptions {
  readonly crypto: CryptoProvider;
  /** The anchors; called once, on first use (so a default root store is only built when needed). */
  readonly trustStore: () => TrustStore;
  readonly crl?: readonly (string | Uint8Array)[];
  /** Clock, ms since the epoch (default Date.now). */
  readonly now?: () => number;
  readonly hook?: ChainHook;
  readonly maxDepth?: number;
  readonly allowSha1?: boolean;
}

class PkiCertificateVerifier implements CertificateVerifier {
  private store: TrustStore | undefined;
  private readonly crls: readonly Crl[];
  /** The last leaf parsed by leafPublicKey, reused by verify for the same bytes. */
  private lastLeaf: Certificate | undefined;

  constructor(private readonly o: CertificateVerifierOptions) {
    const crls: Crl[] = [];
    for (const item of o.crl ?? []) for (const der of toDerList(item, 'X509 CRL')) crls.push(parseCrl(der));
    this.crls = crls;
  }

  private anchors(): TrustStore {
    if (this.store === undefined) this.store = this.o.trustStore();
    return this.store;
  }

  private parseLeaf(der: Uint8Array): Certificate {
    const last = this.lastLeaf;
    if (last !== undefined && (last.raw === der || (last.raw.length === der.length && last.raw.every((b, i) => b === der[i])))) return last;
    // Through the trust store's cache: verifiers sharing a store (one per connection) reuse the
    // parse, the imported key and the verified signatures of a chain seen before.
    const leaf = this.anchors().parseCertificate(der);
    this.lastLeaf = leaf;
    return leaf;
  }

  /**
   * Intermediates through the trust store's cache of recently seen certificates: peers send the same
   * chain on every handshake, and importing a key costs more than the rest of the verification.
   */
  private intermediate(der: Uint8Array): Certificate {
    return this.anchors().parseCertificate(der);
  }

  leafPublicKey(der: Uint8Array): PublicKey {
    return this.parseLeaf(der).publicKey(this.o.crypto);
  }

  verify(check: PeerCertificateCheck): VerifiedPeer | Promise<VerifiedPeer> {
    const [first, ...rest] = check.certificates;
    if (first === undefined) throw verifyError('ERR_TLS_CERT_MALFORMED', 'the peer sent no certificate');
    const leaf = this.parseLeaf(first);
    const hook = this.o.hook;
    const result = verifyPrepared({
      leaf,
      intermediates: rest.map((d) => this.intermediate(d)),
      store: this.anchors(),
      crls: this.crls,
      crypto: this.o.crypto,
      time: (this.o.now ?? Date.now)(),
      hostname: check.nameCheck === false ? undefined : check.hostname,
      ip: check.nameCheck === false ? undefined : check.ip,
      purpose: check.purpose,
      maxDepth: this.o.maxDepth,
      allowSha1: this.o.allowSha1,
      hook: hook === undefined ? undefined : (chain) => hook({ chain: chain.map((c) => c.raw), hostname: check.hostname ?? check.ip, purpose: check.purpose }),
      onCheck: check.onCheck,
    });
    const toPeer = (r: VerifyResult): VerifiedPeer => ({ chain: r.chain.map((c) => c.raw) });
    return result instanceof Promise ? result.then(toPeer) : toPeer(result);
  }

  anchorSubjects(): readonly Uint8Array[] {
    return this.anchors().anchors.map((a) => a.subject.raw);
  }
}

export function createCertificateVerifier(options: CertificateVerifierOptions): CertificateVerifier {
  return new PkiCertificateVerifier(options);
}
