// The step model (issue 6): the classic ten-step description of the SSL/TLS handshake, filled in
// from the trace of a real connection. Each step names the messages that carried it in the version
// that was negotiated, the values chosen and why, the certificate checks one by one, the secrets
// derived (labels and lengths only) and the keys that protected each message and record.
import type { Span } from '../wire/reader.js';
import { groupName, schemeName, suiteName, versionName } from '../wire/iana.js';
import { MessageDecoder, certificateSubject, type DecodedMessage } from './decode.js';
import type { CertificateCheckEvent, KnownTraceEvent, Side, SidedEvent } from './events.js';
import { secretInfo } from './keys.js';
import { keyBlockSizes12, suite12 } from '../keys/suites12.js';

export type StepNumber = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;
export type StepStatus = 'done' | 'skipped' | 'failed' | 'not reached';

export interface StepMessage {
  /** Handshake message name (`client_hello`, `hello_retry_request`, ...) or `change_cipher_spec`. */
  readonly name: string;
  readonly from: Side;
  /** Bytes, handshake header included. */
  readonly length: number;
  /** The keys protecting the record that carried it (`none`: plaintext). */
  readonly keys: string;
  readonly raw: Uint8Array | undefined;
  /** Field spans (only when built with bytes). */
  readonly spans: readonly Span[] | undefined;
}

/** A value that was chosen or offered, and why. */
export interface StepFact {
  readonly name: string;
  readonly value: string;
  readonly why?: string;
}

export interface StepCheck {
  /** Who made the check. */
  readonly by: Side;
  readonly check: CertificateCheckEvent['check'] | 'certificate_verify' | 'finished';
  readonly subject: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly code?: string;
}

export interface StepSecret {
  /** Who derived it (`both` when both sides' traces show it). */
  readonly by: Side | 'both';
  /** The RFC name, e.g. `client_handshake_traffic_secret`. */
  readonly name: string;
  /** The derivation label (HKDF-Expand-Label label or PRF label). */
  readonly label: string;
  readonly length: number;
}

export interface StepRecord {
  readonly from: Side;
  readonly contentType: string;
  readonly length: number;
  readonly keys: string;
}

export interface Step {
  readonly n: StepNumber;
  /** The classic description's name for the step. */
  readonly title: string;
  status: StepStatus;
  /** Which real messages carry this step in the negotiated version (a sentence). */
  carriedBy: string;
  readonly messages: StepMessage[];
  readonly facts: StepFact[];
  readonly checks: StepCheck[];
  readonly secrets: StepSecret[];
  readonly records: StepRecord[];
  readonly notes: string[];
}

export interface Outcome {
  readonly completed: boolean;
  /** Alerts that crossed the wire (close_notify included), in order. */
  readonly alerts: readonly { readonly from: Side; readonly level: 'warning' | 'fatal'; readonly description: string }[];
  /** The error each failing side's application sees. */
  readonly errors: readonly { readonly side: Side; readonly code: string; readonly alert: string; readonly message: string }[];
  /** The step that failed, when the handshake or the session failed. */
  readonly failedStep: StepNumber | undefined;
}

export interface Narrative {
  /** `TLSv1.3`, `TLSv1.2`, or `unknown` when no ServerHello was seen. */
  readonly version: string;
  /** Whose trace it is built from. */
  readonly sides: readonly Side[];
  readonly steps: readonly Step[];
  /** Step numbers in the order they happened on the wire. */
  readonly order: readonly StepNumber[];
  readonly outcome: Outcome;
}

const TITLES: Readonly<Record<StepNumber, string>> = {
  1: 'client hello',
  2: 'server hello (certificate, optional certificate request)',
  3: 'the client authenticates the server',
  4: 'the premaster secret (key exchange)',
  5: 'client authentication (optional): certificate and proof of its key',
  6: 'the server authenticates the client',
  7: 'master secret and session keys',
  8: "the client's Finished",
  9: "the server's Finished",
  10: 'the encrypted session',
};

const STEPS: readonly StepNumber[] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

const other = (s: Side): Side => (s === 'client' ? 'server' : 'client');

