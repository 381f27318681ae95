// ServerConnection: the sans-IO TLS server (shared/DESIGN.md, src/conn).
import { Engine } from './engine.js';
import { configError, resolveCommon, type ResolvedConfig } from './resolve.js';
import { defaultProvider, defaultVerifier, TLS12_CAPABILITIES, TLS12_PSK_CAPABILITIES } from './defaults.js';
import type { ServerConfig } from './config.js';
import { ExpectClientHello } from '../handshake/server-hello.js';
import { TicketKeys, type TicketSealer } from '../handshake/ticket-keys.js';
import { resolveServerResumption, type ServerResumptionConfig } from '../handshake/resumption-config.js';
import { OpenedTicket } from '../handshake/psk-server13.js';

/**
 * A ServerConfig validated once, for a server's many connections: `new ServerConnection(prepared)`
 * then shares the resolved options, the certificate verifier (with its caches) and the ticket keys
 * instead of building them per connection. Immutable; the config must not change afterwards.
 */
export class PreparedServerConfig {
  readonly resolved: ResolvedConfig;
  readonly ticketSealer: TicketSealer | undefined;
  readonly resumption: ServerResumptionConfig;

  constructor(readonly config: ServerConfig) {
    const psk = config.psk;
    const resolved = resolveCommon(
      config,
      defaultProvider,
      (crypto, now) => defaultVerifier(crypto, config.ca, config.crl, config.verifyHook, undefined, now),
      psk !== undefined ? TLS12_PSK_CAPABILITIES : TLS12_CAPABILITIES,
    );
    if (psk !== undefined) {
      if (typeof psk !== 'object' || psk === null || typeof psk.lookup !== 'function') throw configError('psk', 'expected { lookup(identity), hint? }');
      if (psk.hint !== undefined && (!(psk.hint instanceof Uint8Array) || psk.hint.length > 0xffff)) throw configError('psk', 'the identity hint must be bytes, at most 65535');
    }
    if (config.certificates.length === 0 && config.sniCallback === undefined && psk === undefined) {
      throw configError('certificates', 'a server needs at least one certificate and key (or a pre-shared key: psk)');
    }
    if (config.alpnCallback !== undefined) {
      if (typeof config.alpnCallback !== 'function') throw configError('alpnCallback', `expected a function, got ${typeof config.alpnCallback}`);
      // node:tls refuses the pair too: which of the two would choose is not obvious.
      if (resolved.alpn.length > 0) throw configError('alpnCallback', 'alpnCallback and alpnProtocols are mutually exclusive');
    }
    if (config.ocspResponse !== undefined && typeof config.ocspResponse !== 'function') {
      throw configError('ocspResponse', `expected a function, got ${typeof config.ocspResponse}`);
    }
    this.resolved = resolved;
    this.ticketSealer = config.ticketSealer ?? (config.ticketKeys !== undefined ? new TicketKeys(resolved.crypto, config.ticketKeys) : undefined);
    this.resumption = resolveServerResumption(config, resolved, this.ticketSealer);
    Object.freeze(this);
  }
}

export class ServerConnection extends Engine {
  constructor(config: ServerConfig | PreparedServerConfig) {
    const p = config instanceof PreparedServerConfig ? config : new PreparedServerConfig(config);
    const c = p.config;
    super(p.resolved, false, { name: 'Placeholder', handle: () => { throw new Error('unreachable'); } });
    const requestCert = c.requestCert ?? false;
    this.state = new ExpectClientHello(this, {
      certificates: c.certificates,
      sniCallback: c.sniCallback,
      alpnCallback: c.alpnCallback,
      ocspResponse: c.ocspResponse,
      requestCert,
      certificateAuthorities: c.certificateAuthorities,
      requireCert: requestCert && (c.requireCert ?? p.resolved.rejectUnauthorized),
      sessionCache: c.sessionCache,
      ticketSealer: p.ticketSealer,
      sessionTimeout: c.sessionTimeout,
      psk: c.psk,
      // The ticket a ClientHello offers is opened once per connection (never shared between them).
      resumption: { ...p.resumption, opened: new OpenedTicket() },
    });
  }
}
