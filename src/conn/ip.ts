// IP literal detection (for SNI and for matching a certificate's iPAddress).

function isIpv4(s: string): boolean {
  const parts = s.split('.');
  if (parts.length !== 4) return false;
  return parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

function isIpv6(s: string): boolean {
  const t = s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s;
  if (!t.includes(':') || !/^[0-9a-fA-F:.]+$/.test(t)) return false;
  const dbl = t.split('::');
  if (dbl.length > 2) return false;
  const groups = t.split(':').filter((g) => g !== '');
  const last = groups[groups.length - 1];
  const v4 = last !== undefined && last.includes('.');
  if (v4 && !isIpv4(last)) return false;
  const count = groups.length + (v4 ? 1 : 0);
  if (dbl.length === 2 ? count > 7 : count !== 8) return false;
  return groups.every((g) => g.includes('.') || /^[0-9a-fA-F]{1,4}$/.test(g));
}

export function isIpLiteral(s: string): boolean {
  return isIpv4(s) || isIpv6(s);
}
