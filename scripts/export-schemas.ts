/**
 * `npm run schemas`: writes the JSON Schemas of the queue contracts to schemas/ (committed, so
 * producers in other languages can validate). A test checks the committed files are current.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { schemaDocuments } from '../shared/domain/schemas';

const root = path.resolve(__dirname.includes('.build') ? path.join(__dirname, '..', '..') : path.join(__dirname, '..'));
for (const [file, document] of Object.entries(schemaDocuments())) {
  writeFileSync(path.join(root, 'schemas', file), `${JSON.stringify(document, null, 2)}\n`);
  console.log(`schemas/${file}`);
}
