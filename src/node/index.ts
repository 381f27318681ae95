// The node:tls-compatible adapter (shared/DESIGN.md, "The public contract").
export { connect } from './connect.js';
export { Server, createServer } from './server.js';
export { TLSSocket } from './socket.js';
export type { ConnectionSource, TLSSocketOptions } from './socket.js';
export { SecureContext, createSecureContext } from './context.js';
export type { SecureContextOptions, PemValue, KeyValue } from './context.js';
export type { TlsConnectOptions, TlsServerOptions, SNICallback, AlpnOption, TypetlsExtras } from './options.js';
export type { PeerCertificate, CertificateName } from './certificate.js';
export type { CipherInfo, EphemeralKeyInfo } from './socket-info.js';
export { Agent, HttpsServer, createHttpsServer } from './https.js';
export type { AgentOptions } from './https.js';
