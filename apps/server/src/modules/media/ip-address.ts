/**
 * IP addresses as bytes, CIDR ranges and the "is this a public unicast address" rule.
 *
 * Written out by hand instead of using a classification library because the common ones call
 * IPv4-compatible IPv6 (`::7f00:1`) "unicast" and `net.BlockList` misses it too
 * (reference/reliability-security.md §1.1); here the rule is an allow-list: IPv4 outside the
 * special-purpose blocks, IPv6 only inside global unicast 2000::/3 minus its special blocks, and
 * IPv4-mapped IPv6 judged as the IPv4 address it carries.
 */
import net from 'node:net';

export interface IpAddress {
  version: 4 | 6;
  /** 4 or 16 bytes, network order. */
  bytes: Uint8Array;
}

export interface Cidr {
  version: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
}

/**
 * Parses a canonical textual address (what DNS returns and what the WHATWG URL parser produces,
 * brackets allowed). Returns null for anything else, including zone ids and the legacy numeric
 * spellings: those never reach here because `new URL()` normalises them first.
 */
export function parseIp(text: string): IpAddress | null {
  const host = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const kind = net.isIP(host);
  if (kind === 4) return { version: 4, bytes: Uint8Array.from(host.split('.').map(Number)) };
  if (kind === 6 && !host.includes('%')) return { version: 6, bytes: parseIpv6(host) };
  return null;
}

function parseIpv6(text: string): Uint8Array {
  const bytes = new Uint8Array(16);
  let body = text;
  let tail: number[] = [];
  // An embedded dotted IPv4 tail (`::ffff:1.2.3.4`) stands for the last two groups.
  const lastColon = body.lastIndexOf(':');
  if (body.slice(lastColon + 1).includes('.')) {
    tail = body
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    body = `${body.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = body.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups =
    rest === undefined
      ? headGroups
      : [...headGroups, ...Array(8 - headGroups.length - restGroups.length).fill('0'), ...restGroups];
  groups.forEach((group, i) => {
    const value = Number.parseInt(group, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  if (tail.length === 4) bytes.set(tail, 12);
  return bytes;
}

export function formatIp(address: IpAddress): string {
  if (address.version === 4) return address.bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((address.bytes[i]! << 8) | address.bytes[i + 1]!).toString(16));
  return groups.join(':');
}

/** `10.0.0.0/8`, `fc00::/7`; a bare address is a /32 or /128. Null when malformed. */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const address = parseIp(slash === -1 ? text : text.slice(0, slash));
  if (!address) return null;
  const max = address.version === 4 ? 32 : 128;
  const prefixText = slash === -1 ? String(max) : text.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (prefix > max) return null;
  return { version: address.version, bytes: address.bytes, prefix };
}

export function cidrContains(range: Cidr, address: IpAddress): boolean {
  const candidate = address.version === range.version ? address : alternateForm(address);
  if (!candidate || candidate.version !== range.version) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((range.bytes[i]! & mask) !== (candidate.bytes[i]! & mask)) return false;
  }
  return true;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address, or the mapped form of an IPv4 one. */
function alternateForm(address: IpAddress): IpAddress | null {
  if (address.version === 4) {
    const bytes = new Uint8Array(16);
    bytes[10] = 0xff;
    bytes[11] = 0xff;
    bytes.set(address.bytes, 12);
    return { version: 6, bytes };
  }
  return unwrapMapped(address);
}

function unwrapMapped(address: IpAddress): IpAddress | null {
  const b = address.bytes;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return null;
  if (b[10] !== 0xff || b[11] !== 0xff) return null;
  return { version: 4, bytes: b.slice(12) };
}

const cidrs = (list: string[]) => list.map((text) => parseCidr(text)!);

/** IANA special-purpose IPv4 blocks (RFC 6890 and successors): none of them is a public host. */
const IPV4_NOT_PUBLIC = cidrs([
  '0.0.0.0/8', // "this network"; 0.0.0.0 reaches localhost on Linux
  '10.0.0.0/8',
  '100.64.0.0/10', // carrier-grade NAT
  '127.0.0.0/8',
  '169.254.0.0/16', // link-local, cloud metadata 169.254.169.254
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24', // 6to4 relay anycast
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, includes 255.255.255.255
]);

const IPV6_GLOBAL_UNICAST = parseCidr('2000::/3')!;

/**
 * Special blocks inside 2000::/3. Everything outside 2000::/3 (loopback, unspecified,
 * IPv4-compatible ::/96, NAT64 64:ff9b::/96, unique-local fc00::/7, link-local fe80::/10,
 * multicast ff00::/8, discard 100::/64) is refused by not being in the allow-list at all.
 */
const IPV6_NOT_PUBLIC = cidrs([
  '2001::/23', // IETF protocol assignments, includes Teredo 2001::/32
  '2001:db8::/32', // documentation
  '2002::/16', // 6to4 carries arbitrary IPv4, including private ones
  '3fff::/20', // documentation
]);

/** True only for an address a public Internet host can have. Anything unparsable is not public. */
export function isPublicAddress(text: string): boolean {
  const parsed = parseIp(text);
  if (!parsed) return false;
  const address = parsed.version === 6 ? (unwrapMapped(parsed) ?? parsed) : parsed;
  if (address.version === 4) return !IPV4_NOT_PUBLIC.some((range) => cidrContains(range, address));
  return cidrContains(IPV6_GLOBAL_UNICAST, address) && !IPV6_NOT_PUBLIC.some((range) => cidrContains(range, address));
}
