/**
 * Workload W of `npm run bench:cost` (bench/cost.ts) on the local stack and the simulator: the
 * integrations and people, the caller's incident system, and one incident end to end.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { registerDingTalkCardCallback } from '../cli/register-card-callback';
import type { LocalStack } from '../local/stack';
import { getDocumentClient } from '../shared/adapters/aws/clients';
import { awsIntegrationAdmin } from '../shared/adapters/aws/integration-admin';
import { DynamoLinkStore } from '../shared/adapters/aws/link-store';
import type { ConversationItem } from '../sim/core/contract';
import type { Simulator } from '../sim/server';

const corp = { corpId: 'wwbenchcost01', agentId: 1000051, secret: 'bench-cost-secret', token: 'BenchCostTok', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const app = { corpId: 'dingbenchcost', clientId: 'dingbenchcostclient', clientSecret: 'bench-cost-ding-secret', token: 'BenchCost1', aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus', robotCode: 'dingbenchcostclient' };
const CARD_API_SECRET = 'bench-cost-card-api-secret';
const people = (p: 'w' | 'd') =>
  Array.from({ length: 25 }, (_, i) => ({ userId: `${p}user${i}`, name: `${p.toUpperCase()}-User ${i}`, mobile: `+86-13${p === 'w' ? 7 : 6}${String(i).padStart(8, '0')}`, email: `${p}user${i}@example.com`, unionId: `union-${p}${i}` }));
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The caller's incident system: publishes incident events, reads each incident.action and answers
 * with the state it now holds (incident.acknowledged v2, incident.resolved v3), as a real one would.
 * Its SQS requests are billed to the queues' owner, so the meter counts them.
 */
export class IncidentSystem {
  private readonly waiters = new Map<string, () => void>();
  private readonly events = new Map<string, Record<string, unknown>>();
  private running = true;
  private loop?: Promise<void>;
  constructor(readonly sqs: SQSClient, private readonly eventsUrl: string, private readonly actionsUrl: string) {}

  async publish(event: Record<string, unknown>): Promise<void> {
    this.events.set(String(event.incidentId), event);
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.eventsUrl, MessageBody: JSON.stringify(event) }));
  }
  acted(incidentId: string, action: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no incident.action ${action} for ${incidentId} within 60 s`)), 60_000);
      this.waiters.set(`${incidentId}:${action}`, () => (clearTimeout(timer), resolve()));
    });
  }
  start(): void {
    this.loop = (async () => {
      while (this.running) {
        const out = await this.sqs.send(new ReceiveMessageCommand({ QueueUrl: this.actionsUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
        for (const m of out.Messages ?? []) {
          const action = JSON.parse(m.Body ?? '{}') as { incidentId: string; action: string; actor?: { email?: string } };
          const base = this.events.get(action.incidentId);
          if (base && (action.action === 'acknowledge' || action.action === 'resolve')) {
            const echo = action.action === 'acknowledge' ? { type: 'incident.acknowledged', version: 2 } : { type: 'incident.resolved', version: 3 };
            await this.publish({ ...base, ...echo, occurredAt: new Date().toISOString(), ...(action.actor?.email ? { actorEmail: action.actor.email } : {}) });
          }
          this.waiters.get(`${action.incidentId}:${action.action}`)?.();
        }
        if (out.Messages?.length) await this.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: this.actionsUrl, Entries: out.Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
      }
    })();
  }
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

async function cardOf(sim: Simulator, userId: string, incidentId: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const item = (sim.conversations() as ConversationItem[]).find((c) => c.conversation === `user:${userId}` && c.card && c.card.title.includes(`${incidentId}:`));
    if (item?.card) return item.card.cardId;
    await sleep(200);
  }
  const seen = (sim.conversations() as ConversationItem[]).filter((c) => c.conversation === `user:${userId}`).map((c) => c.card?.title ?? c.kind);
  throw new Error(`no card for ${incidentId} reached ${userId} (their chat: ${JSON.stringify(seen).slice(0, 300)}; last calls: ${JSON.stringify(sim.calls().slice(-3).map((c) => [c.endpoint, c.status, c.resultCode]))})`);
}

async function click(sim: Simulator, platform: 'wecom' | 'dingtalk', userId: string, cardId: string, buttonKey: string): Promise<void> {
  const orgId = platform === 'wecom' ? corp.corpId : app.corpId;
  for (let attempt = 0; attempt < 20; attempt++) {
    const res = await fetch(`${sim.url}/_sim/click`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ platform, orgId, userId, cardId, buttonKey }) });
    const answer = (await res.json()) as { status: number; body: string };
    if (res.status === 200 && answer.status === 200) return;
    await sleep(250);
  }
  throw new Error(`${userId} could not click ${buttonKey} on ${cardId}`);
}

/** One incident of W, end to end: triggered, 5 cards, Acknowledge, echo, Resolve, echo. */
export async function runIncident(sim: Simulator, system: IncidentSystem, i: number): Promise<void> {
  const platform = i % 2 === 0 ? 'wecom' : 'dingtalk';
  const team = people(platform === 'wecom' ? 'w' : 'd');
  // The clicker (first responder) rotates through the whole team: a person clicking every few
  // seconds would meet the per-user click limit (10 a minute), which a real day never does.
  const responders = Array.from({ length: 5 }, (_, k) => team[(Math.floor(i / 2) + k) % team.length]!);
  const incidentId = `cost-${i}`;
  const emails = responders.map((r) => r.email);
  await system.publish({
    type: 'incident.triggered', incidentId, version: 1, occurredAt: new Date().toISOString(), severity: 'Critical',
    title: `${incidentId}: checkout latency p99 above 2 s`, description: 'p99 latency of checkout-api above 2 s for 5 minutes (SLO 800 ms).',
    labels: { service: 'checkout-api', env: 'prod' }, detailUrl: `https://incidents.example.com/${incidentId}`,
    responders: emails, targets: [{ integrationId: platform === 'wecom' ? 'cost-wecom' : 'cost-ding', persons: emails }],
  });
  const clicker = responders[0]!;
  const cardId = await cardOf(sim, clicker.userId, incidentId);
  for (const action of ['acknowledge', 'resolve']) {
    const acted = system.acted(incidentId, action);
    await click(sim, platform, clicker.userId, cardId, action);
    await acted;
      }
}

