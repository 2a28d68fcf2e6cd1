/**
 * `npm run bench:callback`: warm p50/p99 latency of each callback route through the local gateway
 * (HTTP, real crypto, DynamoDB and SQS on the local servers), with the AWS round trips each request
 * makes, and the cold path: a fresh `node` process that imports the bundled wecom-callback handler
 * and serves one WeCom GET verification. Targets: warm p99 ≤ 10 ms, cold ≤ 150 ms.
 *
 * The DingTalk card click is a real one: dutybridge delivers an incident card (notify → dispatch →
 * the simulator) to a linked user's robot chat, the simulator clicks Snooze 2h and then Start
 * Processing on it (signed x-ddpaas-signature callbacks to the registered route), and the timed
 * clicks send those two exact bodies again, alternately, each with a fresh signed timestamp. Every
 * timed click therefore does the whole work: card and link lookups, a compare-and-swap transition,
 * the incident.action publish and the card refresh requests; the bench checks the incident's
 * revision grew by one per click. The queue pollers are stopped while timing, as on Lambda, where
 * the refresh and dispatch work runs in other instances.
 */
import './quiet';
import '../local/env-defaults';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { registerDingTalkCardCallback } from '../cli/register-card-callback';
import { localHandlers } from '../local/handlers';
import { startQueuePollers } from '../local/pollers';
import { startLocalStack, type LocalStack } from '../local/stack';
import { getDocumentClient, getSecretsManagerClient, getSqsClient } from '../shared/adapters/aws/clients';
import { DynamoIncidentRepository } from '../shared/adapters/aws/incident-repository';
import { awsIntegrationAdmin } from '../shared/adapters/aws/integration-admin';
import { DynamoLinkStore } from '../shared/adapters/aws/link-store';
import { queues } from '../shared/config/resources';
import { DingTalkCrypto, WeComCrypto, dingTalkCardSignature } from '../shared/crypto';
import type { ConversationItem } from '../sim/core/contract';
import { createSimulator, type Simulator } from '../sim/server';
import { bundleFunction, ROOT } from './bundle';
import { describeSteps, instrument, sequentialSteps, stats, wrapHandlers, type Trace } from './round-trips';

