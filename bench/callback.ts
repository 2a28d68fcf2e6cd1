/**
 * `npm run bench:callback`: warm p50/p99 latency of each callback route through the local gateway
 * (HTTP, real crypto, DynamoDB de-duplication and SQS enqueue on the local servers), and the cold
 * path: a fresh `node` process that imports the bundled wecom-callback handler and serves one WeCom
 * GET verification. Targets: warm p99 ≤ 10 ms, cold ≤ 150 ms.
 */
import './quiet';
import '../local/env-defaults';
import { awsIntegrationAdmin } from '../shared/adapters/aws/integration-admin';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startLocalStack } from '../local/stack';
import { DingTalkCrypto, WeComCrypto, dingTalkCardSignature } from '../shared/crypto';
import { bundleFunction, ROOT } from './bundle';

const W = { id: 'bench-wecom', corpId: 'wwbench0001', token: 'BenchToken', aesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const D = { id: 'bench-ding', clientId: 'dingbench01', token: 'BenchDing1', aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus', cardApiSecret: 'bench-card-secret' };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(name: string, n: number, request: (i: number) => Promise<Response>, expectStatus = 200): Promise<void> {
  for (let i = 0; i < 50; i++) await (await request(-1 - i)).arrayBuffer(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = process.hrtime.bigint();
    const res = await request(i);
    await res.arrayBuffer();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (res.status !== expectStatus) throw new Error(`${name}: status ${res.status}`);
  }
  times.sort((a, b) => a - b);
  console.log(`${name.padEnd(28)} n=${n}  p50 ${percentile(times, 50).toFixed(2)} ms  p99 ${percentile(times, 99).toFixed(2)} ms  max ${times[times.length - 1].toFixed(2)} ms`);
}

async function main(): Promise<void> {
  const n = Number(process.env.BENCH_N ?? 1000);
  const stack = await startLocalStack({ pollers: false, prefix: 'bench-' });
  try {
    const admin = awsIntegrationAdmin(stack.env.STATE_TABLE_NAME, stack.env.SECRET_NAME_PREFIX);
    await admin.addWeCom({ id: W.id, corpId: W.corpId, agentId: '1', apiBase: 'http://127.0.0.1:9', secret: 's', token: W.token, aesKey: W.aesKey });
    await admin.addDingTalk({ id: D.id, clientId: D.clientId, clientSecret: 's', token: D.token, aesKey: D.aesKey, cardApiSecret: D.cardApiSecret, apiBase: 'http://127.0.0.1:9' });
    const wecom = new WeComCrypto({ token: W.token, encodingAesKey: W.aesKey, receiveId: W.corpId });
    const ding = new DingTalkCrypto({ token: D.token, aesKey: D.aesKey, ownerKey: D.clientId });
    const base = stack.gatewayUrl;
    const runId = Date.now();

    console.log(`warm latency through the local gateway (HTTP keep-alive, ${n} requests each) [target p99 <= 10 ms]`);
    const echostr = wecom.encrypt('1616140317555161061');
    const getQuery = `msg_signature=${wecom.signature('1700000000', 'n', echostr)}&timestamp=1700000000&nonce=n&echostr=${encodeURIComponent(echostr)}`;
    await measure('WeCom GET verify', n, () => fetch(`${base}/wecom/${W.id}/callback?${getQuery}`));

    await measure('WeCom POST event', n, (i) => {
      const xml = `<xml><ToUserName><![CDATA[${W.corpId}]]></ToUserName><FromUserName><![CDATA[user${i}]]></FromUserName><CreateTime>${runId}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[ack]]></EventKey><TaskId><![CDATA[t${i}]]></TaskId></xml>`;
      const { body, msgSignature } = wecom.encryptCallback(xml, { toUserName: W.corpId, timestamp: '1700000000', nonce: `n${i}` });
      return fetch(`${base}/wecom/${W.id}/callback?msg_signature=${msgSignature}&timestamp=1700000000&nonce=n${i}`, { method: 'POST', body, headers: { 'content-type': 'text/xml' } });
    });

    await measure('DingTalk event', n, (i) => {
      const encrypt = ding.encrypt(JSON.stringify({ EventType: 'chat_update_title', eventId: `ev-${runId}-${i}`, openConversationId: 'cid', title: 't' }));
      const ts = String(runId + i);
      return fetch(`${base}/dingtalk/${D.id}/events?msg_signature=${ding.signature(ts, 'n', encrypt)}&timestamp=${ts}&nonce=n`, { method: 'POST', body: JSON.stringify({ encrypt }), headers: { 'content-type': 'application/json' } });
    });

    await measure('DingTalk card callback', n, (i) => {
      const ts = String(Date.now());
      const body = JSON.stringify({ type: 'actionCallback', outTrackId: `inc-${i}`, userId: 'u1', content: '{"cardPrivateData":{"actionIds":["ack"],"params":{}}}' });
      return fetch(`${base}/dingtalk/${D.id}/cards`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-ddpaas-signature-timestamp': ts, 'x-ddpaas-signature': dingTalkCardSignature(D.cardApiSecret, ts) } });
    });

    // Cold: a fresh process imports the minified bundle and serves one GET verification.
    const { file, bytes } = bundleFunction('wecom-callback');
    const script = path.join(ROOT, '.build', 'bench', 'cold-wecom-get.js');
    writeFileSync(
      script,
      `const t0 = process.hrtime.bigint();
const { handler } = require(${JSON.stringify(file)});
const t1 = process.hrtime.bigint();
handler({ version: '2.0', rawPath: '/wecom/${W.id}/callback', rawQueryString: ${JSON.stringify(getQuery)}, headers: {}, pathParameters: { integrationId: '${W.id}' },
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
    const mid = colds[2];
    console.log(`\ncold WeCom GET verify (fresh node process, bundle ${(bytes / 1024).toFixed(0)} KB), median of 5 [target <= 150 ms]:`);
    console.log(`  import ${mid.importMs.toFixed(1)} ms + first request ${mid.firstRequestMs.toFixed(1)} ms (DynamoDB read + Secrets Manager read) = ${(mid.importMs + mid.firstRequestMs).toFixed(1)} ms; whole process incl. node boot ${mid.total.toFixed(1)} ms`);
  } finally {
    await stack.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
