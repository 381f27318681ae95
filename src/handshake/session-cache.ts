// The server's TLS 1.2 session cache (RFC 5246 §7.4.1.2 session IDs): bounded in size (the oldest entry
// goes first) and in lifetime. One cache belongs to one server (the node Server owns it and passes it in
// ServerConfig.sessionCache); there is no module-level state.

export interface SessionCacheOptions {
  /** Most sessions kept (default 1024). */
  readonly maxEntries?: number;
  /** Seconds a session may be resumed (default 300, as node:tls's sessionTimeout). */
  readonly lifetimeSeconds?: number;
}

function key(id: Uint8Array): string {
  let s = '';
  for (const b of id) s += b.toString(16).padStart(2, '0');
  return s;
}

/**
 * Where a TLS 1.2 server keeps sessions for session-ID resumption: a SessionCache, or the
 * application's own store (node:tls's 'newSession' and 'resumeSession' events, for servers that
 * share sessions). `get` may answer asynchronously: the handshake waits; a rejection fails it.
 */
export interface SessionStore12 {
  /** Seconds a session may be resumed (also the ticket lifetime hint). */
  readonly lifetimeSeconds: number;
  get(id: Uint8Array, now: number): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  /** Called once the session's handshake fully succeeded; `value` is opaque to the store. */
  set(id: Uint8Array, value: Uint8Array, now: number): void;
}

export class SessionCache implements SessionStore12 {
  readonly maxEntries: number;
  readonly lifetimeSeconds: number;
  private readonly entries = new Map<string, { readonly value: Uint8Array; readonly expires: number }>();

  constructor(options: SessionCacheOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 1024);
    this.lifetimeSeconds = Math.max(1, options.lifetimeSeconds ?? 300);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The stored session, or undefined when absent or expired (an expired entry is dropped). */
  get(id: Uint8Array, now: number): Uint8Array | undefined {
    const k = key(id);
    const e = this.entries.get(k);
    if (e === undefined) return undefined;
    if (now >= e.expires) {
      this.entries.delete(k);
      return undefined;
    }
    return e.value;
  }

  set(id: Uint8Array, value: Uint8Array, now: number): void {
    if (id.length === 0) return;
    const k = key(id);
    this.entries.delete(k);
    this.entries.set(k, { value: value.slice(), expires: now + this.lifetimeSeconds * 1000 });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }

  delete(id: Uint8Array): void {
    this.entries.delete(key(id));
  }
}
