// The TLS 1.2 client handshake (RFC 5246 §7.3, RFC 8422, RFC 7627, RFC 5746, RFC 5077), entered from
// the shared ExpectServerHello when the server selects TLS 1.2. One state per expected message.
import { AlertDescription, CertificateType, ExtensionType as E, HandshakeType, ProtocolVersion, groupName, suiteName, versionName } from '../wire/iana.js';
import { DOWNGRADE_TLS11, DOWNGRADE_TLS12, type ClientHello, type ServerHello } from '../wire/hello.js';
import type { HandshakeMessage } from '../wire/handshake.js';
import {
  decodeCertificate12,
  decodeCertificateRequest12,
  decodeCertificateStatus,
  decodeEmptyMessage,
  decodeFinished12,
  decodeNewSessionTicket12,
  decodeServerKeyExchangeEcdhe,
  decodeServerKeyExchangePsk,
  encodeCertificate12,
  encodeClientKeyExchangeEcdhe,
  encodeClientKeyExchangePsk,
  encodeClientKeyExchangeRsa,
  encodeFinished12,
  pskPremaster,
  type CertificateRequest12,
} from '../wire/messages12.js';
import { encodeCertificateVerify } from '../wire/messages13.js';
import { TlsError, illegalParameter, unexpectedMessage } from '../errors.js';
import type { PublicKey } from '../crypto/provider.js';
import { finishedVerifyData12 } from '../keys/prf12.js';
import { suite12, type Suite12 } from '../keys/suites12.js';
import type { Engine, Next, State } from '../conn/engine.js';
import type { VerifiedPeer } from './verifier.js';
import { verifyFinished12, verifySignature12, type SignatureVerified } from './proofs.js';
import { chooseScheme, signWithScheme } from './schemes.js';
import { Traffic12 } from './traffic12.js';
import { encodeSession12, type Session12 } from './session12.js';
import { sessionEvent } from './session-event.js';
import { Transcript12, armCcs, deriveMaster12, protectors12, send12, type CcsBox, type Protectors12 } from './common12.js';
import { checkExternalPsk } from './external-psk.js';
import { bytesEqual, concatBytes } from '../wire/bytes.js';
import type { CertifiedKey } from '../conn/types.js';
import type { ClientPskCallback } from '../conn/config.js';
import { serverCertificateCheck, verifyPeerChain } from './peer-auth.js';
import { handshakeFailure, unsupportedExtension } from '../errors.js';
import { expectMessage } from '../wire/handshake.js';

export interface ClientParams12 {
  readonly serverName: string | undefined;
  readonly ip: string | undefined;
  readonly certificate: CertifiedKey | undefined;
  /** The TLS 1.2 session offered in the ClientHello (by session ID or ticket), if any. */
  readonly session12?: Session12 | undefined;
  /** status_request was sent (RFC 6066 §8). */
  readonly requestOcsp?: boolean;
  /** TLS-PSK: the key for a server that chooses a PSK suite (ClientConfig.psk). */
  readonly psk?: ClientPskCallback | undefined;
}

interface Negotiated {
  readonly conn: Engine;
  readonly params: ClientParams12;
  readonly transcript: Transcript12;
  readonly hello: ClientHello;
  readonly sh: ServerHello;
  readonly suite: Suite12;
  readonly ems: boolean;
  readonly etm: boolean;
  readonly alpn: string | undefined;
  readonly ticketExpected: boolean;
  /** RFC 6066 §8: the server acknowledged status_request, so a CertificateStatus may follow its Certificate. */
  readonly statusExpected: boolean;
}

interface ServerAuth {
  readonly certificates: readonly Uint8Array[];
  readonly key: PublicKey;
  readonly verified: VerifiedPeer | undefined;
  readonly verifyError: TlsError | undefined;
  /** The OCSP response of the server's CertificateStatus, when it sent one. */
  readonly ocspResponse?: Uint8Array | undefined;
}


