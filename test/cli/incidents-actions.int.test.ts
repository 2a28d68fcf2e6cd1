/**
 * What the operator sees, as a user runs it (bin/dutybridge.js in child processes) against a
 * running local stack (this process: gateway, pollers, and its data folder's endpoints.json):
 *  - `events publish` warns about targets that name no integration, and `--strict` refuses them;
 *  - an event for an unknown integration does not spend the incident's version: the corrected
 *    event is applied (`incidents show` has nothing, then version 1);
 *  - `incidents show` gives state, version, cards and their freshness, and the timeline;
 *  - `actions tail [--follow]` shows the actions a click published, and the queue still has them.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { getDocumentClient, getSqsClient } from '../../shared/adapters/aws/clients';
import { SqsActionPublisher } from '../../shared/adapters/aws/action-publisher';
import { awsIntegrationAdmin } from '../../shared/adapters/aws/integration-admin';
import { DynamoIncidentRepository } from '../../shared/adapters/aws/incident-repository';
import { IncidentClicks } from '../../shared/application/incident-clicks';
import { incidentActionsQueue } from '../../shared/config/resources';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { eventually } from '../support/stack';
import { cliEnv, integrationAwsEnv, repoRoot, runCli } from '../support/child-process';

jest.setTimeout(120_000);
const AES = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';

let dataDir: string;
let stack: LocalStack;
let sqs: SQSClient;

beforeAll(async () => {
  const awsEnv = integrationAwsEnv();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'dutybridge-cli-incidents-'));
  stack = await startLocalStack({ awsEnv, prefix: `it-${randomBytes(4).toString('hex')}-`, dataDir, port: 0 });
  sqs = new SQSClient({ endpoint: awsEnv.AWS_ENDPOINT_URL_SQS, useQueueUrlAsEndpoint: false });
  // A WeCom integration nobody is linked in: its cards go to nobody, so nothing calls WeCom.
  await awsIntegrationAdmin(stack.env.STATE_TABLE_NAME, stack.env.SECRET_NAME_PREFIX).addWeCom({
    id: 'known-wecom',
    corpId: 'wwknown01',
    agentId: '1000002',
    apiBase: 'http://127.0.0.1:9',
    secret: 'CorpSecretKnown1234',
    token: 'Token',
    aesKey: AES,
  });
});

afterAll(async () => {
  sqs?.destroy();
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The CLI in a child process (asynchronously: the stack it talks to runs in this process). */
function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return runCli(dataDir, args);
}

function eventFile(name: string, event: object): string {
  const file = path.join(dataDir, name);
  writeFileSync(file, JSON.stringify(event));
  return file;
}

const triggered = (incidentId: string, integrationId: string) => ({
  type: 'incident.triggered',
  incidentId,
  version: 1,
  occurredAt: '2026-11-22T02:00:00Z',
  title: 'Payments API 5xx above 5%',
  severity: 'Critical',
  responders: ['alice@example.com'],
  targets: [{ integrationId, persons: ['alice@example.com'] }],
});

it('events publish warns about an unknown integration, naming the known ones; the event does not spend the version, so the corrected one applies', async () => {
  const notifyRuns = stack.pollers!.invocations.notify;
  const wrong = await cli(['events', 'publish', eventFile('wrong.json', triggered('inc-1', 'acme-wecom'))]);
  expect(wrong.status).toBe(0);
  expect(wrong.stderr).toContain('dutybridge: warning: target integration "acme-wecom" is not an integration of local stack at');
  expect(wrong.stderr).toContain('known integrations: known-wecom');
  expect(wrong.stdout).toContain('published incident.triggered for inc-1');

  // notify consumed it, recorded the drop and stored nothing.
  await eventually(async () => expect(stack.pollers!.invocations.notify).toBeGreaterThan(notifyRuns), 15_000);
  const none = await cli(['incidents', 'show', 'inc-1']);
  expect(none.status).toBe(1);
  expect(none.stdout).toContain('no incident inc-1');

  const right = await cli(['events', 'publish', eventFile('right.json', triggered('inc-1', 'known-wecom'))]);
  expect(right.status).toBe(0);
  expect(right.stderr).not.toContain('warning');
  const shown = await eventually(async () => {
    const r = await cli(['incidents', 'show', 'inc-1']);
    expect(r.status).toBe(0);
    return r.stdout;
  }, 20_000);
  expect(shown).toContain('inc-1  [Critical] Payments API 5xx above 5%');
  expect(shown).toMatch(/version: 1 \(from the incident system\)\s+revision: 1/);
  expect(shown).toContain('state: Triggered');
  expect(shown).toContain('wecom known-wecom: 0 task(s)');
  expect(shown).toContain('no card (App Not Linked): alice@example.com');
  expect(shown).toMatch(/event {2}incident\.triggered v1 {2}→ revision 1/);
});

