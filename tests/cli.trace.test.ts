// The narrated trace through the typetls command (issue 6): the demo's ten steps, --json, --trace=bytes,
// the failure paths' failed step and alert, --keylog, and `client --trace` / `server --trace`.
// Structure only (step numbers, statuses, kinds, message names), never wording.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, runCli, startListening } from './cli.proc.js';
import { issue } from '../src/cli/keygen.js';

const STEP = /^(?:\[trace \d+\] )?Step (\d+)\s+.*\[(done|skipped|FAILED|not reached)\]$/gm;

function steps(text: string): [number, string][] {
  return [...text.matchAll(STEP)].map((m) => [Number(m[1]), m[2] ?? '']);
}

describe('CLI: narrated trace', () => {
  test('demo: all ten steps, in order, done, plain text when piped', async () => {
    const r = await runCli(['demo']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(steps(r.stdout), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => [n, 'done']));
    assert.doesNotMatch(r.stdout, /\u001b\[/, 'no colour when stdout is not a terminal');
  });

  test('demo --tls1.2 --rsa-kex: the classic flow, all ten steps, ClientKeyExchange and ChangeCipherSpec named', async () => {
    const [t12, rsa] = await Promise.all([runCli(['demo', '--tls1.2']), runCli(['demo', '--tls1.2', '--rsa-kex'])]);
    for (const r of [t12, rsa]) {
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(steps(r.stdout), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => [n, 'done']));
      const step4 = r.stdout.slice(r.stdout.indexOf('Step 4 '), r.stdout.indexOf('Step 5 '));
      assert.match(step4, /client → server {2}client_key_exchange /);
      const step8 = r.stdout.slice(r.stdout.indexOf('Step 8 '), r.stdout.indexOf('Step 9 '));
      assert.match(step8, /client → server {2}change_cipher_spec /);
    }
    assert.match(t12.stdout.slice(t12.stdout.indexOf('Step 2 '), t12.stdout.indexOf('Step 3 ')), /server_key_exchange /);
    assert.doesNotMatch(rsa.stdout.slice(rsa.stdout.indexOf('Step 2 '), rsa.stdout.indexOf('Step 3 ')), /server_key_exchange /);
  });

  test('demo --json: one JSON object per line, events then the ten steps', async () => {
    const r = await runCli(['demo', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const kinds = new Set(lines.map((l) => l['kind']));
    for (const k of ['message', 'record', 'keys', 'secret', 'certificate-check', 'handshake-complete', 'close']) assert.ok(kinds.has(k), k);
    assert.ok(lines.every((l) => !('raw' in l)), 'message bytes only with --trace=bytes');
    const last = lines[lines.length - 1] as { kind: string; steps: { n: number; status: string; messages: { name: string }[] }[] };
    assert.equal(last.kind, 'narrative');
    assert.deepEqual(last.steps.map((s) => s.n), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.deepEqual(last.steps[0]?.messages.map((m) => m.name), ['client_hello']);
  });

  test('demo --trace=bytes: every handshake message dumped field by field', async () => {
    const r = await runCli(['demo', '--trace=bytes']);
    assert.equal(r.code, 0, r.stderr);
    for (const t of ['client_hello', 'server_hello', 'encrypted_extensions', 'certificate_request', 'certificate', 'certificate_verify', 'finished']) {
      assert.match(r.stdout, new RegExp(`^ +0000  [0-9a-f]{2} +msg_type = ${t}$`, 'm'), t);
    }
    assert.match(r.stdout, /^ +[0-9a-f]{4}  (?:[0-9a-f]{2} ?)+ +extensions\.server_name\.server_name_list\.host_name = "localhost"$/m);
    assert.doesNotMatch(r.stdout, /\(not decoded\)/);
  });

  const failures: readonly [string, number, RegExp][] = [
    ['expired', 3, /certificate_expired/],
    ['wrong-host', 3, /bad_certificate/],
    ['unknown-ca', 3, /unknown_ca/],
    ['no-client-cert', 6, /certificate_required/],
    ['tampered-record', 10, /bad_record_mac/],
  ];
  for (const [fail, failedStep, alert] of failures) {
    test(`demo --fail=${fail}: step ${failedStep} fails and the alert on the wire is named`, async () => {
      const r = await runCli(['demo', `--fail=${fail}`]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const s = steps(r.stdout);
      assert.deepEqual(s.map(([n]) => n), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      assert.deepEqual(s.filter(([, st]) => st === 'FAILED').map(([n]) => n), [failedStep]);
      const outcome = r.stdout.slice(r.stdout.indexOf('Outcome:'));
      assert.match(outcome, /alert on the wire: /);
      assert.match(outcome, alert);
    });
  }

  test('demo --keylog FILE: the NSS key log of the client', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'typetls-demo-keylog-'));
    try {
      const file = join(dir, 'keys.txt');
      const r = await runCli(['demo', '--keylog', file]);
      assert.equal(r.code, 0, r.stderr);
      const labels = readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(' ')[0]).sort();
      assert.deepEqual(labels, ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'EXPORTER_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_TRAFFIC_SECRET_0']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('server --trace and client --trace: each side narrates its own view of the ten steps', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'typetls-trace-'));
    try {
      const ca = issue({ subjectCn: 'trace test CA', keyType: 'ecdsa-p256', isCA: true, pathLen: 0 });
      const leaf = issue({ subjectCn: 'localhost', keyType: 'ecdsa-p256', issuer: { certDer: ca.certDer, key: ca.key }, extKeyUsage: ['serverAuth'], sanDns: ['localhost'], sanIp: ['127.0.0.1'] });
      writeFileSync(join(dir, 'ca.pem'), ca.certPem);
      writeFileSync(join(dir, 'cert.pem'), leaf.certPem);
      writeFileSync(join(dir, 'key.pem'), leaf.keyPem);
      const srv = await startListening(process.execPath, [CLI, 'server', '--port', '0', '--cert', join(dir, 'cert.pem'), '--key', join(dir, 'key.pem'), '--echo', '--naccept', '1', '--trace']);
      try {
        const r = await runCli(['client', `127.0.0.1:${String(srv.port)}`, '--ca', join(dir, 'ca.pem'), '--servername', 'localhost', '--trace'], { input: 'ping\n' });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'ping\n');
        const client = steps(r.stderr);
        assert.deepEqual(client.map(([n]) => n), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert.deepEqual(client.filter(([, s]) => s === 'skipped').map(([n]) => n), [5, 6]);
        assert.ok(client.every(([, s]) => s === 'done' || s === 'skipped'));
        await srv.exited;
        const server = steps(srv.output().stderr);
        assert.deepEqual(server.map(([n]) => n), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert.match(srv.output().stderr, /^\[trace 1\] Step 1 /m);
      } finally {
        srv.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
