// The CryptoProvider the adapter uses when no `crypto` option is given: node:crypto.
export { nodeCryptoProvider as defaultCryptoProvider } from '../crypto/node.js';
