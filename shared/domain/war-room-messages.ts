/**
 * What a War Room says: the summary posted when it opens, a line per status change, the closing
 * message. Markdown that both WeCom appchat (msgtype markdown; interactive cards are not accepted
 * in appchat, wecom.md §4.5) and DingTalk's robot sampleMarkdown render. Kept well inside WeCom's
 * markdown content limit (4096 bytes, DOC-90236/DOC-90245) by cutting the description.
 */
import type { Incident, IncidentStatus } from './incident';
import { truncateText } from './text-budget';

const STATUS_WORDS: Record<IncidentStatus, string> = {
  Triggered: 'Triggered (待处理)',
  Processing: 'Processing (处理中)',
  Snoozed: 'Snoozed (已暂缓)',
  Closed: 'Closed (已关闭)',
};

/** Room markdown stays under this many UTF-8 bytes (WeCom markdown.content ≤ 4096). */
export const WAR_ROOM_MESSAGE_MAX_BYTES = 3800;

export interface WarRoomMarkdown {
  /** DingTalk sampleMarkdown title (chat list preview). */
  readonly title: string;
  readonly text: string;
}

function fit(text: string): string {
  return truncateText(text, { maxBytes: WAR_ROOM_MESSAGE_MAX_BYTES });
}

export function warRoomSummary(incident: Incident, people: { readonly invited: readonly string[]; readonly notInvited: readonly { email: string; reason: string }[] }): WarRoomMarkdown {
  const lines = [
    `**War Room · [${incident.severity}] ${incident.title}**`,
    `> Incident: ${incident.incidentId}`,
    `> Status: ${STATUS_WORDS[incident.status]}`,
    ...(incident.acknowledgedBy ? [`> Assignee: ${incident.acknowledgedBy.name ?? incident.acknowledgedBy.email}`] : []),
    ...(people.invited.length > 0 ? [`> Responders: ${people.invited.join(', ')}`] : []),
    ...(people.notInvited.length > 0 ? [`> Not invited: ${people.notInvited.map((p) => `${p.email} (${p.reason})`).join(', ')}`] : []),
    ...(incident.detailUrl ? [`[Details](${incident.detailUrl})`] : []),
  ];
  const head = lines.join('\n');
  const description = incident.description.trim();
  return { title: `War Room ${incident.incidentId}`, text: fit(description ? `${head}\n\n${description}` : head) };
}

export function warRoomStatusLine(incident: Incident): WarRoomMarkdown {
  const who = incident.status === 'Processing' ? incident.acknowledgedBy : incident.status === 'Closed' ? incident.closedBy : undefined;
  const until = incident.status === 'Snoozed' && incident.snoozedUntil ? ` until ${new Date(incident.snoozedUntil).toISOString().slice(0, 16).replace('T', ' ')} UTC` : '';
  const text = `**${incident.incidentId}** is now ${STATUS_WORDS[incident.status]}${until}${who ? ` by ${who.name ?? who.email}` : ''}`;
  return { title: `${incident.incidentId}: ${incident.status}`, text: fit(text) };
}

export function warRoomClosing(incident: Incident, why: 'dismissed' | 'closed'): WarRoomMarkdown {
  const text = [
    `**War Room closed · ${incident.incidentId}**`,
    why === 'closed' ? `> The incident is ${STATUS_WORDS[incident.status]}.` : '> The War Room was dismissed by the incident system.',
    '> This chat is kept for the record; dutybridge posts nothing more here.',
  ].join('\n');
  return { title: `War Room ${incident.incidentId} closed`, text: fit(text) };
}
