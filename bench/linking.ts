/**
 * `npm run bench:linking`: issue 11's new paths on the local stack and the simulator (real handlers
 * behind the local gateway, over HTTP; DynamoDB, SQS and Secrets Manager on the local servers).
 *
 *  1. The WeCom linking page, end to end, for distinct users: opened inside the simulated client →
 *     homepage → OAuth authorize (simulator) → callback → auto-match by mobile → "Linked.". Latency
 *     of each hop and of the whole flow (p50/p95/p99), flows per second at concurrency 1 and 8, and
 *     the "already linked" fast path (the same flow for a user who is linked).
 *  2. Group bots: one incident posted to a WeCom robot with 10 responders @mentioned by phone, end
 *     to end through the notify function (event published → text in the robot's group) and as the
 *     use case alone; then a burst of 100 alerts to one robot: 20 posted per rolling minute
 *     (WeCom robot ≤ 20 msgs/min, DOC-99110), the rest in digest lines, none dropped, and the cost
 *     per alert. The burst runs on the simulator's clock (no real minutes waited).
 *  3. One-Click Link over 500 members (the simulator corp has 450 of them; 10% unknown): time,
 *     lookups per second, and the stop at the day's miss cap (10% of headcount).
 *
 * Every number comes after a warm-up; run counts are printed next to each number. The stack, the
 * simulator and the clients share one Node process (one CPU thread), so concurrency 8 measures
 * queueing on that thread more than the handlers' parallel capacity on Lambda.
 */
import './quiet';
import '../local/env-defaults';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startLocalStack } from '../local/stack';
import { createSimulator, type Simulator } from '../sim/server';
import type { ConversationItem } from '../sim/core/contract';
import { getDocumentClient, getSecretsManagerClient } from '../shared/adapters/aws/clients';
import { awsIntegrationAdmin } from '../shared/adapters/aws/integration-admin';
import { DynamoBotRegistry } from '../shared/adapters/aws/bot-registry';
import { DynamoIntegrationRepository } from '../shared/adapters/aws/integration-repository';
import { DynamoLinkStore } from '../shared/adapters/aws/link-store';
import { DynamoMemberDirectory } from '../shared/adapters/aws/member-directory';
import { DynamoOperationLog } from '../shared/adapters/aws/operation-log';
import { secretsManagerWriter } from '../shared/adapters/aws/secrets';
import { LinkingAdmin } from '../shared/application/linking-admin';
import { createGroupBotAlerts, flushGroupBotDigests } from '../shared/bot-composition';
import { createOneClickLink } from '../shared/auto-link-composition';
import type { Incident } from '../shared/domain/incident';
import { botsCommand } from '../cli/bots';
import { queues } from '../shared/config/resources';
import { CookieJar } from '../test/support/cookie-jar';

const FLOWS = Number(process.env.BENCH_FLOWS ?? 200);
const WARMUP = 20;
const corp = { corpId: 'wwbenchlink01', agentId: 1000021, secret: 'bench-link-secret', token: 'BenchLinkToken', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const W = 'bench-link';

const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const row = (name: string, values: number[], extra = '') => {
  const s = [...values].sort((a, b) => a - b);
  return `  ${name.padEnd(46)} n=${String(s.length).padStart(4)}  p50 ${pct(s, 50).toFixed(2).padStart(7)}  p95 ${pct(s, 95).toFixed(2).padStart(7)}  p99 ${pct(s, 99).toFixed(2).padStart(7)} ms${extra}`;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function hopName(url: string): string {
  if (url.includes('/_sim/wecom/client')) return 'open in client (simulator)';
  if (url.includes('/connect/oauth2/authorize')) return 'OAuth authorize (simulator)';
  if (url.includes('/callback')) return 'callback';
  if (url.includes('/link/wecom/')) return 'homepage → OAuth redirect';
  return 'other';
}

/** One flow inside the simulated WeCom client, each redirect hop timed; the final page is checked. */
async function linkFlow(sim: Simulator, gateway: string, user: string, expect: string): Promise<{ total: number; hops: [string, number][] }> {
  const jar = new CookieJar();
  const hops: [string, number][] = [];
  const started = process.hrtime.bigint();
  let next = `${sim.url}/_sim/wecom/client?user=${user}&url=${encodeURIComponent(`${gateway}/link/wecom/${W}`)}`;
  for (let i = 0; i < 10; i++) {
    const t0 = process.hrtime.bigint();
    const res = await jar.fetch(next, { headers: { 'accept-language': 'en' } });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      hops.push([hopName(next), ms(t0)]);
      next = new URL(location, next).toString();
      continue;
    }
    const html = await res.text();
    hops.push([hopName(next), ms(t0)]);
    if (res.status !== 200 || !html.includes(expect)) throw new Error(`${user}: ${res.status} at ${next} without "${expect}": ${html.slice(0, 300)}`);
    return { total: ms(started), hops };
  }
  throw new Error(`${user}: too many redirects`);
}

async function flows(sim: Simulator, gateway: string, users: string[], concurrency: number, expect: string) {
  const results: { total: number; hops: [string, number][] }[] = [];
  let i = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (i < users.length) results.push(await linkFlow(sim, gateway, users[i++] as string, expect));
    }),
  );
  return { results, perSecond: users.length / (ms(started) / 1000) };
}

