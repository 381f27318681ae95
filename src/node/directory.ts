// A certificate check against an LDAP directory (the classic step 6: the server authenticates the
// client, possibly by asking a directory whose entry for that client must hold the certificate).
// directoryCheck() returns a `verifyHook`: after the chain verified, it looks up the entry of the
// leaf's subject (RFC 4514 string form of its subject DN, or the application's choice) and accepts
// the chain only when the entry's certificate attribute (userCertificate;binary, RFC 4523) holds
// exactly the leaf. Removing the certificate from the directory therefore revokes it at once.
//
// The LDAP part is the minimum of LDAPv3 (RFC 4511) that this needs, spoken over node:net or over
// typetls itself (ldaps://, or StartTLS, RFC 4511 §4.14 / RFC 4513 §3): an optional simple bind, one
// base-object search, unbind. Messages are BER with definite lengths (RFC 4511 §5.1); replies are
// re-encoded as DER (src/pki/ber.ts: OpenLDAP writes non-minimal lengths) and read with the strict
// DER reader. One connection per check: the directory stays the authority, nothing is cached.
import { Buffer } from 'node:buffer';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { VerifyHook } from '../conn/config.js';
import { parseCertificate } from '../pki/certificate.js';
import { berToDer } from '../pki/ber.js';
import { DerReader, Tag } from '../pki/der.js';
import { tlv, integer as derInteger, octetString, sequence } from '../pki/der-writer.js';
import type { Name } from '../pki/name.js';
import { equalBytes } from '../pki/bytes.js';
import { connect } from './connect.js';
import type { TlsConnectOptions } from './options.js';
import type { TLSSocket } from './socket.js';

export interface DirectoryCheckOptions {
  /** `ldap://host[:389]` or `ldaps://host[:636]`. */
  readonly url: string;
  /** On an ldap:// URL: StartTLS before anything else is sent (RFC 4513 §3); refused by the server means failure. */
  readonly startTls?: boolean;
  /**
   * typetls connect() options for ldaps:// and StartTLS (`ca`, `servername`, `cert`/`key`, ...). The
   * directory's certificate is verified as any server's: `ca` (default: the system roots) and the URL's
   * host unless `servername` says otherwise.
   */
  readonly tls?: TlsConnectOptions;
  /** Simple bind (RFC 4513 §5.1.3) before the search; anonymous without. Only over TLS, unless `allowPlainBind`. */
  readonly bindDn?: string;
  readonly password?: string;
  /** Send a simple bind's password over plain ldap:// (a test directory on loopback, say). Off by default. */
  readonly allowPlainBind?: boolean;
  /** The DN of the entry that must hold a certificate. Default: the certificate's subject (RFC 4514 string form). */
  readonly entryDn?: (subject: { readonly dn: string; readonly der: Uint8Array }) => string;
  /** The attribute holding the entry's certificates. Default `userCertificate;binary` (RFC 4523 §2.1). */
  readonly attribute?: string;
  /** Milliseconds for the whole look-up (connect, TLS, bind, search). Default 5000. */
  readonly timeout?: number;
}

/** LDAPv3 result codes named in messages (RFC 4511 Appendix A). */
const RESULT_NAMES: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'operationsError',
  2: 'protocolError',
  3: 'timeLimitExceeded',
  4: 'sizeLimitExceeded',
  7: 'authMethodNotSupported',
  8: 'strongerAuthRequired',
  32: 'noSuchObject',
  34: 'invalidDNSyntax',
  48: 'inappropriateAuthentication',
  49: 'invalidCredentials',
  50: 'insufficientAccessRights',
  51: 'busy',
  52: 'unavailable',
  53: 'unwillingToPerform',
  80: 'other',
};

const APP = {
  bindRequest: 0x60,
  bindResponse: 0x61,
  unbindRequest: 0x42,
  searchRequest: 0x63,
  searchResultEntry: 0x64,
  searchResultDone: 0x65,
  searchResultReference: 0x73,
  extendedRequest: 0x77,
  extendedResponse: 0x78,
} as const;

