// The TLS 1.3 client handshake (RFC 8446 §2, §4), one state per expected message.
import { AlertDescription, ExtensionType as E, HandshakeType, ProtocolVersion, PskKeyExchangeMode, groupName, suiteName, versionName } from '../wire/iana.js';
import { decodeServerHello, encodeClientHello, type ClientHello, type ServerHello } from '../wire/hello.js';
import { ext as X, type Extension, type HelloExtensions } from '../wire/extensions.js';
import {
  decodeCertificate13,
  decodeCertificateRequest13,
  decodeCertificateVerify,
  decodeEncryptedExtensions,
  decodeFinished,
  encodeCertificate13,
  encodeCertificateVerify,
  encodeFinished,
  type CertificateRequest13,
} from '../wire/messages13.js';
import type { HandshakeMessage } from '../wire/handshake.js';
import { TlsError, illegalParameter, unexpectedMessage } from '../errors.js';
import type { KeyExchange, PublicKey } from '../crypto/provider.js';
import { KeySchedule13, finishedVerifyData, suite13, type Suite13 } from '../keys/schedule13.js';
import { RecordProtector13 } from '../record/protect13.js';
import type { Engine, Next, State } from '../conn/engine.js';
import { Transcript, sendRecorded } from './transcript.js';
import { verifyCertificateVerify13, verifyFinished13, type SignatureVerified } from './proofs.js';
import { certificateVerifyContent, chooseScheme, signWithScheme } from './schemes.js';
import { Traffic13, type TicketSink } from './traffic13.js';
import type { ClientPskCallback } from '../conn/config.js';
import type { CertifiedKey } from '../conn/types.js';
import type { VerifiedPeer } from './verifier.js';
import { serverCertificateCheck, verifyPeerChain } from './peer-auth.js';
import type { PskAuthenticated } from './proofs.js';
import {
  acceptServerPsk,
  checkEarlyDataAccepted,
  choosePskOffer,
  endOfEarlyData,
  pskExtensions,
  pskKeOffered,
  startEarlyData,
  ticketSink,
  writeBinder,
  externalPskOffer,
  type ClientResumption,
  type EarlyData,
  type PskOffer,
} from './psk-client13.js';
import { applyServerRecordSizeLimit, clientRecordSizeLimit } from './record-size-limit.js';
import { handleServerHello12 } from './client12.js';
import { hello12Extensions, helloSessionId } from './client-hello12.js';
import type { Session12 } from './session12.js';
import { bytesEqual } from '../wire/bytes.js';
import { unsupportedExtension } from '../errors.js';
import { expectMessage } from '../wire/handshake.js';

/** What the client decided before sending its ClientHello. */
export interface ClientParams {
  readonly serverName: string | undefined;
  readonly ip: string | undefined;
  readonly certificate: CertifiedKey | undefined;
  readonly onTicket: TicketSink | undefined;
  readonly resumption: ClientResumption;
  /** A TLS 1.2 session to offer (src/handshake/session12.ts), when the application passed one. */
  readonly session12?: Session12 | undefined;
  /** Ask the server to staple an OCSP response (status_request, RFC 6066 §8). */
  readonly requestOcsp?: boolean;
  /** TLS-PSK (ClientConfig.psk): a TLS 1.3 external PSK, and the key for a TLS 1.2 PSK suite. */
  readonly psk?: ClientPskCallback | undefined;
}

interface Common {
  readonly conn: Engine;
  readonly params: ClientParams;
  readonly transcript: Transcript;
  readonly hello: ClientHello;
  /** The session offered (dropped after a HelloRetryRequest whose suite has another hash). */
  readonly offer: PskOffer | undefined;
  /** 0-RTT data in flight under the early keys, when sent. */
  readonly early: EarlyData | undefined;
}

interface AfterHello extends Common {
  readonly suite: Suite13;
  readonly schedule: KeySchedule13;
  /** Undefined for a psk_ke resumption. */
  readonly group: number | undefined;
  readonly clientHsSecret: Uint8Array;
  readonly serverHsSecret: Uint8Array;
  /** Set when the server selected our PSK. */
  readonly resumed: PskAuthenticated | undefined;
}

