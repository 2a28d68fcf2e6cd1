/**
 * `npx dutybridge links list` (Linked Users) and `links auto` (One-Click Link) as a user runs them
 * (bin/dutybridge.js in a child process) against a running local stack (this process) and the
 * simulator's WeCom corp and DingTalk org: lookups by mobile then email, links made one-click and
 * recorded in the operation log, a userid linked to someone else left there, the day's miss budget
 * (10% of 20 members = 2) stopping the run and a second run, a dry run that writes nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { getDocumentClient } from '../../shared/adapters/aws/clients';
import { awsIntegrationAdmin } from '../../shared/adapters/aws/integration-admin';
import { DynamoLinkStore } from '../../shared/adapters/aws/link-store';
import { DynamoMemberDirectory } from '../../shared/adapters/aws/member-directory';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { createSimulator, type Simulator } from '../../sim/server';
import { integrationAwsEnv, runCli } from '../support/child-process';
import { putSimWeComCorp } from '../support/wecom-corp';
import { simDingTalkApp } from '../support/dingtalk-app';
import type { OneClickReport } from '../../shared/application/one-click-link';
import { handler as autoLinkHandler } from '../../functions/auto-link/handler';
import { lambdaContext } from '../../local/handlers';

jest.setTimeout(120_000);

let dataDir: string;
let stack: LocalStack;
let sim: Simulator;
const corp = { corpId: 'wwlinkauto01', agentId: 1000002, secret: 'link-auto-secret', token: 'LinkAutoToken', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const app = { corpId: 'dinglinkauto', clientId: 'dinglinkautoclient', clientSecret: 'link-auto-ding-secret', token: 'LinkAutoDing1', aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus', robotCode: 'dinglinkautoclient' };
const unknown = Array.from({ length: 17 }, (_, i) => ({ email: `u${String(i + 1).padStart(2, '0')}@example.com`, name: `Unknown ${i + 1}`, mobile: `+86-1390000${String(i + 1).padStart(4, '0')}` }));
// 20 members: alice (found by mobile), bob (no mobile: found by email), carol (her userid is
// already linked to carol.old), and 17 nobody in the corp knows.
const members = [
  { email: 'alice@example.com', name: 'Alice Chen', mobile: '+86-13800000001' },
  { email: 'bob@example.com', name: 'Bob Li' },
  { email: 'carol@example.com', name: 'Carol Wu', mobile: '+86-13800000003' },
  ...unknown,
];

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'dutybridge-cli-links-auto-'));
  stack = await startLocalStack({ awsEnv: integrationAwsEnv(), prefix: `it-${randomBytes(4).toString('hex')}-`, dataDir, port: 0, pollers: false });
  sim = await createSimulator({ port: 0 });
  expect(
    await putSimWeComCorp(sim, corp, {
      users: [
        { userId: 'alice', name: 'Alice Chen', mobile: '+86-13800000001', email: 'alice@example.com' },
        { userId: 'bobli', name: 'Bob Li', mobile: '+86-13800000002', email: 'bob@example.com' },
        { userId: 'carol', name: 'Carol Wu', mobile: '+86-13800000003', email: 'carol.wu@example.com' },
      ],
    }),
  ).toBe(200);
  await simDingTalkApp(sim, app, { eventsUrl: `${stack.gatewayUrl}/dingtalk/la-ding/events`, users: [{ userId: 'lina', name: '李娜', mobile: '+86-13800000001', email: 'alice@example.com', unionId: 'u-lina' }] });
  const admin = awsIntegrationAdmin(stack.env.STATE_TABLE_NAME, stack.env.SECRET_NAME_PREFIX);
  for (const id of ['la-wecom', 'la-dry']) {
    await admin.addWeCom({ id, corpId: corp.corpId, agentId: String(corp.agentId), apiBase: sim.url, secret: corp.secret, token: corp.token, aesKey: corp.encodingAesKey });
  }
  await admin.addDingTalk({ id: 'la-ding', clientId: app.clientId, clientSecret: app.clientSecret, token: app.token, aesKey: app.aesKey, cardApiSecret: 'la-card-secret', robotCode: app.robotCode, corpId: app.corpId, apiBase: sim.url, oapiBase: sim.url });
  const directory = new DynamoMemberDirectory(getDocumentClient(), stack.env.STATE_TABLE_NAME);
  for (const m of members) await directory.upsert({ ...m, updatedAt: Date.now() });
  await new DynamoLinkStore(getDocumentClient(), stack.env.STATE_TABLE_NAME).set({ integrationId: 'la-wecom', email: 'carol.old@example.com', userId: 'carol', linkedAt: Date.parse('2026-01-01T00:00:00Z') });
});

afterAll(async () => {
  await sim?.stop();
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli(dataDir, args);
const lookups = (endpoint: string) => sim.calls({ platform: 'wecom', endpoint }).length;

it('links list: every member with masked mobile, links of non-members, --unlinked, --search, --json', async () => {
  const r = await cli(['links', 'list', '--integration', 'la-wecom']);
  expect(r.status).toBe(0);
  const lines = r.stdout.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^NAME\s+EMAIL\s+MOBILE\s+USERID\s+LINKED AT \(UTC\)\s+HOW$/);
  expect(lines).toHaveLength(1 + 21 + 1);
  expect(r.stdout).toMatch(/Alice Chen\s+alice@example.com\s+138\*\*\*\*0001\s+-\s+-\s+-/);
  expect(r.stdout).toMatch(/\(not a member\)\s+carol.old@example.com\s+-\s+carol\s+2026-01-01T00:00:00.000Z\s+admin/);
  expect(r.stdout).not.toContain('13800000001');
  expect(lines.at(-1)).toBe('21 shown; 0 of 20 members linked in la-wecom');
  const search = await cli(['links', 'list', '--integration', 'la-wecom', '--search', '0000017', '--json']);
  expect(JSON.parse(search.stdout)).toEqual([{ email: 'u17@example.com', name: 'Unknown 17', mobile: '139****0017', member: true }]);
  const linked = JSON.parse((await cli(['links', 'list', '--integration', 'la-wecom', '--linked', '--json'])).stdout) as { email: string }[];
  expect(linked.map((l) => l.email)).toEqual(['carol.old@example.com']);
  const both = await cli(['links', 'list', '--integration', 'la-wecom', '--linked', '--unlinked']);
  expect(both.status).toBe(2);
  expect(both.stderr).toContain('--linked or --unlinked, not both');
});

it('links auto refuses a ratio at or above 20% and a bad headcount before touching the stack', async () => {
  const high = await cli(['links', 'auto', '--integration', 'la-wecom', '--max-miss-ratio', '0.2']);
  expect(high.status).toBe(2);
  expect(high.stderr).toMatch(/--max-miss-ratio: .*below 0.2/);
  expect(high.stderr).not.toContain('target:');
  const head = await cli(['links', 'auto', '--integration', 'la-wecom', '--headcount', 'ten']);
  expect(head.status).toBe(2);
  expect(head.stderr).toContain('--headcount');
});

it('links auto on WeCom: links by mobile and email, leaves a taken userid, stops at 2 misses (10% of 20), and so does a second run', async () => {
  const before = { mobile: lookups('user/getuserid'), email: lookups('user/get_userid_by_email') };
  const r = await cli(['links', 'auto', '--integration', 'la-wecom']);
  expect(r.status).toBe(1); // stopped at the budget
  expect(r.stdout).toMatch(/alice@example.com\s+Alice Chen\s+linked\s+alice\s+mobile/);
  expect(r.stdout).toMatch(/bob@example.com\s+Bob Li\s+linked\s+bobli\s+email/);
  expect(r.stdout).toMatch(/carol@example.com\s+Carol Wu\s+conflict\s+carol\s+mobile\s+carol is already linked to carol.old@example.com/);
  expect(r.stdout).toMatch(/u01@example.com\s+Unknown 1\s+not found/);
  expect(r.stdout).toMatch(/u02@example.com\s+Unknown 2\s+not tried/);
  expect(r.stdout).toContain('linked 2, not found 1, conflict 1, failed 0, not tried 16 of 20 unlinked members');
  expect(r.stdout).toMatch(/failed lookups on \d{4}-\d\d-\d\d \(UTC\+8\): 2 of 2 allowed \(10% of headcount 20; .*stopped/);
  // alice, carol and u01 by mobile; bob and u01 by email: exactly one call past each found user.
  expect(lookups('user/getuserid') - before.mobile).toBe(3);
  expect(lookups('user/get_userid_by_email') - before.email).toBe(2);

  const list = JSON.parse((await cli(['links', 'list', '--integration', 'la-wecom', '--linked', '--json'])).stdout) as { email: string; userId: string; how: string }[];
  expect(list.map((l) => [l.email, l.userId, l.how])).toEqual([
    ['alice@example.com', 'alice', 'one_click'],
    ['bob@example.com', 'bobli', 'one_click'],
    ['carol.old@example.com', 'carol', 'admin'],
  ]);
  const table = await cli(['links', 'list', '--integration', 'la-wecom', '--search', 'ALICE']);
  expect(table.stdout).toMatch(/Alice Chen\s+alice@example.com\s+138\*\*\*\*0001\s+alice\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+one-click/);

  const oplog = await cli(['oplog', '--integration', 'la-wecom', '--json']);
  const records = JSON.parse(oplog.stdout) as { recipient: string; result: string; reasonCode: string }[];
  const byRecipient = Object.fromEntries(records.map((x) => [x.recipient, [x.result, x.reasonCode]]));
  expect(byRecipient['alice@example.com']).toEqual(['done', 'linked']);
  expect(byRecipient['carol@example.com']).toEqual(['dropped', 'link_conflict']);
  expect(byRecipient['u01@example.com']).toEqual(['failed', 'user_not_found']);
  expect(byRecipient['u17@example.com']).toEqual(['deferred', 'lookup_budget_reached']);

  // The same day, another run finds the budget used up: no call at all.
  const calls = lookups('user/getuserid') + lookups('user/get_userid_by_email');
  const again = await cli(['links', 'auto', '--integration', 'la-wecom', '--json']);
  expect(again.status).toBe(1);
  const report = JSON.parse(again.stdout) as OneClickReport;
  expect(report.missesBefore).toBe(2);
  expect(report.missesAfter).toBe(2);
  expect(report.stoppedAtBudget).toBe(true);
  expect(report.results.map((x) => x.outcome)).toEqual(Array(18).fill('not_tried'));
  expect(lookups('user/getuserid') + lookups('user/get_userid_by_email')).toBe(calls);
});

it('links auto --dry-run makes the lookups (their misses count) but writes no link; --headcount sets the budget', async () => {
  const r = await cli(['links', 'auto', '--integration', 'la-dry', '--dry-run', '--headcount', '50', '--json']);
  expect(r.status).toBe(1);
  const report = JSON.parse(r.stdout) as OneClickReport;
  expect(report).toMatchObject({ dryRun: true, headcount: 50, budget: 5, missesBefore: 0, missesAfter: 5, stoppedAtBudget: true });
  const outcomes = Object.fromEntries(report.results.map((x) => [x.email, x.outcome]));
  expect(outcomes['alice@example.com']).toBe('would_link');
  expect(outcomes['carol@example.com']).toBe('would_link'); // carol is taken in la-wecom only
  expect(outcomes['u01@example.com']).toBe('not_found');
  expect(outcomes['u02@example.com']).toBe('not_found');
  expect(outcomes['u03@example.com']).toBe('not_found'); // its mobile miss was the 5th; no email lookup after it
  expect(report.results.find((x) => x.email === 'u03@example.com')?.reason).toContain('the email lookup was not made');
  expect(outcomes['u04@example.com']).toBe('not_tried');
  const list = await cli(['links', 'list', '--integration', 'la-dry', '--linked']);
  expect(list.stdout.trim()).toBe('nobody in la-dry matches');
  const text = await cli(['links', 'auto', '--integration', 'la-dry', '--dry-run', '--headcount', '50']);
  expect(text.stdout).toContain('dry run (no links written; the lookups were real and their misses count)');
});

it('links auto on DingTalk: getbymobile with the mainland number; members without a mobile are not found without a call', async () => {
  const r = await cli(['links', 'auto', '--integration', 'la-ding', '--headcount', '1000', '--json']);
  const report = JSON.parse(r.stdout) as OneClickReport;
  const byEmail = Object.fromEntries(report.results.map((x) => [x.email, x]));
  expect(byEmail['alice@example.com']).toMatchObject({ outcome: 'linked', userId: 'lina', via: 'mobile' });
  expect(byEmail['bob@example.com']).toMatchObject({ outcome: 'not_found', reason: expect.stringContaining('no mobile in the directory') });
  expect(byEmail['u01@example.com'].outcome).toBe('not_found');
  expect(report.missesAfter).toBe(18); // carol + 17 unknown
  const bodies = sim.calls({ platform: 'dingtalk', endpoint: 'topapi/v2/user/getbymobile' }).map((c) => (c.requestBody as { mobile?: string } | undefined)?.mobile);
  expect(bodies).toContain('13800000001');
  expect(r.status).toBe(0);
});

it('links auto --schedule daily: the daily auto-link function links that integration only; --schedule off stops it', async () => {
  const admin = awsIntegrationAdmin(stack.env.STATE_TABLE_NAME, stack.env.SECRET_NAME_PREFIX);
  await admin.addDingTalk({ id: 'la-sched', clientId: app.clientId, clientSecret: app.clientSecret, token: app.token, aesKey: app.aesKey, cardApiSecret: 'la-card-secret', robotCode: app.robotCode, corpId: app.corpId, apiBase: sim.url, oapiBase: sim.url });
  const bad = await cli(['links', 'auto', '--integration', 'la-sched', '--schedule', 'hourly']);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain('--schedule: "hourly" is not daily or off');
  const set = await cli(['links', 'auto', '--integration', 'la-sched', '--schedule', 'daily', '--headcount', '1000']);
  expect(set.status).toBe(0);
  expect(set.stdout).toContain('la-sched: One-Click Link runs daily (the auto-link function), at most 10% of headcount 1000 failed lookups a day');
  const linked = async (id: string) => (JSON.parse((await cli(['links', 'list', '--integration', id, '--linked', '--json'])).stdout) as { email: string; userId: string; how: string }[]).map((l) => [l.email, l.userId, l.how]);
  expect(await linked('la-sched')).toEqual([]);

  const calls = () => sim.calls({ platform: 'dingtalk', endpoint: 'topapi/v2/user/getbymobile' }).length;
  const before = calls();
  await autoLinkHandler({} as never, lambdaContext('auto-link', 900));
  expect(await linked('la-sched')).toEqual([['alice@example.com', 'lina', 'one_click']]);
  expect(calls() - before).toBe(19); // alice, carol and the 17 unknown (bob has no mobile)
  expect(await linked('la-dry')).toEqual([]); // no schedule there

  const off = await cli(['links', 'auto', '--integration', 'la-sched', '--schedule', 'off']);
  expect(off.stdout.trim()).toBe('la-sched: the daily One-Click Link is off');
  const after = calls();
  await autoLinkHandler({} as never, lambdaContext('auto-link', 900));
  expect(calls()).toBe(after);
});
