/**
 * Group @mentions of the DingTalk card flow, on in-memory ports: linked responders by their
 * link, the others by the member directory's mobile through getbymobile (cached: hits 7 days,
 * misses 1 day, failures not at all); whoever cannot be @-ed is recorded with the reason; no
 * separate group "mention" message is queued.
 */
import {
  DingTalkCardFlow,
  MOBILE_LOOKUP_HIT_TTL_SECONDS,
  MOBILE_LOOKUP_MISS_TTL_SECONDS,
  dingTalkMobile,
} from '../../../shared/application/dingtalk-card-flow';
import type { DingTalkCardRecord, Link, Member, MobileLookup } from '../../../shared/application/ports';
import type { Incident } from '../../../shared/domain/incident';
import type { DingTalkIntegration } from '../../../shared/domain/integration';
import type { OutgoingCallInput } from '../../../shared/domain/outgoing-call';

const NOW = Date.UTC(2026, 2, 10, 2, 0, 0);
const GROUP = 'cidOps==';
const integration = { id: 'ding', platform: 'dingtalk', settings: { cardTemplateId: 'tpl', clientId: 'dingclient' } } as unknown as DingTalkIntegration;

function incident(incidentId: string, responders: string[], groups: string[] = [GROUP]): Incident {
  return {
    incidentId,
    version: 1,
    revision: 1,
    title: 'DB down',
    severity: 'Critical',
    description: 'quorum lost',
    labels: {},
    responders,
    targets: [{ integrationId: 'ding', persons: [], groups }],
    status: 'Triggered',
    triggeredAt: NOW,
    updatedAt: NOW,
  };
}

class LookupFailure extends Error {
  constructor(
    readonly kind: 'permanent' | 'retry',
    readonly code: number | string,
    message: string,
  ) {
    super(message);
  }
  readonly answered = true;
}

function setup(options: { links?: Record<string, string>; members?: Member[]; directory?: Record<string, string | Error> } = {}) {
  const links = new Map<string, Link>(Object.entries(options.links ?? {}).map(([email, userId]) => [email, { integrationId: 'ding', email, userId, linkedAt: 0 }]));
  const members = new Map((options.members ?? []).map((m) => [m.email, m]));
  const cards = new Map<string, DingTalkCardRecord>();
  const queued: OutgoingCallInput[] = [];
  const recorded: { event: string; details: Record<string, unknown> }[] = [];
  const lookups: string[] = [];
  const cache = new Map<string, { lookup: MobileLookup; ttlSeconds: number }>();
  const flow = new DingTalkCardFlow({
    incidents: {} as never,
    clicks: {} as never,
    links: {
      byEmails: async (_id, emails) => new Map([...links].filter(([email]) => emails.map((e) => e.toLowerCase()).includes(email))),
      byEmail: async () => undefined,
      byUserId: async () => undefined,
      set: async () => undefined,
      remove: async () => false,
      list: async () => [],
    },
    members: { get: async (email) => members.get(email), upsert: async () => undefined, remove: async () => undefined },
    groups: { get: async (_id, cid) => ({ integrationId: 'ding', openConversationId: cid, state: 'active', eventTime: 0 }), apply: async () => 'applied', list: async () => [] },
    cards: {
      getCard: async (_i, incidentId) => cards.get(incidentId),
      createCard: async (card) => cards.get(card.incidentId) ?? (cards.set(card.incidentId, card), card),
      findOutTrack: async () => undefined,
      markRendered: async () => true,
      addOutTrack: async () => undefined,
      markQueued: async (_i, incidentId) => void cards.set(incidentId, { ...cards.get(incidentId)!, queued: true }),
    },
    outgoing: { enqueue: async (call) => void queued.push(call) },
    userLookups: {
      forIntegration: async () => ({
        getUserIdByMobile: async (mobile: string) => {
          lookups.push(mobile);
          const answer = options.directory?.[mobile];
          if (answer instanceof Error) throw answer;
          return answer;
        },
      }),
    },
    mobileLookups: {
      get: async (_id, mobile) => cache.get(mobile)?.lookup,
      put: async (_id, mobile, lookup, ttlSeconds) => void cache.set(mobile, { lookup, ttlSeconds }),
    },
    clock: { nowMs: () => NOW },
    record: (event, details) => void recorded.push({ event, details }),
  });
  return { flow, cards, queued, recorded, lookups, cache };
}

const member = (email: string, name: string, mobile?: string): Member => ({ email, name, ...(mobile ? { mobile } : {}), updatedAt: 0 });

