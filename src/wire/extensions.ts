// Extensions (RFC 8446 §4.2, RFC 5246 §7.4.1.4 and the RFCs that add extensions): raw list plus typed
// values decoded eagerly and strictly, encode and decode side by side (shared/STYLE.md, habit 4).
import { AlertDescription, ExtensionType as E, extensionName, groupName, schemeName, versionName } from './iana.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';
import { TlsError, decodeError } from '../errors.js';

export interface Extension {
  readonly type: number;
  readonly data: Uint8Array;
}

export interface KeyShareEntry {
  readonly group: number;
  readonly key: Uint8Array;
}

export interface PskIdentity {
  readonly identity: Uint8Array;
  readonly obfuscatedTicketAge: number;
}

export interface OfferedPsks {
  readonly identities: readonly PskIdentity[];
  readonly binders: readonly Uint8Array[];
  /** Length of the binders vector including its 2-byte length prefix (the truncated ClientHello omits it). */
  readonly bindersLength: number;
}

/** Every extension typed; which fields may appear depends on the message (ExtContext). */
export interface HelloExtensions {
  serverName?: string;
  supportedGroups?: readonly number[];
  ecPointFormats?: readonly number[];
  signatureAlgorithms?: readonly number[];
  signatureAlgorithmsCert?: readonly number[];
  alpn?: readonly string[];
  sessionTicket?: Uint8Array;
  encryptThenMac?: true;
  extendedMasterSecret?: true;
  recordSizeLimit?: number;
  keyShares?: readonly KeyShareEntry[];
  keyShare?: KeyShareEntry;
  selectedGroup?: number;
  supportedVersions?: readonly number[];
  selectedVersion?: number;
  pskModes?: readonly number[];
  preSharedKey?: OfferedPsks;
  selectedIdentity?: number;
  earlyData?: true;
  maxEarlyDataSize?: number;
  cookie?: Uint8Array;
  certificateAuthorities?: readonly Uint8Array[];
  postHandshakeAuth?: true;
  renegotiationInfo?: Uint8Array;
  /**
   * status_request (RFC 6066 §8): an OCSP status request (ClientHello, CertificateRequest), or in a
   * TLS 1.2 ServerHello its empty acknowledgement (a CertificateStatus message follows).
   */
  statusRequest?: true;
  /** A TLS 1.3 CertificateEntry's stapled OCSP response (status_request, RFC 8446 §4.4.2.1). */
  ocspResponse?: Uint8Array;
}

export type ExtContext =
  | 'client_hello'
  | 'server_hello'
  | 'hello_retry_request'
  | 'encrypted_extensions'
  | 'certificate_request'
  | 'certificate'
  | 'new_session_ticket';

// RFC 8446 §4.2 table: which extensions may appear in which TLS 1.3 message. TLS 1.2 ServerHello
// extensions are allowed in 'server_hello' too (the version is not known while decoding).
const allowed: Readonly<Record<ExtContext, ReadonlySet<number>>> = {
  client_hello: new Set<number>([
    E.server_name, E.max_fragment_length, E.status_request, E.supported_groups, E.ec_point_formats,
    E.signature_algorithms, E.use_srtp, E.heartbeat, E.application_layer_protocol_negotiation,
    E.signed_certificate_timestamp, E.client_certificate_type, E.server_certificate_type, E.padding,
    E.encrypt_then_mac, E.extended_master_secret, E.compress_certificate, E.record_size_limit,
    E.session_ticket, E.pre_shared_key, E.early_data, E.supported_versions, E.cookie,
    E.psk_key_exchange_modes, E.certificate_authorities, E.post_handshake_auth,
    E.signature_algorithms_cert, E.key_share, E.renegotiation_info,
  ]),
  server_hello: new Set<number>([
    E.pre_shared_key, E.supported_versions, E.key_share,
    // TLS 1.2 ServerHello extensions
    E.server_name, E.ec_point_formats, E.application_layer_protocol_negotiation, E.encrypt_then_mac,
    E.extended_master_secret, E.session_ticket, E.renegotiation_info, E.record_size_limit,
    E.status_request, E.max_fragment_length, E.signed_certificate_timestamp,
  ]),
  hello_retry_request: new Set<number>([E.key_share, E.supported_versions, E.cookie]),
  encrypted_extensions: new Set<number>([
    E.server_name, E.max_fragment_length, E.supported_groups, E.use_srtp, E.heartbeat,
    E.application_layer_protocol_negotiation, E.client_certificate_type, E.server_certificate_type,
    E.early_data, E.record_size_limit,
  ]),
  certificate_request: new Set<number>([
    E.status_request, E.signature_algorithms, E.signed_certificate_timestamp,
    E.certificate_authorities, E.oid_filters, E.signature_algorithms_cert,
  ]),
  certificate: new Set<number>([E.status_request, E.signed_certificate_timestamp]),
  new_session_ticket: new Set<number>([E.early_data]),
};

