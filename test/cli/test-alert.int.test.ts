/**
 * `npx dutybridge test-alert` as a user runs it (bin/dutybridge.js in a child process) against a
 * running local stack with its pollers and the simulator's WeCom corp: the marked test incident
 * ([TEST] 【测试】 title, label dutybridge.test=true, a description saying how to close it) reaches
 * the integration's linked people as cards, or only --to; with --bot the group bot posts it and
 * @mentions them; refusals before anything is published.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { getDocumentClient } from '../../shared/adapters/aws/clients';
import { awsIntegrationAdmin } from '../../shared/adapters/aws/integration-admin';
import { DynamoLinkStore } from '../../shared/adapters/aws/link-store';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { createSimulator, type Simulator } from '../../sim/server';
import type { ConversationItem } from '../../sim/core/contract';
import { DynamoMemberDirectory } from '../../shared/adapters/aws/member-directory';
import { integrationAwsEnv, runCli } from '../support/child-process';
import { putSimWeComCorp } from '../support/wecom-corp';
import { eventually } from '../support/stack';

jest.setTimeout(120_000);

let dataDir: string;
let stack: LocalStack;
let sim: Simulator;
const robot = { key: 'testalertrobot01', name: 'Ops robot', chatId: 'taops' };
const corp = { corpId: 'wwtestalert01', agentId: 1000002, secret: 'test-alert-secret', token: 'TestAlertToken', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'dutybridge-cli-test-alert-'));
  stack = await startLocalStack({ awsEnv: integrationAwsEnv(), prefix: `it-${randomBytes(4).toString('hex')}-`, dataDir, port: 0, pollers: true });
  sim = await createSimulator({ port: 0 });
  expect(
    await putSimWeComCorp(sim, corp, {
      users: [
        { userId: 'alice', name: 'Alice Chen', mobile: '+86-13800000001', email: 'alice@example.com' },
        { userId: 'bob', name: 'Bob Li', mobile: '+86-13800000002', email: 'bob@example.com' },
      ],
    }),
  ).toBe(200);
  const robotsPut = await fetch(`${sim.url}/_sim/wecom/corps/${corp.corpId}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...corp, robots: [robot] }) });
  expect(robotsPut.status).toBe(200);
  const directory = new DynamoMemberDirectory(getDocumentClient(), stack.env.STATE_TABLE_NAME);
  await directory.upsert({ email: 'alice@example.com', name: 'Alice Chen', mobile: '+86-13800000001', updatedAt: Date.now() });
  await directory.upsert({ email: 'bob@example.com', name: 'Bob Li', mobile: '+86-13800000002', updatedAt: Date.now() });
  const admin = awsIntegrationAdmin(stack.env.STATE_TABLE_NAME, stack.env.SECRET_NAME_PREFIX);
  for (const id of ['ta-wecom', 'ta-empty']) {
    await admin.addWeCom({ id, corpId: corp.corpId, agentId: String(corp.agentId), apiBase: sim.url, secret: corp.secret, token: corp.token, aesKey: corp.encodingAesKey });
  }
  const links = new DynamoLinkStore(getDocumentClient(), stack.env.STATE_TABLE_NAME);
  await links.set({ integrationId: 'ta-wecom', email: 'alice@example.com', userId: 'alice', linkedAt: Date.now() });
  await links.set({ integrationId: 'ta-wecom', email: 'bob@example.com', userId: 'bob', linkedAt: Date.now() });
});

afterAll(async () => {
  await sim?.stop();
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli(dataDir, args);
const cardsOf = (userId: string) => (sim.conversations() as ConversationItem[]).filter((i) => i.platform === 'wecom' && i.conversation === `user:${userId}` && i.card);

it('publishes a marked test incident to the linked people; their cards arrive; prints what to check', async () => {
  const r = await cli(['test-alert', '--integration', 'ta-wecom']);
  expect(r.stderr).not.toMatch(/dutybridge: (?!target:)/);
  expect(r.status).toBe(0);
  const id = /published test incident (TEST-[0-9A-F]{8}) to ta-wecom: 2 people/.exec(r.stdout)?.[1];
  expect(id).toBeDefined();
  expect(r.stdout).toContain(`npx dutybridge incidents show ${id}`);
  expect(r.stdout).toContain(`npx dutybridge oplog --incident ${id}`);
  for (const user of ['alice', 'bob']) {
    const card = await eventually(async () => {
      const found = cardsOf(user).find((c) => JSON.stringify(c.card).includes('[TEST]'));
      if (!found) throw new Error(`no test card for ${user} yet`);
      return found;
    }, 20_000);
    expect(JSON.stringify(card.card)).toContain('【测试】');
  }
});

it('--to sends to those people only; --json gives the event with its label and description', async () => {
  const before = cardsOf('bob').length;
  const r = await cli(['test-alert', '--integration', 'ta-wecom', '--to', 'Alice@example.com', '--severity', 'Critical', '--json']);
  expect(r.stderr).not.toMatch(/dutybridge: (?!target:)/);
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout) as { incidentId: string; persons: string[]; event: { title: string; severity: string; labels: Record<string, string>; description: string; targets: { persons: string[] }[] } };
  expect(out.persons).toEqual(['alice@example.com']);
  expect(out.event.title.startsWith('[TEST] 【测试】')).toBe(true);
  expect(out.event.severity).toBe('Critical');
  expect(out.event.labels).toEqual({ 'dutybridge.test': 'true' });
  expect(out.event.description).toMatch(/test alert .*Close it with Resolve on the card/);
  expect(out.event.targets[0].persons).toEqual(['alice@example.com']);
  await eventually(async () => {
    if (!cardsOf('alice').some((c) => JSON.stringify(c.card).includes(out.incidentId))) throw new Error('no card yet');
  }, 20_000);
  expect(cardsOf('bob').length).toBe(before);
});

it('--bot: the group bot posts the test incident and @mentions the linked people by phone; an unknown bot is refused', async () => {
  const url = path.join(dataDir, 'robot-url.txt');
  writeFileSync(url, `${sim.url}/cgi-bin/webhook/send?key=${robot.key}\n`);
  const added = await cli(['bots', 'add', '--integration', 'ta-wecom', '--name', 'ops-room', '--webhook-url-file', url, '--mention', 'phone']);
  expect(added.status).toBe(0);
  const r = await cli(['test-alert', '--integration', 'ta-wecom', '--bot', 'ops-room', '--json']);
  expect(r.stderr).not.toMatch(/dutybridge: (?!target:)/);
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout) as { incidentId: string; event: { targets: { bots: string[] }[] } };
  expect(out.event.targets[0].bots).toEqual(['ops-room']);
  const post = await eventually(async () => {
    const found = (sim.conversations() as ConversationItem[]).find((i) => i.conversation === `group:${robot.chatId}` && (i.text ?? '').includes('[TEST]'));
    if (!found) throw new Error('no bot post yet');
    return found;
  }, 20_000);
  expect(post.sender).toBe(robot.name);
  expect([...(post.mentions ?? [])].sort()).toEqual(['alice', 'bob']);
  const unknown = await cli(['test-alert', '--integration', 'ta-wecom', '--bot', 'nope']);
  expect(unknown.status).toBe(2);
  expect(unknown.stderr).toContain('--bot: no bot nope in ta-wecom');
});

it('refusals: no integration flag, unknown integration, nobody linked, a bad --to or --severity', async () => {
  for (const [args, message] of [
    [['test-alert'], 'test-alert needs --integration ID'],
    [['test-alert', '--integration', 'ta-wecom', '--to', 'not-an-email'], '--to: not an email address: not-an-email'],
    [['test-alert', '--integration', 'ta-wecom', '--severity', 'High'], '--severity must be one of Critical, Warning, Info'],
    [['test-alert', '--integration', 'nope'], 'no integration nope'],
    [['test-alert', '--integration', 'ta-empty'], 'nobody is linked in ta-empty'],
  ] as const) {
    const r = await cli([...args]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(message);
  }
});
