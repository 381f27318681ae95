// A pass-through "TLS" implementing the Connection contract, for testing the Node adapter without
// the real engine. Frames: type (1 byte) ‖ length (4 bytes) ‖ payload. The handshake is one HELLO
// each way (JSON: ALPN offer/choice, server name); DATA frames carry plaintext as is (≤ 16 KiB);
// CLOSE is close_notify; ALERT carries one alert byte and ends the connection.
import type { ClientConfig, ServerConfig } from '../../src/conn/config.js';
import type { Connection, ConnectionListener, HandshakeSummary } from '../../src/conn/types.js';
import { TlsError, remoteAlertError } from '../../src/errors.js';
import { AlertDescription, CipherSuite, NamedGroup } from '../../src/wire/iana.js';
import { concatBytes } from '../../src/wire/bytes.js';

const HELLO = 1;
const DATA = 2;
const CLOSE = 3;
const ALERT = 4;
const MAX_FRAGMENT = 16384;

export interface FakeOptions {
  /** Server: answer the ClientHello with this fatal alert instead of a HELLO. */
  readonly failWith?: number;
  /** Client: report the server as unverified (as rejectUnauthorized: false would). */
  readonly unauthorized?: boolean;
  /** Client: the certificates the "server" presented (DER, leaf first). */
  readonly peerCertificates?: readonly Uint8Array[];
  /** Fail with unexpected_message when this exact plaintext arrives (an error after the handshake). */
  readonly failOnData?: string;
}