interface PeerInfo {
  readonly alpn: string | undefined;
  readonly serverNameAcked: boolean;
  readonly certRequest: CertificateRequest13 | undefined;
  readonly certificates: readonly Uint8Array[];
  readonly verified: VerifiedPeer | undefined;
  readonly verifyError: TlsError | undefined;
  /** The OCSP response stapled to the server's certificate (RFC 8446 §4.4.2.1), when one was. */
  readonly ocspResponse?: Uint8Array | undefined;
}


/** Builds and sends the first ClientHello; returns the state that expects the ServerHello. */
export function startClient13(conn: Engine, params: ClientParams): State {
  const cfg = conn.config;
  const group = cfg.groups[0];
  if (group === undefined) throw illegalParameter('no key exchange group configured');
  // A TLS 1.3 key share only when TLS 1.3 is offered.
  const kx = cfg.suites13.length > 0 ? cfg.crypto.keyExchange(group) : undefined;
  const random = cfg.random(32);
  // Middlebox compatibility mode (RFC 8446 §D.4): a non-empty legacy_session_id (or a TLS 1.2 session's ID).
  const sessionId = helloSessionId(cfg.random, params.session12);
  // A TLS 1.3 session (PSK) only when TLS 1.3 is offered.
  // Else an external PSK (RFC 8446 §4.2.11) when the application has one.
  const resumable = kx !== undefined ? choosePskOffer(conn, params.resumption, params.serverName) : undefined;
  const offer = resumable ?? (kx !== undefined && params.psk !== undefined ? externalPskOffer(conn, params.psk, params.serverName) : undefined);
  const hello = buildClientHello(conn, params, random, sessionId, kx, undefined, offer, offer?.early === true);
  const transcript = new Transcript(cfg.crypto);
  conn.setRecordVersion(ProtocolVersion.TLSv1);
  const msg = encodeClientHello(hello);
  if (offer !== undefined) writeBinder(conn, offer, msg, []);
  sendRecorded(conn, transcript, msg);
  conn.setRecordVersion(ProtocolVersion.TLSv1_2);
  // RFC 8446 §5: a plaintext CCS may arrive any time after the first ClientHello (e.g. after an HRR).
  conn.allowCompatCcs(true);
  if (conn.tracing) {
    conn.trace({
      kind: 'client-hello',
      versions: [...(kx !== undefined ? ['TLSv1.3'] : []), ...(cfg.suites12.length > 0 ? ['TLSv1.2'] : [])],
      suites: [...cfg.suites13, ...cfg.suites12].map(suiteName),
      groups: cfg.groups.map(groupName),
      keyShare: kx === undefined ? undefined : groupName(group),
      serverName: params.serverName,
      alpn: cfg.alpn,
      psk: offer !== undefined,
      earlyData: offer?.early === true,
    });
  }
  const early = offer?.early === true ? startEarlyData(conn, offer, params.resumption, msg, random, sessionId.length > 0) : undefined;
  // Early data that no session lets us send in 0-RTT goes out after the handshake instead.
  const pending = params.resumption.earlyData;
  if (early === undefined && pending !== undefined && pending.length > 0) conn.requeueFront([pending.slice()]);
  return new ExpectServerHello({ conn, params, transcript, hello: { ...hello, ext: {}, hasExtensionsBlock: true }, offer, early }, kx, false);
}

