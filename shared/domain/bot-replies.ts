/**
 * What the WeCom smart bot says (issue 15), in Chinese or English. Stream content is markdown
 * (DOC-101031: "stream.content … 支持常见的markdown格式") limited to 20,480 UTF-8 bytes; every text
 * here stays far below that (lists are capped) and the caller cuts anyway. The help text is also
 * the enter_chat welcome, a plain-text reply, so it uses no bold or code marks. No secret, token or
 * key ever goes into a reply; people appear by name, or by email when no name is known.
 */
import type { BotLocale } from './bot-commands';
import { ALLOWED_SNOOZE_MINUTES, effectiveStatus, type Actor, type Incident, type IncidentAction, type IncidentStatus, type Severity, type TimelineEntry } from './incident';
import { DEFAULT_MEDIA_MAX_BYTES } from './smart-bot';
import { singleLine, truncateText } from './text-budget';

const TITLE_MAX_CHARS = 200;
const WHO_MAX_PEOPLE = 100;

function say(locale: BotLocale, zh: string, en: string): string {
  return locale === 'zh' ? zh : en;
}

const STATUS_ZH: Readonly<Record<IncidentStatus, string>> = { Triggered: '待处理', Processing: '处理中', Snoozed: '已暂停', Closed: '已关闭' };
const SEVERITY_ZH: Readonly<Record<Severity, string>> = { Critical: '严重', Warning: '警告', Info: '提示' };

export function statusLabel(status: IncidentStatus, locale: BotLocale): string {
  return locale === 'zh' ? STATUS_ZH[status] : status;
}

export function severityLabel(severity: Severity, locale: BotLocale): string {
  return locale === 'zh' ? SEVERITY_ZH[severity] : severity;
}

/** "2026-12-01 08:05 UTC": chat members sit in different time zones, so every time says it is UTC. */
export function formatUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "45 min", "2 h 5 min", "1 d 3 h" (zh: "45 分钟", "2 小时 5 分钟", "1 天 3 小时"); the two largest units. */
export function formatDuration(ms: number, locale: BotLocale): string {
  const totalMinutes = Math.max(0, Math.floor(ms / 60_000));
  const units: [number, string, string][] = [
    [Math.floor(totalMinutes / 1440), '天', 'd'],
    [Math.floor(totalMinutes / 60) % 24, '小时', 'h'],
    [totalMinutes % 60, '分钟', 'min'],
  ];
  const first = units.findIndex(([n]) => n > 0);
  if (first < 0) return say(locale, '不到 1 分钟', 'under 1 min');
  return units
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, zh, en]) => `${n} ${say(locale, zh, en)}`)
    .join(' ');
}

/** A snooze length as the commands take it: 30m, 2h, 1d. */
export function snoozeLength(minutes: number): string {
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}

const OFFERED_SNOOZES = [...ALLOWED_SNOOZE_MINUTES].sort((a, b) => a - b).map(snoozeLength).join(', ');

/** A person by name, else by email. */
export function actorLabel(actor: Actor): string {
  return actor.name?.trim() || actor.email;
}

/** Free text from the incident system on one line, cut; markdown emphasis marks left as typed. */
export function oneLine(text: string, maxChars: number): string {
  // A generous slice first: truncateText walks graphemes and is slow on megabytes of text.
  return truncateText(singleLine(text.slice(0, maxChars * 4 + 64)), { maxChars });
}

/** An http(s) URL safe inside a markdown link (parentheses and spaces would end it early). */
export function linkTarget(url: string | undefined): string | undefined {
  if (!url || !/^https?:\/\/\S+$/i.test(url)) return undefined;
  return url.replace(/\(/g, '%28').replace(/\)/g, '%29');
}

