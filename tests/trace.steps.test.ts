// The narrated trace (issue 6): its structure (steps, order, messages named, checks, keys), never
// its wording; that no secret reaches the trace; and that the --trace=bytes spans of handshake
// messages account for every byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testPki } from './helpers/certs.js';
import { certifiedKey, crypto as memoryCrypto, pair, pump } from './helpers/memory.js';
import type { ConnectionEvent } from '../src/conn/types.js';
import { knownEvent, type Side, type SidedEvent } from '../src/trace/events.js';
import { buildNarrative, type Narrative, type Step } from '../src/trace/steps.js';
import { MessageDecoder } from '../src/trace/decode.js';
import { TicketKeys } from '../src/handshake/ticket-keys.js';
import { EarlyDataReplayGuard } from '../src/handshake/anti-replay.js';
import { coverage } from '../src/trace/dump.js';
import { CipherSuite as CS, NamedGroup as G } from '../src/wire/iana.js';

interface Run {
  readonly events: SidedEvent[];
  readonly keylog: string[];
}

function recorder(side: Side, run: Run): (e: ConnectionEvent) => void {
  return (e) => {
    if (e.type === 'keylog') run.keylog.push(e.line);
    if (e.type !== 'trace') return;
    const k = knownEvent(e.event);
    if (k !== undefined) run.events.push({ side, event: k });
  };
}

async function mutualAuth(serverCert: 'ecdsa' | 'expired' = 'ecdsa'): Promise<Run> {
  const pki = await testPki();
  const ca = [pki.root.certPem];
  const run: Run = { events: [], keylog: [] };
  const { client, server } = pair(
    { serverName: 'localhost', ca, certificate: certifiedKey(pki.client.ecdsa), trace: true, keylog: true, listener: recorder('client', run), alpnProtocols: ['h2'] },
    { certificates: [certifiedKey(pki.server[serverCert])], requestCert: true, ca, trace: true, keylog: true, listener: recorder('server', run), alpnProtocols: ['h2'] },
  );
  await pump(client, server);
  if (client.handshakeComplete) {
    client.write(new TextEncoder().encode('ping'));
    await pump(client, server);
    client.close();
    server.close();
    await pump(client, server);
  }
  return run;
}

const step = (n: Narrative, k: number): Step => {
  const s = n.steps[k - 1];
  assert.ok(s !== undefined && s.n === k, `step ${k}`);
  return s;
};
const names = (s: Step, from?: Side): string[] => s.messages.filter((m) => from === undefined || m.from === from).map((m) => m.name);

