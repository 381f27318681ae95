// node:tls connect()/createServer() options → typetls ClientConfig / ServerConfig. Unknown option
// names are ignored (as node:tls does: http passes its whole request options through); known ones
// with a wrong value throw a TlsError that names the option.
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import type { Duplex } from 'node:stream';
import type { AlpnCallback, ClientConfig, OcspCallback, ServerConfig, VerifyHook } from '../conn/config.js';
import { TlsError } from '../errors.js';
import { AlertDescription } from '../wire/iana.js';
import type { CertifiedKey, Connection, TraceEvent } from '../conn/types.js';
import { SecureContext, refuseUnsupported, toSecureContext } from './context.js';
import type { SecureContextOptions } from './context.js';
import { peerCertificateChain } from './certificate.js';
import type { PeerCertificate } from './certificate.js';
import { describe, optionError } from './option-error.js';
import { connectionOwner } from './owners.js';
import { suite12 } from '../keys/suites12.js';
import type { TicketSealer } from '../handshake/ticket-keys.js';
import type { EarlyDataReplayGuard } from '../handshake/anti-replay.js';
import type { SessionStore12 } from '../handshake/session-cache.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** ALPN protocols as node:tls takes them: names, buffers, or one buffer in the wire format. */
export type AlpnOption = readonly (string | Uint8Array)[] | Uint8Array;

/** node:tls options both sides take. */
export interface CommonNodeOptions {
  /** node:tls's enableTrace: the connection's trace on stderr (typetls's narrated steps, not OpenSSL's text). */
  readonly enableTrace?: boolean;
}

/** The typetls extras shared by both sides. */
export interface TypetlsExtras {
  /** Narrated trace: `true` emits 'trace' events on the socket; a function receives every event. */
  readonly trace?: boolean | ((event: TraceEvent) => void);
  /** Application check of the verified chain (may be asynchronous). */
  readonly verifyHook?: VerifyHook;
}

export interface TlsConnectOptions extends SecureContextOptions, CommonNodeOptions, TypetlsExtras {
  readonly host?: string;
  readonly port?: number | string;
  /** IPC path (net.connect's `path`). */
  readonly path?: string;
  /** An already connected transport (a net.Socket or any Duplex); host/port are then not used to connect. */
  readonly socket?: Duplex;
  readonly servername?: string;
  readonly session?: Uint8Array;
  readonly rejectUnauthorized?: boolean;
  readonly ALPNProtocols?: AlpnOption;
  /** Ask the server to staple an OCSP response; the socket then emits 'OCSPResponse' (bytes or null) before 'secureConnect'. */
  readonly requestOCSP?: boolean;
  readonly checkServerIdentity?: (hostname: string, cert: PeerCertificate) => Error | undefined;
  /**
   * TLS-PSK: TLS 1.3 external PSKs (RFC 8446 §4.2.11, called before the ClientHello with a null hint)
   * and TLS 1.2 PSK suites named in `ciphers` (RFC 4279, RFC 5489, called with the server's hint).
   * Returns the key and the identity, or null for none.
   */
  readonly pskCallback?: (hint: string | null) => { readonly psk: NodeJS.ArrayBufferView; readonly identity: string } | null | undefined;
  readonly secureContext?: SecureContext;
  readonly allowHalfOpen?: boolean;
  readonly timeout?: number;
  readonly localAddress?: string;
  readonly localPort?: number;
  readonly family?: number;
  readonly lookup?: LookupFunction;
  readonly noDelay?: boolean;
  readonly keepAlive?: boolean;
  readonly keepAliveInitialDelay?: number;
  /** typetls extra: 0-RTT data sent with a resumed `session` that allows it (resent if the server refuses it). */
  readonly earlyData?: Uint8Array;
  /** typetls extra: RFC 8449 record_size_limit to announce. */
  readonly recordSizeLimit?: number;
  /** Seam: builds the connection (default: new ClientConnection(config)). Tests pass a fake. */
  readonly connectionFactory?: (config: ClientConfig) => Connection;
}

