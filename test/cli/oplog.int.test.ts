/**
 * `npx dutybridge oplog` as a user runs it (bin/dutybridge.js in a child process) against a running
 * local stack (this process) whose operation log holds records: by incident, member and
 * integration as a table, --since, --json, and one-line refusals that name the fix (exit 2).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { getDocumentClient } from '../../shared/adapters/aws/clients';
import { DynamoOperationLog } from '../../shared/adapters/aws/operation-log';
import type { OperationRecord } from '../../shared/domain/operation-log';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { integrationAwsEnv, runCli } from '../support/child-process';

jest.setTimeout(120_000);

let dataDir: string;
let stack: LocalStack;
const now = Date.now();

const records: OperationRecord[] = [
  { atMs: now - 3 * 3_600_000, result: 'sent', reasonCode: 'delivered', reason: 'card delivered to alice@example.com (WeCom userid alice)', incidentId: 'inc-old', integrationId: 'acme-wecom', platform: 'wecom', channel: 'card', requestKind: 'message/send', recipient: 'alice@example.com' },
  { atMs: now - 60_000, result: 'sent', reasonCode: 'delivered', reason: 'card delivered to alice@example.com (WeCom userid alice)', incidentId: 'inc-1', integrationId: 'acme-wecom', platform: 'wecom', channel: 'card', requestKind: 'message/send', recipient: 'alice@example.com' },
  {
    atMs: now - 50_000,
    result: 'dropped',
    reasonCode: 'app_not_linked',
    reason: 'App Not Linked: bob@example.com has no WeCom user linked in acme-wecom, so no card was sent to them; link them with dutybridge links set',
    incidentId: 'inc-1',
    integrationId: 'acme-wecom',
    platform: 'wecom',
    recipient: 'bob@example.com',
  },
];

beforeAll(async () => {
  const awsEnv = integrationAwsEnv();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'dutybridge-cli-oplog-'));
  stack = await startLocalStack({ awsEnv, prefix: `it-${randomBytes(4).toString('hex')}-`, dataDir, port: 0, pollers: false });
  await new DynamoOperationLog(getDocumentClient(), stack.env.STATE_TABLE_NAME).append(records);
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return runCli(dataDir, args);
}

it('shows an incident’s records as a table, newest first, with the reason', async () => {
  const r = await cli(['oplog', '--incident', 'inc-1']);
  expect(r.stderr).toContain('dutybridge: target: local stack at');
  expect(r.status).toBe(0);
  const lines = r.stdout.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^TIME \(UTC\)\s+RESULT\s+CODE\s+INCIDENT\s+INTEGRATION\s+RECIPIENT\s+REASON$/);
  expect(lines).toHaveLength(3);
  expect(lines[1]).toMatch(/dropped\s+app_not_linked\s+inc-1\s+acme-wecom\s+bob@example.com\s+App Not Linked: .*links set$/);
  expect(lines[2]).toMatch(/sent\s+delivered\s+inc-1\s+acme-wecom\s+alice@example.com\s+card delivered/);
});

it('by member (any case) and integration, --since, and --json', async () => {
  const alice = await cli(['oplog', '--member', 'Alice@Example.com']);
  expect(alice.stdout.trimEnd().split('\n')).toHaveLength(3);
  const recent = await cli(['oplog', '--member', 'alice@example.com', '--since', '1h']);
  expect(recent.stdout.trimEnd().split('\n')).toHaveLength(2);
  expect(recent.stdout).toContain('inc-1');
  const json = await cli(['oplog', '--integration', 'acme-wecom', '--since', '2h', '--json']);
  expect(json.status).toBe(0);
  const parsed = JSON.parse(json.stdout) as (OperationRecord & { at: string })[];
  expect(parsed.map((p) => p.recipient)).toEqual(['bob@example.com', 'alice@example.com']);
  expect(parsed[0].at).toBe(new Date(records[2].atMs).toISOString());
  const lastHour = await cli(['oplog', '--since', '1h']);
  expect(lastHour.status).toBe(0);
  expect(lastHour.stdout.trimEnd().split('\n')).toHaveLength(3);
  const none = await cli(['oplog', '--incident', 'inc-none']);
  expect(none.status).toBe(0);
  expect(none.stdout.trim()).toBe('no operation records for incident inc-none in the last 30 days (records are kept 30 days)');
});

it('refuses a query without a subject and a bad --since in one line, exit 2', async () => {
  const bare = await cli(['oplog']);
  expect(bare.status).toBe(2);
  expect(bare.stderr).toContain('oplog needs --incident ID, --member EMAIL, --integration ID or --since 1h');
  const since = await cli(['oplog', '--incident', 'inc-1', '--since', 'an hour']);
  expect(since.status).toBe(2);
  expect(since.stderr).toContain('--since: "an hour" is not a duration such as 30m, 1h or 2d');
});
