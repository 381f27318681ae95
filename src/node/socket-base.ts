// The net.Socket surface of TLSSocket, proxied to the transport underneath (what http, agents and
// friends call: timeouts, Nagle, keep-alive, ref/unref, addresses, counters, readyState).
import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import type { DuplexOptions } from 'node:stream';

/** The parts of net.Socket that are proxied when the transport has them. */
export interface SocketLike extends Duplex {
  connecting?: boolean;
  pending?: boolean;
  remoteAddress?: string | undefined;
  remotePort?: number | undefined;
  remoteFamily?: string | undefined;
  localAddress?: string | undefined;
  localPort?: number | undefined;
  bytesRead?: number;
  bytesWritten?: number;
  setTimeout?(ms: number): unknown;
  setNoDelay?(noDelay?: boolean): unknown;
  setKeepAlive?(enable?: boolean, initialDelay?: number): unknown;
  address?(): AddressInfo | Record<string, never> | string | null;
  ref?(): unknown;
  unref?(): unknown;
}

export abstract class TransportDuplex extends Duplex {
  /** The transport (a net.Socket, or any Duplex given as `socket`). */
  readonly socket: SocketLike;

  constructor(socket: Duplex, options: DuplexOptions) {
    super(options);
    this.socket = socket as SocketLike;
  }

  get connecting(): boolean {
    return this.socket.connecting ?? false;
  }
  get pending(): boolean {
    return this.socket.pending ?? false;
  }
  get readyState(): string {
    if (this.connecting) return 'opening';
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    if (this.writable) return 'writeOnly';
    return 'closed';
  }
  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }
  get remoteFamily(): string | undefined {
    return this.socket.remoteFamily;
  }
  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }
  get localPort(): number | undefined {
    return this.socket.localPort;
  }
  get bytesRead(): number {
    return this.socket.bytesRead ?? 0;
  }
  get bytesWritten(): number {
    return this.socket.bytesWritten ?? 0;
  }
  address(): AddressInfo | Record<string, never> | string | null {
    return this.socket.address?.() ?? {};
  }
  setTimeout(ms: number, callback?: () => void): this {
    this.socket.setTimeout?.(ms);
    if (callback !== undefined) {
      if (ms === 0) this.removeListener('timeout', callback);
      else this.once('timeout', callback);
    }
    return this;
  }
  setNoDelay(noDelay?: boolean): this {
    this.socket.setNoDelay?.(noDelay);
    return this;
  }
  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    this.socket.setKeepAlive?.(enable, initialDelay);
    return this;
  }
  ref(): this {
    this.socket.ref?.();
    return this;
  }
  unref(): this {
    this.socket.unref?.();
    return this;
  }
}