/** RFC 5246 §7.4.1.1: a HelloRequest while negotiating is ignored (and is not part of the transcript). */
function isHelloRequest(msg: HandshakeMessage): boolean {
  if (msg.type !== HandshakeType.hello_request) return false;
  decodeEmptyMessage(msg.body, 'HelloRequest');
  return true;
}

/**
 * Handles a ServerHello without supported_versions: TLS 1.2 (or an older version, refused). `raw` holds
 * the ClientHello we sent, exactly as it went into the transcript.
 */
export function handleServerHello12(conn: Engine, params: ClientParams12, clientHelloRaw: readonly Uint8Array[], hello: ClientHello, msg: HandshakeMessage, sh: ServerHello, retried: boolean): State {
  const cfg = conn.config;
  // RFC 5246 §E.1 / RFC 8446 §4.2.1: SSL 3.0, TLS 1.0 and 1.1 are refused, as is 1.2 when not enabled.
  if (sh.legacyVersion !== ProtocolVersion.TLSv1_2 || cfg.suites12.length === 0) {
    throw new TlsError(
      'ERR_TLS_PROTOCOL_VERSION',
      AlertDescription.protocol_version,
      `the server chose ${versionName(sh.legacyVersion)}, but this client allows only ${cfg.suites12.length > 0 ? 'TLS 1.2 and 1.3' : 'TLS 1.3'}`,
    );
  }
  // RFC 8446 §4.1.4: after a HelloRetryRequest the server must continue with TLS 1.3.
  if (retried) throw illegalParameter('the server sent a HelloRetryRequest, then a TLS 1.2 ServerHello');
  // RFC 8446 §4.1.3: a client that offered TLS 1.3 checks the downgrade sentinel.
  if (cfg.suites13.length > 0) {
    const tail = sh.random.subarray(24);
    if (bytesEqual(tail, DOWNGRADE_TLS12) || bytesEqual(tail, DOWNGRADE_TLS11)) {
      throw illegalParameter('the server random carries the TLS 1.3 downgrade sentinel: an attacker may have removed TLS 1.3 from the handshake');
    }
  }
  if (!cfg.suites12.includes(sh.cipherSuite) || !hello.cipherSuites.includes(sh.cipherSuite)) {
    throw illegalParameter(`the server selected ${suiteName(sh.cipherSuite)}, which was not offered`);
  }
  const suite = suite12(sh.cipherSuite);
  if (suite === undefined) throw illegalParameter(`unknown TLS 1.2 suite ${suiteName(sh.cipherSuite)}`);
  // RFC 5246 §7.4.1.3: the compression method must be one we offered (null only).
  if (sh.compressionMethod !== 0) throw illegalParameter('the ServerHello selected a compression method that was not offered');
  // RFC 5246 §7.4.1.4: only extensions the client offered may come back.
  const offered = new Set(hello.extensions.map((e) => e.type));
  for (const e of sh.extensions) {
    if (!offered.has(e.type)) throw unsupportedExtension(`the server answered extension ${e.type}, which the client did not offer`);
    if (e.type === E.key_share || e.type === E.pre_shared_key || e.type === E.supported_versions) {
      throw illegalParameter(`TLS 1.3 extension ${e.type} in a TLS 1.2 ServerHello`);
    }
  }
  // RFC 5746 §3.4: the server's renegotiation_info must be present and empty in an initial handshake
  // (§4.1: a client may still connect to a legacy server, here only when the application allows it).
  if (sh.ext.renegotiationInfo === undefined && !cfg.legacyServerConnect) {
    throw handshakeFailure(
      'the server does not support secure renegotiation (RFC 5746): no renegotiation_info in its ServerHello (an old server; legacyServerConnect, or secureOptions SSL_OP_LEGACY_SERVER_CONNECT, connects anyway)',
    );
  }
  if (sh.ext.renegotiationInfo !== undefined && sh.ext.renegotiationInfo.length !== 0) throw handshakeFailure('the server sent a non-empty renegotiation_info in an initial handshake');
  const ems = sh.ext.extendedMasterSecret === true;
  if (!ems && cfg.requireExtendedMasterSecret) throw handshakeFailure('the server does not support the extended master secret (RFC 7627), which is required');
  // RFC 7366 §3: encrypt-then-MAC applies to CBC suites only.
  const etm = sh.ext.encryptThenMac === true && suite.cipher.kind === 'cbc';
  const chosenAlpn = sh.ext.alpn?.[0];
  if (chosenAlpn !== undefined && !cfg.alpn.includes(chosenAlpn)) throw illegalParameter(`the server selected ALPN protocol "${chosenAlpn}", which was not offered`);
  conn.setVersion(ProtocolVersion.TLSv1_2);
  // The TLS 1.3 compatibility CCS window closes: in TLS 1.2 ChangeCipherSpec is a real message.
  conn.allowCompatCcs(false);
  const transcript = new Transcript12(cfg.crypto, clientHelloRaw);
  transcript.add(msg.raw);
  const n: Negotiated = {
    conn,
    params,
    transcript,
    hello,
    sh,
    suite,
    ems,
    etm,
    alpn: chosenAlpn,
    ticketExpected: sh.ext.sessionTicket !== undefined,
    statusExpected: sh.ext.statusRequest === true,
  };
  const session = params.session12;
  // RFC 5246 §7.4.1.3 / RFC 5077 §3.4: the server resumes by echoing the session ID we sent.
  if (session !== undefined && hello.sessionId.length > 0 && bytesEqual(sh.sessionId, hello.sessionId)) {
    return resume(n, session);
  }
  if (conn.tracing) conn.trace({ kind: 'server-hello', version: 'TLSv1.2', cipher: suite.name, ems, etm, resumed: false });
  // RFC 4279 §2: a PSK suite has no Certificate; the ServerKeyExchange (hint, and ECDHE's params) may follow.
  if (suite.psk) return new ExpectPskServerKeyExchange(n);
  return new ExpectCertificate(n);
}

