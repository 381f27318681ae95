// Seam: the CryptoProvider the adapter uses to import `key` options when no `crypto` option is given.
// PLACEHOLDER until src/crypto/node.ts lands; at the merge this becomes a one-line re-export of the
// node:crypto provider's constructor.
import type { CryptoProvider } from '../crypto/provider.js';

export function defaultCryptoProvider(): CryptoProvider {
  throw new Error('typetls: the node:crypto provider (src/crypto/node.ts) is not implemented yet');
}
