import {
  BOT_LIMITS,
  CARD_VALUE_MAX_BYTES,
  CHANNEL_LIMITS,
  CUSTOM_AREA_MAX_ROWS,
  MSG_PARAM_MAX_BYTES,
  WECOM_CARD_LIMITS,
  channelFields,
  isTemplateChannel,
  templateChannels,
} from '../../../shared/domain/channel-limits';
import { fitField } from '../../../shared/domain/templates';
import { utf8ByteLength } from '../../../shared/domain/text-budget';

describe('channel limits', () => {
  it('every field of every channel has a positive limit, a unit and the rule it comes from', () => {
    for (const channel of templateChannels) {
      expect(channelFields(channel).length).toBeGreaterThan(0);
      for (const field of channelFields(channel)) {
        const limit = CHANNEL_LIMITS[channel][field]!;
        expect(limit.max).toBeGreaterThan(0);
        expect(['bytes', 'chars']).toContain(limit.unit);
        expect(limit.rule.length).toBeGreaterThan(10);
      }
    }
    expect(isTemplateChannel('wecom.card')).toBe(true);
    expect(isTemplateChannel('sms')).toBe(false);
  });

  it('uses the same numbers as the fixed renderers', () => {
    expect(CHANNEL_LIMITS['wecom.card'].title!.max).toBe(WECOM_CARD_LIMITS.titleChars);
    expect(CHANNEL_LIMITS['wecom.card'].description!.max).toBe(WECOM_CARD_LIMITS.subTitleChars);
    expect(CHANNEL_LIMITS['wecom.card'].customArea).toMatchObject({ maxRows: 8, rowMax: WECOM_CARD_LIMITS.horizontalValueChars });
    expect(CUSTOM_AREA_MAX_ROWS).toBe(8);
    expect(CHANNEL_LIMITS['wecom.bot.text'].content!.max).toBe(BOT_LIMITS.weComTextBytes);
    expect(CHANNEL_LIMITS['wecom.bot.markdown'].content!.max).toBeLessThanOrEqual(BOT_LIMITS.weComMarkdownBytes);
    expect(CHANNEL_LIMITS['dingtalk.card'].description).toMatchObject({ max: CARD_VALUE_MAX_BYTES, unit: 'bytes' });
  });

  it('a DingTalk robot markdown at its limits still fits the body and msgParam limits after JSON escaping', () => {
    const limits = CHANNEL_LIMITS['dingtalk.robot.markdown'];
    const worst = '"\n'.repeat(20_000);
    const title = fitField('title', '标题'.repeat(1000), limits.title!, []);
    const text = fitField('text', worst, limits.text!, []);
    expect(utf8ByteLength(JSON.stringify({ title, text }))).toBeLessThanOrEqual(MSG_PARAM_MAX_BYTES);
    const mentions = Array.from({ length: 50 }, (_, i) => `1380000${String(i).padStart(4, '0')}`);
    const body = { msgtype: 'markdown', markdown: { title, text: `${text}\n\n${mentions.map((m) => `@${m}`).join(' ')}` }, at: { atMobiles: mentions, isAtAll: false } };
    expect(utf8ByteLength(JSON.stringify(body))).toBeLessThanOrEqual(BOT_LIMITS.dingTalkBodyBytes);
  });
});
