// The TLS 1.2 server handshake (RFC 5246 §7.3, RFC 8422, RFC 7627, RFC 5746, RFC 5077), entered from
// ExpectClientHello when TLS 1.2 is negotiated. Full handshakes with ECDHE or RSA key transport, and
// abbreviated ones from the session cache or a ticket. One state per expected message.
import { AlertDescription, CertificateType, CipherSuite, HandshakeType, NamedGroup, ProtocolVersion, groupName, schemeName, suiteName } from '../wire/iana.js';
import { DOWNGRADE_TLS12, encodeServerHello, type ClientHello } from '../wire/hello.js';
import { ext as X, type Extension } from '../wire/extensions.js';
import type { HandshakeMessage } from '../wire/handshake.js';
import {
  decodeCertificate12,
  decodeClientKeyExchangeEcdhe,
  decodeClientKeyExchangePsk,
  decodeClientKeyExchangeRsa,
  decodeFinished12,
  encodeCertificate12,
  encodeCertificateStatus,
  encodeCertificateRequest12,
  encodeEcdheParams,
  encodeFinished12,
  encodeNewSessionTicket12,
  encodeServerHelloDone,
  encodeServerKeyExchangeEcdhe,
  encodeServerKeyExchangePsk,
  pskPremaster,
} from '../wire/messages12.js';
import { decodeCertificateVerify } from '../wire/messages13.js';
import { TlsError, illegalParameter, unexpectedMessage } from '../errors.js';
import type { KeyExchange, PublicKey } from '../crypto/provider.js';
import { finishedVerifyData12 } from '../keys/prf12.js';
import { suite12, type Suite12 } from '../keys/suites12.js';
import type { Engine, Next, State } from '../conn/engine.js';
import type { CertifiedKey } from '../conn/types.js';
import type { VerifiedPeer } from './verifier.js';
import { verifyFinished12, verifySignature12, type SignatureVerified } from './proofs.js';
import { chooseScheme, keyFitsScheme, signWithScheme } from './schemes.js';
import { Traffic12 } from './traffic12.js';
import { chooseAlpn, serverCandidates, stapledOcsp, type ServerParams } from './server13.js';
import { decodeSession12, encodeSession12, sessionFresh, type Session12 } from './session12.js';
import type { SessionStore12 } from './session-cache.js';
import type { TicketSealer } from './ticket-keys.js';
import { decryptPremaster } from '../keys/rsa-kex.js';
import { Transcript12, armCcs, deriveMaster12, protectors12, send12, type CcsBox, type Protectors12 } from './common12.js';
import { checkExternalPsk } from './external-psk.js';
import { concatBytes } from '../wire/bytes.js';
import { clientCertificateCheck, verifyPeerChain } from './peer-auth.js';
import { handshakeFailure } from '../errors.js';
import { expectMessage } from '../wire/handshake.js';

/** The server's parameters, with what TLS 1.2 resumption needs. */
export interface ServerParams12 extends ServerParams {
  readonly sessionCache?: SessionStore12 | undefined;
  readonly ticketSealer?: TicketSealer | undefined;
  /** Seconds a session may be resumed (cache entries and tickets). */
  readonly sessionTimeout?: number | undefined;
}

interface Negotiated {
  readonly conn: Engine;
  readonly params: ServerParams12;
  readonly transcript: Transcript12;
  readonly hello: ClientHello;
  readonly serverRandom: Uint8Array;
  readonly sessionId: Uint8Array;
  readonly ems: boolean;
  readonly alpn: string | undefined;
  /** The client offered session_ticket and we can seal tickets. */
  readonly issueTicket: boolean;
  /** The client signalled RFC 5746 support (renegotiation_info or the SCSV). */
  readonly secureReneg: boolean;
}

interface Chosen {
  readonly suite: Suite12;
  /** Undefined for a PSK suite (RFC 4279: no certificate). */
  readonly cert: CertifiedKey | undefined;
  /** ECDHE only. */
  readonly group: number | undefined;
  readonly scheme: number | undefined;
}

