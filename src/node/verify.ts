// The Node side of certificate verification: Node's root store (`tls.rootCertificates`) as the default
// trust anchors, node:crypto as the default provider, and the verifyCertificateChain that typetls
// exports (src/pki itself has no node: imports).
import { Buffer } from 'node:buffer';
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

/** How many distinct `ca` lists keep their parsed store (connect() calls that pass the same `ca`). */
const CA_STORES = 16;

// Also a memo of pure results, not state that changes behaviour: a TrustStore is a function of the
// DER it was built from (its cache of recently seen certificates holds only parses, imported keys
// and verified signatures, all pure). connect({ ca }) builds a new context for every connection, as
// node:tls does; with this memo the anchors are parsed, their keys imported and a server's chain
// verified once per process instead of once per connection. Bounded, least recently used first out.
const caStores = new Map<string, TrustStore>();

function cacheKey(items: readonly (string | Uint8Array)[]): string {
  let key = '';
  for (const d of items) key += typeof d === 'string' ? `p${d.length}:${d}` : `d${d.length}:${Buffer.from(d.buffer, d.byteOffset, d.length).toString('latin1')}`;
  return key;
}

function remember(key: string, store: TrustStore): void {
  caStores.delete(key);
  if (caStores.size >= CA_STORES) {
    const oldest = caStores.keys().next();
    if (oldest.done !== true) caStores.delete(oldest.value);
  }
  caStores.set(key, store);
}

/** The store built before from exactly these `ca` values (PEM text or DER), if any. */
export function cachedTrustStore(items: readonly (string | Uint8Array)[]): TrustStore | undefined {
  const key = cacheKey(items);
  const hit = caStores.get(key);
  if (hit !== undefined) remember(key, hit);
  return hit;
}

/**
 * The TrustStore for these anchors (DER), shared by every context built from the same bytes; also
 * found afterwards by `original` (the `ca` option as given, e.g. PEM text). Throws like
 * TrustStore.fromPem when one does not parse (nothing is cached then).
 */
export function trustStoreFor(ders: readonly (string | Uint8Array)[], original?: readonly (string | Uint8Array)[]): TrustStore {
  const key = cacheKey(ders);
  const store = caStores.get(key) ?? TrustStore.fromPem(ders);
  remember(key, store);
  if (original !== undefined) remember(cacheKey(original), store);
  return store;
}

/**
 * verifyCertificateChain with Node defaults: `crypto` = node:crypto, `ca` = Node's root store.
 * Returns `{ chain }` or, when the hook returns a Promise, a Promise of it; throws a TlsError.
 */
export function verifyCertificateChain(options: VerifyOptions): VerifyResult | Promise<VerifyResult> {
  return verifyWith(options, { crypto: options.crypto ?? nodeCryptoProvider(), defaultTrustStore });
}