/** node:tls's SNICallback: the callback takes a typetls SecureContext or `{ cert, key }` options. */
export type SNICallback = (
  servername: string,
  cb: (err: Error | null, ctx?: SecureContext | SecureContextOptions) => void,
) => void;

/**
 * node:tls's ALPNCallback: picks one of the client's protocols, or undefined to refuse the connection.
 * As in node:tls, `this` is the server's TLSSocket; `this.setKeyCert()` there chooses the certificate
 * for this connection (an ACME tls-alpn-01 challenge certificate, say).
 */
export type ALPNCallback = (this: Duplex, offer: { servername: string | false; protocols: string[] }) => string | undefined;

export interface TlsServerOptions extends SecureContextOptions, CommonNodeOptions, TypetlsExtras {
  readonly requestCert?: boolean;
  readonly rejectUnauthorized?: boolean;
  readonly ALPNProtocols?: AlpnOption;
  /** Chooses the ALPN protocol per connection (instead of ALPNProtocols, not with it). */
  readonly ALPNCallback?: ALPNCallback;
  readonly SNICallback?: SNICallback;
  /**
   * TLS-PSK: the key for the identity a client names, or null/undefined for none (TLS 1.3: the
   * handshake goes on with certificates; TLS 1.2: unknown_psk_identity). TLS 1.2 uses PSK suites named
   * in `ciphers`.
   */
  readonly pskCallback?: (socket: Duplex, identity: string) => NodeJS.ArrayBufferView | null | undefined;
  /** TLS-PSK: the hint sent to clients to help them choose an identity. */
  readonly pskIdentityHint?: string;
  /** 48 bytes, node:tls's format. */
  readonly ticketKeys?: Uint8Array;
  readonly secureContext?: SecureContext;
  readonly allowHalfOpen?: boolean;
  readonly pauseOnConnect?: boolean;
  /** Milliseconds a client may take to finish the handshake (default 120000, as node:tls). */
  readonly handshakeTimeout?: number;
  /** typetls extra: TLS 1.3 tickets sent after a full handshake (default 2; after a resumption at most 1, as OpenSSL). */
  readonly numTickets?: number;
  /** typetls extra: accept TLS 1.3 0-RTT early data (replays refused by the server's own record). */
  readonly earlyData?: boolean;
  /** typetls extra: max_early_data_size announced in tickets (default 16384). */
  readonly maxEarlyData?: number;
  /** typetls extra: ticket lifetime in seconds (default 7200). */
  readonly ticketLifetime?: number;
  /** typetls extra: RFC 8449 record_size_limit to announce. */
  readonly recordSizeLimit?: number;
  /** Seam: builds the connection (default: new ServerConnection(config)). Tests pass a fake. */
  readonly connectionFactory?: (config: ServerConfig) => Connection;
}

/** ALPN option → protocol names (RFC 7301 §3.1: 1..255 bytes each). */
function mapAlpn(v: AlpnOption | undefined): readonly string[] | undefined {
  if (v === undefined) return undefined;
  const out: string[] = [];
  if (v instanceof Uint8Array) {
    // node's wire format: each name prefixed by its one-byte length.
    for (let i = 0; i < v.length; ) {
      const n = v[i] ?? 0;
      if (n === 0 || i + 1 + n > v.length) throw optionError('ALPNProtocols', 'the buffer is not in the length-prefixed wire format');
      out.push(Buffer.from(v.subarray(i + 1, i + 1 + n)).toString('latin1'));
      i += 1 + n;
    }
  } else if (Array.isArray(v)) {
    for (const p of v as readonly unknown[]) {
      const name = typeof p === 'string' ? p : p instanceof Uint8Array ? Buffer.from(p).toString('latin1') : undefined;
      if (name === undefined) throw optionError('ALPNProtocols', `expected strings or buffers, got ${describe(p)} in the array`);
      if (Buffer.byteLength(name, 'latin1') < 1 || Buffer.byteLength(name, 'latin1') > 255) {
        throw optionError('ALPNProtocols', `protocol name ${describe(name)} must be 1 to 255 bytes`);
      }
      out.push(name);
    }
  } else {
    throw optionError('ALPNProtocols', `expected an array of strings/buffers or a wire-format buffer, got ${describe(v)}`);
  }
  return Object.freeze(out);
}