async function main(): Promise<void> {
  const stack = await startLocalStack({ pollers: true, prefix: 'bench-link-' });
  const sim = await createSimulator({ port: 0 });
  const table = stack.env.STATE_TABLE_NAME as string;
  const client = getDocumentClient();
  try {
    // 1 warm-up + 3 timed blocks of distinct users, all members with the same mobile as their WeCom account.
    const linkUsers = Array.from({ length: WARMUP + 3 * FLOWS }, (_, i) => ({ userId: `lk${i}`, name: `Link ${i}`, mobile: `+86-137${String(i).padStart(8, '0')}`, email: `lk${i}@example.com` }));
    const responders = Array.from({ length: 10 }, (_, i) => ({ userId: `rs${i}`, name: `Responder ${i}`, mobile: `+86-136${String(i).padStart(8, '0')}`, email: `rs${i}@example.com` }));
    // One-Click Link: 500 members, every 10th unknown to the corp (50 = 10%).
    const ocMembers = Array.from({ length: 500 }, (_, i) => ({ email: `oc${String(i).padStart(3, '0')}@example.com`, name: `OC ${i}`, mobile: `+86-135${String(i).padStart(8, '0')}` }));
    const ocUsers = ocMembers.filter((_, i) => i % 10 !== 9).map((m, i) => ({ userId: `oc${i}`, name: m.name, mobile: m.mobile, email: m.email }));
    const robots = Array.from({ length: 27 }, (_, i) => ({ key: `benchrobotkey${String(i).padStart(3, '0')}`, name: `Robot ${i}`, chatId: `benchgroup${i}` }));
    const put = await fetch(`${sim.url}/_sim/wecom/corps/${corp.corpId}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...corp, users: [...linkUsers, ...responders, ...ocUsers], robots }) });
    if (put.status !== 200) throw new Error(`simulator corp: ${put.status} ${await put.text()}`);
    const admin = awsIntegrationAdmin(table, stack.env.SECRET_NAME_PREFIX);
    for (const id of [W, 'bench-oc-warm', 'bench-oc-1', 'bench-oc-2', 'bench-oc-3']) {
      await admin.addWeCom({ id, corpId: corp.corpId, agentId: String(corp.agentId), apiBase: sim.url, secret: corp.secret, token: corp.token, aesKey: corp.encodingAesKey });
    }
    await new LinkingAdmin(new DynamoIntegrationRepository(client, table), secretsManagerWriter(getSecretsManagerClient())).set(W, { oauthBase: sim.url });
    const members = new DynamoMemberDirectory(client, table);
    const upsert = async (list: { email: string; name: string; mobile: string }[]) => {
      for (let i = 0; i < list.length; i += 25) await Promise.all(list.slice(i, i + 25).map((m) => members.upsert({ email: m.email, name: m.name, mobile: m.mobile, updatedAt: Date.now() })));
    };
    await upsert(ocMembers);
    const out3: string[] = [];
    // ── 3. One-Click Link ──────────────────────────────────────────────────────────────────────
    // Runs first, while the directory holds exactly the 500 members; each run on its own integration (the day's miss budget is per integration).
    const useCase = createOneClickLink(table);
    const lookupCalls = () => sim.calls().filter((c) => c.platform === 'wecom' && (c.endpoint === 'user/getuserid' || c.endpoint === 'user/get_userid_by_email')).length;
    const runs: { ms: number; lookups: number; linkedN: number; notFound: number; notTried: number; budget: number; stopped: boolean; headcount: number }[] = [];
    for (const id of ['bench-oc-warm', 'bench-oc-1', 'bench-oc-2', 'bench-oc-3']) {
      const calls0 = lookupCalls();
      const t0 = process.hrtime.bigint();
      const report = await useCase.run((await admin.get(id))!, { headcount: 500 });
      const elapsed = ms(t0);
      const count = (o: string) => report.results.filter((r) => r.outcome === o).length;
      if (id !== 'bench-oc-warm') runs.push({ ms: elapsed, lookups: lookupCalls() - calls0, linkedN: count('linked'), notFound: count('not_found'), notTried: count('not_tried'), budget: report.budget, stopped: report.stoppedAtBudget, headcount: report.headcount });
    }
    const m = runs.map((r) => r.ms);
    const r0 = runs[0]!;
    out3.push(`\n3. One-Click Link, 500 members in the directory (every 10th, 50, unknown to WeCom), headcount 500, 1 warm-up + ${runs.length} runs`);
    out3.push(`  time ${m.map((x) => x.toFixed(0)).join(' / ')} ms (median ${median(m).toFixed(0)}); lookups ${runs.map((r) => r.lookups).join(' / ')}; ${(r0.lookups / (median(m) / 1000)).toFixed(0)} lookups/s`);
    out3.push(`  outcome: linked ${r0.linkedN}, not found ${r0.notFound}, not tried ${r0.notTried}; misses cap ${r0.budget} (10% of ${r0.headcount}) ${r0.stopped ? 'reached: run stopped' : 'not reached'}`);
    await upsert([...linkUsers, ...responders]);

    // ── 1. Linking page ────────────────────────────────────────────────────────────────────────
    const gw = stack.gatewayUrl;
    const ids = linkUsers.map((u) => u.userId);
    await flows(sim, gw, ids.slice(0, WARMUP), 1, 'Linked.');
    const c1 = await flows(sim, gw, ids.slice(WARMUP, WARMUP + FLOWS), 1, 'Linked.');
    const c8 = await flows(sim, gw, ids.slice(WARMUP + FLOWS, WARMUP + 2 * FLOWS), 8, 'Linked.');
    const c8b = await flows(sim, gw, ids.slice(WARMUP + 2 * FLOWS), 8, 'Linked.');
    const linked = await new DynamoLinkStore(client, table).list(W);
    if (linked.length !== linkUsers.length) throw new Error(`${linked.length} links for ${linkUsers.length} flows`);
    const already1 = await flows(sim, gw, ids.slice(WARMUP, WARMUP + FLOWS), 1, 'Already linked.');
    const already8 = await flows(sim, gw, ids.slice(WARMUP + FLOWS, WARMUP + 2 * FLOWS), 8, 'Already linked.');

    console.log(`1. WeCom linking page, in the simulated client (${WARMUP} warm-up flows; then ${FLOWS} distinct users per run; every flow checked: "Linked." page, ${linked.length} links stored)`);
    const hopNames = [...new Set(c1.results.flatMap((r) => r.hops.map(([n]) => n)))];
    for (const name of hopNames) console.log(row(`  new user, hop: ${name === 'callback' ? 'callback (auto-match + link)' : name}`, c1.results.flatMap((r) => r.hops.filter(([n]) => n === name).map(([, t]) => t))));
    console.log(row('new user, whole flow, concurrency 1', c1.results.map((r) => r.total), `   ${c1.perSecond.toFixed(1)} flows/s`));
    console.log(row('new user, whole flow, concurrency 8', [...c8.results, ...c8b.results].map((r) => r.total), `   ${c8.perSecond.toFixed(1)} / ${c8b.perSecond.toFixed(1)} flows/s (2 runs)`));
    console.log(row('already linked, whole flow, conc. 1', already1.results.map((r) => r.total), `   ${already1.perSecond.toFixed(1)} flows/s`));
    console.log(row('already linked, whole flow, conc. 8', already8.results.map((r) => r.total), `   ${already8.perSecond.toFixed(1)} flows/s`));
    for (const name of hopNames.filter((n) => n === 'callback')) console.log(row(`  already linked, hop: ${name} (link found)`, already1.results.flatMap((r) => r.hops.filter(([n]) => n === name).map(([, t]) => t))));

    // ── 2. Group bots ──────────────────────────────────────────────────────────────────────────
    const bots = new DynamoBotRegistry(client, table);
    for (const [i, r] of robots.entries()) {
      const code = await botsCommand(
        'add',
        { integration: W, name: `bot${i}`, mention: 'phone', 'webhook-url-file': 'url' },
        {
          bots,
          integrations: { get: async (id) => admin.get(id) },
          secrets: secretsManagerWriter(getSecretsManagerClient()),
          secretNamePrefix: stack.env.SECRET_NAME_PREFIX,
          targetKind: 'local',
          readText: () => `${sim.url}/cgi-bin/webhook/send?key=${r.key}`,
          confirm: async () => true,
          warn: () => undefined,
        },
        () => undefined,
      );
      if (code !== 0) throw new Error(`bots add bot${i}: ${code}`);
    }
    const groupItems = (chatId: string) => (sim.conversations() as ConversationItem[]).filter((c) => c.conversation === `group:${chatId}`);
    const sqs = new SQSClient({ endpoint: stack.env.AWS_ENDPOINT_URL_SQS, useQueueUrlAsEndpoint: false });
    const eventsQueue = stack.env[queues.find((q) => q.id === 'incident-events')!.envKey] as string;
    const e2e: number[] = [];
    // bot0: warm-up; bots 1..20: timed (one incident each, so no robot is near its minute limit).
    for (let b = 0; b <= 20; b++) {
      const started = process.hrtime.bigint();
      await sqs.send(new SendMessageCommand({ QueueUrl: eventsQueue, MessageBody: JSON.stringify({ type: 'incident.triggered', incidentId: `bench-gb-${b}`, version: 1, occurredAt: new Date().toISOString(), severity: 'Critical', title: 'Checkout latency p99 above 2 s', responders: responders.map((r) => r.email), targets: [{ integrationId: W, bots: [`bot${b}`] }] }) }));
      const deadline = Date.now() + 30_000;
      while (groupItems(robots[b]!.chatId).length === 0) {
        if (Date.now() > deadline) throw new Error(`bot${b}: nothing posted`);
        await new Promise((r) => setTimeout(r, 2));
      }
      const item = groupItems(robots[b]!.chatId)[0]!;
      if ((item.mentions ?? []).length !== 10) throw new Error(`bot${b}: ${JSON.stringify(item.mentions)} mentioned, expected 10`);
      if (b > 0) e2e.push(ms(started));
    }
    sqs.destroy();

    const oplog = new DynamoOperationLog(client, table);
    const integration = (await admin.get(W))!;
    const clock = { nowMs: () => sim.clock.now() };
    const alerts = createGroupBotAlerts(oplog, { clock });
    const incident = (id: string, responderEmails: string[]): Incident => ({ incidentId: id, version: 1, revision: 1, title: `Disk full ${id}`, severity: 'Warning', description: '', labels: {}, responders: responderEmails, targets: [], status: 'Triggered', triggeredAt: clock.nowMs(), updatedAt: clock.nowMs() });
    // The use case alone: bots 22..26, 5 runs each after 1 warm-up on bot21, the simulator clock moved 2 min between runs.
    const direct: number[] = [];
    for (let b = 21; b < 27; b++) {
      for (let k = 0; k < (b === 21 ? 1 : 5); k++) {
        const t0 = process.hrtime.bigint();
        await alerts.deliver(integration, incident(`bench-direct-${b}-${k}`, responders.map((r) => r.email)), 'incident.triggered', [`bot${b}`]);
        if (b > 21) direct.push(ms(t0));
        sim.clock.advance(120_000);
      }
    }

    // The burst: 100 alerts to bot0's robot within one simulator minute.
    sim.clock.advance(120_000 - (sim.clock.now() % 60_000) + 1000);
    const burstChat = robots[0]!.chatId;
    const before = groupItems(burstChat).length;
    const burstTimes: number[] = [];
    for (let i = 1; i <= 100; i++) {
      const t0 = process.hrtime.bigint();
      await alerts.deliver(integration, incident(`bench-burst-${i}`, []), 'incident.triggered', ['bot0']);
      burstTimes.push(ms(t0));
    }
    const posted = groupItems(burstChat).length - before;
    let digests = 0;
    let lines = 0;
    const flushTimes: number[] = [];
    const flushMinutes: number[] = [];
    for (let minute = 0; minute < 5 && posted + lines < 100; minute++) {
      sim.clock.advance(60_000);
      const t0 = process.hrtime.bigint();
      const r = await flushGroupBotDigests([integration], oplog, { clock });
      if (r.digests > 0) flushTimes.push(ms(t0));
      if (r.digests > 0) flushMinutes.push(minute + 1);
      digests += r.digests;
      lines += r.lines;
    }
    const rejected = sim.calls().filter((c) => c.platform === 'wecom' && c.endpoint.includes('webhook') && c.resultCode !== 0).length;
    if (posted + lines !== 100) throw new Error(`burst: ${posted} posted + ${lines} digest lines != 100`);
    console.log(`\n2. WeCom group bot, phone mentions`);
    console.log(row('notify end to end, 10 @mentions', e2e, '   (event on queue → text in group; 1 warm-up, queue poll included)'));
    console.log(row('use case deliver(), 10 @mentions', direct, '   (1 warm-up)'));
    console.log(row('burst of 100: per alert, posted', burstTimes.slice(0, posted)));
    console.log(row('burst of 100: per alert, into digest', burstTimes.slice(posted)));
    console.log(`  burst of 100 in one minute: ${posted} posted, ${100 - posted} held → ${digests} digest message(s) with ${lines} lines, dropped ${100 - posted - lines}; robot errors from WeCom: ${rejected}; whole burst ${burstTimes.reduce((a, b) => a + b, 0).toFixed(0)} ms (${(burstTimes.reduce((a, b) => a + b, 0) / 100).toFixed(2)} ms/alert); digest sent ${flushMinutes.join(', ')} min after the burst (the rolling minute must hold < 20), flush ${flushTimes.map((t) => t.toFixed(1)).join(', ')} ms`);
    for (const line of out3) console.log(line);

  } finally {
    await sim.stop();
    await stack.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
