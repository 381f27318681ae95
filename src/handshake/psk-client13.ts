// TLS 1.3 resumption on the client (RFC 8446 §2.2, §4.2.9–§4.2.11, §4.6.1): which session to offer, the
// pre_shared_key extension with its binder over the truncated ClientHello (recomputed for the second
// ClientHello after a HelloRetryRequest), the obfuscated ticket age, 0-RTT early data (kept until the
// server accepts it, resent after the handshake when it does not), and NewSessionTickets turned into
// `session` events and store entries.
import { AlertDescription, HandshakeType, PskKeyExchangeMode } from '../wire/iana.js';
import { ext as X, type Extension, type HelloExtensions } from '../wire/extensions.js';
import type { NewSessionTicket13 } from '../wire/messages13.js';
import { sessionEvent } from './session-event.js';
import { encodeHandshake, type HandshakeMessage } from '../wire/handshake.js';
import type { ServerHello } from '../wire/hello.js';
import { TlsError, illegalParameter } from '../errors.js';
import { KeySchedule13, earlySecretOf, finishedVerifyData, resumptionPsk, suite13, type Suite13 } from '../keys/schedule13.js';
import { RecordProtector13 } from '../record/protect13.js';
import type { Engine } from '../conn/engine.js';
import type { CryptoProvider } from '../crypto/provider.js';
import { decodeClientSession, encodeClientSession, type ClientSession13, type ClientSessionStore } from './session13.js';
import { pskSelected, type PskAuthenticated } from './proofs.js';
import type { TicketSink } from './traffic13.js';
import type { ClientPskCallback } from '../conn/config.js';
import { EXTERNAL_PSK_HASH, checkExternalPsk } from './external-psk.js';

/** The client's resumption settings (from ClientConfig). */
export interface ClientResumption {
  readonly session: Uint8Array | undefined;
  readonly store: ClientSessionStore | undefined;
  readonly storeKey: string | undefined;
  readonly earlyData: Uint8Array | undefined;
  readonly earlyDataFromWrites: boolean;
}

/** A session being offered in this handshake. */
export interface PskOffer {
  readonly session: ClientSession13;
  readonly suite: Suite13;
  /** Whether ClientHello1 carries early_data. */
  readonly early: boolean;
  /** The session PSK's Early Secret, computed once for the binders, the early keys and the handshake. */
  readonly earlySecret: Uint8Array;
  /**
   * An external PSK (RFC 8446 §4.2.11, ClientConfig.psk): its binder is an "ext binder", its identity
   * is the application's, its age 0; never early data.
   */
  readonly external?: boolean;
}

/**
 * RFC 8446 §4.2.11: an external pre-shared key from ClientConfig.psk (asked with no hint: TLS 1.3 has
 * none), offered with SHA-256, for the first enabled suite of that hash. Undefined when the callback
 * has none or no SHA-256 suite is enabled.
 */
export function externalPskOffer(conn: Engine, psk: ClientPskCallback, serverName: string | undefined): PskOffer | undefined {
  const cfg = conn.config;
  const suite = cfg.suites13.map(suite13).find((s) => s?.hash === EXTERNAL_PSK_HASH);
  if (suite === undefined) return undefined;
  const got = psk(undefined);
  if (got === undefined) return undefined;
  checkExternalPsk(got.identity, got.key);
  const session: ClientSession13 = {
    suite: suite.suite,
    psk: got.key.slice(),
    ticket: got.identity.slice(),
    ageAdd: 0,
    receivedAt: cfg.now(),
    lifetime: 0,
    maxEarlyData: 0,
    alpn: undefined,
    serverName,
    peerCertificates: [],
    verifiedChain: undefined,
  };
  if (conn.tracing) conn.trace({ kind: 'psk-offer', offered: true, external: true });
  return { session, suite, early: false, earlySecret: earlySecretOf(cfg.crypto, suite, got.key), external: true };
}

/** 0-RTT data sent so far (kept to resend if the server rejects it). */
export class EarlyData {
  readonly sent: Uint8Array[] = [];
  private total = 0;
  private open = true;

  constructor(
    private readonly conn: Engine,
    private readonly limit: number,
  ) {}

  /** Sends what fits in max_early_data_size; false (and closed for good) when it does not fit. */
  offer(data: Uint8Array): boolean {
    if (!this.open || this.total + data.length > this.limit) {
      this.stop();
      return false;
    }
    const copy = data.slice();
    this.conn.sendEarlyData(copy);
    this.sent.push(copy);
    this.total += copy.length;
    return true;
  }

  /** No more early data (the ServerHello arrived, or a write did not fit). */
  stop(): void {
    this.open = false;
    this.conn.setEarlyDataSink(undefined);
  }

  get bytes(): number {
    return this.total;
  }
}

