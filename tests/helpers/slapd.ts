// A throw-away OpenLDAP server (slapd) for tests: a temporary directory with a slapd.conf, an mdb database
// for dc=typetls,dc=test loaded with slapadd before the start (base entry, ou=people, the caller's entries),
// and slapd in the foreground on 127.0.0.1 (ldap:// and, with `tls`, ldaps:// and StartTLS), run through
// the process harness: own process group, bounded lifetime, stopped by its PID when the test ends.
// Recipe and measurements: shared/INTEROP.md §5 (slapd).
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, has, runClient, startServer, type PeerServer, type TestContextLike } from './proc.js';

export interface SlapdEntry {
  /** e.g. 'cn=alice,ou=people,dc=typetls,dc=test' */
  readonly dn: string;
  /** attribute name → values; string values as text, Uint8Array values as binary (e.g. 'userCertificate;binary': [der]) */
  readonly attributes: Readonly<Record<string, readonly (string | Uint8Array)[]>>;
}

export interface SlapdOptions {
  /** PEM files for the server's TLS (LDAPS and StartTLS): certificate chain, key, and the CA file */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly caFile: string };
  /** entries added after the base entry and ou=people exist */
  readonly entries?: readonly SlapdEntry[];
}

export interface Slapd {
  readonly baseDn: string;
  readonly adminDn: string;
  readonly adminPassword: string;
  /** plain LDAP on 127.0.0.1 (StartTLS available when `tls` was given) */
  readonly ldapPort: number;
  /** LDAPS on 127.0.0.1, when `tls` was given */
  readonly ldapsPort: number | undefined;
  /**
   * ldapsearch's output for a base-object search of `dn` (for debugging/asserts), via the plain port:
   * LDIF without line wrapping (`-LLL -o ldif-wrap=no`), so a binary value is one `attr:: base64` line.
   * An entry that does not exist gives ''; any other failure rejects with ldapsearch's output.
   */
  search(dn: string, attributes?: readonly string[]): Promise<string>;
  /** stops slapd (SIGTERM to its process group, SIGKILL after a grace period) and removes its directory; idempotent */
  stop(): Promise<void>;
}

const BASE_DN = 'dc=typetls,dc=test';
const ADMIN_DN = `cn=admin,${BASE_DN}`;
const ADMIN_PASSWORD = 'typetls-admin-secret';
/** upper bound on a slapd's life even if the test process dies without cleaning up */
const LIFETIME_MS = 180_000;
const START_TIMEOUT_MS = 10_000;
const CLIENT_TIMEOUT_MS = 10_000;
/** attempts with fresh ports when another process took a port between freePort() and slapd's bind */
const PORT_ATTEMPTS = 3;

/** Debian/Ubuntu, then Fedora/RHEL, Alpine and source installs. */
const SCHEMA_DIRS = ['/etc/ldap/schema', '/etc/openldap/schema', '/usr/local/etc/openldap/schema'];
const MODULE_DIRS = ['/usr/lib/ldap', '/usr/lib64/openldap', '/usr/lib/openldap', '/usr/libexec/openldap', '/usr/local/libexec/openldap'];
const SCHEMAS = ['core', 'cosine', 'inetorgperson'];

function exists(path: string, mode = constants.R_OK): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

/** `cmd` on PATH, else in an sbin directory (slapd and slapadd live in /usr/sbin, often not on a user's PATH). */
function findCommand(cmd: string): string | undefined {
  if (has(cmd)) return cmd;
  return ['/usr/sbin', '/usr/local/sbin', '/sbin'].map((d) => join(d, cmd)).find((p) => exists(p, constants.X_OK));
}

function schemaDir(): string | undefined {
  return SCHEMA_DIRS.find((d) => SCHEMAS.every((s) => exists(join(d, `${s}.schema`))));
}

/** undefined when slapd or slapadd is not installed (the caller skips with that reason). */
export function slapdMissing(): string | undefined {
  for (const cmd of ['slapd', 'slapadd']) if (findCommand(cmd) === undefined) return `${cmd} not installed (Debian: slapd)`;
  if (!has('ldapsearch')) return 'ldapsearch not installed (Debian: ldap-utils)';
  if (schemaDir() === undefined) return `OpenLDAP schema files (${SCHEMAS.join(', ')}) not found in ${SCHEMA_DIRS.join(', ')}`;
  return undefined;
}

