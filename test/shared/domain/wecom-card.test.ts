import fc from 'fast-check';
import type { Incident } from '../../../shared/domain/incident';
import { applyIncidentAction, parseActionKey } from '../../../shared/domain/incident';
import { codePointLength } from '../../../shared/domain/text-budget';
import {
  WECOM_CARD_LIMITS,
  WeComTaskIdError,
  formatChinaTime,
  isValidWeComTaskId,
  renderWeComClosedReplacement,
  renderWeComIncidentCard,
  snoozeMinutesFromSelection,
  weComTaskId,
} from '../../../shared/domain/wecom-card';
import { validateTemplateCard } from '../../../sim/wecom/template-card';

const T0 = Date.UTC(2024, 4, 1, 2, 2); // 10:02 in China
const alice = { email: 'alice@example.com', name: 'Alice' };

function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    incidentId: 'INC-1',
    version: 1,
    revision: 1,
    title: 'Payments API latency',
    severity: 'Critical',
    description: 'p99 above 2 s for 10 minutes',
    labels: { service: 'payments', env: 'prod' },
    detailUrl: 'https://oncall.example.com/incidents/INC-1',
    responders: ['alice@example.com'],
    targets: [],
    status: 'Triggered',
    triggeredAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

const options = { taskId: 'INC-1@wecom-prod', nowMs: T0 + 60_000 };
type Card = Record<string, any>;
const render = (i: Incident, o: Partial<typeof options> & { fallbackUrl?: string } = {}) => renderWeComIncidentCard(i, { ...options, ...o }) as Card;
const keys = (card: Card) => (card.button_list as { key: string }[]).map((b) => b.key);