/** The step a handshake message belongs to, by its name, sender and the version. */
export function stepOfMessage(name: string, from: Side, tls13: boolean, handshakeDone: boolean): StepNumber {
  if (handshakeDone) return 10;
  switch (name) {
    case 'client_hello':
      return 1;
    case 'server_hello':
    case 'hello_retry_request':
    case 'encrypted_extensions':
    case 'certificate_request':
    case 'server_hello_done':
    case 'server_key_exchange':
      return 2;
    case 'certificate':
      return from === 'server' ? 2 : 5;
    case 'certificate_verify':
      return from === 'server' ? 3 : 5;
    case 'client_key_exchange':
      return 4;
    case 'end_of_early_data':
      return 8;
    case 'finished':
      return from === 'client' ? 8 : 9;
    case 'new_session_ticket':
      return tls13 ? 10 : 9;
    case 'change_cipher_spec':
      return tls13 ? (from === 'server' ? 2 : 8) : from === 'client' ? 8 : 9;
    default:
      return 10;
  }
}

interface Build {
  readonly steps: Map<StepNumber, Step>;
  readonly order: StepNumber[];
  readonly sides: Side[];
  readonly both: boolean;
  readonly withBytes: boolean;
  tls13: boolean;
  version: string;
  /** A TLS 1.3 external pre-shared key was offered (client) or accepted (server): not a resumption. */
  externalPsk: boolean;
}

function newStep(n: StepNumber): Step {
  return { n, title: TITLES[n], status: 'not reached', carriedBy: '', messages: [], facts: [], checks: [], secrets: [], records: [], notes: [] };
}

function touch(b: Build, n: StepNumber): Step {
  const s = b.steps.get(n) as Step;
  if (s.status === 'not reached') s.status = 'done';
  if (!b.order.includes(n)) b.order.push(n);
  return s;
}

