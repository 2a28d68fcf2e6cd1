/** Links people to an integration (the state table's link store), as `dutybridge links set` does. */
import { getDocumentClient } from '../../shared/adapters/aws/clients';
import { DynamoLinkStore } from '../../shared/adapters/aws/link-store';
import type { TestStack } from './stack';

/** Links each person (email → platform userId) in the integration, in order. */
export async function linkPeople(t: TestStack, integrationId: string, people: readonly { email: string; userId: string }[]): Promise<void> {
  const links = new DynamoLinkStore(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);
  for (const p of people) await links.set({ integrationId, email: p.email, userId: p.userId, linkedAt: Date.now() });
}
