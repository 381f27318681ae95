// Flags shared by `client` and `server`, mapped to node:tls option names, plus file helpers.
import { appendFileSync, readFileSync } from 'node:fs';
import type { FlagSpec, ParsedArgs } from './args.js';
import { UsageError } from './args.js';
import { alpnOption, ciphersOption, groupsOption, versionOption } from './names.js';
import { createTraceCollector, traceMode, type TraceCollector } from './render.js';
import type { ClientOptions, ServerOptions, TypetlsExtras, VerifyHook } from './tls-api.js';
import { directoryCheck } from './tls-api.js';

export const COMMON_FLAGS: FlagSpec = {
  ca: 'string',
  cert: 'string',
  key: 'string',
  pfx: 'string',
  pass: 'string',
  alpn: 'string',
  'min-version': 'string',
  'max-version': 'string',
  ciphers: 'string',
  groups: 'string',
  keylog: 'string',
  'no-ticket': 'boolean',
  trace: 'optional',
  json: 'boolean',
  help: 'boolean',
};

export interface CommonTlsOptions {
  trace?: NonNullable<TypetlsExtras["trace"]>;
  ca?: string;
  ALPNProtocols?: string[];
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  ciphers?: string;
  ecdhCurve?: string;
  secureOptions?: number;
}

/** OpenSSL's SSL_OP_NO_TICKET and SSL_OP_LEGACY_SERVER_CONNECT (node's crypto.constants). */
const SSL_OP_NO_TICKET = 0x4000;
export const SSL_OP_LEGACY_SERVER_CONNECT = 0x4;

export function readText(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    throw new UsageError(`cannot read the --${flag} file "${path}" (${typeof code === 'string' ? code : String(e)})`);
  }
}

export function readBytes(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    throw new UsageError(`cannot read the --${flag} file "${path}" (${typeof code === 'string' ? code : String(e)})`);
  }
}

/** node:tls options for --ca, --alpn, --min/max-version, --ciphers, --groups, --trace. */
export function commonTlsOptions(args: ParsedArgs): CommonTlsOptions {
  const o: CommonTlsOptions = {};
  const ca = args.strings.get('ca');
  if (ca !== undefined) o.ca = readText('ca', ca);
  const alpn = args.strings.get('alpn');
  if (alpn !== undefined) o.ALPNProtocols = alpnOption(alpn);
  const min = args.strings.get('min-version');
  if (min !== undefined) o.minVersion = versionOption('--min-version', min);
  const max = args.strings.get('max-version');
  if (max !== undefined) o.maxVersion = versionOption('--max-version', max);
  if (o.minVersion === 'TLSv1.3' && o.maxVersion === 'TLSv1.2') throw new UsageError('--min-version is above --max-version');
  const ciphers = args.strings.get('ciphers');
  if (ciphers !== undefined) o.ciphers = ciphersOption(ciphers);
  const groups = args.strings.get('groups');
  if (groups !== undefined) o.ecdhCurve = groupsOption(groups);
  // openssl -no_ticket: TLS 1.2 session IDs only.
  if (args.booleans.has('no-ticket')) o.secureOptions = SSL_OP_NO_TICKET;
  return o;
}

/**
 * --psk HEX (and --psk-identity ID), as openssl s_client/s_server take them: the key's bytes. The
 * identity defaults to OpenSSL's, "Client_identity".
 */
export function pskOption(args: ParsedArgs): { readonly key: Buffer; readonly identity: string } | undefined {
  const hex = args.strings.get('psk');
  const identity = args.strings.get('psk-identity');
  if (hex === undefined) {
    if (identity !== undefined) throw new UsageError('--psk-identity needs --psk HEX');
    return undefined;
  }
  if (!/^([0-9a-fA-F]{2})+$/.test(hex) || hex.length > 1024) throw new UsageError('--psk takes the key as hex digits (1 to 512 bytes), e.g. --psk 1a2b3c4d');
  return { key: Buffer.from(hex, 'hex'), identity: identity ?? 'Client_identity' };
}

/**
 * --pass ARG in openssl's pass-phrase forms (openssl-passphrase-options(1)): pass:TEXT, env:VAR, or
 * file:PATH (its first line).
 */
function passphraseArg(arg: string, flag = 'pass'): string {
  if (arg.startsWith('pass:')) return arg.slice(5);
  if (arg.startsWith('env:')) {
    const v = process.env[arg.slice(4)];
    if (v === undefined) throw new UsageError(`--${flag} ${arg}: the environment variable ${arg.slice(4)} is not set`);
    return v;
  }
  if (arg.startsWith('file:')) return readText(flag, arg.slice(5)).split(/\r?\n/)[0] ?? '';
  throw new UsageError(`--${flag} takes pass:TEXT, env:VAR or file:PATH (as openssl's -pass), not "${arg}"`);
}

/**
 * --pfx F (a PKCS#12 file: node:tls's `pfx`) and --pass ARG (node:tls's `passphrase`: for --pfx and
 * for an encrypted --key, as openssl's -pass is for the key).
 */