function resume(n: Negotiated, session: Session12): State {
  const { conn, suite, hello, sh } = n;
  if (session.suite !== suite.suite) throw illegalParameter('the server resumed the session with a different cipher suite');
  // RFC 7627 §5.3: a session made with the extended master secret resumes only with it, and vice versa.
  if (session.extendedMasterSecret !== n.ems) throw handshakeFailure('the resumed session and the ServerHello disagree on the extended master secret');
  const master = session.masterSecret;
  conn.keylog('CLIENT_RANDOM', hello.random, master);
  const keys = protectors12(conn.config.crypto, suite, master, hello.random, sh.random, n.etm);
  if (conn.tracing) conn.trace({ kind: 'server-hello', version: 'TLSv1.2', cipher: suite.name, ems: n.ems, etm: n.etm, resumed: true });
  const ccs = armCcs(conn, keys.serverWrite);
  return new ExpectServerFinished(n, { master, keys, ccs, resumed: session, auth: undefined, signature: undefined, ticket: undefined });
}

class ExpectCertificate implements State {
  readonly name = 'ExpectCertificate';
  constructor(private readonly n: Negotiated) {}

  handle(msg: HandshakeMessage): Next {
    if (isHelloRequest(msg)) return this;
    expectMessage(msg, HandshakeType.certificate, this.name);
    const certificates = decodeCertificate12(msg.body);
    // RFC 5246 §7.4.2: the server's certificate list is not empty.
    if (certificates.length === 0) throw new TlsError('ERR_TLS_DECODE_ERROR', AlertDescription.decode_error, 'the server sent no certificate');
    const { conn, params } = this.n;
    this.n.transcript.add(msg.raw);
    const verifier = conn.config.verifier;
    const key = verifier.leafPublicKey(certificates[0] as Uint8Array);
    const kx = this.n.suite.keyExchange;
    // RFC 5246 §7.4.2 / RFC 8422 §5.3: the certificate's key must fit the key exchange.
    const fits = kx === 'ecdhe_ecdsa' ? key.type === 'ec' || key.type === 'ed25519' || key.type === 'ed448' : key.type === 'rsa';
    if (!fits) throw new TlsError('ERR_TLS_UNSUPPORTED_CERTIFICATE', AlertDescription.unsupported_certificate, `a ${key.type} certificate cannot be used with ${this.n.suite.name}`);
    const check = serverCertificateCheck(conn, certificates, params.serverName, params.ip);
    return verifyPeerChain(conn, check, conn.config.rejectUnauthorized, (verified, error) => {
      const auth: ServerAuth = { certificates, key, verified, verifyError: error };
      const next = (a: ServerAuth): State => (kx === 'rsa' ? new ExpectCertificateRequestOrDone(this.n, a, undefined, undefined) : new ExpectServerKeyExchange(this.n, a));
      return this.n.statusExpected ? new ExpectCertificateStatus(this.n, auth, next) : next(auth);
    });
  }
}

