/**
 * Retention of closed incidents and their card records through the state table's TTL attribute
 * (`stateTable.timeToLiveAttribute`, epoch seconds).
 *
 * The incident item (`INCIDENT#<id>`, sk `META`) carries the expiry in the same compare-and-swap
 * put that closes it (DynamoIncidentRepository.save); a put that reopens it writes no expiry, so it
 * loses it. Everything else that belongs to the incident then follows the incident item
 * (`syncIncidentRetention`, run by refresh-card after every change through
 * DynamoIncidentCardIndex.applyRetention: that function holds the grants for every card key space
 * of both platforms, and its queue retries a failure):
 * - the incident → cards index items (`INCIDENT#<id>`, sk `CARD#<platform>#<integrationId>`);
 * - the card records (`CARD#wecom|dingtalk#<integrationId>#<id>`);
 * - their click lookups (`TASK#wecom#<integrationId>#<taskId>`, `OUTTRACK#<integrationId>#<outTrackId>`).
 * (WeCom update codes, `CODES#<taskId>`, expire on their own four days after they were obtained.)
 *
 * Concurrent syncs (a close and a reopen racing) cannot leave the wrong state behind: a sync
 * re-reads the incident's revision after writing and starts over if it moved, so the last sync to
 * finish applied the latest incident state. A card created after the close copies the expiry
 * itself (the card stores call `syncIncidentRetention` after creating a card of a closed incident).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Incident } from '../../domain/incident';
import { stateTable } from '../../config/resources';
import { DEFAULT_RETENTION } from '../../config/runtime-config';

/** The table's TTL attribute, as declared once for CDK and the local stack. */
export const TTL_ATTRIBUTE = stateTable.timeToLiveAttribute;

const DAY_SECONDS = 86_400;

/** Epoch seconds at which a closed incident expires (`closedIncidentDays` after its close); undefined while open. */
export function closedIncidentExpiry(incident: Incident, closedIncidentDays: number = DEFAULT_RETENTION.closedIncidentDays): number | undefined {
  if (incident.status !== 'Closed') return undefined;
  return Math.ceil(incident.updatedAt / 1000) + Math.round(closedIncidentDays * DAY_SECONDS);
}

/** Sets (a number) or removes (undefined) the TTL attribute on an item, if the item exists. */
export async function setItemExpiry(client: DynamoDBDocumentClient, tableName: string, key: { pk: string; sk: string }, expiresAt: number | undefined): Promise<void> {
  try {
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression: expiresAt === undefined ? 'REMOVE #ttl' : 'SET #ttl = :ttl',
        // Never create a stub item for a key that is gone (or not written yet).
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
        ...(expiresAt === undefined ? {} : { ExpressionAttributeValues: { ':ttl': expiresAt } }),
      }),
    );
  } catch (e) {
    if (!(e instanceof ConditionalCheckFailedException)) throw e;
  }
}

const MAX_ROUNDS = 5;

/** What a sync brings the cards to: the incident item's revision and expiry (undefined: open). */
export interface IncidentRetentionState {
  readonly revision: number;
  readonly expiresAt: number | undefined;
}

/**
 * Brings the TTL of every card item of the incident in line with the incident item's (set while
 * it is closed, removed while it is open). Idempotent; a missing incident item changes nothing.
 * `known` is the state the caller has just written (saves the first read). The cards are done in
 * parallel: a query, a read per card, then one round of updates, then the revision check.
 */
export async function syncIncidentRetention(client: DynamoDBDocumentClient, tableName: string, incidentId: string, known?: IncidentRetentionState): Promise<void> {
  const readState = async (): Promise<IncidentRetentionState | undefined> => {
    const item = (await client.send(new GetCommand({ TableName: tableName, Key: { pk: `INCIDENT#${incidentId}`, sk: 'META' }, ConsistentRead: true }))).Item;
    if (!item) return undefined;
    return { revision: item.revision as number, expiresAt: typeof item[TTL_ATTRIBUTE] === 'number' ? (item[TTL_ATTRIBUTE] as number) : undefined };
  };
  let state = known ?? (await readState());
  for (let round = 0; state && round < MAX_ROUNDS; round++) {
    const { expiresAt } = state;
    const entries = await cardIndexEntries(client, tableName, incidentId);
    await Promise.all(
      entries.map(async (entry) => {
        const [, platform, ...rest] = entry.sk.split('#');
        const integrationId = rest.join('#');
        const cardKey = { pk: `CARD#${platform}#${integrationId}#${incidentId}`, sk: 'META' };
        const card = (await client.send(new GetCommand({ TableName: tableName, Key: cardKey, ConsistentRead: true }))).Item?.card as
          | { batches?: { taskId: string }[]; outTrackIds?: string[] }
          | undefined;
        const lookups =
          platform === 'wecom'
            ? (card?.batches ?? []).map((b) => `TASK#wecom#${integrationId}#${b.taskId}`)
            : (card?.outTrackIds ?? []).map((id) => `OUTTRACK#${integrationId}#${id}`);
        await Promise.all([
          ...lookups.map((pk) => setItemExpiry(client, tableName, { pk, sk: 'META' }, expiresAt)),
          ...(card ? [setItemExpiry(client, tableName, cardKey, expiresAt)] : []),
          setItemExpiry(client, tableName, entry, expiresAt),
        ]);
      }),
    );
    const after = await readState();
    if (!after || after.revision === state.revision) return;
    state = after; // the incident changed while we wrote: apply its newer state
  }
  if (state) throw new Error(`incident ${incidentId} kept changing; its card retention is not in line yet`);
}

async function cardIndexEntries(client: DynamoDBDocumentClient, tableName: string, incidentId: string): Promise<{ pk: string; sk: string }[]> {
  const entries: { pk: string; sk: string }[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :c)',
        ExpressionAttributeValues: { ':p': `INCIDENT#${incidentId}`, ':c': 'CARD#' },
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    for (const item of out.Items ?? []) entries.push({ pk: item.pk as string, sk: item.sk as string });
    start = out.LastEvaluatedKey;
  } while (start);
  return entries;
}

/** True when the incident item currently carries an expiry (it is closed). */
export async function incidentHasExpiry(client: DynamoDBDocumentClient, tableName: string, incidentId: string): Promise<boolean> {
  const out = await client.send(
    new GetCommand({ TableName: tableName, Key: { pk: `INCIDENT#${incidentId}`, sk: 'META' }, ConsistentRead: true, ProjectionExpression: '#ttl', ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE } }),
  );
  return typeof out.Item?.[TTL_ATTRIBUTE] === 'number';
}
