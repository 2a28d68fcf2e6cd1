/**
 * Group bots as targets of an incident event (issue 11 item 6): a WeCom group robot webhook
 * ("消息推送", DOC-99110) or a DingTalk custom robot (自定义机器人, custom-robots-send-group-messages)
 * posts the incident into its group and @mentions the responders. Pure: configuration, the limits,
 * what each platform's answer means, and the messages.
 */
import * as z from 'zod/mini';
import type { Incident, Severity } from './incident';
import type { OperationReasonCode } from './operation-log';
import { singleLine, truncateText, utf8ByteLength } from './text-budget';

/** Every platform limit a bot message must respect, in one place, each with its rule. */
export const BOT_LIMITS = {
  /** WeCom text.content "≤2048 bytes UTF-8" (DOC-99110). */
  weComTextBytes: 2048,
  /** WeCom markdown.content "≤4096 bytes" (DOC-99110; 40058 when longer). */
  weComMarkdownBytes: 4096,
  /** DingTalk custom robot: the whole body within 20000 bytes (errcode 460101). */
  dingTalkBodyBytes: 20_000,
  /** DingTalk: "At most 50 members can be @-ed" (robot-message-type). */
  dingTalkMaxMentions: 50,
  /** WeCom "每个消息推送发送的消息不能超过20条/分钟" (DOC-99110); DingTalk "每个机器人每分钟最多发送20条消息到群里" (then blocked 10 minutes). */
  messagesPerMinute: 20,
  /** The fixed window the per-robot count uses (seconds). */
  windowSeconds: 60,
  /** DingTalk blocks a robot 10 minutes after the 21st message in a minute. */
  dingTalkBlockMs: 10 * 60_000,
  /** Bots per target of an incident event. */
  botsPerTarget: 20,
} as const;

/**
 * The org's monthly Webhook & Stream quota, which every custom-robot send consumes (dingtalk.md
 * §5.1, from 2025-11-19): standard 3,000, professional 50,000, +500,000 per development add-on;
 * an explicit `monthlyWebhookMessages` wins.
 */
export function webhookMonthlyQuota(settings: { edition?: 'standard' | 'professional'; developmentAddOns?: number; monthlyWebhookMessages?: number } = {}): number {
  if (settings.monthlyWebhookMessages !== undefined) return settings.monthlyWebhookMessages;
  return (settings.edition === 'professional' ? 50_000 : 3_000) + (settings.developmentAddOns ?? 0) * 500_000;
}

/** The marker a cut text ends with (visible in the chat: something was left out). */
export const TRUNCATION_MARKER = '…';

export const botNameSchema = z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'bot name: 1-64 chars of a-z, 0-9, _ and -, starting with a letter or digit'));

export const mentionModes = ['phone', 'mapping'] as const;
export type MentionMode = (typeof mentionModes)[number];

/** The non-secret configuration of a bot (DynamoDB); its webhook URL and sign secret are in Secrets Manager. */
export const groupBotSchema = z.object({
  integrationId: z.string(),
  name: botNameSchema,
  platform: z.enum(['wecom', 'dingtalk']),
  mention: z.enum(mentionModes),
  /** mapping mode on WeCom: the mapping table (email → userid) for inline `<@userid>`. */
  mappingTable: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  /** DingTalk custom keyword security: every message must contain it. */
  keyword: z.optional(z.string().check(z.minLength(1), z.maxLength(32))),
  /** Secret in Secrets Manager: `{ webhookUrl, signSecret? }`. */
  secretName: z.string().check(z.minLength(1)),
  /** The webhook URL, masked, for listings. */
  maskedUrl: z.string(),
  signed: z.boolean(),
  createdAt: z.string(),
});
export type GroupBot = z.infer<typeof groupBotSchema>;

export const botSecretsSchema = z.object({
  webhookUrl: z.url({ protocol: /^https?$/ }),
  signSecret: z.optional(z.string().check(z.regex(/^SEC[A-Za-z0-9]{8,128}$/, 'sign secret: the SEC… string from the robot settings'))),
});
export type BotSecrets = z.infer<typeof botSecretsSchema>;

/** The incident events a bot posts (others, e.g. updated and snoozed, would spend the robot's 20/min and the quota on noise). */
export const BOT_POSTED_EVENTS = ['incident.triggered', 'incident.acknowledged', 'incident.resolved', 'incident.reopened'] as const;
export type BotPostedEvent = (typeof BOT_POSTED_EVENTS)[number];
export function isBotPostedEvent(type: string): type is BotPostedEvent {
  return (BOT_POSTED_EVENTS as readonly string[]).includes(type);
}

