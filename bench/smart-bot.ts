/**
 * `npm run bench:smart-bot`: issue 15's smart bot on the local stack and the simulator (real
 * handlers behind the local gateway, over HTTP; DynamoDB and SQS on the local servers).
 *
 *  1. The bot callback, signed and encrypted as WeCom sends it: a new message (opens the stream,
 *     queues the job, answers the unfinished stream) and a stream refresh (reads the stream),
 *     p50/p95/p99 against WeCom's 5-second answer deadline, sequential and at concurrency 8.
 *  2. End to end through the simulated WeCom (message → refresh polls every 50 ms → finish=true):
 *     `status` (deterministic) and a model question (the fake model streaming 8 chunks 20 ms apart),
 *     time to the first real content and to the finish.
 *  3. The SSE reader alone: a 2 MB event stream in 1,460-byte TCP-sized chunks, MB/s, beside the
 *     same bytes through JSON.parse alone (the floor any reader pays).
 *
 * Every number comes after a warm-up; the run count is printed next to it. Stack, simulator and
 * clients share one Node process, so concurrency 8 measures queueing on that thread.
 */
import './quiet';
import '../local/env-defaults';
import { randomBytes } from 'node:crypto';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startLocalStack } from '../local/stack';
import { createSimulator } from '../sim/server';
import { getDocumentClient, getSecretsManagerClient } from '../shared/adapters/aws/clients';
import { awsIntegrationAdmin } from '../shared/adapters/aws/integration-admin';
import { DynamoIntegrationRepository } from '../shared/adapters/aws/integration-repository';
import { DynamoLinkStore } from '../shared/adapters/aws/link-store';
import { secretsManagerWriter } from '../shared/adapters/aws/secrets';
import { readSse } from '../shared/adapters/model/sse';
import { SmartBotAdmin } from '../shared/application/smart-bot-admin';
import { queues } from '../shared/config/resources';
import { WeComCrypto } from '../shared/crypto';

const N = Number(process.env.BENCH_BOT_CALLBACKS ?? 300);
const E2E = Number(process.env.BENCH_BOT_CONVERSATIONS ?? 20);
const WARMUP = 20;
const W = 'bench-bot';
const BOT_ID = 'aibbench0001';
const bot = { token: 'BenchBotTok', encodingAesKey: 'Zx3mZc9LbT2hV7nY4rK8pW1sD6fG0jH5aE3uI9oP2lC' };
const corp = { corpId: 'wwbenchbot0001', agentId: 1000031, secret: 'bench-bot-secret', token: 'BenchBotApp', encodingAesKey: 'cW9yZXNlY3JldHNhcmViZXR0ZXJ0aGFuZmV3ZXJzZWM' };
const INCIDENT = 'INC-BENCH-77';

const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const row = (name: string, values: number[], extra = '') => {
  const s = [...values].sort((a, b) => a - b);
  return `  ${name.padEnd(52)} n=${String(s.length).padStart(4)}  p50 ${pct(s, 50).toFixed(2).padStart(8)}  p95 ${pct(s, 95).toFixed(2).padStart(8)}  p99 ${pct(s, 99).toFixed(2).padStart(8)} ms${extra}`;
};

async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