function buildClientHello(
  conn: Engine,
  params: ClientParams,
  random: Uint8Array,
  sessionId: Uint8Array,
  kx: KeyExchange | undefined,
  cookie: Uint8Array | undefined,
  offer: PskOffer | undefined,
  earlyData: boolean,
): Omit<ClientHello, 'ext' | 'hasExtensionsBlock'> {
  const cfg = conn.config;
  const exts: Extension[] = [];
  if (params.serverName !== undefined) exts.push(X.serverName(params.serverName));
  // RFC 8446 §4.2.1: supported_versions only when TLS 1.3 is offered (a 1.2-only hello has none).
  if (kx !== undefined) exts.push(X.supportedVersionsClient(cfg.suites12.length > 0 ? [ProtocolVersion.TLSv1_3, ProtocolVersion.TLSv1_2] : [ProtocolVersion.TLSv1_3]));
  exts.push(X.supportedGroups(cfg.groups));
  if (kx !== undefined) exts.push(X.keyShareClient([{ group: kx.group, key: kx.publicKey }]));
  exts.push(X.signatureAlgorithms(cfg.signatureSchemes));
  if (cfg.alpn.length > 0) exts.push(X.alpn(cfg.alpn));
  if (params.requestOcsp === true) exts.push(X.statusRequestOcsp());
  if (cookie !== undefined) exts.push(X.cookie(cookie));
  exts.push(...hello12Extensions(cfg, params.session12));
  const limit = clientRecordSizeLimit(cfg.recordSizeLimit);
  if (limit !== undefined) exts.push(limit);
  // RFC 8446 §4.2.11: pre_shared_key is the last extension.
  if (offer !== undefined) exts.push(...pskExtensions(conn, offer, earlyData));
  return {
    legacyVersion: ProtocolVersion.TLSv1_2,
    random,
    sessionId,
    cipherSuites: [...cfg.suites13, ...cfg.suites12],
    compressionMethods: [0],
    extensions: exts,
  };
}



class ExpectServerHello implements State {
  readonly name = 'ExpectServerHello';
  constructor(
    private readonly c: Common,
    private readonly kx: KeyExchange | undefined,
    private readonly retried: boolean,
    private readonly retrySuite?: number,
  ) {}

