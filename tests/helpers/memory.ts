// In-memory wiring of a ClientConnection and a ServerConnection: no network, byte for byte.
import type { Connection } from '../../src/conn/types.js';
import { ClientConnection } from '../../src/conn/client.js';
import { ServerConnection } from '../../src/conn/server.js';
import type { ClientConfig, ServerConfig } from '../../src/conn/config.js';
import { nodeCryptoProvider } from '../../src/crypto/node.js';
import type { CertifiedKey } from '../../src/conn/types.js';
import type { TestCert } from './certs.js';

export const crypto = nodeCryptoProvider();

export function certifiedKey(c: TestCert): CertifiedKey {
  const ders = c.chainPem
    .split('-----END CERTIFICATE-----')
    .map((p) => p.split('-----BEGIN CERTIFICATE-----')[1])
    .filter((b): b is string => b !== undefined)
    .map((b) => new Uint8Array(Buffer.from(b.replace(/\s+/g, ''), 'base64')));
  return { chain: ders, key: crypto.importPrivateKey(c.keyPem) };
}

export type Tamper = (bytes: Uint8Array, from: 'client' | 'server', flight: number) => Uint8Array;

/**
 * Moves bytes between the two until neither has output (or one failed). `chunk` splits every transfer
 * into pieces of that size (1 = one byte at a time). Returns after async hooks settle.
 */
export async function pump(client: Connection, server: Connection, opts: { chunk?: number; tamper?: Tamper } = {}): Promise<void> {
  let flight = 0;
  for (let round = 0; round < 200; round++) {
    let moved = false;
    for (const [from, to, name] of [
      [client, server, 'client'],
      [server, client, 'server'],
    ] as const) {
      let out = from.takeOutput();
      if (out === null) continue;
      if (opts.tamper) out = opts.tamper(out, name, flight++);
      moved = true;
      const step = opts.chunk ?? out.length;
      for (let i = 0; i < out.length; i += step) to.receive(out.subarray(i, Math.min(out.length, i + step)));
    }
    if (!moved) {
      if (client.waiting || server.waiting) {
        await new Promise((r) => setImmediate(r));
        continue;
      }
      return;
    }
  }
  throw new Error('pump: too many rounds');
}

export function pair(clientConfig: ClientConfig, serverConfig: ServerConfig): { client: ClientConnection; server: ServerConnection } {
  const server = new ServerConnection(serverConfig);
  const client = new ClientConnection(clientConfig);
  return { client, server };
}

export function text(b: Uint8Array | null): string {
  return b === null ? '' : Buffer.from(b).toString('utf8');
}
