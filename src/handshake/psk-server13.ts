// TLS 1.3 resumption on the server (RFC 8446 §2.2, §4.2.9–§4.2.11, §4.6.1, §8): which ticket to accept,
// the binder check over the truncated ClientHello, 0-RTT acceptance with replay protection, the resumed
// flight (no Certificate), EndOfEarlyData, and the NewSessionTickets sent after the handshake.
import { AlertDescription, HandshakeType, PskKeyExchangeMode, ProtocolVersion, groupName } from '../wire/iana.js';
import { encodeServerHello } from '../wire/hello.js';
import { ext as X, type Extension } from '../wire/extensions.js';
import { decodeEmpty, encodeEncryptedExtensions, encodeFinished, encodeNewSessionTicket13 } from '../wire/messages13.js';
import type { HandshakeMessage } from '../wire/handshake.js';
import { TlsError, unexpectedMessage } from '../errors.js';
import { KeySchedule13, finishedVerifyData, resumptionPsk, suite13, type Suite13 } from '../keys/schedule13.js';
import { RecordProtector13 } from '../record/protect13.js';
import type { Engine, State } from '../conn/engine.js';
import type { TicketSealer } from './ticket-keys.js';
import { decodeServerTicketState, encodeServerTicketState, type ServerTicketState } from './session13.js';
import type { EarlyDataReplayGuard } from './anti-replay.js';
import { verifyBinder, type PskAuthenticated } from './proofs.js';
import { ExpectClientFinished, startServerApplicationTraffic, startServerHandshakeTraffic, type Negotiated, type ResumedFrom } from './server13.js';
import { recordSizeLimitExtension } from './record-size-limit.js';
import { EXTERNAL_PSK_HASH, MAX_EXTERNAL_IDENTITY, checkExternalPsk } from './external-psk.js';
import { sendRecorded } from './transcript.js';

/** The server's resumption settings (from ServerConfig). */
export interface ServerResumption {
  readonly tickets: TicketSealer | undefined;
  readonly numTickets: number;
  /** Seconds. */
  readonly ticketLifetime: number;
  /** 0 = 0-RTT off. */
  readonly maxEarlyData: number;
  readonly replayGuard: EarlyDataReplayGuard | undefined;
  /** Modes the server accepts (psk_dhe_ke by default). */
  readonly pskModes: readonly number[];
  /** This connection's last opened ticket (one per connection, see resolveServerResumption). */
  readonly opened: OpenedTicket;
}

/**
 * The last ticket this connection opened: choosing the suite (ticketHash), the early data budget and
 * accepting the PSK all look at the first identity of the same ClientHello, which is opened (MAC
 * check and decryption) once. Keyed by the identity's bytes object, so a new ClientHello (after a
 * HelloRetryRequest) opens its tickets afresh.
 */
export class OpenedTicket {
  private identity: Uint8Array | undefined;
  private state: ServerTicketState | undefined;

  open(sealer: TicketSealer, identity: Uint8Array): ServerTicketState | undefined {
    if (identity !== this.identity) {
      const plain = sealer.open(identity);
      this.state = plain === undefined ? undefined : decodeServerTicketState(plain);
      this.identity = identity;
    }
    return this.state;
  }
}

export const DEFAULT_TICKET_LIFETIME = 7200;
export const DEFAULT_MAX_EARLY_DATA = 16384;
/** Rejected early data skipped when no ticket says how much may come (RFC 8446 §4.2.10). */
const DEFAULT_SKIP = DEFAULT_MAX_EARLY_DATA;

/** A ticket that opened and passed every check, with its binder verified. */
export interface AcceptedPsk {
  readonly proof: PskAuthenticated;
  readonly index: number;
  readonly state: ServerTicketState;
  readonly schedule: KeySchedule13;
  /** psk_dhe_ke (true) or psk_ke (false). */
  readonly dhe: boolean;
  readonly earlyData: boolean;
}

function openTicket(res: ServerResumption, identity: Uint8Array): ServerTicketState | undefined {
  if (res.tickets === undefined) return undefined;
  return res.opened.open(res.tickets, identity);
}

/**
 * The hash of the first ticket that opens, so the suite can be chosen to fit it (RFC 8446 §4.2.11);
 * SHA-256, the hash of external PSKs, when it is not a ticket and the server has external PSKs.
 */
export function ticketHash(res: ServerResumption, n: Pick<Negotiated, 'hello'>, externalPsks: boolean): 'sha256' | 'sha384' | undefined {
  const first = n.hello.ext.preSharedKey?.identities[0];
  if (first === undefined) return undefined;
  const s = openTicket(res, first.identity);
  if (s === undefined) return externalPsks ? EXTERNAL_PSK_HASH : undefined;
  return suite13(s.suite)?.hash;
}

