/**
 * The committed OpenAPI document is valid for an independent validator (@readme/openapi-parser,
 * which follows every $ref): client generators and linters can read it. zod's `__shared#/$defs`
 * references once made it unreadable for them.
 */
import { readFile } from 'node:fs/promises';
import { validate } from '@readme/openapi-parser';
import { expect, it } from 'vitest';

it('the committed openapi/openapi.json validates, every reference resolving', async () => {
  const document = JSON.parse(await readFile(new URL('../../../openapi/openapi.json', import.meta.url), 'utf8'));
  const result = await validate(document);
  expect(result, JSON.stringify(result)).toMatchObject({ valid: true });
  expect(JSON.stringify(document)).not.toContain('__shared');
});
