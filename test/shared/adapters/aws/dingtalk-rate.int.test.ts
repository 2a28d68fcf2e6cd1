/**
 * DynamoDB adapters of the DingTalk dispatch path on the local stack: the distributed QPS limiter,
 * the monthly quota meter, the idempotency ledger and the digest buffer, each under concurrency.
 */
import { maxInSlidingWindow } from './rate-windows';
import { getDocumentClient } from '../../../../shared/adapters/aws/clients';
import { DynamoDigestBuffer, DynamoDispatchLedger } from '../../../../shared/adapters/aws/dispatch-ledger';
import { DynamoQpsLimiter, type QpsGrant } from '../../../../shared/adapters/aws/qps-limiter';
import { DynamoQuotaMeter } from '../../../../shared/adapters/aws/quota-meter';
import { DIGEST_WINDOW_MS } from '../../../../shared/domain/rate-limit';
import { startTestStack, type TestStack } from '../../../support/stack';

let t: TestStack;
let table: string;
beforeAll(async () => {
  t = await startTestStack();
  table = t.stack.env.STATE_TABLE_NAME;
}, 30_000);
afterAll(async () => t?.stop());

it('N concurrent acquirers on 4 "instances" never exceed the cap in any second', async () => {
  const cap = 10;
  const instances = Array.from({ length: 4 }, () => new DynamoQpsLimiter(getDocumentClient(), table, { limit: cap, maxWaitMs: 20_000 }));
  const started = Date.now();
  const grants: QpsGrant[] = await Promise.all(Array.from({ length: 45 }, (_, i) => instances[i % 4]!.acquire('dingapp', 'robot/groupMessages/send')));
  const elapsed = Date.now() - started;
  const perSecond = new Map<number, number>();
  for (const g of grants) perSecond.set(g.second, (perSecond.get(g.second) ?? 0) + 1);
  expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(cap);
  expect(maxInSlidingWindow(grants.map((g) => g.releaseAtMs), 1000)).toBeLessThanOrEqual(cap);
  expect(new Set(grants.map((g) => `${g.second}:${g.slot}`)).size).toBe(45);
  // 45 calls at 10/s need a bit over 4 s (the first second may be partly over) and not much more.
  expect(elapsed).toBeGreaterThanOrEqual(3400);
  expect(elapsed).toBeLessThan(6500);
}, 20_000);

it('the quota meter grants exactly the quota under concurrency and reports each threshold once', async () => {
  const meter = new DynamoQuotaMeter(getDocumentClient(), table, { quotaOf: () => 40 });
  const results = await Promise.all(Array.from({ length: 60 }, () => meter.tryConsume('dingcorp-int', 1)));
  expect(results.filter((r) => r.granted)).toHaveLength(40);
  expect(results.flatMap((r) => r.crossed).sort((a, b) => a - b)).toEqual([80, 95, 100]);
  expect(results.filter((r) => !r.granted).every((r) => r.refusal === 'exhausted')).toBe(true);
  const usage = await meter.usage('dingcorp-int');
  expect(usage.used).toBe(40);
  await meter.refund('dingcorp-int', 5, usage.month);
  expect((await meter.usage('dingcorp-int')).used).toBe(35);
  // Non-Critical stop at 95 % (38 of 40); Critical may use the rest.
  const warnings = await Promise.all(Array.from({ length: 5 }, () => meter.tryConsume('dingcorp-int', 1, { severity: 'Warning' })));
  expect(warnings.filter((r) => r.granted)).toHaveLength(3);
  expect(warnings.filter((r) => r.refusal === 'critical-only')).toHaveLength(2);
  expect((await meter.tryConsume('dingcorp-int', 1, { severity: 'Critical' })).granted).toBe(true);
  const closed = await meter.markExhausted('dingcorp-int');
  expect(closed.crossed).toEqual([]); // all three were reported already
  expect((await meter.tryConsume('dingcorp-int', 1)).granted).toBe(false);
});

it('the ledger lets exactly one of many concurrent attempts claim a key', async () => {
  const ledger = new DynamoDispatchLedger(getDocumentClient(), table);
  const claims = await Promise.all(Array.from({ length: 10 }, () => ledger.begin('call-1', 60_000)));
  expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
  expect(claims.filter((c) => c.kind === 'busy')).toHaveLength(9);
  await ledger.finish('call-1', { outcome: 'sent', atMs: Date.now() });
  expect(await ledger.begin('call-1', 60_000)).toMatchObject({ kind: 'finished', record: { outcome: 'sent' } });
  // An abandoned attempt frees the key; an expired lease can be taken over.
  expect((await ledger.begin('call-2', 60_000)).kind).toBe('claimed');
  await ledger.abandon('call-2');
  expect((await ledger.begin('call-2', 1)).kind).toBe('claimed');
  await new Promise((r) => setTimeout(r, 5));
  expect((await ledger.begin('call-2', 60_000)).kind).toBe('claimed');
  await ledger.abandon('call-1'); // finished records are not removed
  expect((await ledger.begin('call-1', 60_000)).kind).toBe('finished');
});

it('digest lines are handed to exactly one flush once their window is over', async () => {
  const buffer = new DynamoDigestBuffer(getDocumentClient(), table);
  const window = Math.floor(Date.now() / DIGEST_WINDOW_MS) * DIGEST_WINDOW_MS - 2 * DIGEST_WINDOW_MS;
  for (let i = 0; i < 6; i++) {
    await buffer.add({ integrationId: 'ding-int', target: { type: 'group', openConversationId: i % 2 ? 'cidA' : 'cidB' }, windowStartMs: window, line: { severity: 'Warning', text: `line ${i}` } });
  }
  await buffer.add({ integrationId: 'ding-int', target: { type: 'group', openConversationId: 'cidA' }, windowStartMs: window + 2 * DIGEST_WINDOW_MS, line: { severity: 'Info', text: 'current window' } });
  const [a, b] = await Promise.all([buffer.takeDue('ding-int', Date.now()), buffer.takeDue('ding-int', Date.now())]);
  const lines = [...a!, ...b!].flatMap((d) => d.lines.map((l) => l.text)).sort();
  expect(lines).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
  expect(await buffer.takeDue('ding-int', Date.now())).toEqual([]);
  const later = await buffer.takeDue('ding-int', window + 3 * DIGEST_WINDOW_MS);
  expect(later.flatMap((d) => d.lines.map((l) => l.text))).toEqual(['current window']);
});
