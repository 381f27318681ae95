// TLSSocket: a node:tls-compatible Duplex over a sans-IO Connection and a transport Duplex (a
// net.Socket, or any Duplex). Bytes from the transport go to conn.receive(); conn.takeOutput() goes
// to the transport; plaintext is pushed to the readable side and writes go to conn.write().
// Backpressure both ways: the transport is paused while our reader does not take plaintext
// (push() returned false), and a write is acknowledged only when the transport accepted its records.
import { Buffer } from 'node:buffer';
import { X509Certificate } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { CertifiedKey, Connection, ConnectionEvent, HandshakeSummary, TraceEvent } from '../conn/types.js';
import { setConnectionOwner } from './owners.js';
import { TlsError } from '../errors.js';
import { AlertDescription } from '../wire/iana.js';
import { peerCertificateChain } from './certificate.js';
import { decodeClientSession } from '../handshake/session13.js';
import { decodeSession12 } from '../handshake/session12.js';
import type { PeerCertificate } from './certificate.js';
import type { ConnectionSwitches } from './options.js';
import { TransportDuplex } from './socket-base.js';
import type { SocketLike } from './socket-base.js';
import { wrapOptions } from './wrap.js';
import type { NodeTLSSocketOptions } from './wrap.js';
import { cipherInfo, ephemeralKeyInfo, sharedSigalgNames } from './socket-info.js';
import { toSecureContext, type SecureContext, type SecureContextOptions } from './context.js';
import { describe } from './option-error.js';
import { publishTrace, traceChannelActive } from './trace-channel.js';
import { createTraceCollector, type TraceCollector } from '../trace/render.js';
import type { CipherInfo, EphemeralKeyInfo } from './socket-info.js';

/** A Connection, or a factory called once the transport is connected (so 'keylog' listeners count). */
export type ConnectionSource = Connection | ((switches: ConnectionSwitches) => Connection);

export interface TLSSocketOptions {
  /** Default false, as node:tls: the writable side ends when the readable side ends. */
  readonly allowHalfOpen?: boolean;
  /** typetls trace: true = 'trace' events, a function = called for each event. */
  readonly trace?: boolean | ((event: TraceEvent) => void);
  /** Extra reason to turn the key log on (the server's 'keylog' listeners). */
  readonly wantKeylog?: () => boolean;
  /** Client: the name sent as SNI / checked (shown as `servername`). */
  readonly servername?: string;
  /** Server: whether a client certificate was asked for (node:tls reports authorization only then). */
  readonly requestCert?: boolean;
  /** node:tls's enableTrace option: the connection's trace, narrated, on stderr (see enableTrace()). */
  readonly enableTrace?: boolean;
  /**
   * DER of the configured local certificate (a client's `cert`, a server's first one): what
   * getCertificate() reports before the handshake, or when none was sent, as node:tls does.
   */
  readonly configuredCertificate?: Uint8Array;
  /**
   * Record that this socket drives its connection (src/node/owners.ts), for engine callbacks that
   * must hand node:tls's callbacks the socket (a server's pskCallback, `this` of its ALPNCallback).
   * Off otherwise: it costs a table entry per connection.
   */
  readonly linkConnection?: boolean;
}

function isConnectionSource(v: ConnectionSource | NodeTLSSocketOptions): v is ConnectionSource {
  return typeof v === 'function' || typeof (v as Partial<Connection>).receive === 'function';
}

type WriteCallback = (error?: Error | null) => void;

function finishedNotKept(method: string): TlsError {
  return new TlsError(
    'ERR_TLS_NOT_SUPPORTED',
    AlertDescription.internal_error,
    `typetls: ${method}() is not supported (the Finished messages are not kept): for channel binding use tls-exporter (RFC 9266) through exportKeyingMaterial()`,
  );
}

/** The transport points back at its TLSSocket (for the shared listeners below). */
const kOwner = Symbol('typetls.TLSSocket');
type OwnedTransport = SocketLike & { [kOwner]?: TLSSocket | undefined };

