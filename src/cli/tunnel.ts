// `typetls tunnel client|server`: a TLS tunnel like stunnel. `client` accepts plain TCP and carries
// each connection over TLS to --connect (a plain-text tool reaching a TLS service); `server` accepts
// TLS and carries each connection in plain text to --connect (TLS in front of a plain service). The
// first stdout line is `ACCEPT host:port`; one line per connection goes to stderr, with --trace the
// narrated ten steps of each TLS connection.
import * as net from 'node:net';
import type { FlagSpec, ParsedArgs } from './args.js';
import { intOption, parseArgs, requireTogether, UsageError } from './args.js';
import { parseHostPort } from './client.js';
import { applyClientFlags, applyVerifyClient, COMMON_FLAGS, commonTlsOptions, DIRECTORY_FLAGS, keylogSink, pfxOptions, readText } from './options.js';
import { serverTrace } from './server-trace.js';
import { alpnText, describeError, peerSubject, verification } from './summary.js';
import { serveUntilStopped } from './listen.js';
import type { ClientOptions, ServerOptions, TLSSocket } from './tls-api.js';
import { connect, createServer } from './tls-api.js';
import type { Duplex } from 'node:stream';

export const TUNNEL_FLAGS: FlagSpec = {
  ...COMMON_FLAGS,
  ...DIRECTORY_FLAGS,
  accept: 'string',
  connect: 'string',
  naccept: 'string',
  servername: 'string',
  insecure: 'boolean',
  'legacy-server-connect': 'boolean',
  'verify-client': 'string',
};

export const TUNNEL_USAGE = `usage: typetls tunnel client --accept [HOST:]PORT --connect HOST:PORT [--servername S] [--ca F]
       [--cert F --key F | --pfx F] [--pass ARG] [--alpn LIST] [--insecure] [--legacy-server-connect] [TLS options]
       typetls tunnel server --accept [HOST:]PORT --connect HOST:PORT (--cert F --key F | --pfx F) [--pass ARG]
       [--ca F] [--verify-client none|request|require] [--alpn LIST] [TLS options]
       [--directory URL [--directory-starttls] [--directory-ca F] [--directory-bind DN --directory-pass ARG]]
TLS options: [--min-version 1.2|1.3] [--max-version 1.2|1.3] [--ciphers LIST] [--groups LIST]
       [--no-ticket] [--keylog F] [--trace[=bytes] | --json] [--naccept N]
client: plain TCP in, TLS out to --connect (verified against --ca, else the system roots, for
--servername, else the --connect host). server: TLS in, plain TCP out to --connect.
--accept takes a port (on 127.0.0.1) or HOST:PORT; port 0 picks a free one, and the first line on stdout
is then "ACCEPT <host>:<port>". One line per connection goes to stderr. SIGTERM/SIGINT stop it.
`;

type Mode = 'client' | 'server';

/** --accept: "PORT" (on 127.0.0.1) or "HOST:PORT". */
function acceptAddress(s: string): { host: string; port: number } {
  if (/^\d+$/.test(s)) {
    const port = Number(s);
    if (port > 65535) throw new UsageError(`--accept port ${s} is out of range`);
    return { host: '127.0.0.1', port };
  }
  return parseHostPort(s);
}

function tlsFacts(socket: TLSSocket, mode: Mode, peerCertExpected: boolean): string {
  const facts: [string, string][] = [
    ['protocol', socket.getProtocol() ?? 'unknown'],
    ['cipher', socket.getCipher()?.standardName ?? 'unknown'],
    ['alpn', alpnText(socket)],
    [mode === 'client' ? 'server certificate' : 'client certificate', peerSubject(socket)],
    ['verification', verification(socket, peerCertExpected)],
    ['resumed', socket.isSessionReused() ? 'yes' : 'no'],
  ];
  return facts.map(([k, v]) => `${k}=${v}`).join(' | ');
}

/**
 * Copies both ways between the accepted side and the other one, with backpressure (pipe) and
 * half-close (both sides are allowHalfOpen: an end on one ends the other's writing side, and the
 * other direction goes on). A side that fails takes the other down; one that closes cleanly has
 * already passed its end on, so the other is ended, never cut short.
 */
function splice(a: Duplex, b: Duplex, onDone: (counts: { aToB: number; bToA: number }) => void): void {
  const counts = { aToB: 0, bToA: 0 };
  a.on('data', (d: Buffer) => (counts.aToB += d.length));
  b.on('data', (d: Buffer) => (counts.bToA += d.length));
  a.pipe(b);
  b.pipe(a);
  let closed = 0;
  const failed = new Set<Duplex>();
  a.on('error', () => failed.add(a));
  b.on('error', () => failed.add(b));
  const onClose = (self: Duplex, other: Duplex) => (): void => {
    if (failed.has(self)) other.destroy();
    else other.end();
    if (++closed === 2) onDone(counts);
  };
  a.once('close', onClose(a, b));
  b.once('close', onClose(b, a));
}

function clientOptions(args: ParsedArgs, target: { host: string; port: number }): ClientOptions {
  // SNI and the name checked: --servername, else the --connect host unless it is an IP address.
  const options: ClientOptions = { host: target.host, port: target.port, allowHalfOpen: true, ...commonTlsOptions(args) };
  applyClientFlags(args, options);
  return options;
}