describe('renderWeComIncidentCard', () => {
  it('renders a triggered incident as a button_interaction card', () => {
    const card = render(incident());
    expect(card).toMatchObject({
      card_type: 'button_interaction',
      source: { desc: 'dutybridge', desc_color: 2 },
      main_title: { title: '[Critical] Payments API latency', desc: 'Triggered, waiting for someone to respond' },
      sub_title_text: 'p99 above 2 s for 10 minutes',
      card_action: { type: 1, url: 'https://oncall.example.com/incidents/INC-1' },
      task_id: 'INC-1@wecom-prod',
      button_list: [
        { text: 'Start Processing', style: 1, key: 'acknowledge' },
        { text: 'Close Directly', style: 2, key: 'resolve' },
        { text: 'Snooze 2h', style: 3, key: 'snooze:120' },
      ],
    });
    expect(card.horizontal_content_list).toEqual([
      { keyname: 'Severity', value: 'Critical' },
      { keyname: 'Status', value: 'Triggered' },
      { keyname: 'Triggered', value: '2024-05-01 10:02 (UTC+8)' },
      { keyname: 'Labels', value: 'env=prod, service=payments' },
    ]);
    expect(card.replace_text).toBeUndefined();
  });

  it('menu: Refresh Status plus the snooze lengths that fit in 3 entries; a dropdown offers all, 2 h preselected', () => {
    const card = render(incident());
    expect(card.action_menu.action_list).toEqual([
      { text: 'Refresh Status', key: 'refresh' },
      { text: 'Snooze 30 min', key: 'snooze:30' },
      { text: 'Snooze 4h', key: 'snooze:240' },
    ]);
    expect(card.button_selection).toMatchObject({
      question_key: 'snooze',
      selected_id: 'snooze:120',
      option_list: ['snooze:30', 'snooze:120', 'snooze:240', 'snooze:720', 'snooze:1440'].map((id) => expect.objectContaining({ id })),
    });
    // Every key on the card is an action the domain understands.
    for (const key of [...keys(card), ...card.action_menu.action_list.map((a: { key: string }) => a.key)]) {
      expect(parseActionKey(key)).toBeDefined();
    }
  });

  it('Processing: no Start Processing, the assignee is shown', () => {
    const card = render(incident({ status: 'Processing', acknowledgedBy: alice }));
    expect(keys(card)).toEqual(['resolve', 'snooze:120']);
    expect(card.main_title.desc).toBe('Processing by Alice');
    expect(card.horizontal_content_list).toContainEqual({ keyname: 'Assignee', value: 'Alice' });
    expect(card.source.desc_color).toBe(2);
  });

  it('Snoozed: shows until when (China time); once the snooze ran out the card is Triggered again', () => {
    const snoozed = incident({ status: 'Snoozed', snoozedUntil: T0 + 2 * 3600_000 });
    const card = render(snoozed);
    expect(card.main_title.desc).toBe('Snoozed until 2024-05-01 12:02 (UTC+8)');
    expect(keys(card)).toEqual(['acknowledge', 'resolve', 'snooze:120']);
    const later = render(snoozed, { nowMs: T0 + 3 * 3600_000 });
    expect(later.horizontal_content_list).toContainEqual({ keyname: 'Status', value: 'Triggered' });
  });

  it('Closed: greyed with replace_text, no dropdown, only Refresh in the menu, green source', () => {
    const closed = incident({ status: 'Closed', closedBy: { email: 'bob@example.com', name: 'Bob' } });
    const card = render(closed);
    expect(card.replace_text).toBe('Closed by Bob');
    expect(card.button_selection).toBeUndefined();
    expect(card.action_menu.action_list).toEqual([{ text: 'Refresh Status', key: 'refresh' }]);
    expect(card.source.desc_color).toBe(3);
    expect(card.horizontal_content_list).toContainEqual({ keyname: 'Closed by', value: 'Bob' });
  });

  it('falls back to the configured URL when detailUrl is missing or not http(s), and omits card_action without either', () => {
    expect(render(incident({ detailUrl: undefined }), { fallbackUrl: 'https://bridge.example.com/' }).card_action).toEqual({ type: 1, url: 'https://bridge.example.com/' });
    expect(render(incident({ detailUrl: 'javascript:alert(1)' }), { fallbackUrl: 'https://bridge.example.com/' }).card_action.url).toBe('https://bridge.example.com/');
    expect(render(incident({ detailUrl: undefined })).card_action).toBeUndefined();
  });

  it('a title cut to 36 characters is repeated in full at the top of the body', () => {
    const card = render(incident({ title: 'Payments API 5xx on pay-gateway-07 (v2)' }));
    expect(card.main_title.title).toBe('[Critical] Payments API 5xx on pay-…');
    expect(card.sub_title_text).toBe('Payments API 5xx on pay-gateway-07 (v2)\np99 above 2 s for 10 minutes');
    expect(render(incident({ title: 'Short', description: '' })).sub_title_text).toBeUndefined();
  });

  it('omits sub_title_text and Labels when empty; severity colours differ', () => {
    const card = render(incident({ description: '  ', labels: {}, severity: 'Info' }));
    expect(card.sub_title_text).toBeUndefined();
    expect(card.horizontal_content_list.map((r: { keyname: string }) => r.keyname)).toEqual(['Severity', 'Status', 'Triggered']);
    expect(card.source.desc_color).toBe(0);
    expect(render(incident({ severity: 'Warning' })).source.desc_color).toBe(1);
  });

  it('refuses a task_id outside WeCom alphabet', () => {
    expect(() => render(incident(), { taskId: 'has space' })).toThrow(WeComTaskIdError);
    expect(() => render(incident(), { taskId: 'x'.repeat(129) })).toThrow(WeComTaskIdError);
  });

  it('the card follows the state machine: acknowledge then resolve', () => {
    const ack = applyIncidentAction(incident(), { kind: 'acknowledge' }, alice, T0 + 1000);
    expect(ack.kind).toBe('transition');
    expect(keys(render(ack.incident))).not.toContain('acknowledge');
    const done = applyIncidentAction(ack.incident, { kind: 'resolve' }, alice, T0 + 2000);
    expect(render(done.incident).replace_text).toBe('Closed by Alice');
  });

  const anyText = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 400 }),
    fc.string({ unit: 'binary', maxLength: 400 }),
    fc.string({ unit: fc.constantFrom('👨‍👩‍👧‍👦', 'e\u0301', '告警', 'a', ' ', '\n', '\uD800'), maxLength: 300 }),
  );
  const anyActor = fc.record({ email: anyText, name: fc.option(anyText, { nil: undefined }) });
  const anyIncident = fc.record({
    title: anyText,
    description: anyText,
    severity: fc.constantFrom('Critical', 'Warning', 'Info' as const),
    status: fc.constantFrom('Triggered', 'Processing', 'Snoozed', 'Closed' as const),
    labels: fc.dictionary(anyText, anyText, { maxKeys: 8 }),
    acknowledgedBy: fc.option(anyActor, { nil: undefined }),
    closedBy: fc.option(anyActor, { nil: undefined }),
    snoozedUntil: fc.option(fc.integer({ min: 0, max: 4_102_444_800_000 }), { nil: undefined }),
    triggeredAt: fc.integer({ min: 0, max: 4_102_444_800_000 }),
    detailUrl: fc.option(fc.oneof(fc.webUrl(), anyText), { nil: undefined }),
  });

  it('property: any Unicode content of any length stays within every WeCom limit and passes the simulator validator', () => {
    fc.assert(
      fc.property(anyIncident, fc.integer({ min: 0, max: 4_102_444_800_000 }), (fields, nowMs) => {
        const card = render(incident(fields as Partial<Incident>), { nowMs });
        const L = WECOM_CARD_LIMITS;
        expect(codePointLength(card.main_title.title)).toBeLessThanOrEqual(L.titleChars);
        expect(codePointLength(card.main_title.desc)).toBeLessThanOrEqual(L.titleDescChars);
        if (card.sub_title_text !== undefined) expect(codePointLength(card.sub_title_text)).toBeLessThanOrEqual(L.subTitleChars);
        expect(codePointLength(card.source.desc)).toBeLessThanOrEqual(L.sourceDescChars);
        expect(card.horizontal_content_list.length).toBeLessThanOrEqual(L.horizontalRows);
        for (const row of card.horizontal_content_list) expect(codePointLength(row.value)).toBeLessThanOrEqual(L.horizontalValueChars);
        expect(card.button_list.length).toBeGreaterThanOrEqual(1);
        expect(card.button_list.length).toBeLessThanOrEqual(L.buttons);
        expect(card.action_menu.action_list.length).toBeLessThanOrEqual(L.menuEntries);
        for (const b of card.button_list) expect(Buffer.byteLength(b.key)).toBeLessThanOrEqual(L.keyBytes);
        if (card.replace_text !== undefined) expect(codePointLength(card.replace_text)).toBeLessThanOrEqual(L.replaceTextChars);
        // No lone surrogates: what we measured is what is sent.
        expect(JSON.stringify(card)).not.toMatch(/\\ud[89a-f]/i);
        const validated = validateTemplateCard(JSON.parse(JSON.stringify(card)), 'app');
        expect(validated.issuesResponseCode).toBe(true);
        // A click on Snooze without touching the dropdown carries its default: 2 h.
        if (card.button_selection) expect(snoozeMinutesFromSelection(validated.defaultSelections)).toBe(120);
      }),
      { numRuns: 300 },
    );
  });
});