const W = { id: 'bench-wecom', corpId: 'wwbench0001', token: 'BenchToken', aesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const D = { id: 'bench-ding', clientId: 'dingbench01', token: 'BenchDing1', aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus', cardApiSecret: 'bench-card-secret' };
/** The DingTalk app whose real card is clicked (registered in the simulator and in dutybridge). */
const C = {
  id: 'bench-ding-cards',
  corpId: 'dingbenchcorp',
  clientId: 'dingbenchcards',
  clientSecret: 'bench-cards-secret',
  token: 'BenchCards1',
  aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus',
  cardApiSecret: 'bench-cards-api-secret',
};
const LINA = { userId: 'lina', name: '李娜', mobile: '+86-13800000002', email: 'lina@example.com', unionId: 'u-lina' };
const INCIDENT_ID = 'bench-click-1';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Traces of finished gateway invocations, in order (requests are sent one at a time). */
const finished: Trace[] = [];

async function measure(name: string, n: number, request: () => Promise<Response>, check?: (res: Response, text: string) => void): Promise<Trace[]> {
  for (let i = 0; i < 50; i++) await (await request()).arrayBuffer(); // warm-up
  finished.length = 0;
  const times: number[] = [];
  const traces: Trace[] = [];
  for (let i = 0; i < n; i++) {
    const started = process.hrtime.bigint();
    const res = await request();
    const text = await res.text();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (res.status !== 200) throw new Error(`${name}: status ${res.status} ${text}`);
    check?.(res, text);
    const trace = finished.shift();
    if (!trace || finished.length > 0) throw new Error(`${name}: expected one handler invocation per request`);
    traces.push(trace);
  }
  times.sort((a, b) => a - b);
  console.log(`${name.padEnd(34)} n=${n}  p50 ${percentile(times, 50).toFixed(2)} ms  p99 ${percentile(times, 99).toFixed(2)} ms  max ${(times[times.length - 1] as number).toFixed(2)} ms`);
  const ddb = traces.map((t) => t.trips.filter((r) => r.service === 'dynamodb'));
  const total = stats(ddb.map((trips) => trips.length));
  const depth = stats(ddb.map((trips) => sequentialSteps(trips).length));
  const range = (s: { min: number; max: number }) => (s.min === s.max ? '' : ` (min ${s.min}, max ${s.max})`);
  console.log(`${''.padEnd(36)}DynamoDB round trips per request: ${total.median} total${range(total)}, ${depth.median} sequential${range(depth)}`);
  return traces;
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
}

/**
 * Delivers a real incident card to a linked user through the whole pipeline and has the simulator
 * click it twice (Snooze 2h, then Start Processing); returns the two callback bodies the simulator
 * sent, exactly as DingTalk sends them.
 */
async function realCardClicks(stack: LocalStack, sim: Simulator): Promise<{ snooze: string; acknowledge: string }> {
  const put = await fetch(`${sim.url}/_sim/dingtalk/apps/${C.clientId}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ corpId: C.corpId, clientId: C.clientId, clientSecret: C.clientSecret, token: C.token, aesKey: C.aesKey, robotCode: C.clientId, eventsUrl: `${stack.gatewayUrl}/dingtalk/${C.id}/events`, users: [LINA] }),
  });
  if (put.status !== 200) throw new Error(`simulator app: ${put.status} ${await put.text()}`);
  const table = stack.env.STATE_TABLE_NAME as string;
  const admin = awsIntegrationAdmin(table, stack.env.SECRET_NAME_PREFIX);
  const integration = await admin.addDingTalk({
    id: C.id,
    clientId: C.clientId,
    clientSecret: C.clientSecret,
    token: C.token,
    aesKey: C.aesKey,
    cardApiSecret: C.cardApiSecret,
    robotCode: C.clientId,
    corpId: C.corpId,
    cardTemplateId: 'dutybridge-incident-card',
    apiBase: sim.url,
    oapiBase: sim.url,
  });
  if (integration.platform !== 'dingtalk') throw new Error('unexpected platform');
  await registerDingTalkCardCallback(integration, { clientSecret: C.clientSecret, token: C.token, aesKey: C.aesKey, cardApiSecret: C.cardApiSecret }, stack.gatewayUrl, table);
  await new DynamoLinkStore(getDocumentClient(), table).set({ integrationId: C.id, email: LINA.email, userId: LINA.userId, linkedAt: Date.now() });

  // The queue pollers (Lambda's event source mappings) run only while the card is delivered.
  const sqs = new SQSClient({ endpoint: stack.env.AWS_ENDPOINT_URL_SQS, useQueueUrlAsEndpoint: false });
  const pollers = startQueuePollers({ sqs, queueUrls: Object.fromEntries(queues.map((q) => [q.id, stack.env[q.envKey] as string])) });
  try {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.env.INCIDENT_EVENTS_QUEUE_URL,
        MessageBody: JSON.stringify({
          type: 'incident.triggered',
          incidentId: INCIDENT_ID,
          version: 1,
          occurredAt: new Date().toISOString(),
          title: 'Checkout latency p99 above 2 s',
          severity: 'Critical',
          responders: [LINA.email],
          targets: [{ integrationId: C.id, persons: [LINA.email] }],
        }),
      }),
    );
    const linaCard = () => (sim.conversations() as ConversationItem[]).filter((i) => i.platform === 'dingtalk' && i.conversation === `user:${LINA.userId}` && i.card).pop()?.card;
    const deadline = Date.now() + 30_000;
    while (!linaCard()) {
      if (Date.now() > deadline) throw new Error('the incident card never reached the simulator');
      await new Promise((r) => setTimeout(r, 50));
    }
    const cardId = (linaCard() as { cardId: string }).cardId;
    const bodies: Record<string, string> = {};
    for (const buttonKey of ['snooze:120', 'acknowledge']) {
      const before = sim.calls().length;
      const res = await fetch(`${sim.url}/_sim/click`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ platform: 'dingtalk', orgId: C.corpId, userId: LINA.userId, cardId, buttonKey }),
      });
      const outcome = (await res.json()) as { status?: number; body?: string };
      if (res.status !== 200 || outcome.status !== 200) throw new Error(`simulator click ${buttonKey}: ${res.status} ${JSON.stringify(outcome)}`);
      const sent = sim.calls().slice(before).find((c) => c.endpoint === 'push:card/callback');
      if (!sent) throw new Error(`simulator click ${buttonKey}: no callback recorded`);
      bodies[buttonKey] = JSON.stringify(sent.requestBody);
    }
    const incident = await new DynamoIncidentRepository(getDocumentClient(), table).get(INCIDENT_ID);
    if (incident?.status !== 'Processing') throw new Error(`after the simulator's clicks the incident is ${incident?.status}, expected Processing`);
    return { snooze: bodies['snooze:120'] as string, acknowledge: bodies.acknowledge as string };
  } finally {
    await pollers.stop();
    sqs.destroy();
  }
}

async function main(): Promise<void> {
  const n = Number(process.env.BENCH_N ?? 1000);
  // The per-clicker and per-incident click limits (10 and 30 a minute by default) are still checked
  // on every click (their DynamoDB counters are part of the path) but set high enough not to refuse
  // one user clicking one card as fast as the bench can.
  process.env.CARD_CLICKS_PER_USER_PER_MINUTE ??= '1000000';
  process.env.CARD_CLICKS_PER_INCIDENT_PER_MINUTE ??= '1000000';
  const stack = await startLocalStack({ pollers: false, prefix: 'bench-' });
  const sim = await createSimulator({ port: 0 });
  try {
    const table = stack.env.STATE_TABLE_NAME as string;
    const admin = awsIntegrationAdmin(table, stack.env.SECRET_NAME_PREFIX);
    await admin.addWeCom({ id: W.id, corpId: W.corpId, agentId: '1', apiBase: 'http://127.0.0.1:9', secret: 's', token: W.token, aesKey: W.aesKey });
    await admin.addDingTalk({ id: D.id, clientId: D.clientId, clientSecret: 's', token: D.token, aesKey: D.aesKey, cardApiSecret: D.cardApiSecret, apiBase: 'http://127.0.0.1:9' });
    const clicks = await realCardClicks(stack, sim);

    // From here on every AWS call a gateway invocation makes is recorded into that invocation's trace.
    instrument(getDocumentClient(), 'dynamodb');
    instrument(getSqsClient(), 'sqs');
    instrument(getSecretsManagerClient(), 'secrets');
    wrapHandlers(localHandlers, ['wecom-callback', 'dingtalk-events', 'dingtalk-cards'], (_name, trace) => finished.push(trace));

    const wecom = new WeComCrypto({ token: W.token, encodingAesKey: W.aesKey, receiveId: W.corpId });
    const ding = new DingTalkCrypto({ token: D.token, aesKey: D.aesKey, ownerKey: D.clientId });
    const base = stack.gatewayUrl;
    const runId = Date.now();
    let seq = 0;

    console.log(`warm latency through the local gateway (HTTP keep-alive, ${n} requests each after 50 warm-up) [target p99 <= 10 ms]`);
    // WeCom timestamps are seconds and must be within 10 minutes of now.
    const wecomTs = () => String(Math.floor(Date.now() / 1000));
    const echostr = wecom.encrypt('1616140317555161061');
    const getQuery = (ts = wecomTs()) => `msg_signature=${wecom.signature(ts, 'n', echostr)}&timestamp=${ts}&nonce=n&echostr=${encodeURIComponent(echostr)}`;
    await measure('WeCom GET verify', n, () => fetch(`${base}/wecom/${W.id}/callback?${getQuery()}`));

    await measure('WeCom POST event', n, () => {
      const i = seq++;
      const xml = `<xml><ToUserName><![CDATA[${W.corpId}]]></ToUserName><FromUserName><![CDATA[user${i}]]></FromUserName><CreateTime>${runId}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[ack]]></EventKey><TaskId><![CDATA[t${i}]]></TaskId></xml>`;
      const ts = wecomTs();
      const { body, msgSignature } = wecom.encryptCallback(xml, { toUserName: W.corpId, timestamp: ts, nonce: `n${i}` });
      return fetch(`${base}/wecom/${W.id}/callback?msg_signature=${msgSignature}&timestamp=${ts}&nonce=n${i}`, { method: 'POST', body, headers: { 'content-type': 'text/xml' } });
    });

    let lastTs = 0;
    /** Epoch milliseconds, fresh and distinct per request (timestamps are checked and signatures are single use). */
    const freshMs = () => String((lastTs = Math.max(Date.now(), lastTs + 1)));
    await measure('DingTalk event', n, () => {
      const i = seq++;
      const encrypt = ding.encrypt(JSON.stringify({ EventType: 'chat_update_title', eventId: `ev-${runId}-${i}`, openConversationId: 'cid', title: 't' }));
      const ts = freshMs();
      return post(`${base}/dingtalk/${D.id}/events?msg_signature=${ding.signature(ts, 'n', encrypt)}&timestamp=${ts}&nonce=n`, JSON.stringify({ encrypt }), {});
    });

    // The real card click: Snooze 2h and Start Processing alternate, so every click is a transition.
    const incidents = new DynamoIncidentRepository(getDocumentClient(), table);
    const revisionBefore = (await incidents.get(INCIDENT_ID))?.revision ?? 0;
    let clicksSent = 0;
    const clickTraces = await measure(
      'DingTalk card click (real card)',
      n,
      () => {
        const body = clicksSent++ % 2 === 0 ? clicks.snooze : clicks.acknowledge;
        const ts = freshMs();
        return post(`${base}/dingtalk/${C.id}/cards`, body, { 'x-ddpaas-signature-timestamp': ts, 'x-ddpaas-signature': dingTalkCardSignature(C.cardApiSecret, ts) });
      },
      (_res, text) => {
        const answer = JSON.parse(text) as { cardData?: { cardParamMap?: { status?: string } } };
        if (!answer.cardData?.cardParamMap?.status) throw new Error(`click answered without the clicker's card update: ${text}`);
      },
    );
    const revisionAfter = (await incidents.get(INCIDENT_ID))?.revision ?? 0;
    if (revisionAfter - revisionBefore !== clicksSent) throw new Error(`${clicksSent} clicks made ${revisionAfter - revisionBefore} transitions`);
    const per = (pred: (service: string, target: string) => boolean) => stats(clickTraces.map((t) => t.trips.filter((r) => pred(r.service, r.target)).length));
    const ddb = per((s) => s === 'dynamodb');
    const ddbDepth = stats(clickTraces.map((t) => sequentialSteps(t.trips.filter((r) => r.service === 'dynamodb')).length));
    const all = per(() => true);
    const allDepth = stats(clickTraces.map((t) => sequentialSteps(t.trips).length));
    const actions = per((s, q) => s === 'sqs' && q.includes('incident-actions'));
    const refreshes = per((s, q) => s === 'sqs' && q.includes('card-refresh'));
    const secretsCalls = per((s) => s === 'secrets');
    console.log(`  each click a transition: incident revision ${revisionBefore} → ${revisionAfter} over ${clicksSent} clicks (incl. 50 warm-up), alternating Snooze 2h / Start Processing`);
    console.log(
      `  per click, all AWS round trips: ${all.min === all.max ? all.min : `${all.min}–${all.max}`} total, ${allDepth.min === allDepth.max ? allDepth.min : `${allDepth.min}–${allDepth.max}`} sequential; of them DynamoDB ${ddb.median} total, ${ddbDepth.median} sequential; SQS action publish ${actions.min === actions.max ? actions.min : `${actions.min}–${actions.max}`}, refresh requests ${refreshes.min}–${refreshes.max}; Secrets Manager ${secretsCalls.max}`,
    );
    // Click k (counting the 50 warm-up clicks) is a Snooze 2h when k is even.
    for (const [name, parity] of [['Snooze 2h', 0], ['Start Processing', 1]] as const) {
      const group = clickTraces.filter((_t, i) => (i + 50) % 2 === parity);
      const median = stats(group.map((t) => t.trips.length)).median;
      const sample = group.find((t) => t.trips.length === median);
      if (sample) console.log(`  critical path of a ${name} click (${median} round trips): ${describeSteps(sequentialSteps(sample.trips))}`);
    }

    // Cold: a fresh process imports the minified bundle and serves one GET verification.
    const { file, bytes } = bundleFunction('wecom-callback');
    const script = path.join(ROOT, '.build', 'bench', 'cold-wecom-get.js');
    writeFileSync(
      script,
      `const t0 = process.hrtime.bigint();
const { handler } = require(${JSON.stringify(file)});
const t1 = process.hrtime.bigint();
handler({ version: '2.0', rawPath: '/wecom/${W.id}/callback', rawQueryString: ${JSON.stringify(getQuery())}, headers: {}, pathParameters: { integrationId: '${W.id}' },
  requestContext: { http: { method: 'GET', path: '/' } }, isBase64Encoded: false }, { functionName: 'wecom-callback', getRemainingTimeInMillis: () => 5000 })
  .then((r) => { const t2 = process.hrtime.bigint(); if (r.statusCode !== 200) { console.error(JSON.stringify(r)); process.exit(1); }
    console.log(JSON.stringify({ importMs: Number(t1 - t0) / 1e6, firstRequestMs: Number(t2 - t1) / 1e6 })); });`,
    );
    const colds: { total: number; importMs: number; firstRequestMs: number }[] = [];
    for (let i = 0; i < 5; i++) {
      // Asynchronous spawn: the local DynamoDB and Secrets Manager run in this process and must keep answering.
      const started = process.hrtime.bigint();
      const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [script], { env: { ...process.env, ...stack.env, POWERTOOLS_LOG_LEVEL: 'ERROR', POWERTOOLS_METRICS_DISABLED: 'true' } });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.on('exit', (status) => resolve({ status, stdout, stderr }));
      });
      const total = Number(process.hrtime.bigint() - started) / 1e6;
      if (r.status !== 0) throw new Error(`cold run failed: ${r.stderr.split('\n').filter((l) => l.length < 400).join('\n')}${r.stdout}`);
      colds.push({ total, ...(JSON.parse(r.stdout.trim().split('\n').pop()!) as { importMs: number; firstRequestMs: number }) });
    }
    colds.sort((a, b) => a.total - b.total);
    const mid = colds[2]!;
    console.log(`\ncold WeCom GET verify (fresh node process, bundle ${(bytes / 1024).toFixed(0)} KB), median of 5 [target <= 150 ms]:`);
    console.log(`  import ${mid.importMs.toFixed(1)} ms + first request ${mid.firstRequestMs.toFixed(1)} ms (DynamoDB read + Secrets Manager read) = ${(mid.importMs + mid.firstRequestMs).toFixed(1)} ms; whole process incl. node boot ${mid.total.toFixed(1)} ms`);
  } finally {
    await sim.stop();
    await stack.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