const TRANSITION_LABEL: Record<BotPostedEvent, string> = {
  'incident.triggered': 'Triggered',
  'incident.acknowledged': 'Acknowledged',
  'incident.resolved': 'Resolved',
  'incident.reopened': 'Reopened',
};

/** Who to @mention, as resolved for this bot. */
export interface BotMentions {
  /** WeCom text mentioned_mobile_list / DingTalk at.atMobiles (digits as the platform expects). */
  readonly mobiles: readonly string[];
  /** WeCom inline `<@userid>` / DingTalk at.atUserIds. */
  readonly userIds: readonly string[];
}

export interface BotAlertInput {
  readonly incident: Pick<Incident, 'incidentId' | 'title' | 'severity' | 'description' | 'detailUrl' | 'status'>;
  readonly event: BotPostedEvent;
  readonly mentions: BotMentions;
  readonly keyword?: string;
  /**
   * The integration's bot template (issue 13), rendered and cut to its channel's limit
   * (shared/domain/channel-limits.ts, which keeps room for the mentions): replaces the text above
   * the mentions. `title` is DingTalk's markdown.title. Mentions and the keyword stay in code.
   */
  readonly template?: { readonly text: string; readonly title?: string };
}

/** A message body as the platform takes it, and whether something was cut to fit. */
export interface RenderedBotMessage {
  readonly body: Record<string, unknown>;
  readonly truncated: boolean;
}

/** Mobiles as the robots match them: `+86-138…` → `138…` (China numbers), other countries keep `+CC-`. */
export function robotMobile(mobile: string): string {
  const compact = mobile.replace(/\s/g, '');
  return compact.startsWith('+86-') ? compact.slice(4) : compact.startsWith('+86') ? compact.slice(3) : compact;
}

/** Incident text in WeCom markdown cannot @mention anyone: `<@…>` only comes from the mentions. */
const defuseMentions = (text: string) => text.replace(/<@/g, '<\u200B@');

function lines(input: BotAlertInput, rawDescription: string, markdown: boolean): string[] {
  const { incident } = input;
  if (input.template) {
    const body = markdown ? defuseMentions(input.template.text) : input.template.text;
    // A DingTalk robot with keyword security refuses a message without its keyword (310000).
    return [input.keyword && !body.includes(input.keyword) ? `${body}\n${input.keyword}` : body];
  }
  const label = TRANSITION_LABEL[input.event];
  const rawTitle = truncateText(singleLine(incident.title), { maxBytes: 512, ellipsis: TRUNCATION_MARKER });
  const title = markdown ? defuseMentions(rawTitle) : rawTitle;
  const description = markdown ? defuseMentions(rawDescription) : rawDescription;
  const head = `[${incident.severity}] ${label}: ${title}`;
  const keyword = input.keyword && !head.includes(input.keyword) ? ` ${input.keyword}` : '';
  const out = [markdown ? `**${head}**${keyword}` : `${head}${keyword}`, `Incident ${incident.incidentId} · ${incident.status}`];
  if (description) out.push('', description);
  if (incident.detailUrl) out.push(markdown ? `[Details](${incident.detailUrl})` : `Details: ${incident.detailUrl}`);
  return out;
}

/**
 * Renders with the longest description that makes `measure(body)` fit `limit` bytes. The head and
 * the mentions are kept; only the description is cut (whole graphemes, ending with "…").
 */
function fitting(render: (description: string) => Record<string, unknown>, measure: (body: Record<string, unknown>) => number, description: string, limit: number): RenderedBotMessage {
  let budget = utf8ByteLength(description);
  let body = render(description);
  let truncated = false;
  for (let round = 0; measure(body) > limit && round < 8; round++) {
    budget = Math.max(0, budget - (measure(body) - limit) - 16);
    truncated = true;
    body = render(budget > 0 ? truncateText(description, { maxBytes: budget, ellipsis: TRUNCATION_MARKER }) : TRUNCATION_MARKER);
  }
  return { body, truncated };
}

/**
 * WeCom group robot: `text` when mentioning by phone (`mentioned_mobile_list` exists only on
 * text, and WeCom shows those mentions at the bottom), else `markdown` with inline `<@userid>`.
 */