/** RFC 6066 §8: after an acknowledged status_request, the server may send CertificateStatus right after its Certificate. */
class ExpectCertificateStatus implements State {
  readonly name = 'ExpectCertificateStatus';
  constructor(
    private readonly n: Negotiated,
    private readonly auth: ServerAuth,
    private readonly next: (auth: ServerAuth) => State,
  ) {}

  handle(msg: HandshakeMessage): Next {
    if (isHelloRequest(msg)) return this;
    // "MAY": a server that acknowledged the request can still send none.
    if (msg.type !== HandshakeType.certificate_status) return this.next(this.auth).handle(msg);
    // A copy: the summary keeps it for the connection's life, not the flight's buffer behind it.
    const ocspResponse = decodeCertificateStatus(msg.body).slice();
    this.n.transcript.add(msg.raw);
    return this.next({ ...this.auth, ocspResponse });
  }
}

interface ServerShare {
  readonly group: number;
  readonly publicKey: Uint8Array;
}

class ExpectServerKeyExchange implements State {
  readonly name = 'ExpectServerKeyExchange';
  constructor(
    private readonly n: Negotiated,
    private readonly auth: ServerAuth,
  ) {}

  handle(msg: HandshakeMessage): State {
    if (isHelloRequest(msg)) return this;
    expectMessage(msg, HandshakeType.server_key_exchange, this.name);
    const { conn, hello, sh } = this.n;
    const cfg = conn.config;
    const ske = decodeServerKeyExchangeEcdhe(msg.body);
    // RFC 8422 §5.4: the curve must be one the client offered.
    if (!cfg.groups.includes(ske.group)) throw illegalParameter(`the server chose ${groupName(ske.group)}, which was not offered`);
    // RFC 8422 §5.4: signed over client_random ‖ server_random ‖ ServerECDHParams.
    const proof = verifySignature12(cfg.crypto, this.auth.key, ske.scheme, ske.signature, cfg.signatureSchemes, concatBytes(hello.random, sh.random, ske.params), 'ServerKeyExchange');
    this.n.transcript.add(msg.raw);
    return new ExpectCertificateRequestOrDone(this.n, this.auth, { group: ske.group, publicKey: ske.publicKey }, proof);
  }
}

class ExpectCertificateRequestOrDone implements State {
  readonly name = 'ExpectCertificateRequestOrServerHelloDone';
  constructor(
    private readonly n: Negotiated,
    private readonly auth: ServerAuth,
    private readonly share: ServerShare | undefined,
    private readonly signature: SignatureVerified | undefined,
    private readonly request?: CertificateRequest12,
  ) {}

  handle(msg: HandshakeMessage): State {
    if (isHelloRequest(msg)) return this;
    if (msg.type === HandshakeType.certificate_request && this.request === undefined) {
      const cr = decodeCertificateRequest12(msg.body);
      this.n.transcript.add(msg.raw);
      this.n.conn.notePeerSignatureSchemes(cr.signatureAlgorithms);
      if (this.n.conn.tracing) this.n.conn.trace({ kind: 'certificate-request', schemes: cr.signatureAlgorithms.length, authorities: cr.authorities.length });
      return new ExpectCertificateRequestOrDone(this.n, this.auth, this.share, this.signature, cr);
    }
    expectMessage(msg, HandshakeType.server_hello_done, this.name);
    decodeEmptyMessage(msg.body, 'ServerHelloDone');
    this.n.transcript.add(msg.raw);
    return sendClientFlight(this.n, this.auth, this.share, this.signature, this.request);
  }
}

