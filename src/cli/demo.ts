// `typetls demo` (npm start): a throw-away PKI in memory, a server on 127.0.0.1:0 that requires a
// client certificate, a client with mutual authentication, a few messages both ways, close_notify,
// and a summary. `--fail=...` shows how the handshake refuses; the demo then exits 0 because it did
// what it set out to show (exit 1 only when a failure path unexpectedly succeeds or the demo breaks).
// Both sides trace; the demo prints the ten classic handshake steps built from those events
// (src/trace/steps.ts, rendered by src/trace/render.ts), then how the connection ended.
import type { Socket as NetSocket } from 'node:net';
import type { FlagSpec } from './args.js';
import { parseArgs, UsageError } from './args.js';
import { issue } from './keygen.js';
import { ciphersOption } from './names.js';
import type { TamperProxy } from './proxy.js';
import { startTamperProxy } from './proxy.js';
import { appendFileSync } from 'node:fs';
import { createTraceCollector, eventJson, renderNarrative, renderOutcome, traceMode, type TraceCollector, type TraceMode } from './render.js';
import type { Narrative } from '../trace/steps.js';
import { TLS12_CAPABILITIES } from '../conn/defaults.js';
import type { SummaryLine } from './summary.js';
import { describeError, formatSummary, handshakeSummary, peerSubject } from './summary.js';
import type { ClientOptions, ServerOptions, TLSSocket } from './tls-api.js';
import { backend, connect, createServer } from './tls-api.js';
import type { IssuedCertificate, IssueKeyType } from '../pki/issue.js';

const FAILURES = ['expired', 'wrong-host', 'unknown-ca', 'no-client-cert', 'tampered-record'] as const;
type Failure = (typeof FAILURES)[number];

export const DEMO_FLAGS: FlagSpec = {
  'tls1.2': 'boolean',
  'rsa-kex': 'boolean',
  'no-client-auth': 'boolean',
  trace: 'optional',
  json: 'boolean',
  keylog: 'string',
  fail: 'string',
  help: 'boolean',
};

export const DEMO_USAGE = `usage: typetls demo [--tls1.2] [--rsa-kex] [--no-client-auth] [--trace[=bytes]] [--json]
                    [--keylog FILE] [--fail=expired|wrong-host|unknown-ca|no-client-cert|tampered-record]
Makes a throw-away CA, server and client certificates in memory, runs a TLS server on 127.0.0.1
and a client with mutual authentication in this process, exchanges a few messages, closes with
close_notify and prints the handshake in the ten classic steps, from both sides' traces.
--trace=bytes adds an annotated hex dump of every handshake message; --json prints the trace
events (and the steps) as one JSON object per line instead; --keylog FILE writes the secrets in
NSS key log format (for Wireshark). --fail=... shows how the handshake refuses a bad peer; the
demo then exits 0 (it showed what it meant to show) and 1 only if the failure did not happen.
`;

const MESSAGES = ['hello, server', 'this travels encrypted', 'goodbye'] as const;
const SAFETY_MS = 10_000;

interface DemoSetup {
  readonly failure: Failure | undefined;
  readonly version: 'TLSv1.2' | 'TLSv1.3';
  readonly rsaKex: boolean;
  readonly clientAuth: boolean;
  readonly trace: TraceMode;
  readonly keylog: string | undefined;
  readonly color: boolean;
}

interface DemoPki {
  readonly trustedCaPem: string;
  readonly server: IssuedCertificate;
  readonly client: IssuedCertificate | undefined;
  readonly lines: string[];
}

interface SideResult {
  summary: SummaryLine[] | undefined;
  error: unknown;
  appIn: number;
  appOut: number;
  /** Server side only: bytes read and written on its TCP connections. */
  wireIn: number;
  wireOut: number;
  authorized: boolean;
  peer: string;
  gotEnd: boolean;
}

function newSide(): SideResult {
  return { summary: undefined, error: undefined, appIn: 0, appOut: 0, wireIn: 0, wireOut: 0, authorized: false, peer: 'none', gotEnd: false };
}

const DAY = 86_400_000;

