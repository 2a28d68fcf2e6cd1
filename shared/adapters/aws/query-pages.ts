/**
 * Paging through a DynamoDB Query, written once: every page in turn (LastEvaluatedKey as the next
 * ExclusiveStartKey), each page handled before the next is read. The adapters still build their
 * own commands, so each adapter's operations stay visible in its source (key-spaces test).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

export type QueriedItem = Record<string, any>;
type StartKey = Record<string, unknown> | undefined;
type Page = { Items?: QueriedItem[]; LastEvaluatedKey?: StartKey };

/** Each page's items, one page at a time; `query` sends the Query with the given start key. */
export async function* queryPages(query: (start: StartKey) => Promise<Page>): AsyncGenerator<QueriedItem[]> {
  let start: StartKey;
  do {
    const out = await query(start);
    yield out.Items ?? [];
    start = out.LastEvaluatedKey;
  } while (start);
}

/** Every item of every page, each mapped as its page arrives. */
export async function queryAll<T>(query: (start: StartKey) => Promise<Page>, map: (item: QueriedItem) => T): Promise<T[]> {
  const all: T[] = [];
  for await (const page of queryPages(query)) for (const item of page) all.push(map(item));
  return all;
}

/**
 * Takes what the query finds: `take` deletes an item on condition it still exists; only the items
 * this caller deleted are yielded, so two concurrent takers never both get the same item.
 */
export async function* takeQueried(query: (start: StartKey) => Promise<Page>, take: (item: QueriedItem) => Promise<unknown>): AsyncGenerator<QueriedItem> {
  for await (const page of queryPages(query)) {
    for (const item of page) {
      try {
        await take(item);
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) continue; // another taker has it
        throw error;
      }
      yield item;
    }
  }
}