interface ClientAuth {
  readonly certificates: readonly Uint8Array[];
  readonly key: PublicKey | undefined;
  readonly verified: VerifiedPeer | undefined;
  readonly error: TlsError | undefined;
  readonly signature: SignatureVerified | undefined;
}

const NO_CLIENT_AUTH: ClientAuth = { certificates: [], key: undefined, verified: undefined, error: undefined, signature: undefined };


/**
 * Handles a ClientHello that negotiated TLS 1.2. `could13`: TLS 1.3 is enabled on this server, so the
 * random carries the downgrade sentinel (RFC 8446 §4.1.3).
 */
export function handleClientHello12(conn: Engine, params: ServerParams12, msg: HandshakeMessage, hello: ClientHello, could13: boolean): Next {
  const cfg = conn.config;
  // RFC 5246 §7.4.1.2: the null compression method must be offered (RFC 8446 §4.1.2 names the alert).
  if (!hello.compressionMethods.includes(0)) throw illegalParameter('the ClientHello does not offer the null compression method');
  // RFC 7507 §3: a fallback retry to a version below our highest is refused.
  if (hello.cipherSuites.includes(CipherSuite.TLS_FALLBACK_SCSV) && cfg.maxVersion > ProtocolVersion.TLSv1_2) {
    throw new TlsError('ERR_TLS_INAPPROPRIATE_FALLBACK', AlertDescription.inappropriate_fallback, 'the client retried with TLS_FALLBACK_SCSV although the server supports a higher version: a downgrade attack or a broken network');
  }
  // RFC 5746 §3.6: renegotiation_info must be empty in an initial handshake.
  const reneg = hello.ext.renegotiationInfo;
  if (reneg !== undefined && reneg.length !== 0) throw handshakeFailure('the ClientHello has a non-empty renegotiation_info in an initial handshake');
  const secureReneg = reneg !== undefined || hello.cipherSuites.includes(CipherSuite.TLS_EMPTY_RENEGOTIATION_INFO_SCSV);
  const ems = hello.ext.extendedMasterSecret === true;
  if (!ems && cfg.requireExtendedMasterSecret) throw handshakeFailure('the client does not offer the extended master secret (RFC 7627), which this server requires');
  const alpn = chooseAlpn(conn, hello, params.alpnCallback);
  conn.notePeerSignatureSchemes(hello.ext.signatureAlgorithms);
  const serverRandom = cfg.random(32);
  if (could13) serverRandom.set(DOWNGRADE_TLS12, 24);
  conn.setVersion(ProtocolVersion.TLSv1_2);
  const transcript = new Transcript12(cfg.crypto, [msg.raw]);
  const issueTicket = hello.ext.sessionTicket !== undefined && params.ticketSealer !== undefined && cfg.tickets12;
  // TLS 1.2: a ChangeCipherSpec is a real message from here on, never the TLS 1.3 compatibility one.
  conn.allowCompatCcs(false);
  const base = { conn, params, transcript, hello, serverRandom, ems, alpn, issueTicket, secureReneg };

  const found = findSession(conn, params, hello, ems);
  const go = (resumed: Found): Next => {
    if (resumed !== undefined) return resume({ ...base, sessionId: hello.sessionId }, resumed.session, resumed.byTicket);
    return fullHandshakeFor(base);
  };
  return found instanceof Promise ? found.then(go) : go(found);
}

type Found = { session: Session12; byTicket: boolean } | undefined;

