// Publishes trace events on node:diagnostics_channel (channel `typetls:trace`), so tools can watch
// every typetls connection of a process without an option on each one. A connection traces when
// its `trace` option is on or when the channel has subscribers as it starts. The core stays
// node-free: only this adapter module imports node:diagnostics_channel.
import diagnosticsChannel from 'node:diagnostics_channel';
import type { TraceEvent } from '../conn/types.js';

/** The channel's name. */
export const TRACE_CHANNEL = 'typetls:trace';

/** What a subscriber receives for each event. */
export interface TraceChannelMessage {
  /** Which side of the connection emitted it. */
  readonly side: 'client' | 'server';
  /** The TLSSocket (or other owner) the connection belongs to. */
  readonly socket: object;
  /** The event (see src/trace/events.ts for the documented kinds). */
  readonly event: TraceEvent;
}

/** True when someone listens on the trace channel. */
export function traceChannelActive(): boolean {
  return diagnosticsChannel.channel(TRACE_CHANNEL).hasSubscribers;
}

/** Publishes one event (a no-op when nobody listens). */
export function publishTrace(message: TraceChannelMessage): void {
  const ch = diagnosticsChannel.channel(TRACE_CHANNEL);
  if (ch.hasSubscribers) ch.publish(message);
}
