// The TLS 1.3 server handshake (RFC 8446 §2, §4), one state per expected message.
import { AlertDescription, ExtensionType as E, HandshakeType, ProtocolVersion, groupName, schemeName, suiteName } from '../wire/iana.js';
import { decodeClientHello, encodeServerHello, HELLO_RETRY_REQUEST_RANDOM, type ClientHello } from '../wire/hello.js';
import { ext as X, type Extension } from '../wire/extensions.js';
import {
  decodeCertificate13,
  decodeCertificateVerify,
  decodeFinished,
  encodeCertificate13,
  encodeCertificateRequest13,
  encodeCertificateVerify,
  encodeEncryptedExtensions,
  encodeFinished,
} from '../wire/messages13.js';
import type { HandshakeMessage } from '../wire/handshake.js';
import { TlsError, illegalParameter } from '../errors.js';
import type { PublicKey } from '../crypto/provider.js';
import { KeySchedule13, finishedVerifyData, suite13, type Suite13 } from '../keys/schedule13.js';
import { RecordProtector13 } from '../record/protect13.js';
import type { Engine, Next, State } from '../conn/engine.js';
import type { CertifiedKey } from '../conn/types.js';
import type { AlpnCallback, OcspCallback, ServerPsk } from '../conn/config.js';
import { Transcript, sendRecorded } from './transcript.js';
import { verifyCertificateVerify13, verifyFinished13, type SignatureVerified } from './proofs.js';
import { certificateVerifyContent, chooseScheme, signWithScheme } from './schemes.js';
import { Traffic13 } from './traffic13.js';
import { clientCertificateCheck, verifyPeerChain } from './peer-auth.js';
import type { VerifiedPeer } from './verifier.js';
import { acceptPsk, earlySkipBudget, sendResumedFlight, sendTickets, ticketHash, type ServerResumption } from './psk-server13.js';
import type { PskAuthenticated } from './proofs.js';
import type { ServerTicketState } from './session13.js';
import { recordSizeLimitExtension } from './record-size-limit.js';
import { parseCertificate } from '../pki/certificate.js';
import { matchesHostname, normalizeReferenceName } from '../pki/hostname.js';
import { bytesEqual } from '../wire/bytes.js';
import { handshakeFailure, missingExtension } from '../errors.js';
import { expectMessage } from '../wire/handshake.js';

export interface ServerParams {
  readonly certificates: readonly CertifiedKey[];
  readonly sniCallback: ((serverName: string) => CertifiedKey | undefined | Promise<CertifiedKey | undefined>) | undefined;
  /** Chooses the ALPN protocol instead of the configured list (ServerConfig.alpnCallback). */
  readonly alpnCallback?: AlpnCallback | undefined;
  /** The OCSP response to staple when the client asks (ServerConfig.ocspResponse). */
  readonly ocspResponse?: OcspCallback | undefined;
  readonly requestCert: boolean;
  /** Names for the CertificateRequest (ServerConfig.certificateAuthorities); undefined: the verifier's anchors. */
  readonly certificateAuthorities?: readonly Uint8Array[] | undefined;
  readonly requireCert: boolean;
  readonly resumption: ServerResumption;
  /** TLS-PSK: external pre-shared keys (ServerConfig.psk; TLS 1.3 RFC 8446 §4.2.11, TLS 1.2 RFC 4279). */
  readonly psk?: ServerPsk | undefined;
}

export interface Negotiated {
  readonly conn: Engine;
  readonly params: ServerParams;
  readonly transcript: Transcript;
  readonly hello: ClientHello;
  /** The ClientHello message as received (the PSK binder covers its raw bytes). */
  readonly msg: HandshakeMessage;
  readonly suite: Suite13;
  readonly alpn: string | undefined;
  /** The first ClientHello carried early_data (kept across a HelloRetryRequest, for the summary). */
  readonly earlyDataOffered: boolean;
}

