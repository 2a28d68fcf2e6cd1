/**
 * `npm run fuzz`: 100,000 generated bad requests (FUZZ_RUNS to change) against the callback
 * functions on an in-memory local stack; prints the count of each outcome. Exits 1 if any request
 * got anything but a 4xx `{code, message}`, or if anything was enqueued or written.
 */
import './quiet';
import '../local/env-defaults';
import { awsIntegrationAdmin } from '../shared/adapters/aws/integration-admin';
import fc from 'fast-check';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { startLocalStack } from '../local/stack';
import { lambdaContext, localHandlers } from '../local/handlers';
import { addFuzzIntegrations, badRequestArbitrary } from '../test/support/bad-requests';

async function main(): Promise<void> {
  const runs = Number(process.env.FUZZ_RUNS ?? 100_000);
  const stack = await startLocalStack({ pollers: false, prefix: 'fuzz-' });
  try {
    const admin = awsIntegrationAdmin(stack.env.STATE_TABLE_NAME, stack.env.SECRET_NAME_PREFIX);
    await addFuzzIntegrations(admin);

    const counts = new Map<string, number>();
    let failures = 0;
    const started = Date.now();
    const samples = fc.sample(badRequestArbitrary(Date.now()), { numRuns: runs, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) });
    for (const bad of samples) {
      const result = (await localHandlers[bad.functionName](bad.event as never, lambdaContext(bad.functionName, 3))) as APIGatewayProxyStructuredResultV2;
      let code = '?';
      try {
        code = String((JSON.parse(String(result.body)) as { code?: unknown }).code);
      } catch {
        code = 'non-json-body';
      }
      const status = result.statusCode ?? 0;
      if (status < 400 || status >= 500 || code === 'non-json-body' || code === 'undefined') failures += 1;
      const key = `${bad.mutation.padEnd(28)} ${status} ${code}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const elapsed = (Date.now() - started) / 1000;
    const sqs = new SQSClient({ endpoint: stack.env.AWS_ENDPOINT_URL_SQS, useQueueUrlAsEndpoint: false });
    const enqueued = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.env.INBOUND_CALLBACKS_QUEUE_URL, MaxNumberOfMessages: 10 }))).Messages?.length ?? 0;
    const ddb = new DynamoDBClient({ endpoint: stack.env.AWS_ENDPOINT_URL_DYNAMODB });
    const written = (await ddb.send(new ScanCommand({ TableName: stack.env.STATE_TABLE_NAME, FilterExpression: 'begins_with(pk, :p)', ExpressionAttributeValues: { ':p': { S: 'DEDUPE#' } }, Select: 'COUNT' }))).Count ?? 0;

    console.log(`fuzz: ${runs} bad requests in ${elapsed.toFixed(1)} s (${Math.round(runs / elapsed)} req/s)`);
    console.log('mutation                     status code                 count');
    for (const [key, n] of [...counts.entries()].sort()) console.log(`${key.padEnd(60)} ${n}`);
    console.log(`unexpected answers: ${failures}; messages enqueued: ${enqueued}; dedupe records written: ${written}`);
    sqs.destroy();
    ddb.destroy();
    process.exitCode = failures === 0 && enqueued === 0 && written === 0 ? 0 : 1;
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
