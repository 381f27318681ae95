// One import for interop tests: the process harness, every peer helper and the output parsers.
export { has, runClient, startServer, freePort, canUseNetns, resolveRepoFile, waitFor } from './proc.js';
export type { ClientResult, ClientOptions, PeerServer, ServerOptions, TestContextLike } from './proc.js';
export * from './parse.js';
export * from './peer-openssl-gnutls.js';
export * from './peer-others.js';