const ENUMERATED = 0x0a;
const START_TLS_OID = '1.3.6.1.4.1.1466.20037';
/** Larger than any entry with a few certificates; a reply above it is refused, not buffered. */
const MAX_MESSAGE = 1 << 20;

const utf8 = new TextEncoder();
const text = new TextDecoder('utf-8', { fatal: false });

class DirectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DirectoryError';
  }
}

// ------------------------------------------------------------------------ DN of a certificate

/** RFC 4514 §3 short names; any other attribute type is written as its dotted OID with a #hex value. */
const DN_SHORT: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '2.5.4.9': 'STREET',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

const STRING_TAGS: ReadonlySet<number> = new Set([Tag.UTF8String, Tag.PrintableString, Tag.IA5String, Tag.TeletexString, Tag.VisibleString]);

/** RFC 4514 §2.4: escape the characters that would end or change the value. */
function escapeValue(v: string): string {
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i] as string;
    const code = c.charCodeAt(0);
    if ('"+,;<>\\'.includes(c) || (i === 0 && (c === '#' || c === ' ')) || (i === v.length - 1 && c === ' ')) out += '\\' + c;
    else if (code === 0) out += '\\00';
    else out += c;
  }
  return out;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/**
 * The RFC 4514 string of an X.501 name: RDNs from the last (most specific) to the first, multi-valued
 * RDNs joined with '+' (their values reversed too, as OpenSSL's RFC 2253 form prints them; the order
 * inside an RDN carries no meaning). Values of the string types are text; others are `OID=#` followed
 * by the BER.
 */
export function ldapDn(name: Name): string {
  const rdns: string[] = [];
  for (let i = name.attributes.length - 1; i >= 0; i--) {
    const rdn = name.attributes[i] ?? [];
    rdns.push(
      [...rdn]
        .reverse()
        .map((a) => {
          const short = DN_SHORT[a.type];
          if (short !== undefined && STRING_TAGS.has(a.tag)) return `${short}=${escapeValue(text.decode(a.value))}`;
          // §2.4: the value's BER (tag, length, contents) in hex after '#'.
          return `${short ?? a.type}=#${hex(tlv(a.tag, a.value))}`;
        })
        .join('+'),
    );
  }
  return rdns.join(',');
}

// ------------------------------------------------------------------------ LDAP messages (RFC 4511 §4)

function ldapString(s: string): Uint8Array {
  return octetString(utf8.encode(s));
}

function message(id: number, op: Uint8Array): Uint8Array {
  return sequence(derInteger(id), op);
}

function bindRequest(id: number, dn: string, password: string): Uint8Array {
  // BindRequest ::= [APPLICATION 0] SEQUENCE { version INTEGER (3), name LDAPDN, simple [0] OCTET STRING }
  return message(id, tlv(APP.bindRequest, derInteger(3), ldapString(dn), tlv(0x80, utf8.encode(password))));
}

function searchRequest(id: number, dn: string, attribute: string): Uint8Array {
  // SearchRequest ::= [APPLICATION 3] SEQUENCE { baseObject, scope baseObject(0), derefAliases never(0),
  //   sizeLimit 1, timeLimit 0, typesOnly FALSE, filter present [7] "objectClass", attributes }
  return message(
    id,
    tlv(
      APP.searchRequest,
      ldapString(dn),
      tlv(ENUMERATED, Uint8Array.of(0)),
      tlv(ENUMERATED, Uint8Array.of(0)),
      derInteger(1),
      derInteger(0),
      tlv(Tag.BOOLEAN, Uint8Array.of(0)),
      tlv(0x87, utf8.encode('objectClass')),
      sequence(ldapString(attribute)),
    ),
  );
}

function startTlsRequest(id: number): Uint8Array {
  // ExtendedRequest ::= [APPLICATION 23] SEQUENCE { requestName [0] LDAPOID }
  return message(id, tlv(APP.extendedRequest, tlv(0x80, utf8.encode(START_TLS_OID))));
}

function unbindRequest(id: number): Uint8Array {
  return message(id, Uint8Array.of(APP.unbindRequest, 0));
}

