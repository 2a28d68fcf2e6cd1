/**
 * Names on third-party (suite) cards: a WeCom clicker without a name is written `$userName=<userid>$`
 * (enable_id_trans, DOC-90372) in the fields WeCom translates, never cut, never in replace_text;
 * the simulator draws it as the member's name only when asked to translate and the id is known.
 */
import fc from 'fast-check';
import type { Actor, Incident } from '../../../shared/domain/incident';
import { codePointLength } from '../../../shared/domain/text-budget';
import { WECOM_CARD_LIMITS, renderWeComClosedReplacement, renderWeComIncidentCard, weComUserNamePlaceholder } from '../../../shared/domain/wecom-card';
import { translateUserNames, validateTemplateCard } from '../../../sim/wecom/template-card';

const T0 = Date.UTC(2024, 4, 1, 2, 2);
/** A plain userid (self-built apps, historical corps) and an encrypted one (new corps, 32 characters, DOC-96516). */
const PLAIN_ID = 'ana';
const OPEN_ID = 'woAbC3dE4fG5hI6jK7lM8nO9pQ0rS1tU';
const clicker = (userId: string, extra: Partial<Actor> = {}): Actor => ({ email: 'ana@acme.example', platform: 'wecom', userId, ...extra });

function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    incidentId: 'INC-1',
    version: 1,
    revision: 2,
    title: 'Order service latency',
    severity: 'Critical',
    description: 'p99 above 2 s',
    labels: {},
    responders: [],
    targets: [],
    status: 'Processing',
    triggeredAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

type Card = Record<string, any>;
const render = (i: Incident, idTranslation = true) => renderWeComIncidentCard(i, { taskId: 'INC-1@acme-wecom', nowMs: T0 + 60_000, idTranslation }) as Card;
const row = (card: Card, keyname: string) => (card.horizontal_content_list as { keyname: string; value: string }[]).find((r) => r.keyname === keyname)?.value;

describe('weComUserNamePlaceholder', () => {
  it('wraps a WeCom userid and refuses anything that could break out of the placeholder', () => {
    expect(weComUserNamePlaceholder('ana')).toBe('$userName=ana$');
    expect(weComUserNamePlaceholder('zhang.wei@acme')).toBe('$userName=zhang.wei@acme$');
    expect(weComUserNamePlaceholder('a$b')).toBeUndefined();
    expect(weComUserNamePlaceholder('_ana')).toBeUndefined();
    expect(weComUserNamePlaceholder('a'.repeat(65))).toBeUndefined();
    expect(weComUserNamePlaceholder('')).toBeUndefined();
  });
});

