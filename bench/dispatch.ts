/**
 * `npm run bench:dispatch`: the DingTalk dispatch path as it runs on Lambda. Four dispatch workers,
 * each its own process (bench/dispatch-worker.ts) standing for one Lambda instance, take batches
 * from the outgoing-im queue (local SQS) and run the real dispatch handler; they share the DynamoDB
 * QPS limiter, quota meter, idempotency ledger and digest buffer (local DynamoDB, in this process),
 * and a call that must wait (DispatchRetryLaterError) goes back through the queue with the
 * visibility the handler set. The simulator enforces DingTalk's QPS cap per app × API.
 *
 *  1. QPS runs: a backlog of BENCH_N (default 1,200) card deliveries per cap, for an integration
 *     whose QPS setting is that cap (20, 40, 60; BENCH_CAPS). Prints achieved calls/s ÷ cap
 *     (target ≥ 0.95), throttle answers from the simulator (target 0) and records handed back to
 *     the queue.
 *  2. Quota run: our own meter must do the limiting. The integration's monthly quota is 5,000 with
 *     4,000 already used; the simulator's quota is set far above (1,000,000), so DingTalk never
 *     refuses. 3,000 mixed-severity calls arrive in three waves, each in its own 10-minute digest
 *     window (the workers' clocks are moved forward 10 minutes per wave), and after each wave the
 *     scheduled flush-digests function runs as if 10 minutes later. Checks: calls made ≤ the 1,000
 *     left, no quota answer from DingTalk, and every deferred call is a line in the DynamoDB digest
 *     buffer (DynamoDigestBuffer, shared by the processes). Prints calls made, Criticals delivered,
 *     deferred → digests sent, parked.
 */
