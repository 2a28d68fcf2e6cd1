/**
 * `node scripts/run-ts.js bench/dispatch.ts`: the DingTalk dispatch path against the simulator,
 * with the DynamoDB limiter, quota meter and idempotency ledger on the in-process local stack.
 *
 *  1. QPS runs: a backlog of metered card deliveries (BENCH_N, default 2,000) drained by many
 *     concurrent workers (BENCH_WORKERS, default 1.5 × cap) against a simulator that enforces 20,
 *     then 40, then 60 QPS per app × API (BENCH_CAPS).
 *     Prints achieved calls/s ÷ cap (target ≥ 0.95) and throttle answers received (target 0).
 *  2. Quota run: the org has 1,000 calls left of 5,000 (the simulator's quota is set to exactly
 *     those 1,000); 3,000 mixed-severity calls are queued. Prints calls made (must be ≤ 1,000),
 *     Criticals delivered and digests sent. Runs at 60 QPS to keep it short; the digest windows
 *     use a virtual clock (10 simulated minutes per 300 messages).
 */
import './quiet';
import '../local/env-defaults';
import { startLocalStack } from '../local/stack';
import { createSimulator, type Simulator } from '../sim/server';
import { getDocumentClient } from '../shared/adapters/aws/clients';
import { DynamoDispatchLedger } from '../shared/adapters/aws/dispatch-ledger';
import { DynamoQpsLimiter } from '../shared/adapters/aws/qps-limiter';
import { DynamoQuotaMeter } from '../shared/adapters/aws/quota-meter';
import { DingTalkClient } from '../shared/adapters/dingtalk/client';
import { DispatchUseCase, InMemoryDigestBuffer, type DispatchOutcome } from '../shared/application/dispatch';
import { InMemoryAccessTokenStore, TokenProvider } from '../shared/application/token-provider';
import { groupMarkdownMessage } from '../shared/domain/dingtalk-card';
import type { Severity } from '../shared/domain/incident';
import { parseOutgoingCall, type OutgoingCall } from '../shared/domain/outgoing-call';
import { DIGEST_WINDOW_MS } from '../shared/domain/rate-limit';

const USERS = Array.from({ length: 5 }, (_, i) => ({ userId: `user${i}`, name: `User ${i}`, mobile: `+86-1380000010${i}`, email: `user${i}@example.com`, unionId: `union${i}` }));
/** Five on-call groups per app (a group belongs to one org). */
const groupsOf = (clientId: string) => Array.from({ length: 5 }, (_, i) => `cid${clientId}Group${i}==`);

