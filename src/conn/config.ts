// Configuration of the sans-IO connections. Validated and frozen when built (shared/STYLE.md, habit 15),
// with secure defaults: TLS 1.2 and 1.3, verification on, forward-secret suites only.
import type { CryptoProvider } from '../crypto/provider.js';
import type { CertifiedKey, Connection, ConnectionListener, VersionName } from './types.js';
import type { TrustStore } from '../pki/trust-store.js';
import type { TicketSealer } from '../handshake/ticket-keys.js';
import type { ClientSessionStore } from '../handshake/session13.js';
import type { EarlyDataReplayGuard } from '../handshake/anti-replay.js';
import type { SessionStore12 } from '../handshake/session-cache.js';

/** A certificate or CRL as PEM text or DER bytes. */
export type PemOrDer = string | Uint8Array;

/**
 * Application check of a verified chain (e.g. a directory look-up: directoryCheck). May be
 * asynchronous. An Error refuses the chain; nothing, or `{ detail }` saying how it was accepted (shown
 * by the trace), accepts it.
 */
export type VerifyHook = (info: {
  readonly chain: readonly Uint8Array[];
  readonly hostname: string | undefined;
  readonly purpose: 'serverAuth' | 'clientAuth';
}) => void | Error | undefined | { readonly detail: string } | Promise<void | Error | undefined | { readonly detail: string }>;

export interface CommonConfig {
  readonly crypto?: CryptoProvider;
  readonly minVersion?: VersionName;
  readonly maxVersion?: VersionName;
  /** Cipher suites in preference order (CipherSuite code points). */
  readonly cipherSuites?: readonly number[];
  /** Key exchange groups in preference order (NamedGroup code points). The client sends a share for the first. */
  readonly groups?: readonly number[];
  /** Signature schemes we accept from the peer, in preference order. */
  readonly signatureSchemes?: readonly number[];
  readonly alpnProtocols?: readonly string[];
  /** Trust anchors; default: Node's root store. Replaces, never extends, the default (as node:tls). */
  readonly ca?: readonly PemOrDer[] | TrustStore;
  readonly crl?: readonly PemOrDer[];
  /** When false, a failed verification is recorded (`authorized` false) but does not end the handshake. */
  readonly rejectUnauthorized?: boolean;
  readonly verifyHook?: VerifyHook;
  /** Injected randomness (tests reproduce transcripts byte for byte). */
  readonly random?: (n: number) => Uint8Array;
  /** Injected clock, milliseconds since the epoch. */
  readonly now?: () => number;
  readonly listener?: ConnectionListener;
  /** Emit keylog events (NSS key log lines). Off by default. */
  readonly keylog?: boolean;
  /** Emit trace events. Off by default. */
  readonly trace?: boolean;
  /**
   * RFC 8449 record_size_limit to announce (64..16385): the largest record we want to receive. Not sent
   * unless set; a peer's limit is always honoured.
   */
  readonly recordSizeLimit?: number;
  /**
   * TLS 1.3 PSK key exchange modes (PskKeyExchangeMode code points) offered (client) or accepted
   * (server). Default: psk_dhe_ke only; psk_ke (no forward secrecy) only when listed here.
   */
  readonly pskModes?: readonly number[];
  /** TLS 1.2: refuse peers without the extended master secret (RFC 7627). It is always offered. */
  readonly requireExtendedMasterSecret?: boolean;
  /** TLS 1.2 CBC suites: offer (client) / accept (server) encrypt-then-MAC, RFC 7366. Default true. */
  readonly encryptThenMac?: boolean;
  /**
   * TLS 1.2 session tickets (RFC 5077): asked for and offered (client), issued and accepted (server).
   * Default true; false leaves session IDs only (OpenSSL's SSL_OP_NO_TICKET). TLS 1.3 is unaffected.
   */
  readonly tickets12?: boolean;
  /**
   * TLS 1.2, clients only: connect to a server that does not support secure renegotiation (no RFC 5746
   * renegotiation_info), an old device, say. Off by default, as in OpenSSL 3 (its
   * SSL_OP_LEGACY_SERVER_CONNECT): such a server cannot tell our handshake from a renegotiation, so a
   * man in the middle can prefix data of its own to the session (CVE-2009-3555).
   */
  readonly legacyServerConnect?: boolean;
}