describe('renderWeComIncidentCard with template text', () => {
  const text = { title: '[严重] 支付延迟', description: 'p99 高', customArea: '级别：严重', quote: '待处理，等待响应\n值班手册见 wiki' };

  it('puts the quote\'s first line under the title (not the fixed English status), the rest in quote_area', () => {
    const card = render(incident(), { text } as never);
    expect(card.main_title).toEqual({ title: '[严重] 支付延迟', desc: '待处理，等待响应' });
    expect(card.quote_area).toEqual({ type: 0, quote_text: '值班手册见 wiki' });
    expect(() => validateTemplateCard(card, 'app')).not.toThrow();
  });

  it('has no line under the title and no quote_area when the template has no quote', () => {
    const card = render(incident({ status: 'Processing', acknowledgedBy: alice }), { text: { ...text, quote: '' } } as never);
    expect(card.main_title).toEqual({ title: '[严重] 支付延迟' });
    expect(card.quote_area).toBeUndefined();
  });

  it('cuts the line under the title to 44 characters', () => {
    const card = render(incident(), { text: { ...text, quote: '字'.repeat(60) } } as never);
    expect(codePointLength(card.main_title.desc)).toBeLessThanOrEqual(WECOM_CARD_LIMITS.titleDescChars);
    expect(card.quote_area).toBeUndefined();
  });
});