export function pfxOptions(args: ParsedArgs): { pfx?: Buffer; passphrase?: string } {
  const o: { pfx?: Buffer; passphrase?: string } = {};
  const pfx = args.strings.get('pfx');
  if (pfx !== undefined) o.pfx = readBytes('pfx', pfx);
  const pass = args.strings.get('pass');
  if (pass !== undefined) {
    if (pfx === undefined && !args.strings.has('key')) throw new UsageError('--pass needs --pfx F or an encrypted --key F');
    o.passphrase = passphraseArg(pass);
  }
  return o;
}

/** The flags of a directory check on client certificates (server and tunnel server). */
export const DIRECTORY_FLAGS: FlagSpec = {
  directory: 'string',
  'directory-starttls': 'boolean',
  'directory-ca': 'string',
  'directory-bind': 'string',
  'directory-pass': 'string',
};

/**
 * --directory URL (ldap:// or ldaps://): each client certificate must be held by its subject's entry in
 * that directory (userCertificate;binary), on top of the chain check; --directory-starttls,
 * --directory-ca F (the directory's TLS trust; default --ca, else the system roots),
 * --directory-bind DN with --directory-pass ARG (openssl's pass:/env:/file: forms).
 */
export function directoryOption(args: ParsedArgs): { verifyHook: VerifyHook; url: string } | undefined {
  const url = args.strings.get('directory');
  const used = ['directory-starttls', 'directory-ca', 'directory-bind', 'directory-pass'].filter((f) => args.strings.has(f) || args.booleans.has(f));
  if (url === undefined) {
    if (used.length > 0) throw new UsageError(`--${used[0] ?? ''} needs --directory URL`);
    return undefined;
  }
  const caFile = args.strings.get('directory-ca') ?? args.strings.get('ca');
  const bindDn = args.strings.get('directory-bind');
  const pass = args.strings.get('directory-pass');
  if ((bindDn === undefined) !== (pass === undefined)) throw new UsageError('--directory-bind and --directory-pass go together');
  try {
    const hook = directoryCheck({
      url,
      ...(args.booleans.has('directory-starttls') ? { startTls: true } : {}),
      tls: caFile !== undefined ? { ca: readText(args.strings.has('directory-ca') ? 'directory-ca' : 'ca', caFile) } : {},
      ...(bindDn !== undefined ? { bindDn, password: passphraseArg(pass ?? '', 'directory-pass') } : {}),
    });
    return { verifyHook: hook, url };
  } catch (e) {
    throw new UsageError(`--directory: ${e instanceof Error ? e.message.replace(/^directoryCheck: /, '') : String(e)}`);
  }
}

/**
 * The flags a client's TLS side takes in `typetls client` and `typetls tunnel client`: --servername,
 * --cert/--key or --pfx/--pass, --insecure, --legacy-server-connect.
 */
export function applyClientFlags(args: ParsedArgs, options: ClientOptions): void {
  const servername = args.strings.get('servername');
  if (servername !== undefined) options.servername = servername;
  const cert = args.strings.get('cert');
  const key = args.strings.get('key');
  if (cert !== undefined && key !== undefined) {
    options.cert = readText('cert', cert);
    options.key = readText('key', key);
  }
  Object.assign(options, pfxOptions(args));
  if (args.booleans.has('insecure')) options.rejectUnauthorized = false;
  if (args.booleans.has('legacy-server-connect')) options.secureOptions = (options.secureOptions ?? 0) | SSL_OP_LEGACY_SERVER_CONNECT;
}

/**
 * --verify-client none|request|require and --directory on a server's options (`typetls server`,
 * `typetls tunnel server`); true when client certificates are asked for.
 */
export function applyVerifyClient(args: ParsedArgs, options: ServerOptions): boolean {
  const verify = args.strings.get('verify-client') ?? 'none';
  if (verify === 'request') {
    options.requestCert = true;
    options.rejectUnauthorized = false;
  } else if (verify === 'require') {
    options.requestCert = true;
    options.rejectUnauthorized = true;
  } else if (verify !== 'none') throw new UsageError(`--verify-client must be none, request or require, not "${verify}"`);
  const directory = directoryOption(args);
  if (directory !== undefined) {
    if (verify === 'none') throw new UsageError('--directory checks client certificates: add --verify-client request or require');
    options.verifyHook = directory.verifyHook;
  }
  return verify !== 'none';
}

/** A collector for --trace[=bytes] / --json, writing to stderr (stdout carries the peer's data), or undefined. */
export function traceCollector(args: ParsedArgs): TraceCollector | undefined {
  const mode = traceMode(args.booleans, args.strings);
  if (mode === undefined) return undefined;
  return createTraceCollector({ mode, color: process.stderr.isTTY, write: (t) => void process.stderr.write(t) });
}

/** A keylog sink appending NSS key log lines (one per 'keylog' event) to `path`. */
export function keylogSink(path: string): (line: Buffer) => void {
  return (line) => {
    try {
      appendFileSync(path, line);
    } catch (e) {
      process.stderr.write(`warning: cannot write the key log "${path}": ${String(e)}\n`);
    }
  };
}
