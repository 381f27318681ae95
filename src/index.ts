// Public entry point of the typetls package (shared/DESIGN.md, "The public contract").
export { TlsError } from './errors.js';
export * from './wire/iana.js';
export type { CryptoProvider } from './crypto/provider.js';
export type { Connection, ConnectionEvent, HandshakeSummary, CertifiedKey } from './conn/types.js';
export type { ClientConfig, ServerConfig, CommonConfig } from './conn/config.js';
export * from './node/index.js';
export { ClientConnection } from './conn/client.js';
export { ServerConnection } from './conn/server.js';
export { lookupSuite, lookupGroup, lookupScheme, parseSuiteList, suiteNames, suiteNamesOf } from './wire/names.js';
export type { SuiteNames } from './wire/names.js';
export { verifyCertificateChain, defaultTrustStore } from './node/verify.js';
export { TrustStore, Certificate, parseCertificate, parsePemBundle, matchesHostname, matchesIp } from './pki/index.js';
export type { VerifyOptions, VerifyResult, VerifyErrorCode } from './pki/index.js';
export { SessionCache } from './handshake/session-cache.js';
export type { SessionCacheOptions } from './handshake/session-cache.js';
export { TicketKeys } from './handshake/ticket-keys.js';
export type { TicketSealer } from './handshake/ticket-keys.js';
