// Name constraints (RFC 5280 §4.2.1.10, §6.1.3 (b)–(c), §6.1.4 (g)): permitted and excluded subtrees
// for DNS names, IP addresses, email addresses, URIs and directory names. A name form we cannot
// evaluate (otherName, x400Address, ediPartyName, registeredID) fails closed when a CA constrains it.
import { TlsError } from '../errors.js';
import { AlertDescription } from '../wire/iana.js';
import type { Certificate } from './certificate.js';
import type { GeneralSubtree, NameConstraints } from './extensions.js';
import { formatIp, isValidDnsName } from './hostname.js';
import { type GeneralName, type Name, OID_EMAIL_ADDRESS, attributeValues, equalBytes, isEmptyName } from './name.js';

/** Upper bound on name × constraint comparisons for one path (x509-limbo "nc-dos" inputs). */
export const NAME_CONSTRAINT_BUDGET = 1 << 16;

function violation(code: 'PERMITTED_VIOLATION' | 'EXCLUDED_VIOLATION', cert: Certificate, ca: Certificate, what: string): TlsError {
  const rule = code === 'PERMITTED_VIOLATION' ? 'is outside the names permitted' : 'is excluded';
  return new TlsError(code, AlertDescription.bad_certificate, `the name ${what} of certificate ${cert.displayName} ${rule} by the name constraints of CA ${ca.displayName}`);
}

function invalidConstraint(ca: Certificate, what: string): TlsError {
  return new TlsError('ERR_TLS_CERT_INVALID_NAME_CONSTRAINT', AlertDescription.bad_certificate, `CA ${ca.displayName} has an unusable name constraint: ${what}`);
}

function invalidName(cert: Certificate, what: string): TlsError {
  return new TlsError('ERR_TLS_CERT_INVALID_NAME', AlertDescription.bad_certificate, `certificate ${cert.displayName} has a malformed name subject to name constraints: ${what}`);
}

/** Is `name` (lower-case) equal to `zone` or below it, at a label boundary? */
function inDnsSubtree(name: string, zone: string): boolean {
  if (zone.length === 0) return true;
  return name === zone || (name.length > zone.length && name.endsWith(zone) && name[name.length - zone.length - 1] === '.');
}

/**
 * Could a presented DNS name (maybe a wildcard) stand for a name in the subtree `zone`?
 * For exclusion we must be defensive: `*.example.com` can stand for `bar.example.com`
 * (x509-limbo cve-2025-61727).
 */
export function dnsMayMatch(presented: string, zone: string): boolean {
  if (inDnsSubtree(presented, zone)) return true;
  if (presented.startsWith('*.')) {
    const base = presented.slice(2);
    const dot = zone.indexOf('.');
    return dot > 0 && zone.slice(dot + 1) === base;
  }
  return false;
}

function ipInSubnet(ip: Uint8Array, subnet: Uint8Array): boolean {
  if (subnet.length !== ip.length * 2) return false;
  for (let i = 0; i < ip.length; i++) {
    const mask = subnet[ip.length + i] as number;
    if (((ip[i] as number) & mask) !== ((subnet[i] as number) & mask)) return false;
  }
  return true;
}

function validSubnet(subnet: Uint8Array): boolean {
  if (subnet.length !== 8 && subnet.length !== 32) return false;
  const half = subnet.length / 2;
  let zero = false;
  for (let i = half; i < subnet.length; i++) {
    const m = subnet[i] as number;
    for (let b = 7; b >= 0; b--) {
      const set = (m >> b) & 1;
      if (zero && set) return false; // the mask must be a prefix
      if (!set) zero = true;
    }
  }
  return true;
}

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

function splitMailbox(s: string): { local: string; domain: string } | undefined {
  const at = s.lastIndexOf('@');
  if (at <= 0) return undefined;
  const local = s.slice(0, at);
  const domain = s.slice(at + 1).toLowerCase();
  if (!LOCAL_PART.test(local) || !isValidDnsName(domain, false)) return undefined;
  return { local, domain };
}

