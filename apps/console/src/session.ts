/**
 * Signing in: an endpointPath and an access key, checked by listing tasks through the SDK. The key
 * lives in memory only, unless the user ticks "remember me": then in this browser's localStorage,
 * and nowhere else. The API is always this page's own origin (`/v1/ai`), which the CSP enforces.
 */
import { ENDPOINT_PATH_PATTERN } from '@vidforge/contract';
import {
  APIError,
  AuthenticationError,
  ConnectionError,
  InvalidRequestError,
  NotFoundError,
  type TaskList,
  Vidforge,
} from '@vidforge/sdk';

export interface Credentials {
  endpointPath: string;
  accessKey: string;
}

export interface Session extends Credentials {
  client: Vidforge;
  /** The first page of the task list, read while checking the credentials. */
  firstPage: TaskList;
}

export const STORAGE_KEY = 'vidforge.console.credentials';
export const PAGE_SIZE = 20;

export function apiBaseUrl(origin: string): string {
  return `${origin}/v1/ai`;
}

export function createClient(credentials: Credentials, origin: string): Vidforge {
  // One attempt waits at most 20 s: the console polls again soon anyway.
  return new Vidforge({ baseUrl: apiBaseUrl(origin), ...credentials, timeoutMs: 20_000 });
}

/** Problems with the form's values, found before anything is sent. */
export function checkCredentials(credentials: Credentials): { endpointPath?: string; accessKey?: string } {
  const problems: { endpointPath?: string; accessKey?: string } = {};
  if (credentials.endpointPath === '') problems.endpointPath = 'Enter the endpoint you were given.';
  else if (!ENDPOINT_PATH_PATTERN.test(credentials.endpointPath)) {
    problems.endpointPath = 'An endpoint is 4 to 64 characters of A–Z, a–z, 0–9, _ and -.';
  }
  if (credentials.accessKey === '') problems.accessKey = 'Enter your access key.';
  return problems;
}

/** A sentence for the sign-in form, by what went wrong. */
export function signInErrorMessage(error: unknown): string {
  if (error instanceof AuthenticationError) {
    return 'Wrong access key: the server does not know this key, or it was revoked.';
  }
  if (error instanceof NotFoundError) {
    return 'Unknown endpoint, or this key has no access to it. Check both with your operator.';
  }
  if (error instanceof ConnectionError) {
    return 'Cannot reach the Vidforge server. Check your connection and try again.';
  }
  if (error instanceof InvalidRequestError) return `The server rejected the sign-in: ${error.message}`;
  if (error instanceof APIError) {
    const status = error.status === undefined ? '' : ` (HTTP ${error.status})`;
    return `The server answered with an error${status}: ${error.message}`;
  }
  return `Sign-in failed: ${error instanceof Error ? error.message : String(error)}`;
}

export async function signIn(credentials: Credentials, origin: string, signal?: AbortSignal): Promise<Session> {
  const client = createClient(credentials, origin);
  const firstPage = await client.listTasksPage({ limit: PAGE_SIZE }, { signal, maxRetries: 1 });
  return { ...credentials, client, firstPage };
}

export function loadRemembered(storage: Storage): Credentials | null {
  try {
    const parsed = JSON.parse(storage.getItem(STORAGE_KEY) ?? 'null') as Partial<Credentials> | null;
    if (typeof parsed?.endpointPath === 'string' && typeof parsed.accessKey === 'string') {
      return { endpointPath: parsed.endpointPath, accessKey: parsed.accessKey };
    }
  } catch {}
  return null;
}

export function remember(storage: Storage, credentials: Credentials): void {
  storage.setItem(STORAGE_KEY, JSON.stringify(credentials));
}

export function forget(storage: Storage): void {
  storage.removeItem(STORAGE_KEY);
}
