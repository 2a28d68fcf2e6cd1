/**
 * GroupBotAlerts with in-memory ports: what each robot answer does to an alert (throttled → the
 * robot's digest, busy → retried with the version not spent, removed → a failed record with the
 * fix), an unknown bot is a recorded drop, DingTalk alerts are queued for dispatch with linked
 * userIds @-ed, and the digest flush puts lines back while the robot's window is full.
 */
import { InMemoryDispatchLedger } from '../../../shared/application/dispatch';
import { BotPostRetryLaterError, GroupBotAlerts, type BotDigestBuffer } from '../../../shared/application/group-bots';
import { classifyWeComRobot, type BotDigestLine, type GroupBot } from '../../../shared/domain/group-bot';
import type { Incident } from '../../../shared/domain/incident';
import type { Integration } from '../../../shared/domain/integration';
import type { OperationRecord } from '../../../shared/domain/operation-log';
import type { OutgoingCallInput } from '../../../shared/domain/outgoing-call';

const weCom: Integration = { id: 'w', platform: 'wecom', settings: { corpId: 'ww1', agentId: '1', apiBase: 'http://127.0.0.1:1' }, secretName: 's', createdAt: '' };
const ding: Integration = { id: 'd', platform: 'dingtalk', settings: { clientId: 'dingapp', apiBase: 'http://127.0.0.1:1', oapiBase: 'http://127.0.0.1:1' }, secretName: 's', createdAt: '' };
const bot = (integrationId: string, platform: 'wecom' | 'dingtalk', mention: 'phone' | 'mapping'): GroupBot => ({
  integrationId,
  name: 'ops',
  platform,
  mention,
  secretName: 'x',
  maskedUrl: 'x',
  signed: false,
  createdAt: '',
});
const incident = (version = 1): Incident => ({
  incidentId: 'inc-1',
  version,
  revision: version,
  title: 'Disk full',
  severity: 'Critical',
  description: '',
  labels: {},
  responders: ['alice@example.com', 'bob@example.com'],
  targets: [],
  status: 'Triggered',
  triggeredAt: 0,
  updatedAt: 0,
});

function rig(answers: number[], options: { limit?: number } = {}) {
  let nowMs = 1_800_000_000_000;
  const clock = { nowMs: () => nowMs };
  const records: OperationRecord[] = [];
  const posted: Record<string, unknown>[] = [];
  const queued: OutgoingCallInput[] = [];
  const lines: { dueAtMs: number; line: BotDigestLine }[] = [];
  const hits = new Map<number, number>();
  const digests: BotDigestBuffer = {
    add: async (_i, _b, dueAtMs, line) => void lines.push({ dueAtMs, line }),
    takeDue: async (_i, _b, now) => {
      const due = lines.filter((l) => l.dueAtMs <= now);
      lines.splice(0, lines.length, ...lines.filter((l) => l.dueAtMs > now));
      return due.map((l) => l.line);
    },
  };
  const alerts = new GroupBotAlerts({
    bots: { get: async (i, n) => (n === 'ops' ? bot(i, i === 'w' ? 'wecom' : 'dingtalk', i === 'w' ? 'phone' : 'mapping') : undefined), list: async (i) => [bot(i, 'wecom', 'phone')] },
    secrets: { read: async () => ({ webhookUrl: 'http://127.0.0.1:1/cgi-bin/webhook/send?key=k' }) },
    weCom: {
      send: async (_url, body) => {
        posted.push(body);
        return classifyWeComRobot(answers.shift() ?? 0, '');
      },
    },
    outgoing: { enqueue: async (c) => void queued.push(c) },
    counters: {
      hit: async () => {
        const window = Math.floor(nowMs / 60_000);
        hits.set(window, (hits.get(window) ?? 0) + 1);
        return hits.get(window)! <= (options.limit ?? 20);
      },
    },
    ledger: new InMemoryDispatchLedger(clock),
    digests,
    members: { get: async (email) => (email === 'alice@example.com' ? { email, name: 'A', mobile: '+86-13800000001', updatedAt: 0 } : undefined) },
    mappings: { lookup: async () => new Map() },
    links: { byEmails: async () => new Map([['alice@example.com', { integrationId: 'd', email: 'alice@example.com', userId: 'dalice', linkedAt: 0 }]]) },
    operationLog: { append: async (r) => void records.push(...r) },
    clock,
  });
  return { alerts, records, posted, queued, lines, advance: (ms: number) => void (nowMs += ms) };
}

