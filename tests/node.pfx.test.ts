// node:tls's `pfx` option in the adapter (src/node/pfx.ts, context.ts): the option's shapes and
// passphrases, pfx beside `cert`/`key`, and what node:tls does with a file's other certificates
// (sent as the chain, trusted, named in the CertificateRequest). Every case runs against node:tls
// itself too, with the same files (written by `openssl pkcs12 -export`), and the results must agree.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { connect, createSecureContext, createServer } from '../src/node/index.js';
import type { TlsServerOptions } from '../src/node/index.js';
import { TlsError } from '../src/errors.js';
import { testPki, type TestCert, type TestPki } from './helpers/certs.js';
import { exportPkcs12 } from './helpers/pkcs12.js';
import { has, opensslClient } from './helpers/peers.js';

interface Files {
  readonly pki: TestPki;
  readonly dir: string;
  /** server.viaIntermediate (ECDSA) with the intermediate and the root, passphrase "secret" */
  readonly server: Buffer;
  /** server.rsa alone, passphrase "secret" */
  readonly rsa: Buffer;
  /** client.ecdsa (issued by the root) alone, passphrase "pw" */
  readonly client: Buffer;
  /** client.ecdsa with the root, passphrase "pw" */
  readonly clientWithRoot: Buffer;
}