function validEmailConstraint(c: string): boolean {
  if (c.includes('@')) return splitMailbox(c) !== undefined;
  const d = c.toLowerCase();
  return d.startsWith('.') ? isValidDnsName(d.slice(1), false) : isValidDnsName(d, false);
}

function emailMatches(mailbox: { local: string; domain: string }, c: string): boolean {
  if (c.includes('@')) {
    const m = splitMailbox(c);
    return m !== undefined && m.local === mailbox.local && m.domain === mailbox.domain;
  }
  const d = c.toLowerCase();
  if (d.startsWith('.')) return mailbox.domain.endsWith(d);
  return mailbox.domain === d;
}

function uriHost(uri: string): string | undefined {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/.exec(uri);
  const host = m?.[1];
  if (host === undefined || host.length === 0 || host.startsWith('[')) return undefined;
  return host.toLowerCase();
}

function uriMatches(host: string, c: string): boolean {
  const d = c.toLowerCase();
  if (d.startsWith('.')) return host.endsWith(d);
  return host === d;
}

function dnPrefix(name: Name, constraint: Name): boolean {
  if (constraint.rdns.length > name.rdns.length) return false;
  for (let i = 0; i < constraint.rdns.length; i++) {
    if (!equalBytes(name.rdns[i] as Uint8Array, constraint.rdns[i] as Uint8Array)) return false;
  }
  return true;
}

type Checkable =
  | { readonly kind: 'dns'; readonly value: string }
  | { readonly kind: 'ip'; readonly value: Uint8Array }
  | { readonly kind: 'email'; readonly value: { local: string; domain: string }; readonly text: string }
  | { readonly kind: 'uri'; readonly host: string | undefined; readonly text: string }
  | { readonly kind: 'dn'; readonly value: Name }
  | { readonly kind: 'other'; readonly tag: number };

/** Does subtree `c` contain name `n`? undefined when `c` is of another form. `excluded` selects the defensive wildcard reading. */
function subtreeMatches(n: Checkable, c: GeneralName, excluded: boolean): boolean | undefined {
  switch (n.kind) {
    case 'dns':
      if (c.kind !== 'dns') return undefined;
      return excluded ? dnsMayMatch(n.value, c.value.toLowerCase()) : inDnsSubtree(n.value, c.value.toLowerCase());
    case 'ip':
      return c.kind === 'ip' ? ipInSubnet(n.value, c.value) : undefined;
    case 'email':
      return c.kind === 'email' ? emailMatches(n.value, c.value) : undefined;
    case 'uri':
      if (c.kind !== 'uri') return undefined;
      return n.host !== undefined && uriMatches(n.host, c.value);
    case 'dn':
      return c.kind === 'dn' ? dnPrefix(n.value, c.value) : undefined;
    case 'other':
      // Fail closed: every constraint on a form we cannot evaluate counts as a match for exclusion
      // and as a mismatch for permission.
      return c.kind === 'other' && c.tag === n.tag ? excluded : undefined;
  }
}

function describe(n: Checkable): string {
  switch (n.kind) {
    case 'dns':
      return `DNS:${n.value}`;
    case 'ip':
      return `IP:${formatIp(n.value)}`;
    case 'email':
      return `email:${n.text}`;
    case 'uri':
      return `URI:${n.text}`;
    case 'dn':
      return 'its directory name';
    case 'other':
      return `of GeneralName type [${n.tag}]`;
  }
}