/** A resumed handshake: the binder proof and the session from the ticket. */
export interface ResumedFrom {
  readonly proof: PskAuthenticated;
  readonly state: ServerTicketState;
  readonly earlyData: 'accepted' | 'rejected' | 'not sent';
}



/** RFC 8446 §4.1.1: the suite, by our preference among those the client offered. */
function chooseSuite(conn: Engine, hello: ClientHello, preferHash: string | undefined): Suite13 {
  // A suite whose hash fits the offered ticket first (RFC 8446 §4.2.11), then our preference.
  for (const s of conn.config.suites13) {
    const suite = suite13(s);
    if (suite !== undefined && suite.hash === preferHash && hello.cipherSuites.includes(s)) return suite;
  }
  for (const s of conn.config.suites13) {
    if (hello.cipherSuites.includes(s)) {
      const suite = suite13(s);
      if (suite) return suite;
    }
  }
  throw handshakeFailure(`no TLS 1.3 cipher suite in common (client offered ${hello.cipherSuites.map(suiteName).join(', ')})`);
}

/**
 * RFC 7301 §3.2: the protocol the server's ALPN callback picks from the client's offer, else our first
 * protocol that the client offered; none in common (or a callback that refuses) is fatal. Both
 * versions' servers use it, once per connection.
 */
export function chooseAlpn(conn: Engine, hello: ClientHello, callback: AlpnCallback | undefined): string | undefined {
  const offered = hello.ext.alpn;
  if (offered === undefined) return undefined;
  if (callback !== undefined) return alpnFromCallback(callback, conn, hello.ext.serverName, offered);
  const ours = conn.config.alpn;
  if (ours.length === 0) return undefined;
  for (const p of ours) if (offered.includes(p)) return p;
  throw new TlsError(
    'ERR_TLS_NO_APPLICATION_PROTOCOL',
    AlertDescription.no_application_protocol,
    `no application protocol in common: the client offered ${offered.join(', ')}, the server supports ${ours.join(', ')}`,
  );
}

function alpnFromCallback(callback: AlpnCallback, conn: Engine, serverName: string | undefined, offered: readonly string[]): string {
  let chosen: unknown;
  try {
    chosen = callback({ serverName, protocols: offered, connection: conn });
  } catch (e) {
    throw new TlsError('ERR_TLS_ALPN_CALLBACK_FAILED', AlertDescription.internal_error, `the server's ALPN callback threw: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (chosen === undefined) {
    throw new TlsError(
      'ERR_TLS_NO_APPLICATION_PROTOCOL',
      AlertDescription.no_application_protocol,
      `the server's ALPN callback refused every protocol the client offered (${offered.join(', ')})`,
    );
  }
  if (typeof chosen !== 'string' || !offered.includes(chosen)) {
    // node:tls's code for the same mistake.
    throw new TlsError(
      'ERR_TLS_ALPN_CALLBACK_INVALID_RESULT',
      AlertDescription.internal_error,
      `the server's ALPN callback returned ${typeof chosen === 'string' ? JSON.stringify(chosen) : typeof chosen}, which is not one of the protocols the client offered (${offered.join(', ')})`,
    );
  }
  return chosen;
}

/** Handles a ClientHello that selected TLS 1.3 (the version was negotiated by the caller). */
export function handleClientHello13(conn: Engine, params: ServerParams, msg: HandshakeMessage, hello: ClientHello): Next {
  // RFC 8446 §4.1.2: legacy_compression_methods must be exactly [null].
  if (hello.compressionMethods.length !== 1 || hello.compressionMethods[0] !== 0) {
    throw illegalParameter('a TLS 1.3 ClientHello must offer only the null compression method');
  }
  // RFC 8446 §9.2: supported_groups with key_share, and signature_algorithms, are mandatory without a PSK.
  if (hello.ext.signatureAlgorithms === undefined) throw missingExtension('the ClientHello has no signature_algorithms extension');
  if (hello.ext.supportedGroups === undefined) throw missingExtension('the ClientHello has no supported_groups extension');
  if (hello.ext.keyShares === undefined) throw missingExtension('the ClientHello has no key_share extension');
  conn.notePeerSignatureSchemes(hello.ext.signatureAlgorithms);
  const transcript = new Transcript(conn.config.crypto);
  // The transcript stays unhashed until the server's flight: a HelloRetryRequest replaces
  // ClientHello1 with its hash first.
  transcript.add(msg.raw);
  const suite = chooseSuite(conn, hello, ticketHash(params.resumption, { hello }, params.psk !== undefined));
  const alpn = chooseAlpn(conn, hello, params.alpnCallback);
  const n: Negotiated = { conn, params, transcript, hello, msg, suite, alpn, earlyDataOffered: hello.ext.earlyData === true };
  return chooseGroupAndContinue(n, false);
}

