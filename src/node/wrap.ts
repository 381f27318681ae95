// node:tls's `new TLSSocket(socket, options)` form (STARTTLS-style code wraps an existing socket):
// the options become a connection factory and the TLSSocket's own settings.
import { ClientConnection } from '../conn/client.js';
import type { ClientConfig, ServerConfig } from '../conn/config.js';
import { ServerConnection } from '../conn/server.js';
import type { Connection } from '../conn/types.js';
import { callNodeSni, clientConfig, contextOf, serverConfig, serverNameFor, ticketKeysOption, withSwitches } from './options.js';
import type { TlsConnectOptions, TlsServerOptions } from './options.js';
import type { ConnectionSwitches } from './options.js';

/** node:tls TLSSocket constructor options: connect()'s or createServer()'s, chosen by `isServer`. */
export type NodeTLSSocketOptions = Omit<TlsConnectOptions, 'connectionFactory' | 'socket' | 'pskCallback'> &
  Omit<TlsServerOptions, 'connectionFactory' | 'pskCallback'> & {
    readonly isServer?: boolean;
    readonly connectionFactory?: (config: ClientConfig | ServerConfig) => Connection;
    /** The client's or the server's pskCallback, as `isServer` says. */
    readonly pskCallback?: TlsConnectOptions['pskCallback'] | TlsServerOptions['pskCallback'];
  };

export interface Wrapped {
  readonly source: (switches: ConnectionSwitches) => Connection;
  readonly allowHalfOpen: boolean;
  readonly servername?: string;
  readonly requestCert?: boolean;
  /** DER of the configured local certificate (TLSSocketOptions.configuredCertificate). */
  readonly configuredCertificate?: Uint8Array;
  /** TLSSocketOptions.linkConnection: a server's pskCallback and ALPNCallback need its socket. */
  readonly linkConnection?: boolean;
}

/** Builds (and checks, so bad options throw now) the configs for a wrapped socket. */
export function wrapOptions(o: NodeTLSSocketOptions): Wrapped {
  const allowHalfOpen = o.allowHalfOpen ?? false;
  if (o.isServer === true) {
    const ticketKeys = ticketKeysOption(o.ticketKeys);
    const user = o.SNICallback;
    const sni = user === undefined ? {} : { sniCallback: (name: string) => callNodeSni(user, name) };
    // `isServer` says which of node:tls's two pskCallback shapes this is.
    const so = o as TlsServerOptions;
    const base = serverConfig(so, contextOf(so), { ticketKeys, ...sni }, { keylog: false, trace: false });
    const make = o.connectionFactory ?? ((c: ServerConfig): Connection => new ServerConnection(c));
    const leaf = base.certificates[0]?.chain[0];
    return {
      source: (sw) => make(withSwitches(base, sw)),
      allowHalfOpen,
      requestCert: base.requestCert === true,
      ...(leaf !== undefined ? { configuredCertificate: leaf } : {}),
      ...(o.pskCallback !== undefined || o.ALPNCallback !== undefined ? { linkConnection: true } : {}),
    };
  }
  const co = o as TlsConnectOptions;
  const base = clientConfig(co, contextOf(co), { keylog: false, trace: false });
  const make = o.connectionFactory ?? ((c: ClientConfig): Connection => new ClientConnection(c));
  const leaf = base.certificate?.chain[0];
  return { source: (sw) => make(withSwitches(base, sw)), allowHalfOpen, servername: serverNameFor(co), ...(leaf !== undefined ? { configuredCertificate: leaf } : {}) };
}
