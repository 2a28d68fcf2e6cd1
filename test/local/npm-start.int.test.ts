/**
 * The README's run command, end to end: `npm start` in a child process on ephemeral ports prints its
 * URLs then `ready`, serves /healthz, the demo integrations exist, the CLI adds an integration whose
 * callback URL answers, state survives a restart, and SIGINT stops everything cleanly.
 */
import { spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { collectLines, repoRoot, spawnLocalStack } from '../support/child-process';
import { CookieJar } from '../support/cookie-jar';

jest.setTimeout(60_000);

interface Running {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  gateway: string;
  simulator: string;
}

function start(dataDir: string): Promise<Running> {
  const child = spawnLocalStack([], { ...process.env, DUTYBRIDGE_DATA_DIR: dataDir, PORT: '0', SIM_PORT: '0', SIM_SMTP_PORT: '0', POWERTOOLS_LOG_LEVEL: 'ERROR' });
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready:\n${lines.join('\n')}`)), 30_000);
    collectLines(child.stdout, lines, (parts) => {
      if (parts.includes('ready')) {
        clearTimeout(timer);
        const find = (label: string) => lines.find((l) => l.startsWith(label))!.split(/\s+/)[1];
        resolve({ child, lines, gateway: find('gateway').replace(/\/healthz$/, ''), simulator: find('simulator').replace(/\/$/, '') });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => lines.push(`stderr: ${chunk.toString()}`));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}:\n${lines.join('\n')}`));
    });
  });
}

function stop(r: Running): Promise<number | null> {
  return new Promise((resolve) => {
    r.child.removeAllListeners('exit');
    r.child.on('exit', (code) => resolve(code));
    r.child.kill('SIGINT');
  });
}

function cli(dataDir: string, ...args: string[]) {
  return spawnSync(process.execPath, ['bin/dutybridge.js', ...args], { cwd: repoRoot, env: { ...process.env, DUTYBRIDGE_DATA_DIR: dataDir }, encoding: 'utf8' });
}

let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'dutybridge-start-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('runs, serves, keeps state across a restart and stops on Ctrl-C', async () => {
  const first = await start(dataDir);
  try {
    expect(first.lines.some((l) => l.startsWith('callback') && l.includes('/wecom/demo-wecom/callback'))).toBe(true);
    expect((await fetch(`${first.gateway}/healthz`)).status).toBe(200);
    expect((await fetch(`${first.simulator}/`)).status).toBe(200);
    // The linking page it prints opens inside the simulated WeCom client (the demo links everyone: already linked).
    const linking = first.lines.find((l) => l.startsWith('linking') && l.includes('/_sim/wecom/client'))!.split(/\s+/)[1]!;
    const jar = new CookieJar();
    const linkPage = await jar.follow(linking, { headers: { 'accept-language': 'en' } });
    expect(linkPage.response.status).toBe(200);
    expect(await linkPage.response.text()).toContain('Already linked.');

    // On the local stack the endpoints must be on loopback (cli/safety.ts): the simulator.
    const added = cli(dataDir, 'integrations', 'add', 'wecom', '--id', 'acme', '--corp-id', 'wwacme01', '--agent-id', '1000002', '--api-base', first.simulator, '--secret', 'SuperSecretValue123', '--token', 'AcmeToken', '--aes-key', 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C');
    expect(added.status).toBe(0);
    expect(added.stdout).toContain(`${first.gateway}/wecom/acme/callback`);
    const shown = cli(dataDir, 'integrations', 'show', 'acme');
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain(`callback: ${first.gateway}/wecom/acme/callback`);
    expect(shown.stdout).not.toContain('SuperSecretValue123');
    expect(shown.stdout).not.toContain('jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C');
    // The callback URL reaches the WeCom handler (which checks its parameters).
    const res = await fetch(`${first.gateway}/wecom/acme/callback`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('missing_parameter');

    // A demo incident becomes cards for the seeded people in the simulator (WeCom and DingTalk).
    const demo = cli(dataDir, 'demo-incident', '--title', 'Disk full on db-7');
    expect(demo.status).toBe(0);
    expect(demo.stdout).toMatch(/published incident.triggered for DEMO-/);
    const deadline = Date.now() + 20_000;
    let platforms = new Set<string>();
    while (Date.now() < deadline && platforms.size < 2) {
      const { items } = (await (await fetch(`${first.simulator}/_sim/conversations`)).json()) as { items: { platform: string; conversation: string; card?: { title: string } }[] };
      platforms = new Set(items.filter((i) => i.conversation === 'user:alice' && i.card?.title.includes('Disk full on db-7')).map((i) => i.platform));
      await new Promise((r) => setTimeout(r, 200));
    }
    expect([...platforms].sort()).toEqual(['dingtalk', 'wecom']);
    // The demo WeCom integration's group bot posted it into the on-call group, @mentioning Alice by phone.
    const { items: all } = (await (await fetch(`${first.simulator}/_sim/conversations`)).json()) as { items: { conversation: string; kind: string; text?: string; mentions?: string[] }[] };
    const posted = all.find((i) => i.conversation === 'group:demo-oncall-group' && i.text?.includes('Disk full on db-7'));
    expect(posted).toMatchObject({ kind: 'text', mentions: expect.arrayContaining(['alice']) });
    const invalid = cli(dataDir, 'events', 'publish', path.join(repoRoot, 'package.json'));
    expect(invalid.status).toBe(2);
    expect(invalid.stderr).toMatch(/does not match the contract/);

    const bad = cli(dataDir, 'integrations', 'add', 'wecom', '--id', 'Bad Id', '--corp-id', 'x');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--id: integration id/);
  } finally {
    expect(await stop(first)).toBe(0);
  }

  const second = await start(dataDir);
  try {
    const list = cli(dataDir, 'integrations', 'list', '--json');
    expect(JSON.parse(list.stdout).map((i: { id: string }) => i.id).sort()).toEqual(['acme', 'demo-dingtalk', 'demo-wecom']);
    expect(cli(dataDir, 'integrations', 'remove', 'acme', '--yes').status).toBe(0);
  } finally {
    expect(await stop(second)).toBe(0);
  }
});

it('the CLI works on the persisted data when the stack is not running', () => {
  const list = cli(dataDir, 'integrations', 'list');
  expect(list.status).toBe(0);
  expect(list.stdout).toContain('demo-wecom');
  expect(list.stdout).not.toContain('acme');
});
