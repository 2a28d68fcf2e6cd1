/**
 * WeCom under lost answers (the hard fault): 30 % of WeCom calls are executed by the simulator and
 * then their answer is lost (dutybridge times out), plus some of the existing mix. Cards go out as
 * message/send with a task_id per batch, so the resend after a lost answer reuses the task_id:
 * under both readings of a reused task_id (42014 refused, or answered ok without delivering again —
 * the WeCom simulator's `taskIdReuse` switch) every responder gets every card exactly once.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createSimulator, type Simulator } from '../../sim/server';
import { addWeComIntegration, linkPeople, putSimWeComCorp } from '../support/wecom-corp';
import { eventually, startTestStack, type TestStack } from '../support/stack';

jest.setTimeout(240_000);
process.env.CARD_REFRESH_DELAY_SECONDS = '0';
process.env.QUEUE_RETRY_MAX_SECONDS = '1';
process.env.WECOM_TIMEOUT_MS = '700';

const ID = 'lost-wecom';
const corp = { corpId: 'wwlostanswer01', agentId: 1000005, secret: 'lost-secret', token: 'LostToken', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' };
const people = ['w1', 'w2', 'w3'].map((u) => ({ userId: u, name: u.toUpperCase(), mobile: '+86-13900000000', email: `${u}@example.com` }));
let t: TestStack;
let sim: Simulator;

beforeAll(async () => {
  t = await startTestStack({ pollers: true });
  sim = await createSimulator({ port: 0, callbackTimeoutMs: 3000, timeoutFaultDelayMs: 1000 });
  expect(await putSimWeComCorp(sim, corp, { callbackUrl: `${t.url}/wecom/${ID}/callback`, users: people })).toBe(200);
  await addWeComIntegration(t, sim, { id: ID, corp });
  await linkPeople(t, ID, people);
});
afterAll(async () => {
  await sim?.stop();
  await t?.stop();
});

const totals = { cards: 0, sends: 0, lost: 0, duplicates: 0 };
afterAll(() => console.log(`WeCom, 30 % lost answers: ${totals.cards} cards (× ${people.length} recipients) in ${totals.sends} message/send calls, ${totals.lost} answers lost, ${totals.duplicates} duplicate cards`));

describe.each(['reject', 'accept'] as const)('reused task_id answered as %s', (reading) => {
  it('every responder gets every card exactly once', async () => {
    const set = await fetch(`${sim.url}/_sim/wecom/task-id-reuse`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ corpId: corp.corpId, mode: reading }) });
    expect(set.status).toBe(200);
    // The first card send always loses its answer (nextN), so the resend path is exercised on every
    // run, not only when the 30 % draw happens to land on message/send.
    const first = await fetch(`${sim.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ platform: 'wecom', endpoint: 'message/send', kind: 'lost-answer', nextN: 1 }) });
    expect(first.status).toBe(200);
    for (const [kind, percent] of [['lost-answer', 30], ['http500', 5], ['token-invalid', 5]] as const) {
      const res = await fetch(`${sim.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ platform: 'wecom', endpoint: '*', kind, percent }) });
      expect(res.status).toBe(200);
    }
    const seqBefore = sim.calls().length;
    const incidents = Array.from({ length: 15 }, (_, i) => `lost-${reading}-${i}`);
    for (const id of incidents) {
      await t.sqs.send(
        new SendMessageCommand({
          QueueUrl: t.queueUrl('incident-events'),
          MessageBody: JSON.stringify({ type: 'incident.triggered', incidentId: id, version: 1, occurredAt: new Date().toISOString(), title: `Disk full on ${id}`, severity: 'Warning', responders: people.map((p) => p.email), targets: [{ integrationId: ID }] }),
        }),
      );
    }
    const sendsOf = () => sim.calls().slice(seqBefore).filter((c) => c.platform === 'wecom' && c.endpoint === 'message/send');
    const taskOf = (body: unknown) => (body as { template_card?: { task_id?: string } }).template_card?.task_id ?? '';
    // A call delivered the card when it was answered ok and was not an "accept" answer to a reused task_id.
    const delivering = () => sendsOf().filter((c) => c.resultCode === 0 && !/reused/.test(c.reason ?? ''));
    await eventually(async () => {
      const tasks = new Set(delivering().map((c) => taskOf(c.requestBody)));
      for (const id of incidents) expect([...tasks].some((task) => task.startsWith(`${id}@`))).toBe(true);
    }, 200_000);
    await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
    await eventually(async () => expect(await t.drain(t.queueUrl('incident-events'), 100)).toHaveLength(0), 15_000);
    await new Promise((r) => setTimeout(r, 1500));

    const byTask = new Map<string, number>();
    for (const c of delivering()) byTask.set(taskOf(c.requestBody), (byTask.get(taskOf(c.requestBody)) ?? 0) + 1);
    expect(byTask.size).toBe(incidents.length);
    for (const [task, count] of byTask) expect([task, count]).toEqual([task, 1]);
    for (const c of delivering()) expect((c.requestBody as { touser: string }).touser.split('|').sort()).toEqual(people.map((p) => p.userId));
    for (const p of people) {
      for (const id of incidents) expect(sim.conversations().filter((i) => i.platform === 'wecom' && i.conversation === `user:${p.userId}` && i.card?.cardId.startsWith(`${id}@`))).toHaveLength(1);
    }
    const calls = sim.calls().slice(seqBefore).filter((c) => c.platform === 'wecom');
    expect(calls.some((c) => c.answerLost && c.endpoint === 'message/send')).toBe(true); // the hard fault really hit card sends
    totals.cards += incidents.length;
    totals.sends += sendsOf().length;
    totals.lost += calls.filter((c) => c.answerLost).length;
    totals.duplicates += [...byTask.values()].reduce((sum, n) => sum + n - 1, 0);
    expect(await t.drain(t.dlqUrl('incident-events'), 100)).toHaveLength(0);
  });
});
