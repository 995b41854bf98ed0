/**
 * The operator's exceptions to the public-address rule (`VIDFORGE_FETCH_ALLOW`), and the one
 * decision "may we connect to this address for this URL host and port".
 *
 * Entries, comma-separated: `host`, `host:port`, `1.2.3.4`, `1.2.3.4:port`, `[::1]`, `[::1]:port`,
 * `10.0.0.0/8`, `10.0.0.0/8:port`, `[fd00::/8]:port`, bare IPv6 `::1` or `fd00::/8`, and `*:port`.
 * An entry without a port allows the default ports only (80, 443); with a port, only that port.
 * `*:port` opens a port for public addresses only (a CIDR such as 0.0.0.0/0:port would also open it
 * for private ones). A host-name entry trusts whatever that name resolves to: it is for an
 * operator's own services.
 */
import { type Cidr, cidrContains, parseCidr, parseIp } from './ip-address.ts';

export const DEFAULT_PORTS: readonly number[] = [80, 443];

export interface AllowEntry {
  /** `*:port`: any public address, on that port. */
  anyPublic: boolean;
  /** Lower-case host name without a trailing dot, or null for an address/CIDR entry. */
  host: string | null;
  range: Cidr | null;
  /** null: the default ports. */
  port: number | null;
}

export type Allowlist = readonly AllowEntry[];

/** Parses the setting; throws an Error naming every bad entry. */
export function parseAllowlist(text: string): Allowlist {
  const entries: AllowEntry[] = [];
  const bad: string[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const entry = parseEntry(item);
    if (entry) entries.push(entry);
    else bad.push(item);
  }
  if (bad.length > 0) {
    throw new Error(
      `invalid fetch allow-list entr${bad.length === 1 ? 'y' : 'ies'} ${bad.map((b) => JSON.stringify(b)).join(', ')}: ` +
        'expected host[:port], an IP address, [IPv6]:port, a CIDR range or *:port',
    );
  }
  return entries;
}

function parsePort(text: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

function parseEntry(item: string): AllowEntry | null {
  if (item.startsWith('*:')) {
    const port = parsePort(item.slice(2));
    return port ? { anyPublic: true, host: null, range: null, port } : null;
  }
  let target = item;
  let port: number | null = null;
  const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(item);
  if (bracket) {
    target = bracket[1]!;
    if (bracket[2] !== undefined) {
      const parsed = parsePort(bracket[2]);
      if (parsed === undefined) return null;
      port = parsed;
    }
    const range = parseCidr(target);
    return range ? { anyPublic: false, host: null, range, port } : null;
  }
  const colons = item.split(':').length - 1;
  if (colons === 1) {
    const at = item.lastIndexOf(':');
    const parsed = parsePort(item.slice(at + 1));
    if (parsed === undefined) return null;
    port = parsed;
    target = item.slice(0, at);
  }
  // Two or more colons without brackets: a bare IPv6 address or range, which cannot carry a port.
  const range = parseCidr(target);
  if (range) return { anyPublic: false, host: null, range, port };
  if (target.includes('/') || colons > 1) return null;
  const host = normalizeHost(target);
  if (!/^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$/.test(host)) return null;
  return { anyPublic: false, host, range: null, port };
}

export function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

function portMatches(entry: AllowEntry, port: number): boolean {
  return entry.port === null ? DEFAULT_PORTS.includes(port) : entry.port === port;
}

/**
 * Whether a URL's host and port may be requested at all, before any connection: a default port,
 * or a port some entry lists (the address is checked again when connecting).
 */
export function isPortAllowed(allowlist: Allowlist, host: string, port: number): boolean {
  if (DEFAULT_PORTS.includes(port)) return true;
  const name = normalizeHost(host);
  const address = parseIp(host);
  return allowlist.some(
    (entry) =>
      entry.port === port &&
      (entry.anyPublic ||
        entry.host === name ||
        (entry.range !== null && (address === null || cidrContains(entry.range, address)))),
  );
}

/**
 * The connect-time decision: `address` is the IP we are about to use (or used) for `host:port`.
 * Public addresses on default ports pass; anything else needs a matching entry.
 */
export function isConnectionAllowed(
  allowlist: Allowlist,
  isPublic: (address: string) => boolean,
  host: string,
  port: number,
  address: string,
): boolean {
  if (isPublic(address) && DEFAULT_PORTS.includes(port)) return true;
  const name = normalizeHost(host);
  const parsed = parseIp(address);
  return allowlist.some((entry) => {
    if (!portMatches(entry, port)) return false;
    if (entry.anyPublic) return isPublic(address);
    if (entry.host !== null) return entry.host === name;
    return parsed !== null && entry.range !== null && cidrContains(entry.range, parsed);
  });
}
