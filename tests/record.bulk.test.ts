// The bulk data path: records that cross transport chunks are assembled in a reused scratch buffer
// (ByteQueue transient takes), and the engine hands out each record's plaintext without copying.
// These tests check that no shortcut changes what is delivered or weakens a check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { suite13 } from '../src/keys/schedule13.js';
import { allSuites12, keyBlockSizes12 } from '../src/keys/suites12.js';
import { ByteQueue } from '../src/record/bytequeue.js';
import { RecordLayer, type RecordProtector } from '../src/record/layer.js';
import { recordProtector12 } from '../src/record/protect12.js';
import { RecordProtector13 } from '../src/record/protect13.js';
import { TlsError } from '../src/errors.js';
import { AlertDescription, CipherSuite, ContentType, NamedGroup } from '../src/wire/iana.js';
import { ClientConnection } from '../src/conn/client.js';
import { ServerConnection } from '../src/conn/server.js';
import { TrustStore } from '../src/pki/trust-store.js';
import { testPki } from './helpers/certs.js';
import { certifiedKey, crypto, pump } from './helpers/memory.js';

const p = nodeCryptoProvider();

/** Protector pairs (writer, reader) for every TLS 1.3 suite and the TLS 1.2 AEAD and CBC ciphers. */
function protectorPairs(): { name: string; w: () => RecordProtector; r: () => RecordProtector }[] {
  const out: { name: string; w: () => RecordProtector; r: () => RecordProtector }[] = [];
  for (const code of [CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384, CipherSuite.TLS_CHACHA20_POLY1305_SHA256]) {
    const s = suite13(code);
    assert.ok(s);
    const secret = p.randomBytes(s.hashLength);
    out.push({ name: `TLS 1.3 ${s.aead}`, w: () => new RecordProtector13(p, s, secret), r: () => new RecordProtector13(p, s, secret) });
  }
  const seen = new Set<string>();
  for (const s of allSuites12()) {
    const kind = JSON.stringify(s.cipher);
    if (seen.has(kind)) continue;
    seen.add(kind);
    const sizes = keyBlockSizes12(s);
    const keys = { key: p.randomBytes(sizes.keyLength), iv: p.randomBytes(sizes.fixedIvLength), macKey: p.randomBytes(sizes.macKeyLength) };
    out.push({ name: `TLS 1.2 ${s.name}`, w: () => recordProtector12(p, s.cipher, keys), r: () => recordProtector12(p, s.cipher, keys) });
  }
  return out;
}

test('record: ByteQueue transient takes reuse one scratch buffer across chunks; plain takes never do', () => {
  const q = new ByteQueue();
  q.push(new Uint8Array([1, 2, 3]));
  q.push(new Uint8Array([4, 5, 6]));
  q.push(new Uint8Array([7, 8, 9, 10]));
  const a = q.take(4, true); // crosses: scratch
  assert.deepEqual([...a], [1, 2, 3, 4]);
  const b = q.take(4, true); // crosses again: the same scratch, so `a` now shows the new bytes
  assert.deepEqual([...b], [5, 6, 7, 8]);
  assert.equal(a.buffer, b.buffer, 'both transient takes are views of one scratch buffer');
  q.push(new Uint8Array([11, 12]));
  const c = q.take(3); // crosses, not transient: a new buffer of its own
  assert.deepEqual([...c], [9, 10, 11]);
  assert.notEqual(c.buffer, b.buffer);
  q.push(new Uint8Array([13, 14, 15]));
  const d = q.take(3, true); // crosses (12 | 13 14): scratch again
  assert.deepEqual([...d], [12, 13, 14]);
  assert.deepEqual([...c], [9, 10, 11], 'a non-transient take is not overwritten');
  const e = q.take(1, true); // inside one chunk: a view of that chunk, never the scratch
  assert.deepEqual([...e], [15]);
  assert.notEqual(e.buffer, d.buffer);
  assert.equal(q.length, 0);
  // The queue ran empty: the scratch buffer was dropped (an idle connection keeps none), so the
  // next crossing take gets a fresh one and `d` stays intact.
  q.push(new Uint8Array([16, 17]));
  q.push(new Uint8Array([18]));
  const f = q.take(3, true);
  assert.deepEqual([...f], [16, 17, 18]);
  assert.notEqual(f.buffer, d.buffer);
  assert.deepEqual([...d], [12, 13, 14]);
});

test('RFC 8446 §5.1: protected records split across transport chunks at every byte offset decrypt, and earlier plaintext is not overwritten', () => {
  for (const { name, w, r } of protectorPairs()) {
    const writer = new RecordLayer();
    writer.setWriteProtector(w());
    const sent: Uint8Array[] = [];
    // Three records per send (two full ones, one short), twice: 6 records on the wire.
    for (let i = 0; i < 2; i++) {
      const data = p.randomBytes(2 * 16384 + 1000 + i);
      sent.push(data);
      writer.send(ContentType.application_data, data);
    }
    const wire = writer.takeOutput();
    assert.ok(wire);
    const expected = Buffer.concat(sent);
    // One reader per cut point would take minutes for CBC; cut at every offset of the first two
    // records' span (covering every header/body/tag position, twice over) and at strided offsets beyond.
    const span = 2 * (5 + 16384 + 64);
    const cuts: number[] = [];
    for (let cut = 1; cut < span && cut < wire.length; cut += cut < 64 || cut > span - 64 ? 1 : 97) cuts.push(cut);
    for (let cut = span; cut < wire.length; cut += 4099) cuts.push(cut);
    for (const cut of cuts) {
      const reader = new RecordLayer();
      reader.setReadProtector(r());
      const kept: Uint8Array[] = [];
      // Three chunks: [0, cut), [cut, cut + 20000), the rest — so records cross chunks in several places.
      const pieces = [wire.subarray(0, cut), wire.subarray(cut, Math.min(wire.length, cut + 20000)), wire.subarray(Math.min(wire.length, cut + 20000))];
      for (const piece of pieces) {
        // A fresh copy per chunk, as a socket delivers them.
        reader.receive(piece.slice());
        for (let rec = reader.nextRecord(); rec !== null; rec = reader.nextRecord()) {
          assert.equal(rec.type, ContentType.application_data);
          kept.push(rec.content); // kept by reference: later records must not overwrite it
        }
      }
      assert.equal(reader.buffered, 0);
      assert.ok(Buffer.concat(kept).equals(expected), `${name}: cut at ${cut}`);
    }
  }
});

