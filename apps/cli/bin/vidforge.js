#!/usr/bin/env node
// Vidforge runs its TypeScript sources on Node 24's type stripping. npm and npx put the pinned
// Node 24 (the `node` devDependency) first on PATH; a bare older node gets a clear message instead.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `vidforge needs Node.js 24 or newer (this is ${process.version}). Run it through npm or npx in the ` +
      'repository (`npx vidforge ...`), which uses the Node 24 that `npm ci` installs.',
  );
  process.exit(2);
}
await import('../src/main.ts');