const u16Name = (f: (v: number) => string) => f;

function u16List(r: Reader, min: number, name: string, describe: (v: number) => string): number[] {
  const sub = r.sub16(min, 0xfffe, name);
  if (sub.remaining % 2 !== 0) throw decodeError(`${name}: odd length`);
  const out: number[] = [];
  while (!sub.atEnd) out.push(sub.u16('item', describe));
  return out;
}

function decodeOne(type: number, r: Reader, ctx: ExtContext, ext: HelloExtensions): void {
  switch (type) {
    case E.server_name: {
      if (r.atEnd) {
        // RFC 6066 §3: the server's acknowledgement is empty.
        if (ctx === 'client_hello') throw decodeError('server_name: empty in ClientHello');
        ext.serverName = '';
        return;
      }
      const list = r.sub16(1, 0xffff, 'server_name_list');
      let host: string | undefined;
      while (!list.atEnd) {
        const nameType = list.u8('name_type');
        const name = list.vec16(1, 0xffff, 'host_name', (b) => JSON.stringify(latin1(b)));
        if (nameType !== 0) continue; // unknown name types are skipped (RFC 6066 §3)
        // RFC 6066 §3: at most one name of a given type.
        if (host !== undefined) throw illegal('server_name: more than one host_name');
        host = latin1(name);
      }
      if (host === undefined) throw decodeError('server_name: no host_name');
      // RFC 6066 §3: ASCII, no trailing dot, not an IP literal (we tolerate and ignore an IP).
      if (!/^[\x21-\x7e]+$/.test(host)) throw illegal('server_name: host_name is not printable ASCII');
      ext.serverName = host;
      return;
    }
    case E.supported_groups:
      ext.supportedGroups = u16List(r, 2, 'named_group_list', u16Name(groupName));
      return;
    case E.ec_point_formats:
      ext.ecPointFormats = [...r.vec8(1, 255, 'ec_point_format_list')];
      return;
    case E.signature_algorithms:
      ext.signatureAlgorithms = u16List(r, 2, 'supported_signature_algorithms', schemeName);
      return;
    case E.signature_algorithms_cert:
      ext.signatureAlgorithmsCert = u16List(r, 2, 'supported_signature_algorithms', schemeName);
      return;
    case E.application_layer_protocol_negotiation: {
      const list = r.sub16(2, 0xffff, 'protocol_name_list');
      const names: string[] = [];
      while (!list.atEnd) names.push(latin1(list.vec8(1, 255, 'protocol_name', (b) => JSON.stringify(latin1(b)))));
      // RFC 7301 §3.1: the server selects exactly one protocol.
      if (ctx !== 'client_hello' && names.length !== 1) throw decodeError('ALPN: the server must select exactly one protocol');
      ext.alpn = names;
      return;
    }
    case E.session_ticket:
      ext.sessionTicket = r.rest('ticket');
      return;
    case E.encrypt_then_mac:
      ext.encryptThenMac = true;
      return;
    case E.extended_master_secret:
      ext.extendedMasterSecret = true;
      return;
    case E.record_size_limit: {
      const v = r.u16('record_size_limit');
      // RFC 8449 §4: values below 64 are illegal_parameter.
      if (v < 64) throw illegal(`record_size_limit ${v} is below 64`);
      ext.recordSizeLimit = v;
      return;
    }
    case E.key_share: {
      if (ctx === 'client_hello') {
        const list = r.sub16(0, 0xffff, 'client_shares');
        const shares: KeyShareEntry[] = [];
        while (!list.atEnd) {
          const group = list.u16('group', groupName);
          const key = list.vec16(1, 0xffff, 'key_exchange');
          // RFC 8446 §4.2.8: each group at most once.
          if (shares.some((s) => s.group === group)) throw illegal(`key_share: ${groupName(group)} offered twice`);
          shares.push({ group, key });
        }
        ext.keyShares = shares;
      } else if (ctx === 'hello_retry_request') {
        ext.selectedGroup = r.u16('selected_group', groupName);
      } else {
        const group = r.u16('group', groupName);
        ext.keyShare = { group, key: r.vec16(1, 0xffff, 'key_exchange') };
      }
      return;
    }
    case E.supported_versions:
      if (ctx === 'client_hello') {
        const list = r.sub8(2, 254, 'versions');
        if (list.remaining % 2 !== 0) throw decodeError('supported_versions: odd length');
        const vs: number[] = [];
        while (!list.atEnd) vs.push(list.u16('version', versionName));
        ext.supportedVersions = vs;
      } else {
        ext.selectedVersion = r.u16('selected_version', versionName);
      }
      return;
    case E.psk_key_exchange_modes:
      ext.pskModes = [...r.vec8(1, 255, 'ke_modes')];
      return;
    case E.pre_shared_key: {
      if (ctx !== 'client_hello') {
        ext.selectedIdentity = r.u16('selected_identity');
        return;
      }
      const ids = r.sub16(7, 0xffff, 'identities');
      const identities: PskIdentity[] = [];
      while (!ids.atEnd) {
        const identity = ids.vec16(1, 0xffff, 'identity');
        identities.push({ identity, obfuscatedTicketAge: ids.u32('obfuscated_ticket_age') });
      }
      const start = r.offset;
      const bs = r.sub16(33, 0xffff, 'binders');
      const binders: Uint8Array[] = [];
      while (!bs.atEnd) binders.push(bs.vec8(32, 255, 'binder'));
      // RFC 8446 §4.2.11: one binder per identity.
      if (binders.length !== identities.length) throw illegal('pre_shared_key: binder count differs from identity count');
      ext.preSharedKey = { identities, binders, bindersLength: r.offset - start };
      return;
    }
    case E.early_data:
      if (ctx === 'new_session_ticket') ext.maxEarlyDataSize = r.u32('max_early_data_size');
      else ext.earlyData = true;
      return;
    case E.cookie:
      ext.cookie = r.vec16(1, 0xffff, 'cookie');
      return;
    case E.certificate_authorities: {
      const list = r.sub16(3, 0xffff, 'authorities');
      const names: Uint8Array[] = [];
      while (!list.atEnd) names.push(list.vec16(1, 0xffff, 'DistinguishedName'));
      ext.certificateAuthorities = names;
      return;
    }
    case E.post_handshake_auth:
      ext.postHandshakeAuth = true;
      return;
    case E.renegotiation_info:
      ext.renegotiationInfo = r.vec8(0, 255, 'renegotiated_connection');
      return;
    case E.status_request:
      decodeStatusRequest(r, ctx, ext);
      return;
    default:
      // Known-but-unused or unknown: kept raw in the list, ignored here (RFC 8446 §4.2).
      r.rest('extension_data');
      return;
  }
}

