/**
 * Client-side validation with the contract's own schemas, bundled into the page: the messages and
 * field paths are exactly those of the server's 400 `details` (e.g. `settings.seed`).
 */
import { type ErrorDetail, parseWith, REQUEST_SCHEMAS } from '@vidforge/contract';
import type { TaskType } from '@vidforge/sdk';

/** Builds a nested request body from dotted paths; undefined values are left out. */
export function bodyFromPaths(values: Iterable<[string, unknown]>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [path, value] of values) {
    if (value === undefined) continue;
    const keys = path.split('.');
    let node = body;
    for (const key of keys.slice(0, -1)) {
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys.at(-1)!] = value;
  }
  return body;
}

/** Reads a dotted path out of a request (for prefilling a form from a task's request). */
export function valueAt(body: unknown, path: string): unknown {
  let node: unknown = body;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

export function validateRequest(type: TaskType, body: unknown): ErrorDetail[] {
  const result = parseWith(REQUEST_SCHEMAS[type], body);
  return result.ok ? [] : result.details;
}

/**
 * Splits details into those of known fields (the first message per field) and the rest, which the
 * form shows in its summary.
 */
export function placeDetails(
  paths: readonly string[],
  details: readonly ErrorDetail[],
): { byPath: Map<string, string>; unplaced: ErrorDetail[] } {
  const byPath = new Map<string, string>();
  const unplaced: ErrorDetail[] = [];
  for (const detail of details) {
    const path = paths.find((p) => detail.path === p || detail.path.startsWith(`${p}.`));
    if (path === undefined) unplaced.push(detail);
    else if (!byPath.has(path)) byPath.set(path, detail.message);
  }
  return { byPath, unplaced };
}