async function registerApp(sim: Simulator, clientId: string, corpId: string, qps: number, monthlyQuota: number): Promise<void> {
  const res = await fetch(`${sim.url}/_sim/dingtalk/apps/${clientId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      corpId,
      clientId,
      clientSecret: `${clientId}-secret`,
      token: 'BenchToken1',
      aesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
      robotCode: clientId,
      eventsUrl: 'http://127.0.0.1:9/events',
      users: USERS,
      groups: groupsOf(clientId).map((openConversationId, i) => ({ openConversationId, title: `On-call ${i}`, memberUserIds: USERS.map((u) => u.userId) })),
      qps,
      monthlyQuota,
    }),
  });
  if (res.status !== 200) throw new Error(`registering ${clientId} failed: ${res.status} ${await res.text()}`);
}

function clientFor(sim: Simulator, clientId: string): DingTalkClient {
  return new DingTalkClient(
    { clientId, clientSecret: `${clientId}-secret`, apiBase: sim.url, oapiBase: sim.url, robotCode: clientId },
    { tokens: new TokenProvider({ store: new InMemoryAccessTokenStore() }), timeoutMs: 5000 },
  );
}

/** Runs `work` over the items with `concurrency` workers. */
async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
      }
    }),
  );
}

function simCalls(sim: Simulator, clientId: string, endpoint: string) {
  // Calls are attributed to the app through the token; the bench gives each run its own app and simulator log filter.
  return sim.calls().filter((c) => c.endpoint === endpoint && (c as { requestBody?: { robotCode?: string; imGroupOpenDeliverModel?: { robotCode?: string } } }).requestBody?.imGroupOpenDeliverModel?.robotCode === clientId);
}

async function qpsRun(sim: Simulator, table: string, cap: number, backlog: number): Promise<{ ratio: number; throttled: number }> {
  const clientId = `dingbench${cap}`;
  await registerApp(sim, clientId, `corpbench${cap}`, cap, 10_000_000);
  const client = clientFor(sim, clientId);
  await client.registerCardCallback({ routeKey: 'bench', callbackUrl: 'http://127.0.0.1:9/cards', apiSecret: 'bench-secret-1', forceUpdate: false });
  let throttleAnswers = 0;
  const limiter = new DynamoQpsLimiter(getDocumentClient(), table, { limit: cap, maxWaitMs: 30_000 });
  const lateness: number[] = [];
  const dispatch = new DispatchUseCase({
    targetFor: async () => ({ client, appKey: clientId, orgKey: `corpbench${cap}` }),
    // Records how late each call starts after its slot time (event loop, DynamoDB round trip).
    limiter: {
      acquire: async (app, api) => {
        const grant = await limiter.acquire(app, api);
        lateness.push(Date.now() - grant.releaseAtMs);
        return grant;
      },
    },
    quota: new DynamoQuotaMeter(getDocumentClient(), table, { quotaOf: () => 10_000_000 }),
    ledger: new DynamoDispatchLedger(getDocumentClient(), table),
    parked: { park: async (_call, reason) => console.log(`  parked: ${reason}`) },
    digests: new InMemoryDigestBuffer(),
    outgoing: { enqueue: async () => undefined }, // batchSend is not benchmarked: no flow-control follow-ups
    onThrottled: () => void (throttleAnswers += 1),
  });
  const runId = Date.now().toString(36);
  const GROUPS = groupsOf(clientId);
  const calls: OutgoingCall[] = Array.from({ length: backlog }, (_, i) =>
    parseOutgoingCall({
      kind: 'dingtalk.createAndDeliver',
      integrationId: clientId,
      idempotencyKey: `bench:${runId}:${cap}:${i}`,
      severity: 'Critical',
      summary: `incident ${i}`,
      payload: {
        outTrackId: `bench-${runId}-${cap}-${i}`,
        cardTemplateId: 'dutybridge-incident.schema',
        callbackRouteKey: 'bench',
        cardParamMap: { title: `Incident ${i}`, severity: 'Critical', status: 'Triggered' },
        targets: [{ type: 'group', openConversationId: GROUPS[i % GROUPS.length] as string }],
      },
    }),
  );
  let ends = 0;
  let retriedViaQueue = 0;
  const first = Date.now();
  await pool(calls, Number(process.env.BENCH_WORKERS ?? Math.ceil(cap * 1.5)), async (call) => {
    for (;;) {
      try {
        const outcome = await dispatch.execute(call);
        if (outcome.kind !== 'sent') throw new Error(`unexpected outcome ${outcome.kind}`);
        ends = Date.now();
        return;
      } catch (error) {
        if ((error as Error).name !== 'DispatchRetryLaterError') throw error;
        retriedViaQueue += 1; // what SQS would redeliver
      }
    }
  });
  const sent = simCalls(sim, clientId, 'card/instances/createAndDeliver');
  const ok = sent.filter((c) => c.status === 200);
  const simThrottled = sent.filter((c) => c.status === 403).length;
  const okTimes = ok.map((c) => c.at).sort((a, b) => a - b);
  // N calls at the cap occupy N/cap seconds: first arrival to last arrival plus one slot.
  const spanSeconds = ((okTimes.at(-1) as number) - (okTimes[0] as number)) / 1000 + 1 / cap;
  const achieved = ok.length / spanSeconds;
  const ratio = achieved / cap;
  console.log(
    `cap ${String(cap).padStart(2)} QPS: ${ok.length} calls in ${spanSeconds.toFixed(1)} s (wall ${((ends - first) / 1000).toFixed(1)} s) → ${achieved.toFixed(2)} calls/s, ratio ${ratio.toFixed(3)} [target ≥ 0.95]; throttle answers ${simThrottled} (client saw ${throttleAnswers}) [target 0]; handed back to the queue ${retriedViaQueue}`,
  );
  lateness.sort((a, b) => a - b);
  console.log(`           start after slot time: p50 ${lateness[Math.floor(lateness.length / 2)]} ms, p99 ${lateness[Math.floor(lateness.length * 0.99)]} ms, max ${lateness.at(-1)} ms`);
  return { ratio, throttled: simThrottled };
}

async function quotaRun(sim: Simulator, table: string): Promise<void> {
  const clientId = 'dingbenchquota';
  const corp = 'corpbenchquota';
  const qps = 60;
  const QUOTA = 5000;
  const LEFT = 1000;
  const QUEUED = 3000;
  await registerApp(sim, clientId, corp, qps, LEFT); // the simulator stops after exactly the calls left
  const client = clientFor(sim, clientId);
  // Virtual clock for the meter, ledger and digest windows: mid-month, 10 simulated minutes per 300 messages.
  let virtualMs = Date.UTC(2026, 2, 10, 2, 0, 0);
  const clock = { nowMs: () => virtualMs };
  const meter = new DynamoQuotaMeter(getDocumentClient(), table, { quotaOf: () => QUOTA, clock });
  await meter.tryConsume(corp, QUOTA - LEFT);
  // Registering the card route is metered too: count it before making it.
  await meter.tryConsume(corp, 1);
  await client.registerCardCallback({ routeKey: 'bench', callbackUrl: 'http://127.0.0.1:9/cards', apiSecret: 'bench-secret-1', forceUpdate: false });
  const digests = new InMemoryDigestBuffer();
  const alerts: string[] = [];
  let parkedQuota = 0;
  const dispatch = new DispatchUseCase({
    targetFor: async () => ({ client, appKey: clientId, orgKey: corp }),
    limiter: new DynamoQpsLimiter(getDocumentClient(), table, { limit: qps, maxWaitMs: 30_000 }),
    quota: meter,
    ledger: new DynamoDispatchLedger(getDocumentClient(), table, { clock }),
    parked: { park: async (_call, _reason, cause) => void (cause === 'quota' ? (parkedQuota += 1) : undefined) },
    digests,
    outgoing: { enqueue: async () => undefined }, // batchSend is not benchmarked: no flow-control follow-ups
    clock,
    alerts: { thresholdCrossed: (_org, threshold, usage) => void alerts.push(`${threshold}% at ${usage.used}/${usage.quota}`) },
  });
  const GROUPS = groupsOf(clientId);
  const severities: Severity[] = ['Critical', 'Warning', 'Info', 'Info', 'Warning', 'Info', 'Critical', 'Info', 'Warning', 'Info'];
  const runId = Date.now().toString(36);
  const calls = Array.from({ length: QUEUED }, (_, i) => {
    const severity = severities[i % severities.length] as Severity;
    const group = GROUPS[i % GROUPS.length] as string;
    const common = { integrationId: clientId, idempotencyKey: `quota:${runId}:${i}`, severity, summary: `${severity} incident ${i} triggered` };
    return i % 2 === 0
      ? parseOutgoingCall({
          ...common,
          kind: 'dingtalk.createAndDeliver',
          payload: { outTrackId: `quota-${runId}-${i}`, cardTemplateId: 'dutybridge-incident.schema', callbackRouteKey: 'bench', cardParamMap: { title: `Incident ${i}`, severity }, targets: [{ type: 'group', openConversationId: group }] },
        })
      : parseOutgoingCall({ ...common, kind: 'dingtalk.groupMessage', payload: { openConversationId: group, ...groupMarkdownMessage({ title: `Incident ${i}`, text: `${severity}: incident ${i}` }) } });
  });
  const outcomes: { call: OutgoingCall; outcome: DispatchOutcome }[] = [];
  let digestsSent = 0;
  const started = Date.now();
  for (let offset = 0; offset < calls.length; offset += 300) {
    await pool(calls.slice(offset, offset + 300), qps * 2, async (call) => {
      outcomes.push({ call, outcome: await dispatch.execute(call) });
    });
    virtualMs += DIGEST_WINDOW_MS;
    digestsSent += (await dispatch.flushDigests(clientId)).sent;
  }
  const usage = (await (await fetch(`${sim.url}/_sim/dingtalk/apps/${clientId}/usage`)).json()) as { metered: number };
  const count = (pred: (o: { call: OutgoingCall; outcome: DispatchOutcome }) => boolean) => outcomes.filter(pred).length;
  const criticalQueued = count((o) => o.call.severity === 'Critical');
  const quotaAnswers = sim.calls().filter((c) => c.resultCode === 'Forbidden.AccessDenied.ApiCountLimitForOrg').length;
  console.log(`\nquota run: ${LEFT} calls left of ${QUOTA}, ${QUEUED} queued (${criticalQueued} Critical), ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`  calls made (simulator metered, incl. 1 card-route registration): ${usage.metered} [must be ≤ ${LEFT}]`);
  console.log(`  Criticals delivered: ${count((o) => o.call.severity === 'Critical' && o.outcome.kind === 'sent')} of ${criticalQueued}`);
  console.log(`  non-Critical sent before 95 %: ${count((o) => o.call.severity !== 'Critical' && o.outcome.kind === 'sent')}`);
  console.log(`  deferred into digests: ${count((o) => o.outcome.kind === 'deferred')}; digests sent: ${digestsSent}; lines still buffered: ${digests.pendingLines()}`);
  console.log(`  parked at 100 %: ${parkedQuota}; quota answers from DingTalk: ${quotaAnswers}; alerts: ${alerts.join(', ')}`);
  if (usage.metered > LEFT) throw new Error('quota run made more calls than were left');
}

async function main(): Promise<void> {
  const backlog = Number(process.env.BENCH_N ?? 2000);
  const caps = (process.env.BENCH_CAPS ?? '20,40,60').split(',').map(Number);
  const stack = await startLocalStack({ pollers: false, prefix: 'bench-dispatch-' });
  const sim = await createSimulator({ port: 0, log: () => undefined });
  try {
    const table = stack.env.STATE_TABLE_NAME as string;
    console.log(`dispatch bench: backlog ${backlog} card deliveries per cap, DynamoDB limiter on the local stack`);
    for (const cap of caps) await qpsRun(sim, table, cap, backlog);
    if (process.env.BENCH_SKIP_QUOTA !== '1') await quotaRun(sim, table);
  } finally {
    await sim.stop();
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
