/**
 * The link prompt of an unlinked click, per platform: WeCom marks that user's card and sends a
 * text with the link; DingTalk answers the callback with the link on that user's card.
 */
import { DingTalkCardFlow } from '../../../shared/application/dingtalk-card-flow';
import { LINK_FIRST_BUTTON_TEXT, LinkPrompts, clickDigest, linkTokenKeyFor, verifyPendingAction } from '../../../shared/application/link-prompt';
import type { IntegrationSecretsReader, RateLimitCounters } from '../../../shared/application/ports';
import { LINK_PROMPT_TEXTS, WeComCardsUseCase } from '../../../shared/application/wecom-cards';
import type { Integration } from '../../../shared/domain/integration';

const NOW = 1_800_000_000_000;
const clock = { nowMs: () => NOW };
const secrets: IntegrationSecretsReader = {
  weCom: async () => ({ secret: 'wecom-app-secret', token: 't', encodingAesKey: 'a'.repeat(43) }),
  dingTalk: async () => ({ clientSecret: 'ding-client-secret', token: 'ttt', aesKey: 'a'.repeat(43), cardApiSecret: 'card-api-secret' }),
};
const prompts = new LinkPrompts({ secrets, publicApiUrl: 'https://oncall.example.com', clock });
const wecom: Integration = { id: 'acme', platform: 'wecom', settings: { corpId: 'ww1', agentId: '1000002', apiBase: 'https://qyapi.weixin.qq.com' }, secretName: 's', createdAt: '' };
const ding: Integration = { id: 'acme-ding', platform: 'dingtalk', settings: { clientId: 'dingc', apiBase: 'https://api.dingtalk.com', oapiBase: 'https://oapi.dingtalk.com' }, secretName: 's', createdAt: '' };

async function pendingOf(url: string, integration: Integration) {
  const parsed = new URL(url);
  expect(`${parsed.origin}${parsed.pathname}`).toBe(`https://oncall.example.com/link/${integration.platform}/${integration.id}`);
  return verifyPendingAction(await linkTokenKeyFor(secrets, integration), parsed.searchParams.get('pending')!, NOW);
}

describe('WeCom: an unlinked click', () => {
  function setup(options: { codeUsable?: boolean; prompts?: boolean; counters?: RateLimitCounters } = {}) {
    const updates: unknown[] = [];
    const texts: { toUsers: string[]; content: string }[] = [];
    const records: { event: string; details: Record<string, unknown> }[] = [];
    const applied: unknown[] = [];
    const useCase = new WeComCardsUseCase({
      incidents: {} as never,
      links: { byUserId: async () => undefined } as never,
      cards: {
        addCode: async () => undefined,
        findTask: async () => ({ incidentId: 'inc-1' }),
        consumeCode: async () => options.codeUsable ?? true,
      } as never,
      messengers: { forIntegration: async () => ({ updateTemplateCard: async (a: unknown) => void updates.push(a), sendText: async (a: { toUsers: string[]; content: string }) => void texts.push(a) }) } as never,
      clicks: { apply: async (...a: unknown[]) => void applied.push(a) } as never,
      clock,
      record: (event, details) => records.push({ event, details }),
      ...(options.prompts === false ? {} : { linkPrompts: prompts }),
      ...(options.counters ? { promptCounters: options.counters } : {}),
    });
    const click = (eventKey: string) =>
      useCase.click(wecom as never, { event: 'template_card_event', fromUserName: 'zhangsan', taskId: 'task-1', responseCode: 'code-1', eventKey } as never, 'wecom:acme:click-1');
    return { updates, texts, records, applied, click };
  }

  it('greys that user’s button with “link first” and sends them a text with the link carrying the pending action', async () => {
    const t = setup();
    expect(await t.click('acknowledge')).toBe('not_linked');
    expect(t.applied).toEqual([]);
    expect(t.updates).toEqual([{ userIds: ['zhangsan'], responseCode: 'code-1', replaceName: LINK_FIRST_BUTTON_TEXT }]);
    expect(t.texts).toHaveLength(1);
    expect(t.texts[0].toUsers).toEqual(['zhangsan']);
    const url = t.texts[0].content.split('\n').pop()!;
    expect(await pendingOf(url, wecom)).toMatchObject({ integrationId: 'acme', platform: 'wecom', userId: 'zhangsan', incidentId: 'inc-1', action: { kind: 'acknowledge' }, clickKey: clickDigest('wecom:acme:click-1') });
    expect(t.texts[0].content.indexOf('开始处理')).toBeLessThan(t.texts[0].content.indexOf('Start Processing'));
    const dropped = t.records.find((r) => r.event === 'app_not_linked')!;
    expect(dropped.details).toMatchObject({ reasonCode: 'app_not_linked', recipient: 'zhangsan', reason: expect.stringContaining('sent a link prompt') });
    expect(JSON.stringify(t.records)).not.toContain(new URL(url).searchParams.get('pending')!);
  });

  it('still sends the text when the click’s code was spent already (a redelivered click)', async () => {
    const t = setup({ codeUsable: false });
    await t.click('snooze:120');
    expect(t.updates).toEqual([]);
    expect(t.texts).toHaveLength(1);
    expect(await pendingOf(t.texts[0].content.split('\n').pop()!, wecom)).toMatchObject({ action: { kind: 'snooze', minutes: 120 } });
  });

  it(`texts one person at most ${LINK_PROMPT_TEXTS} prompts per 10 minutes, however often they click (the card still says link first)`, async () => {
    const hits = new Map<string, number>();
    const counters: RateLimitCounters = {
      hit: async (keys, windowSeconds) => {
        expect(windowSeconds).toBe(600);
        for (const { key, limit } of keys) {
          if ((hits.get(key) ?? 0) >= limit) return false;
          hits.set(key, (hits.get(key) ?? 0) + 1);
        }
        return true;
      },
    };
    const t = setup({ counters });
    for (let i = 0; i < LINK_PROMPT_TEXTS + 2; i++) expect(await t.click('acknowledge')).toBe('not_linked');
    expect(t.texts).toHaveLength(LINK_PROMPT_TEXTS);
    expect(t.updates).toHaveLength(LINK_PROMPT_TEXTS + 2);
    expect(t.records.filter((r) => r.event === 'link_prompt_suppressed')).toHaveLength(2);
    expect([...hits.keys()]).toEqual(['click:prompt:acme:zhangsan']);
  });

  it('without PUBLIC_API_URL (no prompts) sends the old help text', async () => {
    const t = setup({ prompts: false });
    await t.click('acknowledge');
    expect(t.texts[0].content).toMatch(/links set/);
    expect(t.records.find((r) => r.event === 'app_not_linked')!.details.reason).toMatch(/they were sent how to link/);
  });
});

