/**
 * `dutybridge incidents show ID [--json]`: what the state table holds about one incident: its
 * state and version, its cards per platform and integration with their freshness (the version each
 * copy shows against the incident's render version now; stale marks; WeCom update codes left), who
 * got no card and why, and the compact timeline of events, clicks and the actions they published.
 */
import { getDocumentClient } from '../shared/adapters/aws/clients';
import { DynamoDingTalkCardStore } from '../shared/adapters/aws/dingtalk-card-store';
import { DynamoIncidentCardIndex } from '../shared/adapters/aws/incident-card-index';
import { DynamoIncidentRepository } from '../shared/adapters/aws/incident-repository';
import { DynamoWeComCardStore } from '../shared/adapters/aws/wecom-card-store';
import type { DingTalkCardRecord } from '../shared/application/ports';
import { effectiveStatus, renderVersion, type Incident } from '../shared/domain/incident';
import type { ResponseCodeRecord, WeComCardRecord } from '../shared/domain/wecom-card-record';
import { DynamoWarRoomStore } from '../shared/adapters/aws/war-room-store';
import type { WarRoom } from '../shared/domain/war-room';
import { CliUsageError } from './target';

export interface IncidentView {
  readonly incident: Incident;
  readonly weCom: { readonly card: WeComCardRecord; readonly codes: Record<string, readonly ResponseCodeRecord[]> }[];
  readonly dingTalk: DingTalkCardRecord[];
  /** War Rooms (issue 14): the group chats opened for the incident. */
  readonly warRooms?: WarRoom[];
}

export async function loadIncidentView(tableName: string, incidentId: string): Promise<IncidentView | undefined> {
  const client = getDocumentClient();
  const incident = await new DynamoIncidentRepository(client, tableName).get(incidentId);
  if (!incident) return undefined;
  const weComStore = new DynamoWeComCardStore(client, tableName);
  const dingTalkStore = new DynamoDingTalkCardStore(client, tableName);
  const warRooms = (await new DynamoWarRoomStore(client, tableName).listForIncident(incidentId)).map(({ revision: _revision, ...room }) => room);
  const view: { incident: Incident; weCom: IncidentView['weCom'][number][]; dingTalk: DingTalkCardRecord[]; warRooms: WarRoom[] } = { incident, weCom: [], dingTalk: [], warRooms };
  for (const { platform, integrationId } of await new DynamoIncidentCardIndex(client, tableName).cardsOfIncident(incidentId)) {
    if (platform === 'wecom') {
      const card = await weComStore.getCard(integrationId, incidentId);
      if (!card) continue;
      const codes: Record<string, readonly ResponseCodeRecord[]> = {};
      for (const batch of card.batches) codes[batch.taskId] = await weComStore.codes(batch.taskId);
      view.weCom.push({ card, codes });
    } else {
      const card = await dingTalkStore.getCard(integrationId, incidentId);
      if (card) view.dingTalk.push(card);
    }
  }
  return view;
}

const iso = (ms: number | undefined) => (ms === undefined ? '-' : new Date(ms).toISOString());
/** WeCom response codes stay usable for 72 hours. */
const CODE_LIFETIME_MS = 72 * 3600_000;

/** Freshness of one copy: what it shows against what it should show now. */
function freshness(rendered: number, current: number, stale?: boolean): string {
  if (stale) return `STALE (shows ${rendered}, incident at ${current}; no update code left: the next Refresh Status click catches it up)`;
  if (rendered >= current) return `current (shows ${rendered})`;
  if (rendered === 0) return `not rendered yet (incident at ${current})`;
  return `behind (shows ${rendered}, incident at ${current}; refresh-card is on it)`;
}