export function helpText(locale: BotLocale, opts: { inWarRoom: boolean }): string {
  const id = opts.inWarRoom ? '' : ' INC-1';
  const lines =
    locale === 'zh'
      ? [
          'dutybridge 值班机器人 · 可用命令',
          `- 状态${id}：查看事件状态`,
          `- 认领${id}：开始处理事件`,
          `- 关闭${id}：关闭（解决）事件`,
          `- 暂停2小时${id}：暂停提醒，可选 ${OFFERED_SNOOZES}`,
          `- 谁${id}：负责人及谁在处理`,
          `- 时间线${id}：最近的事件与操作`,
          `- 复盘${id}：生成复盘草稿`,
          '- 帮助：显示本列表',
          opts.inWarRoom ? '在本作战室中，命令默认针对本群的事件，无需写事件编号。' : '请在命令后写上事件编号，例如：状态 INC-1。在事件的作战室群里可以省略编号。',
          '其他消息会交给 AI 助手回答（如已配置）；AI 只解释，不会执行操作，操作请用上面的命令或卡片按钮。',
        ]
      : [
          'dutybridge on-call bot · commands',
          `- status${id}: the incident's status`,
          `- ack${id}: take the incident (start processing)`,
          `- close${id}: close (resolve) it`,
          `- snooze 2h${id}: pause reminders; lengths ${OFFERED_SNOOZES}`,
          `- who${id}: responders and who is on it`,
          `- timeline${id}: recent events and actions`,
          `- postmortem${id}: a post-mortem draft`,
          '- help: this list',
          opts.inWarRoom ? 'In this War Room the commands apply to its incident: no id needed.' : "Add the incident id after the command, e.g. status INC-1. In the incident's War Room the id can be left out.",
          'Other messages go to the AI assistant when one is set up; it only explains and never acts: use the commands above or the card buttons.',
        ];
  return lines.join('\n');
}

export function statusText(incident: Incident, nowMs: number, locale: BotLocale): string {
  const status = effectiveStatus(incident, nowMs);
  const by = status === 'Closed' ? incident.closedBy : status === 'Processing' ? incident.acknowledgedBy : undefined;
  const link = linkTarget(incident.detailUrl);
  const lines = [
    `**${incident.incidentId} · ${oneLine(incident.title, TITLE_MAX_CHARS)}**`,
    `- ${say(locale, '级别', 'Severity')}: ${severityLabel(incident.severity, locale)}`,
    `- ${say(locale, '状态', 'Status')}: **${statusLabel(status, locale)}**${by ? say(locale, `（${actorLabel(by)}）`, ` (by ${actorLabel(by)})`) : ''}`,
  ];
  if (status === 'Snoozed' && incident.snoozedUntil !== undefined) lines.push(`- ${say(locale, '暂停至', 'Snoozed until')}: ${formatUtc(incident.snoozedUntil)}`);
  if (status !== 'Processing' && status !== 'Closed' && incident.acknowledgedBy) lines.push(`- ${say(locale, '认领人', 'Acknowledged by')}: ${actorLabel(incident.acknowledgedBy)}`);
  lines.push(
    `- ${say(locale, '触发时间', 'Triggered')}: ${formatUtc(incident.triggeredAt)}${say(locale, `（${formatDuration(nowMs - incident.triggeredAt, locale)}前）`, ` (${formatDuration(nowMs - incident.triggeredAt, locale)} ago)`)}`,
    `- ${say(locale, '负责人数', 'Responders')}: ${incident.responders.length}`,
  );
  if (link) lines.push(`- [${say(locale, '事件详情', 'Details')}](${link})`);
  return lines.join('\n');
}

export function whoText(incident: Incident, people: readonly { email: string; name?: string; linked: boolean }[], locale: BotLocale): string {
  const lines = [`**${incident.incidentId} · ${say(locale, `负责人（${people.length}）`, `responders (${people.length})`)}**`];
  if (people.length === 0) lines.push(say(locale, '此事件没有列出负责人。', 'No responders are listed on this incident.'));
  for (const person of people.slice(0, WHO_MAX_PEOPLE)) {
    const who = person.name?.trim() ? `${person.name.trim()} (${person.email})` : person.email;
    lines.push(`- ${who}: ${person.linked ? say(locale, '已绑定', 'linked') : say(locale, '未绑定（收不到卡片）', 'not linked (gets no card)')}`);
  }
  if (people.length > WHO_MAX_PEOPLE) lines.push(say(locale, `……另有 ${people.length - WHO_MAX_PEOPLE} 人`, `… and ${people.length - WHO_MAX_PEOPLE} more`));
  const ack = incident.acknowledgedBy;
  lines.push(ack ? say(locale, `处理人：${actorLabel(ack)}`, `Taken by: ${actorLabel(ack)}`) : say(locale, '还没有人认领。', 'Nobody has taken it yet.'));
  return lines.join('\n');
}

