// OpenSSL (s_server / s_client) and GnuTLS (gnutls-serv / gnutls-cli) peers: command lines from
// shared/INTEROP.md §5, started through the process harness, with their output parsed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestCert } from './certs.js';
import { parseGnutls, parseOpenssl, type PeerTlsInfo } from './parse.js';
import { canUseNetns, freePort, runClient, startServer, type ClientResult, type PeerServer, type TestContextLike } from './proc.js';

export type Version = '1.3' | '1.2' | 'any';
export type ClientVerify = 'none' | 'request' | 'require';

export interface PeerClientResult extends ClientResult {
  readonly info: PeerTlsInfo;
}

export interface PeerServerWithInfo extends PeerServer {
  /** what the server printed, parsed (for a long-lived server: the first connection's values) */
  info(): PeerTlsInfo;
}

export interface OpensslServerOptions {
  readonly cert: TestCert;
  /** default '1.3' */
  readonly version?: Version;
  /** answer each HTTP request with the session page and serve many connections (default true) */
  readonly www?: boolean;
  readonly verifyClient?: ClientVerify;
  /** CA file to verify client certificates with (default: the certificate's own anchor) */
  readonly ca?: string;
  readonly alpn?: readonly string[];
  /** OpenSSL spelling, e.g. 'P-384' or 'X25519:P-256' */
  readonly groups?: string;
  readonly ciphersuites?: string;
  /** print every handshake message (`-trace`), e.g. to count ClientHellos */
  readonly trace?: boolean;
  readonly extra?: readonly string[];
}

function versionFlags(v: Version | undefined): string[] {
  if (v === undefined || v === '1.3') return ['-tls1_3'];
  if (v === '1.2') return ['-tls1_2'];
  return [];
}

/** `-cert leaf -key key`, plus `-cert_chain` when the certificate has intermediates. */
function certFlags(c: TestCert): string[] {
  const flags = ['-cert', c.files.cert, '-key', c.files.key];
  if (c.chainPem !== c.certPem) flags.push('-cert_chain', c.files.chain);
  return flags;
}

/** `openssl s_server` on 127.0.0.1, port 0 (learned from its `ACCEPT` line). */
export async function opensslServer(t: TestContextLike, o: OpensslServerOptions): Promise<PeerServerWithInfo> {
  const args = ['s_server', '-accept', '127.0.0.1:0', ...certFlags(o.cert), '-naccept', '1000'];
  args.push(...versionFlags(o.version));
  if (o.www ?? true) args.push('-www');
  if (o.verifyClient === 'request') args.push('-verify', '4');
  if (o.verifyClient === 'require') args.push('-Verify', '4');
  if (o.verifyClient !== undefined && o.verifyClient !== 'none') args.push('-CAfile', o.ca ?? o.cert.files.ca);
  if (o.alpn !== undefined) args.push('-alpn', o.alpn.join(','));
  if (o.groups !== undefined) args.push('-groups', o.groups);
  if (o.ciphersuites !== undefined) args.push('-ciphersuites', o.ciphersuites);
  if (o.trace === true) args.push('-trace');
  args.push(...(o.extra ?? []));
  const s = await startServer('openssl', args, { t, portPattern: /^ACCEPT 127\.0\.0\.1:(\d+)$/m });
  return { ...s, info: () => parseOpenssl(s.output()) };
}

export interface OpensslClientOptions {
  readonly port: number;
  /** SNI and the name to verify (default 'localhost'); '' sends no SNI and checks no name */
  readonly servername?: string;
  /** CA file; when set the client verifies and fails on error (`-verify_return_error`) */
  readonly ca?: string;
  /** client certificate */
  readonly cert?: TestCert;
  /** default '1.3' */
  readonly version?: Version;
  readonly ciphersuites?: string;
  readonly groups?: string;
  readonly alpn?: readonly string[];
  /** written to the server; the client then waits for the server to close (`-ign_eof`) */
  readonly input?: string;
  readonly trace?: boolean;
  readonly extra?: readonly string[];
  readonly timeoutMs?: number;
}

/** `openssl s_client` to 127.0.0.1:port; resolves when it exits (or is killed at the timeout). */
export async function opensslClient(o: OpensslClientOptions): Promise<PeerClientResult> {
  const name = o.servername ?? 'localhost';
  const args = ['s_client', '-connect', `127.0.0.1:${o.port}`, '-ign_eof', ...versionFlags(o.version)];
  if (name !== '') args.push('-servername', name);
  else args.push('-noservername');
  if (o.ca !== undefined) {
    args.push('-CAfile', o.ca, '-verify_return_error');
    if (name !== '') args.push('-verify_hostname', name);
  }
  if (o.cert !== undefined) args.push(...certFlags(o.cert));
  if (o.ciphersuites !== undefined) args.push('-ciphersuites', o.ciphersuites);
  if (o.groups !== undefined) args.push('-groups', o.groups);
  if (o.alpn !== undefined) args.push('-alpn', o.alpn.join(','));
  if (o.trace === true) args.push('-trace');
  args.push(...(o.extra ?? []));
  const r = await runClient('openssl', args, { input: o.input ?? '', timeoutMs: o.timeoutMs ?? 10_000 });
  return { ...r, info: parseOpenssl(r.stdout + '\n' + r.stderr) };
}

