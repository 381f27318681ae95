// Public entry point of the typetls package (shared/DESIGN.md, "The public contract").
export { TlsError } from './errors.js';
export * from './wire/iana.js';
export type { CryptoProvider } from './crypto/provider.js';
export type { Connection, ConnectionEvent, HandshakeSummary, CertifiedKey } from './conn/types.js';
export type { ClientConfig, ServerConfig, CommonConfig, AlpnCallback, AlpnOffer, OcspCallback, OcspRequest } from './conn/config.js';
export * from './node/index.js';
export { ClientConnection } from './conn/client.js';
export { ServerConnection } from './conn/server.js';
export { lookupSuite, lookupGroup, lookupScheme, parseSuiteList, suiteNames, suiteNamesOf } from './wire/names.js';
export type { SuiteNames } from './wire/names.js';
export { verifyCertificateChain, defaultTrustStore } from './node/verify.js';
export { TrustStore, Certificate, parseCertificate, parsePemBundle, matchesHostname, matchesIp } from './pki/index.js';
export type { VerifyOptions, VerifyResult, VerifyErrorCode } from './pki/index.js';
// The narrated trace (issue 6): the event vocabulary and the ten-step model built from it.
export type * from './trace/events.js';
export { knownEvent } from './trace/events.js';
export { buildNarrative, stepOfMessage } from './trace/steps.js';
export type { Narrative, Step, StepNumber, StepStatus, StepMessage, StepFact, StepCheck, StepSecret, StepRecord, Outcome } from './trace/steps.js';
export { dumpRows, coverage } from './trace/dump.js';
export type { DumpRow } from './trace/dump.js';
export type { CertificateCheckRecord, CertificateCheckName } from './pki/checks.js';
export { SessionCache } from './handshake/session-cache.js';
export type { SessionCacheOptions, SessionStore12 } from './handshake/session-cache.js';
export { TicketKeys } from './handshake/ticket-keys.js';
export type { TicketSealer } from './handshake/ticket-keys.js';
export { ClientSessionStore } from './handshake/session13.js';
export { EarlyDataReplayGuard } from './handshake/anti-replay.js';