function chooseGroupAndContinue(n: Negotiated, retried: boolean): Next {
  const { conn, hello } = n;
  const ours = conn.config.groups;
  const supported = hello.ext.supportedGroups ?? [];
  const shares = hello.ext.keyShares ?? [];
  // RFC 8446 §4.2.8: each share must be for a group listed in supported_groups.
  for (const s of shares) if (!supported.includes(s.group)) throw illegalParameter(`key share for ${groupName(s.group)}, which is not in supported_groups`);
  // Our preferred group among those the client sent a share for; else HelloRetryRequest for our
  // preferred group among those it supports.
  const withShare = ours.find((g) => shares.some((s) => s.group === g));
  if (withShare !== undefined) {
    const share = shares.find((s) => s.group === withShare);
    if (share === undefined) throw new Error('unreachable');
    return selectCertificate(n, withShare, share.key, retried);
  }
  const retryGroup = ours.find((g) => supported.includes(g));
  if (retryGroup === undefined) {
    throw handshakeFailure(`no key exchange group in common (client supports ${supported.map(groupName).join(', ')})`);
  }
  if (retried) throw illegalParameter('the second ClientHello has no key share for the group the server asked for');
  return sendHelloRetryRequest(n, retryGroup);
}

function sendHelloRetryRequest(n: Negotiated, group: number): State {
  const { conn, transcript, hello, suite } = n;
  const hrr = encodeServerHello({
    legacyVersion: ProtocolVersion.TLSv1_2,
    random: HELLO_RETRY_REQUEST_RANDOM,
    sessionId: hello.sessionId,
    cipherSuite: suite.suite,
    compressionMethod: 0,
    extensions: [X.keyShareRetry(group), X.supportedVersionsServer(ProtocolVersion.TLSv1_3)],
  });
  // RFC 8446 §4.4.1: ClientHello1 becomes message_hash in the transcript.
  transcript.replaceWithMessageHash(suite.hash);
  transcript.add(hrr.raw);
  conn.setVersion(ProtocolVersion.TLSv1_3);
  conn.sendHandshake(hrr);
  // RFC 8446 §D.4: the server's dummy CCS follows its first handshake message.
  if (hello.sessionId.length > 0) conn.sendCompatCcs();
  conn.allowCompatCcs(true);
  if (conn.tracing) conn.trace({ kind: 'hello-retry-request', group: groupName(group), cipher: suite.name });
  // RFC 8446 §4.2.10: early data sent with ClientHello1 is skipped (application_data records in the clear).
  if (hello.ext.earlyData === true) conn.skipRejectedEarlyData(earlySkipBudget(n.params.resumption, n));
  return new ExpectSecondClientHello(n, group);
}

class ExpectSecondClientHello implements State {
  readonly name = 'ExpectSecondClientHello';
  constructor(
    private readonly n: Negotiated,
    private readonly group: number,
  ) {}

