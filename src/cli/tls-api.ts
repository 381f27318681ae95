// The seam between the CLI and the TLS implementation: typetls's node:tls-compatible adapter
// (src/node/). The CLI maps its flags to node:tls option names only; `backend` says which typetls
// features can take effect, so the CLI can tell the user when a flag cannot.
import * as adapter from '../node/index.js';
import type { TypetlsExtras as AdapterExtras, TlsConnectOptions, TlsServerOptions } from '../node/index.js';

/** A structured trace event (typetls extra option `trace`). */
export interface TraceEvent {
  readonly kind: string;
  readonly [field: string]: unknown;
}
export type TraceOption = boolean | ((event: TraceEvent) => void);

/** Options typetls adds to node:tls's, never changing the meaning of node:tls's own. */
export type TypetlsExtras = AdapterExtras;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** The CLI builds its options step by step, so they are mutable here. */
export type ClientOptions = Mutable<TlsConnectOptions>;
export type ServerOptions = Mutable<TlsServerOptions>;
export type TLSSocket = adapter.TLSSocket;
export type Server = adapter.Server;

export function connect(options: ClientOptions, secureConnectListener?: () => void): TLSSocket {
  return adapter.connect(options, secureConnectListener);
}

export function createServer(options: ServerOptions, listener?: (socket: TLSSocket) => void): Server {
  return adapter.createServer(options, listener);
}

/** The `verifyHook` option's type (a typetls extra). */
export type VerifyHook = NonNullable<TlsServerOptions['verifyHook']>;

/** A verifyHook that wants each certificate in its subject's directory entry (typetls extra). */
export function directoryCheck(options: adapter.DirectoryCheckOptions): VerifyHook {
  return adapter.directoryCheck(options);
}

/** What the implementation behind the seam can do; the CLI says so when a flag cannot take effect. */
export const backend = {
  name: 'typetls',
  /** Emits `trace` events. */
  trace: true,
  /** Can send and accept TLS 1.3 early data. */
  earlyData: true,
  /** Honours a per-server ticket count. */
  numTickets: true,
} as const;

/**
 * Client options that send `data` as TLS 1.3 early data when the session (`--sess-in`) allows it;
 * otherwise, or when the server refuses it, the connection sends it after the handshake.
 */
export function earlyDataClientOptions(data: Uint8Array): Partial<ClientOptions> {
  return { earlyData: data };
}

/** Server options that accept early data (replays refused by the server's own record). */
export function earlyDataServerOptions(): Partial<ServerOptions> {
  return { earlyData: true };
}

/** Server options for the number of session tickets sent after a TLS 1.3 handshake. */
export function numTicketsOptions(n: number): Partial<ServerOptions> {
  return { numTickets: n };
}

/** Whether early data was accepted on this connection. */
export function earlyDataState(socket: TLSSocket, sent: boolean): 'accepted' | 'rejected' | 'not sent' {
  return socket.summary?.earlyData ?? (sent ? 'rejected' : 'not sent');
}
