// Parsers for what TLS peers print about a connection, normalised to IANA names so tests compare them
// with typetls's own values: protocol `TLSv1.3`, cipher `TLS_AES_128_GCM_SHA256`, group `x25519`, and
// alert names from src/wire/iana.ts (`certificate_required`).
import { alertName } from '../../src/wire/iana.js';

export interface PeerTlsInfo {
  /** `TLSv1.3` or `TLSv1.2` */
  protocol?: string;
  /** IANA name where the peer's name can be mapped, else the peer's own */
  cipher?: string;
  /** IANA group name: `x25519`, `secp256r1`, `secp384r1` */
  group?: string;
  /** the peer verified the other side's certificate */
  verified?: boolean;
  resumed?: boolean;
  alpn?: string;
  /** IANA name of an alert the peer reports (received or sent, see the parser) */
  alert?: string;
  /** the numeric alert code behind `alert` */
  alertCode?: number;
  /** number of ClientHello messages seen (2 with a HelloRetryRequest), where the peer traces them */
  clientHellos?: number;
}

const GROUPS: Readonly<Record<string, string>> = {
  x25519: 'x25519',
  x448: 'x448',
  prime256v1: 'secp256r1',
  secp256r1: 'secp256r1',
  'p-256': 'secp256r1',
  secp384r1: 'secp384r1',
  'p-384': 'secp384r1',
  secp521r1: 'secp521r1',
  'p-521': 'secp521r1',
};

/** Maps any common spelling of a group (OpenSSL, GnuTLS, NSS, JSSE) to its IANA name. */
export function ianaGroup(name: string): string {
  return GROUPS[name.toLowerCase()] ?? name;
}

const TLS13_SUITES: Readonly<Record<string, string>> = {
  'AES-128-GCM': 'TLS_AES_128_GCM_SHA256',
  'AES-256-GCM': 'TLS_AES_256_GCM_SHA384',
  'CHACHA20-POLY1305': 'TLS_CHACHA20_POLY1305_SHA256',
  'AES-128-CCM': 'TLS_AES_128_CCM_SHA256',
};

function alertFrom(code: number): Pick<PeerTlsInfo, 'alert' | 'alertCode'> {
  return { alert: alertName(code), alertCode: code };
}

function setIf<K extends keyof PeerTlsInfo>(info: PeerTlsInfo, key: K, value: PeerTlsInfo[K] | undefined): void {
  if (value !== undefined) info[key] = value;
}

/**
 * `openssl s_client` / `s_server` output (normal, `-brief` or the `-www` page). `alert` is the first
 * "SSL alert number N" (OpenSSL prints it for alerts it receives).
 */
export function parseOpenssl(text: string): PeerTlsInfo {
  const info: PeerTlsInfo = {};
  const nc = /^(New|Reused), (TLSv1\.[0-3]|SSLv3), Cipher is (\S+)/m.exec(text);
  if (nc?.[2] !== undefined && nc[3] !== undefined) {
    info.resumed = nc[1] === 'Reused';
    info.protocol = nc[2];
    info.cipher = nc[3];
  }
  setIf(info, 'protocol', info.protocol ?? /^Protocol version: (\S+)/m.exec(text)?.[1]);
  setIf(info, 'cipher', info.cipher ?? /^Ciphersuite: (\S+)/m.exec(text)?.[1]);
  const temp = /^(?:Server|Peer) Temp Key: (?:ECDH, )?([A-Za-z0-9-]+),/m.exec(text)?.[1];
  if (temp !== undefined) info.group = ianaGroup(temp);
  const shared = /^Shared groups: ([A-Za-z0-9-]+)/m.exec(text)?.[1];
  if (info.group === undefined && shared !== undefined) info.group = ianaGroup(shared);
  const vrc = /Verify return code: (\d+)/.exec(text)?.[1];
  if (vrc !== undefined) info.verified = vrc === '0';
  else if (/^Verification: OK/m.test(text)) info.verified = true;
  else if (/^Verification error:/m.test(text)) info.verified = false;
  const alpn = /^ALPN protocol: (\S+)/m.exec(text)?.[1];
  if (alpn !== undefined) info.alpn = alpn;
  const alert = /SSL alert number (\d+)/.exec(text)?.[1];
  if (alert !== undefined) Object.assign(info, alertFrom(Number(alert)));
  const hellos = text.match(/^\s*ClientHello, Length=/gm)?.length;
  if (hellos !== undefined) info.clientHellos = hellos;
  return info;
}

/** `gnutls-cli` / `gnutls-serv` output. `alert` is a received alert ("Received alert [116]"). */
export function parseGnutls(text: string): PeerTlsInfo {
  const info: PeerTlsInfo = {};
  const d = /- Description: \((TLS1\.[0-3])-[^)]*\)-\((?:ECDHE|DHE|RSA)-?([A-Z0-9]*)\)-\([^)]*\)-\(([^)]+)\)/.exec(text);
  if (d?.[1] !== undefined && d[3] !== undefined) {
    info.protocol = d[1].replace('TLS', 'TLSv');
    if (d[2] !== undefined && d[2] !== '') info.group = ianaGroup(d[2]);
    info.cipher = info.protocol === 'TLSv1.3' ? (TLS13_SUITES[d[3]] ?? d[3]) : d[3];
  }
  if (/The certificate is trusted/.test(text)) info.verified = true;
  else if (/The certificate is NOT trusted|certificate verification failed/i.test(text)) info.verified = false;
  info.resumed = /This is a resumed session/.test(text);
  const alpn = /- Application protocol: (\S+)/.exec(text)?.[1];
  if (alpn !== undefined) info.alpn = alpn;
  const alert = /Received alert \[(\d+)\]/.exec(text)?.[1];
  if (alert !== undefined) Object.assign(info, alertFrom(Number(alert)));
  return info;
}