function keyTypeName(t: IssueKeyType): string {
  return t === 'ecdsa-p256' ? 'ECDSA P-256' : t === 'rsa-2048' ? 'RSA 2048' : 'Ed25519';
}

function makePki(s: DemoSetup): DemoPki {
  const lines: string[] = [];
  const ca = issue({ subjectCn: 'typetls demo CA', keyType: 'ecdsa-p256', isCA: true, pathLen: 0 });
  lines.push(`  CA      CN=typetls demo CA (ECDSA P-256, self-signed; the only certificate both sides trust)`);
  let serverIssuer = ca;
  if (s.failure === 'unknown-ca') {
    serverIssuer = issue({ subjectCn: 'unknown demo CA', keyType: 'ecdsa-p256', isCA: true, pathLen: 0 });
    lines.push(`  CA      CN=unknown demo CA (a second CA the client does NOT trust)`);
  }
  const serverKey: IssueKeyType = s.rsaKex ? 'rsa-2048' : 'ecdsa-p256';
  const now = Date.now();
  const expired = s.failure === 'expired';
  const hostNames = s.failure === 'wrong-host' ? ['www.example.com'] : ['localhost'];
  const server = issue({
    subjectCn: hostNames[0] ?? 'localhost',
    keyType: serverKey,
    issuer: { certDer: serverIssuer.certDer, key: serverIssuer.key },
    extKeyUsage: ['serverAuth'],
    sanDns: hostNames,
    ...(s.failure === 'wrong-host' ? {} : { sanIp: ['127.0.0.1'] }),
    ...(expired ? { notBefore: new Date(now - 10 * DAY), notAfter: new Date(now - DAY) } : {}),
  });
  const serverNames = `DNS:${hostNames.join(', DNS:')}${s.failure === 'wrong-host' ? '' : ', IP:127.0.0.1'}`;
  lines.push(
    `  server  CN=${hostNames[0] ?? ''} (${keyTypeName(serverKey)}, ${serverNames}, issued by CN=${s.failure === 'unknown-ca' ? 'unknown demo CA' : 'typetls demo CA'}` +
      `${expired ? ', EXPIRED yesterday' : ''})`,
  );
  let client: IssuedCertificate | undefined;
  if (s.clientAuth && s.failure !== 'no-client-cert') {
    client = issue({ subjectCn: 'typetls demo client', keyType: 'ecdsa-p256', issuer: { certDer: ca.certDer, key: ca.key }, extKeyUsage: ['clientAuth'] });
    lines.push(`  client  CN=typetls demo client (ECDSA P-256, clientAuth, issued by CN=typetls demo CA)`);
  } else if (s.failure === 'no-client-cert') {
    lines.push(`  client  (no certificate: the client will not present one)`);
  }
  return { trustedCaPem: ca.certPem, server, client, lines };
}

function failureIntro(f: Failure): string {
  switch (f) {
    case 'expired':
      return "the server's certificate expired yesterday; the client must refuse it";
    case 'wrong-host':
      return 'the server\'s certificate names www.example.com, but the client connects to "localhost"';
    case 'unknown-ca':
      return "the server's certificate comes from a CA the client does not trust";
    case 'no-client-cert':
      return 'the server requires a client certificate and the client has none';
    case 'tampered-record':
      return 'a proxy between client and server flips one bit of the first application-data record';
  }
}

interface SessionOutcome {
  readonly client: SideResult;
  readonly server: SideResult;
  readonly tampered: boolean;
  readonly timedOut: boolean;
  readonly port: number;
}