test('RFC 8446 §5.1: small protected records split in two at every byte offset of the stream decrypt', () => {
  for (const { name, w, r } of protectorPairs()) {
    const writer = new RecordLayer();
    writer.maxFragment = 200;
    writer.setWriteProtector(w());
    const data = p.randomBytes(450); // three records: 200, 200, 50
    writer.send(ContentType.application_data, data);
    const wire = writer.takeOutput();
    assert.ok(wire);
    for (let cut = 0; cut <= wire.length; cut++) {
      const reader = new RecordLayer();
      reader.setReadProtector(r());
      const kept: Uint8Array[] = [];
      for (const piece of [wire.subarray(0, cut), wire.subarray(cut)]) {
        reader.receive(piece.slice());
        for (let rec = reader.nextRecord(); rec !== null; rec = reader.nextRecord()) kept.push(rec.content);
      }
      assert.ok(Buffer.concat(kept).equals(Buffer.from(data)), `${name}: cut at ${cut}`);
    }
  }
});

test('RFC 8446 §5.1: unprotected records crossing chunks are never assembled in reused memory (the joiner keeps them)', () => {
  const writer = new RecordLayer();
  writer.maxFragment = 100;
  const msg = p.randomBytes(350);
  msg[0] = 11; // a handshake message body; the layer does not parse it
  writer.sendPlaintext(ContentType.handshake, msg);
  const wire = writer.takeOutput();
  assert.ok(wire);
  const reader = new RecordLayer();
  const kept: Uint8Array[] = [];
  for (let at = 0; at < wire.length; at += 7) {
    reader.receive(wire.subarray(at, Math.min(wire.length, at + 7)).slice());
    for (let rec = reader.nextRecord(); rec !== null; rec = reader.nextRecord()) kept.push(rec.content);
  }
  assert.deepEqual(
    kept.map((k) => k.length),
    [100, 100, 100, 50],
  );
  assert.ok(Buffer.concat(kept).equals(Buffer.from(msg)), 'every record kept by reference is intact');
});

test('RFC 8446 §5.2: a flipped ciphertext or tag byte in a record crossing chunks is exactly bad_record_mac', () => {
  for (const { name, w, r } of protectorPairs()) {
    const writer = new RecordLayer();
    writer.setWriteProtector(w());
    writer.send(ContentType.application_data, p.randomBytes(5000));
    const wire = writer.takeOutput();
    assert.ok(wire);
    for (const pos of [5, 100, 2500, wire.length - 17, wire.length - 1]) {
      const bad = wire.slice();
      bad[pos] = (bad[pos] as number) ^ 0x80;
      const reader = new RecordLayer();
      reader.setReadProtector(r());
      reader.receive(bad.subarray(0, 3).slice());
      reader.receive(bad.subarray(3, pos).slice());
      reader.receive(bad.subarray(pos).slice());
      assert.throws(
        () => reader.nextRecord(),
        (e: unknown) => e instanceof TlsError && e.alert === AlertDescription.bad_record_mac,
        `${name}: byte ${pos} flipped`,
      );
    }
  }
});

test('conn: readPlaintextChunks gives each record as decrypted, equal to readPlaintext, never overwritten by later records', async () => {
  const pki = await testPki();
  const c = pki.server.ecdsa;
  for (const suite of [CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_CHACHA20_POLY1305_SHA256]) {
    const common = { crypto, cipherSuites: [suite], groups: [NamedGroup.x25519] };
    const server = new ServerConnection({ ...common, certificates: [certifiedKey(c)] });
    const client = new ClientConnection({ ...common, serverName: 'localhost', ca: TrustStore.fromPem([c.caPem]) });
    await pump(client, server);
    assert.ok(client.handshakeComplete && server.handshakeComplete);
    const sent: Uint8Array[] = [];
    const kept: Uint8Array[] = [];
    for (let i = 0; i < 4; i++) {
      const data = p.randomBytes(40000 + i);
      sent.push(data);
      client.write(data);
      const wire = client.takeOutput();
      assert.ok(wire);
      // Odd chunk sizes, so records cross chunks.
      for (let at = 0; at < wire.length; at += 7001) server.receive(wire.subarray(at, Math.min(wire.length, at + 7001)).slice());
      const chunks = server.readPlaintextChunks();
      assert.ok(chunks !== null);
      assert.deepEqual(
        chunks.map((x) => x.length),
        [16384, 16384, 40000 + i - 32768],
      );
      kept.push(...chunks);
      assert.equal(server.readPlaintextChunks(), null, 'taken once');
    }
    assert.ok(Buffer.concat(kept).equals(Buffer.concat(sent)));
    client.write(new Uint8Array([1, 2, 3]));
    client.write(new Uint8Array([4]));
    const wire = client.takeOutput();
    assert.ok(wire);
    server.receive(wire);
    assert.deepEqual([...(server.readPlaintext() ?? [])], [1, 2, 3, 4], 'readPlaintext still concatenates');
    assert.equal(server.error, undefined);
  }
});
