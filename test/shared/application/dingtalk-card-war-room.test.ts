/**
 * "Open War Room" on the DingTalk card (issue 14). Rendering: one more item of the `buttons` card
 * variable (no template change), only while War Room is on and the incident is not Closed, the
 * value still within 1 KB (instructions-for-filling-in-api-card-data). Click: a linked clicker's
 * click queues a war-room job with their email and an operation-log line, changes nothing on the
 * incident (the real IncidentClicks over an in-memory repository), publishes no incident.action.
 */
import { DingTalkCardFlow } from '../../../shared/application/dingtalk-card-flow';
import { IncidentClicks } from '../../../shared/application/incident-clicks';
import { ConcurrentUpdateError, type IncidentRepository } from '../../../shared/application/ports';
import type { WarRoomJob } from '../../../shared/application/war-room-ports';
import { cardParamMapProblems, incidentCardParams, type CardButton } from '../../../shared/domain/dingtalk-card';
import { applyIncidentEvent, type Incident, type IncidentStatus } from '../../../shared/domain/incident';
import type { Integration } from '../../../shared/domain/integration';

const NOW = Date.UTC(2026, 2, 10, 2, 0, 0);

function incident(status: IncidentStatus = 'Triggered'): Incident {
  const r = applyIncidentEvent(
    undefined,
    { type: 'incident.triggered', incidentId: 'inc-1', version: 1, occurredAt: '2026-03-10T00:00:00Z', title: 'DB down', severity: 'Critical', description: '', labels: {}, responders: ['ana@example.com'], targets: [] },
    NOW,
  );
  if (r.kind !== 'applied') throw new Error('not applied');
  return { ...r.incident, status, ...(status === 'Snoozed' ? { snoozedUntil: NOW + 3_600_000 } : {}) };
}
const buttonsOf = (params: Record<string, string>) => JSON.parse(params.buttons!) as CardButton[];

describe('incidentCardParams: Open War Room', () => {
  it.each<IncidentStatus>(['Triggered', 'Processing', 'Snoozed'])('%s with War Room on: enabled, key and action war_room, before Refresh', (status) => {
    for (const locale of ['en', 'zh'] as const) {
      const params = incidentCardParams(incident(status), NOW, { warRoom: true, locale });
      const buttons = buttonsOf(params);
      expect(buttons.at(-2)).toEqual({ key: 'war_room', text: locale === 'en' ? 'Open War Room' : '开启作战室', params: { action: 'war_room' } });
      expect(buttons.at(-1)!.key).toBe('refresh');
      expect(cardParamMapProblems(params)).toEqual([]);
    }
  });

  it('not offered with War Room off, nor on a closed incident', () => {
    for (const status of ['Triggered', 'Closed'] as const) expect(buttonsOf(incidentCardParams(incident(status), NOW)).map((b) => b.key)).not.toContain('war_room');
    expect(buttonsOf(incidentCardParams(incident('Closed'), NOW, { warRoom: true })).map((b) => b.key)).not.toContain('war_room');
  });
});

class MemoryIncidents implements IncidentRepository {
  stored: Incident | undefined;
  saves = 0;
  async get(): Promise<Incident | undefined> {
    return this.stored && structuredClone(this.stored);
  }
  async save(next: Incident, expected: number): Promise<void> {
    if ((this.stored?.revision ?? 0) !== expected) throw new ConcurrentUpdateError(next.incidentId);
    this.saves += 1;
    this.stored = structuredClone(next);
  }
  async clearPendingActions(): Promise<boolean> {
    return false;
  }
}

const ding = (warRoom: boolean): Integration =>
  ({
    id: 'ding',
    platform: 'dingtalk',
    settings: { clientId: 'dingc', cardTemplateId: 'tpl', ...(warRoom ? { warRoom: { enabled: true, templateId: 'sg-tpl', robotCode: 'sg-robot', closeOnResolve: true } } : {}) },
    secretName: 's',
    createdAt: '',
  }) as unknown as Integration;

function setup(options: { status?: IncidentStatus; linked?: boolean; warRoom?: boolean } = {}) {
  const incidents = new MemoryIncidents();
  incidents.stored = incident(options.status);
  const published: unknown[] = [];
  const jobs: WarRoomJob[] = [];
  const records: { event: string; details: Record<string, unknown> }[] = [];
  const clock = { nowMs: () => NOW };
  const record = (event: string, details: Record<string, unknown>) => void records.push({ event, details });
  const clicks = new IncidentClicks({ incidents, actions: { publish: async (m) => void published.push(m) }, refresh: { request: async () => undefined }, clock, record });
  const flow = new DingTalkCardFlow({
    cards: { findOutTrack: async () => ({ incidentId: 'inc-1' }) },
    links: { byUserId: async (_i: string, userId: string) => (options.linked === false ? undefined : { integrationId: 'ding', email: 'ana@example.com', userId, linkedAt: 0 }) },
    clicks,
    clock,
    record,
    warRoom: { jobs: { request: async (job: WarRoomJob) => void jobs.push(job) }, integrations: { get: async () => ding(options.warRoom ?? true) } },
  } as never);
  let n = 0;
  const click = (action = 'war_room') => flow.onClick({ integrationId: 'ding', outTrackId: 'o', userId: 'd-ana', params: { action }, actionIds: [action], clickKey: `dingtalk:ding:card:${++n}`, receivedAtMs: NOW });
  return { incidents, published, jobs, records, click };
}

describe('DingTalk: Open War Room clicked', () => {
  it('queues a job with the clicker, changes nothing, publishes no action, answers with the card (button kept)', async () => {
    const t = setup();
    const before = structuredClone(t.incidents.stored);
    const answer = await t.click();
    expect(t.jobs).toEqual([{ incidentId: 'inc-1', reason: 'requested', requestedBy: 'ana@example.com' }]);
    expect(t.incidents.saves).toBe(0);
    expect(t.incidents.stored).toEqual(before);
    expect(t.published).toEqual([]);
    if (answer.kind !== 'update') throw new Error(`answered ${answer.kind}`);
    expect(buttonsOf(answer.cardParamMap!).map((b) => b.key)).toContain('war_room');
    expect(t.records.find((r) => r.event === 'war_room_requested')!.details).toMatchObject({ result: 'done', reasonCode: 'war_room_requested', platform: 'dingtalk', recipient: 'ana@example.com' });
    await t.click();
    expect(t.jobs).toHaveLength(2);
  });

  it('a stale card (closed incident, War Room off) queues nothing and records why', async () => {
    const closed = setup({ status: 'Closed' });
    await closed.click();
    expect(closed.jobs).toEqual([]);
    expect(closed.records.find((r) => r.event === 'war_room_not_requested')!.details).toMatchObject({ result: 'dropped', reasonCode: 'war_room_refused', reason: expect.stringContaining('closed') });
    const off = setup({ warRoom: false });
    const answer = await off.click();
    expect(off.jobs).toEqual([]);
    if (answer.kind !== 'update') throw new Error(`answered ${answer.kind}`);
    expect(buttonsOf(answer.cardParamMap!).map((b) => b.key)).not.toContain('war_room');
  });

  it('an unlinked clicker is told to link and queues nothing; other buttons are unchanged', async () => {
    const t = setup({ linked: false });
    expect(await t.click()).toMatchObject({ kind: 'update', userPrivateParamMap: { note: expect.stringContaining('not linked') } });
    expect(t.jobs).toEqual([]);
    const linked = setup();
    await linked.click('acknowledge');
    expect(linked.jobs).toEqual([]);
    expect(linked.published).toHaveLength(1);
  });
});
