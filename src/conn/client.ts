// ClientConnection: the sans-IO TLS client (shared/DESIGN.md, src/conn).
import { Engine } from './engine.js';
import { resolveCommon } from './resolve.js';
import { defaultProvider, defaultVerifier, TLS12_CAPABILITIES } from './defaults.js';
import type { ClientConfig } from './config.js';
import { startClient13 } from '../handshake/client13.js';
import { isIpLiteral } from './ip.js';
import type { State } from './engine.js';
import { resolveClientResumption } from '../handshake/resumption-config.js';

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
      TLS12_CAPABILITIES,
    );
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
      });
    } catch (e) {
      this.fail(e);
    }
  }
}
