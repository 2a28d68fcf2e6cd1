/**
 * A DingTalk backlog on the local stack (issue 10, item 2): one-to-one messages (2,000 by default,
 * 10,000 on request, see MESSAGES) put on the outgoing-im queue at once, an integration limited to
 * 20 QPS, the simulator enforcing 20 QPS per app × API. Every message arrives at the simulator exactly once and none reaches the DLQ, although
 * the test's queue dead-letters after only 3 receives: a saturated QPS limiter (and a throttle)
 * parks the message as a delayed copy instead of spending a receive (shared/runtime/queue.ts).
 *
 * 10,000 calls at 20/s are 500 s. The limiter, the dispatch use case and the simulator share a
 * clock that runs SCALE times faster than real time, so the run takes 500/SCALE s of real time: the
 * limiter hands out 20 slots per virtual second and the simulator counts 20 calls per virtual
 * second. Dispatch worker processes (Lambda's concurrent batches) read the queue at once, more
 * records in flight than the limiter's horizon holds, so the limiter saturates and messages wait
 * (re-parked with a delay of about one horizon; QUEUE_RETRY_MAX_SECONDS caps it at 2 real s).
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { buildSync } from 'esbuild';
import { GetQueueAttributesCommand, SendMessageBatchCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { createSimulator, type Simulator } from '../../sim/server';
import type { DispatchWorkerStats } from '../support/dispatch-worker';
import { startTestStack, type TestStack } from '../support/stack';

process.env.QUEUE_RETRY_MAX_SECONDS = '2';

/**
 * `npm test` runs 2,000 messages on a 1.5x clock (about 70 s; the limiter is the bottleneck, so
 * messages really wait). The full backlog of the issue is BACKLOG_TEST_MESSAGES=10000
 * BACKLOG_TEST_SCALE=5 (BACKLOG_TEST_DEADLINE_S to allow more time): it needs the local stack to
 * sustain 100 dispatches/s (20 QPS × 5), which a busy 2-core machine does not (30–50/s measured,
 * every DynamoDB, SQS and simulator request of the real path on the two cores).
 */
const MESSAGES = Number(process.env.BACKLOG_TEST_MESSAGES ?? 2_000);
/** Virtual seconds per real second (limiter, dispatch and simulator). */
const SCALE = Number(process.env.BACKLOG_TEST_SCALE ?? 1.5);
/**
 * The limiter's horizon (virtual ms; production: 10 s): a call finding no slot within it waits on
 * the queue. 2 s × 20 QPS = 40 slots, so POLLERS × 10 records in flight saturate it while the local
 * DynamoDB stays responsive.
 */
const HORIZON_MS = 2_000;
/**
 * The limiter's boundary guard (virtual ms; production 150): the scaled clock multiplies every
 * real delay (a DynamoDB round trip, timer lateness) by SCALE, and the guard keeps a late call
 * inside its virtual second at the simulator.
 */
const BOUNDARY_GUARD_MS = 800;
/** Dispatch worker processes (Jest's process keeps the simulator and the local AWS servers). */
const WORKERS = Number(process.env.BACKLOG_TEST_WORKERS ?? 2);
/** Concurrent pollers per worker (Lambda's concurrent batches) × 10 records: more in flight than the horizon holds. */
const POLLERS = Number(process.env.BACKLOG_TEST_POLLERS ?? 5);
const QPS = 20;
/** Real time the backlog may take. */
const DELIVERY_DEADLINE_MS = Number(process.env.BACKLOG_TEST_DEADLINE_S ?? 170) * 1000;
jest.setTimeout(DELIVERY_DEADLINE_MS + 60_000);
const MAX_RECEIVE_COUNT = 3;

const baseMs = Date.now();
const virtualNow = () => baseMs + (Date.now() - baseMs) * SCALE;

