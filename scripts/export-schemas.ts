/**
 * `npm run schemas`: writes the JSON Schemas of the queue contracts to schemas/ (committed, so
 * producers in other languages can validate). A test checks the committed files are current.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { schemaDocuments } from '../shared/domain/schemas';

// The repository root: this script runs from source or from an esbuild bundle under .build/, so
// walk up from its directory to package.json.
let root = __dirname;
while (!existsSync(path.join(root, 'package.json')) && path.dirname(root) !== root) root = path.dirname(root);
for (const [file, document] of Object.entries(schemaDocuments())) {
  writeFileSync(path.join(root, 'schemas', file), `${JSON.stringify(document, null, 2)}\n`);
  console.log(`schemas/${file}`);
}