function serverOptions(args: ParsedArgs): { options: ServerOptions; peerCertExpected: boolean } {
  const cert = args.strings.get('cert');
  const key = args.strings.get('key');
  if ((cert === undefined || key === undefined) && !args.strings.has('pfx')) throw new UsageError('typetls tunnel server needs --cert F --key F or --pfx F');
  const options: ServerOptions = {
    ...(cert !== undefined && key !== undefined ? { cert: readText('cert', cert), key: readText('key', key) } : {}),
    ...pfxOptions(args),
    allowHalfOpen: true,
    ...commonTlsOptions(args),
  };
  return { options, peerCertExpected: applyVerifyClient(args, options) };
}

/** Runs the tunnel until SIGTERM/SIGINT (or --naccept connections); resolves to the exit status. */
export async function runTunnel(argv: readonly string[]): Promise<number> {
  const [mode, ...rest] = argv;
  if (mode === undefined || mode === '--help' || mode === 'help') {
    process.stdout.write(TUNNEL_USAGE);
    return 0;
  }
  if (mode !== 'client' && mode !== 'server') throw new UsageError(`typetls tunnel takes "client" or "server" first, not "${mode}"`);
  const args = parseArgs(rest, TUNNEL_FLAGS);
  if (args.booleans.has('help')) {
    process.stdout.write(TUNNEL_USAGE);
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0] ?? ''}"`);
  const acceptArg = args.strings.get('accept');
  const connectArg = args.strings.get('connect');
  if (acceptArg === undefined || connectArg === undefined) throw new UsageError('typetls tunnel needs --accept [HOST:]PORT and --connect HOST:PORT');
  const listenOn = acceptAddress(acceptArg);
  const target = parseHostPort(connectArg);
  requireTogether(args, 'cert', 'key');
  const naccept = args.strings.has('naccept') ? intOption(args, 'naccept', 1) : undefined;
  for (const [flag, only] of [
    ['servername', 'client'],
    ['insecure', 'client'],
    ['legacy-server-connect', 'client'],
    ['verify-client', 'server'],
    ['directory', 'server'],
  ] as const) {
    if ((args.strings.has(flag) || args.booleans.has(flag)) && mode !== only) throw new UsageError(`--${flag} is for typetls tunnel ${only}`);
  }
  const keylog = args.strings.get('keylog');
  const trace = serverTrace(args, mode);

  let nextId = 1;
  let done = 0;
  const live = new Set<Duplex>();
  const track = (s: Duplex): void => {
    live.add(s);
    s.once('close', () => live.delete(s));
  };
  const finished = (stop: () => void): void => {
    done++;
    if (naccept !== undefined && done >= naccept) stop();
  };

  let listener: net.Server;
  let stop: () => void = () => undefined;
  if (mode === 'client') {
    const options = clientOptions(args, target);
    listener = net.createServer({ allowHalfOpen: true }, (plain) => {
      const id = nextId++;
      track(plain);
      plain.on('error', () => undefined); // reported by the close below
      plain.pause(); // nothing is read before the TLS side is up
      const tls = connect(options);
      track(tls);
      if (keylog !== undefined) tls.on('keylog', keylogSink(keylog));
      let up = false;
      plain.once('close', () => {
        if (!up) tls.destroy(); // gone before the TLS side was up
      });
      tls.once('secureConnect', () => {
        up = true;
        process.stderr.write(`conn ${String(id)}: ${plain.remoteAddress ?? '?'}:${String(plain.remotePort ?? '?')} -> ${connectArg} ${tlsFacts(tls, 'client', true)}\n`);
        plain.resume();
        splice(plain, tls, ({ aToB, bToA }) => {
          process.stderr.write(`conn ${String(id)}: closed (${String(aToB)} bytes to the server, ${String(bToA)} bytes back)\n`);
          finished(stop);
        });
      });
      tls.once('error', (err: unknown) => {
        process.stderr.write(`conn ${String(id)}: ${up ? 'error' : 'handshake failed'}: ${describeError(err)}\n`);
        plain.destroy();
        tls.destroy();
        if (!up) finished(stop);
      });
    });
  } else {
    const { options, peerCertExpected } = serverOptions(args);
    const server = createServer(options);
    if (keylog !== undefined) server.on('keylog', keylogSink(keylog));
    server.on('connection', (raw: net.Socket) => track(raw));
    server.on('tlsClientError', (err: unknown) => {
      process.stderr.write(`conn ${String(nextId++)}: handshake failed: ${describeError(err)}\n`);
      finished(stop);
    });
    server.on('secureConnection', (tls: TLSSocket) => {
      const id = nextId++;
      tls.pause();
      const plain = net.connect({ port: target.port, host: target.host, allowHalfOpen: true });
      track(plain);
      plain.once('connect', () => {
        process.stderr.write(`conn ${String(id)}: ${tls.remoteAddress ?? '?'}:${String(tls.remotePort ?? '?')} ${tlsFacts(tls, 'server', peerCertExpected)} -> ${connectArg}\n`);
        tls.resume();
        splice(tls, plain, ({ aToB, bToA }) => {
          process.stderr.write(`conn ${String(id)}: closed (${String(aToB)} bytes to ${connectArg}, ${String(bToA)} bytes back)\n`);
          finished(stop);
        });
      });
      plain.once('error', (err: unknown) => {
        if (plain.connecting || plain.pending) {
          process.stderr.write(`conn ${String(id)}: cannot reach ${connectArg}: ${describeError(err)}\n`);
          tls.destroy();
          finished(stop);
        }
      });
      tls.on('error', () => undefined); // the splice's close reports the end
    });
    listener = server;
  }

  const serving = serveUntilStopped(listener, listenOn.host, listenOn.port, live, () => trace?.stop());
  stop = serving.stop;
  return serving.exit;
}
