/**
 * The SourceFetcher port: downloads a caller's source URL into the task's work directory and
 * accepts it only if it is media of the expected kind within the limits.
 *
 * Redirects are followed by hand (at most `fetchMaxRedirects`), each hop re-checked; the connect-time
 * address rule lives in the guarded agent. The size limit is enforced while streaming (nothing is
 * buffered beyond the first bytes used to sniff the type), with a total deadline on top of the idle
 * timeouts, because idle timeouts alone never stop a slow trickle.
 */
import { rm } from 'node:fs/promises';
import type { TaskErrorCode } from '@vidforge/contract';
import { request } from 'undici';
import { EngineError, type SourceKind } from '../../engines/engine.ts';
import type { SourceFetcher } from '../../ports/source-fetcher.ts';
import { classifyFetchError, type FetchPhase, sourceTooLarge } from './fetch-errors.ts';
import { createGuardedAgent, type LookupAll } from './guarded-agent.ts';
import { isPublicAddress } from './ip-address.ts';
import type { MediaConfig } from './media.config.ts';
import type { MediaRunObserver } from './media-process.ts';
import { discard, partPathIn, type ReceivedMedia, receiveSource } from './source-file.ts';
import { bareHost, checkSourceUrl, effectivePort, refused } from './source-url.ts';

/** The media settings, plus test-only injections. */
export interface SafeFetcherOptions extends MediaConfig {
  /** DNS resolution; injectable so tests can simulate hostile resolvers. */
  lookup?: LookupAll;
  /** The public-address rule; injectable for tests only. */
  isPublic?: (address: string) => boolean;
  /** Told about every download and its ffprobe run (metrics). */
  observer?: FetchObserver;
}

/** One ended download: the body bytes that arrived, and `ok` or the task error code it failed with. */
export interface SourceFetch {
  kind: SourceKind;
  bytes: number;
  result: 'ok' | 'aborted' | TaskErrorCode;
}

export interface FetchObserver {
  fetched(fetch: SourceFetch): void;
  processRan: MediaRunObserver;
}

/** Per-fetch options, for a download the server makes for itself (an upstream engine's result). */
export interface FetchOptions {
  /** Sent to the first URL's origin only: dropped after a redirect to any other origin. */
  headers?: Record<string, string>;
  /** When given, the URL and every redirect must be on one of these `host:port` (lower case). */
  onlyHosts?: readonly string[];
}

/** `host:port` of a URL as `onlyHosts` lists it. */
export const hostPortOf = (url: URL) => `${bareHost(url).toLowerCase()}:${effectivePort(url)}`;

export type SafeFetcher = SourceFetcher & {
  fetch(
    url: string,
    kind: SourceKind,
    dir: string,
    signal: AbortSignal,
    options?: FetchOptions,
  ): Promise<ReceivedMedia>;
};

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const USER_AGENT = 'Vidforge-source-fetcher/0.1';

export function createSafeFetcher(options: SafeFetcherOptions): SafeFetcher {
  const config = options;
  const isPublic = options.isPublic ?? isPublicAddress;

  return {
    async fetch(
      url: string,
      kind: SourceKind,
      dir: string,
      signal: AbortSignal,
      extra: FetchOptions = {},
    ): Promise<ReceivedMedia> {
      const maxBytes = kind === 'image' ? config.imageMaxBytes : config.videoMaxBytes;
      const deadline = AbortSignal.timeout(config.fetchTimeoutMs);
      const combined = AbortSignal.any([signal, deadline]);
      // One agent per fetch: no connection or DNS state is shared between callers' URLs.
      const agent = createGuardedAgent({
        allowlist: config.fetchAllow,
        isPublic,
        lookup: options.lookup,
        connectTimeoutMs: config.fetchConnectTimeoutMs,
        idleTimeoutMs: config.fetchIdleTimeoutMs,
        maxResponseBytes: maxBytes,
      });
      const partPath = partPathIn(dir);
      let phase: FetchPhase = 'connect';
      let bytes = 0;
      let result: SourceFetch['result'] = 'ok';
      try {
        const checked = (text: string, base?: URL) => {
          const next = checkSourceUrl(text, config.fetchAllow, isPublic, base);
          if (extra.onlyHosts && !extra.onlyHosts.includes(hostPortOf(next))) {
            throw refused(`${next.host} is not one of the hosts this download may use`);
          }
          return next;
        };
        let target = checked(url);
        const origin = target.origin;
        for (let hop = 0; ; hop++) {
          phase = 'connect';
          const response = await request(target, {
            dispatcher: agent,
            method: 'GET',
            headers: {
              ...(target.origin === origin ? extra.headers : {}),
              'accept-encoding': 'identity',
              accept: '*/*',
              'user-agent': USER_AGENT,
            },
            signal: combined,
          });
          if (REDIRECTS.has(response.statusCode)) {
            discard(response.body);
            const location = response.headers.location;
            if (typeof location !== 'string' || location === '') {
              throw fetchFailed(`the source answered HTTP ${response.statusCode} without a Location`, false);
            }
            if (hop >= config.fetchMaxRedirects) {
              throw fetchFailed(`more than ${config.fetchMaxRedirects} redirects`, false);
            }
            target = checked(location, target);
            continue;
          }
          if (response.statusCode !== 200) {
            discard(response.body);
            const status = response.statusCode;
            // Only server-side trouble may go away by itself.
            const retryable = status >= 500 || status === 429 || status === 408;
            throw fetchFailed(`the source answered HTTP ${status}`, retryable);
          }
          const encoding = response.headers['content-encoding'];
          if (encoding !== undefined && String(encoding).toLowerCase() !== 'identity') {
            discard(response.body);
            throw new EngineError(
              'SOURCE_UNSUPPORTED',
              'the source was sent compressed (Content-Encoding); serve it as is',
            );
          }
          const declared = Number(response.headers['content-length']);
          if (Number.isFinite(declared) && declared > maxBytes) {
            discard(response.body);
            throw sourceTooLarge(kind, maxBytes);
          }
          phase = 'body';
          const throughput = {
            minBytesPerSecond: config.fetchMinBytesPerSecond,
            windowMs: config.fetchThroughputWindowMs,
          };
          return await receiveSource(
            response.body,
            {
              ...{ dir, partPath, kind, maxBytes, config, signal, throughput },
              onReceived: (n) => {
                bytes += n;
              },
              observe: options.observer?.processRan,
            },
            () => {
              phase = 'inspect';
            },
          );
        }
      } catch (error) {
        await rm(partPath, { force: true });
        result = 'aborted';
        if (signal.aborted) throw signal.reason;
        const failure = classifyFetchError(error, {
          phase,
          deadline,
          timeoutMs: config.fetchTimeoutMs,
          kind,
          maxBytes,
        });
        result = failure instanceof EngineError ? failure.code : 'INTERNAL_ERROR';
        throw failure;
      } finally {
        options.observer?.fetched({ kind, bytes, result });
        await agent.destroy().catch(() => {});
      }
    },
  };
}

function fetchFailed(reason: string, retryable: boolean): EngineError {
  return new EngineError('SOURCE_FETCH_FAILED', `cannot fetch the source: ${reason}`, { retryable });
}