function runSession(s: DemoSetup, pki: DemoPki, write: (text: string) => void, trace: TraceCollector): Promise<SessionOutcome> {
  const client = newSide();
  const server = newSide();
  const versions = { minVersion: s.version, maxVersion: s.version } as const;
  const ciphers = s.rsaKex ? { ciphers: ciphersOption('TLS_RSA_WITH_AES_128_GCM_SHA256') } : {};
  const requestCert = s.clientAuth || s.failure === 'no-client-cert';
  const serverOptions: ServerOptions = {
    cert: pki.server.certPem,
    key: pki.server.keyPem,
    ca: pki.trustedCaPem,
    requestCert,
    rejectUnauthorized: true,
    ALPNProtocols: ['typetls-demo'],
    ...versions,
    ...ciphers,
    trace: trace.listener('server'),
  };

  return new Promise<SessionOutcome>((resolve) => {
    let proxy: TamperProxy | undefined;
    let port = 0;
    let clientClosed = false;
    let rawOpen = 0; // TCP connections the server accepted and that have not closed
    let tlsOpen = 0; // server TLS sockets not yet closed
    const rawSockets: NetSocket[] = [];
    let finished = false;
    let grace: NodeJS.Timeout | undefined;
    const tlsServer = createServer(serverOptions);

    const finish = (timedOut: boolean): void => {
      if (finished) return;
      finished = true;
      clearTimeout(safety);
      if (grace !== undefined) clearTimeout(grace);
      tlsServer.close();
      proxy?.close();
      for (const raw of rawSockets) {
        server.wireIn += raw.bytesRead;
        server.wireOut += raw.bytesWritten;
      }
      resolve({ client, server, tampered: proxy?.tampered() ?? false, timedOut, port });
    };
    const maybeFinish = (): void => {
      if (!clientClosed) return;
      if (rawOpen === 0 && tlsOpen === 0) finish(false);
      // The server side may close late (or, after an error, never report it): allow it a moment.
      else grace ??= setTimeout(() => finish(false), 1000);
    };
    const safety = setTimeout(() => finish(true), SAFETY_MS);

    let clientReady = false;
    let serverReady = false;
    let sent = 0;
    let clientSocket: TLSSocket | undefined;
    const sendNext = (): void => {
      const msg = MESSAGES[sent++];
      if (clientSocket === undefined || msg === undefined) return;
      write(`  client → server  ${msg}\n`);
      client.appOut += Buffer.byteLength(msg);
      clientSocket.write(msg);
    };
    const bothReady = (): void => {
      if (!clientReady || !serverReady) return;
      proxy?.arm(); // every handshake record has passed the proxy: the server finished its handshake
      sendNext();
    };

    tlsServer.on('connection', (raw: NetSocket) => {
      rawOpen++;
      rawSockets.push(raw);
      raw.once('close', () => {
        rawOpen--;
        maybeFinish();
      });
    });
    tlsServer.on('tlsClientError', (err: Error) => {
      server.error ??= err;
    });
    tlsServer.on('secureConnection', (sock: TLSSocket) => {
      tlsOpen++;
      sock.once('close', () => {
        tlsOpen--;
        maybeFinish();
      });
      server.summary = handshakeSummary(sock, { side: 'server', earlyData: 'not sent', peerCertExpected: requestCert });
      server.authorized = sock.authorized;
      server.peer = peerSubject(sock);
      sock.on('data', (d: Buffer) => {
        server.appIn += d.length;
        const reply = `got "${d.toString('utf8')}" (${String(d.length)} bytes)`;
        server.appOut += Buffer.byteLength(reply);
        sock.write(reply);
      });
      sock.on('end', () => {
        server.gotEnd = true;
      });
      sock.on('error', (err: unknown) => {
        server.error ??= err;
        sock.destroy(); // node:tls reports some post-handshake failures without closing the socket
      });
      serverReady = true;
      bothReady();
    });

    tlsServer.listen(0, '127.0.0.1', () => {
      const addr = tlsServer.address();
      port = addr !== null && typeof addr !== 'string' ? addr.port : 0;
      const start = async (): Promise<void> => {
        let connectPort = port;
        if (s.failure === 'tampered-record') {
          proxy = await startTamperProxy(port);
          connectPort = proxy.port;
        }
        const clientOptions: ClientOptions = {
          host: '127.0.0.1',
          port: connectPort,
          servername: 'localhost',
          ca: pki.trustedCaPem,
          ALPNProtocols: ['typetls-demo'],
          ...versions,
          ...ciphers,
          ...(pki.client === undefined ? {} : { cert: pki.client.certPem, key: pki.client.keyPem }),
          trace: trace.listener('client'),
        };
        const sock = connect(clientOptions);
        const keylog = s.keylog;
        if (keylog !== undefined) sock.on('keylog', (line: Buffer) => appendFileSync(keylog, line));
        clientSocket = sock;
        sock.once('secureConnect', () => {
          client.summary = handshakeSummary(sock, { side: 'client', earlyData: 'not sent', peerCertExpected: true });
          client.authorized = sock.authorized;
          client.peer = peerSubject(sock);
          clientReady = true;
          bothReady();
        });
        sock.on('data', (d: Buffer) => {
          client.appIn += d.length;
          write(`  server → client  ${d.toString('utf8')}\n`);
          if (sent < MESSAGES.length) sendNext();
          else sock.end(); // close_notify, then FIN
        });
        sock.on('end', () => {
          client.gotEnd = true;
        });
        sock.on('error', (err: unknown) => {
          client.error ??= err;
          sock.destroy(); // node:tls reports some post-handshake failures without closing the socket
        });
        sock.once('close', () => {
          clientClosed = true;
          maybeFinish();
        });
      };
      start().catch((err: unknown) => {
        client.error ??= err;
        clientClosed = true;
        maybeFinish();
      });
    });
  });
}

