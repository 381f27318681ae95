// tls.Server / tls.createServer(), typetls flavour: a net.Server whose accepted sockets become
// TLSSockets over ServerConnections. 'secureConnection' after each handshake, 'tlsClientError'
// (not 'error') when a client's handshake fails.
import { Buffer } from 'node:buffer';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { OcspRequest, ServerConfig } from '../conn/config.js';
import { PreparedServerConfig, ServerConnection } from '../conn/server.js';
import type { CertifiedKey, Connection } from '../conn/types.js';
import { TlsError } from '../errors.js';
import { AlertDescription } from '../wire/iana.js';
import { toSecureContext } from './context.js';
import type { SecureContext, SecureContextOptions } from './context.js';
import { describe, optionError } from './option-error.js';
import { callNodeSni, checkTicketKeys, contextOf, serverConfig, ticketKeysOption, withSwitches } from './options.js';
import type { ConnectionSwitches, TlsServerOptions } from './options.js';
import { TLSSocket } from './socket.js';
import type { TLSSocketOptions } from './socket.js';
import { TicketKeys } from '../handshake/ticket-keys.js';
import { EarlyDataReplayGuard } from '../handshake/anti-replay.js';
import { defaultCryptoProvider } from './default-provider.js';
import { SessionCache, type SessionStore12 } from '../handshake/session-cache.js';

/**
 * node:tls's 'newSession' and 'resumeSession' events as the engine's TLS 1.2 session store. With
 * listeners the application keeps the sessions (to share them between processes, say): a new
 * session goes to 'newSession' (id, data, callback), and a client's session ID is looked up through
 * 'resumeSession' (id, callback(err, data or null)), the handshake waiting for the answer; an error
 * fails it. Without listeners the server's own bounded cache does both. Unlike node:tls, the
 * connection does not wait for the 'newSession' callback (the session is only ever needed by a
 * later connection). TLS 1.3 resumes by stateless tickets and uses neither.
 */
class EventSessionStore implements SessionStore12 {
  constructor(
    private readonly server: net.Server,
    private readonly cache: SessionCache,
  ) {}

  get lifetimeSeconds(): number {
    return this.cache.lifetimeSeconds;
  }

  get(id: Uint8Array, now: number): Uint8Array | undefined | Promise<Uint8Array | undefined> {
    if (this.server.listenerCount('resumeSession') === 0) return this.cache.get(id, now);
    return new Promise((resolve, reject) => {
      let answered = false;
      this.server.emit('resumeSession', Buffer.from(id), (err?: Error | null, data?: Uint8Array | null) => {
        if (answered) return;
        answered = true;
        if (err !== undefined && err !== null) reject(err);
        else resolve(data instanceof Uint8Array && data.length > 0 ? Uint8Array.from(data) : undefined);
      });
    });
  }

  set(id: Uint8Array, value: Uint8Array, now: number): void {
    if (this.server.listenerCount('newSession') === 0) {
      this.cache.set(id, value, now);
      return;
    }
    const sessionId = Buffer.from(id);
    const data = Buffer.from(value);
    // After the engine's turn: a listener never runs inside the handshake's state change.
    process.nextTick(() => this.server.emit('newSession', sessionId, data, () => undefined));
  }
}

type SecureConnectionListener = (socket: TLSSocket) => void;

/** node:tls's wildcard rule for addContext(): '*' matches within one label; case-insensitive. */
function hostnamePattern(hostname: string): RegExp {
  const escaped = hostname.replace(/[.^$+?\-\\[\]{}()|]/g, '\\$&').replace(/\*/g, '[^.]*');
  return new RegExp(`^${escaped}$`, 'i');
}

export class Server extends net.Server {
  #options: TlsServerOptions;
  #context: SecureContext;
  readonly #contexts: { readonly pattern: RegExp; readonly context: SecureContext }[] = [];
  /** Owned by the server: every connection seals and opens tickets with it (rotation included). */
  readonly #ticketKeys: TicketKeys;
  /** The server's record of tickets already used for 0-RTT (RFC 8446 §8). */
  readonly #replayGuard = new EarlyDataReplayGuard();
  /** TLS 1.2 sessions resumable by ID: a bounded cache (node:tls's sessionTimeout, default 300 s), or the application's through 'newSession'/'resumeSession'. */
  readonly #sessionStore: EventSessionStore;
  #base: ServerConfig;
  /** #base validated once per keylog/trace combination, shared by the connections (rebuilt with #base). */
  #prepared = new Map<string, PreparedServerConfig>();
  /** TLSSocket options without and with the key log wanted (see #socketOptionsFor). */
  #socketOptions: [TLSSocketOptions | undefined, TLSSocketOptions | undefined] = [undefined, undefined];

