/** Bundles a function the way the CDK construct does (esbuild, minified, CJS, AWS SDK v3 external as on Lambda). */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { functionEntry } from '../shared/config/functions';

/** The repository root (bench scripts run from an esbuild bundle under .build/, so walk up to package.json). */
export const ROOT = ((): string => {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
})();

export function bundleFunction(name: string): { file: string; bytes: number } {
  const file = path.join(ROOT, '.build', 'bench', `${name}.js`);
  buildSync({
    entryPoints: [path.join(ROOT, functionEntry(name))],
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    // The Node 22 Lambda runtime ships the AWS SDK v3.
    external: ['@aws-sdk/*'],
    outfile: file,
    logLevel: 'error',
  });
  return { file, bytes: statSync(file).size };
}
