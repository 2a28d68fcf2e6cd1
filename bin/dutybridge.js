#!/usr/bin/env node
// The `dutybridge` CLI: bundles cli/main.ts on the fly (esbuild, ~50 ms) and runs it.
'use strict';
const path = require('node:path');
process.argv.splice(2, 0, path.join(__dirname, '..', 'cli', 'main.ts'));
require('../scripts/run-ts.js');
