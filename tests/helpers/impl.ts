// The system under test for the interop tests. Today it is node:tls, which proves the harness and the
// certificates; to test typetls, change the one import line below to
//   import { connect, createServer } from '../../src/index.js';
// Everything else (option spellings, what node:tls cannot do) follows from which implementation is bound.
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { connect, createServer } from '../../src/index.js';
import { ianaGroup } from './parse.js';

export type Suite13 = 'TLS_AES_128_GCM_SHA256' | 'TLS_AES_256_GCM_SHA384' | 'TLS_CHACHA20_POLY1305_SHA256';
export type Group = 'x25519' | 'secp256r1' | 'secp384r1';

export const SUITES_13: readonly Suite13[] = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
export const GROUPS: readonly Group[] = ['x25519', 'secp256r1', 'secp384r1'];

/** Spellings of the same group for each peer's command line. */
export const GROUP_NAMES: Readonly<Record<Group, { openssl: string; gnutls: string; java: string }>> = {
  x25519: { openssl: 'X25519', gnutls: 'GROUP-X25519', java: 'x25519' },
  secp256r1: { openssl: 'P-256', gnutls: 'GROUP-SECP256R1', java: 'secp256r1' },
  secp384r1: { openssl: 'P-384', gnutls: 'GROUP-SECP384R1', java: 'secp384r1' },
};
/** GnuTLS priority names of the TLS 1.3 suites' AEADs. */
export const GNUTLS_CIPHER: Readonly<Record<Suite13, string>> = {
  TLS_AES_128_GCM_SHA256: 'AES-128-GCM',
  TLS_AES_256_GCM_SHA384: 'AES-256-GCM',
  TLS_CHACHA20_POLY1305_SHA256: 'CHACHA20-POLY1305',
};

const isNodeTls = (connect as unknown) === tls.connect;

/** Options that restrict a handshake to TLS 1.3, given suites and groups (in preference order). */
export interface Tls13Options {
  minVersion: 'TLSv1.3';
  maxVersion: 'TLSv1.3';
  ciphers?: string;
  ecdhCurve?: string;
}

/** What the implementation reports about an established connection, in IANA spelling. */
export interface SocketSummary {
  protocol: string | null;
  cipher: string;
  /** client side only (node:tls's getEphemeralKeyInfo is empty on servers) */
  group: string | undefined;
  alpn: string | false | null;
  authorized: boolean;
  authorizationError: string | undefined;
  resumed: boolean;
}

export const impl = {
  name: isNodeTls ? 'node:tls' : 'typetls',
  // typetls's TLSSocket mirrors node's; the double cast keeps the one-line switch compiling while its
  // types are narrower than node's (the tests only use the node:tls surface listed in shared/DESIGN.md).
  connect: connect as unknown as typeof tls.connect,
  createServer: createServer as unknown as typeof tls.createServer,

  /**
   * TLS 1.3 only, with these suites and groups. Both take IANA suite names in `ciphers` (node:tls moves
   * TLS 1.3 names found there to OpenSSL's ciphersuites list; it has no `ciphersuites` option); node:tls
   * wants OpenSSL group names in `ecdhCurve` (`X25519:P-256`), typetls IANA ones (`x25519:secp256r1`).
   */
  tls13(suites?: readonly Suite13[], groups?: readonly Group[]): Tls13Options {
    if (isNodeTls) return nodeTls13(suites, groups);
    const o: Tls13Options = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' };
    if (suites !== undefined) o.ciphers = suites.join(':');
    if (groups !== undefined) o.ecdhCurve = groups.join(':');
    return o;
  },

  /** TLS 1.2 only (botan has no TLS 1.3); the TLS 1.2 suites are left at the implementation's defaults. */
  tls12(): { minVersion: 'TLSv1.2'; maxVersion: 'TLSv1.2' } {
    return { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' };
  },

  /**
   * Whether the client sends an alert when it rejects the server's certificate (unknown CA, expired,
   * wrong name). node:tls verifies in JavaScript after OpenSSL completed the handshake and just closes
   * the socket, so the server never learns why; typetls sends the alert RFC 8446 §6.2 names.
   */
  alertsOnBadCertificate: !isNodeTls,

  summary(s: tls.TLSSocket): SocketSummary {
    const c = s.getCipher();
    const eph = s.getEphemeralKeyInfo();
    const groupRaw = eph !== null && typeof eph === 'object' && 'name' in eph && typeof eph.name === 'string' ? eph.name : undefined;
    return {
      protocol: s.getProtocol(),
      cipher: c.standardName,
      group: groupRaw === undefined ? undefined : ianaGroup(groupRaw),
      alpn: s.alpnProtocol,
      authorized: s.authorized,
      authorizationError: s.authorizationError === undefined ? undefined : String(s.authorizationError),
      resumed: s.isSessionReused(),
    };
  },
};

/** `impl.tls13` in node:tls's spelling, for node:tls used as a peer. */
export function nodeTls13(suites?: readonly Suite13[], groups?: readonly Group[]): Tls13Options {
  const o: Tls13Options = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' };
  if (suites !== undefined) o.ciphers = suites.join(':');
  if (groups !== undefined) o.ecdhCurve = groups.map((g) => GROUP_NAMES[g].openssl).join(':');
  return o;
}

/** node:tls as a peer, with the same reporting as `impl`. */
export const nodePeer = {
  name: 'node:tls',
  connect: tls.connect,
  createServer: tls.createServer,
  summary: (s: tls.TLSSocket): SocketSummary => impl.summary(s),
};

/** Listens on 127.0.0.1 port 0 and resolves with the port. */
export function listen(server: tls.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