/** A pre-shared key and the identity that names it to the server (RFC 4279 §5: identity up to 128 bytes). */
export interface ExternalPsk {
  readonly identity: Uint8Array;
  /** The key itself (RFC 4279 §5.3: up to 64 bytes at least must be supported; typetls takes 1 to 512). */
  readonly key: Uint8Array;
}

/**
 * TLS-PSK, client side. TLS 1.3 (RFC 8446 §4.2.11): called before the ClientHello, with no hint, for
 * an external PSK to offer (used with SHA-256) when no session is being resumed; undefined offers
 * none. TLS 1.2 (RFC 4279 / RFC 5489): called once the server chose a PSK cipher suite, with the
 * server's identity hint when it sent one; undefined gives up (handshake_failure).
 */
export type ClientPskCallback = (hint: Uint8Array | undefined) => ExternalPsk | undefined;

/** TLS-PSK, server side: TLS 1.3 external PSKs (RFC 8446 §4.2.11) and TLS 1.2 PSK suites (RFC 4279 / RFC 5489). */
export interface ServerPsk {
  /** Sent to the client (ServerKeyExchange) to help it choose an identity; none when absent. */
  readonly hint?: Uint8Array;
  /**
   * The key for the identity the client named, or undefined when there is none (TLS 1.3: the handshake
   * goes on with certificates; TLS 1.2: unknown_psk_identity). `connection` is the ServerConnection
   * asking, so an adapter can tell its sockets apart.
   */
  readonly lookup: (identity: Uint8Array, connection: object) => Uint8Array | undefined;
}

export interface ClientConfig extends CommonConfig {
  /** SNI and the name the certificate must match (an IP literal is matched as an IP and not sent as SNI). */
  readonly serverName?: string;
  /** Node-style identity check, run after chain verification. */
  readonly checkServerIdentity?: (hostname: string, chain: readonly Uint8Array[]) => Error | undefined;
  /** Client certificate for client authentication. */
  readonly certificate?: CertifiedKey;
  /**
   * Ask the server to staple an OCSP response (status_request, RFC 6066 §8); the summary's
   * `ocspResponse` then holds it (or null). typetls does not check it: the application does.
   */
  readonly requestOcsp?: boolean;
  /** A session from an earlier `session` event, to resume. */
  readonly session?: Uint8Array;
  /**
   * Sans-IO session cache: tickets received are put here under `sessionKey`, and when `session` is not
   * given one is taken from here (each ticket is used once).
   */
  readonly sessionStore?: ClientSessionStore;
  /** Key in `sessionStore`; default: the server name. */
  readonly sessionKey?: string;
  /**
   * 0-RTT (RFC 8446 §4.2.10): bytes sent as early data when the session allows it. When the server
   * rejects them they are sent again after the handshake; nothing is lost.
   */
  readonly earlyData?: Uint8Array;
  /** 0-RTT: data written before the handshake completes goes out as early data too (within the ticket's limit). */
  readonly earlyDataFromWrites?: boolean;
  /**
   * TLS-PSK: an external pre-shared key for TLS 1.3, and the key for a TLS 1.2 server that chooses a
   * PSK suite. TLS 1.2 PSK suites are offered only with it, and only when named in `cipherSuites`.
   */
  readonly psk?: ClientPskCallback;
}

/** What a server's ALPN callback is told: the client's SNI name (if any) and offered protocols. */
export interface AlpnOffer {
  readonly serverName: string | undefined;
  readonly protocols: readonly string[];
  /** The ServerConnection asking (it may still take a certificate of its own: setCertificate). */
  readonly connection: Connection;
}