/** What one timeline entry was, in words: "acknowledged by Alice Chen", "snoozed 2h by Bob". */
export function timelineWhat(entry: TimelineEntry, locale: BotLocale, actor: (actor: Actor) => string = actorLabel): string {
  const by = entry.actor ? say(locale, `（${actor(entry.actor)}）`, ` by ${actor(entry.actor)}`) : '';
  const snooze = entry.snoozeMinutes ? ` ${snoozeLength(entry.snoozeMinutes)}` : '';
  const words: Readonly<Record<string, readonly [string, string]>> = {
    'incident.triggered': ['触发', 'triggered'],
    'incident.updated': ['更新', 'updated'],
    'incident.acknowledged': ['已认领', 'acknowledged'],
    'incident.snoozed': ['已暂停', 'snoozed'],
    'incident.resolved': ['已解决', 'resolved'],
    'incident.reopened': ['重新打开', 'reopened'],
    acknowledge: ['认领', 'acknowledged'],
    resolve: ['关闭', 'closed'],
    snooze: ['暂停', 'snoozed'],
  };
  const known = words[entry.what];
  const what = known ? say(locale, known[0], known[1]) : entry.what;
  const source = entry.kind === 'event' ? say(locale, '（来自事件系统）', ' (incident system)') : '';
  return `${what}${snooze}${by}${source}`;
}

export function timelineText(incident: Incident, locale: BotLocale, limit = 10): string {
  const entries = incident.timeline ?? [];
  const shown = entries.slice(-Math.max(1, limit));
  const heading = `**${incident.incidentId} · ${say(locale, '时间线', 'timeline')}**${entries.length > shown.length ? say(locale, `（最近 ${shown.length} 条，共 ${entries.length} 条）`, ` (last ${shown.length} of ${entries.length})`) : ''}`;
  if (entries.length === 0) return `${heading}\n${say(locale, '暂无时间线记录。', 'No timeline yet.')}`;
  let lastDate = '';
  const lines = shown.map((entry) => {
    const iso = new Date(entry.at).toISOString();
    const date = iso.slice(0, 10);
    // The date once per day: "2026-12-01 08:00 UTC", then "08:05" for the same day.
    const time = date === lastDate ? iso.slice(11, 16) : `${date} ${iso.slice(11, 16)} UTC`;
    lastDate = date;
    return `- ${time} ${timelineWhat(entry, locale)}`;
  });
  return [heading, ...lines].join('\n');
}

const NO_CHANGE_REASONS_ZH: readonly (readonly [RegExp, (m: RegExpExecArray) => string])[] = [
  [/^already closed$/, () => '事件已关闭'],
  [/^already being processed$/, () => '事件已在处理中'],
  [/^snooze of (\d+) min is not offered$/, (m) => `不支持暂停 ${m[1]} 分钟`],
  [/^snooze length "(.*)" is not offered$/s, (m) => `不支持暂停时长“${m[1]}”`],
];

function reasonText(reason: string | undefined, locale: BotLocale): string {
  if (!reason) return '';
  const cut = oneLine(reason, 300);
  if (locale === 'en') return cut;
  for (const [pattern, zh] of NO_CHANGE_REASONS_ZH) {
    const m = pattern.exec(cut);
    if (m) return zh(m);
  }
  return cut;
}

