// Defaults for the sans-IO connections: the node:crypto provider, and the certificate verifier built
// on src/pki (full RFC 5280 validation, RFC 9525 names, CRLs, the application's hook).
import type { CryptoProvider } from '../crypto/provider.js';
import { nodeCryptoProvider } from '../crypto/node.js';
import type { CertificateVerifier, PeerCertificateCheck, VerifiedPeer } from '../handshake/verifier.js';
import type { PemOrDer, VerifyHook } from './config.js';
import type { Capabilities } from './resolve.js';
import { TrustStore } from '../pki/trust-store.js';
import { verifyCertificateChain } from '../pki/verify.js';
import { TlsError } from '../errors.js';
import { AlertDescription } from '../wire/iana.js';

export function defaultProvider(): CryptoProvider {
  return nodeCryptoProvider();
}

/** TLS 1.2 is not built yet: no 1.2 suites. */
export const TLS12_CAPABILITIES: Capabilities = { suites12: [], defaultSuites12: [] };

export type TrustInput = readonly PemOrDer[] | TrustStore;

export function defaultVerifier(
  crypto: CryptoProvider,
  ca: TrustInput | undefined,
  crl: readonly PemOrDer[] | undefined,
  hook: VerifyHook | undefined,
  checkServerIdentity: ((hostname: string, chain: readonly Uint8Array[]) => Error | undefined) | undefined,
  now: () => number,
): CertificateVerifier {
  // Parsed lazily, once per verifier: the default root store is only built when a chain is checked.
  let store: TrustStore | undefined = ca instanceof TrustStore ? ca : undefined;
  const trust = (): TrustStore => {
    if (store === undefined) {
      store =
        ca === undefined
          ? // The platform's curated roots: some predate the CA/B Forum anchor profile.
            TrustStore.fromPem(crypto.trustAnchors?.() ?? [], { skipInvalid: true, strictAnchors: false })
          : TrustStore.fromPem(ca as readonly PemOrDer[]);
    }
    return store;
  };
  return {
    leafPublicKey(der: Uint8Array) {
      // Parsed through the trust store's cache: the same leaf again reuses its imported key.
      return trust().parseCertificate(der).publicKey(crypto);
    },
    anchorSubjects() {
      // Only an explicitly configured CA list is named in a CertificateRequest (not the whole root store).
      return ca === undefined ? [] : trust().anchors.map((a) => a.subject.raw);
    },
    verify(check: PeerCertificateCheck): VerifiedPeer | Promise<VerifiedPeer> {
      const [leaf, ...intermediates] = check.certificates;
      if (leaf === undefined) throw new TlsError('ERR_TLS_CERT_MISSING', AlertDescription.bad_certificate, 'no certificate to verify');
      const appHook = hook;
      const result = verifyCertificateChain({
        leaf,
        intermediates,
        ca: trust(),
        time: now(),
        purpose: check.purpose,
        crypto,
        ...(check.hostname !== undefined && checkServerIdentity === undefined ? { hostname: check.hostname } : {}),
        ...(check.ip !== undefined && checkServerIdentity === undefined ? { ip: check.ip } : {}),
        ...(crl !== undefined ? { crl } : {}),
        ...(appHook !== undefined || checkServerIdentity !== undefined
          ? {
              hook: (chain: readonly { raw: Uint8Array }[]) => {
                const ders = chain.map((c) => c.raw);
                if (checkServerIdentity !== undefined) {
                  const name = check.hostname ?? check.ip;
                  if (name !== undefined) {
                    const err = checkServerIdentity(name, ders);
                    if (err !== undefined) return err;
                  }
                }
                return appHook?.({ chain: ders, hostname: check.hostname ?? check.ip, purpose: check.purpose });
              },
            }
          : {}),
      });
      const toPeer = (r: { chain: readonly { raw: Uint8Array }[] }): VerifiedPeer => ({ chain: r.chain.map((c) => c.raw) });
      return result instanceof Promise ? result.then(toPeer) : toPeer(result);
    },
  };
}
