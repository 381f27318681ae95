// The sans-IO engine shared by ClientConnection and ServerConnection (shared/DESIGN.md, "Receive
// path"): records in, handshake messages to the current state, application data to the plaintext
// queue; every failure becomes a TlsError whose alert is queued once, after which the connection stays
// closed and keeps returning that error.
import { TlsError, internalError, remoteAlertError, unexpectedMessage, decodeError } from '../errors.js';
import { AlertDescription, AlertLevel, ContentType, ProtocolVersion, alertName, contentTypeName, groupName, handshakeName, schemeName } from '../wire/iana.js';
import { RecordLayer, type RecordProtector } from '../record/layer.js';
import { RecordProtector13 } from '../record/protect13.js';
import { MAX_PLAINTEXT } from '../record/deframer.js';
import { exporter13 } from '../keys/schedule13.js';
import type { HashAlgorithm } from '../crypto/provider.js';
import { HandshakeJoiner } from '../record/handshake-joiner.js';
import type { HandshakeMessage } from '../wire/handshake.js';
import type { CertifiedKey, Connection, ConnectionEvent, ConnectionListener, HandshakeSummary, TraceEvent } from './types.js';
import { interned, type ResolvedConfig } from './resolve.js';
import type { CheckSink } from '../pki/checks.js';
import { keysAfterUpdate, keysOfSecret } from '../trace/keys.js';
import { concatBytes } from '../wire/bytes.js';

/** What a handshake state returns: the next state, or a promise of it (an asynchronous hook). */
export type Next = State | Promise<State>;

/** A handshake state, named after what it expects (shared/STYLE.md, habit 2). */
export interface State {
  readonly name: string;
  handle(msg: HandshakeMessage): Next;
}

/** Post-handshake behaviour a traffic state offers the engine. */
export interface TrafficState extends State {
  readonly traffic: true;
  exportKeyingMaterial(length: number, label: string, context: Uint8Array | undefined): Uint8Array;
  keyUpdate(requestPeer: boolean): void;
}

