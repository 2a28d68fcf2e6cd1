/**
 * `npx dutybridge postmortem` as a user runs it (bin/dutybridge.js in a child process) against a
 * running local stack (this process) holding an incident, its War Room and its operation log: the
 * draft on standard output, --out FILE kept unless --force, an unknown incident (exit 1).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { getDocumentClient } from '../../shared/adapters/aws/clients';
import { DynamoIncidentRepository } from '../../shared/adapters/aws/incident-repository';
import { DynamoOperationLog } from '../../shared/adapters/aws/operation-log';
import { DynamoWarRoomStore } from '../../shared/adapters/aws/war-room-store';
import type { Incident } from '../../shared/domain/incident';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { integrationAwsEnv, runCli } from '../support/child-process';

jest.setTimeout(120_000);

let dataDir: string;
let stack: LocalStack;
const now = Date.now();
const alice = { email: 'alice@example.com', name: 'Alice Chen', platform: 'wecom' as const, userId: 'alice' };

const incident: Incident = {
  incidentId: 'inc-pm-1',
  version: 1,
  revision: 3,
  title: 'Checkout 5xx',
  severity: 'Critical',
  description: 'error rate above 5%',
  labels: {},
  responders: ['alice@example.com'],
  targets: [{ integrationId: 'acme-wecom', persons: ['alice@example.com'], groups: [] }],
  status: 'Closed',
  acknowledgedBy: alice,
  closedBy: alice,
  triggeredAt: now - 60 * 60_000,
  updatedAt: now - 10 * 60_000,
  timeline: [
    { at: now - 60 * 60_000, kind: 'event', what: 'incident.triggered', revision: 1, version: 1 },
    { at: now - 55 * 60_000, kind: 'click', what: 'acknowledge', revision: 2, actor: alice, idempotencyKey: 'k2' },
    { at: now - 10 * 60_000, kind: 'click', what: 'resolve', revision: 3, actor: alice, idempotencyKey: 'k3' },
  ],
};

beforeAll(async () => {
  const awsEnv = integrationAwsEnv();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'dutybridge-cli-postmortem-'));
  stack = await startLocalStack({ awsEnv, prefix: `it-${randomBytes(4).toString('hex')}-`, dataDir, port: 0, pollers: false });
  const client = getDocumentClient();
  const table = stack.env.STATE_TABLE_NAME;
  await new DynamoIncidentRepository(client, table).save(incident, 0);
  await new DynamoWarRoomStore(client, table).save(
    {
      incidentId: 'inc-pm-1',
      integrationId: 'acme-wecom',
      platform: 'wecom',
      state: 'closed',
      chatId: 'wr0123',
      name: '[Critical] Checkout 5xx · inc-pm-1',
      members: ['alice', 'bob'],
      memberEmails: { 'alice@example.com': 'alice' },
      unresolved: [],
      summaryPosted: true,
      closingPosted: true,
      createdAt: now - 50 * 60_000,
      updatedAt: now - 10 * 60_000,
    },
    0,
  );
  await new DynamoOperationLog(client, table).append([
    { atMs: now - 59 * 60_000, result: 'sent', reasonCode: 'delivered', reason: 'card delivered to alice@example.com', incidentId: 'inc-pm-1', integrationId: 'acme-wecom', platform: 'wecom', channel: 'card', recipient: 'alice@example.com' },
    { atMs: now - 58 * 60_000, result: 'dropped', reasonCode: 'app_not_linked', reason: 'App Not Linked: bob@example.com has no WeCom user linked', incidentId: 'inc-pm-1', integrationId: 'acme-wecom', platform: 'wecom', recipient: 'bob@example.com' },
  ]);
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return runCli(dataDir, args);
}

it('prints the draft: summary, timeline, War Room, delivery history and the sections to fill in', async () => {
  const r = await cli(['postmortem', 'inc-pm-1']);
  expect(r.stderr).toContain('dutybridge: target: local stack at');
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('# Post-mortem draft: inc-pm-1 · Checkout 5xx');
  expect(r.stdout).toContain('| Time to acknowledge | 5 min |');
  expect(r.stdout).toContain('| Time to resolve | 50 min |');
  expect(r.stdout).toContain('| [Critical] Checkout 5xx · inc-pm-1 | wecom | closed | 2 |');
  expect(r.stdout).toContain('- By result: dropped 1, sent 1');
  expect(r.stdout).toContain('dropped app_not_linked (wecom acme-wecom bob@example.com): App Not Linked');
  expect(r.stdout).toContain('## Root cause');
});

it('writes --out FILE, keeps it unless --force, and exits 1 for an unknown incident', async () => {
  const file = path.join(dataDir, 'pm.md');
  const written = await cli(['postmortem', 'inc-pm-1', '--out', file]);
  expect(written.status).toBe(0);
  expect(written.stdout).toBe('');
  expect(readFileSync(file, 'utf8')).toContain('# Post-mortem draft: inc-pm-1');

  writeFileSync(file, 'notes we wrote');
  const kept = await cli(['postmortem', 'inc-pm-1', '--out', file]);
  expect(kept.status).toBe(1);
  expect(kept.stderr).toContain(`dutybridge: ${file} exists; not overwritten (pass --force to replace it)`);
  expect(readFileSync(file, 'utf8')).toBe('notes we wrote');

  const forced = await cli(['postmortem', 'inc-pm-1', '--out', file, '--force', '--locale', 'zh']);
  expect(forced.status).toBe(0);
  expect(readFileSync(file, 'utf8')).toContain('# 事后复盘草稿: inc-pm-1');

  const unknown = await cli(['postmortem', 'inc-none', '--out', path.join(dataDir, 'none.md')]);
  expect(unknown.status).toBe(1);
  expect(unknown.stderr).toContain('dutybridge: no incident inc-none');
  expect(existsSync(path.join(dataDir, 'none.md'))).toBe(false);

  const bare = await cli(['postmortem']);
  expect(bare.status).toBe(2);
  expect(bare.stderr).toContain('postmortem needs an incident ID');
});