/** node:tls's ALPNCallback → the engine's: the same choice, with node's argument shape. */
function mapAlpnCallback(user: ALPNCallback | undefined, withProtocols: boolean): AlpnCallback | undefined {
  if (user === undefined) return undefined;
  if (typeof user !== 'function') throw optionError('ALPNCallback', `expected a function, got ${describe(user)}`);
  if (withProtocols) {
    // node:tls's code for the same refusal.
    throw new TlsError('ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS', AlertDescription.internal_error, 'typetls: the ALPNCallback and ALPNProtocols options are mutually exclusive: pass one of them');
  }
  // node:tls passes `servername: false` when the client sent no SNI, and the socket as `this` (servers
  // with an ALPNCallback link each connection to its socket: TLSSocketOptions.linkConnection).
  return (offer) => user.call(connectionOwner(offer.connection) as Duplex, { servername: offer.serverName ?? false, protocols: [...offer.protocols] });
}

function checkBoolean(option: string, v: unknown): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw optionError(option, `expected a boolean, got ${describe(v)}`);
  return v;
}

export function contextOf(o: SecureContextOptions & { readonly secureContext?: SecureContext }): SecureContext {
  if (o.secureContext === undefined) return new SecureContext(o); // checks the options, as below
  refuseUnsupported(o);
  if (!(o.secureContext instanceof SecureContext)) {
    throw optionError('secureContext', "expected a SecureContext from typetls's createSecureContext() (a node:tls one cannot be read)");
  }
  return o.secureContext;
}

/** The name the client sends as SNI and checks the certificate against: servername, else host. */
export function serverNameFor(o: TlsConnectOptions): string {
  if (o.servername !== undefined && typeof o.servername !== 'string') throw optionError('servername', `expected a string, got ${describe(o.servername)}`);
  if (o.host !== undefined && typeof o.host !== 'string') throw optionError('host', `expected a string, got ${describe(o.host)}`);
  // An IP literal is kept: the connection matches it against IP SANs and does not send it as SNI
  // (RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted in HostName").
  const name = o.servername !== undefined && o.servername !== '' ? o.servername : (o.host ?? 'localhost');
  const unbracketed = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  return isIP(unbracketed) === 6 ? unbracketed : name;
}

/** Per-connection switches decided by the socket (listeners attached) rather than by the options. */
export interface ConnectionSwitches {
  readonly keylog: boolean;
  readonly trace: boolean;
}

export function clientConfig(o: TlsConnectOptions, ctx: SecureContext, sw: ConnectionSwitches): ClientConfig {
  const c: Mutable<ClientConfig> = { ...ctx.fields };
  c.serverName = serverNameFor(o);
  const ru = checkBoolean('rejectUnauthorized', o.rejectUnauthorized);
  c.rejectUnauthorized = ru ?? true;
  const alpn = mapAlpn(o.ALPNProtocols);
  if (alpn !== undefined) c.alpnProtocols = alpn;
  if (o.session !== undefined) {
    if (!(o.session instanceof Uint8Array)) throw optionError('session', `expected a Buffer from a 'session' event, got ${describe(o.session)}`);
    c.session = o.session;
  }
  if (o.earlyData !== undefined) {
    if (!(o.earlyData instanceof Uint8Array)) throw optionError('earlyData', `expected a Buffer, got ${describe(o.earlyData)}`);
    c.earlyData = o.earlyData;
  }
  if (o.recordSizeLimit !== undefined) c.recordSizeLimit = o.recordSizeLimit;
  if (checkBoolean('requestOCSP', o.requestOCSP) === true) c.requestOcsp = true;
  const csi = o.checkServerIdentity;
  if (csi !== undefined) {
    if (typeof csi !== 'function') throw optionError('checkServerIdentity', `expected a function, got ${describe(csi)}`);
    c.checkServerIdentity = (hostname, chain) => {
      let cert: PeerCertificate;
      try {
        cert = peerCertificateChain(chain, true) as PeerCertificate;
      } catch (e) {
        return new Error(`checkServerIdentity: cannot read the server certificate: ${e instanceof Error ? e.message : String(e)}`);
      }
      try {
        return csi(hostname, cert) ?? undefined;
      } catch (e) {
        return e instanceof Error ? e : new Error(String(e)); // a throwing check refuses, never crashes the engine
      }
    };
  }
  const cert = ctx.certificates[0];
  if (cert !== undefined) c.certificate = cert;
  mapClientPsk(c, o.pskCallback);
  if (o.verifyHook !== undefined) c.verifyHook = o.verifyHook;
  if (sw.keylog) c.keylog = true;
  if (sw.trace) c.trace = true;
  return Object.freeze(c);
}