export function renderWeComBotAlert(input: BotAlertInput): RenderedBotMessage {
  const description = input.incident.description.trim();
  if (input.mentions.mobiles.length > 0) {
    return fitting(
      (d) => ({ msgtype: 'text', text: { content: lines(input, d, false).join('\n'), mentioned_mobile_list: [...input.mentions.mobiles] } }),
      (b) => utf8ByteLength((b.text as { content: string }).content),
      description,
      BOT_LIMITS.weComTextBytes,
    );
  }
  const mentionLine = input.mentions.userIds.map((id) => `<@${id}>`).join(' ');
  return fitting(
    (d) => ({ msgtype: 'markdown', markdown: { content: [...lines(input, d, true), ...(mentionLine ? ['', mentionLine] : [])].join('\n') } }),
    (b) => utf8ByteLength((b.markdown as { content: string }).content),
    description,
    BOT_LIMITS.weComMarkdownBytes,
  );
}

/**
 * DingTalk custom robot: markdown with `at`; each @-ed mobile or userId also appears as `@…` in the
 * text (else DingTalk does not highlight it), at most 50.
 */
export function renderDingTalkBotAlert(input: BotAlertInput, msgUuid?: string): RenderedBotMessage {
  const mobiles = input.mentions.mobiles.slice(0, BOT_LIMITS.dingTalkMaxMentions);
  const userIds = input.mentions.userIds.slice(0, BOT_LIMITS.dingTalkMaxMentions - mobiles.length);
  const mentionLine = [...mobiles, ...userIds].map((m) => `@${m}`).join(' ');
  const title = truncateText(singleLine(input.template?.title || `[${input.incident.severity}] ${input.incident.title}`), { maxBytes: 256, ellipsis: TRUNCATION_MARKER });
  return fitting(
    (d) => ({
      msgtype: 'markdown',
      markdown: { title, text: [...lines(input, d, true), ...(mentionLine ? ['', mentionLine] : [])].join('\n') },
      at: { ...(mobiles.length ? { atMobiles: mobiles } : {}), ...(userIds.length ? { atUserIds: userIds } : {}), isAtAll: false },
      ...(msgUuid ? { msgUuid } : {}),
    }),
    (b) => utf8ByteLength(JSON.stringify(b)),
    input.incident.description.trim(),
    BOT_LIMITS.dingTalkBodyBytes,
  );
}

/** One line of a bot digest: an alert that waited for the robot's rate or the quota. */
export interface BotDigestLine {
  readonly severity: Severity;
  readonly text: string;
}

/** The one line an alert becomes in a digest. */
export function botDigestLine(input: Pick<BotAlertInput, 'incident' | 'event'>): BotDigestLine {
  const text = truncateText(singleLine(`${TRANSITION_LABEL[input.event]}: ${input.incident.title} (${input.incident.incidentId})`), { maxBytes: 300, ellipsis: TRUNCATION_MARKER });
  return { severity: input.incident.severity, text };
}

const SEVERITY_ORDER: Record<Severity, number> = { Critical: 0, Warning: 1, Info: 2 };

/** "N more alerts: …" — Critical first; lines that do not fit are counted, never silently lost. */
/**
 * One digest message of held-back alerts, Critical first, within the message type's byte limit.
 * Lines that do not fit are counted in the message and returned as `rest`: the caller holds them
 * back for the next digest, so none is ever dropped (issue 11 item 6).
 */
export function renderBotDigest(platform: 'wecom' | 'dingtalk', digestLines: readonly BotDigestLine[], keyword?: string): RenderedBotMessage & { readonly rest: readonly BotDigestLine[] } {
  const sorted = [...digestLines].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  const head = `**${sorted.length} more alert${sorted.length === 1 ? '' : 's'}** (held back by the robot's ${BOT_LIMITS.messagesPerMinute} messages/minute or the monthly quota):${keyword ? ` ${keyword}` : ''}`;
  const limit = platform === 'wecom' ? BOT_LIMITS.weComMarkdownBytes : BOT_LIMITS.dingTalkBodyBytes - 512;
  const bullets: string[] = [];
  let rest: readonly BotDigestLine[] = [];
  let used = utf8ByteLength(head) + 64;
  for (const [i, line] of sorted.entries()) {
    const bullet = `- [${line.severity}] ${line.text}`;
    if (used + utf8ByteLength(bullet) + 1 > limit) {
      bullets.push(`- and ${sorted.length - i} more in the next digest ${TRUNCATION_MARKER}`);
      rest = sorted.slice(i);
      break;
    }
    bullets.push(bullet);
    used += utf8ByteLength(bullet) + 1;
  }
  const text = [head, ...bullets].join('\n');
  const body = platform === 'wecom' ? { msgtype: 'markdown', markdown: { content: text } } : { msgtype: 'markdown', markdown: { title: `${sorted.length} more alerts`, text } };
  return { body, truncated: rest.length > 0, rest };
}

// ---- What the robots answer -----------------------------------------------------------------

