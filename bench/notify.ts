/**
 * `npm run bench:notify`: one incident to 2,500 linked WeCom recipients on the local stack and the
 * simulator. Prints the WeCom API calls made (target: 3 message/send, 1 gettoken), DynamoDB writes
 * for the card, and the wall time from publishing the event to the last delivery.
 */
import './quiet';
import '../local/env-defaults';
import { awsIntegrationAdmin } from '../shared/adapters/aws/integration-admin';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startLocalStack } from '../local/stack';
import { createSimulator } from '../sim/server';
import { getDocumentClient } from '../shared/adapters/aws/clients';
import { DynamoLinkStore } from '../shared/adapters/aws/link-store';

const RECIPIENTS = Number(process.env.BENCH_RECIPIENTS ?? 2500);
const corp = { corpId: 'wwbenchnotify', agentId: 1000009, secret: 'bench-secret', token: 'BenchToken', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };

async function main(): Promise<void> {
  process.env.CARD_REFRESH_DELAY_SECONDS ??= '1';
  const stack = await startLocalStack({ pollers: true, prefix: 'bench-notify-' });
  const sim = await createSimulator({ port: 0 });
  try {
    const users = Array.from({ length: RECIPIENTS }, (_, i) => ({ userId: `user${i}`, name: `User ${i}`, mobile: `+86-139${String(i).padStart(8, '0')}`, email: `user${i}@example.com` }));
    await fetch(`${sim.url}/_sim/wecom/corps/${corp.corpId}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...corp, users }) });
    const admin = awsIntegrationAdmin(stack.env.STATE_TABLE_NAME, stack.env.SECRET_NAME_PREFIX);
    await admin.addWeCom({ id: 'bench', corpId: corp.corpId, agentId: String(corp.agentId), apiBase: sim.url, secret: corp.secret, token: corp.token, aesKey: corp.encodingAesKey });
    const links = new DynamoLinkStore(getDocumentClient(), stack.env.STATE_TABLE_NAME);
    for (let i = 0; i < users.length; i += 50) {
      await Promise.all(users.slice(i, i + 50).map((u) => links.set({ integrationId: 'bench', email: u.email, userId: u.userId, linkedAt: Date.now() })));
    }

    // Count DynamoDB writes made by the functions from here on (they share this process's client).
    const writes = new Map<string, number>();
    getDocumentClient().middlewareStack.add(
      (next, context) => async (args) => {
        const name = String(context.commandName ?? '');
        if (/Put|Update|Delete|BatchWrite|TransactWrite/.test(name)) writes.set(name, (writes.get(name) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: 'benchWriteCounter' },
    );
    const callsBefore = sim.calls().length;
    const started = Date.now();
    const sqs = new SQSClient({ endpoint: stack.env.AWS_ENDPOINT_URL_SQS, useQueueUrlAsEndpoint: false });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.env.INCIDENT_EVENTS_QUEUE_URL,
        MessageBody: JSON.stringify({
          type: 'incident.triggered',
          incidentId: 'bench-1',
          version: 1,
          occurredAt: new Date().toISOString(),
          title: 'Checkout latency p99 above 2 s',
          severity: 'Critical',
          responders: users.map((u) => u.email),
          targets: [{ integrationId: 'bench' }],
        }),
      }),
    );
    const deadline = Date.now() + 120_000;
    let delivered = 0;
    while (Date.now() < deadline) {
      delivered = new Set(sim.conversations().filter((c) => c.card && c.card.cardId.startsWith('bench-1')).map((c) => c.conversation)).size;
      if (delivered >= RECIPIENTS) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const wall = Date.now() - started;
    // Let the follow-up refresh (nothing changed: no code is spent) run before counting.
    await new Promise((r) => setTimeout(r, 2500));
    const calls = sim.calls().slice(callsBefore);
    const byEndpoint = new Map<string, number>();
    for (const c of calls) if (c.platform === 'wecom') byEndpoint.set(c.endpoint, (byEndpoint.get(c.endpoint) ?? 0) + 1);
    const totalWrites = [...writes.values()].reduce((a, b) => a + b, 0);
    console.log(`notify: 1 incident -> ${RECIPIENTS} linked WeCom recipients, delivered to ${delivered}`);
    console.log(`  wall time, event published -> last card delivered: ${wall} ms`);
    console.log(`  WeCom API calls: ${[...byEndpoint.entries()].map(([e, n]) => `${e}=${n}`).join(', ')}  [target: message/send=3, gettoken=1]`);
    console.log(`  DynamoDB writes for the card (incident, card, tasks, codes, batches, token): ${totalWrites} (${[...writes.entries()].map(([k, v]) => `${k.replace('Command', '')}=${v}`).join(', ')})`);
    sqs.destroy();
  } finally {
    await sim.stop();
    await stack.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
