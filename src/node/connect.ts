// tls.connect(), typetls flavour: the same overloads and events as node:tls.
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { ClientConnection } from '../conn/client.js';
import type { ClientConfig } from '../conn/config.js';
import type { Connection } from '../conn/types.js';
import { describe, optionError } from './option-error.js';
import { clientConfig, contextOf, serverNameFor, withSwitches } from './options.js';
import type { TlsConnectOptions } from './options.js';
import { TLSSocket } from './socket.js';

type Callback = () => void;

function normalize(args: readonly unknown[]): { options: TlsConnectOptions; cb: Callback | undefined } {
  let i = 0;
  let options: TlsConnectOptions = {};
  const a0 = args[0];
  if (typeof a0 === 'number' || (typeof a0 === 'string' && /^\d+$/.test(a0))) {
    options = { port: Number(a0) };
    i = 1;
    if (typeof args[1] === 'string') {
      options = { ...options, host: args[1] };
      i = 2;
    }
  } else if (typeof a0 === 'string') {
    options = { path: a0 };
    i = 1;
  }
  const next = args[i];
  if (typeof next === 'object' && next !== null) {
    // Positional port/host win over the object's, as in node:tls.
    options = { ...(next as TlsConnectOptions), ...options };
    i++;
  } else if (i === 0 && next !== undefined && typeof next !== 'function') {
    throw optionError('options', `expected an options object, a port or a path, got ${describe(next)}`);
  }
  const cb = args[i];
  if (cb !== undefined && typeof cb !== 'function') throw optionError('callback', `expected a function, got ${describe(cb)}`);
  return { options, cb: cb as Callback | undefined };
}

function transport(o: TlsConnectOptions): Duplex {
  if (o.socket !== undefined) return o.socket;
  const base = { allowHalfOpen: true } as const;
  let s: net.Socket;
  // http passes `path: null` (its request path is not an IPC path); only a string means IPC.
  if (typeof o.path === 'string') {
    s = net.connect({ ...base, path: o.path });
  } else {
    const port = Number(o.port);
    if (o.port === undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw optionError('port', `expected a port number (0-65535), got ${describe(o.port)}`);
    }
    const tcp: net.TcpNetConnectOpts = { ...base, port, host: typeof o.host === 'string' && o.host !== '' ? o.host : 'localhost' };
    if (o.localAddress !== undefined) tcp.localAddress = o.localAddress;
    if (o.localPort !== undefined) tcp.localPort = o.localPort;
    if (o.family !== undefined) tcp.family = o.family;
    if (o.lookup !== undefined) tcp.lookup = o.lookup;
    if (o.noDelay !== undefined) tcp.noDelay = o.noDelay;
    if (o.keepAlive !== undefined) tcp.keepAlive = o.keepAlive;
    if (o.keepAliveInitialDelay !== undefined) tcp.keepAliveInitialDelay = o.keepAliveInitialDelay;
    s = net.connect(tcp);
  }
  if (o.timeout !== undefined) s.setTimeout(o.timeout);
  return s;
}

export function connect(options: TlsConnectOptions, secureConnectListener?: Callback): TLSSocket;
export function connect(port: number, host?: string, options?: TlsConnectOptions, secureConnectListener?: Callback): TLSSocket;
export function connect(port: number, options?: TlsConnectOptions, secureConnectListener?: Callback): TLSSocket;
export function connect(path: string, options?: TlsConnectOptions, secureConnectListener?: Callback): TLSSocket;
export function connect(...args: unknown[]): TLSSocket {
  const { options: o, cb } = normalize(args);
  // Every option is checked now, so a bad one throws here (as node:tls does), not later.
  const ctx = contextOf(o);
  const base = clientConfig(o, ctx, { keylog: false, trace: false });
  const make = o.connectionFactory ?? ((c: ClientConfig): Connection => new ClientConnection(c));
  const socket = new TLSSocket(transport(o), (sw) => make(withSwitches(base, sw)), {
    allowHalfOpen: o.allowHalfOpen ?? false,
    servername: serverNameFor(o),
    ...(o.trace !== undefined ? { trace: o.trace } : {}),
    ...(o.enableTrace === true ? { enableTrace: true } : {}),
    ...(base.certificate !== undefined ? { configuredCertificate: base.certificate.chain[0] as Uint8Array } : {}),
  });
  if (cb !== undefined) socket.once('secureConnect', cb);
  return socket;
}
