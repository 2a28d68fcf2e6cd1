#!/usr/bin/env node
/**
 * Runs a TypeScript entry point: esbuild bundles our sources (packages stay external, so ESM-only
 * packages such as fauxqs keep their native `import()`), then Node runs the bundle.
 * Usage: node scripts/run-ts.js <entry.ts> [args...]
 */
'use strict';
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '..');
// Lambda runs Node 22; the SDK's notice about Node 20 support ending in 2027 is known and documented.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const entry = process.argv[2];
if (!entry) {
  console.error('usage: node scripts/run-ts.js <entry.ts> [args...]');
  process.exit(2);
}
const absoluteEntry = path.resolve(process.cwd(), entry);
const relative = path.relative(root, absoluteEntry).replace(/[\\/]/g, '__').replace(/\.ts$/, '');
const outfile = path.join(root, '.build', 'run', `${relative}.cjs`);

esbuild.buildSync({
  entryPoints: [absoluteEntry],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: 'inline',
  outfile,
  logLevel: 'error',
});
process.argv.splice(1, 2, outfile);
process.setSourceMapsEnabled?.(true);
require(outfile);