/**
 * An external PSK for this identity (ServerConfig.psk), as the state a ticket would give: no
 * certificate, no early data, nothing else carried over.
 */
function externalPsk(n: Negotiated, identity: Uint8Array, now: number): ServerTicketState | undefined {
  const psk = n.params.psk;
  if (psk === undefined || identity.length > MAX_EXTERNAL_IDENTITY || n.suite.hash !== EXTERNAL_PSK_HASH) return undefined;
  const key = psk.lookup(identity, n.conn);
  if (key === undefined || key === null) return undefined;
  checkExternalPsk(identity, key);
  return {
    suite: n.suite.suite,
    psk: key.slice(),
    ageAdd: 0,
    issuedAt: now,
    lifetime: 0,
    maxEarlyData: 0,
    alpn: undefined,
    serverName: n.hello.ext.serverName,
    peerCertificates: [],
    peerAuthorized: false,
  };
}

/** How much rejected early data to skip for this ClientHello. */
export function earlySkipBudget(res: ServerResumption, n: Pick<Negotiated, 'hello'>): number {
  const first = n.hello.ext.preSharedKey?.identities[0];
  const s = first === undefined ? undefined : openTicket(res, first.identity);
  return Math.max(s?.maxEarlyData ?? 0, res.maxEarlyData, DEFAULT_SKIP);
}

/**
 * Chooses a PSK on the final ClientHello (after any HelloRetryRequest), or undefined for a full
 * handshake. `canDhe`: a key share in common is available for psk_dhe_ke.
 */
export function acceptPsk(n: Negotiated, res: ServerResumption, msg: HandshakeMessage, retried: boolean, canDhe: boolean): AcceptedPsk | undefined {
  const { conn, hello, suite } = n;
  const offered = hello.ext.preSharedKey;
  if (offered === undefined) return undefined;
  // RFC 8446 §4.2.9: a PSK without psk_key_exchange_modes must be refused.
  const modes = hello.ext.pskModes;
  if (modes === undefined) {
    throw new TlsError('ERR_TLS_MISSING_EXTENSION', AlertDescription.missing_extension, 'the ClientHello offers a PSK without psk_key_exchange_modes');
  }
  const dhe = canDhe && modes.includes(PskKeyExchangeMode.psk_dhe_ke) && res.pskModes.includes(PskKeyExchangeMode.psk_dhe_ke);
  const ke = modes.includes(PskKeyExchangeMode.psk_ke) && res.pskModes.includes(PskKeyExchangeMode.psk_ke);
  if (!dhe && !ke) return undefined;
  const crypto = conn.config.crypto;
  const now = conn.config.now();
  for (let index = 0; index < offered.identities.length && index < 8; index++) {
    const id = offered.identities[index];
    const binder = offered.binders[index];
    if (id === undefined || binder === undefined) break;
    const ticket = openTicket(res, id.identity);
    const external = ticket === undefined ? externalPsk(n, id.identity, now) : undefined;
    const state = ticket ?? external;
    if (state === undefined) continue;
    const expires = state.issuedAt + state.lifetime * 1000;
    if (ticket !== undefined) {
      // RFC 8446 §4.2.11: only with a suite of the same hash; §4.6.1: not after the lifetime.
      const ticketSuite = suite13(ticket.suite);
      if (ticketSuite === undefined || ticketSuite.hash !== suite.hash) continue;
      if (now >= expires || now < ticket.issuedAt - 60_000) continue;
      // RFC 6066 §3 / RFC 8446 §4.2.11: resume only for the server name the session was made with.
      if (ticket.serverName !== hello.ext.serverName) continue;
    }
    // RFC 8446 §4.2.11.2: the binder covers the ClientHello up to the binders list (and, after a
    // HelloRetryRequest, message_hash(ClientHello1) and the HelloRetryRequest before it); an
    // external PSK's binder key has its own label ("ext binder", §7.1).
    const schedule = new KeySchedule13(crypto, suite, state.psk);
    const th = binderTranscriptHash(n, msg, offered.bindersLength);
    const proof = verifyBinder(crypto, suite.hash, schedule.binderKey(ticket !== undefined), th, binder);
    const earlyData = ticket !== undefined && hello.ext.earlyData === true && !retried && index === 0 && earlyDataAcceptable(n, res, ticket, id.obfuscatedTicketAge, now, expires, id.identity);
    if (conn.tracing) conn.trace({ kind: 'psk', accepted: true, index, mode: dhe ? 'psk_dhe_ke' : 'psk_ke', earlyData, external: external !== undefined });
    return { proof, index, state, schedule, dhe, earlyData };
  }
  if (conn.tracing) conn.trace({ kind: 'psk', accepted: false, offered: offered.identities.length });
  return undefined;
}