/** A full handshake: a new session, the certificate (SNI callback first), the OCSP staple, the server's flight. */
function fullHandshakeFor(base: Omit<Negotiated, 'sessionId'>): Next {
  const { conn, params, hello } = base;
  const cfg = conn.config;
  // A new session ID when a cache can find it again (RFC 5246 §7.4.1.3); a ticket needs none.
  const sessionId = params.sessionCache !== undefined ? cfg.random(32) : new Uint8Array(0);
  const n: Negotiated = { ...base, sessionId };
  const serverName = hello.ext.serverName;
  const start = (preferred: CertifiedKey | undefined): Next => {
    const chosen = choose(n, preferred);
    // The ServerHello acknowledges status_request only when a CertificateStatus will follow (RFC 6066 §8).
    const ocsp = chosen.cert === undefined ? undefined : stapledOcsp(params, hello, chosen.cert);
    if (ocsp instanceof Promise) return ocsp.then((o) => fullHandshake(n, chosen, o));
    return fullHandshake(n, chosen, ocsp);
  };
  if (params.sniCallback !== undefined && serverName !== undefined) {
    const chosen = params.sniCallback(serverName);
    if (chosen instanceof Promise) return chosen.then(start);
    return start(chosen);
  }
  return start(undefined);
}

/**
 * A resumable session from the ticket (RFC 5077 §3.2) or the session ID (RFC 5246 §7.4.1.2); a
 * Promise when the session store answers asynchronously (a store that fails fails the handshake).
 */
function findSession(conn: Engine, params: ServerParams12, hello: ClientHello, ems: boolean): Found | Promise<Found> {
  const cfg = conn.config;
  const now = cfg.now();
  const usable = (s: Session12 | undefined): s is Session12 =>
    s !== undefined &&
    sessionFresh(s, now) &&
    cfg.suites12.includes(s.suite) &&
    hello.cipherSuites.includes(s.suite) &&
    // RFC 7627 §5.3: an EMS session resumes only with EMS; a non-EMS session gets a full handshake when
    // the client now offers EMS, and is refused outright when it does not (we never resume without EMS).
    s.extendedMasterSecret &&
    ems &&
    s.serverName === hello.ext.serverName;
  const ticket = hello.ext.sessionTicket;
  if (ticket !== undefined && ticket.length > 0 && params.ticketSealer !== undefined && conn.config.tickets12 && hello.sessionId.length > 0) {
    const plain = params.ticketSealer.open(ticket);
    const s = plain === undefined ? undefined : decodeSession12(plain);
    if (usable(s)) return { session: s, byTicket: true };
  }
  if (hello.sessionId.length > 0 && params.sessionCache !== undefined) {
    const byId = (stored: Uint8Array | undefined): Found => {
      const s = stored === undefined ? undefined : decodeSession12(stored);
      return usable(s) ? { session: s, byTicket: false } : undefined;
    };
    let stored: Uint8Array | undefined | Promise<Uint8Array | undefined>;
    try {
      stored = params.sessionCache.get(hello.sessionId, now);
    } catch (e) {
      throw sessionStoreFailed(e);
    }
    if (stored instanceof Promise) {
      return stored.then(byId, (e: unknown) => {
        throw sessionStoreFailed(e);
      });
    }
    return byId(stored);
  }
  return undefined;
}