  handle(msg: HandshakeMessage): Next {
    expectMessage(msg, HandshakeType.client_hello, this.name);
    this.n.conn.skipRejectedEarlyData(0);
    const first = this.n.hello;
    const hello = decodeClientHello(msg.body);
    // RFC 8446 §4.1.2: the second ClientHello repeats the first except key_share, early_data, cookie,
    // pre_shared_key and padding.
    const changeable = new Set<number>([E.key_share, E.early_data, E.cookie, E.pre_shared_key, E.padding]);
    const same =
      hello.legacyVersion === first.legacyVersion &&
      bytesEqual(hello.random, first.random) &&
      bytesEqual(hello.sessionId, first.sessionId) &&
      hello.cipherSuites.length === first.cipherSuites.length &&
      hello.cipherSuites.every((s, i) => s === first.cipherSuites[i]) &&
      sameExtensions(first.extensions, hello.extensions, changeable);
    if (!same) throw illegalParameter('the second ClientHello differs from the first in more than the HelloRetryRequest allows');
    const shares = hello.ext.keyShares ?? [];
    if (shares.length !== 1 || shares[0]?.group !== this.group) {
      throw illegalParameter(`the second ClientHello must carry exactly one key share, for ${groupName(this.group)}`);
    }
    if (hello.ext.earlyData) throw illegalParameter('early_data in the second ClientHello');
    this.n.transcript.add(msg.raw);
    const share = shares[0];
    return selectCertificate({ ...this.n, hello, msg }, this.group, share.key, true);
  }
}

function sameExtensions(a: readonly Extension[], b: readonly Extension[], changeable: ReadonlySet<number>): boolean {
  const fa = a.filter((e) => !changeable.has(e.type));
  const fb = b.filter((e) => !changeable.has(e.type));
  if (fa.length !== fb.length) return false;
  return fa.every((e, i) => {
    const o = fb[i];
    return o !== undefined && o.type === e.type && bytesEqual(o.data, e.data);
  });
}

/** SNI-based certificate selection (possibly asynchronous), then the server's flight. */
function selectCertificate(n: Negotiated, group: number, peerShare: Uint8Array, retried: boolean): Next {
  const { params, hello } = n;
  // RFC 8446 §2.2: a usable ticket resumes the session; otherwise a full handshake.
  const psk = acceptPsk(n, params.resumption, n.msg, retried, true);
  if (psk !== undefined) return sendResumedFlight(n, psk, group, peerShare, retried);
  const serverName = hello.ext.serverName;
  const send = (preferred: CertifiedKey | undefined): Next => {
    const chosen = pickCertificate(n, preferred);
    const ocsp = stapledOcsp(params, hello, chosen.cert);
    if (ocsp instanceof Promise) return ocsp.then((o) => sendServerFlight(n, group, peerShare, retried, chosen, o));
    return sendServerFlight(n, group, peerShare, retried, chosen, ocsp);
  };
  if (params.sniCallback !== undefined && serverName !== undefined) {
    const chosen = params.sniCallback(serverName);
    if (chosen instanceof Promise) return chosen.then(send);
    return send(chosen);
  }
  return send(undefined);
}

/**
 * RFC 6066 §8, RFC 8446 §4.4.2.1: the OCSP response to staple with `cert`. The application is asked
 * only when the client sent status_request; undefined staples nothing. A callback that throws, rejects
 * or answers something other than bytes fails the handshake (internal_error). Both versions use it.
 */
export function stapledOcsp(params: ServerParams, hello: ClientHello, cert: CertifiedKey): Uint8Array | undefined | Promise<Uint8Array | undefined> {
  const callback = params.ocspResponse;
  const leaf = cert.chain[0];
  if (callback === undefined || hello.ext.statusRequest !== true || leaf === undefined) return undefined;
  let answer: Uint8Array | undefined | Promise<Uint8Array | undefined>;
  try {
    answer = callback({ certificate: leaf, issuer: cert.chain[1], serverName: hello.ext.serverName });
  } catch (e) {
    throw ocspCallbackFailed(e);
  }
  if (answer instanceof Promise) {
    return answer.then(checkedOcsp, (e: unknown) => {
      throw ocspCallbackFailed(e);
    });
  }
  return checkedOcsp(answer);
}

