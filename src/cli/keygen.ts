// Key generation for the certificate issuer (src/pki/issue.ts), through node:crypto. Lives in the
// CLI because only src/crypto, src/node and src/cli may import node: modules.
import { generateKeyPairSync } from 'node:crypto';
import { nodeCryptoProvider } from '../crypto/node.js';
import type { GeneratedKeyPair, IssueKeyType, IssuedCertificate, IssueOptions } from '../pki/issue.js';
import { issueCertificate } from '../pki/issue.js';

export function generateKeyPair(type: IssueKeyType): GeneratedKeyPair {
  const publicKeyEncoding = { type: 'spki', format: 'der' } as const;
  const privateKeyEncoding = { type: 'pkcs8', format: 'pem' } as const;
  let pair: { publicKey: Buffer; privateKey: string };
  if (type === 'ecdsa-p256') pair = generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding, privateKeyEncoding });
  else if (type === 'rsa-2048') pair = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding, privateKeyEncoding });
  else pair = generateKeyPairSync('ed25519', { publicKeyEncoding, privateKeyEncoding });
  const spki = pair.publicKey;
  return { privateKeyPem: pair.privateKey, spkiDer: new Uint8Array(spki.buffer, spki.byteOffset, spki.length) };
}

/** issueCertificate with the node crypto provider and node key generation. */
export function issue(opts: IssueOptions): IssuedCertificate {
  return issueCertificate(opts, { crypto: nodeCryptoProvider(), generateKeyPair });
}