/** The WeCom corp and DingTalk app in the simulator, both integrations, and 25 linked people on each. */
export async function setUpIntegrations(stack: LocalStack, sim: Simulator): Promise<void> {
  const table = stack.env.STATE_TABLE_NAME as string;
  const admin = awsIntegrationAdmin(table, stack.env.SECRET_NAME_PREFIX as string);
  const links = new DynamoLinkStore(getDocumentClient(), table);
  const put = await fetch(`${sim.url}/_sim/wecom/corps/${corp.corpId}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...corp, callbackUrl: `${stack.gatewayUrl}/wecom/cost-wecom/callback`, users: people('w') }) });
  if (put.status !== 200) throw new Error(`simulator corp: ${put.status}`);
  await admin.addWeCom({ id: 'cost-wecom', corpId: corp.corpId, agentId: String(corp.agentId), apiBase: sim.url, secret: corp.secret, token: corp.token, aesKey: corp.encodingAesKey });
  // Limits raised on both sides: at 1,000 incidents a day calls are spread out; the compressed sample must not be throttled.
  const putApp = await fetch(`${sim.url}/_sim/dingtalk/apps/${app.clientId}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...app, eventsUrl: `${stack.gatewayUrl}/dingtalk/cost-ding/events`, users: people('d'), qps: 60, monthlyQuota: 100_000_000 }) });
  if (putApp.status !== 200) throw new Error(`simulator app: ${putApp.status}`);
  const ding = await admin.addDingTalk({ id: 'cost-ding', ...app, cardApiSecret: CARD_API_SECRET, cardTemplateId: 'dutybridge-incident-card', apiBase: sim.url, oapiBase: sim.url, qpsPerAppAndApi: 60, monthlyMeteredCalls: 100_000_000 });
  if (ding.platform !== 'dingtalk') throw new Error('unexpected platform');
  await registerDingTalkCardCallback(ding, { clientSecret: app.clientSecret, token: app.token, aesKey: app.aesKey, cardApiSecret: CARD_API_SECRET }, stack.gatewayUrl, table);
  for (const [id, team] of [['cost-wecom', people('w')], ['cost-ding', people('d')]] as const) {
    for (const p of team) await links.set({ integrationId: id, email: p.email, userId: p.userId, linkedAt: Date.now() });
  }

}