  handle(msg: HandshakeMessage): State {
    expectMessage(msg, HandshakeType.server_hello, this.name);
    const { conn, hello } = this.c;
    const cfg = conn.config;
    const sh = decodeServerHello(msg.body);
    // RFC 8446 §4.1.3: supported_versions selects TLS 1.3; without it the server chose TLS 1.2 or older.
    if (sh.ext.selectedVersion === undefined && !sh.isHelloRetryRequest && cfg.suites12.length > 0) {
      // A TLS 1.3 session was offered but the server chose TLS 1.2: all early data goes again after
      // the handshake, and our flight is not under the early keys.
      const early = this.c.early;
      if (early !== undefined) {
        early.stop();
        conn.setWriteProtector(null);
        if (early.sent.length > 0) conn.requeueFront(early.sent);
      }
      return handleServerHello12(conn, this.c.params, this.c.transcript.buffered(), hello, msg, sh, this.retried);
    }
    if (sh.ext.selectedVersion === undefined) {
      throw new TlsError(
        'ERR_TLS_PROTOCOL_VERSION',
        AlertDescription.protocol_version,
        `the server chose ${versionName(sh.legacyVersion)}, but this client allows only TLS 1.3`,
      );
    }
    if (sh.ext.selectedVersion !== ProtocolVersion.TLSv1_3) {
      throw illegalParameter(`the server selected ${versionName(sh.ext.selectedVersion)}, which was not offered`);
    }
    if (sh.legacyVersion !== ProtocolVersion.TLSv1_2) throw illegalParameter('ServerHello legacy_version is not 0x0303');
    if (!bytesEqual(sh.sessionId, hello.sessionId)) throw illegalParameter('ServerHello legacy_session_id_echo differs from the ClientHello');
    if (sh.compressionMethod !== 0) throw illegalParameter('ServerHello selected a compression method');
    if (!cfg.suites13.includes(sh.cipherSuite)) throw illegalParameter(`the server selected ${suiteName(sh.cipherSuite)}, which was not offered`);
    // RFC 8446 §4.1.4: the ServerHello after a HelloRetryRequest keeps the suite.
    if (this.retrySuite !== undefined && sh.cipherSuite !== this.retrySuite) {
      throw illegalParameter('the ServerHello cipher suite differs from the HelloRetryRequest');
    }
    const suite = suite13(sh.cipherSuite);
    if (suite === undefined) throw illegalParameter(`unknown TLS 1.3 suite ${suiteName(sh.cipherSuite)}`);
    conn.setVersion(ProtocolVersion.TLSv1_3);
    // RFC 8446 §4.2.10: no early data after the server's first answer.
    this.c.early?.stop();
    if (sh.isHelloRetryRequest) return this.retry(msg, sh, suite);
    // RFC 8446 §4.1.3/§4.2: only these may appear in a TLS 1.3 ServerHello; anything else we never asked for.
    for (const e of sh.extensions) {
      if (e.type !== E.supported_versions && e.type !== E.key_share && e.type !== E.pre_shared_key) {
        throw illegalParameter(`extension ${e.type} is not allowed in a TLS 1.3 ServerHello`);
      }
    }
    const resumed = sh.ext.selectedIdentity === undefined ? undefined : acceptServerPsk(this.c.offer, sh, suite);
    const share = sh.ext.keyShare;
    if (this.kx === undefined) throw illegalParameter('the server selected TLS 1.3, which was not offered');
    let shared: Uint8Array | undefined;
    if (share === undefined) {
      // RFC 8446 §4.2.9: only a psk_ke resumption (when we offered it) has no key exchange.
      if (resumed === undefined || !pskKeOffered(conn)) {
        throw new TlsError('ERR_TLS_MISSING_EXTENSION', AlertDescription.missing_extension, 'the ServerHello has no key_share');
      }
    } else {
      if (share.group !== this.kx.group) {
        throw illegalParameter(`the server's key share is for ${groupName(share.group)}, but the client sent ${groupName(this.kx.group)}`);
      }
      if (resumed !== undefined && !cfg.pskModes.includes(PskKeyExchangeMode.psk_dhe_ke)) throw illegalParameter('the server chose psk_dhe_ke, which was not offered');
      shared = this.kx.deriveSecret(share.key);
    }
    const { transcript } = this.c;
    transcript.start(suite.hash);
    transcript.add(msg.raw);
    const offer = resumed !== undefined ? this.c.offer : undefined;
    const schedule = new KeySchedule13(cfg.crypto, suite, offer?.session.psk, offer?.earlySecret);
    schedule.inputHandshakeSecret(shared);
    const th = transcript.hash();
    const clientHsSecret = schedule.clientHandshakeTrafficSecret(th);
    const serverHsSecret = schedule.serverHandshakeTrafficSecret(th);
    conn.keylog('CLIENT_HANDSHAKE_TRAFFIC_SECRET', hello.random, clientHsSecret);
    conn.keylog('SERVER_HANDSHAKE_TRAFFIC_SECRET', hello.random, serverHsSecret);
    conn.setReadProtector(new RecordProtector13(cfg.crypto, suite, serverHsSecret));
    // RFC 8446 §D.4: the dummy CCS goes before our next flight (unless it already preceded ClientHello2
    // or the early data). With early data in flight the early keys stay until the server's Finished.
    if (!this.retried && this.c.early === undefined && hello.sessionId.length > 0) conn.sendCompatCcs();
    if (this.c.early === undefined) conn.setWriteProtector(new RecordProtector13(cfg.crypto, suite, clientHsSecret));
    conn.allowCompatCcs(true);
    if (conn.tracing) conn.trace({ kind: 'server-hello', version: 'TLSv1.3', cipher: suite.name, group: share === undefined ? undefined : groupName(share.group), retried: this.retried, resumed: resumed !== undefined });
    return new ExpectEncryptedExtensions({ ...this.c, suite, schedule, group: share?.group, clientHsSecret, serverHsSecret, resumed });
  }

