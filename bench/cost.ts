/**
 * `npm run bench:cost`: what a day of a stated workload costs, counted on the local stack (the real
 * handlers, dynalite, fauxqs, the local Secrets Manager) against the simulator, then priced at list
 * prices for us-east-1 and cn-north-1 (bench/prices.ts), with fixed costs apart.
 *
 * Workload W: 1,000 incidents a day, half sent to a WeCom integration and half to a DingTalk one,
 * each notifying 5 linked responders 1:1 (5 cards); one responder clicks Acknowledge, then Resolve;
 * the incident system (played by this bench) reads each incident.action from incident-actions.fifo
 * and answers with incident.acknowledged / incident.resolved. A sample (BENCH_COST_INCIDENTS,
 * default 100) runs end to end and every count is scaled to 1,000 a day and 30 days a month.
 *
 * The workload: bench/cost-workload.ts; how each service is counted: bench/cost-meter.ts. The
 * sample runs one incident at a time (BENCH_COST_CONCURRENCY): at 1,000 a day, one every 86 s, an
 * SQS batch holds one incident's messages; overlapping incidents would batch and undercount
 * invocations. Fixed resources come from the synthesized templates (bench/cost-template.ts); NAT
 * gateways (the template's, else BENCH_COST_NAT, default 1: WeCom and DingTalk only accept calls
 * from allow-listed IPs) are priced with their public IPv4 addresses.
 */
import { print } from './cost-env';
import '../local/env-defaults';
import { SQSClient } from '@aws-sdk/client-sqs';
import { lambdaContext, localHandlers } from '../local/handlers';
import { startLocalStack } from '../local/stack';
import { getDocumentClient } from '../shared/adapters/aws/clients';
import { DynamoIncidentRepository } from '../shared/adapters/aws/incident-repository';
import { functionDefinitions } from '../shared/config/functions';
import { incidentActionsQueue, incidentEventsQueue } from '../shared/config/resources';
import type { ConversationItem } from '../sim/core/contract';
import { createSimulator } from '../sim/server';
import { CostMeter, NETWORK_MS, emptyUsage, PLATFORM_LOG_BYTES_PER_INVOCATION, eventSourceMappings, type BillingRegion, type Usage } from './cost-meter';
import { countTemplateResources, type TemplateCounts } from './cost-template';
import { IncidentSystem, runIncident, setUpIntegrations, sleep } from './cost-workload';
import { CNY_PER_USD, PRICES_CHECKED, REGIONS, unconfirmed, type Price, type RegionPrices } from './prices';

const SAMPLE = Number(process.env.BENCH_COST_INCIDENTS ?? 100);
const CONCURRENCY = Number(process.env.BENCH_COST_CONCURRENCY ?? 1);
const NAT_GATEWAYS = Number(process.env.BENCH_COST_NAT ?? 1);
const PER_DAY = 1000;
const DAYS = 30;
const HOURS = 24 * DAYS;
const WINDOWS_PER_DAY = 288; // 5-minute windows: SQS data-key reuse, DynamoDB table-key and secret caches
/** Lambda's SQS pollers on an idle queue: ~5 long polls of 20 s each at a time (an estimate). */
const IDLE_POLLS_PER_MINUTE = 15;
const PREFIX = 'bench-cost-';
const GIB = 1024 ** 3;
const ACCESS_LOG_BYTES = Buffer.byteLength('{"requestId":"AbCdEfGhIjKlMnO=","ip":"203.0.113.10","requestTime":"02/Dec/2026:08:05:00 +0000","routeKey":"POST /wecom/{integrationId}/callback","status":200,"responseLength":"512","integrationError":"-"}\n');
const WORKLOAD =
  `W = ${PER_DAY.toLocaleString('en-US')} incidents/day, half on WeCom and half on DingTalk, 5 linked responders each (5 cards), ` +
  'Acknowledge then Resolve clicked by one responder, the incident system echoing incident.acknowledged / incident.resolved';