async function files(t: TestContext): Promise<Files | undefined> {
  if (!has('openssl')) {
    t.skip('openssl not installed');
    return undefined;
  }
  const pki = await testPki();
  const dir = mkdtempSync(join(tmpdir(), 'typetls-pfx-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const chain = join(dir, 'chain.pem');
  writeFileSync(chain, pki.intermediate.certPem + pki.root.certPem);
  const make = (name: string, c: TestCert, pass: string, extra: readonly string[] = []): Buffer => {
    const bytes = exportPkcs12(dir, name, ['-in', c.files.cert, '-inkey', c.files.key, '-passout', `pass:${pass}`, ...extra]);
    assert.ok(bytes !== undefined, name);
    return Buffer.from(bytes);
  };
  return {
    pki,
    dir,
    server: make('server.p12', pki.server.viaIntermediate, 'secret', ['-certfile', chain]),
    rsa: make('rsa.p12', pki.server.rsa, 'secret'),
    client: make('client.p12', pki.client.ecdsa, 'pw'),
    clientWithRoot: make('client-root.p12', pki.client.ecdsa, 'pw', ['-certfile', pki.root.files.cert]),
  };
}

const hex = (b: Uint8Array | undefined): string => (b === undefined ? '' : Buffer.from(b).toString('hex'));
const cnOf = (der: Uint8Array | string): string => new X509Certificate(der).subject.split('\n').find((l) => l.startsWith('CN='))?.slice(3) ?? '';

/** node:tls's createSecureContext: its current certificate (DER) or its error. */
function nodeContext(o: tls.SecureContextOptions): { ok: true; leaf: string } | { ok: false; error: string } {
  try {
    const native = (tls.createSecureContext(o) as unknown as { context: { getCertificate(): Buffer | null } }).context;
    return { ok: true, leaf: hex(native.getCertificate() ?? undefined) };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

function ourContext(o: object): { ok: true; leaves: string[] } | { ok: false; error: string } {
  try {
    return { ok: true, leaves: createSecureContext(o).certificates.map((c) => hex(c.chain[0])) };
  } catch (e) {
    assert.ok(e instanceof TlsError && e.code === 'ERR_TLS_INVALID_OPTION', `not an option error: ${String(e)}`);
    return { ok: false, error: e.message };
  }
}

test('adapter: pfx as node:tls reads it: a Buffer, arrays of Buffers and { buf, passphrase }, passphrase fallbacks; errors name the file', async (t) => {
  const f = await files(t);
  if (f === undefined) return;
  const leaf = hex(f.pki.server.viaIntermediate.certDer);
  const ctx = createSecureContext({ pfx: f.server, passphrase: 'secret' });
  assert.equal(ctx.certificates.length, 1);
  assert.deepEqual(ctx.certificates[0]?.chain.map(hex), [leaf, hex(f.pki.intermediate.certDer), hex(f.pki.root.certDer)]);
  assert.equal(ctx.certificates[0]?.key.type, 'ec');

  const cases: [string, object, string | RegExp][] = [
    ['one file', { pfx: f.server, passphrase: 'secret' }, leaf],
    ['array, common passphrase', { pfx: [f.rsa, f.server], passphrase: 'secret' }, leaf],
    ['array, own passphrase', { pfx: [{ buf: f.client, passphrase: 'pw' }], passphrase: 'secret' }, hex(f.pki.client.ecdsa.certDer)],
    ['array, empty own passphrase → the common one', { pfx: [{ buf: f.server, passphrase: '' }], passphrase: 'secret' }, leaf],
    ['two ECDSA files: the last one set wins', { pfx: [f.server, { buf: f.client, passphrase: 'pw' }], passphrase: 'secret' }, hex(f.pki.client.ecdsa.certDer)],
    ['wrong passphrase', { pfx: f.server, passphrase: 'nope' }, /option `pfx`: cannot use this PKCS#12 file: mac verify failure: the passphrase is wrong/],
    ['no passphrase', { pfx: f.server }, /option `pfx`: .*mac verify failure: the file needs a passphrase \(give `passphrase`\)/],
    ['wrong own passphrase', { pfx: [f.rsa, { buf: f.client, passphrase: 'nope' }], passphrase: 'secret' }, /option `pfx\[1\]\.buf`: .*mac verify failure/],
    ['the file as a string', { pfx: f.server.toString('latin1'), passphrase: 'secret' }, /option `pfx`: .*a string is read as UTF-8 text, as node:tls does: pass the file as a Buffer/],
    ['not a file', { pfx: Buffer.from('hello') }, /option `pfx`: .*not a well-formed PKCS#12 file/],
  ];
  for (const [name, o, want] of cases) {
    const mine = ourContext(o);
    const node = nodeContext(o as tls.SecureContextOptions);
    assert.equal(mine.ok, node.ok, `${name}: typetls ${mine.ok ? 'ok' : mine.error}, node:tls ${node.ok ? 'ok' : node.error}`);
    if (typeof want === 'string') {
      assert.ok(mine.ok && node.ok);
      assert.ok(mine.leaves.includes(want), name);
      assert.equal(node.leaf, want, `${name}: node:tls`);
    } else {
      assert.ok(!mine.ok);
      assert.match(mine.error, want, name);
    }
  }
  // Shapes node:tls cannot use either, named precisely.
  assert.throws(() => createSecureContext({ pfx: 42 } as unknown as object), /option `pfx`: expected the PKCS#12 file as a Buffer/);
  assert.throws(() => createSecureContext({ pfx: [{ passphrase: 'x' }] } as unknown as object), /option `pfx\[0\]\.buf`: expected/);
  assert.throws(() => createSecureContext({ pfx: f.server, passphrase: 7 } as unknown as object), /option `passphrase`: the passphrase must be a string/);
  assert.throws(() => createServer({ pfx: Buffer.from('x') }), /option `pfx`/);
  assert.throws(() => createServer({}), /needs `cert` and `key` or `pfx`/);
});

/** Runs `use` with `server` listening on a free 127.0.0.1 port, then closes it. */
async function withServer<T>(server: tls.Server, use: (port: number) => Promise<T>): Promise<T> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await use((server.address() as AddressInfo).port);
  } finally {
    server.close();
  }
}

/** The leaf a node:tls client is sent by `server` (a node:tls or typetls server factory). */
async function servedLeaf(make: (o: TlsServerOptions) => tls.Server, o: TlsServerOptions, client: tls.ConnectionOptions = {}): Promise<string> {
  const server = make(o);
  server.on('secureConnection', (s: tls.TLSSocket) => s.end());
  return withServer(
    server,
    (port) =>
      new Promise<string>((resolve, reject) => {
        const c = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, maxVersion: 'TLSv1.3', ...client }, () => {
          resolve(hex(c.getPeerCertificate().raw));
          c.destroy();
        });
        c.on('error', reject);
      }),
  );
}

const nodeServer = (o: TlsServerOptions): tls.Server => tls.createServer(o as unknown as tls.TlsOptions);
const ourServer = (o: TlsServerOptions): tls.Server => createServer(o) as unknown as tls.Server;

test('adapter: pfx beside cert/key: it replaces a certificate of its key type and joins one of another type, as node:tls (one per key type)', async (t) => {
  const f = await files(t);
  if (f === undefined) return;
  const { pki } = f;
  const same = { cert: pki.server.ecdsa.certPem, key: pki.server.ecdsa.keyPem, pfx: f.server, passphrase: 'secret' };
  const other = { cert: pki.server.rsa.certPem, key: pki.server.rsa.keyPem, pfx: f.server, passphrase: 'secret' };
  assert.deepEqual(createSecureContext(same).certificates.map((c) => hex(c.chain[0])), [hex(pki.server.viaIntermediate.certDer)]);
  assert.deepEqual(createSecureContext(other).certificates.map((c) => c.key.type), ['rsa', 'ec']);
  const ecdsaOnly = { sigalgs: 'ECDSA+SHA256' };
  const rsaOnly = { sigalgs: 'rsa_pss_rsae_sha256:RSA+SHA256' };
  for (const [name, o, client, want] of [
    ['same type', same, {}, pki.server.viaIntermediate],
    ['other type, ECDSA client', other, ecdsaOnly, pki.server.viaIntermediate],
    ['other type, RSA client', other, rsaOnly, pki.server.rsa],
  ] as const) {
    assert.equal(await servedLeaf(nodeServer, o, client), hex(want.certDer), `node:tls, ${name}`);
    assert.equal(await servedLeaf(ourServer, o, client), hex(want.certDer), `typetls, ${name}`);
  }
});

/** Runs a node:tls client against `server`; resolves with both sides' verdicts. */
async function handshake(server: tls.Server, client: tls.ConnectionOptions): Promise<{ client: string; server: string; chain: number }> {
  const seen = new Promise<string>((resolve) => {
    server.once('secureConnection', (s: tls.TLSSocket) => {
      resolve(s.authorized ? `authorized ${String(s.getPeerCertificate().subject?.CN)}` : `unauthorized ${String(s.authorizationError)}`);
      s.end();
    });
  });
  return withServer(server, async (port) => {
    const c = await new Promise<{ client: string; chain: number }>((resolve, reject) => {
      const s = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false, ...client }, () => {
        let n = 0;
        const fingerprints = new Set<string>();
        for (let p = s.getPeerCertificate(true); p.raw !== undefined && !fingerprints.has(p.fingerprint256); p = p.issuerCertificate) {
          fingerprints.add(p.fingerprint256);
          n++;
        }
        resolve({ client: s.authorized ? 'authorized' : `unauthorized ${String(s.authorizationError)}`, chain: n });
        s.on('data', () => undefined);
      });
      s.on('error', reject);
    });
    return { ...c, server: await seen };
  });
}

test("adapter: a pfx's other certificates are sent as the chain, trusted and named to clients, as node:tls does (server: node:tls and openssl s_client)", async (t) => {
  const f = await files(t);
  if (f === undefined) return;
  const { pki } = f;
  const o: TlsServerOptions = { pfx: f.server, passphrase: 'secret', requestCert: true, rejectUnauthorized: false };
  const root = pki.root.files.cert;
  const clientCn = cnOf(pki.client.ecdsa.certDer);
  for (const [name, make] of [['node:tls', nodeServer], ['typetls', ourServer]] as const) {
    // A node:tls client verifying the server with the root; its certificate (issued by the root) is
    // trusted through the pfx's root, with no `ca` on the server.
    const r = await handshake(make(o), { ca: pki.root.certPem, pfx: f.client, passphrase: 'pw' });
    assert.deepEqual(r, { client: 'authorized', server: `authorized ${clientCn}`, chain: 3 }, name);
    // openssl s_client: verification, the chain and the client CA names.
    await withServer(make(o), async (port) => {
      const s = await opensslClient({ port, ca: root, extra: ['-showcerts'] });
      const out = s.stdout + s.stderr;
      assert.equal(s.info.verified, true, `${name}: ${out}`);
      assert.match(out, / 2 s:.*\n/, `${name}: three certificates sent`);
      const names = /Acceptable client certificate CA names\n([\s\S]*?)\n(Requested|Client Certificate Types)/.exec(out)?.[1]?.split('\n') ?? [];
      assert.equal(names.length, 2, `${name}: ${names.join(' | ')}`);
      assert.ok(names[0]?.startsWith(`CN = ${cnOf(pki.intermediate.certDer)},`) && names[1]?.startsWith(`CN = ${cnOf(pki.root.certDer)},`), `${name}: ${names.join(' | ')}`);
    });
  }
  // No `ca` and no pfx: no names at all (typetls used to name its whole root store).
  for (const [name, make] of [['node:tls', nodeServer], ['typetls', ourServer]] as const) {
    const server = make({ cert: pki.server.ecdsa.certPem, key: pki.server.ecdsa.keyPem, requestCert: true, rejectUnauthorized: false });
    const s = await withServer(server, (port) => opensslClient({ port }));
    assert.match(s.stdout + s.stderr, /No client certificate CA names sent/, name);
  }
});

test('adapter: a typetls client with a pfx: client authentication against node:tls requestCert, and the pfx root trusted for the server', async (t) => {
  const f = await files(t);
  if (f === undefined) return;
  const { pki } = f;
  const server = tls.createServer({ cert: pki.server.viaIntermediate.chainPem, key: pki.server.viaIntermediate.keyPem, ca: pki.root.certPem, requestCert: true, rejectUnauthorized: true });
  const sides = new Promise<string>((resolve) => {
    server.on('secureConnection', (s: tls.TLSSocket) => {
      resolve(`${String(s.authorized)} ${hex(s.getPeerCertificate().raw)}`);
      s.end('hello');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const run = (pfx: Buffer): Promise<string> =>
    new Promise((resolve, reject) => {
      const c = connect({ port, host: '127.0.0.1', servername: 'localhost', pfx, passphrase: 'pw', rejectUnauthorized: false }, () => {
        resolve(c.authorized ? 'authorized' : `unauthorized ${String(c.authorizationError)}`);
        c.on('data', () => undefined);
      });
      c.on('error', reject);
    });
  // No `ca`: the root in the pfx is what makes the server trusted, as with node:tls.
  assert.equal(await run(f.clientWithRoot), 'authorized');
  assert.equal(await sides, `true ${hex(pki.client.ecdsa.certDer)}`, 'node:tls saw the pfx certificate and accepted it');
  const nodeClient = await new Promise<string>((resolve, reject) => {
    const c = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', pfx: f.clientWithRoot, passphrase: 'pw', rejectUnauthorized: false }, () => {
      resolve(c.authorized ? 'authorized' : `unauthorized ${String(c.authorizationError)}`);
      c.on('data', () => undefined);
    });
    c.on('error', reject);
  });
  assert.equal(nodeClient, 'authorized', 'node:tls agrees');
  // Without the root in the pfx (and no `ca`), neither trusts the server.
  const without = await run(f.client);
  assert.match(without, /^unauthorized /);
});
