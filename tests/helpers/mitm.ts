// A man in the middle who knows the keys (from the NSS key log): it cuts a byte stream into records,
// decrypts the TLS 1.3 handshake records of one side, lets a test edit the handshake messages, and
// re-encrypts them with the same keys and sequence numbers. Used for negative tests that a peer cannot
// be made to produce (a wrong Finished, messages out of order) without hooks in the engine.
import { RecordProtector13 } from '../../src/record/protect13.js';
import { suite13 } from '../../src/keys/schedule13.js';
import { nodeCryptoProvider } from '../../src/crypto/node.js';
import { unhex } from '../vectors/rfc8448.js';
import { concatBytes } from '../../src/wire/bytes.js';

export interface RawRecord {
  type: number;
  header: Uint8Array;
  fragment: Uint8Array;
}

export function splitRecords(bytes: Uint8Array): { records: RawRecord[]; rest: Uint8Array } {
  const records: RawRecord[] = [];
  let at = 0;
  while (at + 5 <= bytes.length) {
    const len = ((bytes[at + 3] as number) << 8) | (bytes[at + 4] as number);
    if (at + 5 + len > bytes.length) break;
    records.push({ type: bytes[at] as number, header: bytes.slice(at, at + 5), fragment: bytes.slice(at + 5, at + 5 + len) });
    at += 5 + len;
  }
  return { records, rest: bytes.slice(at) };
}

export function joinRecords(records: readonly RawRecord[], rest: Uint8Array = new Uint8Array(0)): Uint8Array {
  const parts = records.map((r) => {
    const out = new Uint8Array(5 + r.fragment.length);
    out.set(r.header);
    out[3] = (r.fragment.length >>> 8) & 0xff;
    out[4] = r.fragment.length & 0xff;
    out.set(r.fragment, 5);
    return out;
  });
  return concatBytes(...parts, rest);
}

/** Handshake messages (type, whole message bytes) in a plaintext handshake byte string. */
export function splitMessages(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at + 4 <= data.length) {
    const len = ((data[at + 1] as number) << 16) | ((data[at + 2] as number) << 8) | (data[at + 3] as number);
    out.push(data.slice(at, at + 4 + len));
    at += 4 + len;
  }
  return out;
}

export function secretFromKeylog(lines: readonly string[], label: string): Uint8Array {
  const line = lines.find((l) => l.startsWith(label + ' '));
  if (line === undefined) throw new Error(`no ${label} in the key log`);
  return unhex(line.split(' ')[2] ?? '');
}

/**
 * Rewrites the server's encrypted handshake flight (the records protected with the server handshake
 * traffic secret, the first flight after ServerHello): `edit` gets the list of handshake messages and
 * returns the list to send instead. Everything else passes through unchanged.
 */
export function rewriteServerFlight(
  bytes: Uint8Array,
  keylog: readonly string[],
  suite: number,
  edit: (messages: Uint8Array[]) => Uint8Array[],
): Uint8Array {
  return rewriteFlight(bytes, keylog, 'SERVER_HANDSHAKE_TRAFFIC_SECRET', suite, edit);
}

/**
 * Rewrites the encrypted handshake messages of one flight protected with the key log's `label` secret
 * (SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_HANDSHAKE_TRAFFIC_SECRET, or SERVER_TRAFFIC_SECRET_0 for
 * the tickets after the handshake), as the first records of that secret: the edited messages are
 * sealed again in records of at most 16 KiB, at the place of the first protected record.
 */
export function rewriteFlight(
  bytes: Uint8Array,
  keylog: readonly string[],
  label: string,
  suite: number,
  edit: (messages: Uint8Array[]) => Uint8Array[],
): Uint8Array {
  const crypto = nodeCryptoProvider();
  const s = suite13(suite);
  if (s === undefined) throw new Error('not a TLS 1.3 suite');
  const secret = secretFromKeylog(keylog, label);
  const opener = new RecordProtector13(crypto, s, secret);
  const sealer = new RecordProtector13(crypto, s, secret);
  const { records, rest } = splitRecords(bytes);
  const plain: Uint8Array[] = [];
  const kept: RawRecord[] = [];
  let firstProtected = -1;
  for (const r of records) {
    if (r.type !== 23) {
      kept.push(r);
      continue;
    }
    if (firstProtected < 0) firstProtected = kept.length;
    plain.push(opener.open({ type: r.type, version: 0x0303, header: r.header, fragment: r.fragment }).content);
  }
  const hs = concatBytes(...edit(splitMessages(concatBytes(...plain))));
  const sealed: RawRecord[] = [];
  for (let at = 0; at < Math.max(hs.length, 1); at += 16384) {
    const rec = sealer.seal(22, hs.subarray(at, at + 16384));
    sealed.push({ type: 23, header: rec.slice(0, 5), fragment: rec.slice(5) });
  }
  kept.splice(firstProtected < 0 ? kept.length : firstProtected, 0, ...sealed);
  return joinRecords(kept, rest);
}