/** CertificateStatusType (RFC 6066 §8): the only one defined. */
export const STATUS_TYPE_OCSP = 1;

/**
 * status_request by message: the client's request (RFC 6066 §8), the TLS 1.2 acknowledgement, a TLS 1.3
 * server's request for the client's response (empty, RFC 8446 §4.4.2.1), or a stapled response.
 */
function decodeStatusRequest(r: Reader, ctx: ExtContext, ext: HelloExtensions): void {
  if (ctx === 'server_hello') {
    // RFC 6066 §8: the TLS 1.2 server's acknowledgement has empty extension_data.
    if (!r.atEnd) throw decodeError('status_request: must be empty in a ServerHello');
    ext.statusRequest = true;
    return;
  }
  if (ctx === 'certificate_request') {
    // RFC 8446 §4.4.2.1: a server asks for the client's OCSP response with an empty status_request.
    ext.statusRequest = true;
    r.rest('status_request');
    return;
  }
  // An empty request carries no status_type: not an OCSP request (tolerated, as before we read it).
  if (ctx === 'client_hello' && r.atEnd) return;
  const type = r.u8('status_type');
  if (ctx === 'certificate') {
    // RFC 8446 §4.4.2.1: CertificateStatus, an OCSP response for this entry's certificate.
    if (type !== STATUS_TYPE_OCSP) throw illegal(`status_request: status_type ${type} in a certificate entry (only ocsp(1) is defined)`);
    ext.ocspResponse = r.vec24(1, 0xffffff, 'OCSPResponse');
    return;
  }
  if (type !== STATUS_TYPE_OCSP) {
    // Another kind of status request: not ours to answer; ignored, as unknown extensions are.
    r.rest('request');
    return;
  }
  // OCSPStatusRequest: responder IDs and request extensions (we ask the responder for nothing more).
  const ids = r.sub16(0, 0xffff, 'responder_id_list');
  while (!ids.atEnd) ids.vec16(1, 0xffff, 'ResponderID');
  r.vec16(0, 0xffff, 'request_extensions');
  ext.statusRequest = true;
}