import './quiet';
import '../local/env-defaults';
import type { ChildProcess } from 'node:child_process';
import { ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { registerDingTalkCardCallback } from '../cli/register-card-callback';
import { callbackRouteKey } from '../shared/application/dingtalk-card-flow';
import { startLocalStack, type LocalStack } from '../local/stack';
import { getDocumentClient } from '../shared/adapters/aws/clients';
import { awsIntegrationAdmin } from '../shared/adapters/aws/integration-admin';
import { DynamoQuotaMeter } from '../shared/adapters/aws/quota-meter';
import { outgoingImQueue } from '../shared/config/resources';
import { groupMarkdownMessage } from '../shared/domain/dingtalk-card';
import type { Severity } from '../shared/domain/incident';
import { parseOutgoingCall, type OutgoingCall } from '../shared/domain/outgoing-call';
import { DIGEST_WINDOW_MS, chinaMonthKey } from '../shared/domain/rate-limit';
import { createSimulator, type Simulator } from '../sim/server';
import { firstMessage, forkTs, stopChild } from './fork-ts';
import type { WorkerCommand, WorkerStats } from './dispatch-worker';

const WORKERS = Number(process.env.BENCH_WORKERS ?? 4);
const USERS = Array.from({ length: 5 }, (_, i) => ({ userId: `user${i}`, name: `User ${i}`, mobile: `+86-1380000010${i}`, email: `user${i}@example.com`, unionId: `union${i}` }));
/** Five on-call groups per app (a group belongs to one org). */
const groupsOf = (clientId: string) => Array.from({ length: 5 }, (_, i) => `cid${clientId}Group${i}==`);
const APP_SECRETS = { token: 'BenchToken1', aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', cardApiSecret: 'bench-card-api-secret' };

/** Registers the app in the simulator (its QPS cap and quota) and in dutybridge (our own limits). */
async function addApp(sim: Simulator, stack: LocalStack, app: { id: string; clientId: string; corpId: string; simQps: number; simQuota: number; ourQps: number; ourQuota: number }): Promise<void> {
  const res = await fetch(`${sim.url}/_sim/dingtalk/apps/${app.clientId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      corpId: app.corpId,
      clientId: app.clientId,
      clientSecret: `${app.clientId}-secret`,
      token: APP_SECRETS.token,
      aesKey: APP_SECRETS.aesKey,
      robotCode: app.clientId,
      eventsUrl: 'http://127.0.0.1:9/events',
      users: USERS,
      groups: groupsOf(app.clientId).map((openConversationId, i) => ({ openConversationId, title: `On-call ${i}`, memberUserIds: USERS.map((u) => u.userId) })),
      qps: app.simQps,
      monthlyQuota: app.simQuota,
    }),
  });
  if (res.status !== 200) throw new Error(`registering ${app.clientId} in the simulator failed: ${res.status} ${await res.text()}`);
  const integration = await awsIntegrationAdmin(stack.env.STATE_TABLE_NAME, stack.env.SECRET_NAME_PREFIX).addDingTalk({
    id: app.id,
    clientId: app.clientId,
    clientSecret: `${app.clientId}-secret`,
    token: APP_SECRETS.token,
    aesKey: APP_SECRETS.aesKey,
    cardApiSecret: APP_SECRETS.cardApiSecret,
    robotCode: app.clientId,
    corpId: app.corpId,
    cardTemplateId: 'dutybridge-incident.schema',
    apiBase: sim.url,
    oapiBase: sim.url,
    qpsPerAppAndApi: app.ourQps,
    monthlyMeteredCalls: app.ourQuota,
  });
  if (integration.platform !== 'dingtalk') throw new Error('unexpected platform');
  // DingTalk refuses cards whose callbackRouteKey is not registered; the registration is metered (and counted).
  await registerDingTalkCardCallback(integration, { clientSecret: `${app.clientId}-secret`, ...APP_SECRETS }, 'http://127.0.0.1:9', stack.env.STATE_TABLE_NAME);
}

/** The worker processes and a tiny request/answer protocol over IPC. */
class Workers {
  private nextId = 1;
  private readonly pending = new Map<number, (body: unknown) => void>();

  private constructor(private readonly children: ChildProcess[]) {
    for (const child of children) child.on('message', (m: { id: number; body: unknown }) => this.pending.get(m.id)?.(m.body));
  }

  static async start(count: number, env: Record<string, string>): Promise<Workers> {
    // Powertools notes each invocation that recorded no metric (metrics are off locally): dropped.
    const children = forkTs('bench/dispatch-worker.ts', { ...process.env, ...env }, count, /^No application metrics to publish/);
    await Promise.all(children.map((child) => firstMessage(child)));
    return new Workers(children);
  }

  ask<T>(index: number, request: WorkerCommand): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve) => {
      this.pending.set(id, (body) => {
        this.pending.delete(id);
        resolve(body as T);
      });
      this.children[index]!.send({ ...request, id });
    });
  }

  all<T>(request: WorkerCommand): Promise<T[]> {
    return Promise.all(this.children.map((_c, i) => this.ask<T>(i, request)));
  }

  async stats(): Promise<WorkerStats> {
    const each = await this.all<WorkerStats>({ type: 'stats' });
    const sum = (k: keyof WorkerStats) => each.reduce((a, s) => a + s[k], 0);
    return { batches: sum('batches'), records: sum('records'), done: sum('done'), retryLater: sum('retryLater'), handlerErrors: sum('handlerErrors') };
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((child) => stopChild(child)));
  }
}

async function enqueue(sqs: SQSClient, queueUrl: string, calls: readonly OutgoingCall[]): Promise<void> {
  const batches: OutgoingCall[][] = [];
  for (let i = 0; i < calls.length; i += 10) batches.push(calls.slice(i, i + 10));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        const out = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((call, i) => ({
              Id: String(i),
              MessageBody: JSON.stringify(call),
              MessageAttributes: { kind: { DataType: 'String', StringValue: call.kind }, integrationId: { DataType: 'String', StringValue: call.integrationId } },
            })),
          }),
        );
        if ((out.Failed ?? []).length > 0) throw new Error(`enqueue failed: ${JSON.stringify(out.Failed)}`);
      }
    }),
  );
}

/** Lets the workers drain the queue until `expected` more records are done. */
async function drain(workers: Workers, expected: number, timeoutMs: number): Promise<{ wallMs: number; retryLater: number; handlerErrors: number }> {
  const before = await workers.stats();
  const started = Date.now();
  await workers.all({ type: 'go' });
  for (;;) {
    const now = await workers.stats();
    if (now.done - before.done >= expected) {
      const wallMs = Date.now() - started;
      await workers.all({ type: 'pause' });
      const after = await workers.stats();
      return { wallMs, retryLater: after.retryLater - before.retryLater, handlerErrors: after.handlerErrors - before.handlerErrors };
    }
    if (Date.now() - started > timeoutMs) throw new Error(`the workers finished ${now.done - before.done} of ${expected} records in ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Ledger outcome per idempotency key (sent / deferred / parked / rejected), read back from DynamoDB. */
async function ledgerStates(table: string, keys: readonly string[]): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  for (let i = 0; i < keys.length; i += 100) {
    let request: Record<string, unknown>[] | undefined = keys.slice(i, i + 100).map((k) => ({ pk: `OUTCALL#${k}`, sk: 'OUTCALL' }));
    while (request && request.length > 0) {
      const out = await getDocumentClient().send(new BatchGetCommand({ RequestItems: { [table]: { Keys: request, ConsistentRead: true } } }));
      for (const item of out.Responses?.[table] ?? []) states.set(String(item.pk).slice('OUTCALL#'.length), String(item.state));
      request = out.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  return states;
}

/** Takes every message now on the queue (they stay invisible long enough not to be read twice). */
async function takeAll(sqs: SQSClient, queueUrl: string): Promise<{ idempotencyKey?: string }[]> {
  const bodies: { idempotencyKey?: string }[] = [];
  for (;;) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 900 }));
    if ((out.Messages ?? []).length === 0) return bodies;
    for (const m of out.Messages ?? []) bodies.push(JSON.parse(m.Body ?? '{}') as { idempotencyKey?: string });
  }
}

async function digestLinesInDynamo(table: string, integrationId: string): Promise<number> {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await getDocumentClient().send(
      new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `DIGEST#${integrationId}` }, Select: 'COUNT', ConsistentRead: true, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
    );
    count += out.Count ?? 0;
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return count;
}

