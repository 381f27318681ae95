// The two implementations under test behind one small interface: node:tls, and typetls through its
// node:tls-compatible adapter (src/node) when the build has it, else through the bench-only bridge
// (bench/bridge.ts, in bench/engine-impl.ts) over the same net sockets. A node:tls run loads none of
// typetls: the adapter and the bridge are imported only when asked for.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Duplex } from 'node:stream';

export type ImplName = 'typetls' | 'node';
export type Via = 'adapter' | 'bridge' | 'auto';

/** Certificate material, as files (children read them). */
export interface CertPaths {
  readonly chain: string;
  readonly key: string;
  readonly ca: string;
}

export interface Spec {
  readonly cert: CertPaths;
  /** IANA suite name, e.g. TLS_AES_128_GCM_SHA256 or TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256. */
  readonly suite: string;
  readonly version: 'TLSv1.3' | 'TLSv1.2';
  /** The server issues tickets / session ids (resumption scenarios). */
  readonly resumption: boolean;
  /**
   * The client builds its context once (`secureContext` from createSecureContext) instead of passing
   * `ca` and the other options to every connect() (what most code does, and the default here).
   */
  readonly reuseContext?: boolean;
}

export interface BenchSocket {
  readonly socket: Duplex;
  readonly resumed: boolean;
}

export interface BenchServer {
  readonly port: number;
  close(): Promise<void>;
}

export interface Impl {
  readonly name: ImplName;
  /** How typetls is reached ('adapter' or 'bridge'); 'node:tls' for node. */
  readonly via: string;
  listen(onSecure: (s: Duplex) => void): Promise<BenchServer>;
  /** Connects and resolves at the end of the handshake. `onSession` receives resumable sessions. */
  connect(port: number, session: unknown, onSession: ((s: unknown) => void) | undefined): Promise<BenchSocket>;
}

/** OpenSSL's names of the suites the bench uses (node:tls `ciphers`). */
const OPENSSL_NAMES: Readonly<Record<string, string>> = {
  TLS_AES_128_GCM_SHA256: 'TLS_AES_128_GCM_SHA256',
  TLS_AES_256_GCM_SHA384: 'TLS_AES_256_GCM_SHA384',
  TLS_CHACHA20_POLY1305_SHA256: 'TLS_CHACHA20_POLY1305_SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
};

const BACKLOG = 2048;

export function listenOn(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', backlog: BACKLOG }, () => {
      const a = server.address();
      if (a === null || typeof a === 'string') reject(new Error('no port'));
      else resolve(a.port);
    });
  });
}

export function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface Material {
  readonly chainPem: string;
  readonly keyPem: string;
  readonly caPem: string;
}

export function material(spec: Spec): Material {
  return {
    chainPem: readFileSync(spec.cert.chain, 'utf8'),
    keyPem: readFileSync(spec.cert.key, 'utf8'),
    caPem: readFileSync(spec.cert.ca, 'utf8'),
  };
}

/** node:tls-style options shared by node:tls and the typetls adapter (the same object shapes for both). */
function nodeStyleOptions(spec: Spec, m: Material) {
  const ciphers = OPENSSL_NAMES[spec.suite];
  if (ciphers === undefined) throw new Error(`no OpenSSL name for ${spec.suite}`);
  const common = { ciphers, ecdhCurve: 'X25519:P-256', minVersion: spec.version, maxVersion: spec.version } as const;
  return {
    // Defaults otherwise: node:tls always sends two TLS 1.3 tickets (it has no option to stop that).
    server: { ...common, cert: m.chainPem, key: m.keyPem },
    client: { ...common, ca: [m.caPem] },
    target: { servername: 'localhost', host: '127.0.0.1' },
  };
}

/** The per-connect client options: everything each time, or a context built once. */
function clientOptions(spec: Spec, o: ReturnType<typeof nodeStyleOptions>, createSecureContext: (opts: object) => unknown): object {
  if (spec.reuseContext !== true) return { ...o.client, ...o.target };
  return { secureContext: createSecureContext(o.client), ...o.target };
}

function nodeImpl(spec: Spec): Impl {
  const m = material(spec);
  const o = nodeStyleOptions(spec, m);
  // One server context, as a long-running server has; the client passes `ca` per connect, as users do.
  const client = clientOptions(spec, o, (x) => tls.createSecureContext(x));
  return {
    name: 'node',
    via: 'node:tls',
    async listen(onSecure) {
      const server = tls.createServer(o.server, onSecure);
      server.on('tlsClientError', () => undefined);
      const port = await listenOn(server);
      return { port, close: () => closeServer(server) };
    },
    connect(port, session, onSession) {
      return new Promise((resolve, reject) => {
        const s = tls.connect({ ...client, port, ...(session !== undefined ? { session: session as Buffer } : {}) });
        if (onSession !== undefined) s.on('session', onSession);
        s.once('error', reject);
        s.once('secureConnect', () => {
          s.off('error', reject);
          resolve({ socket: s, resumed: s.isSessionReused() });
        });
      });
    },
  };
}

/** The shape of src/node's exports that the bench uses. */
interface AdapterModule {
  connect(options: object): Duplex & { isSessionReused(): boolean };
  createServer(options: object, listener: (s: Duplex) => void): net.Server;
  createSecureContext(options: object): unknown;
}

async function loadAdapter(): Promise<AdapterModule | undefined> {
  const url = new URL('../src/node/index.js', import.meta.url);
  if (!existsSync(fileURLToPath(url))) return undefined;
  const mod = (await import(url.href)) as Partial<AdapterModule>;
  if (typeof mod.connect !== 'function' || typeof mod.createServer !== 'function') return undefined;
  return mod as AdapterModule;
}

function adapterImpl(spec: Spec, a: AdapterModule): Impl {
  const m = material(spec);
  const o = nodeStyleOptions(spec, m);
  const client = clientOptions(spec, o, (x) => a.createSecureContext(x));
  return {
    name: 'typetls',
    via: 'adapter',
    async listen(onSecure) {
      const server = a.createServer(o.server, onSecure);
      server.on('tlsClientError', () => undefined);
      const port = await listenOn(server);
      return { port, close: () => closeServer(server) };
    },
    connect(port, session, onSession) {
      return new Promise((resolve, reject) => {
        const s = a.connect({ ...client, port, ...(session !== undefined ? { session } : {}) });
        if (onSession !== undefined) s.on('session', onSession);
        s.once('error', reject);
        s.once('secureConnect', () => {
          s.off('error', reject);
          resolve({ socket: s, resumed: s.isSessionReused() });
        });
      });
    },
  };
}

export async function makeImpl(name: ImplName, spec: Spec, via: Via): Promise<Impl> {
  if (name === 'node') return nodeImpl(spec);
  if (via !== 'bridge') {
    const a = await loadAdapter();
    if (a !== undefined) return adapterImpl(spec, a);
    if (via === 'adapter') throw new Error('the typetls adapter (dist/src/node/index.js) is not built');
  }
  return (await import('./engine-impl.js')).bridgeImpl(spec);
}
