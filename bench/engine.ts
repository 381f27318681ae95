// Engine-only micro-benchmark: full TLS 1.3 handshakes between a ClientConnection and a
// ServerConnection in memory, bulk record protection, and (`net`) the same handshakes driven directly
// over loopback net.Sockets with no TLSSocket in between (handshake, one byte, close: what the
// handshake bench scenarios do), to tell the engine's cost from the adapter's. For profiling:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/engine.js [handshakes|bulk|net] [ecdsa|rsa] [seconds]
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { ClientConnection } from '../src/conn/client.js';
import { ServerConnection } from '../src/conn/server.js';
import type { ClientConfig, ServerConfig } from '../src/conn/config.js';
import type { Connection } from '../src/conn/types.js';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { parsePemBundle } from '../src/pki/certificate.js';
import { TrustStore } from '../src/pki/trust-store.js';
import { CipherSuite, NamedGroup } from '../src/wire/iana.js';
import { testPki } from '../tests/helpers/certs.js';

function pump(a: Connection, b: Connection): void {
  for (let i = 0; i < 20; i++) {
    const x = a.takeOutput();
    if (x !== null) b.receive(x);
    const y = b.takeOutput();
    if (y !== null) a.receive(y);
    if (x === null && y === null) return;
  }
}

async function main(): Promise<void> {
  const what = process.argv[2] ?? 'handshakes';
  const certName = process.argv[3] === 'rsa' ? 'rsa' : 'ecdsa';
  const seconds = Number(process.argv[4] ?? '3');
  const pki = await testPki();
  const c = pki.server[certName];
  const crypto = nodeCryptoProvider();
  const suite = process.argv[5] === 'chacha' ? CipherSuite.TLS_CHACHA20_POLY1305_SHA256 : process.argv[5] === 'aes256' ? CipherSuite.TLS_AES_256_GCM_SHA384 : CipherSuite.TLS_AES_128_GCM_SHA256;
  const common = { crypto, cipherSuites: [suite], groups: [NamedGroup.x25519] };
  const serverConfig: ServerConfig = { ...common, certificates: [{ chain: parsePemBundle(readFileSync(c.files.chain, 'utf8')), key: crypto.importPrivateKey(c.keyPem) }] };
  const clientConfig: ClientConfig = { ...common, serverName: 'localhost', ca: TrustStore.fromPem([c.caPem]) };
  const one = (): { client: ClientConnection; server: ServerConnection } => {
    const server = new ServerConnection(serverConfig);
    const client = new ClientConnection(clientConfig);
    pump(client, server);
    if (!client.handshakeComplete || !server.handshakeComplete) throw new Error(client.error?.message ?? server.error?.message ?? 'no handshake');
    return { client, server };
  };
  if (what === 'net') {
    await overSockets(clientConfig, serverConfig, seconds);
    return;
  }
  if (what === 'handshakes') {
    for (let i = 0; i < 200; i++) one();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < seconds * 1000) {
      const { client, server } = one();
      client.write(new Uint8Array([1]));
      client.close();
      pump(client, server);
      server.close();
      pump(client, server);
      n++;
    }
    const cpu = process.cpuUsage(cpu0);
    console.log(`${certName}: ${n} handshakes, ${((cpu.user + cpu.system) / n).toFixed(0)} µs CPU each (client + server), ${((n * 1000) / (performance.now() - t0)).toFixed(0)}/s`);
  } else {
    const { client, server } = one();
    const chunk = new Uint8Array(64 * 1024);
    const total = 256;
    const run = (mib: number): void => {
      for (let i = 0; i < mib * 16; i++) {
        client.write(chunk);
        const out = client.takeOutput();
        if (out !== null) server.receive(out);
        server.readPlaintextChunks();
      }
    };
    run(32);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    run(total);
    const cpu = process.cpuUsage(cpu0);
    const s = (performance.now() - t0) / 1000;
    console.log(`bulk seal+open: ${(total / s).toFixed(0)} MiB/s, ${((cpu.user + cpu.system) / total).toFixed(0)} µs CPU per MiB`);
  }
}

/** Sends what the connection has for the peer, if anything. */
function flush(conn: Connection, s: net.Socket): void {
  const out = conn.takeOutput();
  if (out !== null && !s.destroyed) s.write(out);
}

/** Our close_notify, then our FIN. */
function closeBoth(conn: Connection, s: net.Socket): void {
  conn.close();
  flush(conn, s);
  s.end();
}

/** The peer's FIN: tell the connection, and end our side too. */
function endOnEof(conn: Connection, s: net.Socket): void {
  s.on('end', () => {
    conn.receiveEof();
    s.end();
  });
}

/** Handshake, one byte from the client, close from both sides: the engine over plain sockets. */
async function overSockets(clientConfig: ClientConfig, serverConfig: ServerConfig, seconds: number): Promise<void> {
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    const conn = new ServerConnection(serverConfig);
    let answered = false;
    s.on('error', () => undefined);
    s.on('data', (d: Buffer) => {
      conn.receive(d);
      flush(conn, s);
      const pt = conn.readPlaintext();
      if (pt !== null && pt.length > 0 && !answered) {
        answered = true;
        closeBoth(conn, s);
      }
    });
    endOnEof(conn, s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  let completed = 0;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
      const conn = new ClientConnection(clientConfig);
      let sent = false;
      s.on('error', () => undefined);
      s.on('connect', () => flush(conn, s));
      s.on('data', (d: Buffer) => {
        conn.receive(d);
        if (conn.handshakeComplete && !sent) {
          sent = true;
          conn.write(new Uint8Array([1]));
        }
        flush(conn, s);
        conn.readPlaintext();
        if (conn.peerClosed) closeBoth(conn, s);
      });
      endOnEof(conn, s);
      s.on('close', () => {
        if (conn.handshakeComplete && conn.peerClosed) completed++;
        resolve();
      });
    });
  const warm = performance.now();
  while (performance.now() - warm < Math.min(2500, seconds * 1000)) await one();
  completed = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < seconds * 1000) {
    await one();
    n++;
  }
  const cpu = process.cpuUsage(cpu0);
  server.close();
  if (completed !== n) throw new Error(`${n - completed} of ${n} connections did not complete their handshake and close`);
  console.log(`engine over net.Socket: ${n} connections, ${((cpu.user + cpu.system) / n).toFixed(0)} µs CPU each (client + server), ${((n * 1000) / (performance.now() - t0)).toFixed(0)}/s`);
}

void main();
