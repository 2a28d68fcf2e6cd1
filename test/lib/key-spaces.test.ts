/**
 * The key spaces in shared/config/functions.ts are what IAM grants (dynamodb:LeadingKeys). An
 * adapter that starts writing a new partition-key prefix would be refused by IAM in AWS while
 * every local test passes, so this reads the adapters' key literals and fails until the prefix
 * is declared (or named here as a sort-key prefix).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { functionDefinitions, keySpaces } from '../../shared/config/functions';
import { stateTable } from '../../shared/config/resources';

const ADAPTERS = path.resolve(__dirname, '../../shared/adapters/aws');
/** Prefixes the adapters use only in sort keys (or in the incident index's sk). */
const SORT_KEY_ONLY = ['EMAIL#', 'GROUP#', 'MONTH#', 'USER#'];

function keyLiteralPrefixes(source: string): string[] {
  return [...source.matchAll(/[`'"]([A-Z][A-Z_]*#)/g)].map((match) => match[1]);
}

describe('state-table key spaces', () => {
  const declared = new Set(
    Object.values(keySpaces).flatMap((keySpace) => keySpace.partitionKeys.map((pattern) => pattern.replace(/#.*$/, '#'))),
  );

  it('cover every partition-key prefix an adapter composes', () => {
    const files = readdirSync(ADAPTERS).filter((name) => name.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    const undeclared = files.flatMap((file) =>
      keyLiteralPrefixes(readFileSync(path.join(ADAPTERS, file), 'utf8'))
        .filter((prefix) => !declared.has(prefix) && !SORT_KEY_ONLY.includes(prefix))
        .map((prefix) => `${file}: ${prefix}`),
    );
    expect(undeclared).toEqual([]);
  });

  it('would name a new prefix (the check can fail)', () => {
    const found = keyLiteralPrefixes("const key = { pk: `WIDGET#${id}`, sk: 'META' };");
    expect(found.filter((prefix) => !declared.has(prefix))).toEqual(['WIDGET#']);
  });

  it('are patterns IAM can match: a prefix and a trailing wildcard (or the fixed list key)', () => {
    for (const keySpace of Object.values(keySpaces)) {
      for (const pattern of keySpace.partitionKeys) expect(pattern).toMatch(/^([A-Z]+#[A-Za-z#:]*\*|INTEGRATIONS)$/);
      expect(keySpace.actions.length).toBeGreaterThan(0);
    }
  });

  it('name only indexes the table has, and every function’s access is declared', () => {
    const indexes = stateTable.globalSecondaryIndexes.map((index) => index.indexName);
    for (const keySpace of Object.values(keySpaces) as { index?: string }[]) {
      if (keySpace.index !== undefined) expect(indexes).toContain(keySpace.index);
    }
    for (const definition of functionDefinitions) expect(definition.access).toBeDefined();
  });
});