it('a throttled WeCom robot puts the alert into its digest, once', async () => {
  const r = rig([45009]);
  await r.alerts.deliver(weCom, incident(), 'incident.triggered', ['ops']);
  expect(r.lines).toHaveLength(1);
  expect(r.records.map((x) => `${x.recipient}:${x.result}:${x.reasonCode}`)).toEqual(['bob@example.com:dropped:no_phone', 'bot:ops:deferred:robot_rate_limited']);
  await r.alerts.deliver(weCom, incident(), 'incident.triggered', ['ops']);
  expect(r.posted).toHaveLength(1);
});

it('a busy WeCom robot is retried without spending the version; a removed one is a failed record with the fix', async () => {
  const r = rig([-1, 93000]);
  await expect(r.alerts.deliver(weCom, incident(), 'incident.triggered', ['ops'])).rejects.toBeInstanceOf(BotPostRetryLaterError);
  await r.alerts.deliver(weCom, incident(), 'incident.triggered', ['ops']);
  expect(r.posted).toHaveLength(2);
  const failed = r.records.find((x) => x.result === 'failed')!;
  expect(failed).toMatchObject({ reasonCode: 'robot_removed', platformCode: 93000, channel: 'group_bot' });
  expect(failed.reason).toMatch(/bots add .*--replace/);
});

it('an unknown bot is a recorded drop, nothing posted', async () => {
  const r = rig([]);
  await r.alerts.deliver(weCom, incident(), 'incident.triggered', ['ghost']);
  expect(r.posted).toHaveLength(0);
  expect(r.records).toMatchObject([{ result: 'dropped', reasonCode: 'no_target' }]);
});

it('a DingTalk bot alert is queued for dispatch, linked users @-ed, the unlinked recorded', async () => {
  const r = rig([]);
  await r.alerts.deliver(ding, incident(), 'incident.resolved', ['ops']);
  expect(r.queued).toHaveLength(1);
  const call = r.queued[0]! as Extract<OutgoingCallInput, { kind: 'dingtalk.robotWebhook' }>;
  expect(call).toMatchObject({ kind: 'dingtalk.robotWebhook', idempotencyKey: 'botsend:d:ops:inc-1:1', severity: 'Critical', payload: { bot: 'ops' } });
  expect(call.payload.body).toMatchObject({ at: { atUserIds: ['dalice'] } });
  expect(JSON.stringify(call.payload.body)).toContain('Resolved: Disk full');
  expect(r.records.map((x) => `${x.recipient}:${x.reasonCode}`)).toEqual(['bob@example.com:app_not_linked']);
});

it('the flush puts the lines back while the window is full, then sends one digest', async () => {
  const r = rig([], { limit: 1 });
  await r.alerts.deliver(weCom, incident(1), 'incident.triggered', ['ops']);
  await r.alerts.deliver(weCom, incident(2), 'incident.acknowledged', ['ops']);
  expect(r.posted).toHaveLength(1);
  expect(await r.alerts.flush(weCom)).toEqual({ digests: 0, lines: 0 }); // not due before the next window
  r.advance(60_000);
  await r.alerts.deliver(weCom, incident(3), 'incident.resolved', ['ops']); // spends the new window
  expect(r.posted).toHaveLength(2);
  expect(await r.alerts.flush(weCom)).toEqual({ digests: 0, lines: 0 }); // window full: the line goes back
  expect(r.lines).toHaveLength(1);
  r.advance(60_000);
  expect(await r.alerts.flush(weCom)).toEqual({ digests: 1, lines: 1 });
  expect(JSON.stringify(r.posted.at(-1))).toContain('1 more alert');
  expect(JSON.stringify(r.posted.at(-1))).toContain('Acknowledged: Disk full (inc-1)');
  expect(r.lines).toHaveLength(0);
});

it('a digest too long for one message posts what fits and holds the rest for the next digest: no line dropped', async () => {
  const r = rig([]);
  for (let i = 0; i < 200; i++) r.lines.push({ dueAtMs: 0, line: { severity: 'Info', text: `alert ${i} ${'x'.repeat(40)}` } });
  const first = await r.alerts.flush(weCom);
  expect(first.digests).toBe(1);
  expect(first.lines).toBeGreaterThan(0);
  expect(first.lines).toBeLessThan(200);
  expect(r.lines).toHaveLength(200 - first.lines);
  expect(JSON.stringify(r.posted.at(-1))).toContain(`and ${200 - first.lines} more in the next digest`);
  let sent = first.lines;
  for (let n = 0; n < 10 && r.lines.length > 0; n++) {
    r.advance(60_000);
    sent += (await r.alerts.flush(weCom)).lines;
  }
  expect(sent).toBe(200);
  const listed = r.posted.map((p) => (p.markdown as { content: string }).content).join('\n');
  for (let i = 0; i < 200; i++) expect(listed).toContain(`- [Info] alert ${i} x`);
});