/** node:tls's error (and code) for a transport that ended before the handshake finished. */
function transportClosedEarly(cause?: TlsError): TlsError {
  return new TlsError(
    'ECONNRESET',
    AlertDescription.internal_error,
    'Client network socket disconnected before secure TLS connection was established',
    cause === undefined ? {} : { cause },
  );
}

export class TLSSocket extends TransportDuplex {
  readonly encrypted = true as const;
  /** True when the peer's certificate was verified. */
  authorized = false;
  /** node:tls's value: the failure's code (e.g. 'CERT_HAS_EXPIRED') when `authorized` is false, else null. */
  authorizationError: string | null = null;
  /** typetls extra: the full error behind `authorizationError`. */
  tlsAuthorizationError: TlsError | undefined = undefined;
  /** The negotiated ALPN protocol, false when none was agreed (null before the handshake). */
  alpnProtocol: string | false | null = null;
  /** Client: the requested server name; server: the client's SNI, or false. */
  servername: string | false | null = null;

  /** The sans-IO connection: set once the transport is connected, dropped on destroy. */
  #conn: Connection | undefined;
  /** Which side the connection is (kept when the connection is dropped). */
  #isServer = false;
  /** Dropped once the connection is built (a factory's closure need not live as long as the socket). */
  #source: ConnectionSource | undefined;
  readonly #opts: TLSSocketOptions;
  #summary: HandshakeSummary | undefined;
  #secured = false;
  /** The latest 'session' event: its bytes are only encoded when read (the event, or getSession()). */
  #session: { readonly session: Uint8Array } | undefined;
  #events: ConnectionEvent[] = [];
  /** Transport bytes that arrived before the connection was built (rare: allocated on first use). */
  #early: Buffer[] | undefined;
  #busy = 0;
  #pumping = false;
  #pumpAgain = false;
  #readBlocked = false;
  #socketPaused = false;
  #readEnded = false;
  #transportEnded = false;
  #tolerateEofError = false;
  #eofError = false;
  #truncated = false;
  #errorHandled = false;
  #waitingDrain = false;
  /** setMaxSendFragment() called before the connection was built. */
  #maxSendFragment: number | undefined;
  /** setKeyCert(): the certificate and key chosen for this socket (handed to the connection once it exists). */
  #keyCert: CertifiedKey | undefined;
  /** enableTrace(): renders this connection's trace events on stderr (set only when asked). */
  #tracePrinter: { readonly collector: TraceCollector; feed: ((event: TraceEvent) => void) | undefined } | undefined;
  /** The client corked the transport once for its last flight (see #corkOneTurn). */
  #flightCorked = false;
  #drainCallback: WriteCallback | undefined;
  #heldWrite: { readonly chunks: readonly Uint8Array[]; readonly cb: WriteCallback } | undefined;
  #heldFinal: WriteCallback | undefined;
  #finalCallback: WriteCallback | undefined;

