// Verifying the peer's certificate chain, shared by both roles and both versions: the verifier may
// answer synchronously or with a Promise (an application hook such as a directory look-up), and a
// failure either ends the handshake or is recorded for `authorized === false`, as node:tls does.
import { TlsError } from '../errors.js';
import { AlertDescription } from '../wire/iana.js';
import type { Engine, Next, State } from '../conn/engine.js';
import type { PeerCertificateCheck, VerifiedPeer } from './verifier.js';

function asTlsError(e: unknown): TlsError {
  if (e instanceof TlsError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new TlsError('CERT_REJECTED', AlertDescription.bad_certificate, `certificate rejected: ${message}`, { cause: e });
}

/** The check a client runs on the server's chain: the name it asked for (SNI), or the IP it dialled. */
export function serverCertificateCheck(conn: Engine, certificates: readonly Uint8Array[], serverName: string | undefined, ip: string | undefined): PeerCertificateCheck {
  return {
    certificates,
    purpose: 'serverAuth',
    ...(ip === undefined && serverName !== undefined ? { hostname: serverName } : {}),
    ...(ip !== undefined ? { ip } : {}),
    ...conn.checkTrace('server'),
  };
}

/** The check a server runs on the client's chain. */
export function clientCertificateCheck(conn: Engine, certificates: readonly Uint8Array[]): PeerCertificateCheck {
  return { certificates, purpose: 'clientAuth', ...conn.checkTrace('client') };
}

/**
 * Verifies the chain, then continues with `next(verified, error)`. When `mustSucceed`, a failure ends
 * the handshake with its alert; otherwise the handshake goes on with the error recorded.
 */
export function verifyPeerChain(
  conn: Engine,
  check: PeerCertificateCheck,
  mustSucceed: boolean,
  next: (verified: VerifiedPeer | undefined, error: TlsError | undefined) => State,
): Next {
  const peer = check.purpose === 'serverAuth' ? 'server' : 'client';
  const done = (verified: VerifiedPeer | undefined, error: TlsError | undefined): State => {
    if (error !== undefined && mustSucceed) throw error;
    if (conn.tracing) conn.trace({ kind: 'certificate', peer, count: check.certificates.length, verified: error === undefined, error: error?.code });
    return next(verified, error);
  };
  let result: VerifiedPeer | Promise<VerifiedPeer>;
  try {
    result = conn.config.verifier.verify(check);
  } catch (e) {
    return done(undefined, asTlsError(e));
  }
  if (result instanceof Promise) return result.then((v) => done(v, undefined), (e: unknown) => done(undefined, asTlsError(e)));
  return done(result, undefined);
}
