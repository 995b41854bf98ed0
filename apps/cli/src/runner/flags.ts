/** Flag values shared by `vidforge runner` and `vidforge runners create`, checked before anything runs. */
import { ENGINE_FAMILY_PATTERN, TASK_TYPES } from '@vidforge/contract';
import { usageError } from '../cli-error.ts';

/** `a,b` → ['a', 'b'], each checked; undefined when the flag is absent. */
export function listFlag(flag: string, text: string | undefined, check: (item: string) => string | null) {
  if (text === undefined) return undefined;
  const items = [...new Set(text.split(',').map((s) => s.trim()))];
  if (items.length === 0 || items.includes('')) throw usageError(`--${flag}: give a comma-separated list, e.g. a,b`);
  for (const item of items) {
    const problem = check(item);
    if (problem) throw usageError(`--${flag}: ${problem}`);
  }
  return items;
}

export const checkFamily = (family: string) =>
  ENGINE_FAMILY_PATTERN.test(family)
    ? null
    : `"${family}" is not an engine family name (1-64 of a-z 0-9 . _ -, starting with a letter or digit)`;

export const checkOperation = (operation: string) =>
  (TASK_TYPES as readonly string[]).includes(operation)
    ? null
    : `"${operation}" is not an operation (one of ${TASK_TYPES.join(', ')})`;

export function integerFlag(flag: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
    throw usageError(`--${flag}: must be a whole number from ${min} to ${max}`);
  }
  return value;
}
