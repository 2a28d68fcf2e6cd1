/**
 * A post-mortem draft for one incident (issue 15), in markdown: the facts dutybridge holds (the
 * incident's timeline, who took and closed it, its War Rooms, what the operation log says about
 * card delivery) and empty sections for what only people know (root cause, impact, lessons). It is
 * for the team: responders' emails may appear; secrets never do (none of the inputs holds one).
 * The same text is the bot's `postmortem` answer and `dutybridge postmortem`'s output.
 */
import type { BotLocale } from './bot-commands';
import { actorLabel, formatDuration, formatUtc, linkTarget, oneLine, severityLabel, statusLabel, timelineWhat } from './bot-replies';
import { effectiveStatus, TIMELINE_MAX_ENTRIES, type Actor, type Incident, type TimelineEntry } from './incident';
import type { OperationRecord } from './operation-log';
import { singleLine } from './text-budget';
import type { WarRoom } from './war-room';

export interface PostmortemInput {
  readonly incident: Incident;
  readonly rooms: readonly WarRoom[];
  readonly records: readonly OperationRecord[];
  readonly nowMs: number;
  readonly locale?: BotLocale;
}

/** Failed or dropped deliveries listed one by one; the rest only counted (the bot's answer is ≤ 20,480 bytes). */
const NOTABLE_RECORDS_MAX = 15;
const REASON_MAX_CHARS = 240;

const HEADINGS = {
  en: {
    title: 'Post-mortem draft',
    note: 'Drafted by dutybridge from the incident timeline, its War Rooms and the operation log. Check the facts and fill in the sections below.',
    summary: 'Summary',
    field: 'Field',
    value: 'Value',
    severity: 'Severity',
    status: 'Status',
    triggered: 'Triggered',
    acknowledged: 'Acknowledged',
    closed: 'Closed',
    tta: 'Time to acknowledge',
    ttr: 'Time to resolve',
    responders: 'Responders',
    details: 'Details',
    timeline: 'Timeline (UTC)',
    timelineCut: `Only the last ${TIMELINE_MAX_ENTRIES} entries are kept per incident: older ones may be missing.`,
    time: 'Time',
    what: 'What',
    actions: 'Actions taken',
    rooms: 'War Rooms',
    name: 'Name',
    platform: 'Platform',
    state: 'State',
    members: 'Members',
    created: 'Created',
    delivery: 'Delivery and cards',
    records: 'Operation log records',
    byResult: 'By result',
    byChannel: 'By channel',
    notable: 'Not delivered or refused',
    more: (n: number) => `… and ${n} more (dutybridge oplog --incident shows all)`,
    rootCause: 'Root cause',
    impact: 'Impact',
    wentWell: 'What went well',
    improve: 'What to improve',
    actionItems: 'Action items',
    toFill: '_To be filled in._',
    none: '(none)',
    notYet: 'not yet',
    unknownTime: 'yes (time not in the timeline)',
    by: (who: string) => ` by ${who}`,
  },
  zh: {
    title: '事后复盘草稿',
    note: '由 dutybridge 根据事件时间线、作战室和操作日志生成。请核对事实并补全下面的章节。',
    summary: '概要',
    field: '项目',
    value: '内容',
    severity: '级别',
    status: '状态',
    triggered: '触发时间',
    acknowledged: '认领时间',
    closed: '关闭时间',
    tta: '认领耗时',
    ttr: '解决耗时',
    responders: '负责人',
    details: '详情',
    timeline: '时间线（UTC）',
    timelineCut: `每个事件只保留最近 ${TIMELINE_MAX_ENTRIES} 条记录，更早的可能缺失。`,
    time: '时间',
    what: '事件',
    actions: '已采取的操作',
    rooms: '作战室',
    name: '名称',
    platform: '平台',
    state: '状态',
    members: '成员数',
    created: '创建时间',
    delivery: '投递与卡片记录',
    records: '操作日志记录',
    byResult: '按结果',
    byChannel: '按渠道',
    notable: '未送达或被拒绝',
    more: (n: number) => `……另有 ${n} 条（dutybridge oplog --incident 可查看全部）`,
    rootCause: '根因',
    impact: '影响',
    wentWell: '做得好的地方',
    improve: '待改进',
    actionItems: '改进项',
    toFill: '_待填写。_',
    none: '（无）',
    notYet: '尚未',
    unknownTime: '是（时间线中无记录）',
    by: (who: string) => `（${who}）`,
  },
} as const;

/** A table cell: one line, no pipe that would end the cell early. */
function cell(text: string): string {
  return singleLine(text).replace(/\|/g, '\\|');
}

/** Name and email in a post-mortem (it is for the team). */
function person(actor: Actor): string {
  const name = actor.name?.trim();
  return name && name !== actor.email ? `${name} (${actor.email})` : actor.email;
}

const isAcknowledge = (e: TimelineEntry) => e.what === 'acknowledge' || e.what === 'incident.acknowledged';
const isResolve = (e: TimelineEntry) => e.what === 'resolve' || e.what === 'incident.resolved';