// Extensions whose body must be empty.
const emptyBodies: ReadonlySet<number> = new Set<number>([E.encrypt_then_mac, E.extended_master_secret, E.post_handshake_auth]);

/**
 * Decodes an extensions block (the 2-byte length and everything in it). Duplicates are rejected
 * (RFC 8446 §4.2: illegal_parameter); extensions not allowed in this message are illegal_parameter.
 */
export function decodeExtensions(r: Reader, ctx: ExtContext, min = 0): { list: Extension[]; ext: HelloExtensions } {
  const block = r.sub16(min, 0xffff, 'extensions');
  const list: Extension[] = [];
  const ext: HelloExtensions = {};
  const seen = new Set<number>();
  while (!block.atEnd) {
    const type = block.u16('extension_type', extensionName);
    const body = block.sub16(0, 0xffff, extensionName(type));
    if (seen.has(type)) throw illegal(`duplicate ${extensionName(type)} extension`);
    seen.add(type);
    // RFC 8446 §4.2.11: pre_shared_key must be the last extension of the ClientHello.
    if (ctx === 'client_hello' && seen.has(E.pre_shared_key) && type !== E.pre_shared_key) {
      throw illegal('pre_shared_key is not the last extension of the ClientHello');
    }
    const known = allowed.client_hello.has(type) || type === E.oid_filters;
    if (known && !allowed[ctx].has(type)) {
      throw illegal(`${extensionName(type)} extension is not allowed in ${ctx.replace(/_/g, ' ')}`);
    }
    const data = body.buf.subarray(body.offset, body.offset + body.remaining);
    if (emptyBodies.has(type) && data.length !== 0) throw decodeError(`${extensionName(type)}: must be empty`);
    if (type === E.early_data && ctx !== 'new_session_ticket' && data.length !== 0) throw decodeError('early_data: must be empty');
    decodeOne(type, body, ctx, ext);
    body.end(`${extensionName(type)} extension`);
    list.push({ type, data });
  }
  return { list, ext };
}

export function encodeExtensions(w: Writer, list: readonly Extension[]): void {
  w.vec16((x) => {
    for (const e of list) {
      x.u16(e.type);
      x.vecBytes(2, e.data);
    }
  });
}

function illegal(message: string): TlsError {
  return new TlsError('ERR_TLS_ILLEGAL_PARAMETER', AlertDescription.illegal_parameter, message);
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += String.fromCharCode(c);
  return s;
}

function asciiBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

function build(type: number, fn: (w: Writer) => void): Extension {
  const w = new Writer(64);
  fn(w);
  return { type, data: w.finish() };
}

