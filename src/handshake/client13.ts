// The TLS 1.3 client handshake (RFC 8446 §2, §4), one state per expected message.
import { AlertDescription, ExtensionType as E, HandshakeType, ProtocolVersion, groupName, handshakeName, suiteName, versionName } from '../wire/iana.js';
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
import { Transcript } from './transcript.js';
import { verifyCertificateVerify13, verifyFinished13, type SignatureVerified } from './proofs.js';
import { certificateVerifyContent, chooseScheme, schemeInfo } from './schemes.js';
import { Traffic13, type TicketSink } from './traffic13.js';
import type { CertifiedKey } from '../conn/types.js';
import type { VerifiedPeer } from './verifier.js';
import { handleServerHello12 } from './client12.js';
import { hello12Extensions, helloSessionId } from './client-hello12.js';
import type { Session12 } from './session12.js';

/** What the client decided before sending its ClientHello. */
export interface ClientParams {
  readonly serverName: string | undefined;
  readonly ip: string | undefined;
  readonly certificate: CertifiedKey | undefined;
  readonly onTicket: TicketSink | undefined;
  /** A TLS 1.2 session to offer (src/handshake/session12.ts), when the application passed one. */
  readonly session12?: Session12 | undefined;
}

interface Common {
  readonly conn: Engine;
  readonly params: ClientParams;
  readonly transcript: Transcript;
  readonly hello: ClientHello;
}

interface AfterHello extends Common {
  readonly suite: Suite13;
  readonly schedule: KeySchedule13;
  readonly group: number;
  readonly clientHsSecret: Uint8Array;
  readonly serverHsSecret: Uint8Array;
}

interface PeerInfo {
  readonly alpn: string | undefined;
  readonly serverNameAcked: boolean;
  readonly certRequest: CertificateRequest13 | undefined;
  readonly certificates: readonly Uint8Array[];
  readonly verified: VerifiedPeer | undefined;
  readonly verifyError: TlsError | undefined;
}

function unsupportedExtension(message: string): TlsError {
  return new TlsError('ERR_TLS_UNSUPPORTED_EXTENSION', AlertDescription.unsupported_extension, message);
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
  const hello = buildClientHello(conn, params, random, sessionId, kx, undefined);
  const transcript = new Transcript(cfg.crypto);
  conn.setRecordVersion(ProtocolVersion.TLSv1);
  send(conn, transcript, encodeClientHello(hello));
  conn.setRecordVersion(ProtocolVersion.TLSv1_2);
  // RFC 8446 §5: a plaintext CCS may arrive any time after the first ClientHello (e.g. after an HRR).
  conn.allowCompatCcs(true);
  conn.trace({ kind: 'client-hello', versions: [...(kx !== undefined ? ['TLSv1.3'] : []), ...(cfg.suites12.length > 0 ? ['TLSv1.2'] : [])], suites: [...cfg.suites13, ...cfg.suites12].map(suiteName), groups: cfg.groups.map(groupName), keyShare: kx === undefined ? undefined : groupName(group), serverName: params.serverName, alpn: cfg.alpn });
  return new ExpectServerHello({ conn, params, transcript, hello: { ...hello, ext: {}, hasExtensionsBlock: true } }, kx, false);
}

function buildClientHello(
  conn: Engine,
  params: ClientParams,
  random: Uint8Array,
  sessionId: Uint8Array,
  kx: KeyExchange | undefined,
  cookie: Uint8Array | undefined,
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
  if (cookie !== undefined) exts.push(X.cookie(cookie));
  exts.push(...hello12Extensions(cfg, params.session12));
  return {
    legacyVersion: ProtocolVersion.TLSv1_2,
    random,
    sessionId,
    cipherSuites: [...cfg.suites13, ...cfg.suites12],
    compressionMethods: [0],
    extensions: exts,
  };
}

function send(conn: Engine, transcript: Transcript, msg: HandshakeMessage): void {
  transcript.add(msg.raw);
  conn.sendHandshake(msg);
}

