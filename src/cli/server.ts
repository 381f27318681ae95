// `typetls server --port N`: the first stdout line is `ACCEPT host:port`; per-connection summary
// lines go to stderr; `--www` answers one HTTP request like `openssl s_server -www`, `--echo` sends
// back what it receives, otherwise received data goes to stdout.
import type { Socket } from 'node:net';
import type { FlagSpec } from './args.js';
import { intOption, parseArgs, requireTogether, UsageError } from './args.js';
import { applyVerifyClient, COMMON_FLAGS, commonTlsOptions, DIRECTORY_FLAGS, keylogSink, pfxOptions, pskOption, readBytes, readText } from './options.js';
import { serverTrace } from './server-trace.js';
import { alpnText, describeError, peerSubject, verification } from './summary.js';
import { serveUntilStopped, type Serving } from './listen.js';
import type { ServerOptions, TLSSocket } from './tls-api.js';
import { backend, createServer, earlyDataServerOptions, numTicketsOptions } from './tls-api.js';

export const SERVER_FLAGS: FlagSpec = {
  ...COMMON_FLAGS,
  ...DIRECTORY_FLAGS,
  port: 'string',
  host: 'string',
  cert2: 'string',
  key2: 'string',
  'verify-client': 'string',
  www: 'boolean',
  echo: 'boolean',
  naccept: 'string',
  'num-tickets': 'string',
  'early-data': 'boolean',
  'status-file': 'string',
  psk: 'string',
  'psk-identity': 'string',
  'psk-hint': 'string',
};

export const SERVER_USAGE = `usage: typetls server --port N (--cert F --key F | --pfx F | --psk HEX) [--pass ARG] [--cert2 F --key2 F] [--host H] [--ca F]
       [--verify-client none|request|require] [--alpn LIST] [--min-version 1.2|1.3]
       [--max-version 1.2|1.3] [--ciphers LIST] [--groups LIST] [--keylog F] [--trace]
       [--www | --echo] [--naccept N] [--num-tickets N] [--early-data] [--status-file F]
       [--psk HEX [--psk-identity ID] [--psk-hint H]] [--no-ticket]
       [--directory URL [--directory-starttls] [--directory-ca F] [--directory-bind DN --directory-pass ARG]]
--directory (with --verify-client) wants each client certificate in its subject's entry of that LDAP
directory (ldap:// or ldaps://, attribute userCertificate;binary): the classic step 6.
--pfx gives the certificate, its chain and key as a PKCS#12 file; --pass is its passphrase (or an
encrypted --key's), as openssl's -pass: pass:TEXT, env:VAR or file:PATH.
--status-file staples the DER OCSP response in F for clients that ask (openssl s_server -status_file).
--psk accepts clients that name --psk-identity (default "Client_identity") with that pre-shared key
(TLS 1.3 external PSK; TLS 1.2 with PSK suites named in --ciphers); with --psk, --cert is optional.
--no-ticket issues no TLS 1.2 session tickets: clients resume by session ID (openssl -no_ticket).
--port 0 picks a free port; the first line on stdout is then "ACCEPT <host>:<port>".
--www answers an HTTP request with a page describing the connection; --echo sends data back;
otherwise received data goes to stdout. Connection summaries go to stderr. SIGTERM/SIGINT stop it.
`;

const MAX_REQUEST = 16 * 1024;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

function connectionFacts(socket: TLSSocket, peerCertExpected: boolean): [string, string][] {
  return [
    ['protocol', socket.getProtocol() ?? 'unknown'],
    ['cipher', socket.getCipher()?.standardName ?? 'unknown'],
    ['alpn', alpnText(socket)],
    ['client certificate', peerSubject(socket)],
    ['verification', verification(socket, peerCertExpected)],
    ['resumed', socket.isSessionReused() ? 'yes' : 'no'],
  ];
}