/** A path inside double quotes in slapd.conf (no escaping needed for what mkdtemp and testPki produce). */
function confPath(p: string): string {
  if (/["\\\n\r]/.test(p)) throw new Error(`slapd.conf cannot hold this path: ${JSON.stringify(p)}`);
  return `"${p}"`;
}

function slapdConf(dir: string, tls: SlapdOptions['tls']): string {
  const schemas = schemaDir();
  if (schemas === undefined) throw new Error('OpenLDAP schema files not found');
  const lines = SCHEMAS.map((s) => `include ${confPath(join(schemas, `${s}.schema`))}`);
  // Debian builds the backends as modules; a build with mdb compiled in has no back_mdb module to load.
  const modules = MODULE_DIRS.find((d) => exists(join(d, 'back_mdb.la')) || exists(join(d, 'back_mdb.so')));
  if (modules !== undefined) lines.push(`modulepath ${confPath(modules)}`, 'moduleload back_mdb');
  lines.push(`pidfile ${confPath(join(dir, 'slapd.pid'))}`, `argsfile ${confPath(join(dir, 'slapd.args'))}`);
  if (tls !== undefined) {
    lines.push(
      `TLSCertificateFile ${confPath(tls.certFile)}`,
      `TLSCertificateKeyFile ${confPath(tls.keyFile)}`,
      `TLSCACertificateFile ${confPath(tls.caFile)}`,
      'TLSVerifyClient never',
    );
  }
  lines.push(
    'database mdb',
    'maxsize 10485760',
    `suffix "${BASE_DN}"`,
    `rootdn "${ADMIN_DN}"`,
    `rootpw ${ADMIN_PASSWORD}`,
    `directory ${confPath(join(dir, 'db'))}`,
    // Anonymous binds read everything; only the rootdn writes.
    'access to * by * read',
  );
  return lines.join('\n') + '\n';
}

// RFC 2849: a value is written as text only when it is a SAFE-STRING (ASCII without NUL, CR, LF, not
// starting with a space, ':' or '<'); anything else, and every binary value, is base64 after '::'.
// A trailing space is base64 too (readers strip it).
const SAFE_STRING = /^(?:[\x01-\x09\x0b\x0c\x0e-\x1f\x21-\x39\x3b\x3d-\x7f][\x01-\x09\x0b\x0c\x0e-\x7f]*)?$/;
const ATTRIBUTE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)(?:;[A-Za-z0-9-]+)*$/;

function ldifLine(name: string, value: string | Uint8Array): string {
  if (typeof value === 'string' && SAFE_STRING.test(value) && !value.endsWith(' ')) return `${name}: ${value}`;
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return `${name}:: ${bytes.toString('base64')}`;
}

function ldifEntry(e: SlapdEntry): string {
  const lines = [ldifLine('dn', e.dn)];
  for (const [name, values] of Object.entries(e.attributes)) {
    if (!ATTRIBUTE.test(name)) throw new Error(`not an LDAP attribute description: ${JSON.stringify(name)}`);
    for (const v of values) lines.push(ldifLine(name, v));
  }
  return lines.join('\n') + '\n';
}

const BUILT_IN: readonly SlapdEntry[] = [
  { dn: BASE_DN, attributes: { objectClass: ['dcObject', 'organization'], dc: ['typetls'], o: ['typetls tests'] } },
  { dn: `ou=people,${BASE_DN}`, attributes: { objectClass: ['organizationalUnit'], ou: ['people'] } },
];

/** Two distinct free ports on 127.0.0.1. */
async function twoPorts(): Promise<[number, number]> {
  const a = await freePort();
  let b = await freePort();
  while (b === a) b = await freePort();
  return [a, b];
}

/** ldapsearch without ldap.conf/.ldaprc/LDAP* variables (LDAPNOINIT), so the machine's settings do not matter. */
function ldapsearch(args: readonly string[]): ReturnType<typeof runClient> {
  return runClient('ldapsearch', ['-x', '-o', 'nettimeout=5', ...args], {
    timeoutMs: CLIENT_TIMEOUT_MS,
    env: { ...process.env, LDAPNOINIT: '1' },
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Starts slapd with the base entry, ou=people and `o.entries`, and resolves when an anonymous search of the
 * base entry succeeds. slapd stops (and its directory goes) when `t` ends or on `stop()`.
 */
export async function startSlapd(t: TestContextLike, o: SlapdOptions = {}): Promise<Slapd> {
  const missing = slapdMissing();
  if (missing !== undefined) throw new Error(missing);
  const slapd = findCommand('slapd') ?? 'slapd';
  const slapadd = findCommand('slapadd') ?? 'slapadd';

  const dir = mkdtempSync(join(tmpdir(), 'typetls-slapd-'));
  let server: PeerServer | undefined;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopped;
  };
  t.after(stop); // registered before startServer's own stop, so the directory goes after slapd has exited

  try {
    mkdirSync(join(dir, 'db'));
    const conf = join(dir, 'slapd.conf');
    writeFileSync(conf, slapdConf(dir, o.tls));
    const ldif = join(dir, 'data.ldif');
    writeFileSync(ldif, [...BUILT_IN, ...(o.entries ?? [])].map(ldifEntry).join('\n'));
    // slapadd writes the database offline (no network round trip); it checks the schema and that parents exist.
    const add = await runClient(slapadd, ['-f', conf, '-b', BASE_DN, '-q', '-l', ldif], { timeoutMs: CLIENT_TIMEOUT_MS });
    if (add.code !== 0) throw new Error(`slapadd failed (exit ${String(add.code)}):\n${add.stdout}${add.stderr}`);

    let ldapPort = 0;
    let ldapsPort: number | undefined;
    for (let attempt = 1; ; attempt++) {
      const [p, q] = await twoPorts();
      ldapPort = p;
      ldapsPort = o.tls !== undefined ? q : undefined;
      const urls = [`ldap://127.0.0.1:${ldapPort}/`, ...(ldapsPort !== undefined ? [`ldaps://127.0.0.1:${ldapsPort}/`] : [])];
      try {
        // `-d none`: stay in the foreground and log only what is always logged (start, stop, errors such as a
        // failed bind or a TLS key that does not load); "slapd starting" is printed once the listeners are open.
        server = await startServer(slapd, ['-f', conf, '-h', urls.join(' '), '-d', 'none'], {
          t,
          port: ldapPort,
          readyPattern: /slapd starting/,
          startTimeoutMs: START_TIMEOUT_MS,
          lifetimeMs: LIFETIME_MS,
        });
        break;
      } catch (e) {
        // Another process took one of the ports after freePort() released it: try fresh ones.
        if (attempt < PORT_ATTEMPTS && e instanceof Error && /errno=98|Address already in use/.test(e.message)) continue;
        throw e;
      }
    }

    // Ready when the base entry can be read (bounded).
    const url = `ldap://127.0.0.1:${ldapPort}`;
    const running = server;
    let dead = false;
    void running.exited.then(() => {
      dead = true;
    });
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const r = await ldapsearch(['-LLL', '-H', url, '-b', BASE_DN, '-s', 'base', 'dn']);
      if (r.code === 0) break;
      if (dead || Date.now() > deadline) {
        throw new Error(`slapd ${dead ? 'exited' : 'did not answer in time'}; ldapsearch: ${r.stdout}${r.stderr}\nslapd output:\n${running.output()}`);
      }
      await sleep(20);
    }

    const search = async (dn: string, attributes: readonly string[] = []): Promise<string> => {
      const r = await ldapsearch(['-LLL', '-o', 'ldif-wrap=no', '-H', url, '-b', dn, '-s', 'base', ...attributes]);
      if (r.code === 0) return r.stdout;
      if (r.code === 32) return ''; // noSuchObject (RFC 4511 §4.1.9)
      throw new Error(`ldapsearch -b ${dn} failed (exit ${String(r.code)}${r.timedOut ? ', timed out' : ''}): ${r.stdout}${r.stderr}`);
    };
    return { baseDn: BASE_DN, adminDn: ADMIN_DN, adminPassword: ADMIN_PASSWORD, ldapPort, ldapsPort, search, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
