/**
 * What the smart bot says (issue 15), in both languages: status, who, timeline, the result of an
 * action as IncidentClicks reports it, media, and the notes when the model is unavailable.
 */
import {
  actionResultText,
  formatDuration,
  helpText,
  mediaReceivedText,
  mediaRefusedText,
  modelFallbackNote,
  notVisibleText,
  statusText,
  timelineText,
  unknownIncidentText,
  whichIncidentText,
  whoText,
} from '../../../shared/domain/bot-replies';
import { utf8ByteLength } from '../../../shared/domain/text-budget';
import type { Incident, TimelineEntry } from '../../../shared/domain/incident';

const T0 = Date.parse('2026-12-01T08:00:00Z');
const MIN = 60_000;

const incident: Incident = {
  incidentId: 'INC-1',
  version: 1,
  revision: 3,
  title: 'Payments API 5xx',
  severity: 'Critical',
  description: 'error rate above 5%',
  labels: { service: 'payments' },
  detailUrl: 'https://monitor.example.com/incidents/1',
  responders: ['alice@example.com', 'bob@example.com'],
  targets: [{ integrationId: 'acme', persons: [], groups: [] }],
  status: 'Processing',
  acknowledgedBy: { email: 'alice@example.com', name: 'Alice Chen', platform: 'wecom', userId: 'alice' },
  triggeredAt: T0,
  updatedAt: T0 + 5 * MIN,
  timeline: [
    { at: T0, kind: 'event', what: 'incident.triggered', revision: 1, version: 1 },
    { at: T0 + 5 * MIN, kind: 'click', what: 'acknowledge', revision: 2, actor: { email: 'alice@example.com', name: 'Alice Chen' } },
    { at: T0 + 10 * MIN, kind: 'click', what: 'snooze', snoozeMinutes: 120, revision: 3, actor: { email: 'bob@example.com' } },
  ],
};

describe('helpText', () => {
  it('lists every command in the language asked, and says whether an id is needed', () => {
    const en = helpText('en', { inWarRoom: false });
    for (const word of ['status INC-1', 'ack INC-1', 'close INC-1', 'snooze 2h INC-1', 'who INC-1', 'timeline INC-1', 'postmortem INC-1', 'help']) expect(en).toContain(word);
    expect(en).toContain('30m, 2h, 4h, 12h, 1d');
    expect(en).toContain('Add the incident id');
    const room = helpText('en', { inWarRoom: true });
    expect(room).toContain('no id needed');
    expect(room).not.toContain('INC-1');
    const zh = helpText('zh', { inWarRoom: false });
    for (const word of ['状态 INC-1', '认领 INC-1', '关闭 INC-1', '暂停2小时 INC-1', '谁 INC-1', '时间线 INC-1', '复盘 INC-1', '帮助']) expect(zh).toContain(word);
    expect(helpText('zh', { inWarRoom: true })).toContain('无需写事件编号');
  });

  it('uses no bold or code marks (it is also the plain-text welcome)', () => {
    expect(helpText('en', { inWarRoom: false })).not.toMatch(/\*\*|`/);
    expect(helpText('zh', { inWarRoom: true })).not.toMatch(/\*\*|`/);
  });
});

describe('statusText', () => {
  it('shows id, title, severity, status and by whom, triggered time and age, responders and the link', () => {
    const text = statusText(incident, T0 + 65 * MIN, 'en');
    expect(text).toContain('**INC-1 · Payments API 5xx**');
    expect(text).toContain('Severity: Critical');
    expect(text).toContain('Status: **Processing** (by Alice Chen)');
    expect(text).toContain('Triggered: 2026-12-01 08:00 UTC (1 h 5 min ago)');
    expect(text).toContain('Responders: 2');
    expect(text).toContain('[Details](https://monitor.example.com/incidents/1)');
  });

  it('shows a running snooze with its end, and a finished one as Triggered again', () => {
    const snoozed: Incident = { ...incident, status: 'Snoozed', snoozedUntil: T0 + 130 * MIN };
    expect(statusText(snoozed, T0 + 20 * MIN, 'en')).toContain('Snoozed until: 2026-12-01 10:10 UTC');
    expect(statusText(snoozed, T0 + 20 * MIN, 'en')).toContain('Acknowledged by: Alice Chen');
    const over = statusText(snoozed, T0 + 131 * MIN, 'en');
    expect(over).toContain('Status: **Triggered**');
    expect(over).not.toContain('Snoozed until');
  });

  it('says who closed it, by email when no name is known, and in Chinese', () => {
    const closed: Incident = { ...incident, status: 'Closed', closedBy: { email: 'bob@example.com' } };
    expect(statusText(closed, T0, 'en')).toContain('Status: **Closed** (by bob@example.com)');
    const zh = statusText(closed, T0 + 30 * MIN, 'zh');
    expect(zh).toContain('级别: 严重');
    expect(zh).toContain('状态: **已关闭**（bob@example.com）');
    expect(zh).toContain('（30 分钟前）');
  });

  it('leaves out a detail link that is not http(s), and keeps one with parentheses inside the link', () => {
    expect(statusText({ ...incident, detailUrl: 'javascript:alert(1)' }, T0, 'en')).not.toContain('Details');
    expect(statusText({ ...incident, detailUrl: 'https://x.example/a_(b)' }, T0, 'en')).toContain('(https://x.example/a_%28b%29)');
  });
});