function expect(msg: HandshakeMessage, type: number, state: string): void {
  if (msg.type !== type) throw unexpectedMessage(`expected ${handshakeName(type)} in state ${state}, got ${handshakeName(msg.type)}`);
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
    expect(msg, HandshakeType.server_hello, this.name);
    const { conn, hello } = this.c;
    const cfg = conn.config;
    const sh = decodeServerHello(msg.body);
    // RFC 8446 §4.1.3: supported_versions selects TLS 1.3; without it the server chose TLS 1.2 or older.
    if (sh.ext.selectedVersion === undefined && !sh.isHelloRetryRequest && cfg.suites12.length > 0) {
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
    if (!equal(sh.sessionId, hello.sessionId)) throw illegalParameter('ServerHello legacy_session_id_echo differs from the ClientHello');
    if (sh.compressionMethod !== 0) throw illegalParameter('ServerHello selected a compression method');
    if (!cfg.suites13.includes(sh.cipherSuite)) throw illegalParameter(`the server selected ${suiteName(sh.cipherSuite)}, which was not offered`);
    // RFC 8446 §4.1.4: the ServerHello after a HelloRetryRequest keeps the suite.
    if (this.retrySuite !== undefined && sh.cipherSuite !== this.retrySuite) {
      throw illegalParameter('the ServerHello cipher suite differs from the HelloRetryRequest');
    }
    const suite = suite13(sh.cipherSuite);
    if (suite === undefined) throw illegalParameter(`unknown TLS 1.3 suite ${suiteName(sh.cipherSuite)}`);
    conn.setVersion(ProtocolVersion.TLSv1_3);
    if (sh.isHelloRetryRequest) return this.retry(msg, sh, suite);
    // RFC 8446 §4.1.3/§4.2: only these may appear in a TLS 1.3 ServerHello; anything else we never asked for.
    for (const e of sh.extensions) {
      if (e.type !== E.supported_versions && e.type !== E.key_share && e.type !== E.pre_shared_key) {
        throw illegalParameter(`extension ${e.type} is not allowed in a TLS 1.3 ServerHello`);
      }
      if (e.type === E.pre_shared_key) throw unsupportedExtension('the server selected a pre-shared key that was not offered');
    }
    const share = sh.ext.keyShare;
    if (this.kx === undefined) throw illegalParameter('the server selected TLS 1.3, which was not offered');
    if (share === undefined) {
      throw new TlsError('ERR_TLS_MISSING_EXTENSION', AlertDescription.missing_extension, 'the ServerHello has no key_share');
    }
    if (share.group !== this.kx.group) {
      throw illegalParameter(`the server's key share is for ${groupName(share.group)}, but the client sent ${groupName(this.kx.group)}`);
    }
    const shared = this.kx.deriveSecret(share.key);
    const { transcript } = this.c;
    transcript.start(suite.hash);
    transcript.add(msg.raw);
    const schedule = new KeySchedule13(cfg.crypto, suite);
    schedule.inputHandshakeSecret(shared);
    const th = transcript.hash();
    const clientHsSecret = schedule.clientHandshakeTrafficSecret(th);
    const serverHsSecret = schedule.serverHandshakeTrafficSecret(th);
    conn.keylog('CLIENT_HANDSHAKE_TRAFFIC_SECRET', hello.random, clientHsSecret);
    conn.keylog('SERVER_HANDSHAKE_TRAFFIC_SECRET', hello.random, serverHsSecret);
    conn.setReadProtector(new RecordProtector13(cfg.crypto, suite, serverHsSecret));
    // RFC 8446 §D.4: the dummy CCS goes before our next flight (unless it already preceded ClientHello2).
    if (!this.retried && hello.sessionId.length > 0) conn.sendCompatCcs();
    conn.setWriteProtector(new RecordProtector13(cfg.crypto, suite, clientHsSecret));
    conn.allowCompatCcs(true);
    conn.trace({ kind: 'server-hello', version: 'TLSv1.3', cipher: suite.name, group: groupName(share.group), retried: this.retried });
    return new ExpectEncryptedExtensions({ ...this.c, suite, schedule, group: share.group, clientHsSecret, serverHsSecret });
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
    const hello2 = buildClientHello(conn, params, hello.random, hello.sessionId, kx, hrr.ext.cookie);
    if (hello.sessionId.length > 0) conn.sendCompatCcs();
    send(conn, transcript, encodeClientHello(hello2));
    conn.trace({ kind: 'hello-retry-request', group: group === undefined ? undefined : groupName(group), cipher: suite.name });
    return new ExpectServerHello(this.c, kx, true, hrr.cipherSuite);
  }
}

class ExpectEncryptedExtensions implements State {
  readonly name = 'ExpectEncryptedExtensions';
  constructor(private readonly c: AfterHello) {}

