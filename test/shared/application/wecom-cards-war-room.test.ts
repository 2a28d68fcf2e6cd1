/**
 * "Open War Room" clicked on a WeCom card (issue 14): a linked clicker's click queues a war-room job
 * with their email and an operation-log line; the incident is not touched and no incident.action
 * is published (the real IncidentClicks, over an in-memory repository with the DynamoDB one's
 * compare-and-swap contract). Stale cards (incident closed, War Room off) and unlinked clickers
 * queue nothing.
 */
import { IncidentClicks } from '../../../shared/application/incident-clicks';
import { ConcurrentUpdateError, type IncidentRepository } from '../../../shared/application/ports';
import type { WarRoomJob } from '../../../shared/application/war-room-ports';
import { WeComCardsUseCase } from '../../../shared/application/wecom-cards';
import { applyIncidentEvent, type Incident } from '../../../shared/domain/incident';
import type { WeComIntegration } from '../../../shared/domain/integration';
import type { OperationRecord } from '../../../shared/domain/operation-log';

const NOW = 1_800_000_000_000;

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

function incident(status: 'Triggered' | 'Closed'): Incident {
  const r = applyIncidentEvent(
    undefined,
    { type: 'incident.triggered', incidentId: 'inc-1', version: 1, occurredAt: '2026-11-22T00:00:00Z', title: 't', severity: 'Critical', description: '', labels: {}, responders: ['alice@example.com'], targets: [] },
    NOW,
  );
  if (r.kind !== 'applied') throw new Error('not applied');
  return status === 'Closed' ? { ...r.incident, status: 'Closed' } : r.incident;
}

const integration = (warRoom: boolean): WeComIntegration =>
  ({ id: 'acme', platform: 'wecom', settings: { corpId: 'ww1', agentId: '1000002', apiBase: 'https://qyapi.weixin.qq.com', ...(warRoom ? { warRoom: { enabled: true, closeOnResolve: true } } : {}) }, secretName: 's', createdAt: '' }) as WeComIntegration;

function setup(options: { status?: 'Triggered' | 'Closed'; linked?: boolean } = {}) {
  const incidents = new MemoryIncidents();
  incidents.stored = incident(options.status ?? 'Triggered');
  const published: unknown[] = [];
  const refreshes: { incidentId: string; options?: unknown }[] = [];
  const jobs: WarRoomJob[] = [];
  const log: OperationRecord[] = [];
  const texts: unknown[] = [];
  const records: string[] = [];
  const clock = { nowMs: () => NOW };
  const record = (event: string) => void records.push(event);
  const clicks = new IncidentClicks({ incidents, actions: { publish: async (m) => void published.push(m) }, refresh: { request: async (incidentId, o) => void refreshes.push({ incidentId, options: o }) }, clock, record });
  const useCase = new WeComCardsUseCase({
    incidents,
    links: { byUserId: async (_i: string, userId: string) => (options.linked === false ? undefined : { integrationId: 'acme', email: 'alice@example.com', userId, linkedAt: 0 }) } as never,
    cards: { addCode: async () => undefined, findTask: async () => ({ incidentId: 'inc-1' }), consumeCode: async () => true } as never,
    messengers: { forIntegration: async () => ({ updateTemplateCard: async () => undefined, sendText: async (a: unknown) => void texts.push(a) }) } as never,
    clicks,
    clock,
    record,
    operationLog: { append: async (r) => void log.push(...r) },
    warRoomJobs: { request: async (job) => void jobs.push(job) },
  });
  let n = 0;
  const click = (warRoom = true) =>
    useCase.click(integration(warRoom), { event: 'template_card_event', fromUserName: 'alice', taskId: 'task-1', responseCode: `code-${++n}`, eventKey: 'war_room' } as never, `wecom:acme:click-${n}`);
  return { incidents, published, refreshes, jobs, log, texts, records, click };
}

describe('Open War Room clicked on a WeCom card', () => {
  it('queues a war-room job with the clicker, changes nothing on the incident, publishes no action', async () => {
    const t = setup();
    const before = structuredClone(t.incidents.stored);
    expect(await t.click()).toBe('war_room_requested');
    expect(t.jobs).toEqual([{ incidentId: 'inc-1', reason: 'requested', requestedBy: 'alice@example.com' }]);
    expect(t.incidents.saves).toBe(0);
    expect(t.incidents.stored).toEqual(before);
    expect(t.published).toEqual([]);
    // Answered like a no-change click: the card catches up at once with the click's code.
    expect(t.refreshes).toEqual([{ incidentId: 'inc-1', options: { delaySeconds: 0 } }]);
    expect(t.records).not.toContain('click_transition');
    expect(t.log).toEqual([
      expect.objectContaining({ result: 'done', reasonCode: 'war_room_requested', incidentId: 'inc-1', integrationId: 'acme', platform: 'wecom', channel: 'war_room', recipient: 'alice@example.com' }),
    ]);
  });

  it('a repeated click queues another job (the worker reconciles; it never makes a second room)', async () => {
    const t = setup();
    await t.click();
    await t.click();
    expect(t.jobs).toHaveLength(2);
    expect(t.published).toEqual([]);
  });

  it('an old card of a closed incident queues nothing and says why', async () => {
    const t = setup({ status: 'Closed' });
    expect(await t.click()).toBe('no_change');
    expect(t.jobs).toEqual([]);
    expect(t.log).toEqual([expect.objectContaining({ result: 'dropped', reasonCode: 'war_room_refused', reason: expect.stringContaining('the incident is closed') })]);
  });

  it('an old card after War Room was turned off queues nothing', async () => {
    const t = setup();
    expect(await t.click(false)).toBe('no_change');
    expect(t.jobs).toEqual([]);
    expect(t.log[0]).toMatchObject({ reasonCode: 'war_room_refused', reason: expect.stringContaining('War Room is off on acme') });
  });

  it('an unlinked clicker gets the unlinked handling and queues nothing', async () => {
    const t = setup({ linked: false });
    expect(await t.click()).toBe('not_linked');
    expect(t.jobs).toEqual([]);
    expect(t.texts).toHaveLength(1);
    expect(t.records).toContain('app_not_linked');
  });
});