function parseSetup(argv: readonly string[]): DemoSetup | undefined {
  const args = parseArgs(argv, DEMO_FLAGS);
  if (args.booleans.has('help')) return undefined;
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0] ?? ''}"`);
  const fail = args.strings.get('fail');
  if (fail !== undefined && !(FAILURES as readonly string[]).includes(fail)) {
    throw new UsageError(`--fail must be one of ${FAILURES.join(', ')}, not "${fail}"`);
  }
  const rsaKex = args.booleans.has('rsa-kex');
  const noClientAuth = args.booleans.has('no-client-auth');
  if (fail === 'no-client-cert' && noClientAuth) throw new UsageError('--fail=no-client-cert needs client authentication; drop --no-client-auth');
  return {
    failure: fail as Failure | undefined,
    version: args.booleans.has('tls1.2') || rsaKex ? 'TLSv1.2' : 'TLSv1.3',
    rsaKex,
    clientAuth: !noClientAuth,
    trace: traceMode(args.booleans, args.strings) ?? 'steps',
    keylog: args.strings.get('keylog'),
    color: process.stdout.isTTY,
  };
}

function errorLine(side: string, err: unknown): string {
  return err === undefined ? `  ${side} saw: no error (its connection just closed)\n` : `  ${side} saw: error: ${describeError(err)}\n`;
}

function arrow(from: 'client' | 'server'): string {
  return from === 'client' ? 'client → server' : 'server → client';
}

/** The alert that crossed the wire, as both sides' traces show it. */
function alertLines(n: Narrative): string {
  const fatal = n.outcome.alerts.filter((a) => a.description !== 'close_notify');
  if (fatal.length === 0) return '  alert on the wire: none\n';
  return fatal.map((a) => `  alert on the wire: ${a.description} (${arrow(a.from)})\n`).join('');
}