export type AlpnCallback = (offer: AlpnOffer) => string | undefined;

/** What a server's OCSP callback is asked about: the chosen certificate, its issuer when the chain holds it, and the client's SNI name. */
export interface OcspRequest {
  /** DER of the leaf certificate the server is about to send. */
  readonly certificate: Uint8Array;
  /** DER of the next certificate of the configured chain, undefined when the chain holds only the leaf. */
  readonly issuer: Uint8Array | undefined;
  readonly serverName: string | undefined;
}

/** Returns the DER OCSPResponse to staple, or undefined to staple none; may be asynchronous. */
export type OcspCallback = (request: OcspRequest) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

export interface ServerConfig extends CommonConfig {
  /** Certificates to choose from (by SNI and the client's signature algorithms). At least one, unless `psk` is set. */
  readonly certificates: readonly CertifiedKey[];
  /** Chooses a certificate by server name; may be asynchronous. */
  readonly sniCallback?: (serverName: string) => CertifiedKey | undefined | Promise<CertifiedKey | undefined>;
  /**
   * Chooses the ALPN protocol instead of `alpnProtocols` (not both; node:tls's ALPNCallback): called
   * when the client offers ALPN, with its SNI name and its protocols in its order. Returns one of
   * them, or undefined to refuse the connection (no_application_protocol, RFC 7301 §3.2).
   */
  readonly alpnCallback?: AlpnCallback;
  /**
   * OCSP stapling (RFC 6066 §8, RFC 8446 §4.4.2.1): called in a full handshake when the client sends
   * status_request; the response it returns goes with the certificate. Not called otherwise.
   */
  readonly ocspResponse?: OcspCallback;
  /** Ask the client for a certificate. */
  readonly requestCert?: boolean;
  /**
   * DER distinguished names a CertificateRequest names as acceptable issuers (certificate_authorities,
   * RFC 8446 §4.2.4; RFC 5246 §7.4.4). Default: the subjects of `ca` when it is given, else none.
   */
  readonly certificateAuthorities?: readonly Uint8Array[];
  /** With requestCert: refuse a client without a (valid) certificate. Defaults to rejectUnauthorized. */
  readonly requireCert?: boolean;
  /** TLS 1.3 NewSessionTickets after a full handshake (default 2); after a resumption at most 1 (both as OpenSSL). */
  readonly numTickets?: number;
  /** node:tls-format 48-byte ticket keys. Without them (or ticketSealer) no tickets are issued. */
  readonly ticketKeys?: Uint8Array;
  /**
   * Seals and opens session tickets (e.g. a TicketKeys the server owns, rotates and shares with all its
   * connections); overrides ticketKeys.
   */
  readonly ticketSealer?: TicketSealer;
  /** TLS 1.2 sessions for session-ID resumption: a SessionCache the server owns and shares with its connections, or the application's store. */
  readonly sessionCache?: SessionStore12;
  /** Seconds a TLS 1.2 session or ticket may be resumed (default 300, node:tls's sessionTimeout). */
  readonly sessionTimeout?: number;
  /** TLS 1.3 ticket lifetime in seconds (default 7200, at most 604800). */
  readonly ticketLifetime?: number;
  /** Accept TLS 1.3 0-RTT early data (off by default). Needs `replayGuard`. */
  readonly earlyData?: boolean;
  /** max_early_data_size announced in tickets (default 16384 when earlyData is on); > 0 turns earlyData on. */
  readonly maxEarlyData?: number;
  /** The server's record of tickets already used for early data (shared by all its connections). */
  readonly replayGuard?: EarlyDataReplayGuard;
  /**
   * TLS-PSK: the keys of the clients that use pre-shared keys (TLS 1.3 external PSKs; TLS 1.2 PSK
   * suites, chosen only when named in `cipherSuites`).
   */
  readonly psk?: ServerPsk;
}
