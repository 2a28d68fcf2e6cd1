/**
 * Group bot messages: each platform's byte limit holds for any description (UTF-8-safe cut with a
 * visible "…"), mentions are kept, DingTalk @-ed numbers appear in the text, digests list Critical
 * first and count what does not fit; every robot errcode has a kind.
 */
import {
  BOT_LIMITS,
  classifyDingTalkRobot,
  classifyWeComRobot,
  renderBotDigest,
  renderDingTalkBotAlert,
  renderWeComBotAlert,
  robotMobile,
  webhookMonthlyQuota,
  type BotAlertInput,
} from '../../../shared/domain/group-bot';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const input = (description: string, mentions: BotAlertInput['mentions'] = { mobiles: [], userIds: [] }): BotAlertInput => ({
  incident: { incidentId: 'inc-1', title: 'Payments 5xx', severity: 'Critical', description, status: 'Triggered', detailUrl: 'https://incidents.example.com/inc-1' },
  event: 'incident.triggered',
  mentions,
});

describe('WeCom group robot messages', () => {
  it.each([0, 100, 2000, 2047, 2048, 2049, 5000, 20_000])('text with mentioned_mobile_list stays within 2048 bytes (description %i bytes of mixed text)', (n) => {
    const description = '告警😀a'.repeat(Math.ceil(n / 8)).slice(0, n);
    const { body, truncated } = renderWeComBotAlert(input(description, { mobiles: ['13800000001'], userIds: [] }));
    const content = (body.text as { content: string }).content;
    expect(body.msgtype).toBe('text');
    expect((body.text as { mentioned_mobile_list: string[] }).mentioned_mobile_list).toEqual(['13800000001']);
    expect(bytes(content)).toBeLessThanOrEqual(BOT_LIMITS.weComTextBytes);
    expect(content).not.toMatch(/\uFFFD/);
    expect(content).toContain('[Critical] Triggered: Payments 5xx');
    if (truncated) expect(content).toMatch(/…/);
    else expect(content).toContain(description.trim());
  });

  it('incident text cannot @mention anyone in markdown: only the resolved mentions do', () => {
    const { body } = renderWeComBotAlert({ ...input('ping <@boss> now', { mobiles: [], userIds: ['lisi'] }), incident: { ...input('').incident, title: 'hi <@all>', description: 'ping <@boss> now' } });
    const content = (body.markdown as { content: string }).content;
    expect([...content.matchAll(/<@([^>]+)>/g)].map((m) => m[1])).toEqual(['lisi']);
    expect(content).toContain('boss');
  });

  it('markdown with inline <@userid> stays within 4096 bytes and keeps the mentions when cut', () => {
    const { body, truncated } = renderWeComBotAlert(input('中'.repeat(5000), { mobiles: [], userIds: ['zhangsan', 'lisi'] }));
    const content = (body.markdown as { content: string }).content;
    expect(body.msgtype).toBe('markdown');
    expect(truncated).toBe(true);
    expect(bytes(content)).toBeLessThanOrEqual(BOT_LIMITS.weComMarkdownBytes);
    expect(bytes(content)).toBeGreaterThan(BOT_LIMITS.weComMarkdownBytes - 200);
    expect(content).toContain('…');
    expect(content.endsWith('<@zhangsan> <@lisi>')).toBe(true);
  });
});

describe('DingTalk custom robot messages', () => {
  it('writes each @-ed mobile and userId into the text, at most 50', () => {
    const mobiles = Array.from({ length: 60 }, (_, i) => `138000000${String(i).padStart(2, '0')}`);
    const { body } = renderDingTalkBotAlert(input('x', { mobiles, userIds: ['u1'] }), 'uuid-1');
    const at = body.at as { atMobiles: string[]; atUserIds?: string[] };
    expect(at.atMobiles).toHaveLength(50);
    expect(at.atUserIds).toBeUndefined();
    for (const m of at.atMobiles) expect((body.markdown as { text: string }).text).toContain(`@${m}`);
    expect(body.msgUuid).toBe('uuid-1');
  });

  it('keeps the whole body within 20000 bytes, JSON escaping included', () => {
    const { body, truncated } = renderDingTalkBotAlert(input('"\\\n'.repeat(9000) + '尾'.repeat(3000), { mobiles: [], userIds: ['u1'] }));
    expect(truncated).toBe(true);
    expect(bytes(JSON.stringify(body))).toBeLessThanOrEqual(BOT_LIMITS.dingTalkBodyBytes);
    expect((body.markdown as { text: string }).text).toContain('@u1');
  });

  it('puts the keyword into the message for keyword security', () => {
    const { body } = renderDingTalkBotAlert({ ...input(''), keyword: 'ALERT' });
    expect((body.markdown as { text: string }).text).toContain('ALERT');
  });
});