/** Builds the narrative from one or both sides' events, in the order they happened. */
export function buildNarrative(events: readonly SidedEvent[], options: { readonly bytes?: boolean } = {}): Narrative {
  const sides = [...new Set(events.map((e) => e.side))];
  const b: Build = {
    steps: new Map(STEPS.map((n) => [n, newStep(n)])),
    order: [],
    sides,
    both: sides.length === 2,
    withBytes: options.bytes === true,
    tls13: true,
    version: 'unknown',
    externalPsk: false,
  };
  // Each side decodes the messages it saw (a message sent by one side is received by the other).
  const decoders = new Map<Side, MessageDecoder>([
    ['client', new MessageDecoder()],
    ['server', new MessageDecoder()],
  ]);
  const decoded: { from: Side; name: string; d: DecodedMessage }[] = [];
  const done = new Set<Side>();
  const alerts: { from: Side; level: 'warning' | 'fatal'; description: string }[] = [];
  const errors: { side: Side; code: string; alert: string; message: string }[] = [];
  const secretsSeen = new Map<string, StepSecret>();
  const alertKeys = new Map<Side, string>();
  let failedStep: StepNumber | undefined;
  let complete: Extract<KnownTraceEvent, { kind: 'handshake-complete' }> | undefined;

  for (const { side, event: e } of events) {
    switch (e.kind) {
      case 'message': {
        const decoder = decoders.get(side) as MessageDecoder;
        const a = decoder.decode(e.code, e.raw, b.withBytes);
        if (a.decoded.type === 'server_hello' && !a.decoded.hello.isHelloRetryRequest) {
          const v = a.decoded.hello.ext.selectedVersion ?? a.decoded.hello.legacyVersion;
          b.version = versionName(v);
          b.tls13 = b.version === 'TLSv1.3';
        }
        // With both sides traced, each message is taken once, from its sender.
        if (b.both && e.direction === 'received') break;
        const from = e.direction === 'sent' ? side : other(side);
        const n = stepOfMessage(a.name, from, b.tls13, done.has(from));
        const step = touch(b, n);
        step.messages.push({ name: a.name, from, length: e.length, keys: e.keys, raw: b.withBytes ? e.raw : undefined, spans: a.spans });
        decoded.push({ from, name: a.name, d: a.decoded });
        // TLS 1.3: the ServerHello's key share completes the key exchange (step 4 has no message of its own).
        if (a.decoded.type === 'server_hello' && !a.decoded.hello.isHelloRetryRequest && b.tls13) touch(b, 4);
        break;
      }
      case 'record': {
        const from = e.direction === 'sent' ? side : other(side);
        if (b.both && e.direction === 'received') break;
        if (e.contentType === 'alert') {
          alertKeys.set(from, e.keys);
        } else if (e.contentType === 'change_cipher_spec') {
          const n = stepOfMessage('change_cipher_spec', from, b.tls13, done.has(from));
          // The TLS 1.3 compatibility CCS carries nothing: it does not count for the order of steps.
          const st = b.tls13 ? (b.steps.get(n) as Step) : touch(b, n);
          st.messages.push({ name: b.tls13 ? 'change_cipher_spec (middlebox compatibility)' : 'change_cipher_spec', from, length: e.length, keys: e.keys, raw: undefined, spans: undefined });
        } else if (e.contentType === 'application_data' && e.keys === 'client_early_traffic_secret') {
          // TLS 1.3 0-RTT (RFC 8446 §2.3): application data right behind the ClientHello.
          const st = b.steps.get(1) as Step;
          st.records.push({ from, contentType: 'application_data (0-RTT early data)', length: e.length, keys: e.keys });
        } else if (e.contentType === 'application_data' || (done.has(from) && e.contentType !== 'handshake')) {
          touch(b, 10).records.push({ from, contentType: e.contentType, length: e.length, keys: e.keys });
        }
        break;
      }
      case 'secret': {
        const info = secretInfo(e.label);
        const prev = secretsSeen.get(info.name);
        if (prev !== undefined) {
          if (prev.by !== side) secretsSeen.set(info.name, { ...prev, by: 'both' });
          break;
        }
        const s: StepSecret = { by: side, name: info.name, label: info.label, length: e.length };
        secretsSeen.set(info.name, s);
        touch(b, 7);
        break;
      }
      case 'certificate-check': {
        const n: StepNumber = e.peer === 'server' ? 3 : 6;
        const step = touch(b, n);
        step.checks.push({ by: other(e.peer), check: e.check, subject: e.subject, ok: e.ok, detail: e.detail, ...(e.code !== undefined ? { code: e.code } : {}) });
        if (!e.ok) {
          step.status = 'failed';
          failedStep ??= n;
        }
        break;
      }
      case 'certificate': {
        const n: StepNumber = e.peer === 'server' ? 3 : 6;
        if (e.peer === 'client' && e.count === 0) {
          const step = touch(b, 6);
          step.checks.push({ by: 'server', check: 'chain', subject: '(none)', ok: false, detail: 'the client sent no certificate', ...(e.error !== undefined ? { code: e.error } : {}) });
        } else if (!e.verified) {
          touch(b, n).status = 'failed';
        }
        break;
      }
      case 'alert': {
        if (b.both && e.direction === 'received') break;
        const from = e.direction === 'sent' ? side : other(side);
        alerts.push({ from, level: e.level === 1 ? 'warning' : 'fatal', description: e.description });
        if (done.has(from) || e.description === 'close_notify') touch(b, 10).records.push({ from, contentType: `alert (${e.description})`, length: 2, keys: alertKeys.get(from) ?? '' });
        break;
      }
      case 'handshake-complete':
        done.add(side);
        complete ??= e;
        b.version = e.version;
        b.tls13 = e.version === 'TLSv1.3';
        break;
      case 'error':
        if (!errors.some((x) => x.side === side)) errors.push({ side, code: e.code, alert: e.alert, message: e.message });
        break;
      case 'psk-offer':
      case 'psk':
        if ((e as { external?: unknown }).external === true) b.externalPsk = true;
        break;
      default:
        break;
    }
  }

  const secretStep = b.steps.get(7) as Step;
  for (const s of secretsSeen.values()) secretStep.secrets.push(s);

  describe(b, decoded, complete);
  const completed = STEPS.every((n) => n === 10 || (b.steps.get(n) as Step).status !== 'failed') && done.size > 0 && errors.length === 0;
  if (errors.length > 0 && failedStep === undefined) failedStep = failureStep(b, errors[0]?.code ?? '', done);
  if (failedStep !== undefined) {
    const fs = b.steps.get(failedStep) as Step;
    fs.status = 'failed';
    const first = errors[0];
    if (first !== undefined) {
      if (first.code === 'ERR_TLS_CERT_REQUIRED' && failedStep === 6) {
        fs.checks.push({ by: 'server', check: 'chain', subject: '(no certificate)', ok: false, detail: 'the client sent an empty Certificate, and the server requires one', code: first.code });
      }
      fs.notes.push(`the ${first.side} stopped here: ${first.message} (it sends ${first.alert})`);
    }
    if (!b.order.includes(failedStep)) b.order.push(failedStep);
  }
  return {
    version: b.version,
    sides,
    steps: STEPS.map((n) => b.steps.get(n) as Step),
    order: b.order,
    outcome: { completed, alerts, errors, failedStep },
  };
}

function failureStep(b: Build, code: string, done: ReadonlySet<Side>): StepNumber {
  if (code === 'ERR_TLS_CERT_REQUIRED') return 6;
  if (done.size > 0) return 10;
  let last: StepNumber = 1;
  for (const n of b.order) if (n > last && n !== 10) last = n;
  return last;
}

