/**
 * The DingTalk incident card and group message text. Pure.
 *
 * Card data rule (instructions-for-filling-in-api-card-data): every `cardParamMap` value is a
 * STRING of at most 1 KB, every key at most 100 bytes; arrays go as JSON text. The template in
 * shared/adapters/dingtalk/card-template/ reads exactly the keys produced here: title, severity,
 * status, assignee, description, detailUrl, triggeredAt, incidentId and `buttons`
 * (JSON `[{key,text,disabled?,params}]`, `params.action` is what the click callback carries).
 * "Open War Room" (`war_room`, issue 14) is one more item of `buttons`, so the template needs no
 * change: it is in the list only while the integration has War Room on and the incident is open.
 */
import {
  SNOOZE_BUTTON_MINUTES,
  SNOOZE_MENU_MINUTES,
  WAR_ROOM_ACTION_KEY,
  effectiveStatus,
  type Incident,
  type IncidentStatus,
  type Severity,
} from './incident';

export const CARD_VALUE_MAX_BYTES = 1024;
export const CARD_KEY_MAX_BYTES = 100;
/** Robot `msgParam` is a JSON string of at most 15000 bytes (the-robot-sends-a-group-message). */
export const MSG_PARAM_MAX_BYTES = 15_000;

export type CardParamMap = Record<string, string>;
export type CardLocale = 'en' | 'zh';

export interface CardButton {
  readonly key: string;
  readonly text: string;
  readonly disabled?: boolean;
  readonly params: Readonly<Record<string, string>>;
}

const LABELS: Record<CardLocale, { acknowledge: string; resolve: string; refresh: string; warRoom: string; snooze: (minutes: number) => string; unassigned: string; status: Record<IncidentStatus, string>; severity: Record<Severity, string> }> = {
  en: {
    acknowledge: 'Start Processing',
    resolve: 'Close',
    refresh: 'Refresh',
    warRoom: 'Open War Room',
    snooze: (minutes) => `Snooze ${minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`}`,
    unassigned: 'Unassigned',
    status: { Triggered: 'Triggered', Processing: 'Processing', Snoozed: 'Snoozed', Closed: 'Closed' },
    severity: { Critical: 'Critical', Warning: 'Warning', Info: 'Info' },
  },
  zh: {
    acknowledge: '开始处理',
    resolve: '关闭',
    refresh: '刷新',
    warRoom: '开启作战室',
    snooze: (minutes) => `暂缓${minutes % 60 === 0 ? `${minutes / 60}小时` : `${minutes}分钟`}`,
    unassigned: '未分配',
    status: { Triggered: '待处理', Processing: '处理中', Snoozed: '已暂缓', Closed: '已关闭' },
    severity: { Critical: '严重', Warning: '警告', Info: '提示' },
  },
};

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Cuts text to at most `maxBytes` UTF-8 bytes on a code-point boundary, ending with "…" when cut. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  const ellipsis = '…';
  const budget = maxBytes - utf8Bytes(ellipsis);
  let used = 0;
  let out = '';
  for (const char of text) {
    const size = utf8Bytes(char);
    if (used + size > budget) break;
    out += char;
    used += size;
  }
  return out + ellipsis;
}

/**
 * Buttons for the incident's current status; impossible actions stay visible but disabled.
 * `warRoom` (the integration has War Room on): Open War Room, left out of a closed incident's card
 * rather than disabled (a closed incident gets no new room).
 */
export function incidentCardButtons(status: IncidentStatus, locale: CardLocale = 'en', warRoom = false): CardButton[] {
  const labels = LABELS[locale];
  const closed = status === 'Closed';
  const button = (key: string, text: string, disabled: boolean): CardButton => ({ key, text, ...(disabled ? { disabled: true } : {}), params: { action: key } });
  return [
    button('acknowledge', labels.acknowledge, closed || status === 'Processing'),
    button('resolve', labels.resolve, closed),
    button(`snooze:${SNOOZE_BUTTON_MINUTES}`, labels.snooze(SNOOZE_BUTTON_MINUTES), closed),
    ...SNOOZE_MENU_MINUTES.map((minutes) => button(`snooze:${minutes}`, labels.snooze(minutes), closed)),
    ...(warRoom && !closed ? [button(WAR_ROOM_ACTION_KEY, labels.warRoom, false)] : []),
    button('refresh', labels.refresh, false),
  ];
}

/** `2026-03-01 08:05 (UTC+8)`: people in China read local time; the offset keeps it unambiguous. */
export function formatChinaTime(epochMs: number): string {
  const shifted = new Date(epochMs + 8 * 3600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${shifted.getUTCFullYear()}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())} ${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())} (UTC+8)`;
}

export interface IncidentCardOptions {
  readonly locale?: CardLocale;
  /**
   * The integration's `dingtalk.card` template (issue 13), rendered and cut to 1 KB per value:
   * replaces the title, status and description values; ids, buttons and links stay in code.
   */
  readonly text?: { readonly title: string; readonly status: string; readonly description: string };
  /** The integration has War Room on (war-room-settings.ts enabledWarRoom): offer Open War Room. */
  readonly warRoom?: boolean;
}

