// One `as const` table per IANA registry (shared/STYLE.md, habit 6). Codecs, errors and traces all
// read these tables; unknown values stay numbers.

export const ProtocolVersion = {
  SSLv3: 0x0300,
  TLSv1: 0x0301,
  TLSv1_1: 0x0302,
  TLSv1_2: 0x0303,
  TLSv1_3: 0x0304,
} as const;

export const ContentType = {
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
  heartbeat: 24,
} as const;

export const HandshakeType = {
  hello_request: 0,
  client_hello: 1,
  server_hello: 2,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  certificate: 11,
  server_key_exchange: 12,
  certificate_request: 13,
  server_hello_done: 14,
  certificate_verify: 15,
  client_key_exchange: 16,
  finished: 20,
  certificate_status: 22,
  key_update: 24,
  message_hash: 254,
} as const;

export const AlertLevel = { warning: 1, fatal: 2 } as const;

export const AlertDescription = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  decryption_failed: 21,
  record_overflow: 22,
  decompression_failure: 30,
  handshake_failure: 40,
  no_certificate: 41,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  export_restriction: 60,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  inappropriate_fallback: 86,
  user_canceled: 90,
  no_renegotiation: 100,
  missing_extension: 109,
  unsupported_extension: 110,
  certificate_unobtainable: 111,
  unrecognized_name: 112,
  bad_certificate_status_response: 113,
  bad_certificate_hash_value: 114,
  unknown_psk_identity: 115,
  certificate_required: 116,
  no_application_protocol: 120,
} as const;

export const ExtensionType = {
  server_name: 0,
  max_fragment_length: 1,
  status_request: 5,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  use_srtp: 14,
  heartbeat: 15,
  application_layer_protocol_negotiation: 16,
  signed_certificate_timestamp: 18,
  client_certificate_type: 19,
  server_certificate_type: 20,
  padding: 21,
  encrypt_then_mac: 22,
  extended_master_secret: 23,
  compress_certificate: 27,
  record_size_limit: 28,
  session_ticket: 35,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  certificate_authorities: 47,
  oid_filters: 48,
  post_handshake_auth: 49,
  signature_algorithms_cert: 50,
  key_share: 51,
  renegotiation_info: 0xff01,
} as const;

export const NamedGroup = {
  secp256r1: 0x0017,
  secp384r1: 0x0018,
  secp521r1: 0x0019,
  x25519: 0x001d,
  x448: 0x001e,
  ffdhe2048: 0x0100,
  ffdhe3072: 0x0101,
  ffdhe4096: 0x0102,
  X25519MLKEM768: 0x11ec,
} as const;

export const SignatureScheme = {
  rsa_pkcs1_sha1: 0x0201,
  ecdsa_sha1: 0x0203,
  rsa_pkcs1_sha256: 0x0401,
  rsa_pkcs1_sha384: 0x0501,
  rsa_pkcs1_sha512: 0x0601,
  ecdsa_secp256r1_sha256: 0x0403,
  ecdsa_secp384r1_sha384: 0x0503,
  ecdsa_secp521r1_sha512: 0x0603,
  rsa_pss_rsae_sha256: 0x0804,
  rsa_pss_rsae_sha384: 0x0805,
  rsa_pss_rsae_sha512: 0x0806,
  ed25519: 0x0807,
  ed448: 0x0808,
  rsa_pss_pss_sha256: 0x0809,
  rsa_pss_pss_sha384: 0x080a,
  rsa_pss_pss_sha512: 0x080b,
} as const;

export const CipherSuite = {
  // TLS 1.3 (RFC 8446 §B.4)
  TLS_AES_128_GCM_SHA256: 0x1301,
  TLS_AES_256_GCM_SHA384: 0x1302,
  TLS_CHACHA20_POLY1305_SHA256: 0x1303,
  // TLS 1.2
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 0xc02b,
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 0xc02c,
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 0xc02f,
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 0xc030,
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 0xcca8,
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 0xcca9,
  TLS_RSA_WITH_AES_128_GCM_SHA256: 0x009c,
  TLS_RSA_WITH_AES_256_GCM_SHA384: 0x009d,
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 0xc009,
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 0xc00a,
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 0xc013,
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 0xc014,
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 0xc023,
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384: 0xc024,
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 0xc027,
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384: 0xc028,
  TLS_RSA_WITH_AES_128_CBC_SHA: 0x002f,
  TLS_RSA_WITH_AES_256_CBC_SHA: 0x0035,
  TLS_RSA_WITH_AES_128_CBC_SHA256: 0x003c,
  TLS_RSA_WITH_AES_256_CBC_SHA256: 0x003d,
  // Pre-shared keys (RFC 4279, RFC 5487, RFC 5489, RFC 7905): only when a PSK is configured.
  TLS_PSK_WITH_AES_128_GCM_SHA256: 0x00a8,
  TLS_PSK_WITH_AES_256_GCM_SHA384: 0x00a9,
  TLS_PSK_WITH_CHACHA20_POLY1305_SHA256: 0xccab,
  TLS_PSK_WITH_AES_128_CBC_SHA256: 0x00ae,
  TLS_PSK_WITH_AES_256_CBC_SHA384: 0x00af,
  TLS_PSK_WITH_AES_128_CBC_SHA: 0x008c,
  TLS_PSK_WITH_AES_256_CBC_SHA: 0x008d,
  TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256: 0xccac,
  TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256: 0xc037,
  TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384: 0xc038,
  TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA: 0xc035,
  TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA: 0xc036,
  // Signalling values
  TLS_EMPTY_RENEGOTIATION_INFO_SCSV: 0x00ff,
  TLS_FALLBACK_SCSV: 0x5600,
} as const;

export const PskKeyExchangeMode = { psk_ke: 0, psk_dhe_ke: 1 } as const;

export const KeyUpdateRequest = { update_not_requested: 0, update_requested: 1 } as const;

export const CertificateType = { rsa_sign: 1, ecdsa_sign: 64 } as const;

function reverse(table: Readonly<Record<string, number>>): ReadonlyMap<number, string> {
  const m = new Map<number, string>();
  for (const [k, v] of Object.entries(table)) m.set(v, k);
  return m;
}

const names = {
  version: reverse(ProtocolVersion),
  contentType: reverse(ContentType),
  handshake: reverse(HandshakeType),
  alert: reverse(AlertDescription),
  extension: reverse(ExtensionType),
  group: reverse(NamedGroup),
  scheme: reverse(SignatureScheme),
  suite: reverse(CipherSuite),
} as const;

function hex4(v: number): string {
  return '0x' + v.toString(16).padStart(4, '0');
}

export function versionName(v: number): string {
  const n = names.version.get(v);
  return n === undefined ? hex4(v) : n.replace('_', '.');
}
export const contentTypeName = (v: number): string => names.contentType.get(v) ?? `unknown(${v})`;
export const handshakeName = (v: number): string => names.handshake.get(v) ?? `unknown(${v})`;
export const alertName = (v: number): string => names.alert.get(v) ?? `unknown(${v})`;
export const extensionName = (v: number): string => names.extension.get(v) ?? `unknown(${hex4(v)})`;
export const groupName = (v: number): string => names.group.get(v) ?? `unknown(${hex4(v)})`;
export const schemeName = (v: number): string => names.scheme.get(v) ?? `unknown(${hex4(v)})`;
export const suiteName = (v: number): string => names.suite.get(v) ?? `unknown(${hex4(v)})`;