describe('DingTalk: an unlinked click', () => {
  it('answers with the note and the link on that user’s card (private data), each value ≤ 1 KB', async () => {
    const records: { event: string; details: Record<string, unknown> }[] = [];
    const flow = new DingTalkCardFlow({
      cards: { findOutTrack: async () => ({ incidentId: 'inc-8' }) },
      links: { byUserId: async () => undefined },
      clicks: { apply: async () => Promise.reject(new Error('must not apply')) },
      linkPrompts: { integrations: { get: async () => ding }, prompts },
      clock,
      record: (event: string, details: Record<string, unknown>) => records.push({ event, details }),
    } as never);
    // A real clickKey: the callback's de-duplication key (dingtalk:<id>:card:<sha256 hex>).
    const clickKey = `dingtalk:acme-ding:card:${'f'.repeat(64)}`;
    const answer = await flow.onClick({ integrationId: 'acme-ding', outTrackId: 'o', userId: 'u9', params: { action: 'resolve' }, actionIds: ['resolve'], clickKey, receivedAtMs: NOW });
    expect(answer).toEqual({ kind: 'update', userPrivateParamMap: { note: expect.stringContaining('「关闭」'), linkUrl: expect.any(String) } });
    if (answer.kind !== 'update') throw new Error('x');
    const { note, linkUrl } = answer.userPrivateParamMap!;
    expect(note.indexOf('关闭')).toBeLessThan(note.indexOf('Close'));
    expect(Buffer.byteLength(note)).toBeLessThanOrEqual(1024);
    expect(Buffer.byteLength(linkUrl)).toBeLessThanOrEqual(1024);
    expect(await pendingOf(linkUrl, ding)).toMatchObject({ platform: 'dingtalk', userId: 'u9', incidentId: 'inc-8', action: { kind: 'resolve' }, clickKey: clickDigest(clickKey) });
    expect(records.find((r) => r.event === 'app_not_linked')!.details.reason).toMatch(/sent a link prompt/);
  });

  it('with the longest ids the link still fits a card value (1 KB); a link that cannot fit is not sent', async () => {
    const flow = (incidentId: string, integrationId: string, publicApiUrl: string) =>
      new DingTalkCardFlow({
        cards: { findOutTrack: async () => ({ incidentId }) },
        links: { byUserId: async () => undefined },
        linkPrompts: { integrations: { get: async () => ({ ...ding, id: integrationId }) }, prompts: new LinkPrompts({ secrets, publicApiUrl, clock }) },
        clock,
        record: () => undefined,
      } as never);
    const click = (integrationId: string) => ({ integrationId, outTrackId: 'o', userId: 'u'.repeat(128), params: { action: 'snooze:1440' }, actionIds: [], clickKey: `dingtalk:${integrationId}:card:${'f'.repeat(64)}`, receivedAtMs: NOW });
    const longest = await flow('i'.repeat(128), 'a'.repeat(63), 'https://abcdefghij.execute-api.ap-southeast-1.amazonaws.com').onClick(click('a'.repeat(63)));
    if (longest.kind !== 'update') throw new Error('x');
    expect(Buffer.byteLength(longest.userPrivateParamMap!.linkUrl)).toBeLessThanOrEqual(1024);
    const tooLong = await flow('事'.repeat(128), 'a'.repeat(63), 'https://abcdefghij.execute-api.ap-southeast-1.amazonaws.com').onClick(click('a'.repeat(63)));
    expect(tooLong).toEqual({ kind: 'update', userPrivateParamMap: { note: expect.stringContaining('ask an administrator') } });
  });
});
