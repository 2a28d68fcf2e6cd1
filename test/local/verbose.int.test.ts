/**
 * `npm start -- --verbose` prints one summary line per outcome of a delivery (issue 12 item 6);
 * without it, none. Child processes as a user runs them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cleanEnv, collectLines, repoRoot, spawnLocalStack } from '../support/child-process';

jest.setTimeout(90_000);

async function demoRun(args: string[]): Promise<string[]> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dutybridge-verbose-'));
  const env = cleanEnv(['npm_config_loglevel']);
  const child = spawnLocalStack(args, { ...env, DUTYBRIDGE_DATA_DIR: dataDir, PORT: '0', SIM_PORT: '0', SIM_SMTP_PORT: '0' });
  const lines: string[] = [];
  collectLines(child.stdout, lines);
  try {
    const deadline = Date.now() + 30_000;
    while (!lines.includes('ready')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`not ready:\n${lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const demo = spawnSync(process.execPath, ['bin/dutybridge.js', 'demo-incident', '--title', 'Verbose check'], { cwd: repoRoot, env: { ...env, DUTYBRIDGE_DATA_DIR: dataDir }, encoding: 'utf8' });
    expect(demo.status).toBe(0);
    const incident = /for (DEMO-\w+)/.exec(demo.stdout)![1];
    // The demo's DingTalk card goes through dispatch; wait for it (or give up after 15 s: the non-verbose run has nothing to wait for).
    const until = Date.now() + (args.includes('--verbose') ? 20_000 : 6_000);
    while (Date.now() < until && !lines.some((l) => l.includes('DingTalk call dispatched') && l.includes(incident))) await new Promise((r) => setTimeout(r, 200));
    return lines.map((l) => l.replace(incident, 'DEMO-X'));
  } finally {
    await new Promise((r) => {
      child.on('exit', r);
      child.kill('SIGINT');
    });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

it('--verbose: one line per outcome of the demo incident, with incident and integration', async () => {
  const lines = await demoRun(['--verbose']);
  expect(lines).toContainEqual(expect.stringMatching(/^\d\d:\d\d:\d\d notify +incident event processed: applied {2}incident=DEMO-X integration=demo-wecom,demo-dingtalk type=incident.triggered$/));
  expect(lines).toContainEqual(expect.stringMatching(/^\d\d:\d\d:\d\d dispatch +DingTalk call dispatched: sent {2}incident=DEMO-X integration=demo-dingtalk kind=/));
});

it('off by default', async () => {
  const lines = await demoRun([]);
  expect(lines.filter((l) => /incident event processed|DingTalk call dispatched/.test(l))).toEqual([]);
});