interface Reply {
  readonly id: number;
  readonly op: number;
  /** The protocolOp's contents. */
  readonly body: DerReader;
}

function enumerated(r: DerReader, what: string): number {
  const v = r.integer(what, ENUMERATED);
  if (v.length > 4 || ((v[0] as number) & 0x80) !== 0) throw new DirectoryError(`${what} is out of range`);
  let n = 0;
  for (const b of v) n = n * 256 + b;
  return n;
}

/** LDAPResult (RFC 4511 §4.1.9): the code and, when not success, a message naming it. */
function result(r: DerReader, what: string): { code: number; diagnostic: string } {
  const code = enumerated(r, `${what} resultCode`);
  r.octetString(`${what} matchedDN`);
  const diagnostic = text.decode(r.octetString(`${what} diagnosticMessage`));
  return { code, diagnostic };
}

function resultText(code: number, diagnostic: string): string {
  return `${RESULT_NAMES[code] ?? 'result'} (${String(code)})${diagnostic !== '' ? `: ${diagnostic}` : ''}`;
}

function decodeReply(bytes: Uint8Array): Reply {
  let der: Uint8Array;
  try {
    der = berToDer(bytes);
  } catch (e) {
    throw new DirectoryError(`the directory sent a malformed message: ${e instanceof Error ? e.message : String(e)}`);
  }
  const r = new DerReader(der).sequence('LDAPMessage');
  const idBytes = r.integer('messageID');
  if (idBytes.length > 4 || ((idBytes[0] as number) & 0x80) !== 0) throw new DirectoryError('the directory sent a message ID out of range');
  let id = 0;
  for (const b of idBytes) id = id * 256 + b;
  const e = r.element();
  // Controls ([0]) may follow; nothing this client asked for, so they are skipped.
  return { id, op: e.tag, body: new DerReader(der, e.contentStart, e.end) };
}

// ------------------------------------------------------------------------ the connection

/** Frames whole LDAP messages out of a byte stream (definite lengths only, each at most MAX_MESSAGE). */
class MessageReader {
  private buf = new Uint8Array(0);
  private readonly waiting: ((r: Uint8Array | Error) => void)[] = [];
  private failure: Error | undefined;

  attach(s: Duplex): void {
    s.on('data', (d: Buffer) => this.push(d));
    s.once('end', () => this.fail(new DirectoryError('the directory closed the connection')));
    s.once('error', (e: Error) => this.fail(e));
  }

  detach(s: Duplex): void {
    s.removeAllListeners('data');
    s.removeAllListeners('end');
    s.removeAllListeners('error');
  }

  private push(d: Uint8Array): void {
    if (this.failure !== undefined) return;
    // Unanswered bytes are bounded too: a directory flooding us is cut off, not buffered.
    if (this.buf.length + d.length > 2 * MAX_MESSAGE) {
      this.fail(new DirectoryError(`the directory sent more than ${String(2 * MAX_MESSAGE)} bytes nobody asked for`));
      return;
    }
    const b = new Uint8Array(this.buf.length + d.length);
    b.set(this.buf);
    b.set(d, this.buf.length);
    this.buf = b;
    this.deliver();
  }

  private frameLength(): number | undefined {
    const b = this.buf;
    if (b.length < 2) return undefined;
    if (b[0] !== Tag.SEQUENCE) throw new DirectoryError(`the directory sent something that is not an LDAP message (first byte 0x${(b[0] as number).toString(16)})`);
    const first = b[1] as number;
    if (first < 0x80) return 2 + first;
    const n = first & 0x7f;
    // RFC 4511 §5.1: only definite lengths.
    if (n === 0 || n > 4) throw new DirectoryError('the directory sent an LDAP message with an indefinite or oversized length');
    if (b.length < 2 + n) return undefined;
    let len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (b[2 + i] as number);
    if (len > MAX_MESSAGE) throw new DirectoryError(`the directory sent a ${String(len)}-byte message (at most ${String(MAX_MESSAGE)} are read)`);
    return 2 + n + len;
  }

