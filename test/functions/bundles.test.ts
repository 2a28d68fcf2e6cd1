/**
 * Every Lambda function in shared/config/functions.ts bundles with esbuild the way the CDK construct
 * bundles it (lib/constructs/dutybridge-function.ts: minified CJS for node22 with an external source
 * map; the AWS SDK v3, and with cdk.json's sdkV3ExcludeSmithyPackages flag Smithy too, left to the
 * Lambda runtime), each within its budget (shared/config/bundle-budgets.ts: 300 KB; notify 340 KB, refresh-card 310 KB, as the
 * README and `npm run bench:startup` say), loads and
 * exports `handler`, and carries none of the repository's non-Lambda code or dev dependencies.
 * All bundles are built in parallel into a temporary folder under .build/ (so that the externals
 * resolve from node_modules when loaded).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { bundleBudgetBytes, DEFAULT_BUNDLE_BUDGET_BYTES } from '../../shared/config/bundle-budgets';
import { functionDefinitions, functionEntry } from '../../shared/config/functions';

jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, '../..');

const cdkContext = (JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
const externals = cdkContext['@aws-cdk/aws-lambda-nodejs:sdkV3ExcludeSmithyPackages'] === true ? ['@aws-sdk/*', '@smithy/*'] : ['@aws-sdk/*'];
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

interface Bundle {
  readonly name: string;
  readonly file: string;
  readonly bytes: number;
  readonly metafile: Metafile;
}

let outdir: string;
let bundles: Bundle[];

beforeAll(async () => {
  mkdirSync(path.join(ROOT, '.build'), { recursive: true });
  outdir = mkdtempSync(path.join(ROOT, '.build', 'bundles-'));
  bundles = await Promise.all(
    functionDefinitions.map(async ({ name }) => {
      const file = path.join(outdir, name, 'index.js');
      const result = await build({
        entryPoints: [path.join(ROOT, functionEntry(name))],
        bundle: true,
        minify: true,
        sourcemap: true,
        platform: 'node',
        target: 'node22',
        format: 'cjs',
        external: externals,
        outfile: file,
        metafile: true,
        logLevel: 'silent',
      });
      return { name, file, bytes: statSync(file).size, metafile: result.metafile };
    }),
  );
});
afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

it('bundles every function of the one definition', () => {
  expect(bundles.map((b) => b.name).sort()).toEqual(functionDefinitions.map((f) => f.name).sort());
  expect(bundles.length).toBeGreaterThanOrEqual(9);
});

it('keeps every bundle within its budget', () => {
  const sizes = Object.fromEntries(bundles.map((b) => [b.name, b.bytes]));
  const over = Object.entries(sizes).filter(([name, bytes]) => bytes > bundleBudgetBytes(name));
  expect(over).toEqual([]);
  // Only notify and refresh-card (both card flows, the template engine; notify also group bots) have more than the default.
  expect(functionDefinitions.filter((f) => bundleBudgetBytes(f.name) !== DEFAULT_BUNDLE_BUDGET_BYTES).map((f) => f.name)).toEqual(['notify', 'refresh-card']);
  // Sanity: real bundles (healthz is tiny; the callback functions carry crypto, zod, Powertools).
  for (const bytes of Object.values(sizes)) expect(bytes).toBeGreaterThan(200);
  expect(sizes['wecom-callback']).toBeGreaterThan(20 * 1024);
});

it('bundles only Lambda code and production dependencies', () => {
  for (const b of bundles) {
    const inputs = Object.keys(b.metafile.inputs);
    const ours = inputs.filter((i) => !i.includes('node_modules/'));
    const foreign = ours.filter((i) => !/^(functions|shared)\//.test(path.relative(ROOT, path.resolve(process.cwd(), i))));
    expect({ fn: b.name, foreign }).toEqual({ fn: b.name, foreign: [] });
    const packages = new Set(
      inputs
        .map((i) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(i)?.[1])
        .filter((p): p is string => p !== undefined)
        .map((p) => p),
    );
    const notProduction = [...packages].filter((p) => !(p in pkg.dependencies) && p in pkg.devDependencies);
    expect({ fn: b.name, notProduction }).toEqual({ fn: b.name, notProduction: [] });
  }
});

it('each bundle loads in a fresh node and exports handler', async () => {
  const run = promisify(execFile);
  await Promise.all(
    bundles.map(async (b) => {
      const { stdout } = await run(process.execPath, ['-e', `process.stdout.write(typeof require(${JSON.stringify(b.file)}).handler)`], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1' },
      });
      expect({ fn: b.name, handler: stdout }).toEqual({ fn: b.name, handler: 'function' });
    }),
  );
});