it('events publish --strict refuses an event whose targets are unknown (exit 2) and sends nothing', async () => {
  const r = await cli(['events', 'publish', '--strict', eventFile('strict.json', triggered('inc-strict', 'acme-wecom'))]);
  expect(r.status).toBe(2);
  expect(r.stderr).toContain('not published (--strict): target integration "acme-wecom" is not an integration of');
  expect(r.stdout).not.toContain('published');
  const noTargets = await cli(['events', 'publish', '--strict', eventFile('none.json', { ...triggered('inc-strict', 'known-wecom'), targets: [] })]);
  expect(noTargets.status).toBe(2);
  expect(noTargets.stderr).toContain('the event names no targets, so nobody gets a card');
});

it('after a click, incidents show has the click and its action in the timeline, and actions tail shows the action while the queue keeps it', async () => {
  await eventually(async () => expect((await cli(['incidents', 'show', 'inc-1'])).status).toBe(0), 20_000);
  const actionsUrl = stack.env[incidentActionsQueue.envKey];
  // A click as the WeCom and DingTalk paths make it (IncidentClicks), publishing through the process's SQS client.
  const clicks = new IncidentClicks({
    incidents: new DynamoIncidentRepository(getDocumentClient(), stack.env.STATE_TABLE_NAME),
    actions: new SqsActionPublisher(getSqsClient(), actionsUrl),
    refresh: { request: async () => undefined },
    clock: { nowMs: () => Date.now() },
    record: () => undefined,
  });
  const outcome = await clicks.apply('inc-1', { kind: 'acknowledge' }, { email: 'bob@example.com', platform: 'wecom', userId: 'bob' }, 'click-1');
  expect(outcome.kind).toBe('transition');

  const tail = await cli(['actions', 'tail']);
  expect(tail.status).toBe(0);
  expect(tail.stdout).toMatch(/inc-1 {2}acknowledge {2}by bob@example\.com \(wecom bob\) {2}key /);
  const json = await cli(['actions', 'tail', '--json']);
  expect(JSON.parse(json.stdout.trim().split('\n').pop()!)).toMatchObject({ type: 'incident.action', incidentId: 'inc-1', action: 'acknowledge', actor: { email: 'bob@example.com' } });

  // The consumer still gets it: the tail read a copy.
  const onQueue = await sqs.send(new ReceiveMessageCommand({ QueueUrl: actionsUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
  expect((onQueue.Messages ?? []).map((m) => JSON.parse(m.Body!).incidentId)).toContain('inc-1');

  const shown = await cli(['incidents', 'show', 'inc-1']);
  expect(shown.stdout).toContain('state: Processing');
  expect(shown.stdout).toMatch(/click {2}acknowledge by bob@example\.com \(wecom bob\) {2}→ revision 2; action \S+ published/);
});

it('actions tail --follow prints actions published after it started', async () => {
  const child = spawn(process.execPath, ['bin/dutybridge.js', 'actions', 'tail', '--follow'], { cwd: repoRoot, env: cliEnv(dataDir) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stderr.on('data', (d) => (stderr += String(d)));
  try {
    await eventually(async () => expect(stderr).toContain('following new actions'), 20_000);
    await new SqsActionPublisher(getSqsClient(), stack.env[incidentActionsQueue.envKey]).publish({
      type: 'incident.action',
      incidentId: 'inc-follow',
      action: 'snooze',
      snoozeMinutes: 120,
      actor: { email: 'carol@example.com', platform: 'dingtalk', userId: 'carol' },
      at: new Date().toISOString(),
      idempotencyKey: 'follow-key-1',
    });
    await eventually(async () => expect(stdout).toContain('inc-follow  snooze 120 min  by carol@example.com (dingtalk carol)  key follow-key-1'), 10_000);
  } finally {
    child.kill('SIGINT');
  }
});
