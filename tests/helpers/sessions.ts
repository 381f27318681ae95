// In-process TLS endpoints for interop tests: a server and a client built on any node:tls-shaped
// implementation (the system under test `impl`, or node:tls itself as a peer), each reporting what it
// saw in a form tests can assert on. Everything is bounded by timeouts and closed when the test ends.
import type * as tls from 'node:tls';
import * as net from 'node:net';
import { impl, listen, type SocketSummary } from './impl.js';
import type { TestContextLike } from './proc.js';
import { alertName } from '../../src/wire/iana.js';

export interface TlsApi {
  connect: typeof tls.connect;
  createServer: typeof tls.createServer;
  summary(s: tls.TLSSocket): SocketSummary;
}

/** What a server saw on one connection: a completed handshake or a handshake error. */
export type ServerEvent =
  | { kind: 'secure'; summary: SocketSummary; peerSubject: string | undefined; received: string }
  | { kind: 'error'; error: Error };

export interface TestServer {
  readonly port: number;
  readonly server: tls.Server;
  /** the next connection's outcome, in order of arrival; rejects after `timeoutMs` */
  next(timeoutMs?: number): Promise<ServerEvent>;
}

/**
 * Starts a server on 127.0.0.1:0. On each connection it reads one line (or until the client ends),
 * answers `reply` (default `hello from <name>\n`) and closes.
 */
export async function startTestServer(
  t: TestContextLike,
  options: tls.TlsOptions,
  api: TlsApi = impl,
  reply = 'hello from server\n',
): Promise<TestServer> {
  const events: ServerEvent[] = [];
  const waiters: ((e: ServerEvent) => void)[] = [];
  const push = (e: ServerEvent): void => {
    const w = waiters.shift();
    if (w !== undefined) w(e);
    else events.push(e);
  };
  const sockets = new Set<net.Socket>();
  const server = api.createServer(options, (s) => {
    let received = '';
    const done = (): void => {
      const cert = s.getPeerCertificate();
      const cn: unknown = cert !== null && typeof cert === 'object' && 'subject' in cert && cert.subject !== undefined ? cert.subject.CN : undefined;
      const subject = typeof cn === 'string' ? cn : Array.isArray(cn) ? cn.join(',') : undefined;
      push({ kind: 'secure', summary: api.summary(s), peerSubject: subject, received });
      s.end(reply);
    };
    let answered = false;
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      received += d;
      if (!answered && received.includes('\n')) {
        answered = true;
        done();
      }
    });
    s.on('end', () => {
      if (!answered) {
        answered = true;
        done();
      }
    });
    s.on('error', () => s.destroy());
  });
  server.on('connection', (c: net.Socket) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
  });
  server.on('tlsClientError', (error: Error) => push({ kind: 'error', error }));
  const port = await listen(server);
  t.after(
    () =>
      new Promise<void>((resolve) => {
        for (const c of sockets) c.destroy();
        server.close(() => resolve());
      }),
  );
  const next = (timeoutMs = 10_000): Promise<ServerEvent> => {
    const e = events.shift();
    if (e !== undefined) return Promise.resolve(e);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = waiters.indexOf(w);
        if (i >= 0) waiters.splice(i, 1);
        reject(new Error(`no connection outcome within ${timeoutMs} ms`));
      }, timeoutMs);
      const w = (ev: ServerEvent): void => {
        clearTimeout(timer);
        resolve(ev);
      };
      waiters.push(w);
    });
  };
  return { port, server, next };
}

export interface ClientOutcome {
  /** set when the handshake completed */
  summary: SocketSummary | undefined;
  /** everything the server sent before closing */
  data: string;
  /** the error that ended the connection, if any */
  error: (Error & { code?: string }) | undefined;
}

export interface TestClientOptions extends tls.ConnectionOptions {
  /** written after the handshake (default `ping\n`) */
  request?: string;
  /** end the connection once the received data satisfies this (default: wait for the server to close) */
  until?: (data: string) => boolean;
  timeoutMs?: number;
}

/**
 * Connects (to 127.0.0.1:`port`, or over `socket`), writes `request` after the handshake and collects what
 * comes back until the server closes. Never rejects: errors are in the outcome. `servername` defaults to
 * 'localhost'.
 */