/** Incident → public cardParamMap; every value a string within 1 KB. */
export function incidentCardParams(incident: Incident, nowMs: number, options: IncidentCardOptions = {}): CardParamMap {
  const locale = options.locale ?? 'en';
  const labels = LABELS[locale];
  const status = effectiveStatus(incident, nowMs);
  const owner = status === 'Closed' ? incident.closedBy ?? incident.acknowledgedBy : incident.acknowledgedBy;
  const statusText =
    status === 'Snoozed' && incident.snoozedUntil !== undefined ? `${labels.status.Snoozed} → ${formatChinaTime(incident.snoozedUntil)}` : labels.status[status];
  const params: CardParamMap = {
    incidentId: fit(incident.incidentId),
    title: fit(incident.title),
    severity: labels.severity[incident.severity],
    status: fit(statusText),
    assignee: fit(owner ? owner.name ?? owner.email : labels.unassigned),
    description: fit(incident.description),
    triggeredAt: formatChinaTime(incident.triggeredAt),
    buttons: JSON.stringify(incidentCardButtons(status, locale, options.warRoom === true)),
  };
  // A link cut short is a broken link: leave it out rather than truncate it.
  if (incident.detailUrl !== undefined && utf8Bytes(incident.detailUrl) <= CARD_VALUE_MAX_BYTES) params.detailUrl = incident.detailUrl;
  if (options.text) {
    params.title = fit(options.text.title);
    if (options.text.status !== '') params.status = fit(options.text.status);
    params.description = fit(options.text.description);
  }
  return params;
}

function fit(value: string): string {
  return truncateUtf8(value, CARD_VALUE_MAX_BYTES);
}

/** Problems of a cardParamMap against DingTalk's rules; empty when valid. */
export function cardParamMapProblems(map: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(map)) {
    if (utf8Bytes(key) > CARD_KEY_MAX_BYTES) problems.push(`key ${key.slice(0, 20)}… is ${utf8Bytes(key)} bytes (limit ${CARD_KEY_MAX_BYTES})`);
    if (typeof value !== 'string') problems.push(`${key} is not a string`);
    else if (utf8Bytes(value) > CARD_VALUE_MAX_BYTES) problems.push(`${key} is ${utf8Bytes(value)} bytes (limit ${CARD_VALUE_MAX_BYTES})`);
  }
  return problems;
}

export interface GroupMessage {
  readonly msgKey: 'sampleMarkdown';
  /** JSON text `{"title","text"}` within 15000 bytes. */
  readonly msgParam: string;
}

/**
 * A markdown robot group message (groupMessages/send). It mentions nobody: the API has no @
 * fields (SDK OrgGroupSendRequest), and an "@…" in the text is only text. People are @-ed by the
 * group card (imGroupOpenDeliverModel.atUserIds).
 */
export function groupMarkdownMessage(input: { title: string; text: string }): GroupMessage {
  const title = truncateUtf8(input.title, 256);
  // Leave room for the JSON wrapper and escaping (JSON can double some bytes).
  const fixedBytes = utf8Bytes(JSON.stringify({ title, text: '' }));
  const textBudget = Math.floor((MSG_PARAM_MAX_BYTES - fixedBytes) / 2);
  const text = truncateUtf8(input.text, Math.max(0, textBudget));
  return { msgKey: 'sampleMarkdown', msgParam: JSON.stringify({ title, text }) };
}

/** One digest line per deferred notification. */
export interface DigestLine {
  readonly severity: Severity;
  readonly text: string;
}

/** Lines listed in one digest; the rest are counted ("and N more"). */
export const DIGEST_MAX_LINES = 30;

/** The digest of deferred notifications for one conversation, as a markdown group message. */
export function digestMessage(lines: readonly DigestLine[], windowStartMs: number, locale: CardLocale = 'en'): GroupMessage {
  const title = locale === 'zh' ? `事件汇总（${lines.length}条）` : `Incident digest (${lines.length})`;
  const heading =
    locale === 'zh'
      ? `**${title}** ${formatChinaTime(windowStartMs)} 起 — 本月DingTalk调用额度已用95%以上，非严重事件合并发送`
      : `**${title}** since ${formatChinaTime(windowStartMs)} — over 95 % of this month's DingTalk quota is used, so non-Critical updates are batched`;
  // 15000-byte msgParam: list the first lines in full and count the rest.
  const shown = lines.slice(0, DIGEST_MAX_LINES);
  const bullets = shown.map((line) => `- [${line.severity}] ${truncateUtf8(line.text, 200)}`);
  const more = lines.length - shown.length;
  if (more > 0) bullets.push(locale === 'zh' ? `- 另有${more}条` : `- and ${more} more`);
  return groupMarkdownMessage({ title, text: [heading, ...bullets].join('\n') });
}