it('formats durations with their two largest units', () => {
  expect(formatDuration(30_000, 'en')).toBe('under 1 min');
  expect(formatDuration(45 * MIN, 'en')).toBe('45 min');
  expect(formatDuration(120 * MIN, 'en')).toBe('2 h');
  expect(formatDuration((2 * 1440 + 3 * 60 + 7) * MIN, 'en')).toBe('2 d 3 h');
  expect(formatDuration(65 * MIN, 'zh')).toBe('1 小时 5 分钟');
});

describe('whoText', () => {
  it('lists responders as linked or not, and who took it', () => {
    const text = whoText(incident, [{ email: 'alice@example.com', name: 'Alice Chen', linked: true }, { email: 'bob@example.com', linked: false }], 'en');
    expect(text).toContain('responders (2)');
    expect(text).toContain('- Alice Chen (alice@example.com): linked');
    expect(text).toContain('- bob@example.com: not linked');
    expect(text).toContain('Taken by: Alice Chen');
    const zh = whoText({ ...incident, acknowledgedBy: undefined }, [], 'zh');
    expect(zh).toContain('此事件没有列出负责人');
    expect(zh).toContain('还没有人认领');
  });

  it('caps a long list', () => {
    const people = Array.from({ length: 150 }, (_, i) => ({ email: `p${i}@example.com`, linked: i % 2 === 0 }));
    const text = whoText(incident, people, 'en');
    expect(text).toContain('p99@example.com');
    expect(text).not.toContain('p100@example.com');
    expect(text).toContain('… and 50 more');
  });
});

describe('timelineText', () => {
  it('shows the entries oldest first, the date once per day, what happened and who', () => {
    const lines = timelineText(incident, 'en').split('\n');
    expect(lines).toEqual([
      '**INC-1 · timeline**',
      '- 2026-12-01 08:00 UTC triggered (incident system)',
      '- 08:05 acknowledged by Alice Chen',
      '- 08:10 snoozed 2h by bob@example.com',
    ]);
  });

  it('keeps the last `limit` entries, says how many there are, and says when there are none', () => {
    const many: TimelineEntry[] = Array.from({ length: 30 }, (_, i) => ({ at: T0 + i * MIN, kind: 'event', what: 'incident.updated', revision: i + 1 }));
    const text = timelineText({ ...incident, timeline: many }, 'en', 5);
    expect(text.split('\n')).toHaveLength(6);
    expect(text).toContain('(last 5 of 30)');
    expect(text).toContain('08:29 updated');
    expect(text).not.toContain('08:24');
    expect(timelineText({ ...incident, timeline: undefined }, 'en')).toContain('No timeline yet.');
    expect(timelineText({ ...incident, timeline: [] }, 'zh')).toContain('暂无时间线记录');
    expect(timelineText({ ...incident, timeline: many.slice(0, 2) }, 'zh')).toContain('更新（来自事件系统）');
  });

  it('repeats the date when the day changes', () => {
    const text = timelineText({ ...incident, timeline: [{ at: T0, kind: 'event', what: 'incident.triggered', revision: 1 }, { at: T0 + 1440 * MIN, kind: 'event', what: 'incident.resolved', revision: 2 }] }, 'en');
    expect(text).toContain('- 2026-12-02 08:00 UTC resolved');
  });
});

