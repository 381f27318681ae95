// Self-test of the throw-away OpenLDAP server (tests/helpers/slapd.ts): entries loaded with slapadd come
// back from ldapsearch (a DER certificate in userCertificate;binary byte for byte), LDAPS and StartTLS
// really verify against the test root (and fail against another root), the admin bind works, and stop()
// ends slapd.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { createServer, directoryCheck, type DirectoryCheckOptions, type TLSSocket } from '../src/node/index.js';
import { knownEvent, type SidedEvent } from '../src/trace/events.js';
import { buildNarrative } from '../src/trace/steps.js';
import { issueWithSubject, testPki } from './helpers/certs.js';
import { runClient } from './helpers/proc.js';
import { CLI, runCli, startListening } from './cli.proc.js';
import { slapdMissing, startSlapd, type SlapdEntry } from './helpers/slapd.js';

const SKIP = slapdMissing() ?? (false as const);

/** ldapsearch with the TLS trust anchor given through the environment (as a user would). */
function tlsSearch(args: readonly string[], caFile: string): ReturnType<typeof runClient> {
  return runClient('ldapsearch', ['-x', '-LLL', '-o', 'nettimeout=5', ...args], {
    timeoutMs: 10_000,
    env: { ...process.env, LDAPTLS_CACERT: caFile, LDAPTLS_REQCERT: 'demand' },
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

test('slapd helper: entries, LDAPS and StartTLS with the test PKI', { skip: SKIP }, async (t) => {
  const pki = await testPki();
  const alice = `cn=alice,ou=people,dc=typetls,dc=test`;
  const der = pki.client.ecdsa.certDer;
  const started = Date.now();
  const ldap = await startSlapd(t, {
    tls: { certFile: pki.server.ecdsa.files.chain, keyFile: pki.server.ecdsa.files.key, caFile: pki.root.files.cert },
    entries: [
      {
        dn: alice,
        attributes: {
          objectClass: ['inetOrgPerson'],
          cn: ['alice'],
          sn: ['Alice'],
          mail: ['alice@typetls.test'],
          displayName: ['Älice: the first'],
          'userCertificate;binary': [der],
        },
      },
    ],
  });
  t.diagnostic(`slapd ready in ${Date.now() - started} ms (ldap ${ldap.ldapPort}, ldaps ${String(ldap.ldapsPort)})`);
  assert.equal(ldap.baseDn, 'dc=typetls,dc=test');
  assert.equal(ldap.adminDn, 'cn=admin,dc=typetls,dc=test');
  const ldapsPort = ldap.ldapsPort;
  assert.ok(ldapsPort !== undefined);

  await t.test('search(): the base entry, ou=people and a DER certificate in userCertificate;binary', async () => {
    assert.match(await ldap.search(ldap.baseDn), /^objectClass: dcObject$/m);
    assert.match(await ldap.search(`ou=people,${ldap.baseDn}`, ['ou']), /^ou: people$/m);
    const out = await ldap.search(alice, ['userCertificate;binary', 'displayName']);
    assert.match(out, new RegExp(`^dn: ${alice}$`, 'm'));
    const line = out.split('\n').find((l) => l.startsWith('userCertificate;binary:: '));
    assert.ok(line !== undefined, out);
    assert.deepEqual(new Uint8Array(Buffer.from(line.slice('userCertificate;binary:: '.length), 'base64')), new Uint8Array(der));
    // Non-ASCII text went in as base64 LDIF and comes back as base64 LDIF.
    assert.match(out, new RegExp(`^displayName:: ${Buffer.from('Älice: the first').toString('base64')}$`, 'm'));
    assert.equal(await ldap.search(`cn=nobody,ou=people,${ldap.baseDn}`), '');
  });

  await t.test('LDAPS (ldaps://127.0.0.1) verifies against the test root', async () => {
    const r = await tlsSearch(['-H', `ldaps://127.0.0.1:${ldapsPort}`, '-b', ldap.baseDn, '-s', 'base', 'dn'], pki.root.files.cert);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^dn: dc=typetls,dc=test$/m);
  });

  await t.test('StartTLS (-ZZ) on the plain port verifies against the test root', async () => {
    const r = await tlsSearch(['-ZZ', '-H', `ldap://127.0.0.1:${ldap.ldapPort}`, '-b', alice, '-s', 'base', 'mail'], pki.root.files.cert);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^mail: alice@typetls\.test$/m);
  });

  await t.test('LDAPS and StartTLS fail against a root that did not issue the server certificate', async () => {
    const ca = pki.untrustedRoot.files.cert;
    const s = await tlsSearch(['-H', `ldaps://127.0.0.1:${ldapsPort}`, '-b', ldap.baseDn, '-s', 'base', 'dn'], ca);
    assert.notEqual(s.code, 0, s.stdout + s.stderr);
    const z = await tlsSearch(['-ZZ', '-H', `ldap://127.0.0.1:${ldap.ldapPort}`, '-b', ldap.baseDn, '-s', 'base', 'dn'], ca);
    assert.notEqual(z.code, 0, z.stdout + z.stderr);
  });

  await t.test('the admin bind works', async () => {
    const r = await runClient('ldapwhoami', ['-x', '-H', `ldap://127.0.0.1:${ldap.ldapPort}`, '-D', ldap.adminDn, '-w', ldap.adminPassword], {
      timeoutMs: 10_000,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout.trim(), `dn:${ldap.adminDn}`);
  });

  await t.test('stop() closes both ports and is idempotent', async () => {
    await ldap.stop();
    await ldap.stop();
    assert.equal(await accepts(ldap.ldapPort), false);
    assert.equal(await accepts(ldapsPort), false);
  });
});

test('slapd helper: without tls there is no LDAPS port; a bad entry fails the start with slapadd output', { skip: SKIP }, async (t) => {
  const ldap = await startSlapd(t);
  assert.equal(ldap.ldapsPort, undefined);
  assert.match(await ldap.search(ldap.baseDn, ['dc']), /^dc: typetls$/m);
  await assert.rejects(
    startSlapd(t, { entries: [{ dn: 'cn=bob,ou=nowhere,dc=typetls,dc=test', attributes: { objectClass: ['inetOrgPerson'], cn: ['bob'], sn: ['Bob'] } }] }),
    /slapadd failed/,
  );
  await assert.rejects(
    startSlapd(t, { entries: [{ dn: 'cn=carol,ou=people,dc=typetls,dc=test', attributes: { objectClass: ['inetOrgPerson'], cn: ['carol'] } }] }),
    /slapadd failed[\s\S]*sn/,
  );
});

// directoryCheck() against OpenLDAP: the classic step 6, the server authenticating the client's
// certificate against the directory entry that must hold it, over ldap://, ldaps:// and StartTLS
// (typetls's own TLS client against slapd's GnuTLS).
test('directoryCheck against slapd: accepted when the entry holds the certificate, over ldap, ldaps and StartTLS, anonymous and bound', { skip: SKIP }, async (t) => {
  const pki = await testPki();
  const alice = await issueWithSubject(pki, 'DC=test, DC=typetls, OU=people, CN=alice');
  const bob = await issueWithSubject(pki, 'DC=test, DC=typetls, OU=people, CN=bob');
  const mallory = await issueWithSubject(pki, 'DC=test, DC=typetls, OU=people, CN=mallory');
  const person = (cn: string, certs: readonly Uint8Array[]): SlapdEntry => ({
    dn: `cn=${cn},ou=people,dc=typetls,dc=test`,
    attributes: { objectClass: ['inetOrgPerson'], cn: [cn], sn: [cn], ...(certs.length > 0 ? { 'userCertificate;binary': certs } : {}) },
  });
  const ldap = await startSlapd(t, {
    tls: { certFile: pki.server.ecdsa.files.chain, keyFile: pki.server.ecdsa.files.key, caFile: pki.root.files.cert },
    // bob's entry holds another certificate of his (an old one, say), not the one he presents.
    entries: [person('alice', [pki.client.ecdsa.certDer, alice.certDer]), person('bob', [mallory.certDer])],
  });
  const ca = pki.root.certPem;
  const ways: [string, DirectoryCheckOptions][] = [
    ['ldap, anonymous', { url: `ldap://127.0.0.1:${String(ldap.ldapPort)}` }],
    ['ldaps, anonymous', { url: `ldaps://127.0.0.1:${String(ldap.ldapsPort)}`, tls: { ca } }],
    ['StartTLS, bound as the admin', { url: `ldap://127.0.0.1:${String(ldap.ldapPort)}`, startTls: true, tls: { ca }, bindDn: ldap.adminDn, password: ldap.adminPassword }],
    ['ldaps, bound as the admin', { url: `ldaps://127.0.0.1:${String(ldap.ldapsPort)}`, tls: { ca }, bindDn: ldap.adminDn, password: ldap.adminPassword }],
  ];
  for (const [name, o] of ways) {
    const check = directoryCheck(o);
    const ask = (der: Uint8Array) => check({ chain: [der], hostname: undefined, purpose: 'clientAuth' });
    const ok = await ask(alice.certDer);
    assert.ok(ok !== undefined && !(ok instanceof Error), `${name}: ${String(ok)}`);
    assert.match(String(await ask(bob.certDer)), /entry CN=bob,OU=people,DC=typetls,DC=test .* does not hold this certificate/, name);
    assert.match(String(await ask(mallory.certDer)), /has no entry CN=mallory,OU=people,DC=typetls,DC=test/, name);
  }
  // A wrong password, and a directory whose certificate the given CA does not vouch for.
  const wrong = await directoryCheck({ url: `ldaps://127.0.0.1:${String(ldap.ldapsPort)}`, tls: { ca }, bindDn: ldap.adminDn, password: 'nope' })({ chain: [alice.certDer], hostname: undefined, purpose: 'clientAuth' });
  assert.match(String(wrong), /refused the bind as cn=admin,dc=typetls,dc=test: invalidCredentials \(49\)/);
  const untrusted = await directoryCheck({ url: `ldaps://127.0.0.1:${String(ldap.ldapsPort)}`, tls: { ca: pki.untrustedRoot.certPem } })({ chain: [alice.certDer], hostname: undefined, purpose: 'clientAuth' });
  assert.match(String(untrusted), /could not be asked .*(certificate|issuer)/i);
});

/** A directory (slapd with LDAPS) whose entry for alice holds her certificate; mallory has no entry. */
async function aliceInDirectory(t: TestContext) {
  const pki = await testPki();
  const alice = await issueWithSubject(pki, 'DC=test, DC=typetls, OU=people, CN=alice');
  const mallory = await issueWithSubject(pki, 'DC=test, DC=typetls, OU=people, CN=mallory');
  const ldap = await startSlapd(t, {
    tls: { certFile: pki.server.ecdsa.files.chain, keyFile: pki.server.ecdsa.files.key, caFile: pki.root.files.cert },
    entries: [{ dn: 'cn=alice,ou=people,dc=typetls,dc=test', attributes: { objectClass: ['inetOrgPerson'], cn: ['alice'], sn: ['alice'], 'userCertificate;binary': [alice.certDer] } }],
  });
  return { pki, alice, mallory, ldap };
}

test('a typetls server that checks client certificates against slapd (verifyHook: directoryCheck): node:tls clients in and out, the reason in tlsClientError and the trace', { skip: SKIP }, async (t) => {
  const { pki, alice, mallory, ldap } = await aliceInDirectory(t);
  const events: SidedEvent[] = [];
  const server = createServer({
    cert: pki.server.ecdsa.chainPem,
    key: pki.server.ecdsa.keyPem,
    ca: pki.root.certPem,
    requestCert: true,
    rejectUnauthorized: true,
    verifyHook: directoryCheck({ url: `ldaps://127.0.0.1:${String(ldap.ldapsPort)}`, tls: { ca: pki.root.certPem } }),
    trace: (e) => {
      const k = knownEvent(e);
      if (k !== undefined) events.push({ side: 'server', event: k });
    },
  });
  server.on('secureConnection', (s: TLSSocket) => {
    s.on('data', () => undefined);
    s.end('welcome');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const dial = async (c: { certPem: string; keyPem: string }): Promise<string | Error> => {
    const sock = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: pki.root.certPem, cert: c.certPem, key: c.keyPem });
    let got = '';
    sock.setEncoding('utf8').on('data', (d: string) => (got += d));
    try {
      await once(sock, 'end');
      return got;
    } catch (e) {
      return e as Error;
    } finally {
      sock.destroy();
    }
  };
  try {
    assert.equal(await dial(alice), 'welcome');
    const step6 = buildNarrative(events).steps.find((s) => s.n === 6);
    const app = step6?.checks.find((c) => c.check === 'application');
    assert.ok(app?.ok === true && /directory entry CN=alice,OU=people,DC=typetls,DC=test at ldaps:\/\/127\.0\.0\.1:\d+ holds this certificate/.test(app.detail), JSON.stringify(step6?.checks));
    const refused = once(server, 'tlsClientError') as Promise<[Error & { code?: string }]>;
    // TLS 1.3: the client's side of the handshake is over before the server has checked it, so
    // the refusal reaches it as an alert or a closed connection; it never gets the welcome.
    const r = await dial(mallory);
    assert.notEqual(r, 'welcome', 'mallory got in');
    const [err] = await refused;
    assert.equal(err.code, 'CERT_REJECTED');
    assert.match(err.message, /has no entry CN=mallory,OU=people,DC=typetls,DC=test/);
  } finally {
    server.close();
  }
});

test('typetls server --directory (the CLI): a client certificate its entry holds gets in, another is refused with the reason', { skip: SKIP }, async (t) => {
  const { pki, alice, mallory, ldap } = await aliceInDirectory(t);
  const dir = mkdtempSync(join(tmpdir(), 'typetls-dircli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files = (name: string, c: { certPem: string; keyPem: string }): [string, string] => {
    writeFileSync(join(dir, `${name}.pem`), c.certPem);
    writeFileSync(join(dir, `${name}.key`), c.keyPem);
    return [join(dir, `${name}.pem`), join(dir, `${name}.key`)];
  };
  const [aCert, aKey] = files('alice', alice);
  const [mCert, mKey] = files('mallory', mallory);
  const srv = await startListening(process.execPath, [
    CLI, 'server', '--port', '0', '--cert', pki.server.ecdsa.files.chain, '--key', pki.server.ecdsa.files.key, '--ca', pki.root.files.cert,
    '--verify-client', 'require', '--directory', `ldap://127.0.0.1:${String(ldap.ldapPort)}`, '--directory-starttls', '--echo', '--naccept', '2',
  ]);
  try {
    const target = `127.0.0.1:${String(srv.port)}`;
    const ok = await runCli(['client', target, '--ca', pki.root.files.cert, '--servername', 'localhost', '--cert', aCert, '--key', aKey], { input: 'from alice\n' });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'from alice\n', ok.stderr + srv.output().stderr);
    const no = await runCli(['client', target, '--ca', pki.root.files.cert, '--servername', 'localhost', '--cert', mCert, '--key', mKey], { input: 'from mallory\n' });
    assert.notEqual(no.stdout, 'from mallory\n');
    await srv.exited;
    assert.match(srv.output().stderr, /conn 2: handshake failed: .*has no entry CN=mallory,OU=people,DC=typetls,DC=test/);
  } finally {
    srv.stop();
  }
  const usage = await runCli(['server', '--port', '0', '--cert', pki.server.ecdsa.files.chain, '--key', pki.server.ecdsa.files.key, '--directory', 'ldap://127.0.0.1:1']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--directory checks client certificates/);
});
