/**
 * The post-mortem draft (issue 15): summary with time to acknowledge and resolve, the whole
 * timeline, the clicks, the War Rooms, the delivery history from the operation log, and the
 * sections people fill in; English by default, Chinese headings on request.
 */
import type { Incident } from '../../../shared/domain/incident';
import { TIMELINE_MAX_ENTRIES } from '../../../shared/domain/incident';
import type { OperationRecord } from '../../../shared/domain/operation-log';
import { incidentMilestones, renderPostmortem } from '../../../shared/domain/postmortem';
import type { WarRoom } from '../../../shared/domain/war-room';
import { utf8ByteLength } from '../../../shared/domain/text-budget';

const T0 = Date.parse('2026-12-01T08:00:00Z');
const MIN = 60_000;
const alice = { email: 'alice@example.com', name: 'Alice Chen', platform: 'wecom' as const, userId: 'alice' };
const bob = { email: 'bob@example.com', platform: 'dingtalk' as const, userId: 'bob' };

const incident: Incident = {
  incidentId: 'INC-9',
  version: 3,
  revision: 5,
  title: 'Orders | queue backlog',
  severity: 'Critical',
  description: 'backlog above 10k',
  labels: {},
  detailUrl: 'https://monitor.example.com/i/9',
  responders: ['alice@example.com', 'bob@example.com'],
  targets: [{ integrationId: 'acme', persons: [], groups: [] }],
  status: 'Closed',
  acknowledgedBy: alice,
  closedBy: bob,
  triggeredAt: T0,
  updatedAt: T0 + 95 * MIN,
  timeline: [
    { at: T0, kind: 'event', what: 'incident.triggered', revision: 1, version: 1 },
    { at: T0 + 7 * MIN, kind: 'click', what: 'acknowledge', revision: 2, actor: alice, idempotencyKey: 'k2' },
    { at: T0 + 20 * MIN, kind: 'click', what: 'snooze', snoozeMinutes: 30, revision: 3, actor: bob, idempotencyKey: 'k3' },
    { at: T0 + 60 * MIN, kind: 'event', what: 'incident.updated', revision: 4, version: 2 },
    { at: T0 + 95 * MIN, kind: 'click', what: 'resolve', revision: 5, actor: bob, idempotencyKey: 'k5' },
  ],
};

const room: WarRoom = {
  incidentId: 'INC-9',
  integrationId: 'acme',
  platform: 'wecom',
  state: 'closed',
  chatId: 'wrabc',
  name: '[Critical] Orders queue backlog · INC-9',
  members: ['alice', 'bob', 'carol'],
  memberEmails: {},
  unresolved: [],
  summaryPosted: true,
  closingPosted: true,
  createdAt: T0 + 10 * MIN,
  updatedAt: T0 + 96 * MIN,
};

const record = (minutes: number, extra: Partial<OperationRecord>): OperationRecord => ({
  atMs: T0 + minutes * MIN,
  result: 'sent',
  reasonCode: 'delivered',
  reason: 'card delivered',
  incidentId: 'INC-9',
  integrationId: 'acme',
  platform: 'wecom',
  channel: 'card',
  ...extra,
});

const records: OperationRecord[] = [
  record(2, { reasonCode: 'app_not_linked', result: 'dropped', reason: 'App Not Linked: carol@example.com has no WeCom user linked', recipient: 'carol@example.com', channel: undefined }),
  record(1, {}),
  record(1, { recipient: 'alice@example.com' }),
  record(8, { channel: 'card_update', reasonCode: 'updated', reason: 'card updated' }),
  record(9, { result: 'failed', reasonCode: 'permission_missing', reason: 'WeCom 48002: the app may not call appchat/create', channel: 'war_room' }),
];