async function qpsRun(sim: Simulator, stack: LocalStack, sqs: SQSClient, workers: Workers, cap: number, backlog: number): Promise<{ ratio: number; throttled: number }> {
  const id = `bench-qps-${cap}`;
  const clientId = `dingbench${cap}`;
  await addApp(sim, stack, { id, clientId, corpId: `corpbench${cap}`, simQps: cap, simQuota: 10_000_000, ourQps: cap, ourQuota: 10_000_000 });
  const runId = Date.now().toString(36);
  const GROUPS = groupsOf(clientId);
  const calls = Array.from({ length: backlog }, (_, i) =>
    parseOutgoingCall({
      kind: 'dingtalk.createAndDeliver',
      integrationId: id,
      idempotencyKey: `bench:${runId}:${cap}:${i}`,
      severity: 'Critical',
      summary: `incident ${i}`,
      payload: {
        outTrackId: `bench-${runId}-${cap}-${i}`,
        cardTemplateId: 'dutybridge-incident.schema',
        callbackRouteKey: callbackRouteKey(id),
        cardParamMap: { title: `Incident ${i}`, severity: 'Critical', status: 'Triggered' },
        targets: [{ type: 'group', openConversationId: GROUPS[i % GROUPS.length] as string }],
      },
    }),
  );
  await enqueue(sqs, stack.env[outgoingImQueue.envKey] as string, calls);
  const seqBefore = sim.calls().length;
  const run = await drain(workers, backlog, Math.max(60_000, (backlog / cap) * 4000));
  const made = sim.calls().slice(seqBefore).filter((c) => c.endpoint === 'card/instances/createAndDeliver');
  const ok = made.filter((c) => c.status === 200);
  const throttled = made.filter((c) => c.status === 403).length;
  const okTimes = ok.map((c) => c.at).sort((a, b) => a - b);
  // N calls at the cap occupy N/cap seconds: first arrival to last arrival plus one slot.
  const spanSeconds = ((okTimes.at(-1) as number) - (okTimes[0] as number)) / 1000 + 1 / cap;
  const achieved = ok.length / spanSeconds;
  const ratio = achieved / cap;
  console.log(
    `cap ${String(cap).padStart(2)} QPS: ${ok.length} calls in ${spanSeconds.toFixed(1)} s (wall ${(run.wallMs / 1000).toFixed(1)} s) → ${achieved.toFixed(2)} calls/s, achieved/cap ${ratio.toFixed(3)} [target ≥ 0.95]; throttle answers ${throttled} [target 0]; handed back to the queue ${run.retryLater}${ok.length !== backlog ? `; DELIVERED ${ok.length} OF ${backlog}` : ''}`,
  );
  if (ok.length !== backlog) throw new Error(`cap ${cap}: ${ok.length} successful calls for ${backlog} queued (a call was lost or made twice)`);
  if (run.handlerErrors > 0) throw new Error(`cap ${cap}: the handler threw ${run.handlerErrors} time(s)`);
  return { ratio, throttled };
}

