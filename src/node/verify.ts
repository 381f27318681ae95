// The Node side of certificate verification: Node's root store (`tls.rootCertificates`) as the default
// trust anchors, node:crypto as the default provider, and the verifyCertificateChain that typetls
// exports (src/pki itself has no node: imports).
import { rootCertificates } from 'node:tls';
import { nodeCryptoProvider } from '../crypto/node.js';
import { TrustStore } from '../pki/trust-store.js';
import { type VerifyOptions, type VerifyResult, verifyCertificateChain as verifyWith } from '../pki/verify.js';

// A lazily computed constant, not state: Node's root list is fixed for the life of the process, so
// the store parsed from it on first use never changes (about 10 ms to build; every later call
// reuses the parsed anchors and their imported keys).
let systemStore: TrustStore | undefined;

/** Node's bundled root certificates as a TrustStore, built once on first use. */
export function defaultTrustStore(): TrustStore {
  if (systemStore === undefined) {
    // The curated roots predate parts of the CA/B Forum root profile: check them leniently.
    systemStore = TrustStore.fromPem(rootCertificates, { skipInvalid: true, strictAnchors: false });
  }
  return systemStore;
}

/**
 * verifyCertificateChain with Node defaults: `crypto` = node:crypto, `ca` = Node's root store.
 * Returns `{ chain }` or, when the hook returns a Promise, a Promise of it; throws a TlsError.
 */
export function verifyCertificateChain(options: VerifyOptions): VerifyResult | Promise<VerifyResult> {
  return verifyWith(options, { crypto: options.crypto ?? nodeCryptoProvider(), defaultTrustStore });
}