function binderTranscriptHash(n: Negotiated, msg: HandshakeMessage, bindersLength: number): Uint8Array {
  const crypto = n.conn.config.crypto;
  const h = crypto.hash(n.suite.hash);
  // The transcript holds the messages before this ClientHello, then this ClientHello.
  const prior = n.transcript.buffered();
  for (let i = 0; i < prior.length - 1; i++) h.update(prior[i] as Uint8Array);
  h.update(msg.raw.subarray(0, msg.raw.length - bindersLength));
  return h.digest();
}

/** RFC 8446 §4.2.10, §8: every condition for accepting early data, the replay record last. */
function earlyDataAcceptable(
  n: Negotiated,
  res: ServerResumption,
  state: ServerTicketState,
  obfuscatedAge: number,
  now: number,
  expires: number,
  identity: Uint8Array,
): boolean {
  const guard = res.replayGuard;
  if (res.maxEarlyData === 0 || state.maxEarlyData === 0 || guard === undefined) return false;
  // The same suite and ALPN protocol as the session (RFC 8446 §4.2.10).
  if (state.suite !== n.suite.suite || state.alpn !== n.alpn) return false;
  // RFC 8446 §8.3: the client's view of the ticket age must match ours within the tolerance.
  const clientAge = (obfuscatedAge - state.ageAdd) >>> 0;
  const serverAge = now - state.issuedAt;
  if (Math.abs(serverAge - clientAge) > guard.ageToleranceMs) return false;
  // RFC 8446 §8.1: each ticket's early data at most once.
  const id = n.conn.config.crypto.digest('sha256', identity);
  return guard.firstUse(id, now, expires);
}

/** The resumed flight: ServerHello with pre_shared_key, EncryptedExtensions, Finished (RFC 8446 §2.2). */
export function sendResumedFlight(n: Negotiated, psk: AcceptedPsk, group: number, peerShare: Uint8Array, retried: boolean): State {
  const { conn, transcript, hello, suite, msg } = n;
  const cfg = conn.config;
  const crypto = cfg.crypto;
  const schedule = psk.schedule;
  let shared: Uint8Array | undefined;
  const shExts: Extension[] = [X.preSharedKeyServer(psk.index)];
  if (psk.dhe) {
    const kx = crypto.keyExchange(group);
    shared = kx.deriveSecret(peerShare);
    shExts.push(X.keyShareServer({ group, key: kx.publicKey }));
  }
  shExts.push(X.supportedVersionsServer(ProtocolVersion.TLSv1_3));
  // RFC 8446 §7.1: the early traffic secret is over Hash(ClientHello), before the ServerHello.
  const clientEarly = psk.earlyData ? schedule.clientEarlyTrafficSecret(crypto.digest(suite.hash, msg.raw)) : undefined;
  const sh = encodeServerHello({ legacyVersion: ProtocolVersion.TLSv1_2, random: cfg.random(32), sessionId: hello.sessionId, cipherSuite: suite.suite, compressionMethod: 0, extensions: shExts });
  transcript.start(suite.hash);
  transcript.add(sh.raw);
  conn.setVersion(ProtocolVersion.TLSv1_3);
  conn.sendHandshake(sh);
  if (!retried && hello.sessionId.length > 0) conn.sendCompatCcs();
  conn.allowCompatCcs(true);
  if (conn.tracing) conn.trace({ kind: 'server-hello', version: 'TLSv1.3', cipher: suite.name, group: psk.dhe ? groupName(group) : undefined, retried, resumed: true, earlyData: psk.earlyData });
  if (clientEarly !== undefined) {
    conn.keylog('CLIENT_EARLY_TRAFFIC_SECRET', hello.random, clientEarly);
    const earlyExporter = schedule.earlyExporterMasterSecret(crypto.digest(suite.hash, msg.raw));
    conn.keylog('EARLY_EXPORTER_SECRET', hello.random, earlyExporter);
    conn.setEarlyExporter(suite.hash, earlyExporter);
  }

  const { clientHs, serverHs } = startServerHandshakeTraffic(n, schedule, shared);
  const limit = recordSizeLimitExtension(conn, hello);

  const ee: Extension[] = [];
  if (hello.ext.serverName !== undefined) ee.push(X.serverNameAck());
  if (n.alpn !== undefined) ee.push(X.alpn([n.alpn]));
  if (limit !== undefined) ee.push(limit);
  if (psk.earlyData) ee.push(X.earlyData());
  sendRecorded(conn, transcript, encodeEncryptedExtensions(ee));
  sendRecorded(conn, transcript, encodeFinished(finishedVerifyData(crypto, suite.hash, serverHs, transcript.hash())));

  const { clientAp, serverAp, exporter } = startServerApplicationTraffic(n, schedule);

  const keys = { schedule, group: psk.dhe ? group : undefined, clientHs, clientAp, serverAp, exporter, scheme: undefined };
  const from: ResumedFrom = { proof: psk.proof, state: psk.state, earlyData: psk.earlyData ? 'accepted' : n.earlyDataOffered ? 'rejected' : 'not sent' };
  if (clientEarly !== undefined) {
    conn.setReadProtector(new RecordProtector13(crypto, suite, clientEarly));
    conn.acceptEarlyData(psk.state.maxEarlyData);
    return new ExpectEndOfEarlyData(n, keys, from);
  }
  conn.setReadProtector(new RecordProtector13(crypto, suite, clientHs));
  if (hello.ext.earlyData === true) conn.skipRejectedEarlyData(Math.max(psk.state.maxEarlyData, DEFAULT_SKIP));
  return new ExpectClientFinished(n, keys, undefined, from);
}