/**
 * Lines `key: value` as printed by tests/peers/TlsPeer.java and tests/peers/tls_peer.py:
 * protocol, cipher, alpn, verified (yes/no), resumed (yes/no), alert (a number or a name).
 */
export function parseKeyValue(text: string): PeerTlsInfo {
  const info: PeerTlsInfo = {};
  for (const line of text.split('\n')) {
    const m = /^(protocol|cipher|alpn|verified|resumed|alert|group): (.*)$/.exec(line.trim());
    if (m?.[1] === undefined || m[2] === undefined) continue;
    const v = m[2].trim();
    switch (m[1]) {
      case 'protocol':
        info.protocol = v;
        break;
      case 'cipher':
        info.cipher = v;
        break;
      case 'group':
        info.group = ianaGroup(v);
        break;
      case 'alpn':
        if (v !== '' && v !== 'none') info.alpn = v;
        break;
      case 'verified':
        info.verified = v === 'yes';
        break;
      case 'resumed':
        info.resumed = v === 'yes';
        break;
      case 'alert':
        if (/^\d+$/.test(v)) Object.assign(info, alertFrom(Number(v)));
        else if (info.alert === undefined) info.alert = v;
        break;
    }
  }
  return info;
}

const NSS_SUITES: Readonly<Record<string, string>> = {
  '128-bit AES-GCM': 'TLS_AES_128_GCM_SHA256',
  '256-bit AES-GCM': 'TLS_AES_256_GCM_SHA384',
  '256-bit CHACHA20POLY1305': 'TLS_CHACHA20_POLY1305_SHA256',
};
const NSS_KEX_BITS: Readonly<Record<string, string>> = { '255': 'x25519', '256': 'secp256r1', '384': 'secp384r1' };

/**
 * NSS `tstclnt -v` / `selfserv -v` output ("SSL version 3.4 using 128-bit AES-GCM ...", "Key Exchange:
 * 255-bit TLS 1.3"). TLS 1.3 suites and groups are mapped to IANA names; `alert` is a received alert
 * (`SSL_ERROR_..._ALERT`), `error` NSS's error name.
 */
export function parseNss(text: string): PeerTlsInfo & { error?: string } {
  const info: PeerTlsInfo & { error?: string } = {};
  const v = /SSL version 3\.(\d) using (\d+-bit [A-Z0-9-]+)/.exec(text);
  if (v?.[1] !== undefined && v[2] !== undefined) {
    info.protocol = `TLSv1.${Number(v[1]) - 1}`;
    info.cipher = info.protocol === 'TLSv1.3' ? (NSS_SUITES[v[2]] ?? v[2]) : v[2];
    const kex = /Key Exchange: (\d+)-bit/.exec(text)?.[1];
    if (kex !== undefined && NSS_KEX_BITS[kex] !== undefined) info.group = NSS_KEX_BITS[kex];
  }
  const error = /\b((?:SSL|SEC)_ERROR_[A-Z0-9_]+)/.exec(text)?.[1];
  if (error !== undefined) info.error = error;
  const alert = /SSL_ERROR_(?:RX_)?([A-Z_]+?)_ALERT\b/.exec(text)?.[1];
  if (alert !== undefined) info.alert = alert.toLowerCase();
  if (info.protocol !== undefined) info.verified = !/authentication of server cert failed|Certificate Validation failed/i.test(text);
  if (/Certificate Validated/.test(text)) info.verified = true;
  return info;
}

/** botan `tls_client` / `tls_server` output ("Handshake complete, TLS v1.2 using ECDHE_ECDSA_WITH_..."). */
export function parseBotan(text: string): PeerTlsInfo {
  const info: PeerTlsInfo = {};
  const h = /Handshake complete, TLS v1\.(\d) using (\S+)/.exec(text);
  if (h?.[1] !== undefined && h[2] !== undefined) {
    info.protocol = `TLSv1.${h[1]}`;
    info.cipher = `TLS_${h[2]}`;
  }
  if (/Certificate validation status: Verified/.test(text)) info.verified = true;
  else if (/Certificate validation status:/.test(text)) info.verified = false;
  const alert = /[Aa]lert:? ([a-z_ ]+[a-z])/.exec(text)?.[1];
  if (alert !== undefined) info.alert = alert.trim().toLowerCase().replace(/ /g, '_');
  return info;
}

/** `curl -v` output ("SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384", "ALPN: server accepted h2"). */
export function parseCurl(text: string): PeerTlsInfo {
  const info: PeerTlsInfo = {};
  const c = /SSL connection using (TLSv1\.[0-3]) \/ (\S+)/.exec(text);
  if (c?.[1] !== undefined && c[2] !== undefined) {
    info.protocol = c[1];
    info.cipher = c[2];
  }
  const alpn = /ALPN(?:, server accepted to use|: server accepted) (\S+)/.exec(text)?.[1];
  if (alpn !== undefined) info.alpn = alpn;
  if (/SSL certificate verify ok/.test(text)) info.verified = true;
  else if (/SSL certificate problem|certificate verify failed/.test(text)) info.verified = false;
  const alert = /alert ([a-z ]+[a-z])/i.exec(text)?.[1];
  if (alert !== undefined) info.alert = alert.toLowerCase().replace(/^tlsv1[3]? |^sslv3 /, '').replace(/ /g, '_');
  return info;
}
