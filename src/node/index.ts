// The node:tls-compatible adapter (shared/DESIGN.md, "The public contract").
//
//   import { connect, createServer, createHttpsServer, Agent } from 'typetls';
//   const socket = connect({ host, port, ca, ALPNProtocols: ['http/1.1'] }, () => socket.write('...'));
//   const server = createServer({ cert, key }, (tls) => tls.pipe(tls)).listen(8443);
//   https.get({ host, port, agent: new Agent({ ca }) }, onResponse);      // node's https over typetls
//   createHttpsServer({ cert, key }, (req, res) => res.end('hi')).listen(8443); // http over typetls
//
// Option names and events are node:tls's; typetls extras: `trace`, `verifyHook`, `crypto`,
// `ciphersuites`, `numTickets`, `connectionFactory` (the seam tests use to plug in a fake Connection).
export { connect } from './connect.js';
export { Server, createServer } from './server.js';
export { TLSSocket } from './socket.js';
export type { ConnectionSource, TLSSocketOptions } from './socket.js';
export type { NodeTLSSocketOptions } from './wrap.js';
export type { SocketLike } from './socket-base.js';
export { SecureContext, createSecureContext } from './context.js';
export type { SecureContextOptions, PemValue, KeyValue } from './context.js';
export type { PfxOption, PfxValue } from './pfx.js';
export type { TlsConnectOptions, TlsServerOptions, SNICallback, ALPNCallback, AlpnOption, TypetlsExtras } from './options.js';
export type { PeerCertificate, CertificateName } from './certificate.js';
export type { CipherInfo, EphemeralKeyInfo } from './socket-info.js';
export { Agent, HttpsServer, createHttpsServer } from './https.js';
export type { AgentOptions } from './https.js';
export { TRACE_CHANNEL } from './trace-channel.js';
export { directoryCheck, ldapDn } from './directory.js';
export type { DirectoryCheckOptions } from './directory.js';
export { checkServerIdentity, getCiphers, rootCertificates, DEFAULT_CIPHERS, DEFAULT_ECDH_CURVE, DEFAULT_MAX_VERSION, DEFAULT_MIN_VERSION } from './tls-module.js';
export type { CertAltnameError } from './tls-module.js';
export type { TraceChannelMessage } from './trace-channel.js';
