/**
 * `integrations set ID --war-room on` asks WeCom first (cli/war-room-probe.ts): appchat/get of a
 * made-up chat on the simulator's WeCom. An app whose visible range is not the root department is
 * refused with the plain reason (48002) and nothing is stored; once the range is the root
 * department, 86003 ("no such chat") means allowed. The CLI runs in a child process against a
 * running local stack (this process).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { awsIntegrationAdmin } from '../../shared/adapters/aws/integration-admin';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { createSimulator, type Simulator } from '../../sim/server';
import { integrationAwsEnv, runCli } from '../support/child-process';
import { putSimWeComCorp } from '../support/wecom-corp';

jest.setTimeout(120_000);

let dataDir: string;
let stack: LocalStack;
let sim: Simulator;
const corp = { corpId: 'wwwarroomprobe', agentId: 1000002, secret: 'war-room-probe-secret', token: 'WarRoomProbe', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'dutybridge-cli-war-room-probe-'));
  stack = await startLocalStack({ awsEnv: integrationAwsEnv(), prefix: `it-${randomBytes(4).toString('hex')}-`, dataDir, port: 0, pollers: false });
  sim = await createSimulator({ port: 0 });
  expect(await putSimWeComCorp(sim, corp, { users: [{ userId: 'alice', name: 'Alice Chen', mobile: '+86-13800000001', email: 'alice@example.com' }] })).toBe(200);
  const admin = awsIntegrationAdmin(stack.env.STATE_TABLE_NAME, stack.env.SECRET_NAME_PREFIX);
  await admin.addWeCom({ id: 'wr-wecom', corpId: corp.corpId, agentId: String(corp.agentId), apiBase: sim.url, secret: corp.secret, token: corp.token, aesKey: corp.encodingAesKey });
});

afterAll(async () => {
  await sim?.stop();
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli(dataDir, args);
const visibleRange = async (range: 'root' | 'not-root') => {
  const res = await fetch(`${sim.url}/_sim/wecom/appchat-visibility`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ corpId: corp.corpId, visibleRange: range }) });
  expect(res.status).toBe(200);
};
const probes = () => sim.calls({ platform: 'wecom', endpoint: 'appchat/get' }).length;

it('refuses War Room when the app may not use appchat (48002), saying why, and stores nothing', async () => {
  await visibleRange('not-root');
  const before = (await cli(['integrations', 'show', 'wr-wecom', '--json'])).stdout;
  const r = await cli(['integrations', 'set', 'wr-wecom', '--war-room', 'on']);
  expect(r.status).toBe(2);
  expect(r.stderr).toContain('War Room cannot be turned on: appchat needs a self-built app whose visible range is the root department');
  expect(r.stderr).toContain('48002');
  expect(probes()).toBe(1);
  expect(sim.calls({ platform: 'wecom', endpoint: 'appchat/create' })).toHaveLength(0);
  expect((await cli(['integrations', 'show', 'wr-wecom', '--json'])).stdout).toBe(before);
});

it('turns War Room on once the visible range is the root department (86003 for the made-up chat = allowed), without a warning', async () => {
  await visibleRange('root');
  const asked = probes();
  const r = await cli(['integrations', 'set', 'wr-wecom', '--war-room', 'on']);
  expect(r.stderr).not.toContain('warning');
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('wr-wecom: War Room on');
  // Asked once per run, though checked before and while writing.
  expect(probes()).toBe(asked + 1);
  expect(sim.calls({ platform: 'wecom', endpoint: 'appchat/create' })).toHaveLength(0);
  expect(JSON.parse((await cli(['integrations', 'show', 'wr-wecom', '--json'])).stdout).integration.settings.warRoom).toEqual({ enabled: true, closeOnResolve: true });
});