function checkedOcsp(v: unknown): Uint8Array | undefined {
  if (v === undefined || v === null) return undefined;
  // RFC 6066 §8: OCSPResponse<1..2^24-1>.
  if (!(v instanceof Uint8Array) || v.length === 0 || v.length > 0xffffff) {
    const what = v instanceof Uint8Array ? `${v.length} bytes` : typeof v;
    throw new TlsError('ERR_TLS_OCSP_CALLBACK_FAILED', AlertDescription.internal_error, `the server's OCSP callback returned ${what}; expected the DER OCSPResponse (1 byte to 16 MiB), or undefined to staple none`);
  }
  return v;
}

function ocspCallbackFailed(e: unknown): TlsError {
  return new TlsError('ERR_TLS_OCSP_CALLBACK_FAILED', AlertDescription.internal_error, `the server's OCSP callback failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

function pickCertificate(n: Negotiated, preferred: CertifiedKey | undefined): { cert: CertifiedKey; scheme: number } {
  const offered = n.hello.ext.signatureAlgorithms ?? [];
  const ours = n.conn.config.signatureSchemes;
  const candidates = serverCandidates(n.conn, n.params.certificates, preferred, n.hello.ext.serverName);
  for (const cert of candidates) {
    const scheme = chooseScheme(cert.key, offered, ours, true);
    if (scheme !== undefined) return { cert, scheme };
  }
  throw handshakeFailure(
    `no certificate can sign with an algorithm the client accepts (client offered ${offered.map(schemeName).join(', ')})`,
  );
}

/**
 * The certificates a server may use, in order: only the application's choice for this connection
 * (setCertificate: node:tls's setKeyCert), else the SNI callback's choice before the configured ones,
 * else the configured ones by SNI name.
 */
export function serverCandidates(conn: Engine, certs: readonly CertifiedKey[], preferred: CertifiedKey | undefined, serverName: string | undefined): readonly CertifiedKey[] {
  const own = conn.chosenCertificate;
  if (own !== undefined) return [own];
  return preferred !== undefined ? [preferred, ...certs] : certificatesForName(certs, serverName);
}

/**
 * With several certificates, those whose subjectAltName matches the SNI name come first (like
 * `openssl s_server -cert2 -servername`); the rest stay as fall-backs, in configured order.
 */
export function certificatesForName(certs: readonly CertifiedKey[], serverName: string | undefined): readonly CertifiedKey[] {
  if (serverName === undefined || certs.length < 2) return certs;
  const name = normalizeReferenceName(serverName);
  const matches = (c: CertifiedKey): boolean => {
    const leaf = c.chain[0];
    if (leaf === undefined) return false;
    try {
      const sans = parseCertificate(leaf).extensions.subjectAltName?.names ?? [];
      return matchesHostname(sans, name);
    } catch {
      return false;
    }
  };
  const hit = certs.filter(matches);
  return hit.length === 0 ? certs : [...hit, ...certs.filter((c) => !hit.includes(c))];
}

function sendServerFlight(
  n: Negotiated,
  group: number,
  peerShare: Uint8Array,
  retried: boolean,
  chosen: { cert: CertifiedKey; scheme: number },
  ocspResponse: Uint8Array | undefined,
): State {
  const { conn, transcript, hello, suite, params } = n;
  const cfg = conn.config;
  const crypto = cfg.crypto;
  const kx = crypto.keyExchange(group);
  const shared = kx.deriveSecret(peerShare);
  const sh = encodeServerHello({
    legacyVersion: ProtocolVersion.TLSv1_2,
    random: cfg.random(32),
    sessionId: hello.sessionId,
    cipherSuite: suite.suite,
    compressionMethod: 0,
    extensions: [X.keyShareServer({ group, key: kx.publicKey }), X.supportedVersionsServer(ProtocolVersion.TLSv1_3)],
  });
  transcript.start(suite.hash);
  transcript.add(sh.raw);
  conn.setVersion(ProtocolVersion.TLSv1_3);
  conn.sendHandshake(sh);
  if (!retried && hello.sessionId.length > 0) conn.sendCompatCcs();
  conn.allowCompatCcs(true);
  if (conn.tracing) conn.trace({ kind: 'server-hello', version: 'TLSv1.3', cipher: suite.name, group: groupName(group), retried, serverName: hello.ext.serverName, alpn: n.alpn });

  const schedule = new KeySchedule13(crypto, suite);
  const { clientHs, serverHs } = startServerHandshakeTraffic(n, schedule, shared);
  conn.setReadProtector(new RecordProtector13(crypto, suite, clientHs));

  // RFC 8446 §4.2.10: early data the server does not accept is skipped.
  if (hello.ext.earlyData === true && !retried) conn.skipRejectedEarlyData(earlySkipBudget(params.resumption, n));
  const limit = recordSizeLimitExtension(conn, hello);

  const ee: Extension[] = [];
  if (hello.ext.serverName !== undefined) ee.push(X.serverNameAck());
  if (n.alpn !== undefined) ee.push(X.alpn([n.alpn]));
  if (limit !== undefined) ee.push(limit);
  sendRecorded(conn, transcript, encodeEncryptedExtensions(ee));

  if (params.requestCert) {
    const crExts: Extension[] = [X.signatureAlgorithms(cfg.signatureSchemes)];
    const anchors = params.certificateAuthorities ?? cfg.verifier.anchorSubjects();
    if (anchors.length > 0 && anchors.length <= 256) crExts.push(X.certificateAuthorities(anchors));
    sendRecorded(conn, transcript, encodeCertificateRequest13(new Uint8Array(0), crExts));
  }
  sendRecorded(conn, transcript, encodeCertificate13(new Uint8Array(0), chosen.cert.chain, ocspResponse === undefined ? [] : [X.certificateStatus(ocspResponse)]));
  conn.noteLocalCertificate(chosen.cert.chain[0]);
  const signature = signWithScheme(crypto, chosen.scheme, chosen.cert.key, certificateVerifyContent(true, transcript.hash()));
  sendRecorded(conn, transcript, encodeCertificateVerify(chosen.scheme, signature));
  sendRecorded(conn, transcript, encodeFinished(finishedVerifyData(crypto, suite.hash, serverHs, transcript.hash())));

  const { clientAp, serverAp, exporter } = startServerApplicationTraffic(n, schedule);
  if (conn.tracing) conn.trace({ kind: 'server-flight', certificateRequested: params.requestCert, scheme: schemeName(chosen.scheme), certificates: chosen.cert.chain.length });

  const keys: Keys = { schedule, group, clientHs, clientAp, serverAp, exporter, scheme: chosen.scheme };
  if (params.requestCert) return new ExpectClientCertificate(n, keys);
  return new ExpectClientFinished(n, keys, noClientCertificate(undefined), undefined);
}

interface Keys {
  readonly schedule: KeySchedule13;
  /** Undefined for a psk_ke resumption (no key exchange). */
  readonly group: number | undefined;
  readonly clientHs: Uint8Array;
  readonly clientAp: Uint8Array;
  readonly serverAp: Uint8Array;
  readonly exporter: Uint8Array;
  /** Undefined when resumed (no CertificateVerify). */
  readonly scheme: number | undefined;
}

interface ClientAuth {
  readonly certificates: readonly Uint8Array[];
  readonly verified: VerifiedPeer | undefined;
  readonly error: TlsError | undefined;
  readonly signature: SignatureVerified | undefined;
}

function noClientCertificate(error: TlsError | undefined): ClientAuth {
  return { certificates: [], verified: undefined, error, signature: undefined };
}

/**
 * RFC 8446 §7.1: after the ServerHello, the handshake traffic secrets (logged to the keylog); the
 * server writes under its handshake keys from here. Full and resumed handshakes.
 */
export function startServerHandshakeTraffic(n: Negotiated, schedule: KeySchedule13, shared: Uint8Array | undefined): { clientHs: Uint8Array; serverHs: Uint8Array } {
  const { conn, transcript, hello, suite } = n;
  schedule.inputHandshakeSecret(shared);
  const th = transcript.hash();
  const clientHs = schedule.clientHandshakeTrafficSecret(th);
  const serverHs = schedule.serverHandshakeTrafficSecret(th);
  conn.keylog('CLIENT_HANDSHAKE_TRAFFIC_SECRET', hello.random, clientHs);
  conn.keylog('SERVER_HANDSHAKE_TRAFFIC_SECRET', hello.random, serverHs);
  conn.setWriteProtector(new RecordProtector13(conn.config.crypto, suite, serverHs));
  return { clientHs, serverHs };
}

/**
 * RFC 8446 §7.1: after the server's Finished, the application traffic and exporter secrets (logged to
 * the keylog); the server writes under its application keys from here. Full and resumed handshakes.
 */
export function startServerApplicationTraffic(n: Negotiated, schedule: KeySchedule13): { clientAp: Uint8Array; serverAp: Uint8Array; exporter: Uint8Array } {
  const { conn, transcript, hello, suite } = n;
  schedule.inputMasterSecret();
  const th = transcript.hash();
  const clientAp = schedule.clientApplicationTrafficSecret(th);
  const serverAp = schedule.serverApplicationTrafficSecret(th);
  const exporter = schedule.exporterMasterSecret(th);
  conn.keylog('CLIENT_TRAFFIC_SECRET_0', hello.random, clientAp);
  conn.keylog('SERVER_TRAFFIC_SECRET_0', hello.random, serverAp);
  conn.keylog('EXPORTER_SECRET', hello.random, exporter);
  conn.setWriteProtector(new RecordProtector13(conn.config.crypto, suite, serverAp));
  return { clientAp, serverAp, exporter };
}


class ExpectClientCertificate implements State {
  readonly name = 'ExpectCertificate';
  constructor(
    private readonly n: Negotiated,
    private readonly keys: Keys,
  ) {}

  handle(msg: HandshakeMessage): Next {
    expectMessage(msg, HandshakeType.certificate, this.name);
    const { conn, transcript, params } = this.n;
    const cert = decodeCertificate13(msg.body);
    // RFC 8446 §4.4.2: the context echoes the CertificateRequest's (empty).
    if (cert.requestContext.length !== 0) throw illegalParameter('client Certificate request context does not match');
    transcript.add(msg.raw);
    const certificates = cert.entries.map((e) => e.data);
    if (certificates.length === 0) {
      const error = new TlsError(
        'ERR_TLS_CERT_REQUIRED',
        AlertDescription.certificate_required,
        'the client did not send a certificate, and the server requires one',
      );
      // RFC 8446 §4.4.2.4: a server that requires a certificate aborts with certificate_required.
      if (params.requireCert) throw error;
      if (conn.tracing) conn.trace({ kind: 'certificate', peer: 'client', count: 0, verified: false, error: error.code });
      return new ExpectClientFinished(this.n, this.keys, noClientCertificate(error), undefined);
    }
    const verifier = conn.config.verifier;
    const key = verifier.leafPublicKey(certificates[0] as Uint8Array);
    return verifyPeerChain(conn, clientCertificateCheck(conn, certificates), params.requireCert, (verified, error) =>
      new ExpectClientCertificateVerify(this.n, this.keys, { certificates, verified, error, signature: undefined }, key),
    );
  }
}

class ExpectClientCertificateVerify implements State {
  readonly name = 'ExpectCertificateVerify';
  constructor(
    private readonly n: Negotiated,
    private readonly keys: Keys,
    private readonly auth: ClientAuth,
    private readonly key: PublicKey,
  ) {}

  handle(msg: HandshakeMessage): State {
    expectMessage(msg, HandshakeType.certificate_verify, this.name);
    const { conn, transcript } = this.n;
    const cv = decodeCertificateVerify(msg.body);
    const signature = verifyCertificateVerify13(conn.config.crypto, this.key, cv.scheme, cv.signature, conn.config.signatureSchemes, false, transcript.hash());
    transcript.add(msg.raw);
    return new ExpectClientFinished(this.n, this.keys, { ...this.auth, signature }, undefined);
  }
}

/** The client's Finished; `auth` after a full handshake, `resumed` after a PSK one (exactly one is set). */
/**
 * What the client's Finished still needs of the negotiation. The ClientHello (decoded and raw) is
 * left behind: it was most of the heap a handshake holds while it waits for the client's flight.
 */
type Finishing = Pick<Negotiated, 'conn' | 'params' | 'transcript' | 'suite' | 'alpn' | 'earlyDataOffered'> & { readonly serverName: string | undefined };

export class ExpectClientFinished implements State {
  readonly name = 'ExpectFinished';
  private readonly n: Finishing;
  constructor(
    n: Negotiated,
    private readonly keys: Keys,
    private readonly auth: ClientAuth | undefined,
    private readonly resumed: ResumedFrom | undefined,
  ) {
    this.n = { conn: n.conn, params: n.params, transcript: n.transcript, suite: n.suite, alpn: n.alpn, earlyDataOffered: n.earlyDataOffered, serverName: n.hello.ext.serverName };
  }

  handle(msg: HandshakeMessage): State {
    expectMessage(msg, HandshakeType.finished, this.name);
    const { conn, transcript, suite, serverName } = this.n;
    const crypto = conn.config.crypto;
    const verifyData = decodeFinished(msg.body, suite.hashLength);
    const proof = verifyFinished13(crypto, suite.hash, this.keys.clientHs, transcript.hash(), verifyData, 'client');
    transcript.add(msg.raw);
    conn.setReadProtector(new RecordProtector13(crypto, suite, this.keys.clientAp));
    const resumption = this.keys.schedule.resumptionMasterSecret(transcript.hash());
    const traffic = new Traffic13(
      conn,
      { suite, readSecret: this.keys.clientAp, writeSecret: this.keys.serverAp, exporterMasterSecret: this.keys.exporter },
      proof,
      undefined,
    );
    const requested = this.n.params.requestCert;
    const auth = this.auth;
    const resumed = this.resumed;
    const common = {
      version: 'TLSv1.3',
      cipherSuite: suite.suite,
      cipherName: suite.name,
      group: this.keys.group,
      alpnProtocol: this.n.alpn,
      serverName,
    } as const;
    let peerCertificates: readonly Uint8Array[];
    let authorized: boolean;
    if (resumed !== undefined) {
      // The client certificate (if any) was checked in the handshake that issued the ticket.
      peerCertificates = resumed.state.peerCertificates;
      authorized = resumed.state.peerAuthorized;
      conn.complete({ ...common, peerSignatureScheme: undefined, resumed: true, peerCertificates, verifiedChain: undefined, authorized, authorizationError: undefined, earlyData: resumed.earlyData });
    } else if (auth !== undefined) {
      peerCertificates = auth.certificates;
      // Like node:tls: a server that did not request a certificate reports authorized false.
      authorized = requested && auth.error === undefined && auth.verified !== undefined;
      conn.complete({
        ...common,
        peerSignatureScheme: auth.signature?.scheme,
        resumed: false,
        peerCertificates,
        verifiedChain: auth.verified?.chain,
        authorized,
        authorizationError: auth.error,
        earlyData: this.n.earlyDataOffered ? 'rejected' : 'not sent',
      });
    } else {
      throw new Error('unreachable: neither a certificate check nor a PSK');
    }
    sendTickets(conn, this.n.params.resumption, {
      suite,
      resumptionMasterSecret: resumption,
      alpn: this.n.alpn,
      serverName,
      peerCertificates,
      peerAuthorized: authorized,
      resumed: resumed !== undefined,
    });
    return traffic;
  }
}