function sumUsage(list: Usage[]): Usage {
  const total = emptyUsage();
  for (const u of list) {
    for (const key of Object.keys(total) as (keyof Usage)[]) {
      const [into, from] = [total[key], u[key]];
      if (typeof into === 'object' && typeof from === 'object') for (const r of Object.keys(into) as BillingRegion[]) into[r] += from[r];
      else (total as unknown as Record<string, number>)[key] = (into as number) + (from as number);
    }
  }
  return total;
}

/** Billable quantities for one region over a period, from usage scaled by `factor`. */
interface Quantities { invocations: number; gbSeconds: number; apiRequests: number; rru: number; wru: number; sqsStandard: number; sqsFifo: number; secretCalls: number; kmsRequests: number; logGb: number; natGb: number; dataOutGb: number }
function quantities(u: Usage, factor: number, region: BillingRegion, secretCalls: number, kmsRequests: number, nat: { gateways: number }): Quantities {
  const logBytes = u.logBytes + u.invocations * PLATFORM_LOG_BYTES_PER_INVOCATION + u.apiRequests * ACCESS_LOG_BYTES;
  return {
    invocations: u.invocations * factor, gbSeconds: u.gbSeconds[region] * factor, apiRequests: u.apiRequests * factor, rru: u.rru * factor, wru: u.wru * factor,
    sqsStandard: u.sqsStandard * factor, sqsFifo: u.sqsFifo * factor, secretCalls, kmsRequests, logGb: (logBytes * factor) / GIB,
    natGb: nat.gateways > 0 ? ((u.platformOutBytes + u.platformInBytes + u.sqsViaNatBytes) * factor) / GIB : 0, dataOutGb: (u.platformOutBytes * factor) / GIB,
  };
}

interface Line { readonly name: string; readonly amount: number; readonly prices: readonly Price[] }
function variableLines(q: Quantities, p: RegionPrices): Line[] {
  const line = (name: string, ...parts: [number, Price][]): Line => ({ name, amount: parts.reduce((s, [n, price]) => s + n * price.value, 0), prices: parts.map(([, price]) => price) });
  return [
    line('Lambda requests', [q.invocations / 1e6, p.lambdaRequestsPerMillion]),
    line('Lambda duration (arm64)', [q.gbSeconds, p.lambdaArmGbSecond]),
    line('API Gateway HTTP API', [q.apiRequests / 1e6, p.httpApiPerMillion]),
    line('DynamoDB on-demand RRU + WRU', [q.rru / 1e6, p.dynamoRruPerMillion], [q.wru / 1e6, p.dynamoWruPerMillion]),
    line('SQS requests (standard + FIFO)', [q.sqsStandard / 1e6, p.sqsStandardPerMillion], [q.sqsFifo / 1e6, p.sqsFifoPerMillion]),
    line('Secrets Manager API calls', [q.secretCalls / 1e4, p.secretsApiPer10k]),
    line('KMS requests', [q.kmsRequests / 1e4, p.kmsRequestsPer10k]),
    line('CloudWatch Logs ingestion', [q.logGb, p.logsIngestPerGb]),
    line('NAT data processed + data out', [q.natGb, p.natGatewayPerGb], [q.dataOutGb, p.dataOutPerGb]),
  ];
}

const num = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const money = (n: number, p: RegionPrices) => `${p.currency === 'USD' ? '$' : '¥'}${num(n, 2)}`;
const flagged = (line: Line) => (line.prices.some((price) => !price.confirmed) ? '*' : ' ');

