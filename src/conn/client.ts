// PLACEHOLDER (adapter branch): the real ClientConnection is written on the core branch and replaces
// this whole file at the merge. src/node relies only on `new ClientConnection(config: ClientConfig)`
// returning a Connection.
import type { ClientConfig } from './config.js';
import type { Connection } from './types.js';

export const ClientConnection: new (config: ClientConfig) => Connection = class {
  constructor(config: ClientConfig) {
    void config;
    throw new Error('typetls: ClientConnection is not implemented yet');
  }
} as unknown as new (config: ClientConfig) => Connection;
