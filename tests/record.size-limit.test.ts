import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testPki } from './helpers/certs.js';
import { certifiedKey, pair, pump } from './helpers/memory.js';

/** Lengths of the records in a chunk of TLS output. */
function recordLengths(b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 5 <= b.length; ) {
    const len = ((b[i + 3] as number) << 8) | (b[i + 4] as number);
    out.push(len);
    i += 5 + len;
  }
  return out;
}

test('RFC 8449 §4: record_size_limit in both roles: each side keeps its records within the peer limit', async () => {
  const pki = await testPki();
  const { client, server } = pair(
    { serverName: 'localhost', ca: [pki.root.certPem], recordSizeLimit: 512 },
    { certificates: [certifiedKey(pki.server.ecdsa)], recordSizeLimit: 1000 },
  );
  await pump(client, server);
  assert.equal(client.error, undefined, client.error?.message);
  client.write(new Uint8Array(5000).fill(1));
  server.write(new Uint8Array(5000).fill(2));
  const fromClient = recordLengths(client.takeOutput() ?? new Uint8Array(0));
  const fromServer = recordLengths(server.takeOutput() ?? new Uint8Array(0));
  // TLS 1.3: limit counts the content type byte; each record adds a 16-byte tag.
  assert.ok(fromClient.every((l) => l <= 1000 + 16), `client records ${fromClient.join(',')}`);
  assert.ok(fromClient.some((l) => l === 1000 + 16));
  assert.ok(fromServer.every((l) => l <= 512 + 16), `server records ${fromServer.join(',')}`);
  assert.ok(fromServer.some((l) => l === 512 + 16));
});

test('RFC 8449: without the extension on both sides, records stay at 2^14', async () => {
  const pki = await testPki();
  const { client, server } = pair({ serverName: 'localhost', ca: [pki.root.certPem], recordSizeLimit: 512 }, { certificates: [certifiedKey(pki.server.ecdsa)] });
  await pump(client, server);
  server.write(new Uint8Array(20000));
  const lengths = recordLengths(server.takeOutput() ?? new Uint8Array(0));
  // The server answered with its own limit (2^14 + 1) and honours the client's 512.
  assert.ok(lengths.every((l) => l <= 528));
  const plain = pair({ serverName: 'localhost', ca: [pki.root.certPem] }, { certificates: [certifiedKey(pki.server.ecdsa)], recordSizeLimit: 512 });
  await pump(plain.client, plain.server);
  plain.server.write(new Uint8Array(20000));
  assert.ok(recordLengths(plain.server.takeOutput() ?? new Uint8Array(0)).some((l) => l === 16384 + 17));
  assert.throws(() => pair({ recordSizeLimit: 63 }, { certificates: [certifiedKey(pki.server.ecdsa)] }), /recordSizeLimit/);
});

test('setMaxSendFragment (node:tls): caps our records at 512..16384 bytes of plaintext, both versions; the lower of it and the peer limit wins', async () => {
  const pki = await testPki();
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    const range = { minVersion: version, maxVersion: version };
    const { client, server } = pair({ ...range, serverName: 'localhost', ca: [pki.root.certPem] }, { ...range, certificates: [certifiedKey(pki.server.ecdsa)] });
    // Out of range: refused, nothing changes.
    for (const bad of [511, 16385, 0, 1000.5]) assert.equal(client.setMaxSendFragment(bad), false, String(bad));
    assert.equal(client.setMaxSendFragment(600), true);
    await pump(client, server);
    assert.equal(client.error, undefined, client.error?.message);
    client.write(new Uint8Array(5000).fill(7));
    const overhead = version === 'TLSv1.3' ? 1 + 16 : 8 + 16; // content type + tag; TLS 1.2 GCM: explicit nonce + tag
    const lengths = recordLengths(client.takeOutput() ?? new Uint8Array(0));
    assert.deepEqual(lengths, [...Array<number>(8).fill(600 + overhead), 200 + overhead], `${version}: ${lengths.join(',')}`);
    // Raised again: full records.
    assert.equal(client.setMaxSendFragment(16384), true);
    client.write(new Uint8Array(20000));
    assert.equal(recordLengths(client.takeOutput() ?? new Uint8Array(0))[0], 16384 + overhead);
  }
  // A peer's record_size_limit below the cap still bounds the records.
  const limited = pair({ serverName: 'localhost', ca: [pki.root.certPem], recordSizeLimit: 512 }, { certificates: [certifiedKey(pki.server.ecdsa)] });
  assert.equal(limited.server.setMaxSendFragment(4096), true);
  await pump(limited.client, limited.server);
  limited.server.write(new Uint8Array(3000));
  assert.ok(recordLengths(limited.server.takeOutput() ?? new Uint8Array(0)).every((l) => l <= 512 + 16));
});
