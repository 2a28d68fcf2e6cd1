/**
 * Fuzz: 10,000 generated bad requests against the three callback functions (the same modules the
 * gateway and Lambda run, on the local stack). Every one answers 4xx with `{code, message}`, and
 * nothing is enqueued or written.
 */
import fc from 'fast-check';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { lambdaContext, localHandlers } from '../../local/handlers';
import { addFuzzIntegrations, badRequestArbitrary } from '../support/bad-requests';
import { startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(120_000);
let t: TestStack;

beforeAll(async () => {
  t = await startTestStack();
  await addFuzzIntegrations(t.admin);
});
afterAll(async () => t.stop());

it('answers 10,000 bad requests with a 4xx {code, message} and changes nothing', async () => {
  const outcomes = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(badRequestArbitrary(Date.now()), async (bad) => {
      const result = (await localHandlers[bad.functionName](bad.event as never, lambdaContext(bad.functionName, 3))) as APIGatewayProxyStructuredResultV2;
      const status = result.statusCode ?? 0;
      if (status < 400 || status >= 500) throw new Error(`${bad.mutation}: status ${status} ${result.body}`);
      const body = JSON.parse(String(result.body)) as { code?: unknown; message?: unknown };
      if (typeof body.code !== 'string' || typeof body.message !== 'string' || Object.keys(body).length !== 2) {
        throw new Error(`${bad.mutation}: body ${result.body}`);
      }
      const key = `${bad.mutation} -> ${status} ${body.code}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }),
    { numRuns: 10_000 },
  );
  expect(await t.drain(t.queueUrl('inbound-callbacks'), 200)).toHaveLength(0);
  expect(await t.countItems('DEDUPE#')).toBe(0);
  // Every mutation family was exercised.
  expect(new Set([...outcomes.keys()].map((k) => k.split(' ')[0])).size).toBeGreaterThanOrEqual(15);
});