async function main(): Promise<void> {
  const stack = await startLocalStack({ pollers: true, prefix: 'bench-bot-' });
  const sim = await createSimulator({ port: 0 });
  const table = stack.env.STATE_TABLE_NAME as string;
  const crypto = new WeComCrypto({ token: bot.token, encodingAesKey: bot.encodingAesKey, receiveId: '' });
  try {
    const put = await fetch(`${sim.url}/_sim/wecom/corps/${corp.corpId}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...corp, users: [{ userId: 'ana', name: 'Ana', mobile: '+86-13800000091', email: 'ana@example.com' }] }) });
    if (put.status !== 200) throw new Error(`simulator corp: ${put.status}`);
    await awsIntegrationAdmin(table, stack.env.SECRET_NAME_PREFIX).addWeCom({ id: W, corpId: corp.corpId, agentId: String(corp.agentId), apiBase: sim.url, secret: corp.secret, token: corp.token, aesKey: corp.encodingAesKey });
    await new SmartBotAdmin(new DynamoIntegrationRepository(getDocumentClient(), table), secretsManagerWriter(getSecretsManagerClient())).set(W, {
      smartBot: { enabled: true, botId: BOT_ID },
      model: { enabled: true, baseUrl: `${sim.url}/_model/v1`, model: 'fake', timeoutSeconds: 20 },
      secrets: { botToken: bot.token, botEncodingAesKey: bot.encodingAesKey, modelApiKey: 'bench-model-key' },
    });
    await new DynamoLinkStore(getDocumentClient(), table).set({ integrationId: W, email: 'ana@example.com', userId: 'ana', linkedAt: Date.now() });
    await fetch(`${sim.url}/_sim/model`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiKey: 'bench-model-key', chunks: 8, chunkDelayMs: 20 }) });
    await fetch(`${sim.url}/_sim/wecom/bots/${BOT_ID}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...bot, callbackUrl: `${stack.gatewayUrl}/wecom/${W}/bot`, name: 'SRE' }) });
    const sqs = new SQSClient({ endpoint: stack.env.AWS_ENDPOINT_URL_SQS, useQueueUrlAsEndpoint: false });
    const eventsQueue = stack.env[queues.find((q) => q.id === 'incident-events')!.envKey] as string;
    await sqs.send(new SendMessageCommand({ QueueUrl: eventsQueue, MessageBody: JSON.stringify({ type: 'incident.triggered', incidentId: INCIDENT, version: 1, occurredAt: new Date().toISOString(), title: 'Bench incident', severity: 'Warning', responders: ['ana@example.com'], targets: [{ integrationId: W }] }) }));
    await new Promise((r) => setTimeout(r, 2000));

    const url = `${stack.gatewayUrl}/wecom/${W}/bot`;
    const post = async (plaintext: string): Promise<{ ms: number; stream: { id: string; finish: boolean; content: string } }> => {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const nonce = randomBytes(6).toString('hex');
      const encrypt = crypto.encrypt(plaintext);
      const t0 = process.hrtime.bigint();
      const res = await fetch(`${url}?msg_signature=${crypto.signature(timestamp, nonce, encrypt)}&timestamp=${timestamp}&nonce=${nonce}`, { method: 'POST', body: JSON.stringify({ encrypt }) });
      const body = (await res.json()) as { encrypt: string };
      const elapsed = ms(t0);
      if (res.status !== 200) throw new Error(`bot callback answered ${res.status}`);
      return { ms: elapsed, stream: (JSON.parse(crypto.decrypt(body.encrypt).message) as { stream: { id: string; finish: boolean; content: string } }).stream };
    };
    const message = (i: string, text = `status ${INCIDENT}`) => JSON.stringify({ msgid: `bench-${i}-${randomBytes(4).toString('hex')}`, aibotid: BOT_ID, chattype: 'single', from: { userid: 'ana' }, msgtype: 'text', text: { content: text } });
    const refresh = (id: string) => JSON.stringify({ msgid: `r-${randomBytes(6).toString('hex')}`, aibotid: BOT_ID, chattype: 'single', from: { userid: 'ana' }, msgtype: 'stream', stream: { id } });

    console.log(`smart bot callback (WeCom answers within 5,000 ms; local gateway + handler + DynamoDB + SQS, one process)`);
    const streamIds: string[] = [];
    for (let i = 0; i < WARMUP; i++) streamIds.push((await post(message(`w${i}`))).stream.id);
    const opened: number[] = [];
    for (let i = 0; i < N; i++) {
      const r = await post(message(String(i)));
      opened.push(r.ms);
      streamIds.push(r.stream.id);
    }
    console.log(row('new message (open stream, queue job), sequential', opened));
    const refreshed: number[] = [];
    for (let i = 0; i < N; i++) refreshed.push((await post(refresh(streamIds[i % streamIds.length]!))).ms);
    console.log(row('stream refresh (read stream), sequential', refreshed));
    const c8: number[] = [];
    const started = process.hrtime.bigint();
    await inParallel(Array.from({ length: N }, (_, i) => i), 8, async (i) => void c8.push((await post(i % 2 ? refresh(streamIds[i % streamIds.length]!) : message(`c${i}`))).ms));
    const wall = ms(started);
    console.log(row('half messages, half refreshes, concurrency 8', c8, `  (${((N / wall) * 1000).toFixed(0)} callbacks/s)`));

    console.log(`end to end through the simulated WeCom (refresh every 50 ms)`);
    const e2e = async (text: string, mustContain: string) => {
      const firstAt: number[] = [];
      const finishAt: number[] = [];
      for (let i = 0; i < WARMUP / 4 + E2E; i++) {
        const t0 = process.hrtime.bigint();
        const res = await fetch(`${sim.url}/_sim/wecom/bots/${BOT_ID}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'ana', chatType: 'single', msgtype: 'text', text, wait: true, refreshIntervalMs: 50 }) });
        const total = ms(t0);
        const conversation = (await res.json()) as { status: string; contents: string[]; final: string | null; refreshes: number };
        if (conversation.status !== 'finished') throw new Error(`conversation ${conversation.status}`);
        if (!conversation.final?.includes(mustContain)) throw new Error(`unexpected answer: ${conversation.final}`);
        if (i < WARMUP / 4) continue;
        // Refreshes before the first real content, times the poll interval: when it was first seen.
        const firstReal = conversation.contents.findIndex((c) => !c.includes('Working on it'));
        firstAt.push(firstReal * 50);
        finishAt.push(total);
      }
      return { firstAt, finishAt };
    };
    const status = await e2e(`status ${INCIDENT}`, INCIDENT);
    console.log(row('status: message → finish=true seen', status.finishAt));
    const model = await e2e(`what should I check first for ${INCIDENT}?`, `Summary of ${INCIDENT}`);
    console.log(row('model question (8 chunks × 20 ms): message → finish', model.finishAt));
    console.log(row('model question: polls before first content × 50 ms', model.firstAt));

    console.log(`SSE reader (shared/adapters/model/sse.ts), 2 MB in 1,460-byte chunks`);
    const event = `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: '处理中 processing ' }, finish_reason: null }] })}\n\n`;
    const bytes = new TextEncoder().encode(event.repeat(Math.ceil((2 * 1024 * 1024) / Buffer.byteLength(event))));
    const runs: number[] = [];
    const floor: number[] = [];
    for (let r = 0; r < 12; r++) {
      const t0 = process.hrtime.bigint();
      let n = 0;
      const stream = new ReadableStream<Uint8Array>({ start(c) { for (let i = 0; i < bytes.length; i += 1460) c.enqueue(bytes.subarray(i, i + 1460)); c.close(); } });
      for await (const e of readSse(stream)) n += (JSON.parse(e.data) as { choices: unknown[] }).choices.length;
      const t1 = process.hrtime.bigint();
      let m = 0;
      const count = Math.ceil(bytes.length / Buffer.byteLength(event));
      const data = event.slice(6, -2);
      for (let i = 0; i < count; i++) m += (JSON.parse(data) as { choices: unknown[] }).choices.length;
      const t2 = process.hrtime.bigint();
      if (r >= 2) {
        runs.push(Number(t1 - t0) / 1e6);
        floor.push(Number(t2 - t1) / 1e6);
      }
      if (n !== m) throw new Error('reader lost events');
    }
    const mb = bytes.length / 1024 / 1024;
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(`  readSse + JSON.parse: ${(mb / (med(runs) / 1000)).toFixed(1)} MB/s; JSON.parse alone: ${(mb / (med(floor) / 1000)).toFixed(1)} MB/s; ratio ${(med(runs) / med(floor)).toFixed(2)}× (n=${runs.length}, median)`);
  } finally {
    await sim.stop();
    await stack.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
