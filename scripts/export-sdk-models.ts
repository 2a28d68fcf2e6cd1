/**
 * `npm run sdk-models`: writes sim/dingtalk/sdk-models.json, the field trees of the DingTalk SDK
 * request models the simulator validates request bodies with (committed: the simulator also runs
 * under `npm start` and never loads the SDK). A test checks the file matches the installed SDK.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sdkModelSnapshotFromSdk } from './dingtalk-sdk-models';

export const SDK_MODELS_FILE = path.join('sim', 'dingtalk', 'sdk-models.json');

// The repository root: this script runs from an esbuild bundle under .build/, so walk up to package.json.
let root = __dirname;
while (!existsSync(path.join(root, 'package.json')) && path.dirname(root) !== root) root = path.dirname(root);

void sdkModelSnapshotFromSdk().then(
  (snapshot) => {
    writeFileSync(path.join(root, SDK_MODELS_FILE), `${JSON.stringify(snapshot, null, 2)}\n`);
    console.log(`${SDK_MODELS_FILE}: ${snapshot.requests.map((r) => r.name).join(', ')} from ${snapshot.sdk}`);
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