/** Picks the session to offer: given, or taken from the store; alive, for this server and a suite we allow. */
export function choosePskOffer(conn: Engine, res: ClientResumption, serverName: string | undefined): PskOffer | undefined {
  const cfg = conn.config;
  const now = cfg.now();
  const raw = res.session ?? (res.store !== undefined && res.storeKey !== undefined ? res.store.take(res.storeKey, now) : undefined);
  if (raw === undefined) return undefined;
  const session = decodeClientSession(raw);
  if (session === undefined) {
    if (conn.tracing) conn.trace({ kind: 'psk-offer', offered: false, reason: 'not a TLS 1.3 session' });
    return undefined;
  }
  const suite = suite13(session.suite);
  let reason: string | undefined;
  if (suite === undefined || !cfg.suites13.some((s) => suite13(s)?.hash === suite.hash)) reason = 'its cipher suite is not enabled';
  else if (now >= session.receivedAt + session.lifetime * 1000) reason = 'the ticket expired';
  else if (session.serverName !== serverName) reason = 'it was made for another server name';
  if (reason !== undefined || suite === undefined) {
    if (conn.tracing) conn.trace({ kind: 'psk-offer', offered: false, reason });
    return undefined;
  }
  // RFC 8446 §4.2.10: early data only with the session's suite and an ALPN protocol we still offer.
  const wantsEarly = res.earlyData !== undefined || res.earlyDataFromWrites;
  const early =
    wantsEarly &&
    session.maxEarlyData > 0 &&
    cfg.suites13.includes(session.suite) &&
    (session.alpn === undefined || cfg.alpn.includes(session.alpn));
  return { session, suite, early, earlySecret: earlySecretOf(cfg.crypto, suite, session.psk) };
}

/** psk_key_exchange_modes, early_data (ClientHello1 only) and a pre_shared_key with a zero binder; PSK last. */
export function pskExtensions(conn: Engine, offer: PskOffer, withEarlyData: boolean): Extension[] {
  const s = offer.session;
  // RFC 8446 §4.2.11.1: obfuscated_ticket_age = (age in ms + ticket_age_add) mod 2^32; 0 for an external PSK.
  const age = Math.max(0, conn.config.now() - s.receivedAt);
  const obfuscatedTicketAge = offer.external === true ? 0 : (age + s.ageAdd) >>> 0;
  const out: Extension[] = [X.pskModes(conn.config.pskModes)];
  if (withEarlyData) out.push(X.earlyData());
  out.push(X.preSharedKeyClient([{ identity: s.ticket, obfuscatedTicketAge }], [new Uint8Array(offer.suite.hashLength)]));
  return out;
}

/**
 * RFC 8446 §4.2.11.2: writes the binder into the encoded ClientHello (its last Hash.length bytes).
 * `prior`: the transcript before this ClientHello (empty for ClientHello1; message_hash and the
 * HelloRetryRequest for ClientHello2).
 */
export function writeBinder(conn: Engine, offer: PskOffer, msg: HandshakeMessage, prior: readonly Uint8Array[]): void {
  writeResumptionBinder(conn.config.crypto, offer.suite, offer.session.psk, msg.raw, prior, offer.earlySecret, offer.external !== true);
}

/**
 * The binder of one resumption PSK, written over the last Hash.length bytes of `raw` (an encoded
 * ClientHello whose pre_shared_key, last, holds one binder): HMAC over Hash(prior ‖ truncated hello).
 * `earlySecret`: the PSK's Early Secret when already computed.
 */
export function writeResumptionBinder(
  crypto: CryptoProvider,
  suite: Suite13,
  psk: Uint8Array,
  raw: Uint8Array,
  prior: readonly Uint8Array[],
  earlySecret?: Uint8Array,
  resumption = true,
): void {
  const hashLength = suite.hashLength;
  const bindersLength = 2 + 1 + hashLength;
  const h = crypto.hash(suite.hash);
  for (const m of prior) h.update(m);
  h.update(raw.subarray(0, raw.length - bindersLength));
  const schedule = new KeySchedule13(crypto, suite, psk, earlySecret);
  raw.set(finishedVerifyData(crypto, suite.hash, schedule.binderKey(resumption), h.digest()), raw.length - hashLength);
}