describe('renderPostmortem', () => {
  const text = renderPostmortem({ incident, rooms: [room], records, nowMs: T0 + 120 * MIN });

  it('opens with the title and a summary table with the times to acknowledge and resolve', () => {
    expect(text.startsWith('# Post-mortem draft: INC-9 · Orders | queue backlog\n')).toBe(true);
    expect(text).toContain('| Severity | Critical |');
    expect(text).toContain('| Status | Closed |');
    expect(text).toContain('| Triggered | 2026-12-01 08:00 UTC |');
    expect(text).toContain('| Acknowledged | 2026-12-01 08:07 UTC by Alice Chen (alice@example.com) |');
    expect(text).toContain('| Closed | 2026-12-01 09:35 UTC by bob@example.com |');
    expect(text).toContain('| Time to acknowledge | 7 min |');
    expect(text).toContain('| Time to resolve | 1 h 35 min |');
    expect(text).toContain('| Responders | alice@example.com, bob@example.com |');
    expect(text).toContain('| Details | https://monitor.example.com/i/9 |');
  });

  it('lists the whole timeline and the actions people took', () => {
    expect(text).toContain('## Timeline (UTC)');
    expect(text).toContain('| 2026-12-01 08:00 UTC | triggered (incident system) |');
    expect(text).toContain('| 2026-12-01 09:00 UTC | updated (incident system) |');
    const actions = text.slice(text.indexOf('## Actions taken'), text.indexOf('## War Rooms'));
    expect(actions.trim().split('\n').slice(2)).toEqual([
      '- 2026-12-01 08:07 UTC acknowledged by Alice Chen (wecom)',
      '- 2026-12-01 08:20 UTC snoozed 30m by bob@example.com (dingtalk)',
      '- 2026-12-01 09:35 UTC closed by bob@example.com (dingtalk)',
    ]);
  });

  it('lists the War Rooms and the delivery history, with what was not delivered and why', () => {
    expect(text).toContain('| [Critical] Orders queue backlog · INC-9 | wecom | closed | 3 | 2026-12-01 08:10 UTC |');
    expect(text).toContain('- Operation log records: 5');
    expect(text).toContain('- By result: sent 3, dropped 1, failed 1');
    expect(text).toContain('- By channel: card 2, - 1, card_update 1, war_room 1');
    const notable = text.slice(text.indexOf('Not delivered or refused'), text.indexOf('## Root cause'));
    expect(notable).toContain('- 2026-12-01 08:02 UTC dropped app_not_linked (wecom acme carol@example.com): App Not Linked: carol@example.com has no WeCom user linked');
    expect(notable).toContain('- 2026-12-01 08:09 UTC failed permission_missing (wecom acme war_room): WeCom 48002');
    // Oldest first, whatever order the log answered in.
    expect(notable.indexOf('08:02')).toBeLessThan(notable.indexOf('08:09'));
    expect(notable).not.toContain('card delivered');
  });

  it('ends with the sections people fill in', () => {
    const headings = text.split('\n').filter((l) => l.startsWith('## '));
    expect(headings).toEqual(['## Summary', '## Timeline (UTC)', '## Actions taken', '## War Rooms', '## Delivery and cards', '## Root cause', '## Impact', '## What went well', '## What to improve', '## Action items']);
    expect(text).toContain('## Root cause\n\n_To be filled in._');
    expect(text.endsWith('## Action items\n\n- [ ] \n')).toBe(true);
  });

  it('escapes a pipe inside a table cell', () => {
    const withPipe = renderPostmortem({ incident, rooms: [{ ...room, name: 'a|b' }], records: [], nowMs: T0 });
    expect(withPipe).toContain('| a\\|b | wecom |');
  });
});

describe('renderPostmortem for an open incident, with nothing else known', () => {
  it('says not yet, leaves the durations empty and says (none)', () => {
    const open: Incident = { ...incident, status: 'Triggered', acknowledgedBy: undefined, closedBy: undefined, timeline: [incident.timeline![0]], detailUrl: undefined };
    const text = renderPostmortem({ incident: open, rooms: [], records: [], nowMs: T0 + 5 * MIN });
    expect(text).toContain('| Acknowledged | not yet |');
    expect(text).toContain('| Closed | not yet |');
    expect(text).toContain('| Time to acknowledge | - |');
    expect(text).toContain('| Time to resolve | - |');
    expect(text).not.toContain('| Details |');
    expect(text).toContain('## War Rooms\n\n(none)');
    expect(text).toContain('## Delivery and cards\n\n(none)');
    expect(text).toContain('## Actions taken\n\n(none)');
  });

  it('knows an acknowledgement whose entry fell out of the bounded timeline, and says older entries may be missing', () => {
    const updates = Array.from({ length: TIMELINE_MAX_ENTRIES }, (_, i) => ({ at: T0 + i * MIN, kind: 'event' as const, what: 'incident.updated', revision: i + 1 }));
    const text = renderPostmortem({ incident: { ...incident, status: 'Processing', timeline: updates }, rooms: [], records: [], nowMs: T0 });
    expect(text).toContain('| Acknowledged | yes (time not in the timeline) by Alice Chen (alice@example.com) |');
    expect(text).toContain(`Only the last ${TIMELINE_MAX_ENTRIES} entries are kept`);
  });

  it('takes the last close after a reopen, and none while reopened', () => {
    const reopened: Incident = {
      ...incident,
      timeline: [...incident.timeline!, { at: T0 + 100 * MIN, kind: 'event', what: 'incident.reopened', revision: 6 }, { at: T0 + 130 * MIN, kind: 'event', what: 'incident.resolved', revision: 7 }],
    };
    expect(incidentMilestones(reopened, T0 + 200 * MIN)).toEqual({ acknowledgedAt: T0 + 7 * MIN, closedAt: T0 + 130 * MIN });
    expect(incidentMilestones({ ...reopened, status: 'Triggered' }, T0 + 200 * MIN)).toEqual({ acknowledgedAt: T0 + 7 * MIN });
  });
});

it('has Chinese headings on request and stays within the bot reply limit with a full log', () => {
  const many = Array.from({ length: 500 }, (_, i) => record(i % 90, { result: i % 3 === 0 ? 'failed' : 'sent', reasonCode: i % 3 === 0 ? 'transient_error' : 'delivered', reason: `attempt ${i}: ${'x'.repeat(800)}` }));
  const zh = renderPostmortem({ incident, rooms: [room], records: many, nowMs: T0, locale: 'zh' });
  expect(zh).toContain('# 事后复盘草稿: INC-9');
  expect(zh).toContain('## 概要');
  expect(zh).toContain('| 级别 | 严重 |');
  expect(zh).toContain('| 状态 | 已关闭 |');
  expect(zh).toContain('| 认领耗时 | 7 分钟 |');
  for (const heading of ['## 时间线（UTC）', '## 已采取的操作', '## 作战室', '## 投递与卡片记录', '## 根因', '## 影响', '## 做得好的地方', '## 待改进', '## 改进项']) expect(zh).toContain(heading);
  expect(zh).toContain('……另有 152 条');
  expect(utf8ByteLength(zh)).toBeLessThan(20_480);
});
