// HTTPS over typetls with node's own http machinery: an https.Agent whose sockets are typetls
// TLSSockets (for https.request/get), and an HTTPS server that is a typetls Server feeding an
// http.Server (node's https.Server is tied to OpenSSL, so this is the typetls equivalent).
import * as http from 'node:http';
import * as https from 'node:https';
import type { Duplex } from 'node:stream';
import { connect } from './connect.js';
import type { TlsConnectOptions, TlsServerOptions } from './options.js';
import { Server } from './server.js';
import type { TLSSocket } from './socket.js';

export interface AgentOptions extends https.AgentOptions {
  /** Seam for tests: passed on to connect(). */
  readonly connectionFactory?: TlsConnectOptions['connectionFactory'];
}

/**
 * An https.Agent whose connections are typetls TLSSockets. Keep-alive, socket pooling and the TLS
 * options of the request (ca, servername, rejectUnauthorized, ...) work as with node's Agent; TLS
 * sessions are cached per host:port:options key and offered for resumption.
 */
export class Agent extends https.Agent {
  readonly #sessions = new Map<string, Buffer>();
  readonly #maxSessions: number;

  constructor(options: AgentOptions = {}) {
    super(options);
    this.#maxSessions = options.maxCachedSessions ?? 100;
  }

  override createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex {
    void callback; // the socket is returned synchronously, as node's own agents do
    const key = (options as { _agentKey?: unknown })._agentKey;
    const cached = typeof key === 'string' ? this.#sessions.get(key) : undefined;
    const o = { ...(options as TlsConnectOptions), ...(cached !== undefined ? { session: cached } : {}) };
    const socket: TLSSocket = connect(o);
    if (typeof key === 'string' && this.#maxSessions > 0) {
      socket.on('session', (session: Buffer) => {
        this.#sessions.delete(key);
        this.#sessions.set(key, session);
        while (this.#sessions.size > this.#maxSessions) {
          const oldest = this.#sessions.keys().next();
          if (oldest.done === true) break;
          this.#sessions.delete(oldest.value);
        }
      });
      socket.on('error', () => this.#sessions.delete(key));
    }
    return socket;
  }
}

/** A typetls Server whose secure connections are served by an http.Server (`.http`). */
export class HttpsServer extends Server {
  readonly http: http.Server;

  constructor(options: TlsServerOptions, requestListener?: http.RequestListener) {
    super(options);
    this.http = requestListener === undefined ? http.createServer() : http.createServer(requestListener);
    this.on('secureConnection', (socket: TLSSocket) => this.http.emit('connection', socket));
  }
}

/** https.createServer(), typetls flavour. */
export function createHttpsServer(options: TlsServerOptions, requestListener?: http.RequestListener): HttpsServer {
  return new HttpsServer(options, requestListener);
}
