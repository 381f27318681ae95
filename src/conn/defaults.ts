// Defaults for the sans-IO connections: the node:crypto provider, and the certificate verifier built
// on src/pki (full RFC 5280 validation, RFC 9525 names, CRLs, the application's hook).
import type { CryptoProvider, PublicKey } from '../crypto/provider.js';
import { nodeCryptoProvider } from '../crypto/node.js';
import type { CertificateVerifier, PeerCertificateCheck, VerifiedPeer } from '../handshake/verifier.js';
import type { PemOrDer, VerifyHook } from './config.js';
import type { Capabilities } from './resolve.js';
import { allSuites12 } from '../keys/suites12.js';
import { TrustStore } from '../pki/trust-store.js';
import { createCertificateVerifier, type ChainHook } from '../pki/verifier.js';

export function defaultProvider(): CryptoProvider {
  return nodeCryptoProvider();
}

/**
 * TLS 1.2: every suite src/keys/suites12.ts implements; on by default only the forward-secret AEAD
 * ones with certificates (RSA key transport and CBC only when named in cipherSuites; PSK suites only
 * when named and a pre-shared key is configured: TLS12_PSK_CAPABILITIES).
 */
export const TLS12_CAPABILITIES: Capabilities = Object.freeze({
  suites12: Object.freeze(
    allSuites12()
      .filter((s) => !s.psk)
      .map((s) => s.suite),
  ),
  defaultSuites12: Object.freeze(
    allSuites12()
      .filter((s) => s.forwardSecret && s.cipher.kind !== 'cbc' && !s.psk)
      .map((s) => s.suite),
  ),
});

/** TLS 1.2 with a pre-shared key configured: the PSK suites may be named too. */
export const TLS12_PSK_CAPABILITIES: Capabilities = Object.freeze({
  suites12: Object.freeze(allSuites12().map((s) => s.suite)),
  defaultSuites12: TLS12_CAPABILITIES.defaultSuites12,
});

export type TrustInput = readonly PemOrDer[] | TrustStore;

/** Node's checkServerIdentity shape, as the client config carries it. */
type IdentityCheck = (hostname: string, chain: readonly Uint8Array[]) => Error | undefined;

/**
 * The verifier a config gets by default: src/pki's, built on first use (the default root store is
 * only parsed when a chain is checked). A class rather than closures: every connection has one.
 */
class DefaultVerifier implements CertificateVerifier {
  private inner: CertificateVerifier | undefined;
  private store: TrustStore | undefined;

  constructor(
    private readonly crypto: CryptoProvider,
    private readonly ca: TrustInput | undefined,
    private readonly crl: readonly PemOrDer[] | undefined,
    private readonly hook: VerifyHook | undefined,
    private readonly checkServerIdentity: IdentityCheck | undefined,
    private readonly now: () => number,
  ) {
    // CRLs are parsed now, so a bad one is reported when the config is built, not mid-handshake.
    if (crl !== undefined) this.pki();
  }

  private trustStore(): TrustStore {
    if (this.store !== undefined) return this.store;
    const { crypto, ca } = this;
    this.store =
      ca instanceof TrustStore
        ? ca
        : ca === undefined
          ? // The platform's curated roots: some predate the CA/B Forum anchor profile.
            TrustStore.fromPem(crypto.trustAnchors?.() ?? [], { skipInvalid: true, strictAnchors: false })
          : TrustStore.fromPem(ca);
    return this.store;
  }

  /**
   * src/pki's verifier. Kept only with CRLs (parsed once); otherwise built per call, so a client's
   * connection does not hold it after its handshake (the trust store's caches do the reuse).
   */
  private pki(): CertificateVerifier {
    if (this.inner !== undefined) return this.inner;
    const { crypto, hook, crl } = this;
    const csi = this.checkServerIdentity;
    const store = this.trustStore();
    const trustStore = (): TrustStore => store;
    // Node's checkServerIdentity replaces the built-in name check (as in node:tls) and runs before
    // the application's hook.
    const chainHook: ChainHook | undefined =
      csi === undefined && hook === undefined
        ? undefined
        : (info) => {
            if (csi !== undefined && info.hostname !== undefined) {
              const err = csi(info.hostname, info.chain);
              if (err !== undefined) return err;
            }
            return hook?.(info);
          };
    const verifier = createCertificateVerifier({
      crypto,
      trustStore,
      now: this.now,
      ...(crl !== undefined ? { crl } : {}),
      ...(chainHook !== undefined ? { hook: chainHook } : {}),
    });
    if (crl !== undefined) this.inner = verifier;
    return verifier;
  }

  leafPublicKey(der: Uint8Array): PublicKey {
    return this.pki().leafPublicKey(der);
  }

  anchorSubjects(): readonly Uint8Array[] {
    // Only an explicitly configured CA list is named in a CertificateRequest, not the whole root store.
    return this.ca === undefined ? [] : this.pki().anchorSubjects();
  }

  verify(check: PeerCertificateCheck): VerifiedPeer | Promise<VerifiedPeer> {
    return this.pki().verify(
      this.checkServerIdentity === undefined
        ? check
        : // The application's identity check decides; the hostname is still reported to the hooks.
          { ...check, nameCheck: false },
    );
  }
}

export function defaultVerifier(
  crypto: CryptoProvider,
  ca: TrustInput | undefined,
  crl: readonly PemOrDer[] | undefined,
  hook: VerifyHook | undefined,
  checkServerIdentity: IdentityCheck | undefined,
  now: () => number,
): CertificateVerifier {
  return new DefaultVerifier(crypto, ca, crl, hook, checkServerIdentity, now);
}
