/**
 * `npm run bench:alerts`: issue 18's webhook on the local stack (real handlers behind the local
 * gateway, DynamoDB and SQS on the local servers, one Node process).
 *
 *  1. A small Alertmanager webhook (one group, 2 alerts): accept latency p50/p95/p99.
 *  2. A burst of 1,000 alerts in one webhook (one group; and 1,000 groups in fingerprint mode):
 *     accept latency (Alertmanager waits for it), then the time until the worker has published the
 *     incident events (all groups' states written).
 *  3. A resend of an unchanged group: accept latency and proof that no event was published.
 */
import './quiet';
import '../local/env-defaults';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalStack } from '../local/stack';
import { getDocumentClient, getSecretsManagerClient } from '../shared/adapters/aws/clients';
import { DynamoAlertSourceRepository } from '../shared/adapters/aws/alert-source-repository';
import { secretsManagerWriter } from '../shared/adapters/aws/secrets';
import { sourcesCommand } from '../cli/sources';

const RUNS = Number(process.env.BENCH_ALERT_RUNS ?? 200);
const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const row = (name: string, values: number[], extra = '') => {
  const s = [...values].sort((a, b) => a - b);
  return `  ${name.padEnd(50)} n=${String(s.length).padStart(4)}  p50 ${pct(s, 50).toFixed(2).padStart(8)}  p95 ${pct(s, 95).toFixed(2).padStart(8)}  p99 ${pct(s, 99).toFixed(2).padStart(8)} ms${extra}`;
};

function alert(i: number, group: string) {
  return { status: 'firing', labels: { alertname: group, team: 'payments', instance: `node-${i}`, severity: 'critical' }, annotations: { summary: `${group} on node-${i}`, description: 'd'.repeat(120) }, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus/graph', fingerprint: `${group.length.toString(16)}${i.toString(16).padStart(15, '0')}` };
}
function payload(group: string, count: number) {
  return JSON.stringify({ version: '4', groupKey: `{}:{alertname="${group}"}`, truncatedAlerts: 0, status: 'firing', receiver: 'dutybridge', groupLabels: { alertname: group }, commonLabels: { alertname: group, team: 'payments', severity: 'critical' }, commonAnnotations: {}, externalURL: 'http://am', alerts: Array.from({ length: count }, (_, i) => alert(i, group)) });
}

async function main(): Promise<void> {
  const stack = await startLocalStack({ pollers: true, prefix: 'bench-alerts-' });
  const table = stack.env.STATE_TABLE_NAME as string;
  try {
    const tokens: Record<string, string> = {};
    for (const [id, grouping] of [['bench-group', 'group'], ['bench-fp', 'fingerprint']] as const) {
      const out: string[] = [];
      await sourcesCommand(
        'add',
        'alertmanager',
        { id, grouping, routes: 'r', json: true },
        {
          sources: new DynamoAlertSourceRepository(getDocumentClient(), table),
          secrets: secretsManagerWriter(getSecretsManagerClient()),
          secretNamePrefix: stack.env.SECRET_NAME_PREFIX as string,
          apiUrl: stack.gatewayUrl,
          // Routed to an integration that does not exist: the cards' cost is not what is measured here.
          readText: () => '- targets: [{ integrationId: bench-nowhere, persons: [a@example.com] }]\n',
          nowIso: () => new Date().toISOString(),
        },
        (_j, v) => void out.push(JSON.stringify(v)),
      );
      tokens[id] = (JSON.parse(out[0]!) as { generated: string }).generated;
    }
    const post = async (source: string, body: string) => {
      const t0 = process.hrtime.bigint();
      const res = await fetch(`${stack.gatewayUrl}/ingest/alertmanager/${source}`, { method: 'POST', body, headers: { authorization: `Bearer ${tokens[source]}`, 'content-type': 'application/json' } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`ingest answered ${res.status}`);
      return ms(t0);
    };
    // A scan answers a page at a time: count every page.
    const states = async () => {
      let count = 0;
      let start: Record<string, unknown> | undefined;
      do {
        const out = await getDocumentClient().send(new ScanCommand({ TableName: table, FilterExpression: 'begins_with(pk, :p)', ExpressionAttributeValues: { ':p': 'ALERTSTATE#' }, Select: 'COUNT', ExclusiveStartKey: start }));
        count += out.Count ?? 0;
        start = out.LastEvaluatedKey;
      } while (start);
      return count;
    };
    const waitFor = async (count: number, t0: bigint) => {
      for (;;) {
        if ((await states()) >= count) return ms(t0);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    console.log('alert webhook (local gateway + ingest handler + Secrets Manager cache + SQS)');
    for (let i = 0; i < 20; i++) await post('bench-group', payload(`Warm${i}`, 2));
    const small: number[] = [];
    for (let i = 0; i < RUNS; i++) small.push(await post('bench-group', payload(`Small${i}`, 2)));
    console.log(row('1 group, 2 alerts: accepted', small));
    const resend: number[] = [];
    await waitFor(20 + RUNS, process.hrtime.bigint());
    for (let i = 0; i < 50; i++) resend.push(await post('bench-group', payload(`Small${i}`, 2)));
    await new Promise((r) => setTimeout(r, 2000));
    console.log(row('resend of an unchanged group: accepted', resend, `  (alert states still ${await states()}, no new event)`));

    const base = await states();
    const burstBody = payload('Burst', 1000);
    const t0 = process.hrtime.bigint();
    const accepted = await post('bench-group', burstBody);
    const processed = await waitFor(base + 1, t0);
    console.log(`  1,000 alerts, one group (${(Buffer.byteLength(burstBody) / 1024).toFixed(0)} KiB): accepted in ${accepted.toFixed(1)} ms; incident event published ${processed.toFixed(0)} ms after the request`);
    const fpBody = payload('FpBurst', 1000);
    const t1 = process.hrtime.bigint();
    const acceptedFp = await post('bench-fp', fpBody);
    const processedFp = await waitFor(base + 1 + 1000, t1);
    console.log(`  1,000 alerts, fingerprint mode (1,000 incidents): accepted in ${acceptedFp.toFixed(1)} ms; all 1,000 incident events published ${processedFp.toFixed(0)} ms after the request (${((1000 / processedFp) * 1000).toFixed(0)} incidents/s)`);
  } finally {
    await stack.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