  private retry(msg: HandshakeMessage, hrr: ServerHello, suite: Suite13): State {
    const { conn, params, transcript, hello } = this.c;
    const cfg = conn.config;
    // RFC 8446 §4.1.4: a second HelloRetryRequest is unexpected_message.
    if (this.retried) throw unexpectedMessage('a second HelloRetryRequest');
    for (const e of hrr.extensions) {
      if (e.type !== E.supported_versions && e.type !== E.key_share && e.type !== E.cookie) {
        throw illegalParameter(`extension ${e.type} is not allowed in a HelloRetryRequest`);
      }
    }
    const group = hrr.ext.selectedGroup;
    // RFC 8446 §4.2.8: the selected group must be one we support and not the one we already sent.
    if (group === undefined && hrr.ext.cookie === undefined) throw illegalParameter('the HelloRetryRequest would not change the ClientHello');
    if (this.kx === undefined) throw illegalParameter('a HelloRetryRequest, but TLS 1.3 was not offered');
    if (group !== undefined && (!cfg.groups.includes(group) || group === this.kx.group)) {
      throw illegalParameter(`the HelloRetryRequest asks for ${groupName(group)}, which was not offered or already has a share`);
    }
    transcript.replaceWithMessageHash(suite.hash);
    transcript.add(msg.raw);
    const kx = group === undefined ? this.kx : cfg.crypto.keyExchange(group);
    // RFC 8446 §4.1.4: keep the PSK only when its hash fits the suite the server chose; never early_data.
    const offer = this.c.offer !== undefined && this.c.offer.suite.hash === suite.hash ? this.c.offer : undefined;
    const hello2 = buildClientHello(conn, params, hello.random, hello.sessionId, kx, hrr.ext.cookie, offer, false);
    // The early data (if any) was rejected: ClientHello2 goes in the clear, the CCS only once.
    if (this.c.early === undefined) {
      if (hello.sessionId.length > 0) conn.sendCompatCcs();
    } else {
      conn.setWriteProtector(null);
    }
    const msg2 = encodeClientHello(hello2);
    if (offer !== undefined) writeBinder(conn, offer, msg2, transcript.buffered());
    sendRecorded(conn, transcript, msg2);
    if (conn.tracing) conn.trace({ kind: 'hello-retry-request', group: group === undefined ? undefined : groupName(group), cipher: suite.name, pskKept: offer !== undefined });
    return new ExpectServerHello({ ...this.c, hello: { ...hello2, ext: {}, hasExtensionsBlock: true }, offer }, kx, true, hrr.cipherSuite);
  }
}

class ExpectEncryptedExtensions implements State {
  readonly name = 'ExpectEncryptedExtensions';
  constructor(private readonly c: AfterHello) {}

  handle(msg: HandshakeMessage): State {
    expectMessage(msg, HandshakeType.encrypted_extensions, this.name);
    const ee = decodeEncryptedExtensions(msg.body);
    const offered = new Set(this.c.hello.extensions.map((e) => e.type));
    // RFC 8446 §4.2: a response to an extension we did not send is unsupported_extension.
    for (const e of ee.extensions) {
      if (!offered.has(e.type) && e.type !== E.supported_groups) {
        throw unsupportedExtension(`the server answered extension ${e.type}, which the client did not offer`);
      }
    }
    const alpn = checkAlpn(this.c.conn.config.alpn, ee.ext);
    applyServerRecordSizeLimit(this.c.conn, ee.ext);
    const earlyAccepted = checkEarlyDataAccepted(this.c.offer, this.c.resumed !== undefined, this.c.suite, ee.ext, alpn);
    this.c.transcript.add(msg.raw);
    const info = { alpn, serverNameAcked: ee.ext.serverName !== undefined };
    const session = this.c.offer?.session;
    if (this.c.resumed !== undefined && session !== undefined) {
      // RFC 8446 §2.2: a resumed handshake has no Certificate; the server is who the session says.
      const peer: PeerInfo = { ...info, certRequest: undefined, certificates: session.peerCertificates, verified: session.verifiedChain === undefined ? undefined : { chain: session.verifiedChain }, verifyError: undefined };
      return new ExpectFinished(this.c, peer, this.c.resumed, earlyAccepted);
    }
    return new ExpectCertificateOrRequest(this.c, info);
  }
}

function checkAlpn(ours: readonly string[], ext: HelloExtensions): string | undefined {
  const chosen = ext.alpn?.[0];
  if (chosen === undefined) return undefined;
  // RFC 7301 §3.2: the server must pick one of the protocols the client offered.
  if (!ours.includes(chosen)) throw illegalParameter(`the server selected ALPN protocol "${chosen}", which was not offered`);
  return chosen;
}

type Partial1 = Pick<PeerInfo, 'alpn' | 'serverNameAcked'>;

class ExpectCertificateOrRequest implements State {
  readonly name = 'ExpectCertificateOrCertificateRequest';
  constructor(
    private readonly c: AfterHello,
    private readonly info: Partial1,
  ) {}

