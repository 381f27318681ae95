// The sans-IO connection contract (shared/DESIGN.md, src/conn). The engine never touches sockets,
// timers or globals: bytes in, bytes out, plaintext in, plaintext out, events out.
import type { TlsError } from '../errors.js';
import type { PrivateKey } from '../crypto/provider.js';

export type VersionName = 'TLSv1.2' | 'TLSv1.3';

/** A certificate chain (DER, leaf first) with its private key. */
export interface CertifiedKey {
  readonly chain: readonly Uint8Array[];
  readonly key: PrivateKey;
}

/** What the handshake settled; available once `handshakeComplete` is true. */
export interface HandshakeSummary {
  readonly version: VersionName;
  readonly cipherSuite: number;
  /** IANA name, e.g. TLS_AES_128_GCM_SHA256. */
  readonly cipherName: string;
  /** Key exchange group (NamedGroup), when an (EC)DHE exchange happened. */
  readonly group: number | undefined;
  /** Scheme of the peer's CertificateVerify (or ServerKeyExchange) signature. */
  readonly peerSignatureScheme: number | undefined;
  readonly alpnProtocol: string | undefined;
  /** SNI: what the client asked for (both sides see it). */
  readonly serverName: string | undefined;
  readonly resumed: boolean;
  /** The peer's certificates as sent, DER, leaf first; empty when it sent none. */
  readonly peerCertificates: readonly Uint8Array[];
  /** The verified chain (leaf to anchor), when verification succeeded. */
  readonly verifiedChain: readonly Uint8Array[] | undefined;
  /** True when the peer's certificate was verified (client: always true unless rejectUnauthorized is false). */
  readonly authorized: boolean;
  readonly authorizationError: TlsError | undefined;
  readonly earlyData: 'accepted' | 'rejected' | 'not sent';
  /**
   * Client that asked for OCSP stapling (`requestOcsp`): the DER OCSPResponse the server stapled, or
   * null when it stapled none. Not checked by typetls (as node:tls, the application reads it).
   */
  readonly ocspResponse?: Uint8Array | null | undefined;
  /** DER of the leaf certificate this side sent in this handshake (none when resumed or not asked). */
  readonly localCertificate?: Uint8Array | undefined;
  /**
   * Signature schemes both sides accept, in the peer's order (node:tls's getSharedSigalgs()): on a
   * server those of the ClientHello, on a client those of the server's CertificateRequest (none
   * when it sent none).
   */
  readonly sharedSignatureSchemes?: readonly number[];
}

export type ConnectionEvent =
  | { readonly type: 'handshake'; readonly summary: HandshakeSummary }
  /** Client: a session the application can hand back as `session` to resume (opaque bytes). */
  | { readonly type: 'session'; readonly session: Uint8Array }
  /** One NSS key log line (without newline), e.g. `CLIENT_HANDSHAKE_TRAFFIC_SECRET <cr> <secret>`. */
  | { readonly type: 'keylog'; readonly line: string }
  /** Output or plaintext became available outside a receive()/write() call (an async hook settled). */
  | { readonly type: 'wakeup' }
  /** Structured trace event (issue: narrated trace); never contains secrets. */
  | { readonly type: 'trace'; readonly event: TraceEvent };

export interface TraceEvent {
  readonly kind: string;
  readonly [key: string]: unknown;
}

export type ConnectionListener = (event: ConnectionEvent) => void;

export interface Connection {
  /** Feeds bytes from the transport. Never throws: a failure is recorded in `error` and its alert queued. */
  receive(data: Uint8Array): void;
  /** The transport reached EOF (TCP FIN). Without a prior close_notify this is a truncation. */
  receiveEof(): void;
  /** Bytes to send to the peer (everything pending, concatenated), or null when there is none. */
  takeOutput(): Uint8Array | null;
  /** Queues application data; it is protected and output once the handshake allows. */
  write(data: Uint8Array): void;
  /** Decrypted application data received so far (concatenated), or null when there is none. */
  readPlaintext(): Uint8Array | null;
  /**
   * The same data as readPlaintext, as the records delivered it (one chunk per record, no
   * concatenating copy), or null when there is none. Each chunk is the caller's to keep: later
   * records never overwrite it. Optional: a caller falls back to readPlaintext.
   */
  readPlaintextChunks?(): readonly Uint8Array[] | null;
  /** Sends close_notify; no more application data may be written (half-close: reading continues). */
  close(): void;
  /** TLS 1.3: sends a KeyUpdate; with requestPeer the peer is asked to update too. */
  keyUpdate(requestPeer: boolean): void;
  /** RFC 8446 §7.5 / RFC 5705 exporter. */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Uint8Array;
  /**
   * Caps the plaintext of each record we send (512 to 16384 bytes, node:tls's setMaxSendFragment);
   * returns false, changing nothing, for a size out of that range. The peer's record_size_limit
   * still applies when it is lower. Optional: a caller treats a connection without it as refusing.
   */
  setMaxSendFragment?(size: number): boolean;
  /**
   * The certificate and key for this connection instead of the configured ones (node:tls's
   * setKeyCert): a server uses it if it has not chosen its certificate yet (an ALPN callback is the
   * last moment), a client if the server's CertificateRequest has not been answered yet.
   */
  setCertificate?(certificate: CertifiedKey): void;
  setListener(listener: ConnectionListener | undefined): void;

  readonly isClient: boolean;
  readonly handshakeComplete: boolean;
  readonly summary: HandshakeSummary | undefined;
  /** True once the peer's close_notify arrived (EOF for reading). */
  readonly peerClosed: boolean;
  /** True once we sent close_notify (or a fatal alert). */
  readonly closed: boolean;
  /** The error that ended the connection, if any. */
  readonly error: TlsError | undefined;
  /** True while waiting for an asynchronous hook (certificate check, SNI selection). */
  readonly waiting: boolean;
  /** Whether the connection emits trace events (decided when it was built). */
  readonly tracing?: boolean;
  /** Bytes of application data queued but not yet protected (handshake not done). */
  readonly pendingWrite: number;
}