function sendClientFlight(n: Negotiated, auth: ServerAuth, share: ServerShare | undefined, signature: SignatureVerified | undefined, cr: CertificateRequest12 | undefined): State {
  const { conn, transcript, hello, sh, suite, params } = n;
  const cfg = conn.config;
  const crypto = cfg.crypto;
  // RFC 5246 §7.4.6: the client's Certificate (possibly empty) when asked.
  let signWith: { cert: CertifiedKey; scheme: number } | undefined;
  if (cr !== undefined) {
    const cert = conn.chosenCertificate ?? params.certificate;
    const scheme = cert === undefined ? undefined : chooseScheme(cert.key, cr.signatureAlgorithms, cfg.signatureSchemes, false);
    const typeOk = cert !== undefined && (cr.certificateTypes.includes(cert.key.type === 'rsa' ? CertificateType.rsa_sign : CertificateType.ecdsa_sign));
    if (cert !== undefined && scheme !== undefined && typeOk) signWith = { cert, scheme };
    send12(conn, transcript, encodeCertificate12(signWith?.cert.chain ?? []));
    conn.noteLocalCertificate(signWith?.cert.chain[0]);
  }
  let pms: Uint8Array;
  if (share !== undefined) {
    // RFC 8422 §5.7 / §5.10: our ephemeral point; the premaster secret is the x-coordinate (or X25519 output).
    const kx = crypto.keyExchange(share.group);
    pms = kx.deriveSecret(share.publicKey);
    send12(conn, transcript, encodeClientKeyExchangeEcdhe(kx.publicKey));
  } else {
    // RFC 5246 §7.4.7.1: client_version ‖ 46 random bytes, PKCS#1 v1.5-encrypted to the server's key.
    pms = cfg.random(48);
    pms[0] = hello.legacyVersion >>> 8;
    pms[1] = hello.legacyVersion & 0xff;
    send12(conn, transcript, encodeClientKeyExchangeRsa(crypto.rsaEncryptPkcs1(auth.key, pms)));
  }
  const master = deriveMaster12(crypto, suite, pms, n.ems, transcript, hello.random, sh.random);
  conn.keylog('CLIENT_RANDOM', hello.random, master);
  if (signWith !== undefined) {
    // RFC 5246 §7.4.8: CertificateVerify signs every handshake message so far.
    const sig = signWithScheme(crypto, signWith.scheme, signWith.cert.key, transcript.bytes());
    send12(conn, transcript, encodeCertificateVerify(signWith.scheme, sig));
  }
  const keys = protectors12(crypto, suite, master, hello.random, sh.random, n.etm);
  conn.sendChangeCipherSpec();
  conn.setWriteProtector(keys.clientWrite);
  send12(conn, transcript, encodeFinished12(finishedVerifyData12(crypto, suite.prfHash, master, 'client', transcript.hash(suite.prfHash))));
  if (conn.tracing) conn.trace({ kind: 'finished', clientCertificateSent: signWith !== undefined, certificateRequested: cr !== undefined });
  const ccs = armCcs(conn, keys.serverWrite);
  return new ExpectServerFinished(n, { master, keys, ccs, resumed: undefined, auth, signature, ticket: undefined, group: share?.group });
}

/**
 * RFC 4279 §2 / RFC 5489 §2: after the ServerHello of a PSK suite, a ServerKeyExchange with the
 * identity hint (optional for plain PSK, required for ECDHE_PSK, whose ECDH parameters it carries
 * unsigned), then ServerHelloDone. No Certificate and no CertificateRequest.
 */
