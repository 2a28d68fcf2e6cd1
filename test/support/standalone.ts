/**
 * The repository stands alone: no tracked source, test, script, bench or config file may refer to
 * a path outside the repository (an absolute workspace path, a relative path that climbs above the
 * root, or the old out-of-tree fixture folders).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface OutsideReference {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  readonly why: string;
}

/** Files whose contents are checked: code, tests, scripts, benches and configuration. */
export function isCheckedFile(file: string): boolean {
  return /\.(ts|js|cjs|mjs|json|sh)$/.test(file) || ['.ci/run', 'cdk.json', 'package.json'].includes(file);
}

/** Tracked files (as `git ls-files` lists them) that exist in the working tree and are checked. */
export function trackedCheckedFiles(root: string): string[] {
  const out = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' });
  return out
    .split('\0')
    .filter((f) => f && isCheckedFile(f) && existsSync(path.join(root, f)));
}

// Built from pieces so that this file does not itself contain what it looks for.
const OLD_FOLDERS = ['vectors', 'research', 'hooks'].map((name) => ['shared', name].join('/'));
const PATH_CHAR = String.raw`[\w@.+\-]`;
/** `.`/`..` at the start of a path-like token, followed by more segments (`../a/b`, `./x`, `..`). */
const RELATIVE_TOKEN = new RegExp(String.raw`(?<![\w@.+\-/$])(\.\.?(?:/${PATH_CHAR}*)*)(?!${PATH_CHAR})`, 'g');
/** Consecutive string-literal arguments, as in `path.join(__dirname, '..', '..', 'x')`. */
const LITERAL_LIST = /(['"`])([^'"`\n$]*)\1(?:\s*,\s*(['"`])([^'"`\n$]*)\3)+/g;
/** Shell: `$(dirname "$0")/..` or `$(dirname $0)/../x`. */
const SHELL_DIRNAME = /\$\(dirname\s+"?\$0"?\)(\/[\w@.+\-/]*)/g;

function lineOf(content: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (content.charCodeAt(i) === 10) line++;
  return line;
}

function escapes(root: string, fileDir: string, relative: string): boolean {
  const resolved = path.resolve(fileDir, relative);
  const rel = path.relative(root, resolved);
  return rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);
}

/**
 * The references to paths outside `root` in one file's contents. `file` is the file's path
 * relative to `root`; relative paths are resolved against the file's own directory.
 */
export function findOutsideReferences(root: string, file: string, content: string): OutsideReference[] {
  const found: OutsideReference[] = [];
  const fileDir = path.resolve(root, path.dirname(file));
  const add = (index: number, text: string, why: string) => found.push({ file, line: lineOf(content, index), text, why });

  // Absolute paths into the workspace that holds this checkout (its parent folder), or into the
  // checkout itself by its absolute name.
  const absRoot = path.resolve(root);
  const workspace = path.dirname(absRoot);
  const absolutes = new Set([absRoot + '/', workspace === '/' ? '' : workspace + '/', '/' + 'work' + '/'].filter(Boolean));
  const seen = new Set<number>();
  for (const needle of absolutes) {
    for (let i = content.indexOf(needle); i >= 0; i = content.indexOf(needle, i + 1)) {
      // The workspace folder inside a longer relative path (`src/<name>/x`) is not an absolute path.
      if ((i > 0 && /[\w@.+\-]/.test(content[i - 1])) || seen.has(i)) continue;
      seen.add(i);
      add(i, content.slice(i, i + 60).split(/\s/)[0], `absolute path outside the repository (${needle})`);
    }
  }

  for (const old of OLD_FOLDERS) {
    for (let i = content.indexOf(old); i >= 0; i = content.indexOf(old, i + 1)) {
      add(i, content.slice(i, i + 60).split(/\s/)[0], `refers to ${old}, which is not part of the repository`);
    }
  }

  for (const m of content.matchAll(RELATIVE_TOKEN)) {
    const token = m[1];
    if (!token.split('/').includes('..')) continue;
    if (escapes(root, fileDir, token)) add(m.index!, token, `relative path climbs above the repository root (from ${path.dirname(file)}/)`);
  }

  for (const m of content.matchAll(LITERAL_LIST)) {
    const parts = [...m[0].matchAll(/(['"`])([^'"`\n$]*)\1/g)].map((p) => p[2]);
    const joined = path.posix.join(...parts);
    if (!joined.split('/').includes('..') || path.posix.isAbsolute(joined)) continue;
    if (escapes(root, fileDir, joined)) add(m.index!, m[0], `joined path ${joined} climbs above the repository root (from ${path.dirname(file)}/)`);
  }

  for (const m of content.matchAll(SHELL_DIRNAME)) {
    if (escapes(root, fileDir, '.' + m[1])) add(m.index!, m[0], 'script-relative path climbs above the repository root');
  }

  return found;
}

/** Every outside reference in the tracked, checked files of the repository at `root`. */
export function findOutsideReferencesInRepo(root: string): OutsideReference[] {
  return trackedCheckedFiles(root).flatMap((file) => findOutsideReferences(root, file, readFileSync(path.join(root, file), 'utf8')));
}