  /**
   * `connection`: a Connection, a factory (called once the transport is connected), or node:tls's
   * TLSSocket options (`isServer`, `secureContext`, `ca`, ... as for connect()/createServer()).
   */
  constructor(socket: Duplex, connection: ConnectionSource | NodeTLSSocketOptions = {}, options: TLSSocketOptions = {}) {
    const wrapped = isConnectionSource(connection) ? undefined : wrapOptions(connection);
    const opts: TLSSocketOptions =
      wrapped === undefined
        ? options
        : {
            allowHalfOpen: wrapped.allowHalfOpen,
            ...(wrapped.servername !== undefined ? { servername: wrapped.servername } : {}),
            ...(wrapped.requestCert !== undefined ? { requestCert: wrapped.requestCert } : {}),
            ...(!isConnectionSource(connection) && connection.trace !== undefined ? { trace: connection.trace } : {}),
            ...(!isConnectionSource(connection) && connection.enableTrace === true ? { enableTrace: true } : {}),
            ...(wrapped.configuredCertificate !== undefined ? { configuredCertificate: wrapped.configuredCertificate } : {}),
            ...(wrapped.linkConnection === true ? { linkConnection: true } : {}),
            ...options,
          };
    super(socket, { allowHalfOpen: opts.allowHalfOpen ?? false, emitClose: true, autoDestroy: true, decodeStrings: true });
    this.#source = wrapped?.source ?? (connection as ConnectionSource);
    this.#opts = opts;
    if (opts.enableTrace === true) this.enableTrace();
    if (opts.servername !== undefined) this.servername = opts.servername;
    const s = this.socket as OwnedTransport;
    // A transport wrapped before (by a TLSSocket since destroyed) keeps the shared listeners: they
    // are attached once, so nothing is delivered twice; they now reach this TLSSocket.
    const attached = kOwner in s;
    s[kOwner] = this;
    if (!attached) {
      const on = TLSSocket.#transportListeners;
      s.on('data', on.data);
      s.on('end', on.end);
      s.on('error', on.error); // stays attached: a late transport error never goes unhandled
      s.on('close', on.close);
      s.on('drain', on.drain);
      s.on('timeout', on.timeout);
    }
    if (s.connecting === true) {
      s.once('connect', () => {
        this.emit('connect');
        this.#start();
      });
    } else {
      process.nextTick(() => this.#start());
    }
  }

  /**
   * The transport's listeners, shared by every TLSSocket: each finds its TLSSocket through the
   * transport (`this` is the emitter), so a connection holds no closures for them.
   */
  static readonly #transportListeners = {
    data(this: OwnedTransport, chunk: Buffer | string): void {
      const t = this[kOwner];
      if (t !== undefined) t.#onData(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    },
    end(this: OwnedTransport): void {
      const t = this[kOwner];
      if (t !== undefined) t.#onTransportEnd();
    },
    error(this: OwnedTransport, err: Error): void {
      this[kOwner]?.destroy(err);
    },
    close(this: OwnedTransport): void {
      const t = this[kOwner];
      if (t !== undefined) t.#onTransportClose();
    },
    drain(this: OwnedTransport): void {
      const t = this[kOwner];
      if (t !== undefined) t.#onDrain();
    },
    timeout(this: OwnedTransport): void {
      this[kOwner]?.emit('timeout');
    },
  };

  // ---- driving the connection ----

  #start(): void {
    if (this.destroyed || this.#conn !== undefined) return;
    const source = this.#source;
    if (source === undefined) return;
    this.#source = undefined;
    let conn: Connection;
    try {
      conn =
        typeof source === 'function'
          ? source({
              keylog: this.listenerCount('keylog') > 0 || (this.#opts.wantKeylog?.() ?? false),
              trace: (this.#opts.trace !== undefined && this.#opts.trace !== false) || this.#tracePrinter !== undefined || traceChannelActive(),
            })
          : source;
    } catch (e) {
      this.destroy(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    this.#conn = conn;
    if (this.#opts.linkConnection === true) setConnectionOwner(conn, this);
    this.#isServer = !conn.isClient;
    if (this.#tracePrinter !== undefined) this.#tracePrinter.feed = this.#tracePrinter.collector.listener(conn.isClient ? 'client' : 'server');
    if (this.#maxSendFragment !== undefined) conn.setMaxSendFragment?.(this.#maxSendFragment);
    if (this.#keyCert !== undefined) conn.setCertificate?.(this.#keyCert);
    this.#listenTo(conn);
    const early = this.#early;
    this.#early = undefined;
    if (early !== undefined) this.#run((c) => early.forEach((b) => c.receive(b)));
    else this.#pump(); // client: the ClientHello goes out now, without waiting for a write.
    if (this.#transportEnded) this.#onTransportEnd();
  }

  /** In its own scope, so the listener's closure keeps nothing else of #start() alive. */
  #listenTo(conn: Connection): void {
    conn.setListener((ev) => this.#onConnEvent(ev));
  }

  #onConnEvent(ev: ConnectionEvent): void {
    this.#events.push(ev);
    if (this.#busy === 0) this.#pump();
  }

  /** Calls into the connection, then drains whatever it produced. */
  #run(fn: (c: Connection) => void): void {
    const c = this.#conn;
    if (c === undefined) return;
    this.#busy++;
    try {
      fn(c);
    } finally {
      this.#busy--;
    }
    this.#pump();
  }

  #pump(): void {
    if (this.#busy > 0 || this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        this.#pumpOnce();
      } while (this.#pumpAgain && !this.destroyed);
    } finally {
      this.#pumping = false;
    }
  }

  #flushOutput(): void {
    const c = this.#conn;
    if (c === undefined) return;
    for (let out = c.takeOutput(); out !== null; out = c.takeOutput()) {
      const s = this.socket;
      if (s.destroyed || s.writableEnded) continue; // nobody to send to any more
      if (c.isClient && c.handshakeComplete && !this.#flightCorked) this.#corkOneTurn();
      if (!s.write(out)) this.#waitingDrain = true;
    }
  }

  /**
   * The client's last flight and what it writes on secureConnect leave in one TCP write, as with
   * node:tls (whose secureConnect handlers run before that flight is written). Otherwise Nagle holds a
   * small first write behind the unacknowledged Finished until the peer's delayed ACK (~40 ms), when
   * the peer has nothing to answer the Finished with (resumed TLS 1.2). The cork (one event-loop
   * turn, once per connection, from the flush of the Finished) covers writes made in the
   * secureConnect listeners and in a promise continuation (`await connect()`).
   */
  #corkOneTurn(): void {
    this.#flightCorked = true;
    const s = this.socket;
    s.cork();
    setImmediate(() => s.uncork());
  }

  #pumpOnce(): void {
    const c = this.#conn;
    if (c === undefined || this.destroyed) return;
    this.#flushOutput();
    // Taken as a batch and replaced by a fresh array, so an idle connection keeps no grown one.
    while (this.#events.length > 0) {
      const batch = this.#events;
      this.#events = [];
      for (const ev of batch) {
        this.#handleEvent(ev);
        if (this.destroyed) return;
      }
    }
    if (!this.#secured && c.handshakeComplete && c.summary !== undefined) this.#onHandshake(c.summary);
    if (this.destroyed) return;
    this.#pushPlaintext(c);
    const err = c.error;
    if (err !== undefined && !this.#errorHandled) {
      this.#errorHandled = true;
      this.#flushOutput(); // the alert, once
      if (this.#tolerateEofError) {
        // TCP FIN without close_notify after the handshake: node:tls treats it as a plain end.
        this.#truncated = true;
      } else if (this.#eofError && !this.#secured) {
        this.#endTransport();
        this.destroy(transportClosedEarly(err));
        return;
      } else {
        this.#endTransport();
        this.destroy(err);
        return;
      }
    }
    // A transport that ended during the handshake ends it, unless the connection is still working on
    // what came before the EOF (an asynchronous hook: a directory look-up); it decides once that settles.
    if (this.#transportEnded && !this.#secured && !this.#errorHandled && !c.waiting) {
      this.#errorHandled = true;
      this.destroy(transportClosedEarly());
      return;
    }
    // The readable side ends with the peer's close_notify (or a tolerated truncation, above). A bare
    // transport EOF is handed to the connection, which reports one or the other.
    if (c.peerClosed || this.#truncated) this.#endReadable();
    this.#maybeSendFin();
  }

  #pushPlaintext(c: Connection): void {
    if (this.#readBlocked || this.#readEnded) return;
    // One push per record: the chunks are fresh buffers (decrypted output), so no concatenating copy.
    const chunks = c.readPlaintextChunks !== undefined ? c.readPlaintextChunks() : [c.readPlaintext()];
    if (chunks === null) return;
    let more = true;
    for (const pt of chunks) {
      if (pt !== null && pt.length > 0) more = this.push(Buffer.from(pt.buffer, pt.byteOffset, pt.length));
    }
    if (!more) {
      // Our reader is not keeping up: stop reading the transport until _read() is called.
      this.#readBlocked = true;
      if (!this.#socketPaused) {
        this.#socketPaused = true;
        this.socket.pause();
      }
    }
  }

  #endReadable(): void {
    const c = this.#conn;
    if (this.#readEnded || this.#readBlocked) return;
    if (c !== undefined) this.#pushPlaintext(c);
    if (this.#readBlocked) return;
    this.#readEnded = true;
    this.push(null);
  }

  #handleEvent(ev: ConnectionEvent): void {
    switch (ev.type) {
      case 'handshake':
        if (!this.#secured) this.#onHandshake(ev.summary);
        return;
      case 'session':
        this.#session = ev;
        if (this.listenerCount('session') > 0) this.emit('session', this.getSession());
        return;
      case 'keylog':
        this.emit('keylog', Buffer.from(ev.line + '\n', 'latin1'));
        return;
      case 'trace': {
        const t = this.#opts.trace;
        if (typeof t === 'function') t(ev.event);
        this.#tracePrinter?.feed?.(ev.event);
        if (this.listenerCount('trace') > 0) this.emit('trace', ev.event);
        if (this.#conn !== undefined) publishTrace({ side: this.#conn.isClient ? 'client' : 'server', socket: this, event: ev.event });
        return;
      }
      case 'wakeup':
        return;
    }
  }

  #onHandshake(summary: HandshakeSummary): void {
    this.#secured = true;
    this.#summary = summary;
    const isClient = this.#conn?.isClient ?? true;
    this.authorized = summary.authorized;
    this.tlsAuthorizationError = summary.authorizationError;
    // node:tls: a server that asked for no certificate reports authorized false and no error; one
    // that asked and got none reports UNABLE_TO_GET_ISSUER_CERT (the engine's own error stays in
    // tlsAuthorizationError).
    if (summary.authorized) this.authorizationError = null;
    else if (!isClient && summary.peerCertificates.length === 0) this.authorizationError = this.#opts.requestCert === true ? 'UNABLE_TO_GET_ISSUER_CERT' : null;
    else if (summary.authorizationError !== undefined) this.authorizationError = summary.authorizationError.code;
    else this.authorizationError = 'UNABLE_TO_VERIFY_LEAF_SIGNATURE';
    this.alpnProtocol = summary.alpnProtocol ?? false;
    if (!isClient) this.servername = summary.serverName ?? false;
    // node:tls: a client with requestOCSP gets 'OCSPResponse' (the stapled bytes, or null) before secureConnect.
    const ocsp = summary.ocspResponse;
    if (ocsp !== undefined) {
      this.emit('OCSPResponse', ocsp === null ? null : Buffer.from(ocsp.buffer, ocsp.byteOffset, ocsp.length));
      if (this.destroyed) return;
    }
    this.emit(isClient ? 'secureConnect' : 'secure');
    if (this.destroyed) return;
    const held = this.#heldWrite;
    this.#heldWrite = undefined;
    if (held !== undefined) this.#writeNow(held.chunks, held.cb);
    const fin = this.#heldFinal;
    this.#heldFinal = undefined;
    if (fin !== undefined) this.#finalNow(fin);
  }

  // ---- transport events ----

  #onData(chunk: Buffer): void {
    if (this.destroyed) return;
    if (this.#conn === undefined) {
      (this.#early ??= []).push(chunk);
      return;
    }
    // A plain Uint8Array view: the record layer's many subarray() calls then skip Buffer's slower species path.
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
    this.#run((c) => c.receive(bytes));
  }

  #onTransportEnd(): void {
    if (this.destroyed) return;
    this.#transportEnded = true;
    const c = this.#conn;
    if (c === undefined) return; // #start() comes back here
    this.#tolerateEofError = this.#secured && c.error === undefined && !c.peerClosed;
    // The EOF is what a later handshake error is about, unless a hook was still running: then the
    // connection reports the hook's failure, or the EOF itself, once the hook settles.
    this.#eofError = c.error === undefined && !c.waiting;
    this.#run((conn) => conn.receiveEof());
  }

  #onTransportClose(): void {
    if (this.destroyed) return;
    if (!this.#secured && !this.#errorHandled) {
      this.#errorHandled = true;
      this.destroy(transportClosedEarly());
    } else if (this.#readEnded && this.readableLength > 0 && !this.readableEnded) {
      // Everything was received; let the reader take what is still buffered before 'close'.
      this.once('end', () => this.destroy());
    } else {
      this.destroy();
    }
  }

  #onDrain(): void {
    this.#waitingDrain = false;
    const cb = this.#drainCallback;
    this.#drainCallback = undefined;
    if (cb !== undefined) cb();
  }

  #endTransport(): void {
    const s = this.socket;
    if (!s.destroyed && !s.writableEnded) s.end();
  }

  // ---- Duplex implementation ----

  override _read(): void {
    this.#readBlocked = false;
    if (this.#socketPaused) {
      this.#socketPaused = false;
      this.socket.resume();
    }
    this.#pump();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: WriteCallback): void {
    this.#write([chunk], cb);
  }

  override _writev(chunks: { chunk: Buffer }[], cb: WriteCallback): void {
    this.#write(
      chunks.map((c) => c.chunk),
      cb,
    );
  }

  #write(chunks: readonly Uint8Array[], cb: WriteCallback): void {
    // Writes wait for the handshake: the callback is the backpressure signal, so at most one
    // chunk (or one writev batch) is ever held here.
    if (!this.#secured) this.#heldWrite = { chunks, cb };
    else this.#writeNow(chunks, cb);
  }

  #writeNow(chunks: readonly Uint8Array[], cb: WriteCallback): void {
    const c = this.#conn;
    if (c === undefined) return cb(new Error('TLSSocket: no connection'));
    if (c.error !== undefined) return cb(c.error);
    if (c.closed) return cb(new TlsError('ERR_STREAM_WRITE_AFTER_END', AlertDescription.internal_error, 'write after the TLS connection was closed'));
    const s = this.socket;
    // A writev batch: each chunk's records go to the transport as their own buffer (corked into one
    // transport write), rather than being copied into one joined buffer by takeOutput().
    const batch = chunks.length > 1 && !s.writableCorked && !s.destroyed;
    try {
      this.#busy++;
      if (batch) s.cork();
      try {
        for (const chunk of chunks) {
          c.write(chunk);
          if (batch) this.#flushOutput();
        }
      } finally {
        this.#busy--;
        if (batch) s.uncork();
      }
    } catch (e) {
      this.#pump();
      return cb(e instanceof Error ? e : new Error(String(e)));
    }
    // Flush now even when called from inside a pump (an event handler writing): the callback must
    // know whether the transport accepted the records.
    this.#flushOutput();
    this.#pump();
    if (this.#waitingDrain) this.#drainCallback = cb;
    else cb();
  }

  override _final(cb: WriteCallback): void {
    if (!this.#secured) this.#heldFinal = cb;
    else this.#finalNow(cb);
  }

  #finalNow(cb: WriteCallback): void {
    const c = this.#conn;
    if (c !== undefined && c.error === undefined && !c.closed) this.#run((conn) => conn.close()); // close_notify
    // Half-close: the FIN follows the close_notify; we keep reading until the peer's close_notify.
    // 'finish' (this callback) waits for the FIN, so destroySoon() and http do not cut it short.
    this.#finalCallback = cb;
    this.#maybeSendFin();
  }

  /** Sends the FIN once the connection has nothing more to say (not waiting, nothing queued). */
  #maybeSendFin(): void {
    const cb = this.#finalCallback;
    const c = this.#conn;
    if (cb === undefined || (c !== undefined && (c.waiting || c.pendingWrite > 0))) return;
    this.#flushOutput(); // even inside a pump: the close_notify must precede the FIN
    this.#finalCallback = undefined;
    this.#endTransport();
    cb();
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.#tracePrinter?.collector.flush();
    const c = this.#conn;
    if (c !== undefined) {
      c.setListener(undefined);
      // Let go of the connection (its keys, record buffers and handshake state), as node:tls frees
      // its SSL object on destroy: an application that keeps the socket object does not keep all
      // that. What the node:tls API still answers afterwards (summary, session, side) stays here.
      this.#conn = undefined;
    }
    const s = this.socket as OwnedTransport;
    if (s[kOwner] === this) s[kOwner] = undefined; // later transport events reach nobody
    if (!s.destroyed) {
      if (s.writableEnded && err === null) {
        // We ended gracefully (close_notify or an alert, then FIN): let the bytes leave, keep
        // reading so the peer's FIN can close the socket, and bound the wait.
        s.resume();
        const timer = setTimeout(() => s.destroy(), 5000);
        timer.unref();
        s.once('close', () => clearTimeout(timer));
      } else if (s.writableEnded) {
        s.resume();
        s.once('finish', () => s.destroy());
        const timer = setTimeout(() => s.destroy(), 2000);
        timer.unref();
        s.once('close', () => clearTimeout(timer));
      } else {
        s.destroy();
      }
    }
    cb(err);
  }

  /** net.Socket's destroySoon(): end, then destroy once everything was written. */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  // ---- node:tls API ----

  /** The handshake's outcome (typetls extra), undefined before it completes. */
  get summary(): HandshakeSummary | undefined {
    return this.#summary;
  }

  /** The sans-IO connection under this socket (typetls extra): undefined before the transport connected and after destroy(). */
  get connection(): Connection | undefined {
    return this.#conn;
  }

  getProtocol(): string | null {
    return this.#summary?.version ?? null;
  }

  getCipher(): CipherInfo | null {
    const s = this.#summary;
    return s === undefined ? null : cipherInfo(s);
  }

  getEphemeralKeyInfo(): EphemeralKeyInfo | Record<string, never> | null {
    const s = this.#summary;
    if (s === undefined) return null;
    if (this.#isServer) return {};
    return ephemeralKeyInfo(s.group);
  }

  getPeerCertificate(detailed?: boolean): PeerCertificate | Record<string, never> | null {
    if (this.destroyed && this.#summary === undefined) return null;
    const s = this.#summary;
    if (s === undefined) return {};
    return peerCertificateChain(detailed === true ? (s.verifiedChain ?? s.peerCertificates) : s.peerCertificates, detailed === true);
  }

  getPeerX509Certificate(): X509Certificate | undefined {
    const der = this.#summary?.peerCertificates[0];
    return der === undefined ? undefined : new X509Certificate(der);
  }

  /**
   * The certificate this side sent, else (before the handshake, or when the peer asked for none) the
   * configured one, as node:tls answers from its context; `{}` without any, null once destroyed
   * before the handshake.
   */
  getCertificate(): PeerCertificate | Record<string, never> | null {
    const s = this.#summary;
    if (s === undefined && this.destroyed) return null;
    const der = this.#localCertificate();
    return der === undefined ? {} : peerCertificateChain([der], false);
  }

  getX509Certificate(): X509Certificate | undefined {
    const der = this.#localCertificate();
    return der === undefined ? undefined : new X509Certificate(der);
  }

  #localCertificate(): Uint8Array | undefined {
    const s = this.#summary;
    if (s?.localCertificate !== undefined) return s.localCertificate;
    return this.#keyCert?.chain[0] ?? this.#opts.configuredCertificate;
  }

  /**
   * node:tls: the certificate and key for this socket, from a SecureContext or createSecureContext()
   * options. A server uses them if it has not chosen its certificate yet: in the ALPNCallback at the
   * latest (`this` there is the socket), for an ACME tls-alpn-01 certificate say. A client uses them
   * if the server's CertificateRequest has not been answered yet. Later they change nothing, and
   * options without `cert` and `key` change nothing, as in node:tls.
   */
  setKeyCert(context: SecureContext | SecureContextOptions): void {
    if (typeof context !== 'object' || context === null) {
      throw new TlsError('ERR_INVALID_ARG_TYPE', AlertDescription.internal_error, `setKeyCert expects a SecureContext or createSecureContext() options, got ${describe(context)}`);
    }
    const certified = toSecureContext(context, 'setKeyCert').certificates[0];
    if (certified === undefined) return;
    this.#keyCert = certified;
    this.#conn?.setCertificate?.(certified);
  }

  /**
   * node:tls: the signature algorithms both sides accept, in the peer's order, in OpenSSL's spelling
   * (`ECDSA+SHA256`, `RSA-PSS+SHA256`, `Ed25519+UNDEF`). A server lists the ClientHello's; a client
   * lists the server's CertificateRequest's (none when the server asked for no certificate).
   */
  getSharedSigalgs(): string[] {
    return sharedSigalgNames(this.#summary?.sharedSignatureSchemes);
  }

  /**
   * Not kept: the Finished messages serve tls-unique channel binding (RFC 5929), which TLS 1.3 drops
   * for tls-exporter (RFC 9266, exportKeyingMaterial()); keeping them would cost every connection
   * about 0.5 KiB. Throws rather than answer undefined ("no Finished yet"), which would mislead.
   */
  getFinished(): Buffer | undefined {
    throw finishedNotKept('getFinished');
  }

  /** Not kept either (see getFinished()). */
  getPeerFinished(): Buffer | undefined {
    throw finishedNotKept('getPeerFinished');
  }

  /** node:tls: a client's latest session ticket (TLS 1.3, or TLS 1.2 RFC 5077), undefined on a server or without one. */
  getTLSTicket(): Buffer | undefined {
    const s = this.#session?.session;
    if (s === undefined || this.#isServer) return undefined;
    const ticket = decodeClientSession(s)?.ticket ?? decodeSession12(s)?.ticket;
    return ticket === undefined ? undefined : Buffer.from(ticket);
  }

  getSession(): Buffer | undefined {
    const s = this.#session?.session;
    return s === undefined ? undefined : Buffer.from(s.buffer, s.byteOffset, s.length);
  }

  isSessionReused(): boolean {
    return this.#summary?.resumed ?? false;
  }

  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Buffer {
    const c = this.#conn;
    if (c === undefined || !this.#secured) {
      throw new TlsError('ERR_TLS_INVALID_STATE', AlertDescription.internal_error, 'exportKeyingMaterial() needs a completed handshake');
    }
    const out = context === undefined ? c.exportKeyingMaterial(length, label) : c.exportKeyingMaterial(length, label, context);
    return Buffer.from(out.buffer, out.byteOffset, out.length);
  }

  /** TLS 1.3 KeyUpdate (typetls extra). */
  keyUpdate(requestPeer = false): void {
    this.#run((c) => c.keyUpdate(requestPeer));
  }

  /**
   * node:tls: writes the connection's TLS trace to stderr. typetls writes its own narrated trace (the
   * ten steps, as `typetls client --trace` prints them), not OpenSSL's. Call it before the handshake
   * (right after connect(), or with the `enableTrace` option): a connection already under way without
   * tracing cannot start it, and a warning says so.
   */
  enableTrace(): void {
    if (this.#tracePrinter !== undefined) return;
    const collector = createTraceCollector({ mode: 'steps', color: process.stderr.isTTY === true, write: (text) => void process.stderr.write(text) });
    this.#tracePrinter = { collector, feed: undefined };
    const c = this.#conn;
    if (c === undefined) return; // #start() turns the trace on
    if (c.tracing !== true) {
      process.emitWarning('enableTrace() was called after the TLS connection started without a trace; call it right after connect(), or pass enableTrace: true', { code: 'TYPETLS_TRACE_TOO_LATE' });
    }
    this.#tracePrinter.feed = collector.listener(c.isClient ? 'client' : 'server');
  }

  /** Renegotiation does not exist in typetls (TLS 1.3 has none; TLS 1.2's is refused). */
  renegotiate(_options: unknown, callback?: (err: Error | null) => void): false {
    const err = new TlsError('ERR_TLS_RENEGOTIATION_DISABLED', AlertDescription.no_renegotiation, 'typetls does not renegotiate');
    if (callback !== undefined) process.nextTick(() => callback(err));
    return false;
  }

  disableRenegotiation(): void {}

  /**
   * node:tls: caps the plaintext per record (512 to 16384; smaller records let the peer start
   * decrypting sooner). False, changing nothing, outside that range. Before the transport connects,
   * the cap is kept and applied when the connection is built.
   */
  setMaxSendFragment(size: number): boolean {
    if (typeof size !== 'number' || !Number.isInteger(size)) {
      throw new TypeError(`The "size" argument must be an integer. Received ${typeof size === 'number' ? String(size) : typeof size}`);
    }
    if (size < 512 || size > 16384) return false;
    const c = this.#conn;
    if (c === undefined) {
      this.#maxSendFragment = size;
      return true;
    }
    return c.setMaxSendFragment?.(size) ?? false;
  }
}
