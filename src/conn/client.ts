// ClientConnection: the sans-IO TLS client (shared/DESIGN.md, src/conn).
import { Engine } from './engine.js';
import { resolveCommon } from './resolve.js';
import { defaultProvider, defaultVerifier, TLS12_CAPABILITIES, TLS12_PSK_CAPABILITIES } from './defaults.js';
import { configError } from './resolve.js';
import type { ClientConfig } from './config.js';
import { startClient13 } from '../handshake/client13.js';
import { isIpLiteral } from './ip.js';
import type { State } from './engine.js';
import { resolveClientResumption } from '../handshake/resumption-config.js';
import { decodeSession12, sessionFresh, type Session12 } from '../handshake/session12.js';
import type { ResolvedConfig } from './resolve.js';

/** The TLS 1.2 session to offer: one of ours, still fresh, for a suite this configuration allows. */
function offerable12(resolved: ResolvedConfig, bytes: Uint8Array | undefined, serverName: string | undefined): Session12 | undefined {
  if (bytes === undefined) return undefined;
  const s = decodeSession12(bytes);
  if (s === undefined || !resolved.suites12.includes(s.suite) || !sessionFresh(s, resolved.now())) return undefined;
  // A session is resumed only with the server it was made with (by name).
  if (s.serverName !== serverName) return undefined;
  return s;
}

const NOT_STARTED: State = {
  name: 'NotStarted',
  handle() {
    throw new Error('unreachable: the client sends its ClientHello in the constructor');
  },
};

export class ClientConnection extends Engine {
  constructor(config: ClientConfig = {}) {
    const resolved = resolveCommon(
      config,
      defaultProvider,
      (crypto, now) => defaultVerifier(crypto, config.ca, config.crl, config.verifyHook, config.checkServerIdentity, now),
      config.psk !== undefined ? TLS12_PSK_CAPABILITIES : TLS12_CAPABILITIES,
    );
    if (config.psk !== undefined && typeof config.psk !== 'function') throw configError('psk', `expected a function, got ${typeof config.psk}`);
    super(resolved, true, NOT_STARTED);
    const name = config.serverName;
    const ip = name !== undefined && isIpLiteral(name) ? name : undefined;
    // RFC 6066 §3: SNI carries a DNS name, never an IP literal (nor a trailing dot).
    const serverName = name !== undefined && ip === undefined ? name.replace(/\.$/, '') : undefined;
    try {
      this.state = startClient13(this, {
        serverName,
        ip,
        certificate: config.certificate,
        onTicket: undefined,
        resumption: resolveClientResumption(config, serverName),
        session12: offerable12(resolved, config.session, serverName),
        requestOcsp: config.requestOcsp === true,
        psk: config.psk,
      });
    } catch (e) {
      this.fail(e);
    }
  }
}