function isTraffic(s: State): s is TrafficState {
  return (s as Partial<TrafficState>).traffic === true;
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

export abstract class Engine implements Connection {
  protected readonly records: RecordLayer;
  private readonly joiner = new HandshakeJoiner();
  protected state: State;
  private plaintext: Uint8Array[] = [];
  private writeQueue: Uint8Array[] = [];
  private pendingWriteBytes = 0;
  private closeRequested = false;
  private listener: ConnectionListener | undefined;
  private _error: TlsError | undefined;
  private _closed = false;
  private _peerClosed = false;
  private _waiting = false;
  /** The transport's EOF came while an asynchronous hook was running: handled once it settles. */
  private eofWhileWaiting = false;
  private _summary: HandshakeSummary | undefined;
  /** The leaf certificate we sent, until the summary takes it. */
  private localCertificate: Uint8Array | undefined;
  /** The peer's signature_algorithms (its ClientHello or CertificateRequest), until the summary takes the shared ones. */
  private peerSchemes: readonly number[] | undefined;
  /** setCertificate(): the application's certificate for this connection, over the configured ones. */
  private ownCertificate: CertifiedKey | undefined;
  /** TLS 1.2: what to do when the peer's ChangeCipherSpec arrives (armed by the handshake state that expects it). */
  private ccsHandler: (() => void) | undefined;
  /** The version the connection settled on (0 before ServerHello). */
  protected version = 0;
  /** Client 0-RTT: takes writes made before the handshake completes as early data (true = taken). */
  private earlySink: ((data: Uint8Array) => boolean) | undefined;
  /** Server 0-RTT: bytes of early data still acceptable before the handshake completes (RFC 8446 §4.2.10). */
  private earlyDataBudget: number | undefined;
  /** Largest plaintext per record we send: the peer's record_size_limit (RFC 8449), and the application's cap. */
  private peerFragmentLimit = MAX_PLAINTEXT;
  private ownFragmentLimit = MAX_PLAINTEXT;
  /** RFC 8449: the largest TLSInnerPlaintext we accept (announced limit), when negotiated. */
  private receiveLimit: number | undefined;
  /** RFC 8446 §7.5: early_exporter_master_secret, once 0-RTT was attempted (client) or accepted (server). */
  private earlyExporter: { readonly hash: HashAlgorithm; readonly secret: Uint8Array } | undefined;
  /** Tracing only: names of the keys protecting what we read and write, and of the keys derived next. */
  private readKeys = 'none';
  private writeKeys = 'none';
  private nextKeys: { read?: string | undefined; write?: string | undefined } | undefined;
  /** Trace/keylog events kept until the first listener is set (only when tracing or logging keys). */
  private early: ConnectionEvent[] | undefined;

  protected constructor(
    readonly config: ResolvedConfig,
    readonly isClient: boolean,
    initial: State,
  ) {
    this.records = new RecordLayer();
    this.state = initial;
    this.listener = config.listener;
    if (this.listener === undefined && (config.trace || config.keylog)) this.early = [];
    if (config.trace) {
      this.records.onRecord = (direction, type, length, isProtected) =>
        this.trace({ kind: 'record', direction, contentType: contentTypeName(type), length, keys: !isProtected ? 'none' : direction === 'sent' ? this.writeKeys : this.readKeys });
    }
  }

  // ---------------------------------------------------------------- Connection API

  get handshakeComplete(): boolean {
    return this._summary !== undefined;
  }
  get summary(): HandshakeSummary | undefined {
    return this._summary;
  }
  get peerClosed(): boolean {
    return this._peerClosed;
  }
  get closed(): boolean {
    return this._closed;
  }
  get error(): TlsError | undefined {
    return this._error;
  }
  get waiting(): boolean {
    return this._waiting;
  }
  get pendingWrite(): number {
    return this.pendingWriteBytes;
  }

  setListener(listener: ConnectionListener | undefined): void {
    this.listener = listener;
    // Trace and key log events emitted before the first listener (the ClientHello is sent by the
    // constructor) are delivered now.
    const early = this.early;
    this.early = undefined;
    if (listener !== undefined && early !== undefined) for (const ev of early) listener(ev);
  }

  receive(data: Uint8Array): void {
    if (this._error !== undefined || this._peerClosed) return;
    try {
      this.records.receive(data);
      this.process();
    } catch (e) {
      this.fail(e);
    }
  }

  receiveEof(): void {
    if (this._error !== undefined || this._peerClosed) return;
    if (this._waiting) {
      // The peer's last bytes (its whole flight, data, close_notify, say) are received but not all
      // handled: a hook (a directory look-up) is still running. EOF counts after them, not before.
      this.eofWhileWaiting = true;
      return;
    }
    if (!this.handshakeComplete) {
      // The peer hung up in the middle of the handshake.
      this.fail(new TlsError('ECONNRESET', AlertDescription.close_notify, 'the peer closed the connection during the handshake', { remote: true }));
      return;
    }
    // EOF without close_notify after the handshake: like node:tls, reading ends; the data is not
    // known to be complete, which the adapter reports as a plain end.
    this._peerClosed = true;
  }

  takeOutput(): Uint8Array | null {
    return this.records.takeOutput();
  }

  write(data: Uint8Array): void {
    if (this._error !== undefined) return;
    if (this._closed || this.closeRequested) {
      this.fail(internalError('write after close: the connection already sent close_notify'));
      return;
    }
    if (data.length === 0) return;
    if (!this.handshakeComplete && !this._waiting && this.writeQueue.length === 0 && this.earlySink?.(data) === true) return;
    if (!this.handshakeComplete || this._waiting) {
      this.writeQueue.push(data.slice());
      this.pendingWriteBytes += data.length;
      return;
    }
    try {
      this.records.send(ContentType.application_data, data);
      this.rekeyIfDue();
    } catch (e) {
      this.fail(e);
    }
  }

  /** RFC 8446 §5.5: before a write key reaches its AEAD usage limit, it is replaced by a KeyUpdate. */
  private rekeyIfDue(): void {
    if (this.records.writeKeyUpdateDue && this.version === ProtocolVersion.TLSv1_3 && isTraffic(this.state)) {
      this.state.keyUpdate(false);
      this.trace({ kind: 'key-update', reason: 'usage limit' });
    }
  }

  readPlaintext(): Uint8Array | null {
    if (this.plaintext.length === 0) return null;
    const parts = this.plaintext;
    this.plaintext = [];
    return parts.length === 1 ? (parts[0] as Uint8Array) : concatBytes(...parts);
  }

  readPlaintextChunks(): readonly Uint8Array[] | null {
    if (this.plaintext.length === 0) return null;
    const parts = this.plaintext;
    this.plaintext = [];
    return parts;
  }

  close(): void {
    if (this._closed || this._error !== undefined) return;
    if (!this.handshakeComplete) {
      // Like node:tls's end() before the handshake: the data written so far goes out first.
      this.closeRequested = true;
      return;
    }
    this.sendAlert(AlertLevel.warning, AlertDescription.close_notify);
    this._closed = true;
    if (this.config.trace) this.trace({ kind: 'close', sent: 'close_notify' });
  }

  keyUpdate(requestPeer: boolean): void {
    if (!isTraffic(this.state) || this._closed || this._error) throw internalError('KeyUpdate is only possible on an open TLS 1.3 connection');
    // TLS 1.2 has no KeyUpdate: refuse the call without touching the connection.
    if (this.version !== ProtocolVersion.TLSv1_3) throw internalError('KeyUpdate exists only in TLS 1.3; this connection is TLS 1.2');
    try {
      this.state.keyUpdate(requestPeer);
    } catch (e) {
      this.fail(e);
    }
  }

  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Uint8Array {
    if (!isTraffic(this.state)) throw internalError('keying material can be exported only after the handshake');
    return this.state.exportKeyingMaterial(length, label, context);
  }

  /**
   * RFC 8446 §7.5 early exporter (from early_exporter_master_secret): available on a client that sent
   * 0-RTT data and on a server that accepted it. Its values are not forward secret and can be replayed
   * with the early data.
   */
  exportEarlyKeyingMaterial(length: number, label: string, context?: Uint8Array): Uint8Array {
    const e = this.earlyExporter;
    if (e === undefined) throw internalError('no early exporter: 0-RTT was not sent (client) or not accepted (server) on this connection');
    return exporter13(this.config.crypto, e.hash, e.secret, label, context ?? new Uint8Array(0), length);
  }

  // ---------------------------------------------------------------- used by the states

  setEarlyExporter(hash: HashAlgorithm, secret: Uint8Array): void {
    this.earlyExporter = { hash, secret };
  }

  emit(event: ConnectionEvent): void {
    if (this.listener) this.listener(event);
    else if (this.early !== undefined && this.early.length < 512 && (event.type === 'trace' || event.type === 'keylog')) this.early.push(event);
  }

  /** True when trace events are wanted: callers test it before building an event. */
  get tracing(): boolean {
    return this.config.trace;
  }

  trace(event: TraceEvent): void {
    if (this.config.trace) this.emit({ type: 'trace', event });
  }

  keylog(label: string, clientRandom: Uint8Array, secret: Uint8Array): void {
    if (this.config.trace) {
      // The label and length only: the secret itself leaves through the keylog, never the trace.
      this.trace({ kind: 'secret', label, length: secret.length });
      const k = keysOfSecret(label, this.isClient);
      this.nextKeys ??= {};
      if (k.read !== undefined) this.nextKeys.read = k.read;
      if (k.write !== undefined) this.nextKeys.write = k.write;
    }
    if (this.config.keylog) this.emit({ type: 'keylog', line: `${label} ${hex(clientRandom)} ${hex(secret)}` });
  }

  /** Sends a handshake message with the current write protection. */
  sendHandshake(msg: HandshakeMessage): void {
    this.records.send(ContentType.handshake, msg.raw);
    if (this.config.trace) this.trace({ kind: 'message', direction: 'sent', type: handshakeName(msg.type), length: msg.raw.length, code: msg.type, raw: msg.raw, keys: this.writeKeys });
  }

  /** RFC 8446 §D.4: the dummy change_cipher_spec of middlebox compatibility mode (always plaintext). */
  sendCompatCcs(): void {
    this.records.sendPlaintext(ContentType.change_cipher_spec, new Uint8Array([1]));
  }

  setWriteProtector(p: RecordProtector | null): void {
    this.records.setWriteProtector(p);
    if (this.config.trace) {
      this.writeKeys = p === null ? 'none' : (this.nextKeys?.write ?? keysAfterUpdate(this.writeKeys));
      if (this.nextKeys !== undefined) this.nextKeys.write = undefined;
      this.trace({ kind: 'keys', direction: 'write', keys: this.writeKeys });
    }
  }

  /** Certificate checks reported as trace events (spread into a PeerCertificateCheck); nothing when not tracing. */
  checkTrace(peer: 'client' | 'server'): { onCheck?: CheckSink } {
    if (!this.config.trace) return {};
    return { onCheck: (c) => this.trace({ kind: 'certificate-check', peer, ...c }) };
  }

  /** Read keys change only at a record boundary (RFC 8446 §5.1). */
  setReadProtector(p: RecordProtector | null): void {
    if (this.joiner.pending) {
      throw unexpectedMessage('handshake data was left in a record when the keys changed');
    }
    // RFC 8449 §4: a TLS 1.3 record may hold at most the limit we announced (content type included).
    if (p instanceof RecordProtector13 && this.receiveLimit !== undefined) p.maxInnerPlaintext = this.receiveLimit;
    this.records.setReadProtector(p);
    if (this.config.trace) {
      this.readKeys = p === null ? 'none' : (this.nextKeys?.read ?? keysAfterUpdate(this.readKeys));
      if (this.nextKeys !== undefined) this.nextKeys.read = undefined;
      this.trace({ kind: 'keys', direction: 'read', keys: this.readKeys });
    }
  }

  /**
   * RFC 8449 record_size_limit, once negotiated: `send` is the peer's limit (protected records we send
   * carry at most that much, the content type byte included in TLS 1.3), `receive` the one we announced.
   */
  setRecordSizeLimits(limits: { readonly send: number; readonly receive: number }): void {
    const tls13 = this.version === ProtocolVersion.TLSv1_3;
    this.peerFragmentLimit = Math.min(MAX_PLAINTEXT, tls13 ? limits.send - 1 : limits.send);
    this.records.maxFragment = Math.min(this.peerFragmentLimit, this.ownFragmentLimit);
    this.receiveLimit = tls13 ? Math.min(limits.receive, MAX_PLAINTEXT + 1) : undefined;
    this.records.maxReceiveFragment = tls13 ? undefined : Math.min(limits.receive, MAX_PLAINTEXT);
  }

  setMaxSendFragment(size: number): boolean {
    // OpenSSL's SSL_set_max_send_fragment range (node:tls's setMaxSendFragment).
    if (!Number.isInteger(size) || size < 512 || size > MAX_PLAINTEXT) return false;
    this.ownFragmentLimit = size;
    this.records.maxFragment = Math.min(this.peerFragmentLimit, size);
    return true;
  }

  /** Client 0-RTT: application data under the early traffic keys (the write protector in force). */
  sendEarlyData(data: Uint8Array): void {
    this.records.send(ContentType.application_data, data);
  }

  /** Client 0-RTT: while set, writes before the handshake completes go to `sink` first. */
  setEarlyDataSink(sink: ((data: Uint8Array) => boolean) | undefined): void {
    this.earlySink = sink;
  }

  /** Client 0-RTT rejected: the early data goes out again, first, once the handshake completes. */
  requeueFront(chunks: readonly Uint8Array[]): void {
    let n = 0;
    for (const c of chunks) n += c.length;
    this.writeQueue = [...chunks, ...this.writeQueue];
    this.pendingWriteBytes += n;
  }

  /** Server 0-RTT accepted: application data may arrive before the handshake completes, up to `max` bytes. */
  acceptEarlyData(max: number | undefined): void {
    this.earlyDataBudget = max;
  }

  /**
   * Server 0-RTT rejected (RFC 8446 §4.2.10): skip up to `max` bytes of early data records, which
   * cannot be decrypted (or, after a HelloRetryRequest, are application_data records in the clear).
   */
  skipRejectedEarlyData(max: number): void {
    this.records.skipEarlyData = max;
  }

  /** TLS 1.3: a plaintext change_cipher_spec is acceptable (middlebox compatibility, RFC 8446 §5); the record layer holds the flag. */
  allowCompatCcs(allowed: boolean): void {
    this.records.allowCompatCcs = allowed;
  }

  /** legacy_record_version for the records that follow (0x0301 for the first ClientHello). */
  setRecordVersion(version: number): void {
    this.records.setRecordVersion(version);
  }

  setVersion(version: number): void {
    this.version = version;
    this.records.setRecordVersion(ProtocolVersion.TLSv1_2);
    this.records.setProtocolVersion(version);
  }

  /**
   * TLS 1.2 (RFC 5246 §7.1): the peer's ChangeCipherSpec is expected next; `onCcs` switches the read
   * keys when it arrives. A ChangeCipherSpec at any other point is unexpected_message.
   */
  expectChangeCipherSpec(onCcs: (() => void) | undefined): void {
    this.ccsHandler = onCcs;
  }

  /** TLS 1.2: our ChangeCipherSpec message (protected by the current write keys, none in the first handshake). */
  sendChangeCipherSpec(): void {
    this.records.send(ContentType.change_cipher_spec, new Uint8Array([1]));
    if (this.config.trace) this.trace({ kind: 'change-cipher-spec', direction: 'sent' });
  }

  /** A warning alert; the connection stays open (TLS 1.2 no_renegotiation, RFC 5746 §4.2). */
  sendWarning(description: number): void {
    this.sendAlert(AlertLevel.warning, description);
  }

  /** The leaf of the certificate chain this side sent (the summary's localCertificate; node:tls's getCertificate()). */
  noteLocalCertificate(der: Uint8Array | undefined): void {
    this.localCertificate = der;
  }

  /** The signature schemes the peer accepts: a server notes the ClientHello's, a client the CertificateRequest's. */
  notePeerSignatureSchemes(schemes: readonly number[] | undefined): void {
    this.peerSchemes = schemes;
  }

  /**
   * Uses `certificate` for this connection instead of the configured ones (node:tls's setKeyCert):
   * a server takes it if its certificate is not chosen yet (an ALPN callback is the last moment), a
   * client when it answers a CertificateRequest that has not arrived yet. Later it changes nothing.
   */
  setCertificate(certificate: CertifiedKey): void {
    const ok =
      typeof certificate === 'object' &&
      certificate !== null &&
      Array.isArray(certificate.chain) &&
      certificate.chain.length > 0 &&
      certificate.chain.every((c) => c instanceof Uint8Array) &&
      typeof certificate.key === 'object' &&
      certificate.key !== null;
    if (!ok) throw new TlsError('ERR_INVALID_ARG_VALUE', AlertDescription.internal_error, 'setCertificate expects { chain: DER certificates, leaf first; key: a provider private key }');
    this.ownCertificate = certificate;
  }

  /** The certificate set by setCertificate(), if any. */
  get chosenCertificate(): CertifiedKey | undefined {
    return this.ownCertificate;
  }

  /** The handshake is done: record the summary, release queued writes and a queued close. */
  complete(built: HandshakeSummary): void {
    const summary = fixedShape(built, this.localCertificate, sharedSchemes(this.peerSchemes, this.config.signatureSchemes));
    this.localCertificate = undefined;
    this.peerSchemes = undefined;
    this.ownCertificate = undefined;
    this._summary = summary;
    this.records.allowCompatCcs = false;
    if (this.config.trace) {
      this.trace({
        kind: 'handshake-complete',
        version: summary.version,
        cipher: summary.cipherName,
        group: summary.group === undefined ? undefined : groupName(summary.group),
        peerSignatureScheme: summary.peerSignatureScheme === undefined ? undefined : schemeName(summary.peerSignatureScheme),
        alpn: summary.alpnProtocol,
        serverName: summary.serverName,
        resumed: summary.resumed,
        authorized: summary.authorized,
        peerCertificates: summary.peerCertificates.length,
        earlyData: summary.earlyData,
      });
    }
    this.emit({ type: 'handshake', summary });
  }

  private flushQueuedWrites(): void {
    if (!this.handshakeComplete || this._waiting) return;
    if (this.writeQueue.length > 0) {
      const q = this.writeQueue;
      this.writeQueue = [];
      this.pendingWriteBytes = 0;
      for (const d of q) this.records.send(ContentType.application_data, d);
    }
    if (this.closeRequested && !this._closed) {
      this.closeRequested = false;
      this.close();
    }
  }

  // ---------------------------------------------------------------- the receive loop

  private process(): void {
    while (!this._waiting && this._error === undefined && !this._peerClosed) {
      const msg = this.joiner.next();
      if (msg !== null) {
        this.handleMessage(msg);
        continue;
      }
      const rec = this.records.nextRecord();
      if (rec === null) break;
      this.handleRecord(rec.type, rec.content);
    }
    this.flushQueuedWrites();
  }

  private handleRecord(type: number, content: Uint8Array): void {
    switch (type) {
      case ContentType.handshake:
        // An empty handshake record never gets here: the record layer rejects it (RFC 8446 §5.1).
        this.joiner.push(content);
        return;
      case ContentType.alert:
        this.handleAlert(content);
        return;
      case ContentType.application_data:
        if (!this.handshakeComplete && this.earlyDataBudget !== undefined) {
          // RFC 8446 §4.2.10: more than max_early_data_size is unexpected_message.
          if (content.length > this.earlyDataBudget) throw unexpectedMessage('the client sent more early data than the ticket allows');
          this.earlyDataBudget -= content.length;
        } else if (!this.handshakeComplete) throw unexpectedMessage('application data before the handshake completed');
        // RFC 8446 §5.1: handshake messages must not be interleaved with other record types.
        if (this.joiner.pending) throw unexpectedMessage('application data in the middle of a fragmented handshake message');
        if (content.length > 0) this.plaintext.push(content);
        return;
      case ContentType.change_cipher_spec: {
        // TLS 1.3: the record layer drops the one acceptable compatibility CCS; any other is unexpected.
        // TLS 1.2: accepted only where the handshake expects it (RFC 5246 §7.1), never inside a
        // fragmented handshake message.
        const handler = this.ccsHandler;
        if (handler === undefined || this.joiner.pending) throw unexpectedMessage('unexpected change_cipher_spec record');
        this.ccsHandler = undefined;
        if (this.config.trace) this.trace({ kind: 'change-cipher-spec', direction: 'received' });
        handler();
        return;
      }
      default:
        throw unexpectedMessage(`unexpected ${contentTypeName(type)} record`);
    }
  }

  private handleAlert(content: Uint8Array): void {
    // RFC 8446 §6: an alert record holds exactly one alert (level, description).
    if (content.length !== 2) throw decodeError(`alert record of ${content.length} bytes`);
    if (this.joiner.pending) throw unexpectedMessage('alert in the middle of a fragmented handshake message');
    const level = content[0] as number;
    const description = content[1] as number;
    if (this.config.trace) this.trace({ kind: 'alert', direction: 'received', level, description: alertName(description) });
    if (description === AlertDescription.close_notify) {
      this._peerClosed = true;
      return;
    }
    if (description === AlertDescription.user_canceled && level === AlertLevel.warning) return;
    // TLS 1.2 warning alerts other than the above are ignored (e.g. no_renegotiation); in TLS 1.3
    // every other alert is fatal whatever its level (RFC 8446 §6.2).
    if (level === AlertLevel.warning && this.version === ProtocolVersion.TLSv1_2) return;
    const err = remoteAlertError(description);
    this._error = err;
    this._closed = true;
  }

  private handleMessage(msg: HandshakeMessage): void {
    if (this.config.trace) this.trace({ kind: 'message', direction: 'received', type: handshakeName(msg.type), length: msg.raw.length, code: msg.type, raw: msg.raw, keys: this.readKeys });
    const next = this.state.handle(msg);
    if (next instanceof Promise) {
      this._waiting = true;
      next.then(
        (s) => {
          this._waiting = false;
          this.state = s;
          try {
            this.process();
          } catch (e) {
            this.fail(e);
          }
          if (this.eofWhileWaiting && !this._waiting) {
            this.eofWhileWaiting = false;
            this.receiveEof();
          }
          this.emit({ type: 'wakeup' });
        },
        (e: unknown) => {
          this._waiting = false;
          this.fail(e);
          this.emit({ type: 'wakeup' });
        },
      );
      return;
    }
    this.state = next;
  }

  /** Records a failure: the alert is sent once, then the connection stays closed. */
  fail(e: unknown): void {
    if (this._error !== undefined) return;
    const err = e instanceof TlsError ? e : internalError(`internal error: ${e instanceof Error ? e.message : String(e)}`, e);
    this._error = err;
    if (this.config.trace) this.trace({ kind: 'error', code: err.code, alert: alertName(err.alert), message: err.message });
    if (!err.remote && !this._closed && err.alert !== AlertDescription.close_notify) {
      try {
        this.sendAlert(AlertLevel.fatal, err.alert);
      } catch {
        // The alert could not be protected; the transport closes anyway.
      }
    }
    this._closed = true;
  }

  private sendAlert(level: number, description: number): void {
    this.records.send(ContentType.alert, new Uint8Array([level, description]));
    if (this.config.trace) this.trace({ kind: 'alert', direction: 'sent', level, description: alertName(description) });
  }
}

const NO_SCHEMES: readonly number[] = Object.freeze([]);

/**
 * The peer's schemes that we accept too, in the peer's order (OpenSSL's SSL_get_shared_sigalgs),
 * each once (a peer repeating one cannot make the list longer than ours). Interned: most peers send
 * the same list, so most connections share one frozen array.
 */
function sharedSchemes(peer: readonly number[] | undefined, ours: readonly number[]): readonly number[] {
  if (peer === undefined || peer.length === 0) return NO_SCHEMES;
  const shared: number[] = [];
  for (const s of peer) if (ours.includes(s) && !shared.includes(s)) shared.push(s);
  return shared.length === 0 ? NO_SCHEMES : interned(shared);
}

/**
 * The summary as one object literal, always in this order: every connection's summary then shares
 * one hidden class with in-object fields. (A summary built with a spread and added fields, as the
 * server's, got a map and descriptor array of its own: ~0.5 KiB per connection for its lifetime.)
 */
function fixedShape(s: HandshakeSummary, localCertificate: Uint8Array | undefined, sharedSignatureSchemes: readonly number[]): HandshakeSummary {
  return {
    version: s.version,
    cipherSuite: s.cipherSuite,
    cipherName: s.cipherName,
    group: s.group,
    peerSignatureScheme: s.peerSignatureScheme,
    alpnProtocol: s.alpnProtocol,
    serverName: s.serverName,
    resumed: s.resumed,
    peerCertificates: s.peerCertificates,
    verifiedChain: s.verifiedChain,
    authorized: s.authorized,
    authorizationError: s.authorizationError,
    earlyData: s.earlyData,
    ocspResponse: s.ocspResponse,
    localCertificate,
    sharedSignatureSchemes,
  };
}
