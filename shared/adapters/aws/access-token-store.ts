/**
 * Platform access tokens in the single state table, one item per token key:
 * pk `TOKEN#<key>`, sk `TOKEN`, attributes token, expiresAtMs, leaseHolder, leaseUntil (epoch ms)
 * and `expiresAt` (epoch seconds, the table's TTL attribute). Every write is a conditional update,
 * so the lease is atomic across Lambda instances and an older token never overwrites a newer one.
 * Tokens are secrets: nothing here logs them or includes them in errors.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AccessTokenStore, CachedAccessToken } from '../../application/ports';

/** Items outlive the token by a day so lease bookkeeping survives; TTL then removes them. */
const TTL_GRACE_SECONDS = 24 * 3600;

const itemKey = (key: string) => ({ pk: `TOKEN#${key}`, sk: 'TOKEN' });

// `token` and other names are not DynamoDB reserved words today, but aliases keep it that way.
const names = {
  '#token': 'token',
  '#expiresAtMs': 'expiresAtMs',
  '#expiresAt': 'expiresAt',
  '#leaseHolder': 'leaseHolder',
  '#leaseUntil': 'leaseUntil',
};

async function ignoringConditionFailure(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

export class DynamoAccessTokenStore implements AccessTokenStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async get(key: string): Promise<CachedAccessToken | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: itemKey(key), ConsistentRead: true }));
    const item = out.Item;
    if (!item || typeof item.token !== 'string' || typeof item.expiresAtMs !== 'number') return undefined;
    return { token: item.token, expiresAtMs: item.expiresAtMs };
  }

  async put(key: string, token: CachedAccessToken): Promise<void> {
    // A slow refresher must not replace the newer token another instance stored meanwhile.
    await ignoringConditionFailure(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: itemKey(key),
          UpdateExpression: 'SET #token = :token, #expiresAtMs = :expiresAtMs, #expiresAt = :ttl',
          ConditionExpression: 'attribute_not_exists(#expiresAtMs) OR #expiresAtMs <= :expiresAtMs',
          ExpressionAttributeNames: { '#token': names['#token'], '#expiresAtMs': names['#expiresAtMs'], '#expiresAt': names['#expiresAt'] },
          ExpressionAttributeValues: {
            ':token': token.token,
            ':expiresAtMs': token.expiresAtMs,
            ':ttl': Math.ceil(token.expiresAtMs / 1000) + TTL_GRACE_SECONDS,
          },
        }),
      ),
    );
  }

  async tryLease(key: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.nowMs();
    return ignoringConditionFailure(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: itemKey(key),
          // A lease-only item (no token yet) still gets a TTL so abandoned keys disappear.
          UpdateExpression: 'SET #leaseHolder = :holder, #leaseUntil = :until, #expiresAt = if_not_exists(#expiresAt, :ttl)',
          ConditionExpression: 'attribute_not_exists(#leaseUntil) OR #leaseUntil <= :now OR #leaseHolder = :holder',
          ExpressionAttributeNames: { '#leaseHolder': names['#leaseHolder'], '#leaseUntil': names['#leaseUntil'], '#expiresAt': names['#expiresAt'] },
          ExpressionAttributeValues: {
            ':holder': holder,
            ':until': now + ttlMs,
            ':now': now,
            ':ttl': Math.ceil((now + ttlMs) / 1000) + TTL_GRACE_SECONDS,
          },
        }),
      ),
    );
  }

  async releaseLease(key: string, holder: string): Promise<void> {
    await ignoringConditionFailure(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: itemKey(key),
          UpdateExpression: 'REMOVE #leaseHolder, #leaseUntil',
          ConditionExpression: '#leaseHolder = :holder',
          ExpressionAttributeNames: { '#leaseHolder': names['#leaseHolder'], '#leaseUntil': names['#leaseUntil'] },
          ExpressionAttributeValues: { ':holder': holder },
        }),
      ),
    );
  }

  async invalidate(key: string, token: string): Promise<void> {
    // Only the rejected token is dropped; a newer one stored by another instance stays.
    await ignoringConditionFailure(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: itemKey(key),
          UpdateExpression: 'REMOVE #token, #expiresAtMs',
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': names['#token'], '#expiresAtMs': names['#expiresAtMs'] },
          ExpressionAttributeValues: { ':token': token },
        }),
      ),
    );
  }
}
