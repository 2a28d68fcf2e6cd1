import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { eventually, startTestStack, type TestStack } from '../support/stack';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ pollers: true });
});
afterAll(async () => t.stop());

const valid = {
  type: 'incident.triggered',
  incidentId: 'inc-1',
  version: 1,
  occurredAt: '2026-11-22T02:00:00Z',
  title: 'Payments API 5xx above 5%',
  severity: 'Critical',
  responders: ['alice@example.com'],
};

it('parks an event that fails the contract on the DLQ at once, with the reason, and consumes valid ones', async () => {
  const queueUrl = t.queueUrl('incident-events');
  await t.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ ...valid, severity: 'P1' }) }));
  await t.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'not json at all' }));
  await t.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(valid) }));
  const dead = await eventually(async () => {
    const messages = await t.drain(t.dlqUrl('incident-events'), 200);
    expect(messages).toHaveLength(2);
    return messages;
  }, 8000);
  const reasons = dead.map((m) => m.MessageAttributes?.reason?.StringValue).sort();
  expect(reasons[0]).toBe('body is not JSON');
  expect(reasons[1]).toMatch(/^schema violation: severity: /);
  // Each poison message was received once: it is not retried until maxReceiveCount.
  expect(dead.map((m) => m.Body)).toContain('not json at all');
  await eventually(async () => expect(await t.drain(queueUrl, 100)).toHaveLength(0));
});
