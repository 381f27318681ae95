// Validation of the resumption and 0-RTT options (shared/STYLE.md, habit 15): a bad option raises an
// error that names it.
import type { ClientConfig, ServerConfig } from '../conn/config.js';
import { configError, type ResolvedConfig } from '../conn/resolve.js';
import type { TicketSealer } from './ticket-keys.js';
import { DEFAULT_MAX_EARLY_DATA, DEFAULT_TICKET_LIFETIME, type ServerResumption } from './psk-server13.js';
import type { ClientResumption } from './psk-client13.js';

function count(option: string, v: number | undefined, dflt: number, max: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 0 || v > max) throw configError(option, `${v} is not an integer from 0 to ${max}`);
  return v;
}

/** The server's resumption options, validated once per config (the per-connection part is added by ServerConnection). */
export type ServerResumptionConfig = Omit<ServerResumption, 'opened'>;

export function resolveServerResumption(c: ServerConfig, r: ResolvedConfig, tickets: TicketSealer | undefined): ServerResumptionConfig {
  const numTickets = count('numTickets', c.numTickets, 2, 16);
  // RFC 8446 §4.6.1: at most seven days.
  const ticketLifetime = count('ticketLifetime', c.ticketLifetime ?? c.sessionTimeout, DEFAULT_TICKET_LIFETIME, 604800);
  const maxEarly = count('maxEarlyData', c.maxEarlyData, c.earlyData === true ? DEFAULT_MAX_EARLY_DATA : 0, 0xffffffff);
  if (c.earlyData === false && maxEarly > 0) throw configError('maxEarlyData', 'set while earlyData is false');
  if (maxEarly > 0 && c.replayGuard === undefined) {
    throw configError('replayGuard', 'accepting early data needs an EarlyDataReplayGuard shared by all the connections of the server');
  }
  return { tickets, numTickets, ticketLifetime, maxEarlyData: maxEarly, replayGuard: c.replayGuard, pskModes: r.pskModes };
}

export function resolveClientResumption(c: ClientConfig, serverName: string | undefined): ClientResumption {
  return {
    session: c.session,
    store: c.sessionStore,
    storeKey: c.sessionKey ?? serverName,
    earlyData: c.earlyData,
    earlyDataFromWrites: c.earlyDataFromWrites ?? false,
  };
}