describe('actionResultText', () => {
  it('says what a transition did', () => {
    expect(actionResultText('transition', { kind: 'acknowledge' }, incident, undefined, 'en')).toBe('INC-1 is now **Processing** (acknowledged by you).');
    expect(actionResultText('transition', { kind: 'resolve' }, { ...incident, status: 'Closed' }, undefined, 'en')).toBe('INC-1 is now **Closed** (closed by you).');
    expect(actionResultText('transition', { kind: 'snooze', minutes: 240 }, { ...incident, status: 'Snoozed', snoozedUntil: T0 + 240 * MIN }, undefined, 'en')).toBe('INC-1 is now **Snoozed** for 4h, until 2026-12-01 12:00 UTC (by you).');
    expect(actionResultText('transition', { kind: 'acknowledge' }, incident, undefined, 'zh')).toBe('INC-1 现在是 **处理中**（由你认领）。');
  });

  it('says why nothing changed, with the lengths offered for a snooze', () => {
    const closed: Incident = { ...incident, status: 'Closed' };
    expect(actionResultText('no_change', { kind: 'acknowledge' }, closed, 'already closed', 'en')).toBe('INC-1 was not changed: already closed. It is **Closed**.');
    expect(actionResultText('no_change', { kind: 'acknowledge' }, closed, 'already closed', 'zh')).toBe('INC-1 未改变：事件已关闭。当前状态：**已关闭**。');
    const invalid = actionResultText('no_change', { kind: 'snooze', minutes: 0 }, incident, 'snooze length "3h" is not offered', 'en');
    expect(invalid).toContain('not changed: snooze length "3h" is not offered');
    expect(invalid).toContain('Snooze lengths offered: 30m, 2h, 4h, 12h, 1d.');
    expect(actionResultText('no_change', { kind: 'snooze', minutes: 0 }, incident, 'snooze length "3h" is not offered', 'zh')).toContain('不支持暂停时长“3h”');
  });

  it('says when the message was already applied, and when the incident is gone', () => {
    expect(actionResultText('already_applied', { kind: 'resolve' }, { ...incident, status: 'Closed' }, undefined, 'en')).toBe('That was already done for this message: INC-1 is **Closed**.');
    expect(actionResultText('unknown_incident', { kind: 'resolve' }, undefined, undefined, 'en')).toBe('The incident was not found; it may have been removed.');
    expect(actionResultText('unknown_incident', { kind: 'resolve' }, undefined, undefined, 'zh')).toContain('找不到这个事件');
  });
});

it('has short sentences for a missing, unknown or hidden incident', () => {
  expect(whichIncidentText('en')).toContain('status INC-1');
  expect(whichIncidentText('zh')).toContain('状态 INC-1');
  expect(unknownIncidentText('INC-404', 'en')).toBe('No incident `INC-404`: check the id.');
  expect(unknownIncidentText('a`b', 'zh')).toBe('找不到事件 `ab`，请检查编号。');
  expect(notVisibleText('en')).toContain('not sent to this WeCom integration');
  expect(notVisibleText('zh')).toContain('不能在这里显示');
});

it('notes a model timeout or failure as a quote', () => {
  expect(modelFallbackNote('timeout', 'en')).toMatch(/^> .*timed out.*status above/);
  expect(modelFallbackNote('error', 'en')).toMatch(/^> .*failed/);
  expect(modelFallbackNote('timeout', 'zh')).toMatch(/^> AI 回答超时/);
  expect(modelFallbackNote('error', 'zh')).toMatch(/^> AI 回答失败/);
});

describe('media', () => {
  const sha = 'a'.repeat(40) + '0123456789abcdef0123456789abcdef';
  it('lists each item with its type, detected kind, size and full sha256', () => {
    const text = mediaReceivedText(
      [
        { type: 'image', bytes: 2048, kind: 'PNG', sha256: sha },
        { type: 'file', bytes: 3 * 1024 * 1024, kind: 'PDF', sha256: 'f'.repeat(64) },
      ],
      'en',
    );
    expect(text.split('\n')).toEqual(['Received (not stored):', `- image (PNG), 2.0 KiB, sha256 ${sha}`, `- file (PDF), 3.0 MiB, sha256 ${'f'.repeat(64)}`]);
    expect(mediaReceivedText([{ type: 'image', bytes: 10, kind: 'JPEG', sha256: sha }], 'zh')).toContain(`- 图片 (JPEG), 10 B, sha256 ${sha}`);
  });

  it('says why an item was refused', () => {
    expect(mediaRefusedText('too_large', 'en')).toContain('10.0 MiB');
    expect(mediaRefusedText('unavailable', 'en')).toContain('could not be downloaded');
    expect(mediaRefusedText('undecryptable', 'en')).toContain('could not be decrypted');
    expect(mediaRefusedText('undecryptable', 'zh')).toContain('无法解密');
  });
});

it('keeps every text far below the stream limit, even for a huge title', () => {
  const huge: Incident = { ...incident, title: 'x'.repeat(100_000) };
  for (const text of [statusText(huge, T0, 'en'), timelineText(huge, 'zh'), helpText('zh', { inWarRoom: false })]) expect(utf8ByteLength(text)).toBeLessThan(5_000);
});
