/**
 * The hexagon holds: use cases depend on ports only, the domain is pure, and the callback crypto is
 * pure code that the application and the simulator may both import. Checked on the import lines of
 * every file under shared/, so a new adapter import in a use case fails here, not in review.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
export function importsOf(source: string): string[] {
  const found: string[] = [];
  const pattern = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const match of source.matchAll(pattern)) found.push((match[1] ?? match[2] ?? match[3] ?? match[4]) as string);
  return found;
}

/** Where an import lands, as a path under shared/ (or the package name for bare specifiers). */
function target(file: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier;
  return path.relative(path.join(ROOT, 'shared'), path.resolve(path.dirname(file), specifier)).split(path.sep).join('/');
}

interface Rule {
  readonly layer: string;
  readonly allowed: (to: string) => boolean;
  readonly why: string;
}

const rules: Rule[] = [
  {
    layer: 'application',
    allowed: (to) => to.startsWith('application') || to.startsWith('domain') || to.startsWith('crypto') || to === 'node:crypto' || to.startsWith('zod'),
    why: 'use cases depend on ports (shared/application), the domain and the pure crypto module only',
  },
  {
    layer: 'domain',
    // liquidjs: the sandboxed template engine (no file system, no network, no code from templates);
    // rendering with byte budgets is domain logic (shared/domain/templates).
    allowed: (to) => to.startsWith('domain') || to === 'node:crypto' || to.startsWith('zod') || to === 'liquidjs',
    why: 'the domain is pure: no AWS SDK, no platform client, no use case',
  },
  {
    layer: 'crypto',
    allowed: (to) => to.startsWith('crypto') || to.startsWith('node:'),
    why: 'the callback crypto is pure node:crypto code',
  },
];

export function violations(files: readonly string[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    const layer = path.relative(path.join(ROOT, 'shared'), file).split(path.sep)[0];
    const rule = rules.find((r) => r.layer === layer);
    if (!rule) continue;
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      const to = target(file, specifier);
      if (!rule.allowed(to)) out.push(`${path.relative(ROOT, file)} imports ${specifier}: ${rule.why}`);
    }
  }
  return out;
}

describe('the hexagon holds', () => {
  const files = sourceFiles(path.join(ROOT, 'shared'));

  it('reads every layer it guards', () => {
    for (const layer of ['application', 'domain', 'crypto']) {
      expect(files.filter((f) => path.relative(path.join(ROOT, 'shared'), f).startsWith(`${layer}${path.sep}`)).length).toBeGreaterThan(2);
    }
  });

  it('shared/application, shared/domain and shared/crypto import only what their layer may', () => {
    expect(violations(files)).toEqual([]);
  });

  it('names an adapter import in a use case (the check can fail)', () => {
    const sample = path.join(ROOT, 'shared/application/sample.ts');
    const source = "import type { X } from '../adapters/aws/qps-limiter';\nexport { Y } from \"../adapters/wecom/errors\";\nimport('@aws-sdk/client-sqs');";
    const specifiers = importsOf(source);
    expect(specifiers).toEqual(['../adapters/aws/qps-limiter', '../adapters/wecom/errors', '@aws-sdk/client-sqs']);
    const rule = rules[0] as Rule;
    expect(specifiers.map((s) => target(sample, s)).filter((to) => !rule.allowed(to))).toEqual(['adapters/aws/qps-limiter', 'adapters/wecom/errors', '@aws-sdk/client-sqs']);
  });
});
