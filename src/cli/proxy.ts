// A TCP proxy for the demo's `--fail=tampered-record`: it forwards both directions unchanged until
// armed, then flips one bit in the last byte (the AEAD tag) of the next application_data record
// the client sends (RFC 8446 §5.2: the receiver must then fail with bad_record_mac).
import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';

export interface TamperProxy {
  readonly port: number;
  /** Tamper with the next client→server application_data record. */
  arm(): void;
  /** True once a record has been altered. */
  tampered(): boolean;
  close(): void;
}

const APPLICATION_DATA = 23;

/** Cuts a byte stream into TLS records (RFC 8446 §5.1 header: type, version, length) as it passes. */
function recordFlipper(shouldFlip: () => boolean, onFlip: () => void): (chunk: Buffer) => Buffer {
  const header: number[] = [];
  let remaining = 0;
  let flipping = false;
  return (chunk) => {
    const out = Buffer.from(chunk);
    for (let i = 0; i < out.length; i++) {
      if (remaining === 0) {
        header.push(out[i] ?? 0);
        if (header.length === 5) {
          remaining = ((header[3] ?? 0) << 8) | (header[4] ?? 0);
          flipping = remaining > 0 && header[0] === APPLICATION_DATA && shouldFlip();
          if (flipping) onFlip();
          header.length = 0;
        }
        continue;
      }
      remaining--;
      if (flipping && remaining === 0) {
        out[i] = (out[i] ?? 0) ^ 0x01;
        flipping = false;
      }
    }
    return out;
  };
}

export function startTamperProxy(targetPort: number, host = '127.0.0.1'): Promise<TamperProxy> {
  let armed = false;
  let done = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host, port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    const flip = recordFlipper(
      () => armed && !done,
      () => {
        done = true;
      },
    );
    client.on('data', (d: Buffer) => upstream.write(flip(d)));
    upstream.on('data', (d: Buffer) => client.write(d));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const addr = server.address();
      if (addr === null || typeof addr === 'string') {
        reject(new Error('the proxy has no TCP address'));
        return;
      }
      resolve({
        port: addr.port,
        arm: () => {
          armed = true;
        },
        tampered: () => done,
        close: () => {
          server.close();
          for (const s of sockets) s.destroy();
        },
      });
    });
  });
}
