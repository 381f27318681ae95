#!/usr/bin/env node
// The `typetls` command: demo, client, server, tunnel.
import { readFileSync } from 'node:fs';
import { UsageError } from './args.js';
import { TlsError } from '../errors.js';
import { CLIENT_USAGE, runClient } from './client.js';
import { DEMO_USAGE, runDemo } from './demo.js';
import { runServer, SERVER_USAGE } from './server.js';
import { runTunnel, TUNNEL_USAGE } from './tunnel.js';

const USAGE = `typetls: TLS 1.3 and 1.2 client and server in TypeScript

usage: typetls demo [options]        a local mutual-auth handshake, explained (npm start)
       typetls server --port N ...   a TLS server (like openssl s_server)
       typetls client HOST:PORT ...  a TLS client (like openssl s_client)
       typetls tunnel client|server  a TLS tunnel (like stunnel): plain TCP in, TLS out, or back
       typetls help [COMMAND]        this text, or a command's options
       typetls --version

Exit status: 0 success, 1 a TLS or network failure, 2 a command-line mistake.
`;

function version(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    if (typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string') return pkg.version;
  } catch {
    // fall through
  }
  return 'unknown';
}

function help(topic: string | undefined): number {
  if (topic === undefined) process.stdout.write(USAGE);
  else if (topic === 'client') process.stdout.write(CLIENT_USAGE);
  else if (topic === 'server') process.stdout.write(SERVER_USAGE);
  else if (topic === 'demo') process.stdout.write(DEMO_USAGE);
  else if (topic === 'tunnel') process.stdout.write(TUNNEL_USAGE);
  else throw new UsageError(`no help for "${topic}" (commands: demo, client, server, tunnel)`);
  return 0;
}

async function run(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return help(rest[0]);
    case '--version':
    case 'version':
      process.stdout.write(`typetls ${version()}\n`);
      return 0;
    case 'demo':
      return runDemo(rest);
    case 'client':
      return runClient(rest);
    case 'server':
      return runServer(rest);
    case 'tunnel':
      return runTunnel(rest);
    default:
      throw new UsageError(`unknown command "${command}" (commands: demo, client, server, tunnel, help)`);
  }
}

function exit(code: number): void {
  // Let stdout and stderr drain before leaving (they may be pipes).
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

// A closed stdout (`typetls demo | head`) ends the command quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

run(process.argv.slice(2)).then(exit, (err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`typetls: ${err.message}\nRun "typetls help" for usage.\n`);
    exit(2);
    return;
  }
  // A TlsError (a file that does not open, a wrong passphrase, an option typetls refuses) says what
  // to do in its message; a stack trace is only for what should not happen.
  if (err instanceof TlsError) process.stderr.write(`error: ${err.message} (${err.code})\n`);
  else process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  exit(1);
});