async function main(): Promise<void> {
  // First, before the local stack sets its environment (and while no other work shares the thread).
  let template: TemplateCounts | undefined;
  let templateError = '';
  try {
    template = await countTemplateResources(NAT_GATEWAYS);
  } catch (error) {
    templateError = error instanceof Error ? error.message.split('\n').slice(0, 2).join(' ') : String(error);
  }
  const meter = new CostMeter(PREFIX);
  meter.install(); // before the stack: the gateway and pollers must see the wrapped handlers
  const stack = await startLocalStack({ pollers: true, prefix: PREFIX });
  const sim = await createSimulator({ port: 0 });
  const table = stack.env.STATE_TABLE_NAME as string;
  const sqs = new SQSClient({ endpoint: stack.env.AWS_ENDPOINT_URL_SQS, useQueueUrlAsEndpoint: false });
  const system = new IncidentSystem(sqs, stack.env[incidentEventsQueue.envKey]!, stack.env[incidentActionsQueue.envKey]!);
  meter.incidentSystemSqs = sqs;
  const run: RunFacts = { sampleSeconds: 0, closed: 0, cards: 0, endpoints: new Map(), meteredDingTalk: 0 };
  try {
    await setUpIntegrations(stack, sim);

    meter.counting = true;
    const callsBefore = sim.calls().length;
    const started = Date.now();
    system.start();
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < SAMPLE) await runIncident(sim, system, next++);
    }));
    // Quiet: the last card refreshes (CARD_REFRESH_DELAY_SECONDS, 3 s) and copies have landed.
    while (meter.inFlight > 0 || Date.now() - meter.lastInvocationEndedAt < 6000) await sleep(250);
    run.sampleSeconds = (Date.now() - started) / 1000;
    // Scheduled functions, run directly: their per-run cost becomes a fixed cost below.
    for (const fn of functionDefinitions.filter((d) => d.everyMinutes !== undefined)) {
      for (let i = 0; i < 3; i++) await localHandlers[fn.name]!({} as never, lambdaContext(fn.name, fn.timeoutSeconds));
    }
    meter.counting = false;
    for (const c of sim.calls().slice(callsBefore)) {
      const key = `${c.platform} ${c.method} ${c.endpoint}`;
      run.endpoints.set(key, (run.endpoints.get(key) ?? 0) + 1);
      if (c.metered) run.meteredDingTalk += 1;
    }

    const incidents = new DynamoIncidentRepository(getDocumentClient(), table);
    for (let i = 0; i < SAMPLE; i++) if ((await incidents.get(`cost-${i}`))?.status === 'Closed') run.closed += 1;
    run.cards = new Set((sim.conversations() as ConversationItem[]).filter((c) => c.card?.title.includes('cost-')).map((c) => `${c.conversation}|${c.card!.cardId}`)).size;
  } finally {
    await system.stop().catch(() => undefined);
    sqs.destroy();
    await sim.stop();
    await stack.stop();
  }
  report(meter, template, templateError, run);
}

interface RunFacts { sampleSeconds: number; closed: number; cards: number; endpoints: Map<string, number>; meteredDingTalk: number }

