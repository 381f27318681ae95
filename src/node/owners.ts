// Which TLSSocket drives which sans-IO connection: the engine's server callbacks are shared by all of a
// server's connections and name the connection asking; node:tls's callbacks want the socket
// (pskCallback(socket, identity)). A WeakMap, so neither is kept alive by the link.
import type { Duplex } from 'node:stream';

const owners = new WeakMap<object, Duplex>();

/** Records that `socket` drives `connection` (TLSSocket, when it builds its connection). */
export function setConnectionOwner(connection: object, socket: Duplex): void {
  owners.set(connection, socket);
}

/** The TLSSocket driving `connection`, if any. */
export function connectionOwner(connection: object): Duplex | undefined {
  return owners.get(connection);
}
