// Defaults for the sans-IO connections: the node:crypto provider, and the certificate verifier built
// on src/pki (full RFC 5280 validation, RFC 9525 names, CRLs, the application's hook).
import type { CryptoProvider } from '../crypto/provider.js';
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
 * ones (RSA key transport and CBC only when named in cipherSuites).
 */
export const TLS12_CAPABILITIES: Capabilities = {
  suites12: allSuites12().map((s) => s.suite),
  defaultSuites12: allSuites12()
    .filter((s) => s.forwardSecret && s.cipher.kind !== 'cbc')
    .map((s) => s.suite),
};

export type TrustInput = readonly PemOrDer[] | TrustStore;

export function defaultVerifier(
  crypto: CryptoProvider,
  ca: TrustInput | undefined,
  crl: readonly PemOrDer[] | undefined,
  hook: VerifyHook | undefined,
  checkServerIdentity: ((hostname: string, chain: readonly Uint8Array[]) => Error | undefined) | undefined,
  now: () => number,
): CertificateVerifier {
  // Built lazily, once per verifier: the default root store is only parsed when a chain is checked.
  const trustStore = (): TrustStore =>
    ca instanceof TrustStore
      ? ca
      : ca === undefined
        ? // The platform's curated roots: some predate the CA/B Forum anchor profile.
          TrustStore.fromPem(crypto.trustAnchors?.() ?? [], { skipInvalid: true, strictAnchors: false })
        : TrustStore.fromPem(ca);
  // Node's checkServerIdentity replaces the built-in name check (as in node:tls) and runs before the
  // application's hook.
  const chainHook: ChainHook | undefined =
    checkServerIdentity === undefined && hook === undefined
      ? undefined
      : (info) => {
          if (checkServerIdentity !== undefined && info.hostname !== undefined) {
            const err = checkServerIdentity(info.hostname, info.chain);
            if (err !== undefined) return err;
          }
          return hook?.(info);
        };
  const verifier = createCertificateVerifier({
    crypto,
    trustStore,
    now,
    ...(crl !== undefined ? { crl } : {}),
    ...(chainHook !== undefined ? { hook: chainHook } : {}),
  });
  return {
    leafPublicKey: (der) => verifier.leafPublicKey(der),
    // Only an explicitly configured CA list is named in a CertificateRequest, not the whole root store.
    anchorSubjects: () => (ca === undefined ? [] : verifier.anchorSubjects()),
    verify: (check: PeerCertificateCheck): VerifiedPeer | Promise<VerifiedPeer> =>
      verifier.verify(
        checkServerIdentity === undefined
          ? check
          : // The application's identity check decides; the hostname is still reported to the hooks.
            { ...check, nameCheck: false },
      ),
  };
}