function wwwPage(facts: readonly [string, string][]): string {
  const rows = facts.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n');
  const body = `<!DOCTYPE html>\n<html><head><title>typetls</title></head><body>\n<h1>typetls server</h1>\n<table>\n${rows}\n</table>\n</body></html>\n`;
  return `HTTP/1.0 200 ok\r\nContent-Type: text/html\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** Answers one HTTP request; returns nothing, calls `sent` with the response size. */
function serveWww(socket: TLSSocket, facts: readonly [string, string][], sent: (n: number) => void): void {
  let got = '';
  let answered = false;
  socket.on('data', (d: Buffer) => {
    if (answered) return;
    got += d.toString('latin1');
    if (got.includes('\r\n\r\n') || got.includes('\n\n')) {
      answered = true;
      const page = wwwPage(facts);
      sent(Buffer.byteLength(page));
      socket.end(page); // close_notify, then close
    } else if (got.length > MAX_REQUEST) {
      answered = true;
      const page = 'HTTP/1.0 400 request too long\r\n\r\n';
      sent(page.length);
      socket.end(page);
    }
  });
}

export async function runServer(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, SERVER_FLAGS);
  if (args.booleans.has('help')) {
    process.stdout.write(SERVER_USAGE);
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0] ?? ''}"`);
  if (!args.strings.has('port')) throw new UsageError('typetls server needs --port N (0 picks a free port)');
  const port = intOption(args, 'port', 0, 65535);
  const host = args.strings.get('host') ?? '127.0.0.1';
  const cert = args.strings.get('cert');
  const key = args.strings.get('key');
  const psk = pskOption(args);
  if (psk === undefined && args.strings.has('psk-hint')) throw new UsageError('--psk-hint needs --psk HEX');
  if ((cert === undefined || key === undefined) && !args.strings.has('pfx') && psk === undefined) {
    throw new UsageError('typetls server needs --cert F --key F or --pfx F (or --psk HEX)');
  }
  requireTogether(args, 'cert', 'key');
  requireTogether(args, 'cert2', 'key2');
  if (args.booleans.has('www') && args.booleans.has('echo')) throw new UsageError('--www and --echo exclude each other');
  const naccept = args.strings.has('naccept') ? intOption(args, 'naccept', 0) : undefined;
  if (naccept === 0) throw new UsageError('--naccept must be at least 1');

  const certs = cert === undefined ? [] : [readText('cert', cert)];
  const keys = key === undefined ? [] : [readText('key', key)];
  const cert2 = args.strings.get('cert2');
  const key2 = args.strings.get('key2');
  // node:tls takes several certificate/key pairs of different key types and picks one by the
  // client's signature algorithms.
  if (cert2 !== undefined && key2 !== undefined) {
    certs.push(readText('cert2', cert2));
    keys.push(readText('key2', key2));
  }
  const options: ServerOptions = { ...(certs.length > 0 ? { cert: certs, key: keys } : {}), ...pfxOptions(args), ...commonTlsOptions(args) };
  if (psk !== undefined) {
    // As openssl s_server: one identity, one key.
    options.pskCallback = (_socket, identity) => (identity === psk.identity ? psk.key : null);
    const hint = args.strings.get('psk-hint');
    if (hint !== undefined) options.pskIdentityHint = hint;
  }
  const trace = serverTrace(args);
  const peerCertExpected = applyVerifyClient(args, options);
  if (args.strings.has('num-tickets')) {
    Object.assign(options, numTicketsOptions(intOption(args, 'num-tickets', 2, 16)));
    if (!backend.numTickets) process.stderr.write(`note: ${backend.name} ignores --num-tickets\n`);
  }
  if (args.booleans.has('early-data')) {
    Object.assign(options, earlyDataServerOptions());
    if (!backend.earlyData) process.stderr.write(`note: ${backend.name} does not accept early data\n`);
  }
  const mode = args.booleans.has('www') ? 'www' : args.booleans.has('echo') ? 'echo' : 'print';

  const statusFile = args.strings.get('status-file');
  const ocspResponse = statusFile === undefined ? undefined : readBytes('status-file', statusFile);

  const server = createServer(options);
  if (ocspResponse !== undefined) server.on('OCSPRequest', (_cert: Buffer, _issuer: Buffer | null, cb: (err: null, r: Buffer) => void) => cb(null, ocspResponse));
  const keylog = args.strings.get('keylog');
  if (keylog !== undefined) server.on('keylog', keylogSink(keylog));

  const live = new Set<Socket>();
  let nextId = 1; // numbers TLS connections in the order their handshakes end
  let completed = 0;

  let serving: Serving | undefined;
  server.on('connection', (raw: Socket) => {
    live.add(raw);
    raw.once('close', () => {
      live.delete(raw);
      completed++;
      if (naccept !== undefined && completed >= naccept) serving?.stop();
    });
  });
  server.on('tlsClientError', (err: Error) => {
    process.stderr.write(`conn ${String(nextId++)}: handshake failed: ${describeError(err)}\n`);
  });
  server.on('secureConnection', (socket: TLSSocket) => {
    const id = nextId++;
    const facts = connectionFacts(socket, peerCertExpected);
    const peer = `${socket.remoteAddress ?? '?'}:${String(socket.remotePort ?? '?')}`;
    process.stderr.write(`conn ${String(id)}: from ${peer} ${facts.map(([k, v]) => `${k}=${v}`).join(' | ')}\n`);
    let bytesIn = 0;
    let bytesOut = 0;
    socket.on('data', (d: Buffer) => {
      bytesIn += d.length;
    });
    if (mode === 'www') serveWww(socket, facts, (n) => (bytesOut += n));
    else if (mode === 'echo') {
      socket.on('data', (d: Buffer) => {
        bytesOut += d.length;
        socket.write(d);
      });
    } else socket.on('data', (d: Buffer) => process.stdout.write(d));
    socket.on('error', (err: unknown) => {
      process.stderr.write(`conn ${String(id)}: error: ${describeError(err)}\n`);
      socket.destroy(); // node:tls reports some post-handshake failures without closing the socket
    });
    socket.once('close', () => {
      process.stderr.write(`conn ${String(id)}: closed (${String(bytesIn)} bytes received, ${String(bytesOut)} bytes sent)\n`);
    });
  });
  serving = serveUntilStopped(server, host, port, live, () => trace?.stop());
  return serving.exit;
}
