// A Connection backed by node:tls itself (OpenSSL) over an in-memory wire: real TLS bytes, produced
// asynchronously (so the adapter's 'wakeup' path is exercised), to test the Node adapter against real
// node:tls / https peers before typetls's own engine exists. Test helper only.
import { Buffer } from 'node:buffer';
import { KeyObject } from 'node:crypto';
import { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import type { ClientConfig, ServerConfig } from '../../src/conn/config.js';
import type { CertifiedKey, Connection, ConnectionEvent, ConnectionListener, HandshakeSummary, VersionName } from '../../src/conn/types.js';
import { TlsError } from '../../src/errors.js';
import { AlertDescription, NamedGroup } from '../../src/wire/iana.js';
import { lookupSuite, suiteNamesOf } from '../../src/wire/names.js';
import { derToPem } from '../../src/node/pem.js';
import { TrustStore } from '../../src/pki/trust-store.js';

class Wire extends Duplex {
  constructor(private readonly onOutput: (b: Buffer) => void) {
    super();
  }
  override _write(chunk: Buffer, _e: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.onOutput(chunk);
    cb();
  }
  override _read(): void {}
  override _final(cb: () => void): void {
    cb();
  }
}

function pemPair(ck: CertifiedKey): { cert: string; key: string } {
  const key = ck.key.handle;
  if (!(key instanceof KeyObject)) throw new Error('NodeTlsConnection needs KeyObject keys');
  return { cert: ck.chain.map((d) => derToPem(d)).join(''), key: String(key.export({ format: 'pem', type: 'pkcs8' })) };
}

const groups: Readonly<Record<string, number>> = { X25519: NamedGroup.x25519, prime256v1: NamedGroup.secp256r1, secp384r1: NamedGroup.secp384r1 };

export class NodeTlsConnection implements Connection {
  readonly isClient: boolean;
  handshakeComplete = false;
  summary: HandshakeSummary | undefined;
  peerClosed = false;
  closed = false;
  error: TlsError | undefined;
  pendingWrite = 0;
  /** Writes or a close_notify still on their way through node:tls (it encrypts asynchronously). */
  #inflight = 0;
  get waiting(): boolean {
    return this.#inflight > 0;
  }

  readonly #wire: Wire;
  readonly #tls: tls.TLSSocket;
  readonly #out: Buffer[] = [];
  readonly #plain: Buffer[] = [];
  #listener: ConnectionListener | undefined;

  constructor(isClient: boolean, config: ClientConfig | ServerConfig) {
    this.isClient = isClient;
    this.#wire = new Wire((b) => {
      this.#out.push(Buffer.from(b));
      this.#emit({ type: 'wakeup' });
    });
    const caIn = config.ca ?? tls.rootCertificates;
    const ca = caIn instanceof TrustStore ? caIn.anchors.map((a) => derToPem(a.raw)) : caIn.map((c) => (typeof c === 'string' ? c : derToPem(c)));
    const alpn = config.alpnProtocols === undefined ? {} : { ALPNProtocols: [...config.alpnProtocols] };
    const common = {
      ...alpn,
      ...(config.minVersion !== undefined ? { minVersion: config.minVersion } : {}),
      ...(config.maxVersion !== undefined ? { maxVersion: config.maxVersion } : {}),
      ...(config.cipherSuites !== undefined
        ? { ciphers: config.cipherSuites.map((c) => suiteNamesOf(c)?.openssl ?? '').join(':') }
        : {}),
    };
    if (isClient) {
      const c = config as ClientConfig;
      const name = c.serverName;
      this.#tls = tls.connect({
        socket: this.#wire,
        ca,
        rejectUnauthorized: c.rejectUnauthorized ?? true,
        ...(name !== undefined && !/^[\d.]+$|:/.test(name) ? { servername: name } : {}),
        ...(c.session !== undefined ? { session: Buffer.from(c.session) } : {}),
        ...(c.certificate !== undefined ? pemPair(c.certificate) : {}),
        checkServerIdentity: (host, cert) => {
          const own = c.checkServerIdentity;
          return own !== undefined ? own(host, [new Uint8Array(cert.raw)]) : tls.checkServerIdentity(host, cert);
        },
        ...common,
      });
      this.#tls.on('secureConnect', () => this.#secure());
      this.#tls.on('session', (s: Buffer) => this.#emit({ type: 'session', session: new Uint8Array(s) }));
    } else {
      const s = config as ServerConfig;
      const first = s.certificates[0];
      if (first === undefined) throw new Error('NodeTlsConnection needs a certificate');
      this.#tls = new tls.TLSSocket(this.#wire, {
        isServer: true,
        secureContext: tls.createSecureContext({ ...pemPair(first), ca, ...common }),
        requestCert: s.requestCert ?? false,
        rejectUnauthorized: s.requireCert ?? false,
        ...alpn,
      });
      this.#tls.on('secure', () => this.#secure());
    }
    if (config.keylog === true) this.#tls.on('keylog', (l: Buffer) => this.#emit({ type: 'keylog', line: l.toString('latin1').trimEnd() }));
    this.#tls.on('data', (d: Buffer) => {
      this.#plain.push(d);
      this.#emit({ type: 'wakeup' });
    });
    this.#tls.on('end', () => {
      this.peerClosed = true;
      this.#emit({ type: 'wakeup' });
    });
    this.#tls.on('error', (e: Error & { code?: string }) => {
      if (this.error === undefined) {
        this.error = new TlsError(e.code ?? 'ERR_TLS_NODE', AlertDescription.handshake_failure, e.message, { cause: e });
        this.closed = true;
      }
      this.#emit({ type: 'wakeup' });
    });
  }

  #emit(ev: ConnectionEvent): void {
    this.#listener?.(ev);
  }

  #secure(): void {
    const t = this.#tls;
    const cipher = t.getCipher();
    const peer = t.getPeerCertificate();
    const ek = t.getEphemeralKeyInfo();
    const groupName = ek !== null && 'name' in ek ? ek.name : undefined;
    // node sets `authorized` only on sockets its own tls.Server created; ask the handle otherwise.
    const handle = (t as unknown as { _handle?: { verifyError?: () => (Error & { code?: string }) | null } })._handle;
    const serverVerify = this.isClient ? undefined : handle?.verifyError?.();
    const hasPeer = peer !== null && peer.raw !== undefined;
    const authorized = this.isClient ? t.authorized : hasPeer && (serverVerify === null || serverVerify === undefined);
    const verifyError = this.isClient
      ? (t.authorizationError as unknown as Error | string | null | undefined)
      : (serverVerify?.code ?? (hasPeer ? null : 'UNABLE_TO_GET_ISSUER_CERT'));
    this.handshakeComplete = true;
    this.summary = {
      version: (t.getProtocol() ?? 'TLSv1.3') as VersionName,
      cipherSuite: lookupSuite(cipher.standardName)?.code ?? 0,
      cipherName: cipher.standardName,
      group: groupName === undefined ? undefined : groups[groupName],
      peerSignatureScheme: undefined,
      alpnProtocol: typeof t.alpnProtocol === 'string' ? t.alpnProtocol : undefined,
      serverName: (t as unknown as { servername?: string | false }).servername || undefined,
      resumed: t.isSessionReused(),
      peerCertificates: peer !== null && peer.raw !== undefined ? [new Uint8Array(peer.raw)] : [],
      verifiedChain: undefined,
      authorized,
      authorizationError:
        verifyError === null || verifyError === undefined
          ? undefined
          : new TlsError(String(verifyError), AlertDescription.bad_certificate, String(verifyError)),
      earlyData: 'not sent',
    };
    this.#emit({ type: 'handshake', summary: this.summary });
  }

  setListener(listener: ConnectionListener | undefined): void {
    this.#listener = listener;
  }
  receive(data: Uint8Array): void {
    this.#wire.push(Buffer.from(data));
  }
  receiveEof(): void {
    // Not passed on: node:tls over a JS stream tears itself down on EOF and drops what it still had to
    // write (a half-closed echo loses its answer). node:tls usually reports the peer's close_notify as
    // 'end'; when it does not (seen with TLS 1.3 client certificates), the EOF ends reading once the
    // bytes before it had time to be processed.
    setTimeout(() => {
      if (this.peerClosed) return;
      this.peerClosed = true;
      this.#emit({ type: 'wakeup' });
    }, 20);
  }
  takeOutput(): Uint8Array | null {
    return this.#out.length === 0 ? null : Buffer.concat(this.#out.splice(0));
  }
  write(data: Uint8Array): void {
    this.#inflight++;
    this.#tls.write(Buffer.from(data), () => this.#settled());
  }
  #settled(): void {
    // The callback can run before the wire saw the records; one more turn lets them arrive.
    setImmediate(() => {
      this.#inflight--;
      this.#emit({ type: 'wakeup' });
    });
  }
  readPlaintext(): Uint8Array | null {
    return this.#plain.length === 0 ? null : Buffer.concat(this.#plain.splice(0));
  }
  close(): void {
    this.closed = true;
    this.#inflight++;
    this.#tls.end(() => this.#settled());
  }
  keyUpdate(): void {}
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Uint8Array {
    return context === undefined ? this.#tls.exportKeyingMaterial(length, label, Buffer.alloc(0)) : this.#tls.exportKeyingMaterial(length, label, Buffer.from(context));
  }
}

export const nodeTlsClient = (config: ClientConfig): Connection => new NodeTlsConnection(true, config);
export const nodeTlsServer = (config: ServerConfig): Connection => new NodeTlsConnection(false, config);
