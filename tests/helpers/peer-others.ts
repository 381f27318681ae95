// Other real peers (shared/INTEROP.md §5): NSS tstclnt/selfserv, curl, Java JSSE (tests/peers/TlsPeer.java),
// botan (TLS 1.2 only) and Python ssl (tests/peers/tls_peer.py). Each runs bounded and is killed by PID.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePkcs12, type TestCert } from './certs.js';
import { parseBotan, parseCurl, parseKeyValue, parseNss, type PeerTlsInfo } from './parse.js';
import type { PeerClientResult, PeerServerWithInfo } from './peer-openssl-gnutls.js';
import {
  canUseNetns,
  freePort,
  resolveRepoFile,
  runClient,
  startServer,
  type TestContextLike,
} from './proc.js';

/** A temporary directory removed when the test ends. */
export function tempDir(t: TestContextLike, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `typetls-${prefix}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Splits a key-value peer's output into connections (separated by `---` lines) and parses each. */
export function parseConnections(text: string): PeerTlsInfo[] {
  return text
    .split(/^---$/m)
    .slice(0, -1)
    .map((c) => parseKeyValue(c));
}

// ---- NSS ----------------------------------------------------------------------------------------------

export interface NssDb {
  /** `sql:<dir>` for `-d` */
  readonly spec: string;
  /** nickname of the imported key and certificate, when one was imported */
  readonly nickname: string | undefined;
}

/** Creates an NSS database trusting `caFile` and, when given, holding `cert` with its key as `leaf`. */
export async function nssDb(t: TestContextLike, caFile: string, cert?: TestCert): Promise<NssDb> {
  const dir = tempDir(t, 'nssdb');
  const spec = `sql:${dir}`;
  const steps: string[][] = [
    ['certutil', '-N', '-d', spec, '--empty-password'],
    ['certutil', '-A', '-d', spec, '-n', 'testca', '-t', 'CT,C,C', '-i', caFile],
  ];
  for (const [cmd, ...args] of steps) {
    if (cmd === undefined) continue;
    const r = await runClient(cmd, args, { timeoutMs: 10_000 });
    if (r.code !== 0) throw new Error(`${cmd} failed: ${r.stdout}${r.stderr}`);
  }
  if (cert !== undefined) {
    const p12 = await writePkcs12(cert, 'typetls', dir);
    const r = await runClient('pk12util', ['-i', p12, '-d', spec, '-W', 'typetls'], { timeoutMs: 10_000 });
    if (r.code !== 0) throw new Error(`pk12util failed: ${r.stdout}${r.stderr}`);
  }
  return { spec, nickname: cert === undefined ? undefined : 'leaf' };
}

export const NSS_SUITE_CODE: Readonly<Record<string, string>> = {
  TLS_AES_128_GCM_SHA256: '1301',
  TLS_AES_256_GCM_SHA384: '1302',
  TLS_CHACHA20_POLY1305_SHA256: '1303',
};
export const NSS_GROUP: Readonly<Record<string, string>> = { x25519: 'x25519', secp256r1: 'P256', secp384r1: 'P384' };

export interface NssClientOptions {
  readonly port: number;
  readonly db: NssDb;
  readonly servername?: string;
  /** e.g. 'tls1.3:tls1.3' (default) */
  readonly versions?: string;
  /** IANA suite names */
  readonly suites?: readonly string[];
  /** IANA group names */
  readonly groups?: readonly string[];
  /** send the database's certificate as the client certificate */
  readonly clientCert?: boolean;
  readonly input?: string;
  readonly timeoutMs?: number;
}

/**
 * `tstclnt -v` with the request in a file (`-A`): with a request on a pipe, tstclnt 3.87 spins on the closed
 * stdin after the server closes instead of exiting.
 */
export async function nssClient(t: TestContextLike, o: NssClientOptions): Promise<PeerClientResult & { info: PeerTlsInfo & { error?: string } }> {
  const dir = tempDir(t, 'nss-req');
  const req = join(dir, 'request.txt');
  writeFileSync(req, o.input ?? 'ping\n');
  const args = ['-h', '127.0.0.1', '-p', String(o.port), '-a', o.servername ?? 'localhost', '-d', o.db.spec, '-v', '-A', req];
  args.push('-V', o.versions ?? 'tls1.3:tls1.3');
  if (o.suites !== undefined) args.push('-c', o.suites.map((s) => `:${NSS_SUITE_CODE[s] ?? s}`).join(''));
  if (o.groups !== undefined) args.push('-I', o.groups.map((g) => NSS_GROUP[g] ?? g).join(','));
  if (o.clientCert === true && o.db.nickname !== undefined) args.push('-n', o.db.nickname);
  const r = await runClient('tstclnt', args, { timeoutMs: o.timeoutMs ?? 10_000 });
  return { ...r, info: parseNss(r.stdout + '\n' + r.stderr) };
}

export interface NssServerOptions {
  /** a database holding the server's certificate (nssDb(t, ca, cert)) */
  readonly db: NssDb;
  /** the certificate's key type decides the flag: `-e` for EC, `-n` for RSA */
  readonly ec: boolean;
  readonly versions?: string;
  /** 'request' = -r, 'require' = -r -r */
  readonly verifyClient?: 'none' | 'request' | 'require';
}

/** `selfserv -v`; it binds the wildcard address, so it runs in a private network namespace where possible. */
export async function nssServer(t: TestContextLike, o: NssServerOptions): Promise<PeerServerWithInfo> {
  const netns = canUseNetns();
  const port = netns ? 4433 : await freePort();
  const nick = o.db.nickname ?? 'leaf';
  const args = ['-d', o.db.spec, o.ec ? '-e' : '-n', nick, '-p', String(port), '-v', '-V', o.versions ?? 'tls1.3:tls1.3'];
  if (o.verifyClient === 'request') args.push('-r');
  if (o.verifyClient === 'require') args.push('-r', '-r');
  const s = await startServer('selfserv', args, { t, port, netns });
  return { ...s, info: () => parseNss(s.output()) };
}

// ---- curl ---------------------------------------------------------------------------------------------

export interface CurlOptions {
  readonly port: number;
  readonly ca: string;
  readonly path?: string;
  /** default: TLS 1.3 only */
  readonly version?: '1.3' | '1.2';
  readonly alpn?: 'h2' | 'http/1.1';
  /** `--cert-status`: require a stapled OCSP response and check it */
  readonly certStatus?: boolean;
  readonly timeoutMs?: number;
}

/** `curl -v https://localhost:<port>/` resolved to 127.0.0.1; stdout is the body. */
export async function curlGet(o: CurlOptions): Promise<PeerClientResult> {
  const args = ['-sS', '-v', '--cacert', o.ca, '--resolve', `localhost:${o.port}:127.0.0.1`, '--max-time', '10'];
  args.push(...(o.version === '1.2' ? ['--tlsv1.2', '--tls-max', '1.2'] : ['--tlsv1.3']));
  if (o.alpn === 'http/1.1') args.push('--http1.1');
  if (o.alpn === 'h2') args.push('--http2');
  if (o.certStatus === true) args.push('--cert-status');
  args.push(`https://localhost:${o.port}${o.path ?? '/'}`);
  const r = await runClient('curl', args, { timeoutMs: o.timeoutMs ?? 15_000 });
  return { ...r, info: parseCurl(r.stderr) };
}

// ---- Java JSSE ----------------------------------------------------------------------------------------

export interface JavaPeerOptions {
  readonly cert?: TestCert;
  readonly ca?: string;
  /** client */
  readonly port?: number;
  readonly servername?: string;
  readonly send?: string;
  /** server */
  readonly clientAuth?: 'none' | 'want' | 'need';
  /** 'TLSv1.3', 'TLSv1.2' or both comma-separated */
  readonly protocols?: string;
  readonly suites?: readonly string[];
  readonly groups?: readonly string[];
  readonly alpn?: readonly string[];
  readonly timeoutMs?: number;
}

function javaArgs(mode: 'client' | 'server', o: JavaPeerOptions): string[] {
  // Source-file mode compiles in memory; C1 only starts the JVM faster.
  const args = ['-XX:TieredStopAtLevel=1', resolveRepoFile('tests/peers/TlsPeer.java'), mode];
  const add = (k: string, v: string | undefined): void => {
    if (v !== undefined) args.push(`--${k}`, v);
  };
  add('port', o.port === undefined ? (mode === 'server' ? '0' : undefined) : String(o.port));
  add('cert', o.cert?.files.chain);
  add('key', o.cert?.files.key);
  add('ca', o.ca);
  add('servername', o.servername);
  add('send', o.send);
  add('client-auth', o.clientAuth);
  add('protocols', o.protocols ?? 'TLSv1.3');
  add('suites', o.suites?.join(','));
  add('groups', o.groups?.join(','));
  add('alpn', o.alpn?.join(','));
  return args;
}

/** `java TlsPeer.java client ...`; `info` from its `key: value` lines (JSSE names are IANA names). */
export async function javaClient(o: JavaPeerOptions & { port: number }): Promise<PeerClientResult> {
  const r = await runClient('java', javaArgs('client', o), { timeoutMs: o.timeoutMs ?? 30_000 });
  return { ...r, info: parseKeyValue(r.stdout) };
}

/** `java TlsPeer.java server ...` on 127.0.0.1:0; `info()` is the first connection (see parseConnections). */
export async function javaServer(t: TestContextLike, o: JavaPeerOptions): Promise<PeerServerWithInfo> {
  const s = await startServer('java', javaArgs('server', o), {
    t,
    portPattern: /^ACCEPT 127\.0\.0\.1:(\d+)$/m,
    startTimeoutMs: 30_000,
  });
  return { ...s, info: () => parseKeyValue(s.output()) };
}

// ---- botan (TLS 1.2 only) -----------------------------------------------------------------------------

/** `botan tls_client localhost --port=P --trusted-cas=ca` (TLS 1.2; botan 2.19 has no TLS 1.3). */
export async function botanClient(o: { port: number; ca: string; input?: string; timeoutMs?: number }): Promise<PeerClientResult> {
  const args = ['tls_client', 'localhost', `--port=${o.port}`, `--trusted-cas=${o.ca}`, '--skip-system-cert-store'];
  const r = await runClient('botan', args, { input: o.input ?? 'ping\n', holdStdinMs: 1000, timeoutMs: o.timeoutMs ?? 10_000 });
  return { ...r, info: parseBotan(r.stdout + '\n' + r.stderr) };
}

/** `botan tls_server cert key` (echoes what it receives); binds the wildcard address, so a netns is used. */
export async function botanServer(t: TestContextLike, o: { cert: TestCert }): Promise<PeerServerWithInfo> {
  const netns = canUseNetns();
  const port = netns ? 4433 : await freePort();
  const args = ['tls_server', o.cert.files.chain, o.cert.files.key, `--port=${port}`];
  const s = await startServer('botan', args, { t, port, netns });
  return { ...s, info: () => parseBotan(s.output()) };
}

// ---- Python ssl ---------------------------------------------------------------------------------------

export interface PythonPeerOptions {
  readonly cert?: TestCert;
  readonly ca?: string;
  readonly port?: number;
  readonly servername?: string;
  readonly clientAuth?: 'none' | 'optional' | 'required';
  readonly min?: 'TLSv1_2' | 'TLSv1_3';
  readonly max?: 'TLSv1_2' | 'TLSv1_3';
  readonly alpn?: readonly string[];
  readonly send?: string;
  readonly timeoutMs?: number;
}

function pythonArgs(mode: 'client' | 'server', o: PythonPeerOptions): string[] {
  const args = [resolveRepoFile('tests/peers/tls_peer.py'), mode];
  const add = (k: string, v: string | undefined): void => {
    if (v !== undefined) args.push(`--${k}`, v);
  };
  add('port', o.port === undefined ? (mode === 'server' ? '0' : undefined) : String(o.port));
  add('cert', o.cert?.files.chain);
  add('key', o.cert?.files.key);
  add('ca', o.ca);
  add('servername', o.servername);
  add('client-auth', o.clientAuth);
  add('min', o.min ?? 'TLSv1_3');
  add('max', o.max);
  add('alpn', o.alpn?.join(','));
  add('send', o.send);
  return args;
}

/** `python3 tls_peer.py client ...` */
export async function pythonClient(o: PythonPeerOptions & { port: number }): Promise<PeerClientResult> {
  const r = await runClient('python3', pythonArgs('client', o), { timeoutMs: o.timeoutMs ?? 15_000 });
  return { ...r, info: parseKeyValue(r.stdout) };
}

/** `python3 tls_peer.py server ...` on 127.0.0.1:0 */
export async function pythonServer(t: TestContextLike, o: PythonPeerOptions): Promise<PeerServerWithInfo> {
  const s = await startServer('python3', pythonArgs('server', o), { t, portPattern: /^ACCEPT 127\.0\.0\.1:(\d+)$/m });
  return { ...s, info: () => parseKeyValue(s.output()) };
}
