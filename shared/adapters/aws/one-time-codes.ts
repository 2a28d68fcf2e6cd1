/**
 * One-time codes by email (issue 11, 1(c)) in the state table: pk `LINKCODE#<sessionKey>`, one item
 * per linking session holding a keyed hash of the code (never the code), the email it was sent to,
 * when it stops being valid, and the tries left. The item expires through the table's TTL attribute.
 *
 * A 6-digit code has only 10^6 values, so an unkeyed or merely salted hash would be reversed by
 * trying them all: the hash is HMAC-SHA256 under a server secret (passed to the constructor, from
 * Secrets Manager), over a random per-code salt, the session key and the code.
 *
 * `check` first spends a try with a conditional UpdateItem (the item exists, is still valid and has
 * tries left), so concurrent guesses can never spend more than 5 tries between them; then compares
 * the hashes in constant time; a match deletes the item with a condition on its hash, so of two
 * concurrent right answers only one is 'ok' (single use), and a code replaced meanwhile is not
 * consumed by the old one.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OneTimeCodes } from '../../application/people-ports';
import { isOneTimeCodeFormat, ONE_TIME_CODE_MAX_TRIES, ONE_TIME_CODE_VALIDITY_MS } from '../../domain/one-time-code';
import { TTL_ATTRIBUTE } from './incident-retention';

const key = (sessionKey: string) => ({ pk: `LINKCODE#${sessionKey}`, sk: 'CODE' });
/** The item outlives the code by a day, so a late check still answers 'expired' rather than 'none'. */
const KEEP_AFTER_EXPIRY_SECONDS = 86_400;

/** A code that is not 6 digits, or a session key unfit for a key: refused before anything is written or spent. */
export class OneTimeCodeInputError extends Error {
  constructor(what: 'code' | 'sessionKey' | 'email') {
    super(what === 'code' ? 'the code must be 6 digits' : what === 'email' ? 'the email must be 3–254 characters with an @' : 'session key must be 1–200 printable ASCII characters');
    this.name = 'OneTimeCodeInputError';
  }
}

interface CodeItem {
  readonly salt: string;
  readonly codeHash: string;
  readonly email: string;
  readonly validUntil: number;
  readonly triesLeft: number;
}

type CheckResult = Awaited<ReturnType<OneTimeCodes['check']>>;

export class DynamoOneTimeCodes implements OneTimeCodes {
  private readonly secret: Buffer;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Server secret keying the code hashes (≥ 32 bytes). */
    secret: string | Uint8Array,
  ) {
    this.secret = Buffer.from(secret);
    if (this.secret.length < 32) throw new RangeError('the one-time code secret must be at least 32 bytes');
  }

  async issue(sessionKey: string, email: string, code: string, nowMs: number): Promise<void> {
    checkSessionKey(sessionKey);
    if (!isOneTimeCodeFormat(code)) throw new OneTimeCodeInputError('code');
    if (email.length < 3 || email.length > 254 || !email.includes('@')) throw new OneTimeCodeInputError('email');
    const salt = randomBytes(16).toString('base64');
    const validUntil = nowMs + ONE_TIME_CODE_VALIDITY_MS;
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...key(sessionKey),
          salt,
          codeHash: this.hash(salt, sessionKey, code),
          email,
          validUntil,
          triesLeft: ONE_TIME_CODE_MAX_TRIES,
          [TTL_ATTRIBUTE]: Math.ceil(validUntil / 1000) + KEEP_AFTER_EXPIRY_SECONDS,
        },
      }),
    );
  }

  async check(sessionKey: string, code: string, nowMs: number): Promise<CheckResult> {
    checkSessionKey(sessionKey);
    if (!isOneTimeCodeFormat(code)) throw new OneTimeCodeInputError('code');
    let item: CodeItem;
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(sessionKey),
          UpdateExpression: 'SET triesLeft = triesLeft - :one',
          ConditionExpression: 'attribute_exists(pk) AND triesLeft > :zero AND validUntil > :now',
          ExpressionAttributeValues: { ':one': 1, ':zero': 0, ':now': nowMs },
          ReturnValues: 'ALL_NEW',
        }),
      );
      item = out.Attributes as CodeItem;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return this.whyRefused(sessionKey, nowMs);
    }
    const expected = Buffer.from(item.codeHash, 'base64');
    const given = Buffer.from(this.hash(item.salt, sessionKey, code), 'base64');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return item.triesLeft > 0 ? { outcome: 'wrong', triesLeft: item.triesLeft } : { outcome: 'exhausted', triesLeft: 0 };
    }
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: key(sessionKey),
          ConditionExpression: 'codeHash = :h',
          ExpressionAttributeValues: { ':h': item.codeHash },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { outcome: 'none' }; // consumed or replaced meanwhile
      throw error;
    }
    return { outcome: 'ok', email: item.email };
  }

  /** Why the try could not be spent: no code, an expired one, or no tries left. */
  private async whyRefused(sessionKey: string, nowMs: number): Promise<CheckResult> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key(sessionKey), ConsistentRead: true }));
    const item = out.Item as CodeItem | undefined;
    if (!item) return { outcome: 'none' };
    if (item.validUntil <= nowMs) return { outcome: 'expired' };
    if (item.triesLeft <= 0) return { outcome: 'exhausted', triesLeft: 0 };
    return { outcome: 'none' }; // changed between the two calls (replaced or consumed): ask again
  }

  private hash(salt: string, sessionKey: string, code: string): string {
    return createHmac('sha256', this.secret).update(`dutybridge-link-code\n${salt}\n${sessionKey}\n${code}`).digest('base64');
  }
}

function checkSessionKey(sessionKey: string): void {
  if (!/^[\x21-\x7e]{1,200}$/.test(sessionKey)) throw new OneTimeCodeInputError('sessionKey');
}