async function quotaRun(sim: Simulator, stack: LocalStack, sqs: SQSClient, workers: Workers): Promise<void> {
  const table = stack.env.STATE_TABLE_NAME as string;
  const id = 'bench-quota';
  const clientId = 'dingbenchquota';
  const corp = 'corpbenchquota';
  const QUOTA = 5000;
  const LEFT = 1000;
  const SIM_QUOTA = 1_000_000;
  const WAVES = 3;
  const PER_WAVE = 1000;
  await addApp(sim, stack, { id, clientId, corpId: corp, simQps: 60, simQuota: SIM_QUOTA, ourQps: 60, ourQuota: QUOTA });
  // Near the end of a (China-time) month the waves would cross into the next one: start 2 h earlier then.
  const baseOffsetMs = chinaMonthKey(Date.now()) === chinaMonthKey(Date.now() + (WAVES + 2) * DIGEST_WINDOW_MS) ? 0 : -2 * 3600_000;
  const meter = new DynamoQuotaMeter(getDocumentClient(), table, { quotaOf: () => QUOTA, clock: { nowMs: () => Date.now() + baseOffsetMs } });
  // The card-route registration above was metered: top the month up to exactly QUOTA − LEFT used.
  await meter.tryConsume(corp, QUOTA - LEFT - (await meter.usage(corp)).used);
  const usageBefore = (await (await fetch(`${sim.url}/_sim/dingtalk/apps/${clientId}/usage`)).json()) as { metered: number };

  const GROUPS = groupsOf(clientId);
  const severities: Severity[] = ['Critical', 'Warning', 'Info', 'Info', 'Warning', 'Info', 'Critical', 'Info', 'Warning', 'Info'];
  const runId = Date.now().toString(36);
  const seqBefore = sim.calls().length;
  const started = Date.now();
  const totals = { sent: 0, criticalSent: 0, criticalQueued: 0, deferred: 0, parked: 0, digestsSent: 0, parkedDigests: 0, linesSeen: 0 };
  console.log(`\nquota run: our quota ${QUOTA} a month with ${QUOTA - LEFT} used (${LEFT} left); simulator quota ${SIM_QUOTA}; ${WAVES} waves of ${PER_WAVE} mixed-severity calls, one 10-minute digest window each`);
  for (let wave = 0; wave < WAVES; wave++) {
    const offsetMs = baseOffsetMs + wave * DIGEST_WINDOW_MS;
    await workers.all({ type: 'clock', offsetMs });
    const calls = Array.from({ length: PER_WAVE }, (_, j) => {
      const i = wave * PER_WAVE + j;
      const severity = severities[i % severities.length] as Severity;
      const group = GROUPS[i % GROUPS.length] as string;
      const common = { integrationId: id, idempotencyKey: `quota:${runId}:${i}`, severity, summary: `${severity} incident ${i} triggered` };
      return i % 2 === 0
        ? parseOutgoingCall({
            ...common,
            kind: 'dingtalk.createAndDeliver',
            payload: { outTrackId: `quota-${runId}-${i}`, cardTemplateId: 'dutybridge-incident.schema', callbackRouteKey: callbackRouteKey(id), cardParamMap: { title: `Incident ${i}`, severity }, targets: [{ type: 'group', openConversationId: group }] },
          })
        : parseOutgoingCall({ ...common, kind: 'dingtalk.groupMessage', payload: { openConversationId: group, ...groupMarkdownMessage({ title: `Incident ${i}`, text: `${severity}: incident ${i}` }) } });
    });
    await enqueue(sqs, stack.env[outgoingImQueue.envKey] as string, calls);
    const run = await drain(workers, PER_WAVE, 120_000);
    if (run.handlerErrors > 0) throw new Error(`quota run: the handler threw ${run.handlerErrors} time(s)`);
    const states = await ledgerStates(table, calls.map((c) => c.idempotencyKey));
    const count = (pred: (c: OutgoingCall, state: string | undefined) => boolean) => calls.filter((c) => pred(c, states.get(c.idempotencyKey))).length;
    const sent = count((_c, s) => s === 'sent');
    const criticalSent = count((c, s) => c.severity === 'Critical' && s === 'sent');
    const deferred = count((_c, s) => s === 'deferred');
    const parked = count((_c, s) => s === 'parked');
    const unfinished = count((_c, s) => s === undefined || s === 'in-flight');
    // Every deferred call names one group: one line each in the DynamoDB digest buffer.
    const lines = await digestLinesInDynamo(table, id);
    // The scheduled flush-digests function, run once by one worker as if 10 minutes later.
    await workers.ask(0, { type: 'clock', offsetMs: offsetMs + DIGEST_WINDOW_MS });
    const flushed = await workers.ask<{ digestsSent?: number; error?: string }>(0, { type: 'flush' });
    await workers.ask(0, { type: 'clock', offsetMs });
    if (flushed.error) throw new Error(`flush-digests failed: ${flushed.error}`);
    const left = await digestLinesInDynamo(table, id);
    // Parked calls and digests are dead-lettered with the reason.
    const dead = await takeAll(sqs, stack.env[outgoingImQueue.dlqEnvKey] as string);
    const parkedDigests = dead.filter((m) => m.idempotencyKey?.startsWith('digest:')).length;
    console.log(
      `  wave ${wave + 1}: ${sent} sent (${criticalSent} of ${count((c) => c.severity === 'Critical')} Critical), ${deferred} deferred → ${lines} lines in the DynamoDB digest buffer → flush-digests 10 min later: ${flushed.digestsSent ?? 0} digest(s) sent, ${parkedDigests} parked (${left} lines left); ${parked} calls parked; ${(run.wallMs / 1000).toFixed(1)} s, handed back to the queue ${run.retryLater}`,
    );
    if (dead.length !== parked + parkedDigests) throw new Error(`wave ${wave + 1}: ${dead.length} dead-lettered, ${parked} calls and ${parkedDigests} digests parked`);
    if (unfinished > 0) throw new Error(`wave ${wave + 1}: ${unfinished} calls have no final ledger record`);
    if (lines !== deferred) throw new Error(`wave ${wave + 1}: ${deferred} deferred calls but ${lines} lines in the DynamoDB digest buffer`);
    if (left !== 0) throw new Error(`wave ${wave + 1}: ${left} digest lines left after the flush`);
    totals.sent += sent;
    totals.criticalSent += criticalSent;
    totals.criticalQueued += count((c) => c.severity === 'Critical');
    totals.deferred += deferred;
    totals.parked += parked;
    totals.digestsSent += flushed.digestsSent ?? 0;
    totals.parkedDigests += parkedDigests;
    totals.linesSeen += lines;
  }
  const usage = (await (await fetch(`${sim.url}/_sim/dingtalk/apps/${clientId}/usage`)).json()) as { metered: number };
  const made = usage.metered - usageBefore.metered;
  const calls = sim.calls().slice(seqBefore);
  const quotaAnswers = calls.filter((c) => String(c.resultCode).includes('ApiCountLimitForOrg') || c.resultCode === 90020).length;
  const throttled = calls.filter((c) => c.status === 403 && String(c.resultCode).includes('QpsLimit')).length;
  const ours = await meter.usage(corp);
  console.log(`  total (${((Date.now() - started) / 1000).toFixed(1)} s):`);
  console.log(`    calls made (simulator metered): ${made} [must be ≤ ${LEFT} left of our own quota]; our meter: ${ours.used}/${ours.quota} used${ours.exhausted ? ', closed by DingTalk' : ''}`);
  console.log(`    quota answers from DingTalk: ${quotaAnswers} [must be 0: our meter stopped first]; throttle answers: ${throttled}`);
  console.log(`    Criticals delivered: ${totals.criticalSent} of ${totals.criticalQueued}; non-Critical sent before 95 %: ${totals.sent - totals.criticalSent}`);
  console.log(`    deferred → digests: ${totals.deferred} calls deferred → ${totals.linesSeen} lines in the DynamoDB digest buffer → ${totals.digestsSent} digests sent`);
  console.log(`    parked (dead-lettered with the reason): ${totals.parked} calls + ${totals.parkedDigests} digests, at 100 %`);
  if (made > LEFT) throw new Error(`quota run: ${made} calls made, more than the ${LEFT} left`);
  if (quotaAnswers > 0) throw new Error('quota run: DingTalk refused for quota; our meter should have stopped first');
  if (totals.linesSeen === 0 || totals.digestsSent === 0) throw new Error('quota run: no digest went through the DynamoDB digest buffer');
  if (made !== totals.sent + totals.digestsSent) throw new Error(`quota run: the simulator metered ${made} calls, the ledger and flushes account for ${totals.sent + totals.digestsSent}`);
}