  constructor(options: TlsServerOptions = {}, secureConnectionListener?: SecureConnectionListener) {
    super({ allowHalfOpen: true });
    if (typeof options !== 'object' || options === null) throw optionError('options', `expected an options object, got ${describe(options)}`);
    this.#options = options;
    const crypto = options.crypto ?? defaultCryptoProvider();
    this.#ticketKeys = new TicketKeys(crypto, ticketKeysOption(options.ticketKeys));
    if (options.handshakeTimeout !== undefined && (typeof options.handshakeTimeout !== 'number' || options.handshakeTimeout < 0)) {
      throw optionError('handshakeTimeout', `expected milliseconds, got ${describe(options.handshakeTimeout)}`);
    }
    const timeout = (options as { sessionTimeout?: unknown }).sessionTimeout;
    this.#sessionStore = new EventSessionStore(this, new SessionCache(typeof timeout === 'number' && timeout > 0 ? { lifetimeSeconds: timeout } : {}));
    this.#context = contextOf(options);
    this.#base = this.#buildBase();
    // Validated now, so a bad option throws from createServer() (as node:tls does), not per connection.
    if (options.connectionFactory === undefined) this.#preparedFor({ keylog: false, trace: false });
    this.on('connection', (raw: Duplex) => this.#onConnection(raw));
    if (secureConnectionListener !== undefined) this.on('secureConnection', secureConnectionListener);
  }

  #buildBase(): ServerConfig {
    const o = this.#options;
    if (this.#context.certificates.length === 0 && o.SNICallback === undefined && this.#contexts.length === 0 && o.pskCallback === undefined) {
      throw optionError('cert', 'a server needs `cert` and `key` or `pfx` (or a `secureContext`, an `SNICallback`, or a `pskCallback` with PSK `ciphers`)');
    }
    const sni = o.SNICallback !== undefined || this.#contexts.length > 0 ? (name: string) => this.#selectByName(name) : undefined;
    return serverConfig(
      o,
      this.#context,
      {
        ticketKeys: this.#ticketKeys,
        replayGuard: this.#replayGuard,
        sessionCache: this.#sessionStore,
        ocspResponse: (request) => this.#askOcsp(request),
        ...(sni !== undefined ? { sniCallback: sni } : {}),
      },
      { keylog: false, trace: false },
    );
  }

  /** The validated config for these switches: resolved options, verifier and caches shared by connections. */
  #preparedFor(sw: ConnectionSwitches): PreparedServerConfig {
    const key = `${sw.keylog ? 'k' : ''}${sw.trace ? 't' : ''}`;
    let p = this.#prepared.get(key);
    if (p === undefined) {
      p = new PreparedServerConfig(withSwitches(this.#base, sw));
      this.#prepared.set(key, p);
    }
    return p;
  }

  /**
   * node:tls's 'OCSPRequest' event (certificate, issuer or null, callback(err, response)): asked when a
   * client sends status_request; without listeners nothing is stapled. An error fails the handshake.
   */
  #askOcsp(request: OcspRequest): Promise<Uint8Array | undefined> | undefined {
    if (this.listenerCount('OCSPRequest') === 0) return undefined;
    return new Promise((resolve, reject) => {
      const issuer = request.issuer === undefined ? null : Buffer.from(request.issuer);
      this.emit('OCSPRequest', Buffer.from(request.certificate), issuer, (err: Error | null | undefined, response?: Uint8Array | null) => {
        if (err !== null && err !== undefined) reject(err);
        else resolve(response ?? undefined);
      });
    });
  }

  #selectByName(name: string): CertifiedKey | undefined | Promise<CertifiedKey | undefined> {
    const user = this.#options.SNICallback;
    if (user !== undefined) return callNodeSni(user, name);
    for (const { pattern, context } of this.#contexts) if (pattern.test(name)) return context.certificates[0];
    return undefined;
  }