  private deliver(): void {
    while (this.waiting.length > 0) {
      let len: number | undefined;
      try {
        len = this.frameLength();
      } catch (e) {
        this.fail(e as Error);
        return;
      }
      if (len === undefined || this.buf.length < len) return;
      const msg = this.buf.slice(0, len);
      this.buf = this.buf.subarray(len);
      this.waiting.shift()?.(msg);
    }
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiting.splice(0)) w(this.failure);
  }

  /** The next whole message, or what ended the stream. */
  next(): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      if (this.failure !== undefined) {
        reject(this.failure);
        return;
      }
      this.waiting.push((r) => (r instanceof Error ? reject(r) : resolve(r)));
      this.deliver();
    });
  }
}

interface Target {
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
}

function parseUrl(url: string): Target {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(`directoryCheck: ${JSON.stringify(url)} is not an ldap:// or ldaps:// URL`);
  }
  if (u.protocol !== 'ldap:' && u.protocol !== 'ldaps:') throw new TypeError(`directoryCheck: ${JSON.stringify(url)} is not an ldap:// or ldaps:// URL`);
  if (u.pathname !== '' && u.pathname !== '/') throw new TypeError('directoryCheck: the URL names only the server; the entry comes from the certificate (or entryDn)');
  const secure = u.protocol === 'ldaps:';
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return { secure, host, port: u.port !== '' ? Number(u.port) : secure ? 636 : 389 };
}

