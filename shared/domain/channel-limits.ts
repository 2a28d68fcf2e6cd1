/**
 * Every size limit a rendered notification must respect, per channel and field, in one place, each
 * with the platform rule it comes from. Numbers already used by the fixed renderers are imported
 * from there (WECOM_CARD_LIMITS, BOT_LIMITS, CARD_VALUE_MAX_BYTES), so the two never drift apart;
 * the template renderer (shared/domain/templates) cuts every field to these limits.
 *
 * Units: 'chars' = Unicode code points (what WeCom's "建议不超过N个字" is applied as, see
 * text-budget.ts), 'bytes' = UTF-8 bytes (WeCom robot content, DingTalk card values and bodies).
 */
import { BOT_LIMITS } from './group-bot';
import { CARD_VALUE_MAX_BYTES, MSG_PARAM_MAX_BYTES } from './dingtalk-card';
import { WECOM_CARD_LIMITS } from './wecom-card';

export { BOT_LIMITS, CARD_VALUE_MAX_BYTES, MSG_PARAM_MAX_BYTES, WECOM_CARD_LIMITS };

export const templateChannels = ['wecom.card', 'wecom.bot.markdown', 'wecom.bot.text', 'dingtalk.card', 'dingtalk.robot.markdown'] as const;
export type TemplateChannel = (typeof templateChannels)[number];

export function isTemplateChannel(value: string): value is TemplateChannel {
  return (templateChannels as readonly string[]).includes(value);
}

export type LimitUnit = 'bytes' | 'chars';

export interface FieldLimit {
  /** Largest size of the whole field, in `unit`. */
  readonly max: number;
  readonly unit: LimitUnit;
  /** Newlines collapsed into spaces (a title, a one-line value). */
  readonly singleLine?: boolean;
  /** A multi-row field: at most `maxRows` non-empty lines, each at most `rowMax` `unit`. */
  readonly maxRows?: number;
  readonly rowMax?: number;
  /** The platform refuses the message when this field is empty (or the card has no headline). */
  readonly required?: boolean;
  /** The platform rule, for people reading a truncation warning. */
  readonly rule: string;
}

/**
 * The seed rule: "Custom area supports maximum 8 lines; excess content will be truncated": rows
 * beyond the 8th are cut and the last kept row ends with "…".
 */
export const CUSTOM_AREA_MAX_ROWS = 8;

/**
 * WeCom robot markdown: the template's content shares the 4096 bytes with the mention line the
 * sender appends (`<@userid>` per responder); this much is kept free for it.
 */
export const WECOM_BOT_MENTION_RESERVE_BYTES = 512;

/**
 * DingTalk custom robot: the whole JSON body ≤ 20000 bytes (errcode 460101, dingtalk.md §6) and a
 * group message's msgParam ≤ 15000 bytes (dingtalk.md §4.3). JSON escaping can double a newline or
 * quote, so the markdown text gets less than half of the smaller one, leaving room for title and @.
 */
export const DINGTALK_ROBOT_TEXT_BYTES = 7000;

export const CHANNEL_LIMITS: Readonly<Record<TemplateChannel, Readonly<Record<string, FieldLimit>>>> = {
  'wecom.card': {
    // template_card main_title.title "建议不超过36个字" (DOC-90236, wecom.md §4.2).
    title: { max: WECOM_CARD_LIMITS.titleChars, unit: 'chars', singleLine: true, required: true, rule: 'WeCom template_card main_title.title ≤ 36 characters (DOC-90236)' },
    // sub_title_text "建议不超过160个字" (DOC-90236, wecom.md §4.2).
    description: { max: WECOM_CARD_LIMITS.subTitleChars, unit: 'chars', rule: 'WeCom template_card sub_title_text ≤ 160 characters (DOC-90236)' },
    // Seed rule: ≤ 8 lines; each row is shown like a horizontal_content_list value, "建议不超过30个字" (DOC-90236).
    customArea: {
      max: CUSTOM_AREA_MAX_ROWS * (WECOM_CARD_LIMITS.horizontalValueChars + 1),
      unit: 'chars',
      maxRows: CUSTOM_AREA_MAX_ROWS,
      rowMax: WECOM_CARD_LIMITS.horizontalValueChars,
      rule: 'custom area ≤ 8 rows (product rule), each row ≤ 30 characters (WeCom horizontal_content_list value, DOC-90236)',
    },
    // quote_area.quote_text: no number documented in wecom.md §4.2; held to sub_title_text's 160 characters.
    quote: { max: WECOM_CARD_LIMITS.subTitleChars, unit: 'chars', rule: 'WeCom template_card quote_area.quote_text: no documented limit, held to 160 characters like sub_title_text' },
  },
  'wecom.bot.markdown': {
    // markdown.content "≤4096 bytes" (DOC-99110, wecom.md §5; 40058 when longer), minus the mention line.
    content: {
      max: BOT_LIMITS.weComMarkdownBytes - WECOM_BOT_MENTION_RESERVE_BYTES,
      unit: 'bytes',
      required: true,
      rule: 'WeCom robot markdown.content ≤ 4096 UTF-8 bytes (DOC-99110), 512 kept for mentions',
    },
  },
  'wecom.bot.text': {
    // text.content "≤2048 bytes UTF-8" (DOC-99110, wecom.md §5); mentions travel in mentioned_mobile_list.
    content: { max: BOT_LIMITS.weComTextBytes, unit: 'bytes', required: true, rule: 'WeCom robot text.content ≤ 2048 UTF-8 bytes (DOC-99110)' },
  },
  'dingtalk.card': {
    // cardParamMap values are strings of at most 1 KB (dingtalk.md §4.4, instructions-for-filling-in-api-card-data).
    title: { max: CARD_VALUE_MAX_BYTES, unit: 'bytes', singleLine: true, required: true, rule: 'DingTalk cardParamMap value ≤ 1024 bytes (card data rule)' },
    status: { max: CARD_VALUE_MAX_BYTES, unit: 'bytes', singleLine: true, rule: 'DingTalk cardParamMap value ≤ 1024 bytes (card data rule)' },
    description: { max: CARD_VALUE_MAX_BYTES, unit: 'bytes', rule: 'DingTalk cardParamMap value ≤ 1024 bytes (card data rule)' },
  },
  'dingtalk.robot.markdown': {
    // markdown.title: what the chat list shows; the fixed renderers keep it within 256 bytes.
    title: { max: 256, unit: 'bytes', singleLine: true, required: true, rule: 'DingTalk robot markdown.title, kept ≤ 256 bytes (chat list preview)' },
    text: {
      max: DINGTALK_ROBOT_TEXT_BYTES,
      unit: 'bytes',
      required: true,
      rule: 'DingTalk robot body ≤ 20000 bytes (errcode 460101) and msgParam ≤ 15000 bytes, JSON escaping included',
    },
  },
};

/** The fields of a channel's template, in the order a template file lists them. */
export function channelFields(channel: TemplateChannel): readonly string[] {
  return Object.keys(CHANNEL_LIMITS[channel]);
}