/** When it was first taken and, if it is closed now, when it was last closed. */
export function incidentMilestones(incident: Incident, nowMs: number): { acknowledgedAt?: number; closedAt?: number } {
  const timeline = incident.timeline ?? [];
  const acknowledgedAt = timeline.find(isAcknowledge)?.at;
  const closedAt = effectiveStatus(incident, nowMs) === 'Closed' ? timeline.filter(isResolve).at(-1)?.at : undefined;
  return { ...(acknowledgedAt !== undefined ? { acknowledgedAt } : {}), ...(closedAt !== undefined ? { closedAt } : {}) };
}

function countBy(records: readonly OperationRecord[], key: (r: OperationRecord) => string): string {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

export function renderPostmortem(input: PostmortemInput): string {
  const { incident, rooms, records, nowMs } = input;
  const locale = input.locale ?? 'en';
  const h = HEADINGS[locale];
  const status = effectiveStatus(incident, nowMs);
  const { acknowledgedAt, closedAt } = incidentMilestones(incident, nowMs);
  const timeline = incident.timeline ?? [];
  const link = linkTarget(incident.detailUrl);

  const acknowledged = acknowledgedAt !== undefined ? formatUtc(acknowledgedAt) : incident.acknowledgedBy ? h.unknownTime : h.notYet;
  const closed = closedAt !== undefined ? formatUtc(closedAt) : status === 'Closed' ? h.unknownTime : h.notYet;
  const summary: [string, string][] = [
    [h.severity, severityLabel(incident.severity, locale)],
    [h.status, statusLabel(status, locale)],
    [h.triggered, formatUtc(incident.triggeredAt)],
    [h.acknowledged, `${acknowledged}${incident.acknowledgedBy ? h.by(person(incident.acknowledgedBy)) : ''}`],
    [h.closed, `${closed}${status === 'Closed' && incident.closedBy ? h.by(person(incident.closedBy)) : ''}`],
    [h.tta, acknowledgedAt !== undefined ? formatDuration(acknowledgedAt - incident.triggeredAt, locale) : '-'],
    [h.ttr, closedAt !== undefined ? formatDuration(closedAt - incident.triggeredAt, locale) : '-'],
    [h.responders, incident.responders.length ? incident.responders.join(', ') : h.none],
    ...(link ? [[h.details, link] as [string, string]] : []),
  ];

  const lines: string[] = [
    `# ${h.title}: ${incident.incidentId} · ${oneLine(incident.title, 200)}`,
    '',
    `> ${h.note} (${formatUtc(nowMs)})`,
    '',
    `## ${h.summary}`,
    '',
    `| ${h.field} | ${h.value} |`,
    '| --- | --- |',
    ...summary.map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`),
    '',
    `## ${h.timeline}`,
    '',
  ];
  if (timeline.length === 0) lines.push(h.none);
  else {
    if (timeline.length >= TIMELINE_MAX_ENTRIES) lines.push(h.timelineCut, '');
    lines.push(`| ${h.time} | ${h.what} |`, '| --- | --- |', ...timeline.map((e) => `| ${formatUtc(e.at)} | ${cell(timelineWhat(e, locale, person))} |`));
  }

  const clicks = timeline.filter((e) => e.kind === 'click');
  lines.push('', `## ${h.actions}`, '');
  lines.push(...(clicks.length ? clicks.map((e) => `- ${formatUtc(e.at)} ${timelineWhat(e, locale, actorLabel)}${e.actor?.platform ? ` (${e.actor.platform})` : ''}`) : [h.none]));

  lines.push('', `## ${h.rooms}`, '');
  if (rooms.length === 0) lines.push(h.none);
  else {
    lines.push(`| ${h.name} | ${h.platform} | ${h.state} | ${h.members} | ${h.created} |`, '| --- | --- | --- | --- | --- |');
    for (const room of rooms) lines.push(`| ${cell(room.name)} | ${room.platform} | ${room.state}${room.failure ? ` (${cell(room.failure.code)})` : ''} | ${room.members.length} | ${formatUtc(room.createdAt)} |`);
  }

  lines.push('', `## ${h.delivery}`, '');
  if (records.length === 0) lines.push(h.none);
  else {
    const sorted = [...records].sort((a, b) => a.atMs - b.atMs);
    lines.push(`- ${h.records}: ${records.length}`, `- ${h.byResult}: ${countBy(sorted, (r) => r.result)}`, `- ${h.byChannel}: ${countBy(sorted, (r) => r.channel ?? '-')}`);
    const notable = sorted.filter((r) => r.result === 'failed' || r.result === 'dropped');
    if (notable.length) {
      lines.push('', `${h.notable}:`, '');
      for (const r of notable.slice(0, NOTABLE_RECORDS_MAX)) {
        const where = [r.platform, r.integrationId, r.channel, r.recipient].filter(Boolean).join(' ');
        lines.push(`- ${formatUtc(r.atMs)} ${r.result} ${r.reasonCode}${where ? ` (${singleLine(where)})` : ''}: ${oneLine(r.reason, REASON_MAX_CHARS)}`);
      }
      if (notable.length > NOTABLE_RECORDS_MAX) lines.push(`- ${h.more(notable.length - NOTABLE_RECORDS_MAX)}`);
    }
  }

  for (const section of [h.rootCause, h.impact, h.wentWell, h.improve]) lines.push('', `## ${section}`, '', h.toFill);
  lines.push('', `## ${h.actionItems}`, '', '- [ ] ');
  return `${lines.join('\n')}\n`;
}
