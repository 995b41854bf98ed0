/**
 * Checks a source URL (the caller's, or a redirect target) before anything is sent. This is the
 * cheap early refusal; the rule that matters is enforced again where the connection is made
 * (guarded-agent.ts), because a name can resolve anywhere.
 */
import { URL_MAX } from '@vidforge/contract';
import { EngineError } from '../../engines/engine.ts';
import { type Allowlist, isConnectionAllowed, isPortAllowed } from './fetch-allowlist.ts';
import { parseIp } from './ip-address.ts';

export function effectivePort(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/** The host without the brackets of an IPv6 literal, as the connector sees it. */
export function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

export function refused(reason: string): EngineError {
  return new EngineError('SOURCE_FETCH_FAILED', `source URL refused: ${reason}`, { retryable: false });
}

/** Returns the parsed URL or throws SOURCE_FETCH_FAILED naming the rule it breaks. */
export function checkSourceUrl(
  text: string,
  allowlist: Allowlist,
  isPublic: (address: string) => boolean,
  base?: URL,
): URL {
  if (text.length > URL_MAX) throw refused(`longer than ${URL_MAX} characters`);
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw refused('not a valid absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refused('only http and https are allowed');
  if (url.username !== '' || url.password !== '') throw refused('a user name or password in the URL is not allowed');
  if (url.hostname === '') throw refused('the URL has no host');
  const port = effectivePort(url);
  const host = bareHost(url);
  if (!isPortAllowed(allowlist, host, port)) {
    throw refused(`port ${port} is not allowed (only 80 and 443)`);
  }
  // The WHATWG parser has already turned every numeric spelling (2130706433, 0177.0.0.1, 0x7f.1,
  // 127.1) into dotted decimal, so a literal is recognised here whatever way it was written.
  if (parseIp(host) && !isConnectionAllowed(allowlist, isPublic, host, port, host)) {
    throw refused('the host is not a public address');
  }
  return url;
}