  handle(msg: HandshakeMessage): Next {
    if (msg.type === HandshakeType.certificate_request) {
      const cr = decodeCertificateRequest13(msg.body);
      // RFC 8446 §4.3.2: the context is empty in the main handshake.
      if (cr.requestContext.length !== 0) throw illegalParameter('CertificateRequest context must be empty during the handshake');
      this.c.transcript.add(msg.raw);
      this.c.conn.notePeerSignatureSchemes(cr.ext.signatureAlgorithms);
      if (this.c.conn.tracing) this.c.conn.trace({ kind: 'certificate-request', schemes: cr.ext.signatureAlgorithms?.length ?? 0, authorities: cr.ext.certificateAuthorities?.length ?? 0 });
      return new ExpectCertificate(this.c, { ...this.info, certRequest: cr });
    }
    return new ExpectCertificate(this.c, { ...this.info, certRequest: undefined }).handle(msg);
  }
}

class ExpectCertificate implements State {
  readonly name = 'ExpectCertificate';
  constructor(
    private readonly c: AfterHello,
    private readonly info: Partial1 & Pick<PeerInfo, 'certRequest'>,
  ) {}

  handle(msg: HandshakeMessage): Next {
    expectMessage(msg, HandshakeType.certificate, this.name);
    const cert = decodeCertificate13(msg.body);
    if (cert.requestContext.length !== 0) throw illegalParameter('server Certificate has a non-empty request context');
    // RFC 8446 §4.4.2.4: an empty server Certificate is a decode_error.
    if (cert.entries.length === 0) throw new TlsError('ERR_TLS_DECODE_ERROR', AlertDescription.decode_error, 'the server sent no certificate');
    const { conn, params } = this.c;
    // RFC 8446 §4.4.2: certificate extensions answer the ClientHello's; an unrequested one is refused (§4.2).
    if (params.requestOcsp !== true && cert.entries.some((e) => e.ext.ocspResponse !== undefined)) {
      throw unsupportedExtension('the server stapled an OCSP response (status_request), which the client did not ask for');
    }
    // A copy: the summary keeps it for the connection's life, not the whole decrypted flight behind it.
    const ocspResponse = cert.entries[0]?.ext.ocspResponse?.slice();
    this.c.transcript.add(msg.raw);
    const certificates = cert.entries.map((e) => e.data);
    const verifier = conn.config.verifier;
    const leaf = certificates[0] as Uint8Array;
    const key = verifier.leafPublicKey(leaf);
    const check = serverCertificateCheck(conn, certificates, params.serverName, params.ip);
    return verifyPeerChain(conn, check, conn.config.rejectUnauthorized, (verified, error) =>
      new ExpectCertificateVerify(this.c, { ...this.info, certificates, verified, verifyError: error, ocspResponse }, key),
    );
  }
}

class ExpectCertificateVerify implements State {
  readonly name = 'ExpectCertificateVerify';
  constructor(
    private readonly c: AfterHello,
    private readonly info: PeerInfo,
    private readonly key: PublicKey,
  ) {}

  handle(msg: HandshakeMessage): State {
    expectMessage(msg, HandshakeType.certificate_verify, this.name);
    const cv = decodeCertificateVerify(msg.body);
    const { conn, transcript } = this.c;
    const proof = verifyCertificateVerify13(conn.config.crypto, this.key, cv.scheme, cv.signature, conn.config.signatureSchemes, true, transcript.hash());
    transcript.add(msg.raw);
    return new ExpectFinished(this.c, this.info, proof, false);
  }
}

class ExpectFinished implements State {
  readonly name = 'ExpectFinished';
  constructor(
    private readonly c: AfterHello,
    private readonly info: PeerInfo,
    /** The server's CertificateVerify (full handshake) or the PSK it selected (resumption). */
    private readonly auth: SignatureVerified | PskAuthenticated,
    private readonly earlyAccepted: boolean,
  ) {}

