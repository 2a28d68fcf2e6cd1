/**
 * A resent batch (same task_id) under both readings the WeCom docs allow for a reused task_id
 * (sim/wecom/state.ts TaskIdReuse): `reject` answers 42014 "卡片消息的task_id不合法", `accept`
 * answers ok without delivering again. Either way dutybridge must record the batch as sent, never
 * as a failure, never call message/send for it again, and every recipient must hold exactly one
 * card. Real WeComClient and use case against the simulator; stores in memory. The crash is the
 * one that makes a resend happen: the function dies after WeCom took the card, before the send
 * was recorded, and the queue delivers the event again.
 */
import { createSimulator, type Simulator } from '../../../sim/server';
import type { ConversationItem } from '../../../sim/core/contract';
import { WeComClient } from '../../../shared/adapters/wecom/client';
import { InMemoryAccessTokenStore, TokenProvider } from '../../../shared/application/token-provider';
import { WeComCardsUseCase } from '../../../shared/application/wecom-cards';
import type { IncidentClicks } from '../../../shared/application/incident-clicks';
import type { Link, LinkStore, WeComCardStore } from '../../../shared/application/ports';
import type { ResponseCodeRecord, WeComCardBatch, WeComCardRecord } from '../../../shared/domain/wecom-card-record';
import type { Incident } from '../../../shared/domain/incident';
import type { WeComIntegration } from '../../../shared/domain/integration';

const CORP = 'wwresendcorp';
const AGENT_ID = 1000007;
const SECRET = 'resend-secret';
const people = ['u1', 'u2'].map((u) => ({ userId: u, name: u.toUpperCase(), mobile: '+86-13900000000', email: `${u}@example.com` }));

/** A card store in memory, with the crash: `crashOnSent` throws instead of recording a send. */
class MemoryCards implements WeComCardStore {
  card: WeComCardRecord | undefined;
  readonly codeList: ResponseCodeRecord[] = [];
  crashOnSent = false;

  async getCard(): Promise<WeComCardRecord | undefined> {
    return this.card && structuredClone(this.card);
  }
  async createCard(card: WeComCardRecord): Promise<WeComCardRecord> {
    this.card ??= structuredClone(card);
    return structuredClone(this.card);
  }
  async updateBatch(_integrationId: string, _incidentId: string, taskId: string, changes: Partial<WeComCardBatch>): Promise<void> {
    if (this.crashOnSent && changes.status === 'sent') {
      this.crashOnSent = false;
      throw new Error('the function died after the send, before recording it');
    }
    this.card = { ...this.card!, batches: this.card!.batches.map((b) => (b.taskId === taskId ? { ...b, ...changes } : b)) };
  }
  async setInvalidUsers(_integrationId: string, _incidentId: string, invalidUsers: readonly string[]): Promise<void> {
    this.card = { ...this.card!, invalidUsers: [...invalidUsers] };
  }
  async claimRender(): Promise<number | undefined> {
    return undefined;
  }
  async releaseRender(): Promise<void> {}
  async findTask(): Promise<{ incidentId: string } | undefined> {
    return undefined;
  }
  async addCode(code: ResponseCodeRecord): Promise<void> {
    this.codeList.push(code);
  }
  async codes(taskId: string): Promise<ResponseCodeRecord[]> {
    return this.codeList.filter((c) => c.taskId === taskId);
  }
  async consumeCode(): Promise<boolean> {
    return false;
  }
}

const links: Pick<LinkStore, 'byEmails'> = {
  byEmails: async (integrationId, emails) =>
    new Map(emails.map((email): [string, Link] => [email.toLowerCase(), { integrationId, email, userId: email.split('@')[0]!, linkedAt: 0 }])),
};

let sim: Simulator;
let integration: WeComIntegration;
let seq = 0;

