// src/pki: certificate parsing, path building and validation, hostname checks, trust store.
export {
  verifyCertificateChain,
  verifyPrepared,
  type VerifyOptions,
  type VerifyResult,
  type VerifyEnvironment,
  type PreparedVerification,
} from './verify.js';
export { createCertificateVerifier, type CertificateVerifierOptions, type ChainHook } from './verifier.js';
export { TrustStore, type TrustStoreOptions } from './trust-store.js';
export { Certificate, parseCertificate, parsePemBundle } from './certificate.js';
export { matchesHostname, matchesIp, parseIp, formatIp } from './hostname.js';
export { parseCrl, type Crl } from './crl.js';
export { nameToString, type Name, type GeneralName } from './name.js';
export type { VerifyErrorCode } from './errors.js';