/** The answer to ack / close / snooze: what IncidentClicks did (transition, already_applied, no_change, unknown_incident). */
export function actionResultText(kind: string, action: IncidentAction, incident: Incident | undefined, reason: string | undefined, locale: BotLocale): string {
  const id = incident?.incidentId ?? '';
  const status = incident ? statusLabel(incident.status, locale) : '';
  const offered = action.kind === 'snooze' ? say(locale, `可选暂停时长：${OFFERED_SNOOZES}。`, `Snooze lengths offered: ${OFFERED_SNOOZES}.`) : '';
  switch (kind) {
    case 'transition':
    case 'applied': {
      if (action.kind === 'snooze' && incident?.snoozedUntil !== undefined) {
        return say(locale, `${id} 已暂停 ${snoozeLength(action.minutes)}，至 ${formatUtc(incident.snoozedUntil)}（由你操作）。`, `${id} is now **Snoozed** for ${snoozeLength(action.minutes)}, until ${formatUtc(incident.snoozedUntil)} (by you).`);
      }
      const did = action.kind === 'acknowledge' ? say(locale, '由你认领', 'acknowledged by you') : action.kind === 'resolve' ? say(locale, '由你关闭', 'closed by you') : say(locale, '由你操作', 'by you');
      return say(locale, `${id} 现在是 **${status}**（${did}）。`, `${id} is now **${status}** (${did}).`);
    }
    case 'already_applied':
      return say(locale, `这条消息的操作已经执行过：${id} 现在是 **${status}**。`, `That was already done for this message: ${id} is **${status}**.`);
    case 'no_change': {
      const why = reasonText(reason, locale);
      const lines = [say(locale, `${id} 未改变${why ? `：${why}` : ''}。`, `${id} was not changed${why ? `: ${why}` : ''}.`)];
      if (incident) lines.push(say(locale, `当前状态：**${status}**。`, `It is **${status}**.`));
      if (offered && /snooze/.test(reason ?? '')) lines.push(offered);
      // Chinese sentences follow each other without a space.
      return lines.join(say(locale, '', ' '));
    }
    case 'unknown_incident':
      return say(locale, '找不到这个事件，可能已被删除。', 'The incident was not found; it may have been removed.');
    default:
      return say(locale, `${id} 未改变。`, `${id} was not changed.`).trim();
  }
}

export function whichIncidentText(locale: BotLocale): string {
  return say(locale, '是哪个事件？请在命令后写上事件编号，例如：状态 INC-1；或在事件的作战室群里发送。', 'Which incident? Add its id after the command, e.g. status INC-1, or ask in the incident’s War Room.');
}

export function unknownIncidentText(id: string, locale: BotLocale): string {
  const shown = oneLine(id, 128).replace(/`/g, '');
  return say(locale, `找不到事件 \`${shown}\`，请检查编号。`, `No incident \`${shown}\`: check the id.`);
}

export function notVisibleText(locale: BotLocale): string {
  return say(locale, '这个事件不是发往本企业微信应用的，机器人不能在这里显示它。', 'That incident is not sent to this WeCom integration, so the bot cannot show it here.');
}

/** A quote line under the deterministic answer: the model gave nothing usable in time. */
export function modelFallbackNote(kind: 'timeout' | 'error', locale: BotLocale): string {
  return kind === 'timeout'
    ? say(locale, '> AI 回答超时，暂不可用；以上是 dutybridge 直接给出的事件状态。', '> The AI answer timed out; the status above comes straight from dutybridge.')
    : say(locale, '> AI 回答失败，暂不可用；以上是 dutybridge 直接给出的事件状态。', '> The AI answer failed; the status above comes straight from dutybridge.');
}

/** "512 B", "1.5 KiB", "2.0 MiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export function mediaReceivedText(items: readonly { type: 'image' | 'file'; bytes: number; kind: string; sha256: string }[], locale: BotLocale): string {
  const lines = items.map((item) => {
    const type = item.type === 'image' ? say(locale, '图片', 'image') : say(locale, '文件', 'file');
    return `- ${type} (${oneLine(item.kind, 40)}), ${formatBytes(item.bytes)}, sha256 ${item.sha256}`;
  });
  return [say(locale, '已收到（未保存）：', 'Received (not stored):'), ...lines].join('\n');
}

export function mediaRefusedText(kind: 'too_large' | 'unavailable' | 'undecryptable', locale: BotLocale): string {
  switch (kind) {
    case 'too_large':
      return say(locale, `文件太大，机器人最多接收 ${formatBytes(DEFAULT_MEDIA_MAX_BYTES)}，未下载。`, `The file is larger than the bot takes (${formatBytes(DEFAULT_MEDIA_MAX_BYTES)}); it was not downloaded.`);
    case 'unavailable':
      return say(locale, '无法下载该文件（链接可能已过期），请重新发送。', 'The file could not be downloaded (its link may have expired); send it again.');
    case 'undecryptable':
      return say(locale, '无法解密该文件，请管理员检查机器人的 EncodingAESKey 设置。', "The file could not be decrypted; an administrator should check the bot's EncodingAESKey setting.");
  }
}