  /** The TLSSocket over an accepted transport (in its own scope: its closures capture nothing per connection). */
  #socketFor(raw: Duplex, wantKeylog: boolean): TLSSocket {
    const o = this.#options;
    const base = this.#base;
    const factory = o.connectionFactory;
    const make = factory !== undefined ? (sw: ConnectionSwitches): Connection => factory(withSwitches(base, sw)) : (sw: ConnectionSwitches): Connection => new ServerConnection(this.#preparedFor(sw));
    return new TLSSocket(raw, make, this.#socketOptionsFor(wantKeylog));
  }

  /** The TLSSocket options: two frozen objects shared by every connection (rebuilt with #base). */
  #socketOptionsFor(wantKeylog: boolean): TLSSocketOptions {
    const i = wantKeylog ? 1 : 0;
    let opts = this.#socketOptions[i];
    if (opts === undefined) {
      const o = this.#options;
      const leaf = this.#base.certificates[0]?.chain[0];
      opts = Object.freeze({
        allowHalfOpen: o.allowHalfOpen ?? false,
        ...(o.pskCallback !== undefined || o.ALPNCallback !== undefined ? { linkConnection: true } : {}),
        ...(leaf !== undefined ? { configuredCertificate: leaf } : {}),
        wantKeylog: wantKeylog ? () => true : () => false,
        requestCert: this.#base.requestCert === true,
        ...(o.trace !== undefined ? { trace: o.trace } : {}),
        ...(o.enableTrace === true ? { enableTrace: true } : {}),
      });
      this.#socketOptions[i] = opts;
    }
    return opts;
  }

  #onConnection(raw: Duplex): void {
    const o = this.#options;
    const wantKeylog = this.listenerCount('keylog') > 0;
    const tls = this.#socketFor(raw, wantKeylog);
    if (wantKeylog) tls.on('keylog', (line: Buffer) => this.emit('keylog', line, tls));
    const onError = (err: Error): void => {
      this.emit('tlsClientError', err, tls);
    };
    tls.on('error', onError);
    const timeout = o.handshakeTimeout ?? 120_000;
    const timer =
      timeout > 0
        ? setTimeout(() => {
            tls.destroy(new TlsError('ERR_TLS_HANDSHAKE_TIMEOUT', AlertDescription.handshake_failure, `the TLS handshake did not finish within ${timeout} ms`));
          }, timeout)
        : undefined;
    timer?.unref();
    const onClose = (): void => clearTimeout(timer);
    tls.once('close', onClose);
    tls.once('secure', () => {
      clearTimeout(timer);
      tls.removeListener('close', onClose); // nothing left to clear: the connection keeps no timer
      tls.removeListener('error', onError);
      this.emit('secureConnection', tls);
    });
  }

  /** Adds a certificate for SNI names matching `hostname` ('*' matches one label). */
  addContext(hostname: string, context: SecureContext | SecureContextOptions): void {
    if (typeof hostname !== 'string' || hostname === '') throw optionError('hostname', `expected a host name, got ${describe(hostname)}`);
    this.#contexts.push({ pattern: hostnamePattern(hostname), context: toSecureContext(context, 'context') });
    this.#base = this.#buildBase();
    this.#prepared = new Map();
    this.#socketOptions = [undefined, undefined];
  }

  /** Replaces the server's certificates and algorithm options for new connections. */
  setSecureContext(options: TlsServerOptions): void {
    const context = contextOf(options);
    this.#options = { ...this.#options, ...options };
    this.#context = context;
    this.#base = this.#buildBase();
    this.#prepared = new Map();
    this.#socketOptions = [undefined, undefined];
  }

  getTicketKeys(): Buffer {
    return Buffer.from(this.#ticketKeys.getTicketKeys());
  }

  /** New tickets use these keys; tickets under the keys they replace still resume until the next change. */
  setTicketKeys(keys: Uint8Array): void {
    this.#ticketKeys.setTicketKeys(checkTicketKeys(keys, 'keys'));
  }
}

export function createServer(secureConnectionListener?: SecureConnectionListener): Server;
export function createServer(options: TlsServerOptions, secureConnectionListener?: SecureConnectionListener): Server;
export function createServer(a?: TlsServerOptions | SecureConnectionListener, b?: SecureConnectionListener): Server {
  if (typeof a === 'function') return new Server({}, a);
  return new Server(a ?? {}, b);
}