/** Bytes of a node:tls key (Buffer, TypedArray or DataView), viewed without a copy. */
function pskBytes(v: unknown, what: string): Uint8Array {
  if (!ArrayBuffer.isView(v)) throw new TlsError('ERR_INVALID_ARG_TYPE', AlertDescription.internal_error, `${what} must be a Buffer, TypedArray or DataView, got ${describe(v)}`);
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

const utf8 = new TextEncoder();

/** Without a pskCallback the PSK suites named in `ciphers` do not count (OpenSSL skips them too). */
function withoutPskSuites(c: { cipherSuites?: readonly number[] }, keep: boolean): void {
  if (!keep && c.cipherSuites !== undefined) c.cipherSuites = c.cipherSuites.filter((s) => suite12(s)?.psk !== true);
}

function mapClientPsk(c: Mutable<ClientConfig>, cb: TlsConnectOptions['pskCallback']): void {
  if (cb !== undefined && typeof cb !== 'function') throw optionError('pskCallback', `expected a function, got ${describe(cb)}`);
  withoutPskSuites(c, cb !== undefined);
  if (cb === undefined) return;
  c.psk = (hint) => {
    const r = cb(hint === undefined ? null : Buffer.from(hint).toString('utf8'));
    if (r === null || r === undefined) return undefined;
    if (typeof r !== 'object' || typeof r.identity !== 'string') {
      throw new TlsError('ERR_INVALID_ARG_TYPE', AlertDescription.internal_error, `pskCallback must return { psk, identity } with a string identity, got ${describe(r)}`);
    }
    return { identity: utf8.encode(r.identity), key: pskBytes(r.psk, 'pskCallback: psk') };
  };
}

function mapServerPsk(c: Mutable<ServerConfig>, o: TlsServerOptions): void {
  const cb = o.pskCallback;
  if (cb !== undefined && typeof cb !== 'function') throw optionError('pskCallback', `expected a function, got ${describe(cb)}`);
  if (o.pskIdentityHint !== undefined && typeof o.pskIdentityHint !== 'string') throw optionError('pskIdentityHint', `expected a string, got ${describe(o.pskIdentityHint)}`);
  withoutPskSuites(c, cb !== undefined);
  if (cb === undefined) return;
  const hint = o.pskIdentityHint === undefined ? undefined : utf8.encode(o.pskIdentityHint);
  c.psk = {
    ...(hint !== undefined ? { hint } : {}),
    lookup: (identity, connection) => {
      const socket = connectionOwner(connection);
      if (socket === undefined) return undefined;
      const key = cb(socket, Buffer.from(identity).toString('utf8'));
      return key === null || key === undefined ? undefined : pskBytes(key, 'pskCallback');
    },
  };
}

export function serverConfig(
  o: TlsServerOptions,
  ctx: SecureContext,
  extra: {
    readonly sniCallback?: (serverName: string) => CertifiedKey | undefined | Promise<CertifiedKey | undefined>;
    readonly ticketKeys: Uint8Array | TicketSealer;
    readonly replayGuard?: EarlyDataReplayGuard;
    /** The server's TLS 1.2 session-ID cache (one per Server, shared by its connections). */
    readonly sessionCache?: SessionStore12;
    /** The Server's 'OCSPRequest' event, as an OCSP callback. */
    readonly ocspResponse?: OcspCallback;
  },
  sw: ConnectionSwitches,
): ServerConfig {
  const c: Mutable<ServerConfig> = { ...ctx.fields, certificates: ctx.certificates, certificateAuthorities: ctx.certificateAuthorities };
  const requestCert = checkBoolean('requestCert', o.requestCert) ?? false;
  const ru = checkBoolean('rejectUnauthorized', o.rejectUnauthorized) ?? true;
  c.requestCert = requestCert;
  c.rejectUnauthorized = ru;
  // node:tls: with requestCert, rejectUnauthorized means "a valid client certificate is required".
  c.requireCert = requestCert && ru;
  const alpn = mapAlpn(o.ALPNProtocols);
  if (alpn !== undefined) c.alpnProtocols = alpn;
  const alpnCallback = mapAlpnCallback(o.ALPNCallback, alpn !== undefined);
  if (alpnCallback !== undefined) c.alpnCallback = alpnCallback;
  if (extra.sniCallback !== undefined) c.sniCallback = extra.sniCallback;
  if (extra.ticketKeys instanceof Uint8Array) c.ticketKeys = extra.ticketKeys;
  else c.ticketSealer = extra.ticketKeys;
  if (checkBoolean('earlyData', o.earlyData) === true || (o.maxEarlyData ?? 0) > 0) {
    c.earlyData = true;
    if (o.maxEarlyData !== undefined) c.maxEarlyData = o.maxEarlyData;
    if (extra.replayGuard !== undefined) c.replayGuard = extra.replayGuard;
  }
  if (o.ticketLifetime !== undefined) c.ticketLifetime = o.ticketLifetime;
  if (o.recordSizeLimit !== undefined) c.recordSizeLimit = o.recordSizeLimit;
  if (extra.sessionCache !== undefined) c.sessionCache = extra.sessionCache;
  if (extra.ocspResponse !== undefined) c.ocspResponse = extra.ocspResponse;
  mapServerPsk(c, o);
  if (o.numTickets !== undefined) {
    if (!Number.isInteger(o.numTickets) || o.numTickets < 0) throw optionError('numTickets', `expected a non-negative integer, got ${describe(o.numTickets)}`);
    c.numTickets = o.numTickets;
  }
  if (o.verifyHook !== undefined) c.verifyHook = o.verifyHook;
  if (sw.keylog) c.keylog = true;
  if (sw.trace) c.trace = true;
  return Object.freeze(c);
}

/** Checks node:tls's 48-byte ticket key format. */
export function checkTicketKeys(v: unknown, option: string): Uint8Array {
  if (!(v instanceof Uint8Array) || v.length !== 48) throw optionError(option, `expected a 48-byte Buffer, got ${describe(v)}`);
  return v;
}

/** The `ticketKeys` option, checked, or 48 fresh random bytes when it is not given (node:tls does the same). */
export function ticketKeysOption(v: unknown): Uint8Array {
  return v === undefined ? new Uint8Array(randomBytes(48)) : checkTicketKeys(v, 'ticketKeys');
}

/** The same config with keylog/trace switched on as asked (the base is shared between connections). */
export function withSwitches<T extends { readonly keylog?: boolean; readonly trace?: boolean }>(base: T, sw: ConnectionSwitches): T {
  if (!sw.keylog && !sw.trace) return base;
  return Object.freeze({ ...base, keylog: sw.keylog || base.keylog === true, trace: sw.trace || base.trace === true });
}

/** Calls node's callback-style SNICallback and resolves to the chosen certificate (RFC 6066 §3). */
export function callNodeSni(user: SNICallback, name: string): Promise<CertifiedKey | undefined> {
  return new Promise((resolve, reject) => {
    user(name, (err, ctx) => {
      if (err !== null && err !== undefined) return reject(err);
      if (ctx === undefined || ctx === null) return resolve(undefined);
      try {
        resolve(toSecureContext(ctx, 'SNICallback').certificates[0]);
      } catch (e) {
        reject(e);
      }
    });
  });
}
