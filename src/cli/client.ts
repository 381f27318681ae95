// `typetls client HOST:PORT`: stdin to the peer, the peer to stdout, the handshake summary to stderr.
import { writeFileSync } from 'node:fs';
import type { FlagSpec } from './args.js';
import { intOption, parseArgs, requireTogether, UsageError } from './args.js';
import { applyClientFlags, COMMON_FLAGS, commonTlsOptions, keylogSink, pskOption, readBytes, traceCollector } from './options.js';
import { describeError, formatSummary, handshakeSummary } from './summary.js';
import type { ClientOptions } from './tls-api.js';
import { backend, connect, earlyDataClientOptions, earlyDataState } from './tls-api.js';

export const CLIENT_FLAGS: FlagSpec = {
  ...COMMON_FLAGS,
  servername: 'string',
  insecure: 'boolean',
  'legacy-server-connect': 'boolean',
  'sess-out': 'string',
  'sess-in': 'string',
  'early-data': 'string',
  keymatexport: 'string',
  keymatexportlen: 'string',
  status: 'boolean',
  psk: 'string',
  'psk-identity': 'string',
};

export const CLIENT_USAGE = `usage: typetls client HOST:PORT [--servername S] [--ca F] [--cert F --key F | --pfx F] [--pass ARG] [--alpn LIST]
       [--min-version 1.2|1.3] [--max-version 1.2|1.3] [--ciphers LIST] [--groups LIST] [--insecure]
       [--keylog F] [--trace] [--sess-out F] [--sess-in F] [--early-data FILE]
       [--keymatexport LABEL --keymatexportlen N] [--status] [--psk HEX [--psk-identity ID]]
       [--no-ticket] [--legacy-server-connect]
--pfx gives the client certificate and key as a PKCS#12 file; --pass is its passphrase (or an encrypted
--key's), as openssl's -pass: pass:TEXT, env:VAR or file:PATH.
--status asks the server to staple an OCSP response (openssl -status); the summary says what came.
--psk offers a pre-shared key (TLS 1.3 external PSK; in TLS 1.2 with PSK suites named in --ciphers),
named by --psk-identity (default "Client_identity", as openssl s_client).
--no-ticket resumes TLS 1.2 by session ID only; --legacy-server-connect reaches a TLS 1.2 server without
secure renegotiation (RFC 5746), an old device, at the risk of CVE-2009-3555 (as openssl's options).
stdin goes to the peer (end of input sends close_notify), what the peer sends goes to stdout, and the
handshake summary goes to stderr as "key: value" lines. Exit status 1 when the handshake fails.
`;

/** "host:port" or "[v6]:port". */
export function parseHostPort(s: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  const host = m?.[1];
  const port = Number(m?.[2]);
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`"${s}" is not HOST:PORT (for example 127.0.0.1:4433 or localhost:443)`);
  }
  return { host, port };
}

const SESSION_LABEL = 'SSL SESSION PARAMETERS';

function readSession(path: string): Buffer {
  const raw = readBytes('sess-in', path);
  const text = raw.toString('latin1');
  const m = /-----BEGIN SSL SESSION PARAMETERS-----([\s\S]*?)-----END SSL SESSION PARAMETERS-----/.exec(text);
  return m?.[1] === undefined ? raw : Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
}

function writeSession(path: string, session: Buffer): void {
  const b64 = session.toString('base64').replace(/(.{64})/g, '$1\n');
  try {
    writeFileSync(path, `-----BEGIN ${SESSION_LABEL}-----\n${b64.trimEnd()}\n-----END ${SESSION_LABEL}-----\n`);
  } catch (e) {
    process.stderr.write(`warning: cannot write the session file "${path}": ${String(e)}\n`);
  }
}

/** Runs the client; resolves to the exit status. */
export async function runClient(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, CLIENT_FLAGS);
  if (args.booleans.has('help')) {
    process.stdout.write(CLIENT_USAGE);
    return 0;
  }
  if (args.positionals.length !== 1) throw new UsageError('typetls client needs exactly one HOST:PORT');
  const { host, port } = parseHostPort(args.positionals[0] ?? '');
  requireTogether(args, 'cert', 'key');
  requireTogether(args, 'keymatexport', 'keymatexportlen');

  const options: ClientOptions = { host, port, ...commonTlsOptions(args) };
  const trace = traceCollector(args);
  if (trace !== undefined) options.trace = trace.listener('client');
  applyClientFlags(args, options);
  const sessIn = args.strings.get('sess-in');
  if (sessIn !== undefined) options.session = readSession(sessIn);
  const earlyFile = args.strings.get('early-data');
  const earlyData = earlyFile === undefined ? undefined : readBytes('early-data', earlyFile);
  if (earlyData !== undefined) {
    Object.assign(options, earlyDataClientOptions(earlyData));
    if (!backend.earlyData) process.stderr.write(`note: ${backend.name} cannot send early data; it is sent after the handshake instead\n`);
  }
  const status = args.booleans.has('status');
  if (status) options.requestOCSP = true;
  const psk = pskOption(args);
  if (psk !== undefined) options.pskCallback = () => ({ psk: psk.key, identity: psk.identity });
  const label = args.strings.get('keymatexport');
  const keymat = label === undefined ? undefined : { label, length: intOption(args, 'keymatexportlen', 32, 16384) };

  return new Promise<number>((resolve) => {
    let handshakeDone = false;
    let failed = false;
    const socket = connect(options);
    const keylog = args.strings.get('keylog');
    if (keylog !== undefined) socket.on('keylog', keylogSink(keylog));
    let ocsp: Buffer | null = null;
    if (status) socket.on('OCSPResponse', (r: Buffer | null) => (ocsp = r));
    const sessOut = args.strings.get('sess-out');
    if (sessOut !== undefined) socket.on('session', (s: Buffer) => writeSession(sessOut, s));

    const onStdin = (d: Buffer): void => void socket.write(d);
    const onStdinEnd = (): void => void socket.end();
    socket.once('secureConnect', () => {
      handshakeDone = true;
      const lines = handshakeSummary(socket, {
        side: 'client',
        earlyData: earlyDataState(socket, earlyData !== undefined),
        peerCertExpected: true,
        ...(keymat === undefined ? {} : { keyingMaterial: keymat }),
        ...(status ? { ocspResponse: ocsp } : {}),
      });
      process.stderr.write(formatSummary(lines));
      if (earlyData !== undefined && !backend.earlyData) socket.write(earlyData);
      process.stdin.on('data', onStdin);
      process.stdin.once('end', onStdinEnd);
    });
    socket.on('data', (d: Buffer) => process.stdout.write(d));
    socket.on('error', (err: unknown) => {
      if (failed) return;
      failed = true;
      process.stderr.write(`error: ${describeError(err)}\n`);
      socket.destroy(); // node:tls reports some post-handshake failures without closing the socket
    });
    socket.once('close', () => {
      process.stdin.off('data', onStdin);
      process.stdin.off('end', onStdinEnd);
      process.stdin.pause();
      trace?.flush();
      if (!handshakeDone && !failed) process.stderr.write('error: ECONNRESET: the peer closed the connection before the handshake completed\n');
      resolve(failed || !handshakeDone ? 1 : 0);
    });
  });
}