async function main(): Promise<void> {
  const backlog = Number(process.env.BENCH_N ?? 1200);
  const caps = (process.env.BENCH_CAPS ?? '20,40,60').split(',').map(Number);
  // DynamoDB and SQS in their own process, the simulator in this one, the workers in theirs.
  const [awsHost] = forkTs('bench/aws-host.ts', process.env);
  const { env: awsEnv } = await firstMessage<{ env: Record<string, string> }>(awsHost!);
  const stack = await startLocalStack({ awsEnv, pollers: false, prefix: 'bench-dispatch-' });
  const sim = await createSimulator({ port: 0, log: () => undefined });
  const sqs = new SQSClient({ endpoint: stack.env.AWS_ENDPOINT_URL_SQS, useQueueUrlAsEndpoint: false });
  let workers: Workers | undefined;
  try {
    workers = await Workers.start(WORKERS, stack.env);
    console.log(`dispatch bench: ${WORKERS} dispatch worker processes on the outgoing-im queue (batches of 10, retry-later through the queue), DynamoDB limiter, quota meter, ledger and digest buffer shared on the local stack`);
    console.log(`QPS runs: backlog ${backlog} card deliveries per cap, simulator enforcing the cap per app × API`);
    for (const cap of caps) await qpsRun(sim, stack, sqs, workers, cap, backlog);
    if (process.env.BENCH_SKIP_QUOTA !== '1') await quotaRun(sim, stack, sqs, workers);
  } finally {
    await workers?.stop();
    sqs.destroy();
    await sim.stop();
    await stack.stop();
    await stopChild(awsHost!);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