function report(meter: CostMeter, template: TemplateCounts | undefined, templateError: string, run: RunFacts): void {
  const scheduled = functionDefinitions.filter((d) => d.everyMinutes !== undefined);
  const isScheduled = (principal: string) => scheduled.some((d) => d.name === principal);
  const work = sumUsage([...meter.usage].filter(([p]) => !isScheduled(p)).map(([, u]) => u));
  const perDay = PER_DAY / SAMPLE;
  const perMonth = perDay * DAYS;
  const invocationsPerDay = (fn: string) => (meter.usage.get(fn)?.invocations ?? 0) * perDay;
  // Secrets: one GetSecretValue per (function, secret) per 5-minute cache window in use (one warm instance each).
  const kmsPairs = [...meter.kmsUses].filter(([key]) => !isScheduled(key.split('|')[2]!));
  const secretCallsPerDay = kmsPairs.filter(([k]) => k.startsWith('secret|')).reduce((s, [k]) => s + Math.min(WINDOWS_PER_DAY, invocationsPerDay(k.split('|')[2]!)), 0);
  // KMS: Secrets Manager decrypts per call; SQS and DynamoDB reuse a data/table key per principal for 5 minutes.
  const kmsPerDay = secretCallsPerDay + kmsPairs.filter(([k]) => !k.startsWith('secret|')).reduce((s, [, uses]) => s + Math.min(WINDOWS_PER_DAY, uses * perDay), 0);

  print(`bench:cost  ${WORKLOAD}.`);
  print(`Sample: ${SAMPLE} incidents run on the local stack + simulator in ${num(run.sampleSeconds)} s (${run.closed}/${SAMPLE} ended Closed, ${run.cards} cards delivered), scaled ×${num(perDay, 1)} to a day and ×${DAYS} to a month.`);
  print();
  const rows: [string, number, number][] = [
    ['Lambda invocations', work.invocations, 1],
    ['Lambda wall time on the local stack (s)', work.measuredMs / 1000, 1],
    ['Lambda compute time, waits on calls removed (s)', work.computeMs / 1000, 1],
    ['Lambda GB-s billed, us-east-1 model', work.gbSeconds['us-east-1'], 1],
    ['Lambda GB-s billed, cn-north-1 model', work.gbSeconds['cn-north-1'], 1],
    ['API Gateway requests', work.apiRequests, 1],
    ['DynamoDB read request units', work.rru, 1],
    ['DynamoDB write request units', work.wru, 1],
    ['SQS requests, standard queues', work.sqsStandard, 1],
    ['SQS requests, FIFO queue', work.sqsFifo, 1],
    ['Log bytes written by the functions (MB)', work.logBytes / 1e6, 1],
    ['Platform API calls (WeCom + DingTalk)', work.platformCalls, 1],
    ['Platform API traffic, both ways (MB)', (work.platformOutBytes + work.platformInBytes) / 1e6, 1],
  ];
  print(`${'Counts'.padEnd(46)}${'sample'.padStart(12)}${'per day'.padStart(14)}${'per month'.padStart(16)}`);
  for (const [name, value] of rows) print(`  ${name.padEnd(44)}${num(value, value < 100 ? 2 : 0).padStart(12)}${num(value * perDay, 0).padStart(14)}${num(value * perMonth, 0).padStart(16)}`);
  print(`  ${`Secrets Manager GetSecretValue (modelled)`.padEnd(44)}${`(${work.secretCalls} run)`.padStart(12)}${num(secretCallsPerDay).padStart(14)}${num(secretCallsPerDay * DAYS).padStart(16)}`);
  print(`  ${'KMS requests (modelled)'.padEnd(44)}${''.padStart(12)}${num(kmsPerDay).padStart(14)}${num(kmsPerDay * DAYS).padStart(16)}`);
  print(`  Simulator traffic in the sample (API calls and the callbacks it sent): ${[...run.endpoints].map(([k, n]) => `${k}=${n}`).join(', ')}`);
  print(`  DingTalk metered calls: ${num(run.meteredDingTalk * perMonth)} a month (the org's monthly quota: Standard 5,000, Professional 200,000; shared/domain/rate-limit.ts)`);
  print(`  (idle SQS receives of the local pollers, not billed here: ${num(work.sqsEmptyReceives)}; CloudWatch log lines: ${num(work.logLines)} + 3 per invocation)`);
  print();
  print(`${'Per function, per day'.padEnd(24)}${'invocations'.padStart(12)}${'batch'.padStart(6)}${'avg ms: wall'.padStart(14)}${'compute'.padStart(9)}${'billed us-east-1'.padStart(18)}${'cn-north-1'.padStart(12)}${'MB'.padStart(5)}${'RRU/inv'.padStart(9)}${'WRU/inv'.padStart(9)}`);
  for (const [fn, u] of [...meter.usage].filter(([p, u]) => !isScheduled(p) && u.invocations > 0).sort((a, b) => b[1].invocations - a[1].invocations)) {
    const mb = functionDefinitions.find((d) => d.name === fn)?.memoryMb ?? 0;
    print(`  ${fn.padEnd(22)}${num(u.invocations * perDay).padStart(12)}${(u.records ? num(u.records / u.invocations, 1) : '-').padStart(6)}${num(u.measuredMs / u.invocations, 1).padStart(14)}${num(u.computeMs / u.invocations, 1).padStart(9)}${num(u.billedMs['us-east-1'] / u.invocations, 1).padStart(18)}${num(u.billedMs['cn-north-1'] / u.invocations, 1).padStart(12)}${String(mb).padStart(5)}${num(u.rru / u.invocations, 1).padStart(9)}${num(u.wru / u.invocations, 1).padStart(9)}`);
  }
  print();

  // The template has the NAT gateways when the fixed-egress option exists; otherwise BENCH_COST_NAT stands in.
  const nat = template && template.natGateways > 0
    ? { gateways: template.natGateways, ips: template.elasticIps, from: 'template' }
    : { gateways: NAT_GATEWAYS, ips: NAT_GATEWAYS, from: 'BENCH_COST_NAT' };
  const regionTotals = REGIONS.map((p) => {
    const region = p.region as BillingRegion;
    const variable = variableLines(quantities(work, perMonth, region, secretCallsPerDay * DAYS, kmsPerDay * DAYS, nat), p);
    const fixed: Line[] = [];
    const runsPerMonth = (d: (typeof scheduled)[number]) => (DAYS * 24 * 60) / d.everyMinutes!;
    for (const d of scheduled) {
      const u = meter.usage.get(d.name);
      if (!u || u.invocations === 0) continue;
      const lines = variableLines(quantities(u, runsPerMonth(d) / u.invocations, region, 0, 0, nat), p);
      fixed.push({ name: `${d.name} (every ${d.everyMinutes} min: ${num(runsPerMonth(d))} runs)`, amount: lines.reduce((s, l) => s + l.amount, 0), prices: lines.flatMap((l) => l.prices) });
    }
    const idlePolls = eventSourceMappings.map((m) => ({ fifo: m.fifo, requests: IDLE_POLLS_PER_MINUTE * 60 * HOURS }));
    fixed.push({ name: `SQS idle polling (${eventSourceMappings.length} event source mappings)`, amount: idlePolls.reduce((s, m) => s + (m.requests / 1e6) * (m.fifo ? p.sqsFifoPerMillion : p.sqsStandardPerMillion).value, 0), prices: [p.sqsStandardPerMillion, p.sqsFifoPerMillion] });
    const secrets = 2 + (template?.secrets ?? 0);
    fixed.push({ name: `Secrets (${secrets}: one per integration)`, amount: secrets * p.secretPerMonth.value, prices: [p.secretPerMonth] });
    if (template) {
      fixed.push({ name: `KMS keys (${template.kmsKeys})`, amount: template.kmsKeys * p.kmsKeyPerMonth.value, prices: [p.kmsKeyPerMonth] });
      fixed.push({ name: `CloudWatch alarms (${template.alarms})`, amount: template.alarms * p.alarmPerMonth.value, prices: [p.alarmPerMonth] });
      fixed.push({ name: `Dashboards (${template.dashboards}; 3 free)`, amount: Math.max(0, template.dashboards - 3) * p.dashboardPerMonth.value, prices: [p.dashboardPerMonth] });
    }
    const metrics = meter.customMetrics.size + (template?.metricFilters ?? 0);
    fixed.push({ name: `Custom metrics (${metrics}: EMF seen + metric filters)`, amount: metrics * p.customMetricPerMonth.value, prices: [p.customMetricPerMonth] });
    const natLine: Line = { name: `${nat.gateways} NAT gateway(s) + ${nat.ips} public IPv4 (${nat.from})`, amount: HOURS * (nat.gateways * p.natGatewayPerHour.value + nat.ips * p.publicIpv4PerHour.value), prices: [p.natGatewayPerHour, p.publicIpv4PerHour] };
    return { p, variable, fixed, nat: natLine };
  });

  const header = `${'Per month'.padEnd(52)}${regionTotals.map(({ p }) => `${p.region} (${p.currency})`.padStart(22)).join('')}`;
  const row = (name: string, pick: (t: (typeof regionTotals)[number]) => Line | number) =>
    print(`  ${name.padEnd(50)}${regionTotals.map((t) => { const v = pick(t); return typeof v === 'number' ? money(v, t.p).padStart(22) : `${money(v.amount, t.p)}${flagged(v)}`.padStart(22); }).join('')}`);
  const total = (lines: Line[]) => lines.reduce((s, l) => s + l.amount, 0);
  print(header);
  regionTotals[0]!.variable.forEach((l, i) => row(l.name, (t) => t.variable[i]!));
  row('Variable total', (t) => total(t.variable));
  print('  Fixed');
  regionTotals[0]!.fixed.forEach((l, i) => row(`  ${l.name}`, (t) => t.fixed[i]!));
  row('  NAT: ' + regionTotals[0]!.nat.name, (t) => t.nat);
  row('Fixed total (without NAT)', (t) => total(t.fixed));
  row(`Grand total, variable + fixed + NAT`, (t) => total(t.variable) + total(t.fixed) + t.nat.amount);
  const cn = regionTotals[1]!;
  print(`  (cn-north-1 grand total ≈ $${num((total(cn.variable) + total(cn.fixed) + cn.nat.amount) / CNY_PER_USD, 2)} at ${CNY_PER_USD} CNY/USD)`);
  if (!template) print(`  Template not synthesized (${templateError}): KMS keys, alarms and dashboards left out.`);
  print();
  print('Assumptions: month = 30 days (720 h); list prices, no free tier, no Savings Plans; DynamoDB storage/PITR, CloudWatch Logs storage and SNS not counted.');
  print(`  Lambda billed ms = local compute (wall time less waits on AWS/platform calls, which the local servers answer on the same thread) + ${NETWORK_MS.dynamodb} ms per DynamoDB, ${NETWORK_MS.sqs} ms per SQS, ${NETWORK_MS.secretsManager} ms per Secrets Manager call + per platform call ${NETWORK_MS.platform['us-east-1']} ms from us-east-1 / ${NETWORK_MS.platform['cn-north-1']} ms from cn-north-1 (calls taken as sequential: an upper bound); init (cold start) time not included.`);
  print('  DynamoDB units are what dynalite reports for ReturnConsumedCapacity=TOTAL (DynamoDB\'s item-size rules), puts carrying the gsi1 key doubled; SQS: 1 request per 64 KB of payload, the incident system\'s sends/receives included (the queue owner pays).');
  print(`  Secrets Manager: 1 GetSecretValue per (function, secret) per 5-minute cache window in use; KMS: 1 Decrypt per GetSecretValue, 1 per (queue, principal) per 5-minute SQS data-key reuse period, 1 per (table, caller) per 5 minutes of DynamoDB table-key caching.`);
  print(`  Logs: function lines + EMF + ${PLATFORM_LOG_BYTES_PER_INVOCATION} B of START/END/REPORT per invocation + ${ACCESS_LOG_BYTES} B API access log per request. Idle SQS polling: ${IDLE_POLLS_PER_MINUTE} empty receives per minute per mapping (estimate).`);
  print(`  NAT (BENCH_COST_NAT=${NAT_GATEWAYS}): the platform calls and the SQS calls of the egress functions pass it (DynamoDB has a gateway endpoint; Secrets Manager traffic, ~2 KB a call, left out); requests to the platforms are also data out.`);
  const missing = REGIONS.flatMap((p) => unconfirmed(p).map((name) => `${p.region}.${name}`));
  print(`Prices: bench/prices.ts, checked ${PRICES_CHECKED}. * = uses an UNCONFIRMED price (${missing.length}): ${missing.join(', ')}.`);
}

main().catch((error: unknown) => {
  print(error instanceof Error ? (error.stack ?? error.message) : String(error), 'stderr');
  process.exit(1);
});
