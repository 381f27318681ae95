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