const app = { corpId: 'dingbacklogcorp', clientId: 'dingbacklogapp', clientSecret: 'secret', token: 'BacklogDing1', aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus', robotCode: 'dingbacklogapp' };
const person = { userId: 'bl1', name: 'Backlog One', mobile: '+86-13600000201', email: 'bl1@example.com', unionId: 'u-bl1' };
const ID = 'backlog-ding';
let t: TestStack;
let sim: Simulator;
const children: ChildProcess[] = [];

beforeAll(async () => {
  t = await startTestStack({ pollers: false });
  sim = await createSimulator({
    port: 0,
    clock: {
      now: virtualNow,
      advance() {
        throw new Error('the backlog test runs on a scaled clock');
      },
    },
  });
  const put = await fetch(`${sim.url}/_sim/dingtalk/apps/${app.clientId}`, {
    method: 'PUT',
    body: JSON.stringify({ ...app, qps: QPS, monthlyQuota: 1_000_000, eventsUrl: 'http://127.0.0.1:9/none', users: [person] }),
  });
  expect(put.status).toBe(200);
  await t.admin.addDingTalk({
    id: ID,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    token: app.token,
    aesKey: app.aesKey,
    cardApiSecret: 'backlog-card-secret',
    corpId: app.corpId,
    cardTemplateId: 'tpl',
    apiBase: sim.url,
    oapiBase: sim.url,
    qpsPerAppAndApi: QPS,
    monthlyMeteredCalls: 1_000_000,
  });
  // This test's queue dead-letters after 3 receives (8 in production): waiting must not spend them.
  const dlqArn = (await t.sqs.send(new GetQueueAttributesCommand({ QueueUrl: t.dlqUrl('outgoing-im'), AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  await t.sqs.send(
    new SetQueueAttributesCommand({ QueueUrl: t.queueUrl('outgoing-im'), Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: MAX_RECEIVE_COUNT }) } }),
  );
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill();
  await t?.stop();
  await sim?.stop();
});

/** Forks the dispatch worker processes (bundled once with esbuild, as scripts/run-ts.js does). */
function forkWorkers(): ChildProcess[] {
  const outfile = path.join(__dirname, '../../.build/test/dispatch-worker.cjs');
  buildSync({ entryPoints: [path.join(__dirname, '../support/dispatch-worker.ts')], bundle: true, platform: 'node', target: 'node20', format: 'cjs', packages: 'external', outfile, logLevel: 'error' });
  return Array.from({ length: WORKERS }, () => {
    const child = fork(outfile, [], {
      env: {
        ...process.env,
        WORKER_CLOCK_SCALE: String(SCALE),
        WORKER_CLOCK_BASE_MS: String(baseMs),
        WORKER_POLLERS: String(POLLERS),
        WORKER_LIMITER: JSON.stringify({ maxWaitMs: HORIZON_MS, boundaryGuardMs: BOUNDARY_GUARD_MS }),
      },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    children.push(child);
    // Powertools' empty-metrics notice comes with every invocation; pass on anything else.
    createInterface({ input: child.stderr! }).on('line', (line) => /No application metrics|throwOnEmptyMetrics/.test(line) || process.stderr.write(`${line}\n`));
    return child;
  });
}

/** Stops a worker after the batches it holds; resolves with its counters. */
function stopWorker(child: ChildProcess): Promise<DispatchWorkerStats> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`dispatch worker ${child.pid} exited with ${code} before reporting`));
    child.once('exit', onExit);
    child.on('message', (m: { id: number; body: DispatchWorkerStats }) => {
      if (m.id !== -1) return;
      child.off('exit', onExit);
      resolve(m.body);
    });
    child.send({ id: 1, type: 'stop' });
  });
}

async function depth(queueUrl: string): Promise<{ visible: number; inFlight: number; delayed: number }> {
  const a = (
    await t.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] }),
    )
  ).Attributes!;
  return { visible: Number(a.ApproximateNumberOfMessages ?? 0), inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0), delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0) };
}