/** The view as text lines. */
export function describeIncident(view: IncidentView, nowMs: number): string[] {
  const { incident } = view;
  const current = renderVersion(incident, nowMs);
  const status = effectiveStatus(incident, nowMs);
  const lines = [
    `${incident.incidentId}  [${incident.severity}] ${incident.title}`,
    `  state: ${status}${status !== incident.status ? ` (stored ${incident.status}; the snooze ended)` : ''}${incident.snoozedUntil && status === 'Snoozed' ? ` until ${iso(incident.snoozedUntil)}` : ''}`,
    `  version: ${incident.version} (from the incident system)   revision: ${incident.revision}   render version: ${current}`,
    `  triggered: ${iso(incident.triggeredAt)}   updated: ${iso(incident.updatedAt)}`,
    ...(incident.acknowledgedBy ? [`  processing by: ${incident.acknowledgedBy.name ?? incident.acknowledgedBy.email}${incident.acknowledgedBy.platform ? ` (${incident.acknowledgedBy.platform})` : ''}`] : []),
    ...(incident.closedBy ? [`  closed by: ${incident.closedBy.name ?? incident.closedBy.email}${incident.closedBy.platform ? ` (${incident.closedBy.platform})` : ''}`] : []),
    `  targets: ${incident.targets.length ? incident.targets.map((t) => `${t.integrationId}${t.persons.length ? ` persons=${t.persons.join(',')}` : ''}${t.groups.length ? ` groups=${t.groups.join(',')}` : ''}`).join('; ') : '(none)'}`,
    ...(incident.pendingActions?.length ? [`  actions not yet published: ${incident.pendingActions.map((a) => a.idempotencyKey).join(', ')}`] : []),
    'cards:',
  ];
  if (view.weCom.length === 0 && view.dingTalk.length === 0) lines.push('  (none)');
  for (const { card, codes } of view.weCom) {
    lines.push(`  wecom ${card.integrationId}: ${card.batches.length} task(s)`);
    for (const batch of card.batches) {
      const left = (codes[batch.taskId] ?? []).filter((c) => !c.used && nowMs - c.obtainedAt < CODE_LIFETIME_MS).length;
      const state = batch.status === 'pending' ? 'PENDING (not sent yet)' : `sent ${iso(batch.sentAt)}, ${freshness(batch.renderedRevision, current, batch.stale)}`;
      lines.push(`    task ${batch.taskId}: ${batch.userIds.length} recipient(s), ${state}, update codes left: ${left}`);
    }
    if (card.notLinked.length) lines.push(`    no card (App Not Linked): ${card.notLinked.join(', ')}`);
    if (card.invalidUsers.length) lines.push(`    invalid userids (WeCom refused them): ${card.invalidUsers.join(', ')}`);
  }
  for (const card of view.dingTalk) {
    lines.push(`  dingtalk ${card.integrationId}: ${card.outTrackIds.length} card call(s)${card.queued ? '' : ' (NOT all queued yet)'}, ${card.outTrackIds.length ? freshness(card.renderedVersion, current) : 'nobody to deliver to'}`);
    if (card.notLinked.length) lines.push(`    no 1:1 card (App Not Linked): ${card.notLinked.join(', ')}`);
    for (const u of card.unmentioned ?? []) lines.push(`    not @mentioned on the group card: ${u.email} (${u.reason}${u.detail ? `: ${u.detail}` : ''})`);
  }
  if (view.warRooms?.length) {
    lines.push('war rooms:');
    for (const room of view.warRooms) {
      lines.push(`  ${room.platform} ${room.integrationId}: ${room.state.toUpperCase()} "${room.name}" ${room.chatId ?? '(not created yet)'}${room.joinUrl ? ` join: ${room.joinUrl}` : ''}, ${room.members.length} member(s)${room.owner ? `, owner ${room.owner}` : ''}`);
      for (const p of room.unresolved) lines.push(`    not invited: ${p.email} (${p.reason})`);
      if (room.failure) lines.push(`    refused: ${room.failure.reason} (${room.failure.code})`);
      if (room.state === 'closed') lines.push('    closed: closing message posted; the chat itself is kept');
    }
  }
  lines.push('timeline:');
  const timeline = incident.timeline ?? [];
  if (timeline.length === 0) lines.push('  (none recorded: the incident was last written before timelines were kept)');
  const pending = new Set((incident.pendingActions ?? []).map((a) => a.idempotencyKey));
  for (const e of timeline) {
    if (e.kind === 'event') {
      lines.push(`  ${iso(e.at)}  event  ${e.what} v${e.version ?? '?'}  → revision ${e.revision}`);
    } else {
      const what = e.what === 'snooze' && e.snoozeMinutes ? `snooze ${e.snoozeMinutes} min` : e.what;
      const who = e.actor ? ` by ${e.actor.name ?? e.actor.email}${e.actor.platform ? ` (${e.actor.platform}${e.actor.userId ? ` ${e.actor.userId}` : ''})` : ''}` : '';
      const action = e.idempotencyKey ? `; action ${e.idempotencyKey} ${pending.has(e.idempotencyKey) ? 'NOT yet published' : 'published'}` : '';
      lines.push(`  ${iso(e.at)}  click  ${what}${who}  → revision ${e.revision}${action}`);
    }
  }
  return lines;
}

/** The command: prints the view (or `--json`: the stored records); 1 when the incident is unknown. */
export async function incidentsShow(incidentId: string | undefined, tableName: string, json: boolean, print: (json: boolean, value: unknown, text: string) => void): Promise<number> {
  if (!incidentId) throw new CliUsageError('incidents show needs an incident ID, e.g. `dutybridge incidents show inc-1`');
  const view = await loadIncidentView(tableName, incidentId);
  if (!view) {
    print(json, null, `no incident ${incidentId}: no event for it was applied (not consumed yet, or dropped: an event whose targets are all unknown integrations is not applied), or it was closed and has expired`);
    return 1;
  }
  print(json, view, describeIncident(view, Date.now()).join('\n'));
  return 0;
}