/** Encoders, one per extension, in the same vocabulary as the decoder. */
export const ext = {
  serverName: (host: string): Extension =>
    build(E.server_name, (w) => w.vec16((x) => x.u8(0).vecBytes(2, asciiBytes(host)))),
  serverNameAck: (): Extension => ({ type: E.server_name, data: new Uint8Array(0) }),
  /** RFC 6066 §8: an OCSP status request without responder IDs or request extensions. */
  statusRequestOcsp: (): Extension => ({ type: E.status_request, data: Uint8Array.of(STATUS_TYPE_OCSP, 0, 0, 0, 0) }),
  /** RFC 6066 §8: a TLS 1.2 ServerHello's empty acknowledgement (its CertificateStatus follows the Certificate). */
  statusRequestAck: (): Extension => ({ type: E.status_request, data: new Uint8Array(0) }),
  /** RFC 8446 §4.4.2.1: the stapled OCSP response in a CertificateEntry (CertificateStatus). */
  certificateStatus: (ocspResponse: Uint8Array): Extension => build(E.status_request, (w) => w.u8(STATUS_TYPE_OCSP).vecBytes(3, ocspResponse)),
  supportedGroups: (groups: readonly number[]): Extension =>
    build(E.supported_groups, (w) => w.vec16((x) => groups.forEach((g) => x.u16(g)))),
  ecPointFormats: (formats: readonly number[] = [0]): Extension =>
    build(E.ec_point_formats, (w) => w.vec8((x) => formats.forEach((f) => x.u8(f)))),
  signatureAlgorithms: (schemes: readonly number[]): Extension =>
    build(E.signature_algorithms, (w) => w.vec16((x) => schemes.forEach((s) => x.u16(s)))),
  signatureAlgorithmsCert: (schemes: readonly number[]): Extension =>
    build(E.signature_algorithms_cert, (w) => w.vec16((x) => schemes.forEach((s) => x.u16(s)))),
  alpn: (protocols: readonly string[]): Extension =>
    build(E.application_layer_protocol_negotiation, (w) =>
      w.vec16((x) => protocols.forEach((p) => x.vecBytes(1, asciiBytes(p)))),
    ),
  sessionTicket: (ticket: Uint8Array = new Uint8Array(0)): Extension => ({ type: E.session_ticket, data: ticket }),
  encryptThenMac: (): Extension => ({ type: E.encrypt_then_mac, data: new Uint8Array(0) }),
  extendedMasterSecret: (): Extension => ({ type: E.extended_master_secret, data: new Uint8Array(0) }),
  recordSizeLimit: (limit: number): Extension => build(E.record_size_limit, (w) => w.u16(limit)),
  keyShareClient: (shares: readonly KeyShareEntry[]): Extension =>
    build(E.key_share, (w) => w.vec16((x) => shares.forEach((s) => x.u16(s.group).vecBytes(2, s.key)))),
  keyShareServer: (share: KeyShareEntry): Extension => build(E.key_share, (w) => w.u16(share.group).vecBytes(2, share.key)),
  keyShareRetry: (group: number): Extension => build(E.key_share, (w) => w.u16(group)),
  supportedVersionsClient: (versions: readonly number[]): Extension =>
    build(E.supported_versions, (w) => w.vec8((x) => versions.forEach((v) => x.u16(v)))),
  supportedVersionsServer: (version: number): Extension => build(E.supported_versions, (w) => w.u16(version)),
  pskModes: (modes: readonly number[]): Extension => build(E.psk_key_exchange_modes, (w) => w.vec8((x) => modes.forEach((m) => x.u8(m)))),
  /** pre_shared_key with binders (placeholders of the right length are fine before binders are computed). */
  preSharedKeyClient: (identities: readonly PskIdentity[], binders: readonly Uint8Array[]): Extension =>
    build(E.pre_shared_key, (w) => {
      w.vec16((x) => identities.forEach((i) => x.vecBytes(2, i.identity).u32(i.obfuscatedTicketAge)));
      w.vec16((x) => binders.forEach((b) => x.vecBytes(1, b)));
    }),
  preSharedKeyServer: (selected: number): Extension => build(E.pre_shared_key, (w) => w.u16(selected)),
  earlyData: (): Extension => ({ type: E.early_data, data: new Uint8Array(0) }),
  earlyDataTicket: (max: number): Extension => build(E.early_data, (w) => w.u32(max)),
  cookie: (cookie: Uint8Array): Extension => build(E.cookie, (w) => w.vecBytes(2, cookie)),
  certificateAuthorities: (names: readonly Uint8Array[]): Extension =>
    build(E.certificate_authorities, (w) => w.vec16((x) => names.forEach((n) => x.vecBytes(2, n)))),
  renegotiationInfo: (data: Uint8Array = new Uint8Array(0)): Extension => build(E.renegotiation_info, (w) => w.vecBytes(1, data)),
} as const;
