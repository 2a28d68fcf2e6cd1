/**
 * WeCom card records in the state table:
 * - card: pk `CARD#wecom#<integrationId>#<incidentId>`, sk `META` (batches = tasks, recipients);
 * - incident → cards index (read by DynamoIncidentCardIndex): pk `INCIDENT#<incidentId>`, sk `CARD#wecom#<integrationId>`;
 * - task → incident: pk `TASK#wecom#<integrationId>#<taskId>`, sk `META`;
 * - update codes: pk `CODES#<taskId>`, sk `<obtainedAt padded>#<code>`, each consumed with a
 *   conditional update (single use, as WeCom enforces with errcode 60140).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RESPONSE_CODE_TTL_MS, type ResponseCodeRecord, type WeComCardBatch, type WeComCardRecord } from '../../domain/wecom-card-record';
import type { WeComCardStore } from '../../application/ports';
import { incidentHasExpiry, syncIncidentRetention } from './incident-retention';

const cardKey = (integrationId: string, incidentId: string) => ({ pk: `CARD#wecom#${integrationId}#${incidentId}`, sk: 'META' });

export class DynamoWeComCardStore implements WeComCardStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getCard(integrationId: string, incidentId: string): Promise<WeComCardRecord | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: cardKey(integrationId, incidentId), ConsistentRead: true }));
    return out.Item?.card as WeComCardRecord | undefined;
  }

  async createCard(card: WeComCardRecord): Promise<WeComCardRecord> {
    // Lookup items first (plain, idempotent puts): a crash after the card put can then never leave a
    // card whose clicks or refreshes cannot find it.
    for (const batch of card.batches) {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: `TASK#wecom#${card.integrationId}#${batch.taskId}`, sk: 'META', incidentId: card.incidentId },
        }),
      );
    }
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { pk: `INCIDENT#${card.incidentId}`, sk: `CARD#wecom#${card.integrationId}`, integrationId: card.integrationId } }),
    );
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...cardKey(card.integrationId, card.incidentId), card },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
      return (await this.getCard(card.integrationId, card.incidentId))!;
    }
    // A card of an incident that is already closed takes the incident's expiry (read after the put:
    // a close that lands meanwhile finds this card through the index and sets it itself).
    if (await incidentHasExpiry(this.client, this.tableName, card.incidentId)) await syncIncidentRetention(this.client, this.tableName, card.incidentId);
    return card;
  }

  async updateBatch(
    integrationId: string,
    incidentId: string,
    taskId: string,
    changes: Partial<Pick<WeComCardBatch, 'status' | 'sentAt' | 'renderedRevision' | 'stale' | 'textDigest'>>,
  ): Promise<void> {
    // Read-modify-write guarded by the card's version of the batch list (optimistic, retried).
    for (let attempt = 0; attempt < 10; attempt++) {
      const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: cardKey(integrationId, incidentId), ConsistentRead: true }));
      if (!out.Item) throw new Error(`no card for ${integrationId}/${incidentId}`);
      const card = out.Item.card as WeComCardRecord;
      const seq = (out.Item.seq as number | undefined) ?? 0;
      const batches = card.batches.map((b) => (b.taskId === taskId ? { ...b, ...changes } : b));
      // Never move renderedRevision backwards (a slow refresh must not undo a newer one).
      const current = card.batches.find((b) => b.taskId === taskId);
      if (current && changes.renderedRevision !== undefined && changes.renderedRevision < current.renderedRevision) return;
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: cardKey(integrationId, incidentId),
            UpdateExpression: 'SET card.batches = :b, seq = :next',
            ConditionExpression: 'attribute_not_exists(seq) OR seq = :seq',
            ExpressionAttributeValues: { ':b': batches, ':seq': seq, ':next': seq + 1 },
          }),
        );
        return;
      } catch (e) {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      }
    }
    throw new Error(`card ${integrationId}/${incidentId} kept changing; giving up this update`);
  }

  /**
   * Claims the right to bring a task to `target` (renderedRevision < target → target), so two
   * refreshes running at once never spend two single-use codes on the same update. Returns the
   * previous revision (to release the claim if the update fails), or undefined when the task is
   * already at or past `target` (or another worker claimed it).
   */
  async claimRender(integrationId: string, incidentId: string, taskId: string, target: number): Promise<number | undefined> {
    return this.swapRendered(integrationId, incidentId, taskId, (current) => (current < target ? target : undefined));
  }

  /** Gives a claim back (the update failed or found no code), unless the task moved on meanwhile. */
  async releaseRender(integrationId: string, incidentId: string, taskId: string, target: number, previous: number): Promise<void> {
    await this.swapRendered(integrationId, incidentId, taskId, (current) => (current === target ? previous : undefined));
  }

  private async swapRendered(integrationId: string, incidentId: string, taskId: string, decide: (current: number) => number | undefined): Promise<number | undefined> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: cardKey(integrationId, incidentId), ConsistentRead: true }));
      const card = out.Item?.card as WeComCardRecord | undefined;
      const index = card?.batches.findIndex((b) => b.taskId === taskId) ?? -1;
      if (!card || index < 0) return undefined;
      const current = card.batches[index].renderedRevision;
      const next = decide(current);
      if (next === undefined) return undefined;
      const seq = (out.Item?.seq as number | undefined) ?? 0;
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: cardKey(integrationId, incidentId),
            UpdateExpression: `SET card.batches[${index}].renderedRevision = :next, seq = :nextSeq`,
            ConditionExpression: '(attribute_not_exists(seq) OR seq = :seq)',
            ExpressionAttributeValues: { ':next': next, ':seq': seq, ':nextSeq': seq + 1 },
          }),
        );
        return current;
      } catch (e) {
        if (!(e instanceof ConditionalCheckFailedException)) throw e; // the card changed: decide again
      }
    }
    throw new Error(`card ${integrationId}/${incidentId} kept changing; giving up this claim`);
  }

  async setInvalidUsers(integrationId: string, incidentId: string, invalidUsers: readonly string[]): Promise<void> {
    await this.client.send(
      new UpdateCommand({ TableName: this.tableName, Key: cardKey(integrationId, incidentId), UpdateExpression: 'SET card.invalidUsers = :u', ExpressionAttributeValues: { ':u': invalidUsers } }),
    );
  }

  async findTask(integrationId: string, taskId: string): Promise<{ incidentId: string } | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: `TASK#wecom#${integrationId}#${taskId}`, sk: 'META' } }));
    return out.Item ? { incidentId: out.Item.incidentId as string } : undefined;
  }

  async addCode(code: ResponseCodeRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: `CODES#${code.taskId}`,
          sk: `${String(code.obtainedAt).padStart(15, '0')}#${code.code}`,
          code,
          used: false,
          expiresAt: Math.ceil((code.obtainedAt + RESPONSE_CODE_TTL_MS) / 1000) + 86400,
        },
        // A redelivered click must not reset a code that was already spent.
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ).catch((e: unknown) => {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    });
  }

  async codes(taskId: string): Promise<ResponseCodeRecord[]> {
    const codes: ResponseCodeRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({ TableName: this.tableName, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': `CODES#${taskId}` }, ExclusiveStartKey: start, ConsistentRead: true }),
      );
      for (const item of out.Items ?? []) codes.push({ ...(item.code as ResponseCodeRecord), used: item.used === true });
      start = out.LastEvaluatedKey;
    } while (start);
    return codes;
  }

  async consumeCode(taskId: string, code: string): Promise<boolean> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :p',
        FilterExpression: 'code.code = :c',
        ExpressionAttributeValues: { ':p': `CODES#${taskId}`, ':c': code },
        ConsistentRead: true,
      }),
    );
    const item = out.Items?.[0];
    if (!item) return false;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: 'SET used = :t',
          ConditionExpression: 'used = :f',
          ExpressionAttributeValues: { ':t': true, ':f': false },
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

}