class ExpectPskServerKeyExchange implements State {
  readonly name = 'ExpectServerKeyExchange';
  constructor(
    private readonly n: Negotiated,
    private readonly hint?: Uint8Array,
    private readonly share?: ServerShare,
  ) {}

  handle(msg: HandshakeMessage): State {
    if (isHelloRequest(msg)) return this;
    const { conn, suite } = this.n;
    const ecdhe = suite.keyExchange === 'ecdhe_psk';
    const seen = this.hint !== undefined;
    if (msg.type === HandshakeType.server_key_exchange && !seen) {
      const ske = decodeServerKeyExchangePsk(msg.body, ecdhe);
      const share = ske.ecdhe;
      // RFC 8422 §5.4: the curve must be one the client offered.
      if (share !== undefined && !conn.config.groups.includes(share.group)) throw illegalParameter(`the server chose ${groupName(share.group)}, which was not offered`);
      this.n.transcript.add(msg.raw);
      return new ExpectPskServerKeyExchange(this.n, ske.hint, share);
    }
    // RFC 5489 §2: ECDHE_PSK always sends its parameters.
    if (ecdhe && !seen) expectMessage(msg, HandshakeType.server_key_exchange, this.name);
    expectMessage(msg, HandshakeType.server_hello_done, 'ExpectServerHelloDone');
    decodeEmptyMessage(msg.body, 'ServerHelloDone');
    this.n.transcript.add(msg.raw);
    return sendPskClientFlight(this.n, this.hint, this.share);
  }
}

function sendPskClientFlight(n: Negotiated, hint: Uint8Array | undefined, share: ServerShare | undefined): State {
  const { conn, transcript, hello, sh, suite, params } = n;
  const crypto = conn.config.crypto;
  // RFC 4279 §5.2: an empty hint is no hint.
  const psk = params.psk?.(hint !== undefined && hint.length > 0 ? hint : undefined);
  if (psk === undefined) {
    throw new TlsError('ERR_TLS_PSK_NO_KEY', AlertDescription.handshake_failure, `the server chose ${suite.name}, a pre-shared key suite, and there is no pre-shared key for it`);
  }
  checkExternalPsk(psk.identity, psk.key);
  let other: Uint8Array | undefined;
  if (share !== undefined) {
    // RFC 5489 §2: the ECDH shared secret is the "other secret" of the premaster.
    const kx = crypto.keyExchange(share.group);
    other = kx.deriveSecret(share.publicKey);
    send12(conn, transcript, encodeClientKeyExchangePsk(psk.identity, kx.publicKey));
  } else {
    send12(conn, transcript, encodeClientKeyExchangePsk(psk.identity));
  }
  const master = deriveMaster12(crypto, suite, pskPremaster(psk.key, other), n.ems, transcript, hello.random, sh.random);
  conn.keylog('CLIENT_RANDOM', hello.random, master);
  const keys = protectors12(crypto, suite, master, hello.random, sh.random, n.etm);
  conn.sendChangeCipherSpec();
  conn.setWriteProtector(keys.clientWrite);
  send12(conn, transcript, encodeFinished12(finishedVerifyData12(crypto, suite.prfHash, master, 'client', transcript.hash(suite.prfHash))));
  if (conn.tracing) conn.trace({ kind: 'finished', clientCertificateSent: false, certificateRequested: false });
  const ccs = armCcs(conn, keys.serverWrite);
  // The server proves it holds the same key by its Finished: nothing else to authenticate.
  return new ExpectServerFinished(n, { master, keys, ccs, resumed: undefined, auth: undefined, signature: undefined, ticket: undefined, group: share?.group });
}

interface Finishing {
  readonly master: Uint8Array;
  readonly keys: Protectors12;
  readonly ccs: CcsBox;
  readonly resumed: Session12 | undefined;
  readonly auth: ServerAuth | undefined;
  readonly signature: SignatureVerified | undefined;
  readonly ticket: { readonly lifetimeHint: number; readonly ticket: Uint8Array } | undefined;
  readonly group?: number | undefined;
}

