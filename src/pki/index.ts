// src/pki: certificate parsing, path building and validation, hostname checks, trust store.
export { verifyCertificateChain, type VerifyOptions, type VerifyResult, type VerifyEnvironment } from './verify.js';
export { TrustStore, type TrustStoreOptions } from './trust-store.js';
export { Certificate, parseCertificate, parsePemBundle } from './certificate.js';
export { matchesHostname, matchesIp, parseIp } from './hostname.js';
export { parseCrl, type Crl } from './crl.js';
export type { VerifyErrorCode } from './errors.js';
