/**
 * The official DingTalk SDK (`@alicloud/dingtalk`) is a development tool: the tests and
 * `npm run sdk-models` read its request models. It must never reach a Lambda bundle.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { functionDefinitions, functionEntry } from '../../shared/config/functions';

const ROOT = path.resolve(__dirname, '../..');

describe('@alicloud/dingtalk stays out of the Lambda bundles', () => {
  it('is an exact devDependency, not a dependency', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    expect(pkg.dependencies['@alicloud/dingtalk']).toBeUndefined();
    expect(pkg.devDependencies['@alicloud/dingtalk']).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('no function bundle contains any @alicloud module', () => {
    const all: string[] = [];
    for (const definition of functionDefinitions) {
      const { metafile } = buildSync({
        entryPoints: [path.join(ROOT, functionEntry(definition.name))],
        bundle: true,
        platform: 'node',
        target: 'node22',
        format: 'cjs',
        external: ['@aws-sdk/*'],
        write: false,
        metafile: true,
        logLevel: 'error',
      });
      const inputs = Object.keys(metafile.inputs);
      all.push(...inputs);
      expect([definition.name, inputs.filter((input) => input.includes('@alicloud'))]).toEqual([definition.name, []]);
    }
    // The bundles are real: the DingTalk client and third-party packages are in them.
    expect(all).toEqual(expect.arrayContaining(['shared/adapters/dingtalk/client.ts']));
    expect(all.some((input) => input.startsWith('node_modules/'))).toBe(true);
  });
});
