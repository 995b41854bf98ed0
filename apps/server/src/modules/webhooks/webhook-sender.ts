/**
 * One POST of a signed webhook, through the same SSRF guard as source fetching: the URL's shape,
 * scheme and port are checked first (`checkSourceUrl`), and the address rule is enforced where
 * the connection is made (the guarded agent), with `VIDFORGE_FETCH_ALLOW` as the only exceptions.
 * Redirects are never followed (a 3xx is a failed attempt: a receiver that moved must be
 * re-registered, and following would let a public receiver bounce us to an internal address).
 * The whole attempt, connect to last byte, is bounded by `timeoutMs`; the answer's body is read
 * up to 64 KiB and dropped.
 */
import { request } from 'undici';
import { EngineError } from '../../engines/engine.ts';
import type { Allowlist } from '../media/fetch-allowlist.ts';
import { ADDRESS_REFUSED, createGuardedAgent, type LookupAll } from '../media/guarded-agent.ts';
import { isPublicAddress } from '../media/ip-address.ts';
import { checkSourceUrl } from '../media/source-url.ts';

const MAX_ANSWER_BYTES = 64 * 1024;
const USER_AGENT = 'Vidforge-webhooks/0.1';

export interface SendResult {
  /** The receiver's status, or null when no answer came. */
  statusCode: number | null;
  /** Why it is not delivered; null on a 2xx. */
  error: string | null;
  /** The SSRF guard refused the URL: nothing was sent. */
  refused: boolean;
}

export type WebhookSend = (url: string, headers: Record<string, string>, body: string) => Promise<SendResult>;

export interface WebhookSenderOptions {
  allowlist: Allowlist;
  timeoutMs: number;
  /** Injectable for tests only, as in the safe fetcher. */
  isPublic?: (address: string) => boolean;
  lookup?: LookupAll;
}

export function createWebhookSender(options: WebhookSenderOptions): WebhookSend {
  const isPublic = options.isPublic ?? isPublicAddress;
  return async (url, headers, body) => {
    let target: URL;
    try {
      target = checkSourceUrl(url, options.allowlist, isPublic);
    } catch (error) {
      const reason = error instanceof EngineError ? error.message.replace(/^source URL refused: /, '') : 'invalid URL';
      return { statusCode: null, error: `refused: ${reason}`, refused: true };
    }
    const agent = createGuardedAgent({
      allowlist: options.allowlist,
      isPublic,
      lookup: options.lookup,
      connectTimeoutMs: options.timeoutMs,
      idleTimeoutMs: options.timeoutMs,
      maxResponseBytes: MAX_ANSWER_BYTES,
    });
    try {
      const response = await request(target, {
        dispatcher: agent,
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'user-agent': USER_AGENT },
        body,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      await response.body.dump({ limit: MAX_ANSWER_BYTES }).catch(() => {});
      const code = response.statusCode;
      if (code >= 200 && code < 300) return { statusCode: code, error: null, refused: false };
      const error = code >= 300 && code < 400 ? `HTTP ${code}: redirects are not followed` : `HTTP ${code}`;
      return { statusCode: code, error, refused: false };
    } catch (error) {
      return describeFailure(error, options.timeoutMs);
    } finally {
      await agent.destroy().catch(() => {});
    }
  };
}

function describeFailure(error: unknown, timeoutMs: number): SendResult {
  const err = error as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  const code = err.code ?? err.cause?.code;
  if (code === ADDRESS_REFUSED) {
    return {
      statusCode: null,
      error: 'refused: the host resolves to an address that is not allowed (see VIDFORGE_FETCH_ALLOW)',
      refused: true,
    };
  }
  if (
    err.name === 'TimeoutError' ||
    err.name === 'AbortError' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT'
  ) {
    return { statusCode: null, error: `no answer within ${timeoutMs} ms`, refused: false };
  }
  return { statusCode: null, error: `cannot connect: ${code ?? err.message ?? 'unknown error'}`, refused: false };
}
