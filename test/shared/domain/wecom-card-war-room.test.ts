/**
 * The WeCom card's "Open War Room" button (issue 14): present only while the integration has War
 * Room on and the incident is not Closed; the card stays within button_list's limits (≤ 6 buttons,
 * keys ≤ 1024 bytes, unique; DOC-90236) and passes the simulator's validator, sent and updated.
 */
import type { Incident, IncidentStatus } from '../../../shared/domain/incident';
import { WAR_ROOM_ACTION_KEY, parseActionKey } from '../../../shared/domain/incident';
import { WECOM_CARD_LIMITS, renderWeComIncidentCard } from '../../../shared/domain/wecom-card';
import { validateTemplateCard } from '../../../sim/wecom/template-card';

const T0 = Date.UTC(2024, 4, 1, 2, 2);
const alice = { email: 'alice@example.com', name: 'Alice' };

function incident(status: IncidentStatus): Incident {
  return {
    incidentId: 'INC-1',
    version: 1,
    revision: 1,
    title: 'Payments API latency',
    severity: 'Critical',
    description: 'p99 above 2 s',
    labels: {},
    responders: ['alice@example.com'],
    targets: [],
    status,
    triggeredAt: T0,
    updatedAt: T0,
    ...(status === 'Snoozed' ? { snoozedUntil: T0 + 3_600_000 } : {}),
    ...(status === 'Processing' ? { acknowledgedBy: alice } : {}),
    ...(status === 'Closed' ? { closedBy: alice } : {}),
  };
}

type Card = Record<string, any>;
const render = (status: IncidentStatus, warRoom?: boolean, text?: boolean) =>
  renderWeComIncidentCard(incident(status), {
    taskId: 'INC-1@wecom-prod',
    nowMs: T0 + 60_000,
    ...(warRoom === undefined ? {} : { warRoom }),
    ...(text ? { text: { title: 'T', description: 'D', customArea: 'a: b', quote: 'q' } } : {}),
  }) as Card;
const buttons = (card: Card) => card.button_list as { text: string; key: string }[];

describe('Open War Room on the WeCom card', () => {
  it.each<IncidentStatus>(['Triggered', 'Processing', 'Snoozed'])('%s with War Room on: the last button, key war_room', (status) => {
    const card = render(status, true);
    expect(buttons(card).at(-1)).toEqual({ text: 'Open War Room', style: 4, key: WAR_ROOM_ACTION_KEY });
    expect(buttons(card).length).toBeLessThanOrEqual(WECOM_CARD_LIMITS.buttons);
    for (const form of ['send', 'update'] as const) expect(validateTemplateCard(JSON.parse(JSON.stringify(card)), 'app', form).buttonKeys).toContain('war_room');
  });

  it.each<IncidentStatus>(['Triggered', 'Processing', 'Snoozed', 'Closed'])('%s with War Room off (or not said): no button', (status) => {
    expect(buttons(render(status, false)).map((b) => b.key)).not.toContain(WAR_ROOM_ACTION_KEY);
    expect(buttons(render(status)).map((b) => b.key)).not.toContain(WAR_ROOM_ACTION_KEY);
  });

  it('Closed with War Room on: no button (a closed incident gets no new room), only the greyed Close Directly', () => {
    const card = render('Closed', true);
    expect(buttons(card).map((b) => b.key)).toEqual(['resolve']);
    expect(card.replace_text).toBeTruthy();
  });

  it('a card with template text keeps the button', () => {
    expect(buttons(render('Triggered', true, true)).map((b) => b.key)).toContain(WAR_ROOM_ACTION_KEY);
  });

  it('its key is no incident action: a click on it can never become a transition', () => {
    expect(parseActionKey(WAR_ROOM_ACTION_KEY)).toBeUndefined();
  });
});