it('a digest lists Critical first and counts the lines that do not fit', () => {
  const lines = [...Array.from({ length: 200 }, (_, i) => ({ severity: 'Info' as const, text: `info ${i} ${'x'.repeat(40)}` })), { severity: 'Critical' as const, text: 'the critical one' }];
  const { body, truncated, rest } = renderBotDigest('wecom', lines);
  const content = (body.markdown as { content: string }).content;
  expect(content).toContain(`- and ${rest.length} more in the next digest`);
  expect(content.split('\n').length - 2 + rest.length).toBe(201); // every line listed now or held back
  expect(content.split('\n')[0]).toContain('201 more alerts');
  expect(content.split('\n')[1]).toBe('- [Critical] the critical one');
  expect(truncated).toBe(true);
  expect(content).toMatch(/- and \d+ more in the next digest …$/);
  expect(bytes(content)).toBeLessThanOrEqual(BOT_LIMITS.weComMarkdownBytes);
});

it('robots match China mobiles without +86', () => {
  expect(robotMobile('+86-13800000001')).toBe('13800000001');
  expect(robotMobile('+8613800000001')).toBe('13800000001');
  expect(robotMobile('+852-51234567')).toBe('+852-51234567');
});

it('the Webhook & Stream quota follows the edition, add-ons and an explicit setting', () => {
  expect(webhookMonthlyQuota()).toBe(3000);
  expect(webhookMonthlyQuota({ edition: 'professional' })).toBe(50_000);
  expect(webhookMonthlyQuota({ edition: 'standard', developmentAddOns: 1 })).toBe(503_000);
  expect(webhookMonthlyQuota({ edition: 'professional', monthlyWebhookMessages: 7 })).toBe(7);
});

describe('robot errcodes', () => {
  it.each([
    [0, 'ok', 'delivered'],
    [-1, 'retry', 'transient_error'],
    [45009, 'throttled', 'robot_rate_limited'],
    [93000, 'permanent', 'robot_removed'],
    [93004, 'permanent', 'robot_removed'],
    [40058, 'permanent', 'message_too_long'],
    [12345, 'permanent', 'platform_error'],
  ])('WeCom %i → %s (%s)', (code, kind, reasonCode) => {
    expect(classifyWeComRobot(code, 'x')).toMatchObject({ kind, reasonCode });
  });

  it.each([
    [0, 'ok', 'delivered'],
    [-1, 'retry', 'transient_error'],
    [410100, 'throttled', 'robot_rate_limited'],
    [130101, 'throttled', 'robot_rate_limited'],
    [90030, 'quota', 'quota_exhausted'],
    [310000, 'permanent', 'robot_security_failed'],
    [400013, 'permanent', 'group_unavailable'],
    [400101, 'permanent', 'robot_removed'],
    [400106, 'permanent', 'robot_removed'],
    [460101, 'permanent', 'message_too_long'],
    [430102, 'permanent', 'platform_error'],
  ])('DingTalk %i → %s (%s)', (code, kind, reasonCode) => {
    expect(classifyDingTalkRobot(code, 'x')).toMatchObject({ kind, reasonCode });
  });

  it('says how to fix a removed robot and a bad sign', () => {
    expect(classifyWeComRobot(93000, '').reason).toMatch(/bots add .*--replace/);
    expect(classifyDingTalkRobot(310000, 'sign not match').reason).toMatch(/sign-secret-file/);
    expect(classifyDingTalkRobot(410100, '').retryAfterMs).toBe(10 * 60_000);
  });
});
