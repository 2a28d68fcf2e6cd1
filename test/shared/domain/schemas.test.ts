import { readFileSync } from 'node:fs';
import path from 'node:path';
import { schemaDocuments } from '../../../shared/domain/schemas';

it('the committed JSON Schemas under schemas/ match the zod contracts (run `npm run schemas`)', () => {
  for (const [file, document] of Object.entries(schemaDocuments())) {
    const committed = JSON.parse(readFileSync(path.resolve(__dirname, '../../../schemas', file), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(document)));
  }
});
