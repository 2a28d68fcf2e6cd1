/**
 * `npm run bench:startup`: time from `npm start` to `ready`, and per function the minified bundle
 * size and the time a fresh `node` process takes to import it. Targets: each bundle within its budget
 * (shared/config/bundle-budgets.ts: 300 KB; notify 340 KB, refresh-card 310 KB), ready ≤ 5 s.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleBudgetBytes } from '../shared/config/bundle-budgets';
import { functionDefinitions } from '../shared/config/functions';
import { bundleFunction, ROOT } from './bundle';

function timeToReady(dataDir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['scripts/run-ts.js', 'scripts/local-stack.ts'], {
      cwd: ROOT,
      env: { ...process.env, DUTYBRIDGE_DATA_DIR: dataDir, PORT: '0', SIM_PORT: '0', SIM_SMTP_PORT: '0' },
    });
    let out = '';
    let ready = false;
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (!ready && /^ready$/m.test(out)) {
        ready = true;
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        child.kill('SIGINT');
        child.on('exit', () => resolve(ms));
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => ready || reject(new Error(`npm start exited ${code} before ready:\n${out}`)));
    setTimeout(() => reject(new Error('not ready within 30 s')), 30_000).unref();
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function processMs(args: string[]): number {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env: { ...process.env, AWS_REGION: 'us-east-1' } });
  if (r.status !== 0) throw new Error(r.stderr.toString());
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function main(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 5);
  const readyTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dutybridge-bench-'));
    try {
      readyTimes.push(await timeToReady(dataDir));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  console.log(`npm start -> ready: median ${median(readyTimes).toFixed(0)} ms over 3 fresh data dirs (${readyTimes.map((t) => t.toFixed(0)).join(', ')}) [target <= 5000 ms]`);

  const baseline = median(Array.from({ length: runs }, () => processMs(['-e', '0'])));
  console.log(`\nnode process baseline (node -e 0): ${baseline.toFixed(1)} ms`);
  console.log('function          bundle KB  budget KB  fresh node + import ms  import only ms');
  const over: string[] = [];
  for (const fn of functionDefinitions) {
    const { file, bytes } = bundleFunction(fn.name);
    const total = median(Array.from({ length: runs }, () => processMs(['-e', `require(${JSON.stringify(file)})`])));
    const budget = bundleBudgetBytes(fn.name);
    if (bytes > budget) over.push(fn.name);
    console.log(`${fn.name.padEnd(17)} ${(bytes / 1024).toFixed(1).padStart(9)}  ${(budget / 1024).toFixed(0).padStart(9)}  ${total.toFixed(1).padStart(22)}  ${(total - baseline).toFixed(1).padStart(14)}`);
  }
  console.log(over.length === 0 ? '\nevery bundle within its budget' : `\nOVER budget: ${over.join(', ')}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