test('trace: TLS 1.3 mutual auth fills all ten steps with the messages that carry them', async () => {
  const run = await mutualAuth();
  for (const side of ['client', 'server'] as const) {
    // Each side alone, and both merged, give the same structure.
    const one = buildNarrative(run.events.filter((e) => e.side === side));
    assert.equal(one.version, 'TLSv1.3');
    assert.deepEqual(names(step(one, 1)), ['client_hello']);
  }
  const n = buildNarrative(run.events);
  assert.equal(n.version, 'TLSv1.3');
  assert.deepEqual(n.steps.map((s) => s.n), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  for (const s of n.steps) assert.equal(s.status, 'done', `step ${s.n} is ${s.status}`);
  assert.ok(n.outcome.completed);
  assert.deepEqual(n.outcome.errors, []);
  assert.deepEqual(names(step(n, 1)), ['client_hello']);
  const s2 = names(step(n, 2)).filter((m) => !m.startsWith('change_cipher_spec'));
  assert.deepEqual(s2, ['server_hello', 'encrypted_extensions', 'certificate_request', 'certificate']);
  assert.deepEqual(names(step(n, 3)), ['certificate_verify']);
  assert.deepEqual(step(n, 3).messages.map((m) => m.from), ['server']);
  // RFC 8446: no ClientKeyExchange; the key shares ride in the hellos; keys are derived, not sent.
  assert.deepEqual(names(step(n, 4)), []);
  assert.deepEqual(names(step(n, 5), 'client'), ['certificate', 'certificate_verify']);
  assert.deepEqual(names(step(n, 6)), []);
  assert.deepEqual(names(step(n, 7)), []);
  assert.deepEqual(names(step(n, 8)).filter((m) => !m.startsWith('change_cipher_spec')), ['finished']);
  assert.deepEqual(names(step(n, 9)), ['finished']);
  assert.deepEqual(step(n, 9).messages.map((m) => m.from), ['server']);
  // The server finishes before the client authenticates and finishes (RFC 8446 §2).
  const at = (k: number): number => n.order.indexOf(k as 1);
  assert.ok(at(7) < at(3) && at(9) < at(5) && at(9) < at(8) && at(10) === n.order.length - 1, n.order.join(','));
  // Facts name the values chosen.
  const fact = (k: number, name: string): string | undefined => step(n, k).facts.find((f) => f.name === name)?.value;
  assert.equal(fact(2, 'version'), 'TLSv1.3');
  assert.equal(fact(2, 'key exchange group'), 'x25519');
  assert.equal(fact(2, 'ALPN'), 'h2');
  assert.equal(fact(2, 'resumed'), 'no');
  assert.match(fact(2, 'cipher suite') ?? '', /^TLS_/);
  assert.match(fact(3, 'signature scheme') ?? '', /^ecdsa_/);
});

test('trace: certificate checks one by one (chain, signature, validity, name, purpose), by the right side', async () => {
  const n = buildNarrative((await mutualAuth()).events);
  const checks = (k: number) => step(n, k).checks.filter((c) => c.check !== 'certificate_verify');
  const server = checks(3);
  assert.deepEqual([...new Set(server.map((c) => c.check))].sort(), ['chain', 'name', 'purpose', 'signature', 'validity']);
  assert.ok(server.every((c) => c.ok && c.by === 'client'));
  const client = checks(6);
  // No name check for a client certificate.
  assert.deepEqual([...new Set(client.map((c) => c.check))].sort(), ['chain', 'purpose', 'signature', 'validity']);
  assert.ok(client.every((c) => c.ok && c.by === 'server'));
  assert.ok(step(n, 3).checks.some((c) => c.check === 'certificate_verify' && c.ok));
});

test('trace: keys per message and record, secrets as labels and lengths only', async () => {
  const run = await mutualAuth();
  const n = buildNarrative(run.events);
  const keysOf = (k: number, name: string, from: Side) => step(n, k).messages.find((m) => m.name === name && m.from === from)?.keys;
  assert.equal(keysOf(1, 'client_hello', 'client'), 'none');
  assert.equal(keysOf(2, 'server_hello', 'server'), 'none');
  assert.equal(keysOf(2, 'encrypted_extensions', 'server'), 'server_handshake_traffic_secret');
  assert.equal(keysOf(8, 'finished', 'client'), 'client_handshake_traffic_secret');
  const appData = step(n, 10).records.filter((r) => r.contentType === 'application_data');
  assert.ok(appData.length > 0);
  for (const r of appData) assert.equal(r.keys, `${r.from}_application_traffic_secret_0`);
  const secrets = step(n, 7).secrets.map((s) => s.name).sort();
  assert.deepEqual(secrets, [
    'client_application_traffic_secret_0',
    'client_handshake_traffic_secret',
    'exporter_master_secret',
    'server_application_traffic_secret_0',
    'server_handshake_traffic_secret',
  ]);
  assert.ok(step(n, 7).secrets.every((s) => s.by === 'both' && s.length === 32));
  // Not one secret value from the key log appears anywhere in the trace.
  assert.ok(run.keylog.length >= 5);
  const dump = JSON.stringify(run.events, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
  for (const line of run.keylog) {
    const secret = line.split(' ')[2] ?? '';
    assert.ok(secret.length >= 64);
    assert.ok(!dump.includes(secret), 'a secret leaked into the trace');
  }
});

test('trace: a refused certificate fails step 3 with the check, the alert on the wire and the error', async () => {
  const n = buildNarrative((await mutualAuth('expired')).events);
  assert.equal(step(n, 3).status, 'failed');
  const failed = step(n, 3).checks.filter((c) => !c.ok);
  assert.deepEqual(failed.map((c) => [c.check, c.code]), [['validity', 'CERT_HAS_EXPIRED']]);
  assert.equal(n.outcome.failedStep, 3);
  assert.deepEqual(n.outcome.alerts, [{ from: 'client', level: 'fatal', description: 'certificate_expired' }]);
  assert.deepEqual(n.outcome.errors.map((e) => [e.side, e.code]), [['client', 'CERT_HAS_EXPIRED']]);
  assert.equal(step(n, 8).status, 'not reached');
  assert.equal(step(n, 10).status, 'not reached');
});

test('trace: --trace=bytes spans of the ClientHello (and every other handshake message) cover each byte once', async () => {
  const run = await mutualAuth();
  const decoders = new Map<Side, MessageDecoder>([
    ['client', new MessageDecoder()],
    ['server', new MessageDecoder()],
  ]);
  let sawClientHello = false;
  let count = 0;
  for (const { side, event } of run.events) {
    if (event.kind !== 'message') continue;
    const a = (decoders.get(side) as MessageDecoder).decode(event.code, event.raw, true);
    assert.equal(a.problem, undefined, `${a.name}: ${a.problem ?? ''}`);
    const spans = a.spans ?? [];
    const { gaps, overlaps } = coverage(spans, event.raw.length);
    assert.deepEqual(gaps, [], `${side} ${event.direction} ${a.name}: bytes no field accounts for`);
    assert.deepEqual(overlaps, [], `${side} ${event.direction} ${a.name}: bytes two fields claim`);
    assert.ok(!spans.some((s) => s.name === 'body' || s.name === 'rest'), `${a.name} was not decoded field by field`);
    if (a.name === 'client_hello') {
      sawClientHello = true;
      for (const field of ['msg_type', 'length', 'legacy_version', 'random', 'cipher_suites.cipher_suite', 'extensions.extension_type']) {
        assert.ok(spans.some((s) => s.name === field), `ClientHello field ${field}`);
      }
      assert.ok(spans.some((s) => s.name.endsWith('host_name') && s.value === '"localhost"'));
    }
    count++;
  }
  assert.ok(sawClientHello);
  assert.ok(count >= 20, String(count));
});

test('trace: a HelloRetryRequest and a KeyUpdate show where they belong (steps 1, 2 and 10, traffic secret N+1)', async () => {
  const pki = await testPki();
  const ca = [pki.root.certPem];
  const run: Run = { events: [], keylog: [] };
  const { client, server } = pair(
    { serverName: 'localhost', ca, trace: true, listener: recorder('client', run), groups: [G.x25519, G.secp256r1] },
    { certificates: [certifiedKey(pki.server.ecdsa)], trace: true, listener: recorder('server', run), groups: [G.secp256r1] },
  );
  await pump(client, server);
  assert.ok(client.handshakeComplete);
  client.keyUpdate(true);
  client.write(new TextEncoder().encode('after update'));
  await pump(client, server);
  server.write(new TextEncoder().encode('reply'));
  await pump(client, server);
  const n = buildNarrative(run.events);
  assert.deepEqual(names(step(n, 1)), ['client_hello', 'client_hello']);
  assert.deepEqual(names(step(n, 2)).filter((m) => !m.startsWith('change_cipher_spec')).slice(0, 2), ['hello_retry_request', 'server_hello']);
  assert.equal(step(n, 2).facts.find((f) => f.name === 'key exchange group')?.value, 'secp256r1');
  assert.deepEqual(step(n, 10).messages.map((m) => m.name).filter((m) => m === 'key_update'), ['key_update', 'key_update']);
  const app = step(n, 10).records.filter((r) => r.contentType === 'application_data');
  assert.deepEqual(app.map((r) => r.keys), ['client_application_traffic_secret_1', 'server_application_traffic_secret_1']);
});
async function tls12(suite: 'rsa' | 'ecdhe'): Promise<Run> {
  const pki = await testPki();
  const ca = [pki.root.certPem];
  const run: Run = { events: [], keylog: [] };
  const cipherSuites = [suite === 'rsa' ? CS.TLS_RSA_WITH_AES_128_GCM_SHA256 : CS.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256];
  const common = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2', cipherSuites, trace: true, keylog: true, ca } as const;
  const { client, server } = pair(
    { ...common, serverName: 'localhost', certificate: certifiedKey(pki.client.ecdsa), listener: recorder('client', run) },
    { ...common, certificates: [certifiedKey(suite === 'rsa' ? pki.server.rsa : pki.server.ecdsa)], requestCert: true, listener: recorder('server', run) },
  );
  await pump(client, server);
  assert.ok(client.handshakeComplete && server.handshakeComplete, String(client.error ?? server.error));
  client.write(new TextEncoder().encode('ping'));
  client.close();
  server.close();
  await pump(client, server);
  return run;
}

for (const suite of ['rsa', 'ecdhe'] as const) {
  test(`trace: TLS 1.2 (${suite === 'rsa' ? 'RSA key transport' : 'ECDHE'}) names the classic flow's messages in their steps`, async () => {
    const run = await tls12(suite);
    const n = buildNarrative(run.events, { bytes: true });
    assert.equal(n.version, 'TLSv1.2');
    for (const s of n.steps) assert.equal(s.status, 'done', `step ${s.n} is ${s.status}`);
    const ske = suite === 'ecdhe' ? ['server_key_exchange'] : [];
    assert.deepEqual(names(step(n, 2)), ['server_hello', 'certificate', ...ske, 'certificate_request', 'server_hello_done']);
    assert.deepEqual(names(step(n, 4)), ['client_key_exchange']);
    assert.deepEqual(names(step(n, 5)), ['certificate', 'certificate_verify']);
    assert.deepEqual(names(step(n, 8)), ['change_cipher_spec', 'finished']);
    assert.deepEqual(names(step(n, 9)).filter((m) => m !== 'new_session_ticket'), ['change_cipher_spec', 'finished']);
    assert.deepEqual(step(n, 7).secrets.map((s) => [s.name, s.length]), [['master_secret', 48]]);
    const keysOf = (k: number, name: string) => step(n, k).messages.find((m) => m.name === name)?.keys;
    assert.equal(keysOf(4, 'client_key_exchange'), 'none');
    assert.equal(keysOf(8, 'change_cipher_spec'), 'none');
    assert.equal(keysOf(8, 'finished'), 'client_write_key');
    assert.equal(keysOf(9, 'finished'), 'server_write_key');
    assert.ok(step(n, 10).records.some((r) => r.contentType === 'application_data' && r.keys === 'client_write_key'));
    assert.deepEqual([...new Set(step(n, 3).checks.filter((c) => c.check !== 'certificate_verify').map((c) => c.check))].sort(), ['chain', 'name', 'purpose', 'signature', 'validity']);
    // Classic order: the client's Finished (8) before the server's (9).
    assert.ok(n.order.indexOf(8) < n.order.indexOf(9));
    for (const s of n.steps) {
      for (const m of s.messages) {
        if (m.raw === undefined || m.spans === undefined) continue;
        const { gaps, overlaps } = coverage(m.spans, m.raw.length);
        assert.deepEqual([gaps, overlaps], [[], []], `${m.from} ${m.name}`);
      }
    }
  });
}

test('trace: a resumed handshake skips the certificate steps (TLS 1.3 PSK and TLS 1.2 session)', async () => {
  const pki = await testPki();
  const ca = [pki.root.certPem];
  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    const sealer = new TicketKeys(memoryCrypto);
    const sessions: Uint8Array[] = [];
    const common = { minVersion: version, maxVersion: version, ca } as const;
    const first = pair(
      { ...common, serverName: 'localhost', listener: (e) => void (e.type === 'session' && sessions.push(e.session)) },
      { ...common, certificates: [certifiedKey(pki.server.ecdsa)], ticketSealer: sealer },
    );
    await pump(first.client, first.server);
    const session = sessions[sessions.length - 1];
    assert.ok(session !== undefined, `${version}: a session`);
    const run: Run = { events: [], keylog: [] };
    const again = pair(
      { ...common, serverName: 'localhost', session, trace: true, listener: recorder('client', run) },
      { ...common, certificates: [certifiedKey(pki.server.ecdsa)], ticketSealer: sealer, trace: true, listener: recorder('server', run) },
    );
    await pump(again.client, again.server);
    assert.equal(again.client.summary?.resumed, true, version);
    const n = buildNarrative(run.events);
    assert.equal(n.version, version);
    assert.equal(step(n, 2).facts.find((f) => f.name === 'resumed')?.value, 'yes');
    assert.deepEqual([3, 5, 6].map((k) => step(n, k).status), ['skipped', 'skipped', 'skipped'], version);
    assert.ok(!names(step(n, 2)).includes('certificate'), version);
    for (const k of [1, 2, 7, 8, 9]) assert.equal(step(n, k).status, 'done', `${version} step ${k}`);
  }
});

test('trace: TLS-PSK (a TLS 1.3 external PSK, TLS 1.2 PSK and ECDHE_PSK) skips the certificate steps and says the key authenticates', async () => {
  const key = new Uint8Array(16).fill(5);
  const psk = { identity: new TextEncoder().encode('device7'), key };
  for (const [label, suites, version] of [
    ['TLS 1.3 external PSK', undefined, 'TLSv1.3'],
    ['TLS 1.2 PSK', [CS.TLS_PSK_WITH_AES_128_GCM_SHA256], 'TLSv1.2'],
    ['TLS 1.2 ECDHE_PSK', [CS.TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256], 'TLSv1.2'],
  ] as const) {
    const common = { minVersion: version, maxVersion: version, ...(suites !== undefined ? { cipherSuites: suites } : {}) } as const;
    const run: Run = { events: [], keylog: [] };
    const { client, server } = pair(
      { ...common, psk: () => psk, trace: true, listener: recorder('client', run) },
      { ...common, certificates: [], psk: { hint: new TextEncoder().encode('h'), lookup: () => key }, trace: true, listener: recorder('server', run) },
    );
    await pump(client, server);
    assert.equal(client.error, undefined, `${label}: ${String(client.error)}`);
    for (const [side, only] of [['both', run.events], ['client', run.events.filter((e) => e.side === 'client')]] as const) {
      const n = buildNarrative(only);
      assert.equal(n.version, version, `${label} ${side}`);
      assert.deepEqual([3, 5, 6].map((k) => step(n, k).status), ['skipped', 'skipped', 'skipped'], `${label} ${side}`);
      for (const k of [1, 2, 4, 7, 8, 9]) assert.equal(step(n, k).status, 'done', `${label} ${side} step ${k}`);
      assert.ok(!names(step(n, 2)).includes('certificate'), label);
      assert.ok(step(n, 3).notes.some((x) => /pre-shared key/.test(x)), `${label} ${side}: step 3 names the key`);
      if (version === 'TLSv1.3') assert.equal(step(n, 2).facts.find((f) => f.name === 'external pre-shared key')?.value, 'accepted', side);
      else assert.ok(step(n, 4).facts.some((f) => f.name === 'PSK identity'), `${label} ${side}`);
    }
  }
});

test('trace: 0-RTT early data is shown with the ClientHello, under the client early traffic secret', async () => {
  const pki = await testPki();
  const ca = [pki.root.certPem];
  const sealer = new TicketKeys(memoryCrypto);
  const guard = new EarlyDataReplayGuard();
  const serverCfg = { certificates: [certifiedKey(pki.server.ecdsa)], ticketSealer: sealer, earlyData: true, replayGuard: guard, ca } as const;
  const sessions: Uint8Array[] = [];
  const first = pair({ serverName: 'localhost', ca, listener: (e) => void (e.type === 'session' && sessions.push(e.session)) }, serverCfg);
  await pump(first.client, first.server);
  const session = sessions[0];
  assert.ok(session !== undefined);
  const run: Run = { events: [], keylog: [] };
  const again = pair(
    { serverName: 'localhost', ca, session, earlyData: new TextEncoder().encode('early hello'), trace: true, listener: recorder('client', run) },
    { ...serverCfg, trace: true, listener: recorder('server', run) },
  );
  await pump(again.client, again.server);
  assert.equal(again.client.summary?.earlyData, 'accepted');
  const n = buildNarrative(run.events);
  const early = step(n, 1).records;
  assert.deepEqual(early.map((r) => [r.from, r.keys, r.length]), [['client', 'client_early_traffic_secret', 11]]);
  assert.ok(step(n, 7).secrets.some((s) => s.name === 'client_early_traffic_secret'));
  assert.ok(names(step(n, 8), 'client').includes('end_of_early_data'));
});
