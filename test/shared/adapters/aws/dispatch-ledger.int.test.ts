/**
 * DynamoDispatchLedger.advanceCardVersion on the local DynamoDB: the newest render sent per card
 * wins; an older one is refused; the same one (a retry) passes; concurrent updates keep the newest.
 */
import { DynamoDispatchLedger } from '../../../../shared/adapters/aws/dispatch-ledger';
import { getDocumentClient } from '../../../../shared/adapters/aws/clients';
import { startTestStack, type TestStack } from '../../../support/stack';

let t: TestStack;
let ledger: DynamoDispatchLedger;
beforeAll(async () => {
  t = await startTestStack();
  ledger = new DynamoDispatchLedger(getDocumentClient(), t.stack.env.STATE_TABLE_NAME);
});
afterAll(async () => t?.stop());

it('refuses a card update older than one already sent, lets a retry and a newer one through', async () => {
  expect(await ledger.advanceCardVersion('card-a', 3)).toBe(true);
  expect(await ledger.advanceCardVersion('card-a', 2)).toBe(false);
  expect(await ledger.advanceCardVersion('card-a', 3)).toBe(true);
  expect(await ledger.advanceCardVersion('card-a', 5)).toBe(true);
  expect(await ledger.advanceCardVersion('card-a', 4)).toBe(false);
  // Cards are independent.
  expect(await ledger.advanceCardVersion('card-b', 1)).toBe(true);
});

it('of updates racing for one card, every one older than the newest seen is refused', async () => {
  const versions = [7, 3, 9, 1, 8, 2];
  const answers = await Promise.all(versions.map((v) => ledger.advanceCardVersion('card-race', v)));
  expect(answers.some(Boolean)).toBe(true);
  // Whatever the order, 9 is accepted and a later 8 is not.
  expect(await ledger.advanceCardVersion('card-race', 8)).toBe(false);
  expect(await ledger.advanceCardVersion('card-race', 9)).toBe(true);
});