function sessionStoreFailed(e: unknown): TlsError {
  return new TlsError('ERR_TLS_SESSION_STORE_FAILED', AlertDescription.internal_error, `the server's session store failed to look up the session: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

/** RFC 7366 §3: encrypt-then-MAC when the client offers it, we allow it, and the suite is CBC. */
function useEtm(conn: Engine, hello: ClientHello, suite: Suite12): boolean {
  return conn.config.encryptThenMac && hello.ext.encryptThenMac === true && suite.cipher.kind === 'cbc';
}

function serverHelloExtensions(n: Negotiated, suite: Suite12, ecdhe: boolean, ticket: boolean, resumed: boolean): Extension[] {
  const { hello } = n;
  // RFC 5746 §3.6: an empty renegotiation_info when the client signalled support.
  const exts: Extension[] = n.secureReneg ? [X.renegotiationInfo()] : [];
  if (n.ems) exts.push(X.extendedMasterSecret());
  // RFC 7366 §3: encrypt-then-MAC only for a CBC suite.
  if (useEtm(n.conn, hello, suite)) exts.push(X.encryptThenMac());
  // RFC 8422 §5.2: ec_point_formats in reply to the client's, for an ECC suite.
  if (ecdhe && hello.ext.ecPointFormats !== undefined) exts.push(X.ecPointFormats([0]));
  if (ticket) exts.push(X.sessionTicket());
  if (n.alpn !== undefined) exts.push(X.alpn([n.alpn]));
  // RFC 6066 §3: the empty server_name acknowledgement, never when resuming.
  if (hello.ext.serverName !== undefined && !resumed) exts.push(X.serverNameAck());
  return exts;
}

function sendServerHello(n: Negotiated, suite: Suite12, exts: Extension[]): void {
  send12(
    n.conn,
    n.transcript,
    encodeServerHello({ legacyVersion: ProtocolVersion.TLSv1_2, random: n.serverRandom, sessionId: n.sessionId, cipherSuite: suite.suite, compressionMethod: 0, extensions: exts }),
  );
}

function resume(n: Negotiated, session: Session12, byTicket: boolean): State {
  const { conn, hello } = n;
  const crypto = conn.config.crypto;
  const suite = suite12(session.suite);
  if (suite === undefined) throw new Error('unreachable: resumable session with an unknown suite');
  const etm = useEtm(conn, hello, suite);
  sendServerHello(n, suite, serverHelloExtensions(n, suite, false, false, true));
  const master = session.masterSecret;
  conn.keylog('CLIENT_RANDOM', hello.random, master);
  const keys = protectors12(crypto, suite, master, hello.random, n.serverRandom, etm);
  // RFC 5246 §7.3: in the abbreviated handshake the server sends ChangeCipherSpec and Finished first.
  conn.sendChangeCipherSpec();
  conn.setWriteProtector(keys.serverWrite);
  send12(conn, n.transcript, encodeFinished12(finishedVerifyData12(crypto, suite.prfHash, master, 'server', n.transcript.hash(suite.prfHash))));
  if (conn.tracing) conn.trace({ kind: 'server-hello', version: 'TLSv1.2', cipher: suite.name, resumed: true, byTicket });
  const ccs = armCcs(conn, keys.clientWrite);
  return new ExpectClientFinished(n, { suite, master, keys, ccs, group: undefined, scheme: undefined, auth: { ...NO_CLIENT_AUTH, certificates: session.peerCertificates }, resumed: session });
}

/** RFC 5246 §7.4.1.4.1 / RFC 8422 §5.1: our preferred suite that a certificate of ours can serve. */
function choose(n: Negotiated, preferred: CertifiedKey | undefined): Chosen {
  const { conn, hello, params } = n;
  const cfg = conn.config;
  // As in TLS 1.3: the application's choice (setCertificate), or the SNI callback's first.
  const certs = serverCandidates(conn, params.certificates, preferred, hello.ext.serverName);
  const clientGroups = hello.ext.supportedGroups ?? [NamedGroup.secp256r1, NamedGroup.secp384r1];
  const group = cfg.groups.find((g) => clientGroups.includes(g));
  const sigAlgs = hello.ext.signatureAlgorithms ?? [];
  for (const s of cfg.suites12) {
    if (!hello.cipherSuites.includes(s)) continue;
    const suite = suite12(s);
    if (suite === undefined) continue;
    if (suite.psk) {
      // RFC 4279 / RFC 5489: no certificate; ECDHE_PSK needs a group in common.
      if (params.psk === undefined) continue;
      if (suite.keyExchange === 'psk') return { suite, cert: undefined, group: undefined, scheme: undefined };
      if (group !== undefined) return { suite, cert: undefined, group, scheme: undefined };
      continue;
    }
    if (suite.keyExchange === 'rsa') {
      // RFC 5246 §7.4.2: an RSA key for key transport; no signature (and no signature_algorithms) needed.
      const cert = certs.find((c) => c.key.type === 'rsa');
      if (cert !== undefined) return { suite, cert, group: undefined, scheme: undefined };
      continue;
    }
    if (group === undefined) continue;
    for (const cert of certs) {
      const t = cert.key.type;
      const fits = suite.keyExchange === 'ecdhe_rsa' ? t === 'rsa' : t === 'ed25519' || (t === 'ec' && (hello.ext.supportedGroups === undefined || curveOffered(cert.key.curve, clientGroups)));
      if (!fits) continue;
      const scheme = chooseScheme(cert.key, sigAlgs, cfg.signatureSchemes, false);
      if (scheme !== undefined) return { suite, cert, group, scheme };
    }
  }
  const pskOffered = hello.cipherSuites.some((s) => suite12(s)?.psk === true);
  throw handshakeFailure(
    `no TLS 1.2 cipher suite in common for the certificates of this server (client offered ${hello.cipherSuites.map(suiteName).join(', ')}; signature algorithms ${sigAlgs.map(schemeName).join(', ') || 'none'})` +
      (pskOffered && !cfg.suites12.some((s) => suite12(s)?.psk === true) ? '; PSK suites are chosen only when named in the cipher suites, with a pre-shared key' : ''),
  );
}

/** RFC 8422 §5.1: an ECDSA certificate's curve must be among the client's supported groups. */
function curveOffered(curve: string | undefined, groups: readonly number[]): boolean {
  const g = curve === 'P-256' ? NamedGroup.secp256r1 : curve === 'P-384' ? NamedGroup.secp384r1 : curve === 'P-521' ? NamedGroup.secp521r1 : undefined;
  return g !== undefined && groups.includes(g);
}

function fullHandshake(n: Negotiated, chosen: Chosen, ocspResponse: Uint8Array | undefined): State {
  const { conn, hello, params, transcript } = n;
  const cfg = conn.config;
  const crypto = cfg.crypto;
  const { suite } = chosen;
  const ecdhe = suite.keyExchange !== 'rsa' && suite.keyExchange !== 'psk';
  const exts = serverHelloExtensions(n, suite, ecdhe, n.issueTicket, false);
  if (ocspResponse !== undefined) exts.push(X.statusRequestAck());
  sendServerHello(n, suite, exts);
  if (chosen.cert === undefined) return pskServerFlight(n, chosen);
  send12(conn, transcript, encodeCertificate12(chosen.cert.chain));
  conn.noteLocalCertificate(chosen.cert.chain[0]);
  // RFC 6066 §8: CertificateStatus immediately after the Certificate.
  if (ocspResponse !== undefined) send12(conn, transcript, encodeCertificateStatus(ocspResponse));
  let kx: KeyExchange | undefined;
  if (ecdhe && chosen.group !== undefined && chosen.scheme !== undefined) {
    // RFC 8422 §5.4: ServerECDHParams, signed over both randoms and the params.
    kx = crypto.keyExchange(chosen.group);
    const paramsBytes = encodeEcdheParams(chosen.group, kx.publicKey);
    const sig = signWithScheme(crypto, chosen.scheme, chosen.cert.key, concatBytes(hello.random, n.serverRandom, paramsBytes));
    send12(conn, transcript, encodeServerKeyExchangeEcdhe(paramsBytes, chosen.scheme, sig));
  }
  if (params.requestCert) {
    // RFC 5246 §7.4.4: certificate types, signature algorithms and the CAs we trust.
    const anchors = params.certificateAuthorities ?? cfg.verifier.anchorSubjects();
    const total = anchors.reduce((s, a) => s + a.length + 2, 0);
    send12(
      conn,
      transcript,
      encodeCertificateRequest12({
        certificateTypes: [CertificateType.rsa_sign, CertificateType.ecdsa_sign],
        signatureAlgorithms: cfg.signatureSchemes,
        authorities: total <= 0xffff ? anchors : [],
      }),
    );
  }
  send12(conn, transcript, encodeServerHelloDone());
  conn.allowCompatCcs(false);
  if (conn.tracing) {
    conn.trace({
      kind: 'server-hello',
      version: 'TLSv1.2',
      cipher: suite.name,
      group: chosen.group === undefined ? undefined : groupName(chosen.group),
      scheme: chosen.scheme === undefined ? undefined : schemeName(chosen.scheme),
      ems: n.ems,
      resumed: false,
    });
  }
  if (params.requestCert) return new ExpectClientCertificate(n, chosen, kx);
  return new ExpectClientKeyExchange(n, chosen, kx, NO_CLIENT_AUTH);
}

/**
 * RFC 4279 §2 / RFC 5489 §2: after the ServerHello of a PSK suite, the ServerKeyExchange (the identity
 * hint; for ECDHE_PSK always, with the unsigned ECDH parameters) and ServerHelloDone. No Certificate,
 * no CertificateRequest: the pre-shared key authenticates both sides.
 */
function pskServerFlight(n: Negotiated, chosen: Chosen): State {
  const { conn, transcript, params } = n;
  const hint = params.psk?.hint ?? new Uint8Array(0);
  let kx: KeyExchange | undefined;
  if (chosen.group !== undefined) {
    kx = conn.config.crypto.keyExchange(chosen.group);
    send12(conn, transcript, encodeServerKeyExchangePsk(hint, encodeEcdheParams(chosen.group, kx.publicKey)));
  } else if (hint.length > 0) {
    send12(conn, transcript, encodeServerKeyExchangePsk(hint));
  }
  send12(conn, transcript, encodeServerHelloDone());
  conn.allowCompatCcs(false);
  if (conn.tracing) {
    conn.trace({ kind: 'server-hello', version: 'TLSv1.2', cipher: chosen.suite.name, group: chosen.group === undefined ? undefined : groupName(chosen.group), ems: n.ems, resumed: false });
  }
  return new ExpectClientKeyExchange(n, chosen, kx, NO_CLIENT_AUTH);
}

class ExpectClientCertificate implements State {
  readonly name = 'ExpectCertificate';
  constructor(
    private readonly n: Negotiated,
    private readonly chosen: Chosen,
    private readonly kx: KeyExchange | undefined,
  ) {}

  handle(msg: HandshakeMessage): Next {
    expectMessage(msg, HandshakeType.certificate, this.name);
    const { conn, params, transcript } = this.n;
    const certificates = decodeCertificate12(msg.body);
    transcript.add(msg.raw);
    if (certificates.length === 0) {
      // A server that requires a certificate aborts with handshake_failure in TLS 1.2, as OpenSSL does
      // (ssl/statem/statem_srvr.c, tls_process_client_certificate: SSL_AD_HANDSHAKE_FAILURE,
      // "peer did not return a certificate"); TLS 1.3 has certificate_required for this.
      const error = new TlsError('ERR_TLS_CERT_REQUIRED', AlertDescription.handshake_failure, 'the client did not send a certificate, and the server requires one');
      if (params.requireCert) throw error;
      if (conn.tracing) conn.trace({ kind: 'certificate', peer: 'client', count: 0, verified: false, error: error.code });
      return new ExpectClientKeyExchange(this.n, this.chosen, this.kx, { ...NO_CLIENT_AUTH, error });
    }
    const verifier = conn.config.verifier;
    const key = verifier.leafPublicKey(certificates[0] as Uint8Array);
    return verifyPeerChain(conn, clientCertificateCheck(conn, certificates), params.requireCert, (verified, error) =>
      new ExpectClientKeyExchange(this.n, this.chosen, this.kx, { certificates, key, verified, error, signature: undefined }),
    );
  }
}

class ExpectClientKeyExchange implements State {
  readonly name = 'ExpectClientKeyExchange';
  constructor(
    private readonly n: Negotiated,
    private readonly chosen: Chosen,
    private readonly kx: KeyExchange | undefined,
    private readonly auth: ClientAuth,
  ) {}

  handle(msg: HandshakeMessage): State {
    expectMessage(msg, HandshakeType.client_key_exchange, this.name);
    const { conn, hello, transcript, serverRandom } = this.n;
    const crypto = conn.config.crypto;
    const { suite } = this.chosen;
    let pms: Uint8Array;
    const cert = this.chosen.cert;
    if (suite.psk) {
      pms = this.pskPremaster(msg.body);
    } else if (this.kx !== undefined) {
      // RFC 8422 §5.7: an invalid point is illegal_parameter (the provider checks format and curve).
      pms = this.kx.deriveSecret(decodeClientKeyExchangeEcdhe(msg.body));
    } else if (cert !== undefined) {
      // RFC 5246 §7.4.7.1 and shared/DESIGN.md: no padding oracle; a random premaster secret on any failure.
      pms = decryptPremaster(crypto, cert.key, decodeClientKeyExchangeRsa(msg.body), hello.legacyVersion);
    } else {
      throw new Error('unreachable: RSA key transport without a certificate');
    }
    transcript.add(msg.raw);
    const master = deriveMaster12(crypto, suite, pms, this.n.ems, transcript, hello.random, serverRandom);
    conn.keylog('CLIENT_RANDOM', hello.random, master);
    const etm = useEtm(conn, hello, suite);
    const keys = protectors12(crypto, suite, master, hello.random, serverRandom, etm);
    const next: Finishing = { suite, master, keys, ccs: { received: false }, group: this.chosen.group, scheme: this.chosen.scheme, auth: this.auth, resumed: undefined };
    if (this.auth.key !== undefined) return new ExpectClientCertificateVerify(this.n, next, this.auth.key);
    return new ExpectClientFinished(this.n, { ...next, ccs: armCcs(conn, keys.clientWrite) });
  }

  /** RFC 4279 §2 / RFC 5489 §2: the client's identity names the key; ECDHE_PSK adds its point. */
  private pskPremaster(body: Uint8Array): Uint8Array {
    const { conn, params } = this.n;
    const cke = decodeClientKeyExchangePsk(body, this.kx !== undefined);
    const key = params.psk?.lookup(cke.identity, conn);
    // RFC 4279 §2: an identity the server does not know is unknown_psk_identity.
    if (key === undefined || key === null) {
      throw new TlsError('ERR_TLS_UNKNOWN_PSK_IDENTITY', AlertDescription.unknown_psk_identity, `the client named a pre-shared key identity this server does not know (${cke.identity.length} bytes)`);
    }
    checkExternalPsk(cke.identity, key);
    const other = this.kx !== undefined && cke.point !== undefined ? this.kx.deriveSecret(cke.point) : undefined;
    return pskPremaster(key, other);
  }
}

interface Finishing {
  readonly suite: Suite12;
  readonly master: Uint8Array;
  readonly keys: Protectors12;
  readonly ccs: CcsBox;
  readonly group: number | undefined;
  readonly scheme: number | undefined;
  readonly auth: ClientAuth;
  readonly resumed: Session12 | undefined;
}

class ExpectClientCertificateVerify implements State {
  readonly name = 'ExpectCertificateVerify';
  constructor(
    private readonly n: Negotiated,
    private readonly f: Finishing,
    private readonly key: PublicKey,
  ) {}

  handle(msg: HandshakeMessage): State {
    expectMessage(msg, HandshakeType.certificate_verify, this.name);
    const { conn, transcript } = this.n;
    const cv = decodeCertificateVerify(msg.body);
    // RFC 5246 §7.4.8: the signature covers every handshake message before this one.
    if (!keyFitsScheme(this.key, cv.scheme, false)) throw illegalParameter(`the client signed with ${schemeName(cv.scheme)}, which does not fit its ${this.key.type} key`);
    const signature = verifySignature12(conn.config.crypto, this.key, cv.scheme, cv.signature, conn.config.signatureSchemes, transcript.bytes(), "client's CertificateVerify");
    transcript.add(msg.raw);
    return new ExpectClientFinished(this.n, { ...this.f, auth: { ...this.f.auth, signature }, ccs: armCcs(conn, this.f.keys.clientWrite) });
  }
}

class ExpectClientFinished implements State {
  readonly name = 'ExpectFinished';
  constructor(
    private readonly n: Negotiated,
    private readonly f: Finishing,
  ) {}

  handle(msg: HandshakeMessage): State {
    expectMessage(msg, HandshakeType.finished, this.name);
    const { conn, transcript, hello, params } = this.n;
    const cfg = conn.config;
    const crypto = cfg.crypto;
    const { suite, master, keys } = this.f;
    // RFC 5246 §7.4.9: Finished comes right after the ChangeCipherSpec.
    if (!this.f.ccs.received) throw unexpectedMessage('Finished before ChangeCipherSpec');
    const received = decodeFinished12(msg.body);
    const expected = finishedVerifyData12(crypto, suite.prfHash, master, 'client', transcript.hash(suite.prfHash));
    const proof = verifyFinished12(crypto, expected, received, 'client');
    transcript.add(msg.raw);
    const resumed = this.f.resumed;
    const lifetime = params.sessionTimeout ?? params.sessionCache?.lifetimeSeconds ?? 300;
    const session: Session12 = resumed ?? {
      suite: suite.suite,
      masterSecret: master,
      extendedMasterSecret: this.n.ems,
      sessionId: this.n.sessionId,
      ticket: undefined,
      serverName: hello.ext.serverName,
      alpn: this.n.alpn,
      peerCertificates: this.f.auth.certificates,
      createdAt: cfg.now(),
      lifetime,
    };
    if (resumed === undefined) {
      // Only a session whose handshake fully succeeded is stored: after the client's Finished verified.
      if (this.n.ems) {
        if (this.n.sessionId.length > 0) params.sessionCache?.set(this.n.sessionId, encodeSession12(session), cfg.now());
        if (this.n.issueTicket && params.ticketSealer !== undefined) {
          // RFC 5077 §3.3: NewSessionTicket before our ChangeCipherSpec.
          send12(conn, transcript, encodeNewSessionTicket12({ lifetimeHint: lifetime, ticket: params.ticketSealer.seal(encodeSession12(session)) }));
        } else if (this.n.issueTicket) {
          send12(conn, transcript, encodeNewSessionTicket12({ lifetimeHint: 0, ticket: new Uint8Array(0) }));
        }
      } else if (this.n.issueTicket) {
        // RFC 5077 §3.3: we promised a ticket; an empty one says "none" (sessions without EMS are not resumable here).
        send12(conn, transcript, encodeNewSessionTicket12({ lifetimeHint: 0, ticket: new Uint8Array(0) }));
      }
      conn.sendChangeCipherSpec();
      conn.setWriteProtector(keys.serverWrite);
      send12(conn, transcript, encodeFinished12(finishedVerifyData12(crypto, suite.prfHash, master, 'server', transcript.hash(suite.prfHash))));
    }
    const traffic = new Traffic12(conn, { suite, masterSecret: master, clientRandom: hello.random, serverRandom: this.n.serverRandom }, proof);
    const auth = this.f.auth;
    conn.complete({
      version: 'TLSv1.2',
      cipherSuite: suite.suite,
      cipherName: suite.name,
      group: this.f.group,
      peerSignatureScheme: auth.signature?.scheme,
      alpnProtocol: this.n.alpn ?? resumed?.alpn,
      serverName: hello.ext.serverName,
      resumed: resumed !== undefined,
      peerCertificates: auth.certificates,
      verifiedChain: auth.verified?.chain,
      // Like node:tls: a server that did not request a certificate reports authorized false.
      authorized: resumed !== undefined ? resumed.peerCertificates.length > 0 : params.requestCert && auth.error === undefined && auth.verified !== undefined,
      authorizationError: auth.error,
      earlyData: 'not sent',
    });
    return traffic;
  }
}
