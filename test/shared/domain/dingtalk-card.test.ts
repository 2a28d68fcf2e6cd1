import fc from 'fast-check';
import {
  CARD_VALUE_MAX_BYTES,
  MSG_PARAM_MAX_BYTES,
  cardParamMapProblems,
  digestMessage,
  groupMarkdownMessage,
  incidentCardButtons,
  incidentCardParams,
  truncateUtf8,
  utf8Bytes,
} from '../../../shared/domain/dingtalk-card';
import { parseActionKey, type Incident } from '../../../shared/domain/incident';
import { cardParamMapProblems as simProblems, renderCard } from '../../../sim/dingtalk/cards';

const NOW = Date.UTC(2026, 2, 10, 2, 0, 0);

function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    incidentId: 'inc-1',
    version: 1,
    revision: 1,
    title: 'P1 数据库宕机 DB down',
    severity: 'Critical',
    description: 'Primary lost quorum',
    labels: {},
    detailUrl: 'https://oncall.example.com/incidents/inc-1',
    responders: [],
    targets: [],
    status: 'Triggered',
    triggeredAt: NOW - 60_000,
    updatedAt: NOW,
    ...overrides,
  };
}

describe('incident card params', () => {
  it('has the keys the template and the simulator read, all strings', () => {
    const params = incidentCardParams(incident(), NOW);
    expect(Object.keys(params).sort()).toEqual(['assignee', 'buttons', 'description', 'detailUrl', 'incidentId', 'severity', 'status', 'title', 'triggeredAt'].sort());
    expect(cardParamMapProblems(params)).toEqual([]);
    expect(simProblems(params, 'cardParamMap')).toEqual([]);
    const rendered = renderCard('inc-1', params);
    expect(rendered.title).toBe('P1 数据库宕机 DB down');
    expect(rendered.fields).toEqual([
      { key: 'severity', value: 'Critical' },
      { key: 'status', value: 'Triggered' },
      { key: 'assignee', value: 'Unassigned' },
    ]);
    expect(rendered.url).toBe('https://oncall.example.com/incidents/inc-1');
    expect(rendered.buttons.map((b) => b.key)).toEqual(['acknowledge', 'resolve', 'snooze:120', 'snooze:30', 'snooze:240', 'snooze:720', 'snooze:1440', 'refresh']);
    expect(params.triggeredAt).toBe('2026-03-10 09:59 (UTC+8)');
  });

  it('every button key parses as an incident action and carries it as params.action', () => {
    for (const button of incidentCardButtons('Triggered')) {
      expect(parseActionKey(button.key)).toBeDefined();
      expect(button.params.action).toBe(button.key);
    }
    expect(incidentCardButtons('Triggered').find((b) => b.key === 'snooze:120')?.text).toBe('Snooze 2h');
    expect(incidentCardButtons('Triggered').find((b) => b.key === 'snooze:30')?.text).toBe('Snooze 30m');
    expect(incidentCardButtons('Triggered', 'zh')[0]?.text).toBe('开始处理');
  });

  it('disables what the status does not allow', () => {
    const processing = incidentCardButtons('Processing');
    expect(processing.find((b) => b.key === 'acknowledge')?.disabled).toBe(true);
    expect(processing.find((b) => b.key === 'resolve')?.disabled).toBeUndefined();
    const closed = incidentCardButtons('Closed');
    expect(closed.filter((b) => !b.disabled).map((b) => b.key)).toEqual(['refresh']);
  });

  it('shows who took it and an expired snooze as Triggered', () => {
    const acked = incidentCardParams(incident({ status: 'Processing', acknowledgedBy: { email: 'a@x.com', name: 'Alice' } }), NOW);
    expect(acked.assignee).toBe('Alice');
    expect(acked.status).toBe('Processing');
    const snoozeOver = incidentCardParams(incident({ status: 'Snoozed', snoozedUntil: NOW - 1 }), NOW);
    expect(snoozeOver.status).toBe('Triggered');
    const snoozed = incidentCardParams(incident({ status: 'Snoozed', snoozedUntil: NOW + 3600_000 }), NOW);
    expect(snoozed.status).toContain('Snoozed');
  });

  it('keeps every value within 1 KB for any text (UTF-8, on code-point boundaries)', () => {
    fc.assert(
      // The generator can produce U+FFFD itself; exclude it so a U+FFFD in the output can only mean a split code point.
      fc.property(fc.string({ unit: 'grapheme', maxLength: 2000 }).filter((t) => !t.includes('\uFFFD')), fc.string({ maxLength: 3000 }), (title, description) => {
        const params = incidentCardParams(incident({ title, description, detailUrl: `https://x.example/${'a'.repeat(1100)}` }), NOW);
        expect(cardParamMapProblems(params)).toEqual([]);
        expect(params.detailUrl).toBeUndefined();
        expect(params.title.includes('\uFFFD')).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('truncates on code points', () => {
    const cut = truncateUtf8('故'.repeat(400), CARD_VALUE_MAX_BYTES);
    expect(utf8Bytes(cut)).toBeLessThanOrEqual(CARD_VALUE_MAX_BYTES);
    expect(cut.endsWith('…')).toBe(true);
    expect(truncateUtf8('short', 10)).toBe('short');
  });
});

describe('group markdown messages (no @: groupMessages/send has no @ fields)', () => {
  it('is a sampleMarkdown msgParam with the title and text, and nothing else', () => {
    const message = groupMarkdownMessage({ title: 'P1', text: 'DB down' });
    expect(message).toEqual({ msgKey: 'sampleMarkdown', msgParam: JSON.stringify({ title: 'P1', text: 'DB down' }) });
  });
  it('stays within 15000 bytes even for huge text', () => {
    const message = groupMarkdownMessage({ title: 't', text: '"故障"\n'.repeat(20_000) });
    expect(utf8Bytes(message.msgParam)).toBeLessThanOrEqual(MSG_PARAM_MAX_BYTES);
    expect((JSON.parse(message.msgParam) as { text: string }).text.endsWith('…')).toBe(true);
  });
  it('digest lists lines and counts the rest', () => {
    const lines = Array.from({ length: 45 }, (_, i) => ({ severity: 'Warning' as const, text: `incident ${i}` }));
    const message = digestMessage(lines, NOW);
    const text = (JSON.parse(message.msgParam) as { text: string }).text;
    expect(text).toContain('incident 0');
    expect(text).toContain('and 15 more');
    expect(utf8Bytes(message.msgParam)).toBeLessThanOrEqual(MSG_PARAM_MAX_BYTES);
  });
});