export interface GnutlsServerOptions {
  readonly cert: TestCert;
  readonly ca?: string;
  readonly verifyClient?: ClientVerify;
  readonly alpn?: readonly string[];
  /** GnuTLS priority string (default: NORMAL with TLS 1.3 only) */
  readonly priority?: string;
  readonly extra?: readonly string[];
}

export const GNUTLS_TLS13 = 'NORMAL:-VERS-ALL:+VERS-TLS1.3';

/**
 * `gnutls-serv --echo`. It always binds the wildcard address, so it runs in a private network namespace
 * reached through `dial()` (a Unix-socket relay) when the machine allows `unshare -n`; otherwise it binds
 * a free high port on all interfaces (and `dial()` connects to 127.0.0.1).
 */
export async function gnutlsServer(t: TestContextLike, o: GnutlsServerOptions): Promise<PeerServerWithInfo> {
  const netns = canUseNetns();
  const port = netns ? 4433 : await freePort();
  const args = ['--port', String(port), '--echo', '--x509certfile', o.cert.files.chain, '--x509keyfile', o.cert.files.key];
  args.push('--priority', o.priority ?? GNUTLS_TLS13);
  if (o.verifyClient !== undefined && o.verifyClient !== 'none') {
    args.push('--x509cafile', o.ca ?? o.cert.files.ca, '--verify-client-cert');
    if (o.verifyClient === 'require') args.push('--require-client-cert');
  }
  if (o.alpn !== undefined) for (const a of o.alpn) args.push('--alpn', a);
  args.push(...(o.extra ?? []));
  const s = await startServer('gnutls-serv', args, { t, port, netns });
  return { ...s, info: () => parseGnutls(s.output()) };
}

export interface GnutlsClientOptions {
  readonly port: number;
  readonly ca: string;
  /** SNI and name to verify (default 'localhost') */
  readonly servername?: string;
  readonly cert?: TestCert;
  readonly priority?: string;
  readonly alpn?: readonly string[];
  readonly input?: string;
  /** connect twice, resuming the first session (`-r`) */
  readonly resume?: boolean;
  readonly timeoutMs?: number;
}

/** `gnutls-cli` to 127.0.0.1:port, verifying the server against `ca`. */
export async function gnutlsClient(o: GnutlsClientOptions): Promise<PeerClientResult> {
  const name = o.servername ?? 'localhost';
  const args = ['127.0.0.1', '-p', String(o.port), '--x509cafile', o.ca, '--verify-hostname', name, '--sni-hostname', name];
  args.push('--priority', o.priority ?? GNUTLS_TLS13);
  if (o.cert !== undefined) args.push('--x509certfile', o.cert.files.chain, '--x509keyfile', o.cert.files.key);
  if (o.alpn !== undefined) for (const a of o.alpn) args.push('--alpn', a);
  if (o.resume === true) args.push('-r');
  const r = await runClient('gnutls-cli', args, { input: o.input ?? '', timeoutMs: o.timeoutMs ?? 10_000 });
  return { ...r, info: parseGnutls(r.stdout + '\n' + r.stderr) };
}

/**
 * A real OCSP response saying `leaf` is good, signed by its issuer (`openssl ocsp` as a local responder
 * over a one-line index): the DER bytes, and the file for `s_server -status_file`.
 */
export function opensslOcspResponse(leaf: TestCert, issuer: TestCert): { readonly der: Buffer; readonly file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'typetls-ocsp-'));
  const field = (flag: string): string => execFileSync('openssl', ['x509', '-in', leaf.files.cert, '-noout', flag, '-nameopt', 'compat'], { encoding: 'utf8' }).trim().replace(/^[a-z]+=/, '');
  writeFileSync(join(dir, 'index.txt'), `V\t301231235959Z\t\t${field('-serial')}\tunknown\t${field('-subject')}\n`);
  const file = join(dir, 'response.der');
  execFileSync('openssl', ['ocsp', '-index', join(dir, 'index.txt'), '-rsigner', issuer.files.cert, '-rkey', issuer.files.key, '-CA', issuer.files.cert, '-issuer', issuer.files.cert, '-cert', leaf.files.cert, '-respout', file, '-ndays', '1', '-noverify'], { stdio: 'ignore' });
  return { der: readFileSync(file), file };
}