export async function runDemo(argv: readonly string[]): Promise<number> {
  const setup = parseSetup(argv);
  if (setup === undefined) {
    process.stdout.write(DEMO_USAGE);
    return 0;
  }
  const json = setup.trace === 'json';
  // With --json, stdout carries only JSON lines.
  const write = (t: string): void => {
    if (!json) process.stdout.write(t);
  };
  if (setup.version === 'TLSv1.2' && TLS12_CAPABILITIES.suites12.length === 0) {
    process.stderr.write('typetls demo: --tls1.2 and --rsa-kex need TLS 1.2, which this build of typetls does not have yet\n');
    return 1;
  }
  const trace = createTraceCollector({ mode: setup.trace, color: setup.color, write: (t) => void process.stdout.write(t), live: false });
  const version = setup.version === 'TLSv1.3' ? 'TLS 1.3' : setup.rsaKex ? 'TLS 1.2 with RSA key transport' : 'TLS 1.2';
  const auth = setup.clientAuth ? 'mutual authentication' : 'server authentication only';
  write(`typetls demo: ${version}, ${auth}, client and server in this process over 127.0.0.1 (TLS implementation: ${backend.name})\n\n`);
  if (setup.failure !== undefined) write(`Failure path --fail=${setup.failure}: ${failureIntro(setup.failure)}.\n\n`);

  const pki = makePki(setup);
  write('Certificates, made in memory just now:\n');
  write(pki.lines.map((l) => `${l}\n`).join(''));
  write('\n');
  write('Messages:\n');
  const o = await runSession(setup, pki, write, trace);
  if (o.client.appOut === 0) write('  (none: no application data was exchanged)\n');
  write('\n');
  const narrative = trace.narrative();
  if (json) {
    process.stdout.write(eventJson(undefined, { kind: 'narrative', ...narrativeJson(narrative) }, false) + '\n');
  } else {
    write(`The handshake in ten steps (${narrative.version}, from both sides' traces):\n\n`);
    write(renderNarrative(narrative, setup.color, setup.trace === 'bytes'));
    write(`Order on the wire: steps ${narrative.order.join(', ')}${narrative.version === 'TLSv1.3' ? ' (TLS 1.3 derives keys (7) right after the hellos, and the server finishes (9) before the client authenticates (5))' : ''}\n\n`);
    write(renderOutcome(narrative, setup.color) + '\n');
  }
  if (o.client.summary !== undefined) write(`Client handshake summary (server on 127.0.0.1:${String(o.port)}):\n${formatSummary(o.client.summary, '  ')}\n`);
  if (o.server.summary !== undefined) write(`Server handshake summary:\n${formatSummary(o.server.summary, '  ')}\n`);

  if (o.timedOut) {
    write(`error: the demo did not finish within ${String(SAFETY_MS / 1000)} s\n`);
    write(errorLine('client', o.client.error));
    write(errorLine('server', o.server.error));
    return 1;
  }
  const failed = o.client.error !== undefined || o.server.error !== undefined || !o.client.authorized || o.client.appIn === 0;
  if (setup.failure !== undefined) {
    write('How it ended:\n');
    write(errorLine('client', o.client.error));
    write(errorLine('server', o.server.error));
    write(alertLines(narrative));
    if (setup.failure === 'tampered-record') write(`  record altered by the proxy: ${o.tampered ? 'yes' : 'no'}\n`);
    if (!failed) {
      write('\nUNEXPECTED: the connection succeeded although it should have been refused.\n');
      return 1;
    }
    write('\nThe connection was refused, as it should be.\n');
    return 0;
  }
  if (failed) {
    write('The demo connection failed:\n');
    write(errorLine('client', o.client.error));
    write(errorLine('server', o.server.error));
    write(alertLines(narrative));
    return 1;
  }
  write('Who authenticated whom:\n');
  write(`  the client verified the server: ${o.client.peer}, chain to CN=typetls demo CA, name "localhost": ok\n`);
  write(
    setup.clientAuth
      ? `  the server verified the client: ${o.server.peer}, chain to CN=typetls demo CA: ${o.server.authorized ? 'ok' : 'NOT verified'}\n`
      : '  the server did not ask the client for a certificate (--no-client-auth)\n',
  );
  write('Closing:\n');
  write(`  the client sent close_notify; the server ${o.server.gotEnd ? 'received it and closed its side too' : 'closed'}\n`);
  write('Bytes exchanged:\n');
  write(`  application data: client sent ${String(o.client.appOut)}, server sent ${String(o.server.appOut)}\n`);
  write(`  on the wire (TLS records, handshake included): client → server ${String(o.server.wireIn)}, server → client ${String(o.server.wireOut)}\n`);
  return 0;
}

/** The narrative for --json: the steps without message bytes. */
function narrativeJson(n: Narrative): Record<string, unknown> {
  return {
    version: n.version,
    order: n.order,
    outcome: n.outcome,
    steps: n.steps.map((st) => ({ ...st, messages: st.messages.map((m) => ({ name: m.name, from: m.from, length: m.length, keys: m.keys })) })),
  };
}
