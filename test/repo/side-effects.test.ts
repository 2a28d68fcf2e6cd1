/**
 * package.json declares which of our modules have side effects when imported (`sideEffects`), so
 * that esbuild drops every module a function imports but never uses (the composition wires all use
 * cases, and without the hint each Lambda carried the others' libraries: liquidjs in the callbacks,
 * fast-xml-parser in notify). The declaration must name every module imported only for its side
 * effects (`import './x'`), or bundling would silently drop it (local/env-defaults sets the local
 * stack's environment before anything reads it).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const SOURCE_DIRS = ['functions', 'shared', 'lib', 'bin', 'local', 'sim', 'cli', 'bench', 'scripts'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(full);
    return /\.(ts|js)$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

function resolveTs(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, `${base}.js`, path.join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not this one
    }
  }
  throw new Error(`${path.relative(ROOT, from)}: cannot resolve ${specifier}`);
}

it('names every module imported only for its side effects, and nothing else', () => {
  const declared = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { sideEffects: unknown }).sideEffects;
  expect(Array.isArray(declared)).toBe(true);
  const sideEffectOnly = new Set<string>();
  for (const dir of SOURCE_DIRS) {
    let files: string[];
    try {
      files = sourceFiles(path.join(ROOT, dir));
    } catch {
      continue; // a folder this checkout does not have
    }
    for (const file of files) {
      for (const match of readFileSync(file, 'utf8').matchAll(/^\s*import\s+['"](\.[^'"]+)['"]/gm)) {
        sideEffectOnly.add(`./${path.relative(ROOT, resolveTs(file, match[1] as string)).split(path.sep).join('/')}`);
      }
    }
  }
  expect(sideEffectOnly.size).toBeGreaterThan(0);
  expect([...(declared as string[])].sort()).toEqual([...sideEffectOnly].sort());
});