function openTcp(t: Target): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: t.host, port: t.port });
    s.once('connect', () => {
      s.removeListener('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

function openTls(o: DirectoryCheckOptions, t: Target, socket?: Duplex): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = connect({ servername: t.host, ...o.tls, ...(socket !== undefined ? { socket } : { host: t.host, port: t.port }) });
    s.once('secureConnect', () => {
      s.removeListener('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Whether `entry`'s attribute values include the leaf, after an optional bind; one connection. */
async function lookUp(o: DirectoryCheckOptions, t: Target, entry: string, attribute: string, leaf: Uint8Array, sockets: Duplex[]): Promise<'holds' | 'lacks' | 'no-entry'> {
  const reader = new MessageReader();
  let s: Duplex = t.secure ? await openTls(o, t) : await openTcp(t);
  sockets.push(s);
  reader.attach(s);
  let id = 0;
  const ask = async (bytes: Uint8Array, expectOp: number, what: string): Promise<Reply> => {
    s.write(bytes);
    for (;;) {
      const reply = decodeReply(await reader.next());
      // Unsolicited notification (ID 0, e.g. notice of disconnection, RFC 4511 §4.4.1): the server is going away.
      if (reply.id === 0) throw new DirectoryError('the directory ended the session (unsolicited notification)');
      if (reply.id !== id) continue;
      if (reply.op !== expectOp && !(expectOp === APP.searchResultDone && (reply.op === APP.searchResultEntry || reply.op === APP.searchResultReference))) {
        throw new DirectoryError(`the directory answered the ${what} with an unexpected operation (tag 0x${reply.op.toString(16)})`);
      }
      return reply;
    }
  };

  if (o.startTls === true && !t.secure) {
    id++;
    const r = await ask(startTlsRequest(id), APP.extendedResponse, 'StartTLS request');
    const res = result(r.body, 'StartTLS response');
    if (res.code !== 0) throw new DirectoryError(`the directory refused StartTLS: ${resultText(res.code, res.diagnostic)}`);
    reader.detach(s);
    s = await openTls(o, t, s);
    sockets.push(s);
    reader.attach(s);
  }
  if (o.bindDn !== undefined) {
    id++;
    const r = await ask(bindRequest(id, o.bindDn, o.password ?? ''), APP.bindResponse, 'bind');
    const res = result(r.body, 'bind response');
    if (res.code !== 0) throw new DirectoryError(`the directory refused the bind as ${o.bindDn}: ${resultText(res.code, res.diagnostic)}`);
  }
  id++;
  s.write(searchRequest(id, entry, attribute));
  let verdict: 'holds' | 'lacks' | 'no-entry' = 'no-entry';
  for (;;) {
    const reply = decodeReply(await reader.next());
    if (reply.id === 0) throw new DirectoryError('the directory ended the session (unsolicited notification)');
    if (reply.id !== id) continue;
    if (reply.op === APP.searchResultEntry) {
      if (verdict === 'no-entry') verdict = 'lacks';
      const r = reply.body;
      r.octetString('objectName');
      const attrs = r.sequence('attributes');
      while (!attrs.atEnd) {
        const a = attrs.sequence('attribute');
        const type = text.decode(a.octetString('attribute type'));
        const vals = a.enter(Tag.SET, 'attribute values');
        // The server answers with the description asked for (options included), in any letter case.
        const wanted = type.toLowerCase() === attribute.toLowerCase();
        while (!vals.atEnd) {
          const v = vals.octetString('attribute value');
          if (wanted && equalBytes(v, leaf)) verdict = 'holds';
        }
      }
    } else if (reply.op === APP.searchResultDone) {
      const res = result(reply.body, 'search result');
      if (res.code === 32) return 'no-entry';
      if (res.code !== 0) throw new DirectoryError(`the directory's search failed: ${resultText(res.code, res.diagnostic)}`);
      id++;
      s.write(unbindRequest(id));
      s.end();
      return verdict;
    } else if (reply.op !== APP.searchResultReference) {
      throw new DirectoryError(`the directory answered the search with an unexpected operation (tag 0x${reply.op.toString(16)})`);
    }
  }
}

/**
 * A `verifyHook` (the `verifyHook` option of createServer/connect, or the engine's) that accepts a
 * verified chain only when the directory entry of its leaf holds the leaf: the entry of the
 * certificate's subject DN by default, its `userCertificate;binary` attribute by default. A directory
 * that cannot be reached, refuses the bind or answers garbage fails the check (fail closed), with the
 * reason in the error (node:tls code CERT_REJECTED).
 */
export function directoryCheck(options: DirectoryCheckOptions): VerifyHook {
  if (typeof options !== 'object' || options === null) throw new TypeError('directoryCheck: expected an options object');
  const target = parseUrl(options.url);
  const attribute = options.attribute ?? 'userCertificate;binary';
  if (!/^[A-Za-z][A-Za-z0-9-]*(;[A-Za-z0-9-]+)*$/.test(attribute)) throw new TypeError(`directoryCheck: ${JSON.stringify(attribute)} is not an attribute description`);
  const timeout = options.timeout ?? 5000;
  if (!Number.isFinite(timeout) || timeout <= 0) throw new TypeError('directoryCheck: timeout must be a positive number of milliseconds');
  if (options.bindDn !== undefined && !target.secure && options.startTls !== true && options.allowPlainBind !== true) {
    throw new TypeError('directoryCheck: a bind password would cross the network in the clear: use ldaps://, startTls, or allowPlainBind');
  }
  const where = `${target.secure ? 'ldaps' : 'ldap'}://${target.host}:${String(target.port)}${options.startTls === true && !target.secure ? ' (StartTLS)' : ''}`;
  return async ({ chain }) => {
    const leaf = chain[0];
    if (leaf === undefined) return new Error('no certificate to look up');
    const cert = parseCertificate(leaf);
    const subjectDn = ldapDn(cert.subject);
    const entry = options.entryDn !== undefined ? options.entryDn({ dn: subjectDn, der: leaf }) : subjectDn;
    if (entry === '') return new Error(`the certificate ${cert.displayName} has an empty subject: no directory entry to look up`);
    const sockets: Duplex[] = [];
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DirectoryError(`no answer within ${String(timeout)} ms`)), timeout);
    });
    try {
      const verdict = await Promise.race([lookUp(options, target, entry, attribute, leaf, sockets), expired]);
      if (verdict === 'holds') return { detail: `the directory entry ${entry} at ${where} holds this certificate (${attribute})` };
      if (verdict === 'no-entry') return new Error(`the directory at ${where} has no entry ${entry}`);
      return new Error(`the directory entry ${entry} at ${where} does not hold this certificate (${attribute})`);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      return new Error(`the directory at ${where} could not be asked about ${entry}: ${why}`);
    } finally {
      clearTimeout(timer);
      for (const s of sockets) s.destroy();
    }
  };
}
