// A TCP proxy on 127.0.0.1 that cuts each direction into TLS records and lets a test rewrite them
// (one record in, any number out). With the keys from an in-process endpoint's key log it can decrypt
// and re-encrypt handshake records: the negative tests make real peers receive a wrong Finished or
// messages out of order without any hook in the engine.
import * as net from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { RecordProtector13 } from '../../src/record/protect13.js';
import { suite13 } from '../../src/keys/schedule13.js';
import { nodeCryptoProvider } from '../../src/crypto/node.js';
import { joinRecords, secretFromKeylog, splitMessages, splitRecords, type RawRecord } from './mitm.js';
import { concatBytes } from '../../src/wire/bytes.js';

export type RecordRewriter = (record: RawRecord) => RawRecord[];

export interface RecordProxy {
  readonly port: number;
  close(): Promise<void>;
}

function direction(rewrite: RecordRewriter | undefined): (chunk: Buffer) => Uint8Array {
  let pending: Uint8Array = new Uint8Array(0);
  return (chunk) => {
    const all = new Uint8Array(pending.length + chunk.length);
    all.set(pending);
    all.set(chunk, pending.length);
    const { records, rest } = splitRecords(all);
    pending = rest;
    return joinRecords(rewrite === undefined ? records : records.flatMap(rewrite));
  };
}

export async function startRecordProxy(targetPort: number, rewrite: { toServer?: RecordRewriter; toClient?: RecordRewriter }): Promise<RecordProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((down) => {
    const up = net.connect(targetPort, '127.0.0.1');
    sockets.add(down).add(up);
    const toServer = direction(rewrite.toServer);
    const toClient = direction(rewrite.toClient);
    down.on('data', (c: Buffer) => up.write(toServer(c)));
    up.on('data', (c: Buffer) => down.write(toClient(c)));
    down.on('end', () => up.end());
    up.on('end', () => down.end());
    const kill = (): void => {
      down.destroy();
      up.destroy();
    };
    down.on('error', kill);
    up.on('error', kill);
    down.on('close', () => sockets.delete(down));
    up.on('close', () => sockets.delete(up));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Flips one bit in the tag of the first application_data record that passes after `after` records. */
export function flipFirstAppData(skipProtected: number): RecordRewriter {
  let seen = 0;
  let done = false;
  return (r) => {
    if (r.type !== 23 || done) return [r];
    if (seen++ < skipProtected) return [r];
    done = true;
    const fragment = r.fragment.slice();
    fragment[fragment.length - 1] = (fragment[fragment.length - 1] as number) ^ 1;
    return [{ ...r, fragment }];
  };
}

/**
 * Rewrites the client's encrypted handshake flight (TLS 1.3, protected with the client handshake
 * traffic secret from `keylog`): records are decrypted until the one holding Finished, `edit` rewrites
 * the messages, and they go on as one re-encrypted record. Later records pass unchanged.
 */
export function rewriteClientFlight(keylog: readonly string[], suite: number, edit: (messages: Uint8Array[]) => Uint8Array[]): RecordRewriter {
  const crypto = nodeCryptoProvider();
  const s = suite13(suite);
  if (s === undefined) throw new Error('not a TLS 1.3 suite');
  let opener: RecordProtector13 | undefined;
  let sealer: RecordProtector13 | undefined;
  let plain: Uint8Array[] = [];
  let done = false;
  return (r) => {
    if (r.type !== 23 || done) return [r];
    if (opener === undefined || sealer === undefined) {
      const secret = secretFromKeylog(keylog, 'CLIENT_HANDSHAKE_TRAFFIC_SECRET');
      opener = new RecordProtector13(crypto, s, secret);
      sealer = new RecordProtector13(crypto, s, secret);
    }
    plain.push(opener.open({ type: r.type, version: 0x0303, header: r.header, fragment: r.fragment }).content);
    const messages = splitMessages(concatBytes(...plain));
    if (!messages.some((m) => m[0] === 20)) return [];
    done = true;
    const sealed = sealer.seal(22, concatBytes(...edit(messages)));
    plain = [];
    return [{ type: 23, header: sealed.slice(0, 5), fragment: sealed.slice(5) }];
  };
}