describe('renderWeComIncidentCard with idTranslation', () => {
  it('a short userid goes under the title and into the Assignee row', () => {
    const card = render(incident({ acknowledgedBy: clicker(PLAIN_ID) }));
    expect(card.main_title.desc).toBe('Processing by $userName=ana$');
    expect(row(card, 'Assignee')).toBe('$userName=ana$');
    expect(card.sub_title_text).toBe('p99 above 2 s');
  });

  it('an encrypted userid, too long for the 44-character line, leads the body; the 30-character row keeps the email', () => {
    const card = render(incident({ acknowledgedBy: clicker(OPEN_ID) }));
    expect(card.main_title.desc).toBe('Processing');
    expect(card.sub_title_text).toBe(`Processing by $userName=${OPEN_ID}$\np99 above 2 s`);
    expect(row(card, 'Assignee')).toBe('ana@acme.example');
  });

  it('the leading line survives a description cut to 160 characters', () => {
    const card = render(incident({ acknowledgedBy: clicker(OPEN_ID), description: 'x '.repeat(200) }));
    expect(codePointLength(card.sub_title_text)).toBe(WECOM_CARD_LIMITS.subTitleChars);
    expect(card.sub_title_text.startsWith(`Processing by $userName=${OPEN_ID}$\nx x`)).toBe(true);
  });

  it('Closed: the status and the row are translated, replace_text (not translated by WeCom) keeps the email', () => {
    const closed = incident({ status: 'Closed', closedBy: clicker(PLAIN_ID) });
    const card = render(closed);
    expect(card.main_title.desc).toBe('Closed by $userName=ana$');
    expect(row(card, 'Closed by')).toBe('$userName=ana$');
    expect(card.replace_text).toBe('Closed by ana@acme.example');
    expect(renderWeComClosedReplacement(closed)).toBe('Closed by ana@acme.example');
  });

  it('keeps today\'s text without the option, for a named actor, a DingTalk clicker, no userid or an unusable one', () => {
    const cases: [Actor, boolean, string][] = [
      [clicker(PLAIN_ID), false, 'ana@acme.example'],
      [clicker(PLAIN_ID, { name: 'Ana Li' }), true, 'Ana Li'],
      [clicker(PLAIN_ID, { platform: 'dingtalk' }), true, 'ana@acme.example'],
      [{ email: 'ana@acme.example', platform: 'wecom' }, true, 'ana@acme.example'],
      [clicker('bad$id'), true, 'ana@acme.example'],
    ];
    for (const [actor, idTranslation, shown] of cases) {
      const card = render(incident({ acknowledgedBy: actor }), idTranslation);
      expect(card.main_title.desc).toBe(`Processing by ${shown}`);
      expect(row(card, 'Assignee')).toBe(shown);
      expect(JSON.stringify(card)).not.toContain('$userName=');
    }
  });

  it('a template card replaces the fixed texts: no placeholder is left behind', () => {
    const text = { title: 'T', description: 'D', customArea: 'a: b', quote: 'q' };
    const card = renderWeComIncidentCard(incident({ acknowledgedBy: clicker(OPEN_ID) }), { taskId: 'INC-1@acme-wecom', nowMs: T0, idTranslation: true, text }) as Card;
    expect(card.main_title).toEqual({ title: 'T', desc: 'q' });
    expect(card.sub_title_text).toBe('D');
  });

  it('property: within every limit, placeholders only whole and only in translated fields; the simulator accepts the card', () => {
    const userId = fc.oneof(fc.stringMatching(/^[0-9A-Za-z][0-9A-Za-z_.@-]{0,63}$/), fc.string({ maxLength: 80 }));
    const actor = fc.record({
      email: fc.string({ maxLength: 120 }),
      name: fc.option(fc.constantFrom('Ana Li', ' ', ''), { nil: undefined }),
      platform: fc.option(fc.constantFrom('wecom', 'dingtalk' as const), { nil: undefined }),
      userId: fc.option(userId, { nil: undefined }),
    });
    const input = fc.record({
      status: fc.constantFrom('Triggered', 'Processing', 'Snoozed', 'Closed' as const),
      acknowledgedBy: fc.option(actor, { nil: undefined }),
      closedBy: fc.option(actor, { nil: undefined }),
      title: fc.string({ maxLength: 80 }),
      description: fc.string({ maxLength: 300 }),
    });
    fc.assert(
      fc.property(input, (fields) => {
        const card = render(incident(fields as Partial<Incident>));
        const L = WECOM_CARD_LIMITS;
        expect(codePointLength(card.main_title.desc)).toBeLessThanOrEqual(L.titleDescChars);
        if (card.sub_title_text !== undefined) expect(codePointLength(card.sub_title_text)).toBeLessThanOrEqual(L.subTitleChars);
        for (const r of card.horizontal_content_list) expect(codePointLength(r.value)).toBeLessThanOrEqual(L.horizontalValueChars);
        if (card.replace_text !== undefined) expect(card.replace_text).not.toContain('$userName=');
        // Every placeholder is whole (no "$userName=…" cut short) and names a clicker's userid.
        const ids = [fields.acknowledgedBy?.userId, fields.closedBy?.userId].filter((id): id is string => id !== undefined);
        const incidentText = `${fields.title}${fields.description}`;
        for (const text of [card.main_title.desc, card.sub_title_text ?? '', ...card.horizontal_content_list.map((r: { value: string }) => r.value)]) {
          const whole = [...text.matchAll(/\$userName=([^$]*)\$/g)].map((m) => m[1]);
          for (const id of whole) expect(ids).toContain(id);
          if (!incidentText.includes('$')) expect(text.split('$userName=').length - 1).toBe(whole.length);
        }
        expect(() => validateTemplateCard(JSON.parse(JSON.stringify(card)), 'app', 'send', () => 'Ana Li')).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});

describe('the simulator draws $userName=ID$', () => {
  const names = (id: string) => (id === 'ana' ? 'Ana Li' : undefined);

  it('as the member\'s name when translating, literally for an unknown id or without translation', () => {
    expect(translateUserNames('Processing by $userName=ana$', names)).toBe('Processing by Ana Li');
    expect(translateUserNames('Processing by $userName=bob$', names)).toBe('Processing by $userName=bob$');
    expect(translateUserNames('Processing by $userName=ana$', undefined)).toBe('Processing by $userName=ana$');
  });

  it('in main_title.desc, sub_title_text and row values, not in replace_text; limits count the text as sent', () => {
    const card = render(incident({ status: 'Closed', closedBy: clicker(PLAIN_ID) }));
    const shown = validateTemplateCard(card, 'app', 'send', names).rendered;
    expect(shown.subtitle).toBe('Closed by Ana Li');
    expect(shown.fields).toContainEqual({ key: 'Closed by', value: 'Ana Li' });
    expect(shown.replacedText).toBe('Closed by ana@acme.example');
    const long = render(incident({ acknowledgedBy: clicker(OPEN_ID) }));
    const drawn = validateTemplateCard(long, 'app', 'update', (id) => (id === OPEN_ID ? 'Ana Li' : undefined)).rendered;
    expect(drawn.body).toBe('Processing by Ana Li\np99 above 2 s');
    expect(validateTemplateCard(long, 'app').rendered.body).toBe(`Processing by $userName=${OPEN_ID}$\np99 above 2 s`);
    // A desc whose translation would fit but whose placeholder does not is still refused (40058).
    const tooLong = { ...long, main_title: { title: 'T', desc: `Processing by $userName=${OPEN_ID}$` } };
    expect(() => validateTemplateCard(tooLong, 'app', 'send', () => 'A')).toThrow(/main_title\.desc exceeds 44/);
  });
});