/** Expects [NewSessionTicket], then (after the ChangeCipherSpec) the server's Finished. */
class ExpectServerFinished implements State {
  readonly name = 'ExpectFinished';
  constructor(
    private readonly n: Negotiated,
    private readonly f: Finishing,
  ) {}

  handle(msg: HandshakeMessage): State {
    if (isHelloRequest(msg)) return this;
    const { conn, transcript, suite, hello, sh, params } = this.n;
    const crypto = conn.config.crypto;
    if (msg.type === HandshakeType.new_session_ticket && this.n.ticketExpected && this.f.ticket === undefined && !this.f.ccs.received) {
      // RFC 5077 §3.3: NewSessionTicket comes before the server's ChangeCipherSpec.
      const t = decodeNewSessionTicket12(msg.body);
      transcript.add(msg.raw);
      return new ExpectServerFinished(this.n, { ...this.f, ticket: t });
    }
    expectMessage(msg, HandshakeType.finished, this.name);
    // RFC 5246 §7.4.9: Finished comes right after the ChangeCipherSpec.
    if (!this.f.ccs.received) throw unexpectedMessage('Finished before ChangeCipherSpec');
    const received = decodeFinished12(msg.body);
    const expected = finishedVerifyData12(crypto, suite.prfHash, this.f.master, 'server', transcript.hash(suite.prfHash));
    const proof = verifyFinished12(crypto, expected, received, 'server');
    transcript.add(msg.raw);
    const resumed = this.f.resumed;
    if (resumed !== undefined) {
      // Abbreviated handshake (RFC 5246 §7.3): our ChangeCipherSpec and Finished come second.
      conn.sendChangeCipherSpec();
      conn.setWriteProtector(this.f.keys.clientWrite);
      send12(conn, transcript, encodeFinished12(finishedVerifyData12(crypto, suite.prfHash, this.f.master, 'client', transcript.hash(suite.prfHash))));
    }
    const traffic = new Traffic12(conn, { suite, masterSecret: this.f.master, clientRandom: hello.random, serverRandom: sh.random }, proof);
    const auth = this.f.auth;
    const peerCertificates = auth?.certificates ?? resumed?.peerCertificates ?? [];
    conn.complete({
      version: 'TLSv1.2',
      cipherSuite: suite.suite,
      cipherName: suite.name,
      group: this.f.group,
      peerSignatureScheme: this.f.signature?.scheme,
      alpnProtocol: this.n.alpn ?? (resumed !== undefined ? resumed.alpn : undefined),
      serverName: params.serverName,
      resumed: resumed !== undefined,
      peerCertificates,
      verifiedChain: auth?.verified?.chain,
      authorized: auth === undefined ? true : auth.verifyError === undefined,
      authorizationError: auth?.verifyError,
      earlyData: 'not sent',
      ocspResponse: params.requestOcsp === true ? (auth?.ocspResponse ?? null) : undefined,
    });
    // The session the application can hand back as `session` (node:tls's 'session' event).
    const ticket = this.f.ticket;
    const sessionId = ticket !== undefined ? new Uint8Array(0) : sh.sessionId;
    if (sessionId.length > 0 || ticket !== undefined || (resumed !== undefined && resumed.ticket !== undefined)) {
      const session: Session12 = {
        suite: suite.suite,
        masterSecret: this.f.master,
        extendedMasterSecret: this.n.ems,
        sessionId: resumed !== undefined && ticket === undefined ? resumed.sessionId : sessionId,
        ticket: ticket !== undefined && ticket.ticket.length > 0 ? ticket.ticket : resumed?.ticket,
        serverName: params.serverName,
        alpn: this.n.alpn,
        peerCertificates,
        createdAt: resumed?.createdAt ?? conn.config.now(),
        lifetime: ticket !== undefined && ticket.lifetimeHint > 0 ? ticket.lifetimeHint : resumed?.lifetime ?? 300,
      };
      conn.emit(sessionEvent(session, encodeSession12));
    }
    return traffic;
  }
}