function list(xs: readonly string[], max = 6): string {
  return xs.length <= max ? xs.join(', ') : `${xs.slice(0, max).join(', ')} and ${xs.length - max} more`;
}

/** Fills in what each step carried, the values and why, from the decoded messages. */
/** Marks a step skipped, with the reason, unless something of it happened after all. */
function skip(st: Step, why: string): void {
  if (st.messages.length > 0 || st.checks.length > 0) return;
  st.status = 'skipped';
  st.notes.push(why);
}

function describe(b: Build, msgs: readonly { from: Side; name: string; d: DecodedMessage }[], complete: Extract<KnownTraceEvent, { kind: 'handshake-complete' }> | undefined): void {
  const step = (n: StepNumber): Step => b.steps.get(n) as Step;
  const find = <T extends DecodedMessage['type']>(type: T, from?: Side): Extract<DecodedMessage, { type: T }> | undefined => {
    const m = msgs.find((x) => x.d.type === type && (from === undefined || x.from === from) && !(x.d.type === 'server_hello' && x.d.hello.isHelloRetryRequest));
    return m?.d as Extract<DecodedMessage, { type: T }> | undefined;
  };
  const ch = find('client_hello');
  const sh = find('server_hello');
  const hrr = msgs.find((x) => x.name === 'hello_retry_request');
  const ee = find('encrypted_extensions');
  const tls13 = b.tls13;

  // 1. ClientHello
  const s1 = step(1);
  s1.carriedBy = 'ClientHello (plaintext), the same message in TLS 1.2 and 1.3';
  if (ch !== undefined) {
    const h = ch.hello;
    const versions = (h.ext.supportedVersions ?? [h.legacyVersion]).map(versionName);
    s1.facts.push({ name: 'versions offered', value: versions.join(', '), why: h.ext.supportedVersions ? 'supported_versions extension (RFC 8446 §4.2.1)' : 'legacy_version field' });
    s1.facts.push({ name: 'cipher suites offered', value: list(h.cipherSuites.map(suiteName)) });
    if (h.ext.supportedGroups) s1.facts.push({ name: 'groups offered', value: list(h.ext.supportedGroups.map(groupName)) });
    if (h.ext.keyShares) s1.facts.push({ name: 'key shares sent', value: h.ext.keyShares.map((k) => `${groupName(k.group)} (${k.key.length}-byte public key)`).join(', '), why: 'TLS 1.3 sends its key exchange half in the first message: this is step 4 for the client' });
    if (h.ext.signatureAlgorithms) s1.facts.push({ name: 'signature schemes accepted', value: list(h.ext.signatureAlgorithms.map(schemeName)) });
    s1.facts.push({ name: 'SNI (server_name)', value: h.ext.serverName ?? 'not sent', why: h.ext.serverName === undefined ? 'the client connects by IP address or was given no name' : 'the name the client wants the certificate to match' });
    s1.facts.push({ name: 'ALPN offered', value: h.ext.alpn?.join(', ') ?? 'none' });
    s1.facts.push({ name: 'client random', value: '32 bytes (sent in clear; mixed into every key)' });
    if (h.ext.preSharedKey) s1.facts.push({ name: 'resumption offered', value: `${h.ext.preSharedKey.identities.length} pre-shared key(s) from an earlier session` });
  }
  if (msgs.filter((m) => m.name === 'client_hello').length > 1) s1.notes.push('the client sent a second ClientHello after the HelloRetryRequest');

  // 2. ServerHello ...
  const s2 = step(2);
  s2.carriedBy = tls13
    ? 'ServerHello (plaintext), then EncryptedExtensions, CertificateRequest (when asking for a client certificate) and Certificate, already encrypted with the handshake keys of step 7'
    : 'ServerHello, Certificate, ServerKeyExchange (ECDHE only), CertificateRequest (when asking), ServerHelloDone: all plaintext';
  if (hrr !== undefined) s2.notes.push('HelloRetryRequest: the server wanted a key share for another group, and the client tried again (one extra round trip)');
  if (sh !== undefined && ch !== undefined) {
    const h = sh.hello;
    const v = versionName(h.ext.selectedVersion ?? h.legacyVersion);
    const offered = (ch.hello.ext.supportedVersions ?? [ch.hello.legacyVersion]).map(versionName);
    s2.facts.push({ name: 'version', value: v, why: `the highest version both sides enable (client offered ${offered.join(', ')})` });
    s2.facts.push({ name: 'cipher suite', value: suiteName(h.cipherSuite), why: ch.hello.cipherSuites.length === 1 ? 'the only suite the client offered' : `the server's choice among the ${ch.hello.cipherSuites.length} suites the client offered` });
    if (h.ext.keyShare) {
      const sent = ch.hello.ext.keyShares?.map((k) => k.group) ?? [];
      s2.facts.push({
        name: 'key exchange group',
        value: groupName(h.ext.keyShare.group),
        why: hrr !== undefined ? 'the group the server asked for in its HelloRetryRequest' : sent.includes(h.ext.keyShare.group) ? 'the client already sent a key share for it' : 'the server picked it',
      });
    }
    const resumed = h.ext.selectedIdentity !== undefined || complete?.resumed === true;
    if (b.externalPsk && tls13) {
      s2.facts.push({ name: 'external pre-shared key', value: resumed ? 'accepted' : 'not accepted', why: resumed ? 'the server knows the identity the client named, and the binder proves the client holds the key' : 'the server does not know the identity: certificates authenticate this handshake' });
    } else {
      s2.facts.push({ name: 'resumed', value: resumed ? 'yes' : 'no', why: resumed ? 'the server accepted a pre-shared key from an earlier session' : ch.hello.ext.preSharedKey ? 'the server did not accept the offered session' : 'the client offered no earlier session' });
    }
    s2.facts.push({ name: 'server random', value: '32 bytes' });
  }
  const ske = find('server_key_exchange');
  const cke = find('client_key_exchange');
  const pske = find('psk_server_key_exchange');
  const pcke = find('psk_client_key_exchange');
  const pskSuite = !tls13 && sh !== undefined && suite12(sh.hello.cipherSuite)?.psk === true;
  if (pskSuite) {
    s2.facts.push({
      name: 'key exchange',
      value: pske?.group !== undefined ? `pre-shared key with ECDHE on ${groupName(pske.group)}` : 'pre-shared key',
      why: pske?.group !== undefined ? 'RFC 5489: a fresh ECDHE secret mixed with the pre-shared key (forward secret); no certificates' : 'RFC 4279: the pre-shared key alone (no forward secrecy); no certificates',
    });
    if (pske !== undefined) s2.facts.push({ name: 'identity hint', value: pske.hintLength > 0 ? `${pske.hintLength} bytes` : 'none', why: 'in the ServerKeyExchange, to help the client choose its identity' });
  }
  if (!tls13 && sh !== undefined && sh.hello.ext.renegotiationInfo === undefined) {
    // Only a client allowed to (legacyServerConnect) gets this far with such a server.
    s2.facts.push({
      name: 'secure renegotiation',
      value: 'not supported by the server',
      why: 'RFC 5746: no renegotiation_info in the ServerHello, an old server; the client was allowed to go on (legacyServerConnect), at the risk of a prefix injected by a man in the middle (CVE-2009-3555)',
    });
  }
  if (!pskSuite && !tls13 && sh !== undefined) {
    s2.facts.push(
      ske !== undefined
        ? { name: 'key exchange group', value: groupName(ske.group), why: "the server's choice from the client's supported_groups, named in its ServerKeyExchange" }
        : { name: 'key exchange', value: 'RSA key transport', why: 'the suite has no ECDHE: the client will encrypt the premaster secret with the server\'s RSA key (no forward secrecy)' },
    );
  }
  const alpnChosen = ee?.ee.ext.alpn?.[0] ?? sh?.hello.ext.alpn?.[0] ?? complete?.alpn;
  if (ch !== undefined) {
    s2.facts.push({
      name: 'ALPN',
      value: alpnChosen ?? 'none',
      why: alpnChosen !== undefined ? `the server picked it from the client's list (${tls13 ? 'in EncryptedExtensions' : 'in the ServerHello'})` : ch.hello.ext.alpn ? 'the server does not speak any offered protocol' : 'the client offered none',
    });
    if (ch.hello.ext.serverName !== undefined) {
      const acked = ee?.ee.ext.serverName !== undefined || sh?.hello.ext.serverName !== undefined;
      s2.facts.push({ name: 'SNI', value: ch.hello.ext.serverName, why: acked ? 'the server acknowledged it and chose its certificate for that name' : 'the server did not acknowledge it' });
    }
  }
  const serverCert = find('certificate', 'server');
  if (serverCert !== undefined) {
    s2.facts.push({ name: 'server certificate', value: serverCert.certificates.map(certificateSubject).join(' ← '), why: `${serverCert.certificates.length} certificate(s), leaf first` });
  }
  const cr = msgs.find((m) => m.name === 'certificate_request');
  s2.facts.push({ name: 'certificate request', value: cr !== undefined ? 'yes' : 'no', why: cr !== undefined ? 'the server is configured to ask for a client certificate' : 'the server does not ask the client for a certificate' });

  // 3. The client authenticates the server.
  const s3 = step(3);
  s3.carriedBy = tls13
    ? "the server's Certificate (step 2) checked by the client, then CertificateVerify: the server signs the transcript with its private key"
    : "the server's Certificate checked by the client; with ECDHE the ServerKeyExchange signature proves the key, with RSA key transport only step 4's decryption does";
  const cvServer = find('certificate_verify', 'server');
  if (cvServer !== undefined) {
    const proven = msgs.some((m) => m.name === 'finished' && m.from === 'client') || complete !== undefined;
    if (proven) s3.checks.push({ by: 'client', check: 'certificate_verify', subject: 'server', ok: proven, detail: `the server signed the handshake transcript with ${schemeName(cvServer.scheme)} (${cvServer.signatureLength}-byte signature); the client verified it with the certificate's public key` });
    s3.facts.push({ name: 'signature scheme', value: schemeName(cvServer.scheme), why: "the server's preference among the client's signature_algorithms that its key can make" });
  }
  if (ske !== undefined) {
    const proven = cke !== undefined;
    if (proven) s3.checks.push({ by: 'client', check: 'certificate_verify', subject: 'server', ok: true, detail: `the server signed its ECDHE share and both randoms (ServerKeyExchange) with ${schemeName(ske.scheme)}; the client verified it with the certificate's public key` });
    s3.facts.push({ name: 'signature scheme', value: schemeName(ske.scheme), why: "the server's preference among the client's signature_algorithms that its key can make" });
  } else if (!tls13 && sh !== undefined && !pskSuite) {
    s3.notes.push('RSA key transport: the server proves it holds the private key only implicitly, by decrypting the premaster secret (step 4) and so computing its Finished (step 9)');
  }
  if (s3.checks.length === 0 && s3.status === 'done') s3.notes.push('the checks are made by the client (not traced here)');

  // 4. Premaster secret.
  const s4 = step(4);
  if (tls13) {
    s4.carriedBy = 'no message of its own in TLS 1.3: the key shares travel in ClientHello (step 1) and ServerHello (step 2); nothing secret is ever sent';
    const g = sh?.hello.ext.keyShare;
    if (g !== undefined) {
      s4.facts.push({ name: 'key exchange', value: `(EC)DHE on ${groupName(g.group)}`, why: 'each side combines its own private key with the other side\'s public key; both get the same shared secret, which replaces the premaster secret' });
      s4.facts.push({ name: 'server key share', value: `${g.key.length}-byte public key` });
    } else if (sh !== undefined) s4.notes.push('resumption without (EC)DHE: the pre-shared key alone feeds the key schedule');
    if (s4.status === 'not reached' && ch !== undefined) s4.status = 'done';
  } else {
    s4.carriedBy = "ClientKeyExchange: with RSA key transport the client encrypts a 48-byte premaster secret with the server's public key; with ECDHE it sends its public key and the premaster secret is the shared secret";
    if (ske !== undefined) s4.facts.push({ name: 'server key share', value: `${groupName(ske.group)}, ${ske.publicKeyLength}-byte public key (in ServerKeyExchange, step 2)` });
    if (cke !== undefined) {
      s4.facts.push(
        cke.rsa
          ? { name: 'encrypted premaster secret', value: `${cke.length} bytes`, why: "48 random bytes (starting with the offered version) encrypted with the server certificate's RSA public key (PKCS#1 v1.5); only the server can decrypt them" }
          : { name: 'client key share', value: `${cke.length}-byte public key`, why: 'each side combines its private key with the other\'s public key: the shared secret is the premaster secret, and it never travels' },
      );
    }
  }

  if (pskSuite && pcke !== undefined) {
    s4.facts.push({ name: 'PSK identity', value: `${pcke.identityLength} bytes (in ClientKeyExchange)`, why: 'names the pre-shared key; the key itself never travels' });
    s4.facts.push({
      name: 'premaster secret',
      value: pcke.ecdhe ? 'the ECDHE shared secret, then the pre-shared key (each with its length)' : 'as many zero bytes as the key is long, then the pre-shared key (each with its length)',
      why: pcke.ecdhe ? 'RFC 5489 §2' : 'RFC 4279 §2',
    });
  }

  // 5. Client authentication.
  const s5 = step(5);
  s5.carriedBy = tls13
    ? "the client's Certificate and CertificateVerify (its signature over the transcript), encrypted, just before its Finished"
    : "the client's Certificate (before ClientKeyExchange) and CertificateVerify (after it): a signature over all handshake messages so far";
  const clientCert = find('certificate', 'client');
  const cvClient = find('certificate_verify', 'client');
  if (clientCert !== undefined) {
    s5.facts.push({ name: 'client certificate', value: clientCert.certificates.length === 0 ? 'none (an empty Certificate message)' : clientCert.certificates.map(certificateSubject).join(' ← ') });
  }
  if (cvClient !== undefined) s5.facts.push({ name: 'signature scheme', value: schemeName(cvClient.scheme), why: 'a scheme from the CertificateRequest that the client key can make' });
  if (cr === undefined && s5.messages.length === 0 && (complete !== undefined || sh !== undefined)) {
    s5.status = 'skipped';
    s5.notes.push('skipped: the server did not ask for a client certificate');
  }

  // 6. The server authenticates the client.
  const s6 = step(6);
  s6.carriedBy = 'no message: the server checks the Certificate and verifies the CertificateVerify signature of step 5';
  if (cvClient !== undefined) {
    const proven = complete !== undefined && msgs.some((m) => m.name === 'finished' && m.from === 'client');
    if (proven) s6.checks.push({ by: 'server', check: 'certificate_verify', subject: 'client', ok: proven, detail: `the client signed the transcript with ${schemeName(cvClient.scheme)}; the server verified it with the client certificate's public key` });
  }
  if (cr === undefined && (complete !== undefined || sh !== undefined)) {
    s6.status = 'skipped';
    s6.notes.push('skipped: no client authentication');
  } else if (s6.checks.length === 0 && s6.status !== 'failed' && b.sides.length === 1 && b.sides[0] === 'client' && clientCert !== undefined) {
    s6.status = complete !== undefined ? 'done' : s6.status;
    s6.notes.push('made by the server (not visible in the client\'s trace); the handshake going on means it passed');
  }

  // 7. Keys.
  const s7 = step(7);
  s7.carriedBy = tls13
    ? 'no message: both sides run the HKDF key schedule (RFC 8446 §7.1). Earlier than in the classic description: handshake traffic keys right after ServerHello (so the rest of step 2 is already encrypted), application traffic keys after the server\'s Finished'
    : 'no message: both sides turn the premaster secret into the 48-byte master secret with the PRF, then the key block (RFC 5246 §6.3, §8.1)';
  if (sh !== undefined && tls13) {
    const s = suiteName(sh.hello.cipherSuite);
    s7.facts.push({ name: 'key schedule', value: `HKDF with ${s.endsWith('SHA384') ? 'SHA-384 (48-byte secrets)' : 'SHA-256 (32-byte secrets)'}`, why: `the hash of ${s}` });
    s7.facts.push({ name: 'traffic keys', value: `each traffic secret gives an AEAD key ("key", ${s.includes('AES_128') ? 16 : 32} bytes) and an IV ("iv", 12 bytes) by HKDF-Expand-Label` });
  }

  if (sh !== undefined && !tls13) {
    const s12 = suite12(sh.hello.cipherSuite);
    const ems = sh.hello.ext.extendedMasterSecret === true;
    // The key log label is CLIENT_RANDOM either way; the PRF label differs (RFC 7627 §4).
    const at = s7.secrets.findIndex((x) => x.name === 'master_secret');
    const ms = s7.secrets[at];
    if (ms !== undefined && ems) s7.secrets[at] = { ...ms, label: 'extended master secret' };
    s7.facts.push({ name: 'master secret', value: `48 bytes, PRF with ${s12?.prfHash === 'sha384' ? 'SHA-384' : 'SHA-256'}, label "${ems ? 'extended master secret' : 'master secret'}"`, why: ems ? 'RFC 7627: bound to the hash of the whole handshake so far' : 'RFC 5246 §8.1: from the premaster secret and both randoms' });
    if (s12 !== undefined) {
      const k = keyBlockSizes12(s12);
      const parts = [k.macKeyLength > 0 ? `MAC keys ${k.macKeyLength} bytes` : '', `write keys ${k.keyLength} bytes`, k.fixedIvLength > 0 ? `IVs ${k.fixedIvLength} bytes` : ''].filter((x) => x !== '');
      s7.facts.push({ name: 'key block', value: `client_write_* and server_write_*: ${parts.join(', ')} each`, why: 'PRF(master secret, "key expansion", both randoms) (RFC 5246 §6.3)' });
    }
  }

  // Resumption: the authentication and (TLS 1.2) the key exchange carry over from the earlier session.
  const sameId = (x: Uint8Array, y: Uint8Array): boolean => x.length > 0 && x.length === y.length && x.every((v, i) => v === y[i]);
  const resumed =
    complete?.resumed === true ||
    sh?.hello.ext.selectedIdentity !== undefined ||
    (!tls13 && sh !== undefined && ch !== undefined && serverCert === undefined && sameId(sh.hello.sessionId, ch.hello.sessionId));
  if (resumed && b.externalPsk && tls13) {
    // RFC 8446 §4.2.11: an external pre-shared key, not a resumption: the key authenticates both sides.
    skip(s3, "external pre-shared key: no certificate; the server proves it holds the key with its Finished (step 9), which only a holder of the key can compute");
    if (sh?.hello.ext.keyShare === undefined) skip(s4, 'psk_ke: no (EC)DHE, the pre-shared key alone feeds the key schedule (no forward secrecy)');
    else s4.notes.push('psk_dhe_ke: the pre-shared key and a fresh (EC)DHE exchange both feed the key schedule');
    s7.notes.push("the key schedule starts from the external pre-shared key (RFC 8446 §7.1), proven by the ClientHello's binder (\"ext binder\")");
    skip(s5, 'external pre-shared key: no client certificate; the client proves it holds the key with its binder and its Finished (step 8)');
    skip(s6, 'external pre-shared key: the server found the key for the identity the client named');
  } else if (resumed) {
    skip(s3, tls13 ? 'resumed: the server was authenticated in the earlier handshake; knowing the resumption secret (its Finished, step 9) proves it is the same server' : 'resumed: the server was authenticated in the earlier handshake; its Finished (step 9) proves it holds the same master secret');
    if (tls13) {
      if (sh?.hello.ext.keyShare === undefined) skip(s4, 'resumed with psk_ke: no (EC)DHE, the pre-shared key alone feeds the key schedule (no forward secrecy for this connection)');
      else s4.notes.push('resumed with psk_dhe_ke: the pre-shared key and a fresh (EC)DHE exchange both feed the key schedule');
      s7.notes.push("resumed: the key schedule starts from the pre-shared key of the earlier session (RFC 8446 §7.1), proven by the ClientHello's binder");
    } else {
      skip(s4, 'resumed: no key exchange; the earlier session\'s master secret is used again');
      s7.notes.push('resumed: the earlier master secret with the fresh randoms gives a new key block');
    }
    skip(s5, 'resumed: no client certificate is asked for (the earlier handshake covered it)');
    skip(s6, 'resumed: no client certificate to check');
  }

  // TLS-PSK: the key authenticates both sides; no certificate is sent or asked for.
  if (pskSuite) {
    skip(s3, "pre-shared key: no certificate; the server proves it holds the same key with its Finished (step 9), which only a holder of the key can compute");
    skip(s5, 'pre-shared key: no client certificate; the client proves it holds the key with its Finished (step 8)');
    skip(s6, 'pre-shared key: the server looked the identity up and found the key (an unknown identity ends with unknown_psk_identity)');
  }

  // 8, 9. Finished.
  const s8 = step(8);
  s8.carriedBy = tls13
    ? "the client's Finished (an HMAC over the whole handshake), encrypted with the client handshake traffic key"
    : "ChangeCipherSpec (from now on the client encrypts) and the client's Finished: PRF(master secret, \"client finished\", hash of the handshake), 12 bytes, encrypted";
  const s9 = step(9);
  s9.carriedBy = tls13
    ? "the server's Finished, sent at the end of its first flight: in TLS 1.3 the server finishes before the client authenticates (step 5) and before the client's Finished (step 8)"
    : "ChangeCipherSpec and the server's Finished (\"server finished\"), encrypted; when resuming, the server sends these first";
  for (const [s, from] of [[s8, 'client'], [s9, 'server']] as const) {
    const f = msgs.find((m) => m.name === 'finished' && m.from === from);
    if (f !== undefined && f.d.type === 'finished') s.facts.push({ name: 'verify_data', value: `${f.d.length} bytes`, why: 'proves the sender saw the same handshake and holds the keys; the peer recomputes and compares it' });
  }

  // 10. Session.
  const s10 = step(10);
  s10.carriedBy = tls13
    ? 'application_data records protected with the application traffic keys (AEAD); the real content type is inside the encryption'
    : 'application_data records protected with the key block\'s write keys';
  if (complete !== undefined && s10.status === 'not reached' && b.order.length > 0) s10.notes.push('no application data yet');
}