export type BotOutcomeKind = 'ok' | 'retry' | 'throttled' | 'quota' | 'permanent';

export interface BotOutcome {
  readonly kind: BotOutcomeKind;
  readonly code?: number;
  readonly reasonCode: OperationReasonCode;
  /** Plain words: what happened and the fix. */
  readonly reason: string;
  readonly retryAfterMs?: number;
}

/** A WeCom group robot's errcode (DOC-99110, DOC-90313). Never trust HTTP 200 alone. */
export function classifyWeComRobot(errcode: number, errmsg: string): BotOutcome {
  const said = `errcode ${errcode}${errmsg ? ` "${errmsg}"` : ''}`;
  switch (errcode) {
    case 0:
      return { kind: 'ok', code: 0, reasonCode: 'delivered', reason: 'posted by the group robot' };
    case -1:
      return { kind: 'retry', code: errcode, reasonCode: 'transient_error', reason: `WeCom busy (${said}); retried`, retryAfterMs: 1000 };
    case 45009:
      // The errcode for the 21st message in a minute is not documented; 45009 (API frequency) is the likely one.
      return { kind: 'throttled', code: errcode, reasonCode: 'robot_rate_limited', reason: `the robot refused: more than 20 messages a minute (${said}); the alert goes into the robot's digest`, retryAfterMs: 60_000 };
    case 93000:
      return { kind: 'permanent', code: errcode, reasonCode: 'robot_removed', reason: `the webhook URL is invalid or the robot was removed from its group (${said}). Fix: add a robot to the group again and run \`dutybridge bots add … --replace\` with its new webhook URL` };
    case 93004:
      return { kind: 'permanent', code: errcode, reasonCode: 'robot_removed', reason: `the robot is disabled (${said}). Fix: enable it in the group's robot settings` };
    case 40058:
    case 45002:
      return { kind: 'permanent', code: errcode, reasonCode: 'message_too_long', reason: `WeCom refused the message (${said}): too long or a bad parameter` };
    default:
      return { kind: 'permanent', code: errcode, reasonCode: 'platform_error', reason: `WeCom refused the robot message (${said})` };
  }
}

/** A DingTalk custom robot's errcode (custom-robots-send-group-messages, dingtalk.md §6). */
export function classifyDingTalkRobot(errcode: number, errmsg: string): BotOutcome {
  const said = `errcode ${errcode}${errmsg ? ` "${errmsg}"` : ''}`;
  switch (errcode) {
    case 0:
      return { kind: 'ok', code: 0, reasonCode: 'delivered', reason: 'posted by the custom robot' };
    case -1:
      return { kind: 'retry', code: errcode, reasonCode: 'transient_error', reason: `DingTalk busy (${said}); retried`, retryAfterMs: 1000 };
    case 410100:
    case 130101:
      return { kind: 'throttled', code: errcode, reasonCode: 'robot_rate_limited', reason: `the robot sent more than 20 messages a minute and DingTalk blocks it for 10 minutes (${said}); sent again after the block`, retryAfterMs: BOT_LIMITS.dingTalkBlockMs };
    case 90030:
      return { kind: 'quota', code: errcode, reasonCode: 'quota_exhausted', reason: `the org's monthly Webhook & Stream quota is used up (${said}); not retried this month` };
    case 310000:
      return {
        kind: 'permanent',
        code: errcode,
        reasonCode: 'robot_security_failed',
        reason: `the robot's security check failed (${said}): wrong sign secret, a keyword not in the message or an IP not allowed. Fix: copy the SEC… secret again (\`dutybridge bots add … --sign-secret-file F --replace\`), set --keyword to one of the robot's keywords, or allow the egress IP`,
      };
    case 400013:
      return { kind: 'permanent', code: errcode, reasonCode: 'group_unavailable', reason: `the robot's group was disbanded (${said}). Fix: remove the bot (\`dutybridge bots remove\`)` };
    case 400101:
    case 400106:
      return { kind: 'permanent', code: errcode, reasonCode: 'robot_removed', reason: `the robot does not exist or its access_token is wrong (${said}). Fix: add a custom robot again and run \`dutybridge bots add … --replace\` with its webhook URL` };
    case 400102:
      return { kind: 'permanent', code: errcode, reasonCode: 'robot_removed', reason: `the robot is disabled (${said}). Fix: enable it in the group settings` };
    case 460101:
      return { kind: 'permanent', code: errcode, reasonCode: 'message_too_long', reason: `the message is over 20000 bytes (${said})` };
    default:
      return { kind: 'permanent', code: errcode, reasonCode: 'platform_error', reason: `DingTalk refused the robot message (${said})` };
  }
}