/** After ClientHello1 with early_data: the compatibility CCS, the early keys, and the data (RFC 8446 §2.3). */
export function startEarlyData(conn: Engine, offer: PskOffer, res: ClientResumption, clientHello: HandshakeMessage, clientRandom: Uint8Array, compatMode: boolean): EarlyData {
  const crypto = conn.config.crypto;
  const suite = suite13(offer.session.suite) ?? offer.suite;
  const schedule = new KeySchedule13(crypto, suite, offer.session.psk, offer.earlySecret);
  const secret = schedule.clientEarlyTrafficSecret(crypto.digest(suite.hash, clientHello.raw));
  conn.keylog('CLIENT_EARLY_TRAFFIC_SECRET', clientRandom, secret);
  const earlyExporter = schedule.earlyExporterMasterSecret(crypto.digest(suite.hash, clientHello.raw));
  conn.keylog('EARLY_EXPORTER_SECRET', clientRandom, earlyExporter);
  conn.setEarlyExporter(suite.hash, earlyExporter);
  // RFC 8446 §D.4: with early data, the dummy CCS comes right after the ClientHello.
  if (compatMode) conn.sendCompatCcs();
  conn.setWriteProtector(new RecordProtector13(crypto, suite, secret));
  const early = new EarlyData(conn, offer.session.maxEarlyData);
  if (res.earlyData !== undefined && res.earlyData.length > 0) {
    const first = res.earlyData.subarray(0, offer.session.maxEarlyData);
    early.offer(first);
    // Whatever does not fit goes after the handshake, in order.
    if (first.length < res.earlyData.length) {
      early.stop();
      conn.requeueFront([res.earlyData.slice(first.length)]);
    }
  }
  if (res.earlyDataFromWrites) conn.setEarlyDataSink((d) => early.offer(d));
  if (conn.tracing) conn.trace({ kind: 'early-data', sent: early.bytes, limit: offer.session.maxEarlyData });
  return early;
}

/**
 * RFC 8446 §4.2.11: the server selected our PSK. The index must be one we offered (we offer one), and
 * the suite must have the session's hash; anything else is illegal_parameter.
 */
export function acceptServerPsk(offer: PskOffer | undefined, sh: ServerHello, suite: Suite13): PskAuthenticated {
  if (offer === undefined) {
    throw new TlsError('ERR_TLS_UNSUPPORTED_EXTENSION', AlertDescription.unsupported_extension, 'the server selected a pre-shared key that was not offered');
  }
  if (sh.ext.selectedIdentity !== 0) throw illegalParameter(`the server selected PSK identity ${sh.ext.selectedIdentity ?? '?'}, but only one was offered`);
  if (offer.suite.hash !== suite.hash) throw illegalParameter(`the server resumed with ${suite.name}, whose hash differs from the session's`);
  return pskSelected();
}

/** RFC 8446 §4.2.10: the server accepted early data; it must have taken our first PSK, suite and ALPN. */
export function checkEarlyDataAccepted(offer: PskOffer | undefined, resumed: boolean, suite: Suite13, ee: HelloExtensions, alpn: string | undefined): boolean {
  if (ee.earlyData !== true) return false;
  if (offer === undefined || !offer.early || !resumed) throw illegalParameter('the server accepted early data that was not sent with a resumed session');
  if (suite.suite !== offer.session.suite) throw illegalParameter('the server accepted early data with another cipher suite than the session');
  if (alpn !== offer.session.alpn) throw illegalParameter('the server accepted early data with another ALPN protocol than the session');
  return true;
}

/** RFC 8446 §4.5: the EndOfEarlyData message (empty body). */
export function endOfEarlyData(): HandshakeMessage {
  return encodeHandshake(HandshakeType.end_of_early_data, new Uint8Array(0));
}

/** What a received ticket is stored with. */
export interface TicketOrigin {
  readonly suite: Suite13;
  readonly resumptionMasterSecret: Uint8Array;
  readonly alpn: string | undefined;
  readonly serverName: string | undefined;
  readonly peerCertificates: readonly Uint8Array[];
  readonly verifiedChain: readonly Uint8Array[] | undefined;
}

/** RFC 8446 §4.6.1: each NewSessionTicket becomes a `session` event (and a store entry). */
export function ticketSink(conn: Engine, res: ClientResumption, o: TicketOrigin): TicketSink {
  return (t: NewSessionTicket13) => {
    // A lifetime of zero means "discard immediately" (RFC 8446 §4.6.1).
    if (t.lifetime === 0) return;
    const session: ClientSession13 = {
      suite: o.suite.suite,
      psk: resumptionPsk(conn.config.crypto, o.suite.hash, o.resumptionMasterSecret, t.nonce),
      ticket: t.ticket.slice(), // not a view pinning the whole decrypted record
      ageAdd: t.ageAdd,
      receivedAt: conn.config.now(),
      lifetime: t.lifetime,
      maxEarlyData: t.ext.maxEarlyDataSize ?? 0,
      alpn: o.alpn,
      serverName: o.serverName,
      peerCertificates: o.peerCertificates,
      verifiedChain: o.verifiedChain,
    };
    const event = sessionEvent(session, encodeClientSession);
    if (res.store !== undefined && res.storeKey !== undefined) res.store.put(res.storeKey, event.session);
    if (conn.tracing) conn.trace({ kind: 'new-session-ticket', lifetime: t.lifetime, maxEarlyData: session.maxEarlyData });
    conn.emit(event);
  };
}

/** Whether a server that sent no key_share may be resuming with psk_ke (only when we offered it). */
export function pskKeOffered(conn: Engine): boolean {
  return conn.config.pskModes.includes(PskKeyExchangeMode.psk_ke);
}
