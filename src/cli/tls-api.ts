// The seam between the CLI and a TLS implementation with node:tls's API. For now it is node:tls
// itself; when typetls's adapter (src/node/) is merged, this is the one file that changes: import
// `connect`/`createServer` from the adapter and set `backend` to what it supports.
import * as tls from 'node:tls';

/** A structured trace event (typetls extra option `trace`). */
export interface TraceEvent {
  readonly kind: string;
  readonly [field: string]: unknown;
}
export type TraceOption = boolean | ((event: TraceEvent) => void);

/** Options typetls adds to node:tls's, never changing the meaning of node:tls's own. */
export interface TypetlsExtras {
  trace?: TraceOption;
}
export type ClientOptions = tls.ConnectionOptions & TypetlsExtras;
export type ServerOptions = tls.TlsOptions & TypetlsExtras;
export type TLSSocket = tls.TLSSocket;
export type Server = tls.Server;

export function connect(options: ClientOptions, secureConnectListener?: () => void): TLSSocket {
  return tls.connect(options, secureConnectListener);
}

export function createServer(options: ServerOptions, listener?: (socket: TLSSocket) => void): Server {
  return tls.createServer(options, listener);
}

/** What the implementation behind the seam can do; the CLI says so when a flag cannot take effect. */
export const backend = {
  name: 'node:tls',
  /** Emits `trace` events. */
  trace: false,
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
