/**
 * Why `cidr` is not a valid IPv4 or IPv6 CIDR block, or `undefined` when it is.
 * A bare address is not accepted: the prefix length makes the intent explicit.
 */
export function cidrProblem(cidr: string): string | undefined {
  const slash = cidr.indexOf('/');
  if (slash < 0 || slash !== cidr.lastIndexOf('/')) {
    return 'a CIDR block is an address followed by one /prefix length, e.g. 203.0.113.0/24 or 2001:db8::/32';
  }
  const address = cidr.slice(0, slash);
  const prefix = cidr.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefix)) {
    return `the prefix length '${prefix}' is not a number`;
  }
  const length = Number(prefix);
  if (address.includes(':')) {
    if (!isIpv6(address)) { return `'${address}' is not an IPv6 address`; }
    if (length > 128) { return `an IPv6 prefix length is /0 to /128, not /${length}`; }
    return undefined;
  }
  if (!isIpv4(address)) { return `'${address}' is not an IPv4 address`; }
  if (length > 32) { return `an IPv4 prefix length is /0 to /32, not /${length}`; }
  return undefined;
}

function isIpv4(address: string): boolean {
  const parts = address.split('.');
  return parts.length === 4 && parts.every(p => /^\d{1,3}$/.test(p) && Number(p) <= 255 && (p === '0' || !p.startsWith('0')));
}

function isIpv6(address: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(address)) { return false; }
  // A single colon cannot start or end an address, and ':::' is never valid.
  if (/^:[^:]/.test(address) || /[^:]:$/.test(address) || address.includes(':::')) { return false; }
  const doubleColons = address.split('::').length - 1;
  if (doubleColons > 1) { return false; }
  let groups = address.split(':');
  // An embedded IPv4 address (::ffff:192.0.2.1) counts as two groups.
  const last = groups[groups.length - 1];
  if (last.includes('.')) {
    if (!isIpv4(last)) { return false; }
    groups = [...groups.slice(0, -1), '0', '0'];
  }
  if (doubleColons === 1) {
    const nonEmpty = groups.filter(g => g !== '');
    return nonEmpty.length <= 7 && nonEmpty.every(g => /^[0-9a-fA-F]{1,4}$/.test(g));
  }
  return groups.length === 8 && groups.every(g => /^[0-9a-fA-F]{1,4}$/.test(g));
}

/**
 * Whether a (valid) CIDR lies in a private range that never appears in `aws:SourceIp`:
 * RFC 1918 IPv4 (10/8, 172.16/12, 192.168/16) or IPv6 unique local addresses (fc00::/7).
 */
export function isPrivateCidr(cidr: string): boolean {
  const [address, prefix] = cidr.split('/');
  const length = Number(prefix);
  if (address.includes(':')) {
    // The first group must be a full fcXX or fdXX (fd::, i.e. 00fd::, is not a unique local address).
    return length >= 7 && /^f[cd][0-9a-f]{2}:/i.test(address);
  }
  const [a, b] = address.split('.').map(Number);
  return (a === 10 && length >= 8)
    || (a === 172 && b >= 16 && b <= 31 && length >= 12)
    || (a === 192 && b === 168 && length >= 16);
}