describe('DingTalk group card @mentions', () => {
  it('@mentions linked responders by link and unlinked ones by mobile, on the card only (no mention message)', async () => {
    const t = setup({
      links: { 'lina@example.com': 'lina' },
      members: [member('lina@example.com', '李娜', '+86-13800000002'), member('wang@example.com', '王芳', '+86-13800000003'), member('nomobile@example.com', 'No Mobile')],
      directory: { '13800000003': 'wangfang' },
    });
    await t.flow.deliver(integration, incident('inc-1', ['lina@example.com', 'wang@example.com', 'nomobile@example.com', 'stranger@example.com']));
    expect(t.queued.map((call) => call.kind)).toEqual(['dingtalk.createAndDeliver']);
    const payload = t.queued[0]!.payload as { atUserIds?: Record<string, string>; targets: unknown[] };
    // Directory names where known; the linked person needs no lookup.
    expect(payload.atUserIds).toEqual({ lina: '李娜', wangfang: '王芳' });
    expect(t.lookups).toEqual(['13800000003']);
    expect(t.cards.get('inc-1')?.unmentioned).toEqual([
      { email: 'nomobile@example.com', reason: 'no_mobile' },
      { email: 'stranger@example.com', reason: 'no_mobile' },
    ]);
    const unresolved = t.recorded.filter((r) => r.event === 'dingtalk_mention_unresolved');
    expect(unresolved.map((r) => [r.details.email, r.details.mentionReason, r.details.result, r.details.reasonCode])).toEqual([
      ['nomobile@example.com', 'no_mobile', 'dropped', 'mention_unresolved'],
      ['stranger@example.com', 'no_mobile', 'dropped', 'mention_unresolved'],
    ]);
    expect(unresolved[0]!.details.reason).toBe('nomobile@example.com is not @mentioned on the DingTalk group card: no mobile is known for them (publish member.upserted with their mobile, or link them with dutybridge links set)');
  });

  it('caches hits for 7 days and misses for 1 day: a second incident looks nobody up again', async () => {
    const t = setup({
      members: [member('wang@example.com', '王芳', '+86-13800000003'), member('gone@example.com', 'Gone', '+86-13900000000')],
      directory: { '13800000003': 'wangfang' },
    });
    await t.flow.deliver(integration, incident('inc-1', ['wang@example.com', 'gone@example.com']));
    expect(t.lookups).toEqual(['13800000003', '13900000000']);
    expect([...t.cache.entries()].map(([mobile, entry]) => [mobile, entry.lookup.userId ?? entry.lookup.miss, entry.ttlSeconds])).toEqual([
      ['13800000003', 'wangfang', MOBILE_LOOKUP_HIT_TTL_SECONDS],
      ['13900000000', 'not_found', MOBILE_LOOKUP_MISS_TTL_SECONDS],
    ]);
    expect(MOBILE_LOOKUP_HIT_TTL_SECONDS).toBe(7 * 86_400);
    expect(MOBILE_LOOKUP_MISS_TTL_SECONDS).toBe(86_400);
    await t.flow.deliver(integration, incident('inc-2', ['wang@example.com', 'gone@example.com']));
    expect(t.lookups).toHaveLength(2);
    expect((t.queued.at(-1)!.payload as { atUserIds: Record<string, string> }).atUserIds).toEqual({ wangfang: '王芳' });
    expect(t.cards.get('inc-2')?.unmentioned).toEqual([{ email: 'gone@example.com', reason: 'not_found' }]);
  });

  it('records refusals and failures with the reason and does not cache them; an invalid mobile is a cached miss', async () => {
    const t = setup({
      members: [member('a@example.com', 'A', '+86-13800000011'), member('b@example.com', 'B', '+86-13800000012'), member('c@example.com', 'C', '12')],
      directory: {
        '13800000011': new LookupFailure('permanent', 60011, 'errcode 88 with sub_code 60011: 没有调用该接口的权限'),
        '13800000012': new LookupFailure('retry', -1, 'errcode -1 系统繁忙'),
        '12': new LookupFailure('permanent', 40104, 'errcode 40104 企业中无效的手机号'),
      },
    });
    await t.flow.deliver(integration, incident('inc-1', ['a@example.com', 'b@example.com', 'c@example.com']));
    expect(t.cards.get('inc-1')?.unmentioned).toEqual([
      { email: 'a@example.com', reason: 'lookup_refused', detail: expect.stringContaining('没有调用该接口的权限') },
      { email: 'b@example.com', reason: 'lookup_failed', detail: expect.stringContaining('系统繁忙') },
      { email: 'c@example.com', reason: 'invalid_mobile', detail: expect.stringContaining('40104') },
    ]);
    expect([...t.cache.keys()]).toEqual(['12']);
    // The card still goes out, with nobody to @.
    expect(t.queued.map((call) => [call.kind, 'atUserIds' in call.payload])).toEqual([['dingtalk.createAndDeliver', false]]);
  });

  it('looks nobody up when the incident targets no group', async () => {
    const t = setup({ members: [member('wang@example.com', '王芳', '+86-13800000003')], directory: { '13800000003': 'wangfang' } });
    await t.flow.deliver(integration, incident('inc-1', ['wang@example.com'], []));
    expect(t.lookups).toEqual([]);
    expect(t.cards.get('inc-1')?.unmentioned).toBeUndefined();
  });

  it('passes mainland mobiles without +86 and keeps other country codes', () => {
    expect(dingTalkMobile('+86-13800000002')).toBe('13800000002');
    expect(dingTalkMobile('+8613800000002')).toBe('13800000002');
    expect(dingTalkMobile('+1-4155550100')).toBe('+1-4155550100');
  });
});
