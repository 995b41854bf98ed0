/**
 * Writes the committed OpenAPI document, or with `--check` fails when it differs from what the
 * schemas generate (run by `npm test`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { buildOpenApiDocument } from './document.ts';

const target = new URL('../../../../openapi/openapi.json', import.meta.url);
const generated = `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;

if (process.argv.includes('--check')) {
  let committed = '';
  try {
    committed = readFileSync(target, 'utf8');
  } catch {}
  if (committed !== generated) {
    console.error(
      'openapi/openapi.json is out of date with the contract schemas: run `npm run openapi` and commit it.',
    );
    process.exit(1);
  }
  console.log('openapi/openapi.json is up to date');
} else {
  writeFileSync(target, generated);
  console.log(`wrote ${target.pathname}`);
}