describe('weComTaskId', () => {
  it('is readable for simple ids and stable', () => {
    expect(weComTaskId('INC-1234', 'wecom-prod')).toBe('INC-1234@wecom-prod');
    expect(weComTaskId('INC-1234', 'wecom-prod', 2)).toBe('INC-1234@wecom-prod@2');
    expect(weComTaskId('INC-1234', 'wecom-prod')).toBe(weComTaskId('INC-1234', 'wecom-prod'));
  });

  it('hashes ids with other characters or too long', () => {
    const hashed = weComTaskId('incident/7 ü', 'wecom');
    expect(hashed).toMatch(/^@[0-9a-f]{64}$/);
    expect(weComTaskId('x'.repeat(200), 'y')).toMatch(/^@[0-9a-f]{64}$/);
  });

  it('property: always valid; different inputs give different ids', () => {
    const id = fc.oneof(fc.string({ minLength: 1, maxLength: 150 }), fc.stringMatching(/^[0-9a-zA-Z_-]{1,70}$/));
    const input = fc.tuple(id, id, fc.nat(5));
    fc.assert(
      fc.property(input, input, ([a, b, g], [c, d, h]) => {
        const first = weComTaskId(a, b, g);
        expect(isValidWeComTaskId(first)).toBe(true);
        expect(Buffer.byteLength(first)).toBeLessThanOrEqual(128);
        if (a !== c || b !== d || g !== h) expect(first).not.toBe(weComTaskId(c, d, h));
      }),
      { numRuns: 500 },
    );
    // The '@' separator keeps ids that would collide with '-' apart.
    expect(weComTaskId('a-b', 'c')).not.toBe(weComTaskId('a', 'b-c'));
  });
});

describe('renderWeComClosedReplacement', () => {
  it('names who closed it, by name or email', () => {
    expect(renderWeComClosedReplacement(incident({ status: 'Closed', closedBy: { email: 'a@x.com', name: 'Alice' } }))).toBe('Closed by Alice');
    expect(renderWeComClosedReplacement(incident({ status: 'Closed', closedBy: { email: 'a@x.com' } }))).toBe('Closed by a@x.com');
    expect(renderWeComClosedReplacement(incident({ status: 'Closed' }))).toBe('Closed');
    expect(codePointLength(renderWeComClosedReplacement(incident({ closedBy: { email: 'e', name: 'N'.repeat(100) } })))).toBe(WECOM_CARD_LIMITS.replaceTextChars);
  });
});

describe('snoozeMinutesFromSelection', () => {
  it('reads the dropdown from a click', () => {
    expect(snoozeMinutesFromSelection([{ questionKey: 'snooze', optionIds: ['snooze:720'] }])).toBe(720);
    expect(snoozeMinutesFromSelection([{ questionKey: 'other', optionIds: ['x'] }, { questionKey: 'snooze', optionIds: ['snooze:30'] }])).toBe(30);
  });

  it('ignores missing, foreign or unoffered selections', () => {
    expect(snoozeMinutesFromSelection(undefined)).toBeUndefined();
    expect(snoozeMinutesFromSelection([])).toBeUndefined();
    expect(snoozeMinutesFromSelection([{ questionKey: 'snooze', optionIds: [] }])).toBeUndefined();
    expect(snoozeMinutesFromSelection([{ questionKey: 'snooze', optionIds: ['snooze:99'] }])).toBeUndefined();
    expect(snoozeMinutesFromSelection([{ questionKey: 'snooze', optionIds: ['resolve'] }])).toBeUndefined();
  });
});

describe('formatChinaTime', () => {
  it('is UTC+8 without daylight saving', () => {
    expect(formatChinaTime(Date.UTC(2024, 11, 31, 16, 30))).toBe('2025-01-01 00:30');
    expect(formatChinaTime(Date.UTC(2024, 6, 1, 0, 0))).toBe('2024-07-01 08:00');
  });
});
