// typetls's sans-IO engine driven directly: the bench-only bridge (bench/bridge.ts) over net
// sockets, used when the node:tls adapter is not built or `--via bridge` asks for it, and the check
// that typetls can run a scenario at all.
import * as net from 'node:net';
import { ClientConnection } from '../src/conn/client.js';
import { ServerConnection } from '../src/conn/server.js';
import type { ClientConfig, ServerConfig } from '../src/conn/config.js';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { TrustStore } from '../src/pki/trust-store.js';
import { parsePemBundle } from '../src/pki/certificate.js';
import { CipherSuite, NamedGroup } from '../src/wire/iana.js';
import { BridgeSocket } from './bridge.js';
import { closeServer, listenOn, material, type Impl, type Spec } from './impl.js';

function suiteCode(name: string): number {
  const code = (CipherSuite as Readonly<Record<string, number>>)[name];
  if (code === undefined) throw new Error(`unknown suite ${name}`);
  return code;
}

export function bridgeImpl(spec: Spec): Impl {
  const m = material(spec);
  const crypto = nodeCryptoProvider();
  // Built once per server / per client configuration (the adapter should do the same per `ca`).
  const trust = TrustStore.fromPem([m.caPem]);
  const common = {
    crypto,
    cipherSuites: [suiteCode(spec.suite)],
    groups: [NamedGroup.x25519, NamedGroup.secp256r1],
    minVersion: spec.version,
    maxVersion: spec.version,
  } as const;
  const serverConfig: ServerConfig = {
    ...common,
    certificates: [{ chain: parsePemBundle(m.chainPem), key: crypto.importPrivateKey(m.keyPem) }],
    ticketKeys: crypto.randomBytes(48),
  };
  const clientBase: ClientConfig = { ...common, ca: trust, serverName: 'localhost' };
  return {
    name: 'typetls',
    via: 'bridge',
    async listen(onSecure) {
      const server = net.createServer({ allowHalfOpen: true }, (sock) => {
        let conn: ServerConnection;
        try {
          conn = new ServerConnection(serverConfig);
        } catch {
          sock.destroy();
          return;
        }
        const b = new BridgeSocket(sock, conn);
        b.on('error', () => undefined);
        b.once('secure', () => onSecure(b));
      });
      const port = await listenOn(server);
      return { port, close: () => closeServer(server) };
    },
    connect(port, session, onSession) {
      return new Promise((resolve, reject) => {
        const sock = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
        const conn = new ClientConnection(session instanceof Uint8Array ? { ...clientBase, session } : clientBase);
        const b = new BridgeSocket(sock, conn);
        if (onSession !== undefined) b.on('session', onSession);
        b.once('error', reject);
        b.once('secure', () => {
          b.off('error', reject);
          resolve({ socket: b, resumed: b.isResumed });
        });
      });
    },
  };
}

/** Whether typetls can do this version / resumption at all (features land over time). */
export async function typetlsSupports(spec: Spec): Promise<string | undefined> {
  const m = material(spec);
  const crypto = nodeCryptoProvider();
  const common = { crypto, cipherSuites: [suiteCode(spec.suite)], minVersion: spec.version, maxVersion: spec.version } as const;
  let client: ClientConnection;
  let server: ServerConnection;
  const serverConfig: ServerConfig = {
    ...common,
    certificates: [{ chain: parsePemBundle(m.chainPem), key: crypto.importPrivateKey(m.keyPem) }],
    ticketKeys: crypto.randomBytes(48),
  };
  try {
    server = new ServerConnection(serverConfig);
    client = new ClientConnection({ ...common, ca: [m.caPem], serverName: 'localhost' });
  } catch (e) {
    return `not implemented yet (${e instanceof Error ? e.message : String(e)})`;
  }
  let session: Uint8Array | undefined;
  const pumpAll = (c: Connection2, s: Connection2) => {
    for (let i = 0; i < 50; i++) {
      const a = c.takeOutput();
      if (a !== null) s.receive(a);
      const b = s.takeOutput();
      if (b !== null) c.receive(b);
      if (a === null && b === null) return;
    }
  };
  client.setListener((ev) => {
    if (ev.type === 'session') session = ev.session;
  });
  pumpAll(client, server);
  if (!client.handshakeComplete) return `not implemented yet (handshake failed: ${client.error?.message ?? server.error?.message ?? 'unknown'})`;
  if (!spec.resumption) return undefined;
  client.write(new Uint8Array([1]));
  pumpAll(client, server);
  if (session === undefined) return 'not implemented yet (no session issued)';
  const c2 = new ClientConnection({ ...common, ca: [m.caPem], serverName: 'localhost', session });
  const s2 = new ServerConnection(serverConfig);
  pumpAll(c2, s2);
  if (c2.summary?.resumed !== true) return 'not implemented yet (the session was not resumed)';
  return undefined;
}

interface Connection2 {
  takeOutput(): Uint8Array | null;
  receive(d: Uint8Array): void;
}