/** Checks the validity of every constraint of a CA once (RFC 5280 §4.2.1.10 syntax). */
export function validateConstraints(ca: Certificate, nc: NameConstraints): void {
  for (const list of [nc.permitted, nc.excluded]) {
    if (list === undefined) continue;
    for (const { base } of list) {
      if (base.kind === 'dns') {
        const v = base.value.toLowerCase();
        // A DNS constraint is a host name; an empty one matches everything. No wildcards, no leading dot.
        if (v.length > 0 && !isValidDnsName(v, false)) throw invalidConstraint(ca, `DNS:${base.value}`);
      } else if (base.kind === 'ip') {
        if (!validSubnet(base.value)) throw invalidConstraint(ca, 'an iPAddress constraint that is not an address and a prefix mask');
      } else if (base.kind === 'email') {
        if (!validEmailConstraint(base.value)) throw invalidConstraint(ca, `email:${base.value}`);
      }
    }
  }
}

/** The names of `cert` that name constraints apply to (RFC 5280 §6.1.3 (b)). */
function namesOf(cert: Certificate): Checkable[] {
  const out: Checkable[] = [];
  if (!isEmptyName(cert.subject)) out.push({ kind: 'dn', value: cert.subject });
  const san = cert.extensions.subjectAltName;
  if (san === undefined) {
    // RFC 5280 §4.2.1.10: without a SAN, rfc822Name constraints apply to emailAddress attributes.
    for (const e of attributeValues(cert.subject, OID_EMAIL_ADDRESS)) {
      const m = splitMailbox(e);
      if (m === undefined) throw invalidName(cert, `emailAddress ${e}`);
      out.push({ kind: 'email', value: m, text: e });
    }
    return out;
  }
  for (const n of san.names) {
    switch (n.kind) {
      case 'dns': {
        const v = n.value.toLowerCase();
        if (!isValidDnsName(v, true)) throw invalidName(cert, `DNS:${n.value}`);
        out.push({ kind: 'dns', value: v });
        break;
      }
      case 'ip':
        if (n.value.length !== 4 && n.value.length !== 16) throw invalidName(cert, 'an iPAddress that is neither 4 nor 16 bytes');
        out.push({ kind: 'ip', value: n.value });
        break;
      case 'email': {
        const m = splitMailbox(n.value);
        if (m === undefined) throw invalidName(cert, `email:${n.value}`);
        out.push({ kind: 'email', value: m, text: n.value });
        break;
      }
      case 'uri':
        out.push({ kind: 'uri', host: uriHost(n.value), text: n.value });
        break;
      case 'dn':
        out.push({ kind: 'dn', value: n.value });
        break;
      case 'other':
        out.push({ kind: 'other', tag: n.tag });
        break;
    }
  }
  return out;
}

function hasForm(list: readonly GeneralSubtree[], n: Checkable): boolean {
  for (const { base } of list) if (subtreeMatches(n, base, false) !== undefined) return true;
  return false;
}

/**
 * Applies the name constraints of `ca` to `cert` (a certificate below it in the path).
 * `budget.left` is decremented per comparison; running out is an error, never exponential work.
 */
export function checkNameConstraints(ca: Certificate, nc: NameConstraints, cert: Certificate, budget: { left: number }): void {
  for (const n of namesOf(cert)) {
    if (nc.excluded !== undefined) {
      for (const { base } of nc.excluded) {
        if (--budget.left < 0) throw tooComplex(cert);
        if (subtreeMatches(n, base, true) === true) throw violation('EXCLUDED_VIOLATION', cert, ca, describe(n));
      }
    }
    if (nc.permitted !== undefined && hasForm(nc.permitted, n)) {
      let ok = false;
      for (const { base } of nc.permitted) {
        if (--budget.left < 0) throw tooComplex(cert);
        if (subtreeMatches(n, base, false) === true) {
          ok = true;
          break;
        }
      }
      if (!ok) throw violation('PERMITTED_VIOLATION', cert, ca, describe(n));
    }
  }
}

function tooComplex(cert: Certificate): TlsError {
  return new TlsError('ERR_TLS_CERT_NAME_CONSTRAINTS_TOO_COMPLEX', AlertDescription.bad_certificate, `checking the name constraints of the chain of ${cert.displayName} needs too many comparisons`);
}
