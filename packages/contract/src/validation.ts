/**
 * Turning zod issues into the `details` of an INVALID_PARAMETER error, shared by the server and by
 * clients that validate before sending (SDK, console).
 */
import type { z } from 'zod';
import type { ErrorDetail } from './errors.ts';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; details: ErrorDetail[] };

export function parseWith<S extends z.ZodType>(schema: S, input: unknown): ParseResult<z.infer<S>> {
  // reportInput lets a missing field ("is required") be told from a wrong type.
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, details: result.error.issues.flatMap(toDetails) };
}

function toDetails(issue: z.core.$ZodIssue): ErrorDetail[] {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: path ? `${path}.${key}` : key,
      message: `unknown field "${key}"`,
    }));
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return [{ path, message: 'is required' }];
  }
  // One wording for every enum, the same one the CLI uses for its own flags (zod's own reads
  // "Invalid option: expected one of …"); a schema's own message for the same issue is kept.
  if (issue.code === 'invalid_value' && issue.message.startsWith('Invalid option')) {
    return [{ path, message: `must be one of ${issue.values.map(String).join(', ')}` }];
  }
  return [{ path, message: issue.message }];
}

/** One human sentence naming every problem, e.g. for the error's `message`. */
export function summarize(details: ErrorDetail[]): string {
  return details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ');
}
