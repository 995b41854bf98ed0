/**
 * The undici Agent used for every untrusted fetch. The public-address rule lives in its connector,
 * where the connection is made, because that is the only place that sees every path to a socket:
 *
 * - a literal IP host never goes through DNS (Node skips `lookup` for literals), so it is checked
 *   first;
 * - a name is resolved exactly once, by the `lookup` handed to `net.connect`; every address in the
 *   answer must pass, and the socket connects to those checked addresses, so a second, different
 *   DNS answer (rebinding) can never be used;
 * - after connecting, `socket.remoteAddress` is checked again, covering Happy Eyeballs and any
 *   path missed above.
 */
import dns, { type LookupAddress } from 'node:dns';
import net from 'node:net';
import { Agent, buildConnector } from 'undici';
import { type Allowlist, isConnectionAllowed } from './fetch-allowlist.ts';

/** The shape of `dns.lookup` with `{ all: true }`; injectable so tests can play a hostile resolver. */
export type LookupAll = (
  hostname: string,
  options: { family?: number; hints?: number },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export const systemLookup: LookupAll = (hostname, options, callback) =>
  dns.lookup(hostname, { ...options, all: true }, callback);

export const ADDRESS_REFUSED = 'E_VIDFORGE_ADDRESS_REFUSED';

export class AddressRefusedError extends Error {
  readonly code = ADDRESS_REFUSED;
  constructor() {
    // Deliberately does not name the address: error messages reach the caller, and echoing resolved
    // addresses would turn the fetcher into a network scanner.
    super('the source host resolves to an address that is not allowed');
    this.name = 'AddressRefusedError';
  }
}

export interface GuardedAgentOptions {
  allowlist: Allowlist;
  isPublic: (address: string) => boolean;
  lookup?: LookupAll;
  connectTimeoutMs: number;
  /** Longest wait for response headers, and longest gap between body chunks. */
  idleTimeoutMs: number;
  maxResponseBytes: number;
}

type NetLookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

export function createGuardedAgent(options: GuardedAgentOptions): Agent {
  const lookup = options.lookup ?? systemLookup;
  return new Agent({
    connections: 4,
    pipelining: 1,
    headersTimeout: options.idleTimeoutMs,
    bodyTimeout: options.idleTimeoutMs,
    maxResponseSize: options.maxResponseBytes,
    connect(connectOptions, callback) {
      const host = connectOptions.hostname;
      const port = Number(connectOptions.port) || (connectOptions.protocol === 'https:' ? 443 : 80);
      const allowed = (address: string) =>
        isConnectionAllowed(options.allowlist, options.isPublic, host, port, address);

      if (net.isIP(host) !== 0 && !allowed(host)) {
        callback(new AddressRefusedError(), null);
        return;
      }
      const guardedLookup = (
        hostname: string,
        lookupOptions: { family?: number; hints?: number; all?: boolean },
        done: NetLookupCallback,
      ) => {
        lookup(hostname, { family: lookupOptions.family, hints: lookupOptions.hints }, (error, addresses) => {
          if (error) return done(error, []);
          // One refused address refuses the whole answer, so a mixed answer cannot win a race.
          if (addresses.length === 0 || !addresses.every((a) => allowed(a.address))) {
            return done(new AddressRefusedError(), []);
          }
          if (lookupOptions.all) return done(null, addresses);
          return done(null, addresses[0]!.address, addresses[0]!.family);
        });
      };
      const connector = buildConnector({ timeout: options.connectTimeoutMs, lookup: guardedLookup } as never);
      connector(connectOptions, (error, socket) => {
        if (error || !socket) {
          callback(error ?? new Error('connection failed'), null);
          return;
        }
        const remote = socket.remoteAddress;
        if (remote === undefined || !allowed(remote)) {
          socket.destroy();
          callback(new AddressRefusedError(), null);
          return;
        }
        callback(null, socket);
      });
    },
  });
}