function frame(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + payload.length);
  out[0] = type;
  new DataView(out.buffer).setUint32(1, payload.length);
  out.set(payload, 5);
  return out;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export class FakeConnection implements Connection {
  readonly isClient: boolean;
  handshakeComplete = false;
  summary: HandshakeSummary | undefined = undefined;
  peerClosed = false;
  closed = false;
  error: TlsError | undefined = undefined;
  waiting = false;
  pendingWrite = 0;
  /** Every config this fake was built with (tests inspect the mapping). */
  readonly config: ClientConfig | ServerConfig;

  readonly #out: Uint8Array[] = [];
  readonly #plain: Uint8Array[] = [];
  readonly #pending: Uint8Array[] = [];
  #in: Uint8Array = new Uint8Array(0);
  #listener: ConnectionListener | undefined;
  readonly #fake: FakeOptions;

  constructor(isClient: boolean, config: ClientConfig | ServerConfig, fake: FakeOptions = {}) {
    this.isClient = isClient;
    this.config = config;
    this.#fake = fake;
    this.#listener = config.listener;
    if (isClient) {
      const c = config as ClientConfig;
      this.#out.push(frame(HELLO, enc.encode(JSON.stringify({ alpn: c.alpnProtocols ?? [], sni: c.serverName ?? null }))));
    }
  }

  setListener(listener: ConnectionListener | undefined): void {
    this.#listener = listener;
  }

  receive(data: Uint8Array): void {
    if (this.error !== undefined) return;
    this.#in = this.#in.length === 0 ? data : concatBytes(...[this.#in, data]);
    while (this.#in.length >= 5 && this.error === undefined) {
      const len = new DataView(this.#in.buffer, this.#in.byteOffset, this.#in.length).getUint32(1);
      if (this.#in.length < 5 + len) break;
      const type = this.#in[0] ?? 0;
      const payload = this.#in.slice(5, 5 + len);
      this.#in = this.#in.subarray(5 + len);
      this.#handle(type, payload);
    }
  }

  #handle(type: number, payload: Uint8Array): void {
    if (this.peerClosed) return this.#fail(new TlsError('ERR_TLS_UNEXPECTED_MESSAGE', AlertDescription.unexpected_message, 'data after close_notify'));
    switch (type) {
      case HELLO:
        return this.isClient ? this.#clientHello(payload) : this.#serverHello(payload);
      case DATA:
        if (!this.handshakeComplete) return this.#fail(new TlsError('ERR_TLS_UNEXPECTED_MESSAGE', AlertDescription.unexpected_message, 'data before the handshake'));
        if (this.#fake.failOnData !== undefined && dec.decode(payload) === this.#fake.failOnData) {
          return this.#fail(new TlsError('ERR_TLS_UNEXPECTED_MESSAGE', AlertDescription.unexpected_message, 'fake failure on data'));
        }
        this.#plain.push(payload);
        return;
      case CLOSE:
        this.peerClosed = true;
        return;
      case ALERT:
        this.error = remoteAlertError(payload[0] ?? 0);
        this.closed = true;
        return;
      default:
        return this.#fail(new TlsError('ERR_TLS_DECODE_ERROR', AlertDescription.decode_error, `unknown fake frame ${type}`));
    }
  }

  #serverHello(payload: Uint8Array): void {
    const hello = JSON.parse(dec.decode(payload)) as { alpn: string[]; sni: string | null };
    if (this.#fake.failWith !== undefined) {
      return this.#fail(new TlsError('ERR_TLS_HANDSHAKE_FAILURE', this.#fake.failWith, 'fake handshake failure'));
    }
    const cfg = this.config as ServerConfig;
    const alpn = (cfg.alpnProtocols ?? []).find((p) => hello.alpn.includes(p));
    const finish = (): void => {
      this.#out.push(frame(HELLO, enc.encode(JSON.stringify({ alpn: alpn ?? null, sni: hello.sni }))));
      this.#complete(alpn, hello.sni ?? undefined, true);
    };
    const sni = cfg.sniCallback;
    if (sni !== undefined && hello.sni !== null) {
      const r = sni(hello.sni);
      if (r instanceof Promise) {
        this.waiting = true;
        r.then(
          () => {
            this.waiting = false;
            finish();
            this.#listener?.({ type: 'wakeup' });
          },
          (e: unknown) => {
            this.waiting = false;
            this.#fail(new TlsError('ERR_TLS_UNRECOGNIZED_NAME', AlertDescription.unrecognized_name, `SNI callback failed: ${String(e)}`));
            this.#listener?.({ type: 'wakeup' });
          },
        );
        return;
      }
    }
    finish();
  }

  #clientHello(payload: Uint8Array): void {
    const hello = JSON.parse(dec.decode(payload)) as { alpn: string | null; sni: string | null };
    this.#complete(hello.alpn ?? undefined, hello.sni ?? undefined, !(this.#fake.unauthorized ?? false));
    if (this.config.keylog === true) this.#listener?.({ type: 'keylog', line: 'CLIENT_RANDOM 00 11' });
    this.#listener?.({ type: 'session', session: new Uint8Array([1, 2, 3]) });
  }

  #complete(alpn: string | undefined, sni: string | undefined, authorized: boolean): void {
    this.handshakeComplete = true;
    this.summary = {
      version: 'TLSv1.3',
      cipherSuite: CipherSuite.TLS_AES_128_GCM_SHA256,
      cipherName: 'TLS_AES_128_GCM_SHA256',
      group: NamedGroup.x25519,
      peerSignatureScheme: undefined,
      alpnProtocol: alpn,
      serverName: sni,
      resumed: false,
      peerCertificates: this.#fake.peerCertificates ?? [],
      verifiedChain: this.#fake.peerCertificates,
      authorized,
      authorizationError: authorized ? undefined : new TlsError('DEPTH_ZERO_SELF_SIGNED_CERT', AlertDescription.bad_certificate, 'self-signed certificate'),
      earlyData: 'not sent',
    };
    this.#flushPending();
    if (this.config.trace === true) this.#listener?.({ type: 'trace', event: { kind: 'fake-handshake-done', isClient: this.isClient } });
    this.#listener?.({ type: 'handshake', summary: this.summary });
  }

  #fail(err: TlsError): void {
    if (this.error !== undefined) return;
    this.error = err;
    this.closed = true;
    this.#out.push(frame(ALERT, new Uint8Array([err.alert])));
  }

  receiveEof(): void {
    if (!this.peerClosed && this.error === undefined) {
      this.error = new TlsError('ERR_TLS_TRUNCATED', AlertDescription.close_notify, 'the peer closed TCP without close_notify');
    }
  }

  takeOutput(): Uint8Array | null {
    if (this.#out.length === 0) return null;
    return concatBytes(...this.#out.splice(0));
  }

  write(data: Uint8Array): void {
    if (this.closed) throw new TlsError('ERR_TLS_CLOSED', AlertDescription.internal_error, 'write after close');
    if (!this.handshakeComplete) {
      this.#pending.push(data.slice());
      this.pendingWrite += data.length;
      return;
    }
    for (let i = 0; i < data.length; i += MAX_FRAGMENT) this.#out.push(frame(DATA, data.subarray(i, i + MAX_FRAGMENT)));
  }

  #flushPending(): void {
    const p = this.#pending.splice(0);
    this.pendingWrite = 0;
    for (const d of p) this.write(d);
  }

  readPlaintext(): Uint8Array | null {
    if (this.#plain.length === 0) return null;
    return concatBytes(...this.#plain.splice(0));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.#out.push(frame(CLOSE, new Uint8Array(0)));
  }

  keyUpdate(): void {}

  exportKeyingMaterial(length: number, label: string): Uint8Array {
    if (!this.handshakeComplete) throw new TlsError('ERR_TLS_INVALID_STATE', AlertDescription.internal_error, 'not yet');
    return enc.encode(label.padEnd(length, '.').slice(0, length));
  }
}

export const fakeClient =
  (fake: FakeOptions = {}) =>
  (config: ClientConfig): Connection =>
    new FakeConnection(true, config, fake);

export const fakeServer =
  (fake: FakeOptions = {}) =>
  (config: ServerConfig): Connection =>
    new FakeConnection(false, config, fake);

/** What a fake server sends for a whole connection: its HELLO, `plaintext` as DATA, then CLOSE (unless `truncate`). */
export function fakeServerFlight(plaintext: Uint8Array, truncate = false): Uint8Array {
  const parts = [frame(HELLO, enc.encode(JSON.stringify({ alpn: null, sni: null })))];
  for (let i = 0; i < plaintext.length; i += MAX_FRAGMENT) parts.push(frame(DATA, plaintext.subarray(i, i + MAX_FRAGMENT)));
  if (!truncate) parts.push(frame(CLOSE, new Uint8Array(0)));
  return concatBytes(...parts);
}