  handle(msg: HandshakeMessage): State {
    expect(msg, HandshakeType.encrypted_extensions, this.name);
    const ee = decodeEncryptedExtensions(msg.body);
    const offered = new Set(this.c.hello.extensions.map((e) => e.type));
    // RFC 8446 §4.2: a response to an extension we did not send is unsupported_extension.
    for (const e of ee.extensions) {
      if (!offered.has(e.type) && e.type !== E.supported_groups) {
        throw unsupportedExtension(`the server answered extension ${e.type}, which the client did not offer`);
      }
    }
    const alpn = checkAlpn(this.c.conn.config.alpn, ee.ext);
    this.c.transcript.add(msg.raw);
    return new ExpectCertificateOrRequest(this.c, { alpn, serverNameAcked: ee.ext.serverName !== undefined });
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
      this.c.conn.trace({ kind: 'certificate-request', schemes: cr.ext.signatureAlgorithms?.length ?? 0, authorities: cr.ext.certificateAuthorities?.length ?? 0 });
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
    expect(msg, HandshakeType.certificate, this.name);
    const cert = decodeCertificate13(msg.body);
    if (cert.requestContext.length !== 0) throw illegalParameter('server Certificate has a non-empty request context');
    // RFC 8446 §4.4.2.4: an empty server Certificate is a decode_error.
    if (cert.entries.length === 0) throw new TlsError('ERR_TLS_DECODE_ERROR', AlertDescription.decode_error, 'the server sent no certificate');
    this.c.transcript.add(msg.raw);
    const certificates = cert.entries.map((e) => e.data);
    const { conn, params } = this.c;
    const verifier = conn.config.verifier;
    const leaf = certificates[0] as Uint8Array;
    const key = verifier.leafPublicKey(leaf);
    const check = {
      certificates,
      purpose: 'serverAuth' as const,
      ...(params.ip === undefined && params.serverName !== undefined ? { hostname: params.serverName } : {}),
      ...(params.ip !== undefined ? { ip: params.ip } : {}),
    };
    const done = (verified: VerifiedPeer | undefined, error: TlsError | undefined): State => {
      if (error !== undefined && conn.config.rejectUnauthorized) throw error;
      conn.trace({ kind: 'certificate', peer: 'server', count: certificates.length, verified: error === undefined, error: error?.code });
      return new ExpectCertificateVerify(this.c, { ...this.info, certificates, verified, verifyError: error }, key);
    };
    let result: VerifiedPeer | Promise<VerifiedPeer>;
    try {
      result = verifier.verify(check);
    } catch (e) {
      return done(undefined, asTlsError(e));
    }
    if (result instanceof Promise) return result.then((v) => done(v, undefined), (e: unknown) => done(undefined, asTlsError(e)));
    return done(result, undefined);
  }
}

export function asTlsError(e: unknown): TlsError {
  if (e instanceof TlsError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new TlsError('CERT_REJECTED', AlertDescription.bad_certificate, `certificate rejected: ${message}`, { cause: e });
}

class ExpectCertificateVerify implements State {
  readonly name = 'ExpectCertificateVerify';
  constructor(
    private readonly c: AfterHello,
    private readonly info: PeerInfo,
    private readonly key: PublicKey,
  ) {}

  handle(msg: HandshakeMessage): State {
    expect(msg, HandshakeType.certificate_verify, this.name);
    const cv = decodeCertificateVerify(msg.body);
    const { conn, transcript } = this.c;
    const proof = verifyCertificateVerify13(conn.config.crypto, this.key, cv.scheme, cv.signature, conn.config.signatureSchemes, true, transcript.hash());
    transcript.add(msg.raw);
    return new ExpectFinished(this.c, this.info, proof);
  }
}

class ExpectFinished implements State {
  readonly name = 'ExpectFinished';
  constructor(
    private readonly c: AfterHello,
    private readonly info: PeerInfo,
    private readonly signature: SignatureVerified,
  ) {}

  handle(msg: HandshakeMessage): State {
    expect(msg, HandshakeType.finished, this.name);
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

    // Our second flight: the client certificate when asked (RFC 8446 §4.4.2), then Finished.
    const cr = this.info.certRequest;
    let clientCertSent = false;
    if (cr !== undefined) {
      const cert = params.certificate;
      const scheme = cert === undefined ? undefined : chooseScheme(cert.key, cr.ext.signatureAlgorithms ?? [], conn.config.signatureSchemes, true);
      if (cert !== undefined && scheme !== undefined) {
        send(conn, transcript, encodeCertificate13(cr.requestContext, cert.chain));
        const info = schemeInfo(scheme);
        if (info === undefined) throw new Error('unreachable: chosen scheme unknown');
        const sig = crypto.sign(info.alg, cert.key, certificateVerifyContent(false, transcript.hash()));
        send(conn, transcript, encodeCertificateVerify(scheme, sig));
        clientCertSent = true;
      } else {
        // No certificate (or none that fits the server's algorithms): an empty Certificate.
        send(conn, transcript, encodeCertificate13(cr.requestContext, []));
      }
    }
    send(conn, transcript, encodeFinished(finishedVerifyData(crypto, suite.hash, this.c.clientHsSecret, transcript.hash())));
    conn.setWriteProtector(new RecordProtector13(crypto, suite, clientAp));
    const resumption = schedule.resumptionMasterSecret(transcript.hash());
    conn.trace({ kind: 'finished', clientCertificateSent: clientCertSent, certificateRequested: cr !== undefined });

    const traffic = new Traffic13(
      conn,
      { suite, readSecret: serverAp, writeSecret: clientAp, exporterMasterSecret: exporter, resumptionMasterSecret: resumption },
      proof,
      params.onTicket,
    );
    conn.complete({
      version: 'TLSv1.3',
      cipherSuite: suite.suite,
      cipherName: suite.name,
      group: this.c.group,
      peerSignatureScheme: this.signature.scheme,
      alpnProtocol: this.info.alpn,
      serverName: params.serverName,
      resumed: false,
      peerCertificates: this.info.certificates,
      verifiedChain: this.info.verified?.chain,
      authorized: this.info.verifyError === undefined,
      authorizationError: this.info.verifyError,
      earlyData: 'not sent',
    });
    return traffic;
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
