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

/** What the implementation behind the seam can do; the CLI says so when a flag cannot take effect. */
export const backend = {
  name: 'typetls',
  /** Emits `trace` events. */
  trace: true,
  /** Can send and accept TLS 1.3 early data. */
  earlyData: false,
  /** Honours a per-server ticket count. */
  numTickets: false,
} as const;

/** Client options that send `data` as TLS 1.3 early data (none with node:tls: it cannot). */
export function earlyDataClientOptions(_data: Uint8Array): Partial<ClientOptions> {
  return {};
}

/** Server options that accept early data (none with node:tls). */
export function earlyDataServerOptions(): Partial<ServerOptions> {
  return {};
}

/** Server options for the number of session tickets sent after a TLS 1.3 handshake (none with node:tls). */
export function numTicketsOptions(_n: number): Partial<ServerOptions> {
  return {};
}

/** Whether early data was accepted on this connection. */
export function earlyDataState(_socket: TLSSocket, sent: boolean): 'accepted' | 'rejected' | 'not sent' {
  return sent && backend.earlyData ? 'rejected' : 'not sent';
}
