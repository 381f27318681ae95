// `typetls server --trace`: one narrated trace per connection. Connections of one server share the
// `trace` option, so the server listens on the typetls:trace diagnostics channel instead, where each
// event names its socket, and renders a connection's steps when its handshake ends and when it closes.
import diagnosticsChannel from 'node:diagnostics_channel';
import type { ParsedArgs } from './args.js';
import { createTraceCollector, traceMode, type TraceCollector } from './render.js';
import { TRACE_CHANNEL, type TraceChannelMessage } from '../node/index.js';

export interface ServerTrace {
  stop(): void;
}

function isMessage(m: unknown): m is TraceChannelMessage {
  return typeof m === 'object' && m !== null && 'event' in m && 'socket' in m && 'side' in m;
}

/**
 * Subscribes when --trace[=bytes] or --json was given; undefined otherwise. `side`: whose
 * connections to narrate (a server's accepted ones; the tunnel's client side uses 'client').
 */
export function serverTrace(args: ParsedArgs, side: 'client' | 'server' = 'server'): ServerTrace | undefined {
  const mode = traceMode(args.booleans, args.strings);
  if (mode === undefined) return undefined;
  const perSocket = new Map<object, TraceCollector>();
  let next = 1;
  const onMessage = (m: unknown): void => {
    if (!isMessage(m) || m.side !== side) return;
    let c = perSocket.get(m.socket);
    if (c === undefined) {
      const id = next++;
      const prefix = mode === 'json' ? '' : `[trace ${String(id)}] `;
      c = createTraceCollector({
        mode,
        color: process.stderr.isTTY,
        write: (t) => void process.stderr.write(mode === 'json' ? t : t.replace(/^(?=.)/gm, prefix)),
      });
      perSocket.set(m.socket, c);
      const sock = m.socket as { once?: (ev: string, f: () => void) => void };
      const collector = c;
      sock.once?.('close', () => {
        collector.flush();
        perSocket.delete(m.socket);
      });
    }
    c.listener(side)(m.event);
  };
  diagnosticsChannel.subscribe(TRACE_CHANNEL, onMessage);
  return {
    stop() {
      diagnosticsChannel.unsubscribe(TRACE_CHANNEL, onMessage);
      for (const c of perSocket.values()) c.flush();
      perSocket.clear();
    },
  };
}
