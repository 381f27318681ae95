// Names of the keys that protect records, for the trace: which secret a key log label stands for,
// and which side's records it protects (RFC 8446 §7.1, §7.3; RFC 5246 §6.3). Names only: no values.

/** The RFC 8446 §7.1 secret (or RFC 5246 §6.3 key) an NSS key log label stands for, and what it protects. */
export interface SecretInfo {
  /** The RFC's name for it, e.g. `client_handshake_traffic_secret`. */
  readonly name: string;
  /** The HKDF-Expand-Label label it is derived with (TLS 1.3), or the PRF label (TLS 1.2). */
  readonly label: string;
  /** Whose records it protects: the client's, the server's, both (TLS 1.2 key block), or none (exporter). */
  readonly protects: 'client' | 'server' | 'both' | 'none';
}

const SECRETS: Readonly<Record<string, SecretInfo>> = {
  CLIENT_EARLY_TRAFFIC_SECRET: { name: 'client_early_traffic_secret', label: 'c e traffic', protects: 'client' },
  CLIENT_HANDSHAKE_TRAFFIC_SECRET: { name: 'client_handshake_traffic_secret', label: 'c hs traffic', protects: 'client' },
  SERVER_HANDSHAKE_TRAFFIC_SECRET: { name: 'server_handshake_traffic_secret', label: 's hs traffic', protects: 'server' },
  CLIENT_TRAFFIC_SECRET_0: { name: 'client_application_traffic_secret_0', label: 'c ap traffic', protects: 'client' },
  SERVER_TRAFFIC_SECRET_0: { name: 'server_application_traffic_secret_0', label: 's ap traffic', protects: 'server' },
  EXPORTER_SECRET: { name: 'exporter_master_secret', label: 'exp master', protects: 'none' },
  EARLY_EXPORTER_SECRET: { name: 'early_exporter_master_secret', label: 'e exp master', protects: 'none' },
  CLIENT_RANDOM: { name: 'master_secret', label: 'master secret', protects: 'both' },
};

/** What an NSS key log label stands for (unknown labels are described as themselves). */
export function secretInfo(label: string): SecretInfo {
  return SECRETS[label] ?? { name: label.toLowerCase(), label, protects: 'none' };
}

/** The keys a newly logged secret will install, per direction, from this side's point of view. */
export function keysOfSecret(label: string, isClient: boolean): { read?: string; write?: string } {
  const info = secretInfo(label);
  if (info.protects === 'both') {
    // RFC 5246 §6.3: the key block holds both sides' write keys.
    return isClient ? { write: 'client_write_key', read: 'server_write_key' } : { write: 'server_write_key', read: 'client_write_key' };
  }
  if (info.protects === 'none') return {};
  const ours = (info.protects === 'client') === isClient;
  return ours ? { write: info.name } : { read: info.name };
}

/** The name of the keys after a KeyUpdate (RFC 8446 §7.2: application_traffic_secret_N+1). */
export function keysAfterUpdate(previous: string): string {
  const m = /^(.*_)(\d+)$/.exec(previous);
  if (m?.[1] !== undefined && m[2] !== undefined) return `${m[1]}${Number(m[2]) + 1}`;
  return previous === 'none' ? 'unnamed keys' : `${previous} (renewed)`;
}
