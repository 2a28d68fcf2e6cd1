/**
 * The card use cases record who does not get a card, as drops with reason code, platform,
 * recipient and plain words: App Not Linked people, WeCom group chats, and targets nobody can
 * receive (no persons, no responders; no linked person and no active group).
 */
import { DingTalkCardFlow } from '../../../shared/application/dingtalk-card-flow';
import type { DingTalkCardRecord, Link, WeComCardStore } from '../../../shared/application/ports';
import { WeComCardsUseCase } from '../../../shared/application/wecom-cards';
import type { Incident, IncidentTarget } from '../../../shared/domain/incident';
import type { DingTalkIntegration, WeComIntegration } from '../../../shared/domain/integration';
import type { WeComCardRecord } from '../../../shared/domain/wecom-card-record';

const incident = (integrationId: string, target: Partial<IncidentTarget>, responders: string[] = []): Incident => ({
  incidentId: 'inc-7',
  version: 1,
  revision: 1,
  title: 'DB down',
  severity: 'Critical',
  description: '',
  labels: {},
  responders,
  targets: [{ integrationId, persons: [], groups: [], ...target }],
  status: 'Triggered',
  triggeredAt: 0,
  updatedAt: 0,
});

const linkStore = (links: Record<string, string>) => ({
  byEmails: async (integrationId: string, emails: readonly string[]) =>
    new Map<string, Link>(emails.filter((e) => links[e]).map((e) => [e, { integrationId, email: e, userId: links[e], linkedAt: 0 }])),
  byEmail: async () => undefined,
  byUserId: async () => undefined,
  set: async () => undefined,
  remove: async () => false,
  list: async () => [],
});

function weCom(links: Record<string, string>) {
  const records: { outcome: string; details: Record<string, unknown> }[] = [];
  let card: WeComCardRecord | undefined;
  const cards = {
    getCard: async () => card,
    createCard: async (c: WeComCardRecord) => (card ??= c),
    updateBatch: async () => undefined,
    setInvalidUsers: async () => undefined,
    addCode: async () => undefined,
  } as unknown as WeComCardStore;
  const useCase = new WeComCardsUseCase({
    incidents: {} as never,
    links: linkStore(links),
    cards,
    messengers: { forIntegration: async () => ({ sendTemplateCard: async () => ({ msgId: 'm', invalidUsers: [] }) }) } as never,
    clicks: {} as never,
    clock: { nowMs: () => 0 },
    record: (outcome, details) => void records.push({ outcome, details }),
  });
  return { useCase, drops: () => records.filter((r) => r.details.result === 'dropped').map((r) => ({ outcome: r.outcome, ...r.details })) };
}

function dingTalk(links: Record<string, string>, groupState: 'active' | 'uninstalled' = 'active') {
  const records: { outcome: string; details: Record<string, unknown> }[] = [];
  const cards = new Map<string, DingTalkCardRecord>();
  const flow = new DingTalkCardFlow({
    incidents: {} as never,
    clicks: {} as never,
    links: linkStore(links),
    members: { get: async () => undefined, upsert: async () => undefined, remove: async () => undefined },
    groups: { get: async (_id, cid) => ({ integrationId: 'ding', openConversationId: cid, state: groupState, eventTime: 0 }), apply: async () => 'applied', list: async () => [] },
    cards: {
      getCard: async (_i, id) => cards.get(id),
      createCard: async (card) => cards.get(card.incidentId) ?? (cards.set(card.incidentId, card), card),
      findOutTrack: async () => undefined,
      markRendered: async () => true,
      addOutTrack: async () => undefined,
      markQueued: async () => undefined,
    },
    outgoing: { enqueue: async () => undefined },
    userLookups: { forIntegration: async () => ({ getUserIdByMobile: async () => undefined }) },
    mobileLookups: { get: async () => undefined, put: async () => undefined },
    clock: { nowMs: () => 0 },
    record: (outcome, details) => void records.push({ outcome, details }),
  });
  return { flow, drops: () => records.filter((r) => r.details.result === 'dropped').map((r) => ({ outcome: r.outcome, ...r.details })) };
}

const wecomIntegration = { id: 'acme', platform: 'wecom', settings: {} } as unknown as WeComIntegration;
const dingIntegration = { id: 'ding', platform: 'dingtalk', settings: { cardTemplateId: 'tpl', clientId: 'c' } } as unknown as DingTalkIntegration;

describe('WeCom card drops', () => {
  it('records each person without a link (App Not Linked) with platform, recipient and reason', async () => {
    const w = weCom({ 'bob@example.com': 'bob' });
    await w.useCase.deliver(wecomIntegration, incident('acme', { persons: ['alice@example.com', 'bob@example.com'] }));
    expect(w.drops()).toEqual([
      expect.objectContaining({ outcome: 'app_not_linked', reasonCode: 'app_not_linked', platform: 'wecom', integrationId: 'acme', incidentId: 'inc-7', recipient: 'alice@example.com', reason: expect.stringContaining('App Not Linked') }),
    ]);
  });

  it('records a target that names nobody (no persons, no responders) and WeCom group chats', async () => {
    const w = weCom({});
    await w.useCase.deliver(wecomIntegration, incident('acme', { groups: ['wrOps'] }));
    expect(w.drops()).toEqual([
      expect.objectContaining({ reasonCode: 'group_unavailable', recipient: 'wrOps', platform: 'wecom' }),
      expect.objectContaining({ outcome: 'no_recipients', reasonCode: 'no_target', integrationId: 'acme', reason: expect.stringContaining('nobody gets a WeCom card') }),
    ]);
  });
});

describe('DingTalk card drops', () => {
  it('records a target with no linked person and no active group, and the unavailable group', async () => {
    const d = dingTalk({}, 'uninstalled');
    await d.flow.deliver(dingIntegration, incident('ding', { persons: ['alice@example.com'], groups: ['cidOps=='] }));
    expect(d.drops()).toEqual([
      expect.objectContaining({ reasonCode: 'app_not_linked', recipient: 'alice@example.com', platform: 'dingtalk' }),
      expect.objectContaining({ reasonCode: 'group_unavailable', recipient: 'cidOps==', reason: expect.stringContaining('uninstalled') }),
      expect.objectContaining({ outcome: 'no_recipients', reasonCode: 'app_not_linked', reason: expect.stringContaining('no linked person and no active group') }),
    ]);
  });

  it('records nothing as dropped when everyone can be reached', async () => {
    const d = dingTalk({ 'alice@example.com': 'alice' });
    await d.flow.deliver(dingIntegration, incident('ding', { persons: ['alice@example.com'], groups: ['cidOps=='] }));
    expect(d.drops()).toEqual([]);
  });
});
