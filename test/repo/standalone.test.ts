import path from 'node:path';
import { findOutsideReferences, findOutsideReferencesInRepo, isCheckedFile, trackedCheckedFiles } from '../support/standalone';

const ROOT = path.resolve(__dirname, '../..');
// Samples are assembled from pieces so that this file itself stays clean.
const up = (n: number) => '../'.repeat(n);
const workspace = '/' + 'work' + '/';
const oldVectors = ['shared', 'vectors'].join('/');

describe('the repository stands alone', () => {
  it('no tracked source, test, script, bench or config refers to a path outside the repository', () => {
    const files = trackedCheckedFiles(ROOT);
    // The enumeration really covers the tree (not an empty list that passes trivially).
    expect(files).toEqual(expect.arrayContaining(['package.json', 'cdk.json', '.ci/run', 'jest.config.js', 'scripts/run-ts.js', 'bench/bundle.ts', 'test/support/stack.ts']));
    expect(files.length).toBeGreaterThan(100);
    const found = findOutsideReferencesInRepo(ROOT);
    expect(found.map((f) => `${f.file}:${f.line}: ${f.text} — ${f.why}`)).toEqual([]);
  });

  describe('the checker', () => {
    const check = (file: string, content: string) => findOutsideReferences(ROOT, file, content);

    it('checks code, scripts and configuration', () => {
      for (const f of ['a.ts', 'b.js', 'c.json', 'd.sh', '.ci/run', 'cdk.json', 'package.json']) expect(isCheckedFile(f)).toBe(true);
      expect(isCheckedFile('README.md')).toBe(false);
    });

    it('flags a relative path that climbs above the root from the file\u2019s directory', () => {
      const content = `const v = require('${up(4)}${oldVectors}/wecom.json');`;
      // From test/shared/crypto/ four levels up is the repository's parent.
      const found = check('test/shared/crypto/x.test.ts', `import v from '${up(4)}fixtures/wecom.json';`);
      expect(found).toHaveLength(1);
      expect(found[0].why).toMatch(/climbs above the repository root/);
      expect(check('test/shared/crypto/x.test.ts', content).map((f) => f.why)).toEqual(
        expect.arrayContaining([expect.stringMatching(/shared\/vectors/), expect.stringMatching(/climbs above/)]),
      );
    });

    it('accepts the same relative path when it stays inside the root', () => {
      expect(check('test/shared/crypto/x.test.ts', `import v from '${up(3)}fixtures/vectors/wecom.json';`)).toEqual([]);
      expect(check('test/shared/crypto/x.test.ts', `import { a } from '${up(3)}shared/crypto/wecom';`)).toEqual([]);
      expect(check('x.ts', 'const spread = [...a, ...b]; const s = "a...b";')).toEqual([]);
    });

    it('flags joined path segments that climb out', () => {
      expect(check('scripts/x.ts', "path.join(__dirname, '..', '..', 'other')")).toHaveLength(1);
      expect(check('scripts/x.ts', "path.join(__dirname, '..', 'other')")).toEqual([]);
    });

    it('flags absolute workspace paths and the old out-of-tree folders', () => {
      expect(check('x.json', `{"dir": "${workspace}main/.data"}`)).toHaveLength(1);
      expect(check('x.ts', `const p = '${oldVectors}/x.json';`)).toHaveLength(1);
      expect(check('x.ts', `const p = '${['shared', 'hooks'].join('/')}/pre-commit';`)).toHaveLength(1);
      expect(check('x.ts', `const p = '${['shared', 'research'].join('/')}/notes.md';`)).toHaveLength(1);
    });

    it('flags a shell script that leaves the root through its own directory', () => {
      expect(check('.ci/run', 'cd "$(dirname "$0")/.."')).toEqual([]);
      expect(check('.ci/run', 'cd "$(dirname "$0")/../.."')).toHaveLength(1);
      expect(check('.ci/run', `cd ${up(2)}`)).toHaveLength(1);
    });
  });
});