  handle(msg: HandshakeMessage): State {
    expectMessage(msg, HandshakeType.finished, this.name);
    const { conn, transcript, schedule, suite, hello, params } = this.c;
    const crypto = conn.config.crypto;
    const verifyData = decodeFinished(msg.body, suite.hashLength);
    const proof = verifyFinished13(crypto, suite.hash, this.c.serverHsSecret, transcript.hash(), verifyData, 'server');
    transcript.add(msg.raw);
    // RFC 8446 §7.1: application secrets over the transcript through the server Finished.
    schedule.inputMasterSecret();
    const th = transcript.hash();
    const clientAp = schedule.clientApplicationTrafficSecret(th);
    const serverAp = schedule.serverApplicationTrafficSecret(th);
    const exporter = schedule.exporterMasterSecret(th);
    conn.keylog('CLIENT_TRAFFIC_SECRET_0', hello.random, clientAp);
    conn.keylog('SERVER_TRAFFIC_SECRET_0', hello.random, serverAp);
    conn.keylog('EXPORTER_SECRET', hello.random, exporter);
    conn.setReadProtector(new RecordProtector13(crypto, suite, serverAp));

    // RFC 8446 §4.5: accepted early data ends with EndOfEarlyData under the early keys; then (or when
    // the early data was rejected) the handshake keys.
    const early = this.c.early;
    if (early !== undefined) {
      if (this.earlyAccepted) sendRecorded(conn, transcript, endOfEarlyData());
      conn.setWriteProtector(new RecordProtector13(crypto, suite, this.c.clientHsSecret));
    }

    // Our second flight: the client certificate when asked (RFC 8446 §4.4.2), then Finished.
    const cr = this.info.certRequest;
    let clientCertSent = false;
    if (cr !== undefined) {
      const cert = conn.chosenCertificate ?? params.certificate;
      const scheme = cert === undefined ? undefined : chooseScheme(cert.key, cr.ext.signatureAlgorithms ?? [], conn.config.signatureSchemes, true);
      if (cert !== undefined && scheme !== undefined) {
        sendRecorded(conn, transcript, encodeCertificate13(cr.requestContext, cert.chain));
        conn.noteLocalCertificate(cert.chain[0]);
        const sig = signWithScheme(crypto, scheme, cert.key, certificateVerifyContent(false, transcript.hash()));
        sendRecorded(conn, transcript, encodeCertificateVerify(scheme, sig));
        clientCertSent = true;
      } else {
        // No certificate (or none that fits the server's algorithms): an empty Certificate.
        sendRecorded(conn, transcript, encodeCertificate13(cr.requestContext, []));
      }
    }
    sendRecorded(conn, transcript, encodeFinished(finishedVerifyData(crypto, suite.hash, this.c.clientHsSecret, transcript.hash())));
    conn.setWriteProtector(new RecordProtector13(crypto, suite, clientAp));
    const resumption = schedule.resumptionMasterSecret(transcript.hash());
    if (conn.tracing) conn.trace({ kind: 'finished', clientCertificateSent: clientCertSent, certificateRequested: cr !== undefined });

    const sink =
      params.onTicket ??
      ticketSink(conn, params.resumption, {
        suite,
        resumptionMasterSecret: resumption,
        alpn: this.info.alpn,
        serverName: params.serverName,
        peerCertificates: this.info.certificates,
        verifiedChain: this.info.verified?.chain,
      });
    const traffic = new Traffic13(
      conn,
      { suite, readSecret: serverAp, writeSecret: clientAp, exporterMasterSecret: exporter },
      proof,
      sink,
    );
    // Rejected early data goes out again first, now under the application keys (nothing is lost).
    if (early !== undefined && !this.earlyAccepted && early.sent.length > 0) conn.requeueFront(early.sent);
    conn.complete({
      version: 'TLSv1.3',
      cipherSuite: suite.suite,
      cipherName: suite.name,
      group: this.c.group,
      peerSignatureScheme: 'scheme' in this.auth ? this.auth.scheme : undefined,
      alpnProtocol: this.info.alpn,
      serverName: params.serverName,
      resumed: this.c.resumed !== undefined,
      peerCertificates: this.info.certificates,
      verifiedChain: this.info.verified?.chain,
      authorized: this.info.verifyError === undefined,
      authorizationError: this.info.verifyError,
      earlyData: early === undefined ? 'not sent' : this.earlyAccepted ? 'accepted' : 'rejected',
      ocspResponse: params.requestOcsp === true ? (this.info.ocspResponse ?? null) : undefined,
    });
    return traffic;
  }
}

