// ServerConnection: the sans-IO TLS server (shared/DESIGN.md, src/conn).
import { Engine } from './engine.js';
import { configError, resolveCommon } from './resolve.js';
import { defaultProvider, defaultVerifier, TLS12_CAPABILITIES } from './defaults.js';
import type { ServerConfig } from './config.js';
import { ExpectClientHello } from '../handshake/server-hello.js';
import { TicketKeys } from '../handshake/ticket-keys.js';
import { resolveServerResumption } from '../handshake/resumption-config.js';

export class ServerConnection extends Engine {
  constructor(config: ServerConfig) {
    const resolved = resolveCommon(config, defaultProvider, (crypto, now) => defaultVerifier(crypto, config.ca, config.crl, config.verifyHook, undefined, now), TLS12_CAPABILITIES);
    if (config.certificates.length === 0 && config.sniCallback === undefined) {
      throw configError('certificates', 'a server needs at least one certificate and key');
    }
    const requestCert = config.requestCert ?? false;
    const ticketSealer = config.ticketSealer ?? (config.ticketKeys !== undefined ? new TicketKeys(resolved.crypto, config.ticketKeys) : undefined);
    const resumption = resolveServerResumption(config, resolved, ticketSealer);
    super(resolved, false, { name: 'Placeholder', handle: () => { throw new Error('unreachable'); } });
    this.state = new ExpectClientHello(this, {
      certificates: config.certificates,
      sniCallback: config.sniCallback,
      requestCert,
      requireCert: requestCert && (config.requireCert ?? resolved.rejectUnauthorized),
      sessionCache: config.sessionCache,
      ticketSealer,
      sessionTimeout: config.sessionTimeout,
      resumption,
    });
  }
}