export function runTestClient(o: TestClientOptions, api: TlsApi = impl): Promise<ClientOutcome> {
  const { request = 'ping\n', until, timeoutMs = 10_000, ...options } = o;
  return new Promise((resolve) => {
    const out: ClientOutcome = { summary: undefined, data: '', error: undefined };
    const base: tls.ConnectionOptions = { host: '127.0.0.1', servername: 'localhost', ...options };
    const s = api.connect(base, () => {
      out.summary = api.summary(s);
      s.write(request);
    });
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      s.destroy();
      resolve(out);
    };
    const timer = setTimeout(() => {
      out.error ??= new Error(`no close within ${timeoutMs} ms`);
      finish();
    }, timeoutMs);
    s.setEncoding('latin1');
    s.on('data', (d: string) => {
      out.data += d;
      if (until?.(out.data) === true) s.end();
    });
    s.on('error', (e: Error) => {
      out.error ??= e;
      finish();
    });
    s.on('close', finish);
    s.on('end', () => s.end());
  });
}

/**
 * Connects with `requestOCSP` and resolves to what the 'OCSPResponse' event gave (the stapled bytes, or
 * null) once the handshake completed; rejects on an error or when secureConnect came without it.
 */
export function stapledResponse(o: tls.ConnectionOptions, api: TlsApi = impl): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    let response: Buffer | null | undefined;
    // requestOCSP is a TLSSocket option node:tls's connect() passes on; its typings omit it.
    const options = { host: '127.0.0.1', servername: 'localhost', ...o, requestOCSP: true } as tls.ConnectionOptions;
    const s = api.connect(options, () => {
      s.destroy();
      if (response === undefined) reject(new Error("secureConnect came without an 'OCSPResponse' event"));
      else resolve(response);
    });
    s.on('OCSPResponse', (r: Buffer | null) => {
      response = r;
    });
    s.on('error', reject);
  });
}

/**
 * The name of the alert a failed connection received from its peer: typetls's TlsError with `remote`
 * (`ERR_TLS_ALERT_<NAME>`, `alert`), node:tls's `ERR_SSL_..._ALERT_<NAME>` codes, or "alert <name>" in
 * the message.
 */
export function alertOf(e: (Error & { code?: string }) | undefined): string | undefined {
  if (e === undefined) return undefined;
  if ('remote' in e && e.remote === true && 'alert' in e && typeof e.alert === 'number') return alertName(e.alert);
  const m = /ALERT_([A-Z_]+)$/.exec(e.code ?? '') ?? /alert ([a-z ]+)/i.exec(e.message);
  return m?.[1]?.toLowerCase().replace(/ /g, '_');
}

export interface TapProxy {
  /** port to connect to instead of the target's */
  readonly port: number;
  /** ClientHello messages the client has sent so far over all connections (2 per handshake with HRR) */
  clientHellos(): number;
}

/**
 * A TCP relay on 127.0.0.1:0 in front of a port (or a peer's `dial()`) that watches the client's plaintext records
 * (RFC 8446 §5.1) to count ClientHellos: a HelloRetryRequest shows as a second one. Peer-independent.
 */
export async function startTapProxy(t: TestContextLike, target: number | (() => net.Socket)): Promise<TapProxy> {
  let hellos = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((down) => {
    const up = typeof target === 'number' ? net.connect({ host: '127.0.0.1', port: target }) : target();
    sockets.add(down).add(up);
    let buf = Buffer.alloc(0);
    let encrypted = false;
    down.on('data', (d: Buffer) => {
      if (encrypted) return;
      buf = Buffer.concat([buf, d]);
      // Walk complete record headers: type(1) version(2) length(2).
      while (buf.length >= 5) {
        const type = buf[0] ?? 0;
        const len = buf.readUInt16BE(3);
        if (buf.length < 5 + len) break;
        if (type === 22 && buf[5] === 1) hellos++;
        if (type === 23) encrypted = true;
        buf = buf.subarray(5 + len);
      }
    });
    down.pipe(up).pipe(down);
    const drop = (): void => {
      down.destroy();
      up.destroy();
    };
    down.on('error', drop);
    up.on('error', drop);
    down.on('close', () => sockets.delete(down));
    up.on('close', () => sockets.delete(up));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  t.after(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { port, clientHellos: () => hellos };
}