beforeAll(async () => {
  sim = await createSimulator({ port: 0 });
  const res = await fetch(`${sim.url}/_sim/wecom/corps/${CORP}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ agentId: AGENT_ID, secret: SECRET, token: 'ResendToken1', encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', users: people }),
  });
  expect(res.status).toBe(200);
  integration = {
    id: 'resend-wecom',
    platform: 'wecom',
    settings: { corpId: CORP, agentId: String(AGENT_ID), apiBase: sim.url },
    secretName: 'unused',
    createdAt: new Date().toISOString(),
  };
});
afterAll(async () => sim.stop());

function setup() {
  const cards = new MemoryCards();
  const records: { event: string; details: Record<string, unknown> }[] = [];
  const client = new WeComClient(
    { corpId: CORP, agentId: String(AGENT_ID), secret: SECRET, apiBase: sim.url },
    { tokens: new TokenProvider({ store: new InMemoryAccessTokenStore() }), timeoutMs: 2000 },
  );
  const useCase = new WeComCardsUseCase({
    incidents: {} as never, // deliver() reads no incident from the repository
    links: links as LinkStore,
    cards,
    messengers: { forIntegration: async () => client },
    clicks: {} as IncidentClicks,
    clock: { nowMs: () => Date.now() },
    record: (event, details) => records.push({ event, details }),
  });
  seq += 1;
  const now = Date.now();
  const incident: Incident = {
    incidentId: `resend-${seq}`,
    version: 1,
    revision: 1,
    title: `Disk full on db-${seq}`,
    severity: 'Warning',
    description: '',
    labels: {},
    responders: people.map((p) => p.email),
    targets: [],
    status: 'Triggered',
    triggeredAt: now,
    updatedAt: now,
  };
  return { cards, records, useCase, incident };
}

async function setReading(mode: 'reject' | 'accept'): Promise<void> {
  const res = await fetch(`${sim.url}/_sim/wecom/task-id-reuse`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ corpId: CORP, mode }) });
  expect(res.status).toBe(200);
}

const sendsOf = (taskId: string) =>
  sim.calls({ platform: 'wecom', endpoint: 'message/send' }).filter((c) => (c.requestBody as { template_card?: { task_id?: string } }).template_card?.task_id === taskId);

describe.each([
  ['reject', 42014, 'card_already_sent'],
  ['accept', 0, 'card_sent'],
] as const)('a resent batch, reading "%s" (WeCom answers %s)', (reading, resendErrcode, recorded) => {
  afterAll(async () => setReading('reject'));

  it('is recorded as sent, not failed; nobody gets the card twice; it is never sent a third time', async () => {
    await setReading(reading);
    const { cards, records, useCase, incident } = setup();
    // Every card the simulator hands to a person, counted (a redelivery would replace in place).
    const deliveries: ConversationItem[] = [];
    const original = sim.context.deliver;
    (sim.context as { deliver: typeof original }).deliver = (item) => {
      deliveries.push(item as ConversationItem);
      original(item);
    };
    try {
      // First delivery: WeCom takes the card, the function dies before recording the send.
      cards.crashOnSent = true;
      await expect(useCase.deliver(integration, incident)).rejects.toThrow(/died after the send/);
      const taskId = cards.card!.batches[0]!.taskId;
      expect(cards.card!.batches[0]!.status).toBe('pending');
      expect(sendsOf(taskId).map((c) => c.resultCode)).toEqual([0]);

      // The queue delivers the event again: the same batch, the same task_id, is sent again.
      await useCase.deliver(integration, incident);
      expect(sendsOf(taskId).map((c) => c.resultCode)).toEqual([0, resendErrcode]);
      expect(cards.card!.batches[0]!.status).toBe('sent');
      expect(records.map((r) => r.event)).toContain(recorded);
      expect(records.map((r) => r.event)).not.toContain('card_send_failed');

      // Each recipient holds exactly one card: the resend delivered nothing.
      const cardDeliveries = deliveries.filter((d) => d.platform === 'wecom' && d.card?.cardId === taskId);
      expect(cardDeliveries.map((d) => d.conversation).sort()).toEqual(['user:u1', 'user:u2']);

      // And once recorded, the batch is never sent again.
      await useCase.deliver(integration, incident);
      expect(sendsOf(taskId)).toHaveLength(2);
    } finally {
      (sim.context as { deliver: typeof original }).deliver = original;
    }
  });
});

describe('a batch still pending when its incident closes', () => {
  it('is not sent while closed (message/send has no replace_text), and goes out when reopened', async () => {
    const { cards, useCase, incident } = setup();
    const throttle = await fetch(`${sim.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ platform: 'wecom', endpoint: 'message/send', kind: 'throttle', nextN: 1 }),
    });
    expect(throttle.status).toBe(200);
    await expect(useCase.deliver(integration, incident)).rejects.toMatchObject({ errcode: 45009 });
    const taskId = cards.card!.batches[0]!.taskId;
    const closed: Incident = { ...incident, revision: 2, status: 'Closed', closedBy: { email: 'u1@example.com' } };
    await useCase.deliver(integration, closed);
    expect(sendsOf(taskId).map((c) => c.resultCode)).toEqual([45009]);
    expect(cards.card!.batches[0]!.status).toBe('pending');

    const reopened: Incident = { ...incident, revision: 3, status: 'Triggered' };
    await useCase.deliver(integration, reopened);
    expect(sendsOf(taskId).map((c) => c.resultCode)).toEqual([45009, 0]);
    expect(cards.card!.batches[0]!.status).toBe('sent');
  });
});
