// PLACEHOLDER (adapter branch): the real ServerConnection is written on the core branch and replaces
// this whole file at the merge. src/node relies only on `new ServerConnection(config: ServerConfig)`
// returning a Connection.
import type { ServerConfig } from './config.js';
import type { Connection } from './types.js';

export const ServerConnection: new (config: ServerConfig) => Connection = class {
  constructor(config: ServerConfig) {
    void config;
    throw new Error('typetls: ServerConnection is not implemented yet');
  }
} as unknown as new (config: ServerConfig) => Connection;
