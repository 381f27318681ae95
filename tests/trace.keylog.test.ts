// --keylog: the NSS key log a typetls connection writes lets tshark decrypt a capture of it
// (issue 6: secrets leave only through the key log). Skipped when tshark is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type TLSSocket } from '../src/node/index.js';
import { testPki } from './helpers/certs.js';
import { has, waitFor } from './helpers/proc.js';
import { TLS12_CAPABILITIES } from '../src/conn/defaults.js';

const URI = '/typetls-keylog-check';

async function exchange(port: number, ca: string, keylog: string, version: 'TLSv1.3' | 'TLSv1.2'): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port, servername: 'localhost', ca, minVersion: version, maxVersion: version, ALPNProtocols: ['http/1.1'] });
    sock.on('keylog', (line: Buffer) => appendFileSync(keylog, line));
    let got = '';
    sock.once('secureConnect', () => sock.write(`GET ${URI} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`));
    sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
    sock.on('error', reject);
    sock.on('close', () => resolve(got));
  });
}

for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
  test(`keylog (${version}): tshark decrypts a capture of a typetls connection with the NSS key log`, async (t) => {
    if (!has('tshark')) {
      t.skip('tshark not installed');
      return;
    }
    if (version === 'TLSv1.2' && TLS12_CAPABILITIES.suites12.length === 0) {
      t.skip('TLS 1.2 is not in this build yet');
      return;
    }
    const pki = await testPki();
    const dir = mkdtempSync(join(tmpdir(), 'typetls-keylog-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const server = createServer({ cert: pki.server.ecdsa.chainPem, key: pki.server.ecdsa.keyPem, minVersion: version, maxVersion: version, ALPNProtocols: ['http/1.1'] }, (s: TLSSocket) => {
      s.on('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok'));
      s.on('error', () => s.destroy());
    });
    try {
      await new Promise<void>((r, j) => {
        server.once('error', j);
        server.listen(0, '127.0.0.1', () => r());
      });
    } catch (e) {
      t.skip(`cannot listen: ${String(e)}`);
      return;
    }
    t.after(() => server.close());
    const port = (server.address() as AddressInfo).port;
    const capture = join(dir, 'cap.pcapng');
    const keylog = join(dir, 'keylog.txt');
    writeFileSync(keylog, '');
    let log = '';
    // Bounded twice: tshark's own duration and coreutils timeout; stopped by its PID below.
    const cap = spawn('timeout', ['30', 'tshark', '-i', 'lo', '-f', `tcp port ${port}`, '-a', 'duration:25', '-w', capture], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((r) => cap.once('exit', () => r()));
    cap.stdout.on('data', (d: Buffer) => (log += d.toString()));
    cap.stderr.on('data', (d: Buffer) => (log += d.toString()));
    t.after(async () => {
      if (cap.exitCode === null && cap.pid !== undefined) process.kill(cap.pid, 'SIGKILL');
      await exited;
    });
    try {
      await waitFor('tshark capture started', () => (/Capture started/.test(log) ? true : cap.exitCode !== null ? false : undefined), 15000);
    } catch {
      t.skip(`tshark could not capture on lo: ${log.trim().slice(0, 200)}`);
      return;
    }
    if (!/Capture started/.test(log)) {
      t.skip(`tshark could not capture on lo: ${log.trim().slice(0, 200)}`);
      return;
    }
    // dumpcap may report "Capture started" a moment before the filter is live, and it writes packets
    // in batches: give both a moment (not a timing assertion, only slack for the capture).
    await new Promise((r) => setTimeout(r, 500));
    const reply = await exchange(port, pki.root.certPem, keylog, version);
    assert.match(reply, /200 OK/);
    await new Promise((r) => setTimeout(r, 1000));
    if (cap.pid !== undefined) process.kill(cap.pid, 'SIGINT');
    await exited;

    const read = (withKeys: boolean): string => {
      const args = ['20', 'tshark', '-r', capture, ...(withKeys ? ['-o', `tls.keylog_file:${keylog}`] : []), '-Y', 'http', '-T', 'fields', '-e', 'http.request.uri'];
      const r = spawnSync('timeout', args, { encoding: 'utf8' });
      return r.stdout;
    };
    const decrypted = read(true);
    if (!decrypted.includes(URI)) {
      const all = spawnSync('timeout', ['20', 'tshark', '-r', capture, '-o', `tls.keylog_file:${keylog}`], { encoding: 'utf8' });
      assert.fail(`tshark did not decrypt the request with the key log; it saw:\n${all.stdout}${all.stderr}\ncapture log: ${log}`);
    }
    assert.doesNotMatch(read(false), new RegExp(URI), 'without the key log the request stays encrypted');
  });
}