it(`delivers a backlog of ${MESSAGES} DingTalk messages at ${QPS} QPS exactly once, none dead-lettered (maxReceiveCount ${MAX_RECEIVE_COUNT})`, async () => {
  const queueUrl = t.queueUrl('outgoing-im');
  const text = (i: number) => `backlog notice ${i}`;

  // The backlog: every message on the queue before the first poller starts.
  const batches = Array.from({ length: Math.ceil(MESSAGES / 10) }, (_, b) => Array.from({ length: Math.min(10, MESSAGES - b * 10) }, (_, j) => b * 10 + j));
  for (let from = 0; from < batches.length; from += 20) {
    await Promise.all(
      batches.slice(from, from + 20).map(async (batch) => {
        const out = await t.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((i) => ({
              Id: String(i),
              MessageBody: JSON.stringify({
                kind: 'dingtalk.oneToOneMessage',
                integrationId: ID,
                idempotencyKey: `backlog-${i}`,
                severity: 'Warning',
                summary: text(i),
                payload: { userIds: [person.userId], msgKey: 'sampleText', msgParam: JSON.stringify({ content: text(i) }) },
              }),
              MessageAttributes: { kind: { DataType: 'String', StringValue: 'dingtalk.oneToOneMessage' }, integrationId: { DataType: 'String', StringValue: ID } },
            })),
          }),
        );
        expect(out.Failed ?? []).toHaveLength(0);
      }),
    );
  }

  // Lambda's event source mapping: WORKERS processes × POLLERS concurrent batches over the real
  // dispatch handler (test/support/dispatch-worker.ts), on the simulator's scaled clock.
  const isDelivered = () => sim.calls({ platform: 'dingtalk', endpoint: 'robot/oToMessages/batchSend' }).filter((c) => c.status === 200).length >= MESSAGES;
  const startedMs = Date.now();
  const workers = forkWorkers();
  const deadline = Date.now() + DELIVERY_DEADLINE_MS;
  while (!isDelivered() && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    if (process.env.BACKLOG_TEST_DEBUG && Math.floor((Date.now() - startedMs) / 250) % 20 === 0) {
      process.stderr.write(`backlog: ${((Date.now() - startedMs) / 1000).toFixed(0)} s, ${sim.calls({ platform: 'dingtalk', endpoint: 'robot/oToMessages/batchSend' }).length} calls, queue ${JSON.stringify(await depth(queueUrl))}\n`);
    }
  }
  const elapsedMs = Date.now() - startedMs;
  // Let the workers finish what they hold (nothing should be left to send), then stop them.
  for (let quiet = 0; quiet < 20; quiet += 1) {
    const d = await depth(queueUrl);
    if (d.visible + d.inFlight + d.delayed === 0) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const perWorker = await Promise.all(workers.map(stopWorker));
  const stats = perWorker.reduce(
    (sum, w) => ({
      received: sum.received + w.received,
      waits: sum.waits + w.waits,
      maxWaits: Math.max(sum.maxWaits, w.maxWaits),
      maxReceiveCount: Math.max(sum.maxReceiveCount, w.maxReceiveCount),
      failedRecords: sum.failedRecords + w.failedRecords,
      handlerErrors: sum.handlerErrors + w.handlerErrors,
    }),
    { received: 0, waits: 0, maxWaits: 0, maxReceiveCount: 0, failedRecords: 0, handlerErrors: 0 },
  );

  const calls = sim.calls({ platform: 'dingtalk', endpoint: 'robot/oToMessages/batchSend' });
  const delivered = calls.filter((c) => c.status === 200);
  const throttled = calls.filter((c) => c.status !== 200).length;
  const copies = new Map<string, number>();
  for (const c of delivered) {
    const content = (JSON.parse((c.requestBody as { msgParam: string }).msgParam) as { content: string }).content;
    copies.set(content, (copies.get(content) ?? 0) + 1);
  }
  const missing = Array.from({ length: MESSAGES }, (_, i) => text(i)).filter((x) => !copies.has(x));
  const duplicated = [...copies].filter(([, n]) => n > 1);
  // Order: how far from its place in the queue each message was delivered (ranks).
  const displacement = delivered.map((c, rank) => Math.abs(rank - Number((JSON.parse((c.requestBody as { msgParam: string }).msgParam) as { content: string }).content.split(' ').pop())));
  displacement.sort((a, b) => a - b);
  const pct = (p: number) => displacement[Math.min(displacement.length - 1, Math.floor((p / 100) * displacement.length))] ?? 0;
  // Busiest virtual second at the simulator (it enforces the limit; anything over would be a 403).
  const perSecond = new Map<number, number>();
  for (const c of delivered) perSecond.set(Math.floor(c.at / 1000), (perSecond.get(Math.floor(c.at / 1000)) ?? 0) + 1);
  const busiest = Math.max(...perSecond.values());
  const dlq = await depth(t.dlqUrl('outgoing-im'));
  const left = await depth(queueUrl);
  const virtualSeconds = (elapsedMs * SCALE) / 1000;
  console.log(
    [
      `DingTalk backlog: ${MESSAGES} messages delivered ${delivered.length} (${missing.length} missing, ${duplicated.length} duplicated) in ${(elapsedMs / 1000).toFixed(1)} s real`,
      `= ${virtualSeconds.toFixed(0)} s at the ${SCALE}x clock; achieved ${(delivered.length / virtualSeconds).toFixed(1)} calls/s of ${QPS} (${((delivered.length / elapsedMs) * 1000).toFixed(0)} real calls/s), busiest second at the simulator ${busiest} (by answer time);`,
      `${stats.waits} waits (re-parked copies), most by one message ${stats.maxWaits}; ${throttled} throttled by the simulator; ${stats.failedRecords} failed records, ${stats.handlerErrors} handler errors;`,
      `${stats.received} receives by ${WORKERS}×${POLLERS} pollers, max receive count seen ${stats.maxReceiveCount} (queue maxReceiveCount ${MAX_RECEIVE_COUNT}); DLQ depth ${dlq.visible + dlq.inFlight + dlq.delayed};`,
      `order: displacement p50 ${pct(50)}, p90 ${pct(90)}, p99 ${pct(99)} ranks`,
    ].join(' '),
  );

  expect(missing).toEqual([]);
  expect(duplicated).toEqual([]);
  expect(delivered).toHaveLength(MESSAGES);
  expect(dlq.visible + dlq.inFlight + dlq.delayed).toBe(0);
  expect(left.visible + left.inFlight + left.delayed).toBe(0);
  expect(stats.maxReceiveCount).toBeLessThan(MAX_RECEIVE_COUNT);
  // Every other answer was the simulator enforcing 20 per virtual second (403; the call then waited and was retried).
  expect(calls.filter((c) => c.status !== 200 && c.status !== 403)).toEqual([]);
  // When the limiter was the bottleneck (the pipeline kept up with the cap), records beyond its
  // horizon waited: parked, without spending a receive. On a machine too busy to reach the cap the
  // limiter never fills, and nothing has to wait.
  if (delivered.length / virtualSeconds >= 0.9 * QPS) expect(stats.waits).toBeGreaterThan(0);
});