type ResumedKeys = ConstructorParameters<typeof ExpectClientFinished>[1];

/** RFC 8446 §4.5: early data, then EndOfEarlyData under the early traffic keys. */
class ExpectEndOfEarlyData implements State {
  readonly name = 'ExpectEndOfEarlyData';
  constructor(
    private readonly n: Negotiated,
    private readonly keys: ResumedKeys,
    private readonly from: ResumedFrom,
  ) {}

  handle(msg: HandshakeMessage): State {
    if (msg.type !== HandshakeType.end_of_early_data) {
      throw unexpectedMessage(`expected end_of_early_data in state ${this.name}, got handshake type ${msg.type}`);
    }
    decodeEmpty(msg.body, 'EndOfEarlyData');
    const { conn, transcript, suite } = this.n;
    transcript.add(msg.raw);
    conn.acceptEarlyData(undefined);
    conn.setReadProtector(new RecordProtector13(conn.config.crypto, suite, this.keys.clientHs));
    if (conn.tracing) conn.trace({ kind: 'end-of-early-data' });
    return new ExpectClientFinished(this.n, this.keys, undefined, this.from);
  }
}

/** What a ticket carries about the connection that issues it. */
export interface TicketContext {
  readonly suite: Suite13;
  readonly resumptionMasterSecret: Uint8Array;
  readonly alpn: string | undefined;
  readonly serverName: string | undefined;
  readonly peerCertificates: readonly Uint8Array[];
  readonly peerAuthorized: boolean;
  /** This connection resumed a session: one ticket replaces the one it used (as OpenSSL does). */
  readonly resumed: boolean;
}

/**
 * RFC 8446 §4.6.1: `numTickets` NewSessionTickets after a full handshake, at most one after a
 * resumption (OpenSSL's rule: the client spent one ticket and gets one back), each with its own
 * nonce, age_add and PSK.
 */
export function sendTickets(conn: Engine, res: ServerResumption, t: TicketContext): void {
  const sealer = res.tickets;
  const count = t.resumed ? Math.min(1, res.numTickets) : res.numTickets;
  if (sealer === undefined || count === 0) return;
  const crypto = conn.config.crypto;
  const now = conn.config.now();
  // Every ticket's ticket_age_add from one draw (a node:crypto call costs more than the bytes).
  const ageAdds = crypto.randomBytes(4 * count);
  const ages = new DataView(ageAdds.buffer, ageAdds.byteOffset, ageAdds.length);
  for (let i = 0; i < count; i++) {
    const nonce = new Uint8Array(8);
    new DataView(nonce.buffer).setUint32(4, i);
    const ageAdd = ages.getUint32(4 * i);
    const state: ServerTicketState = {
      suite: t.suite.suite,
      psk: resumptionPsk(crypto, t.suite.hash, t.resumptionMasterSecret, nonce),
      ageAdd,
      issuedAt: now,
      lifetime: res.ticketLifetime,
      maxEarlyData: res.maxEarlyData,
      alpn: t.alpn,
      serverName: t.serverName,
      peerCertificates: t.peerCertificates,
      peerAuthorized: t.peerAuthorized,
    };
    const ticket = sealer.seal(encodeServerTicketState(state));
    const extensions = res.maxEarlyData > 0 ? [X.earlyDataTicket(res.maxEarlyData)] : [];
    conn.sendHandshake(encodeNewSessionTicket13({ lifetime: res.ticketLifetime, ageAdd, nonce, ticket, extensions }));
  }
  if (conn.tracing) conn.trace({ kind: 'new-session-tickets', count: res.numTickets, lifetime: res.ticketLifetime, maxEarlyData: res.maxEarlyData });
}
