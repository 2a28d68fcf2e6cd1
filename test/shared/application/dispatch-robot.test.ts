/**
 * DingTalk custom-robot (group bot) calls in dispatch: metered against the org's Webhook & Stream
 * quota (`webhook:<org>`), not the API quota; its 80/95/100 % crossings reported under that key;
 * from 95 % a non-Critical bot alert waits in the bot's digest (Critical still posts, a digest may
 * use the last 5 %); a permanent refusal is recorded and not metered; a repeat is not sent twice.
 */
import { InMemoryQpsSlotStore, SlottedQpsLimiter } from '../../../shared/adapters/aws/qps-limiter';
import { InMemoryQuotaMeter } from '../../../shared/adapters/aws/quota-meter';
import { DingTalkApiError } from '../../../shared/adapters/dingtalk/errors';
import { DispatchUseCase, InMemoryDigestBuffer, InMemoryDispatchLedger } from '../../../shared/application/dispatch';
import type { DingTalkMessaging } from '../../../shared/application/dispatch-ports';
import { parseOutgoingCall, type OutgoingCall } from '../../../shared/domain/outgoing-call';

const ORG = 'dingcorp1';
let seq = 0;
const robotCall = (severity: 'Critical' | 'Warning' = 'Warning', digest = false): OutgoingCall =>
  parseOutgoingCall({
    kind: 'dingtalk.robotWebhook',
    integrationId: 'ding-main',
    idempotencyKey: `botsend:${++seq}`,
    severity,
    summary: `Triggered: alert ${seq}`,
    payload: { bot: 'ops', body: { msgtype: 'markdown', markdown: { title: 't', text: `alert ${seq}` } }, ...(digest ? { digest: true } : {}) },
  });

function rig(webhookQuota: number, fail?: () => Error) {
  const nowMs = Date.UTC(2026, 10, 10, 4);
  const clock = { nowMs: () => nowMs };
  const quotas: Record<string, number> = { [ORG]: 5000, [`webhook:${ORG}`]: webhookQuota };
  const meter = new InMemoryQuotaMeter({ quotaOf: (org) => quotas[org]!, clock });
  const posted: unknown[] = [];
  const heldBack: { bot: string; text: string; dueAtMs: number }[] = [];
  const alerts: string[] = [];
  const parked: string[] = [];
  const dispatch = new DispatchUseCase({
    targetFor: async () => ({ client: {} as DingTalkMessaging, appKey: 'dingapp', orgKey: ORG }),
    limiter: new SlottedQpsLimiter(new InMemoryQpsSlotStore(), { limit: 20 }),
    quota: meter,
    ledger: new InMemoryDispatchLedger(clock),
    digests: new InMemoryDigestBuffer(),
    outgoing: { enqueue: async () => undefined },
    parked: { park: async (_c, reason) => void parked.push(reason) },
    alerts: { thresholdCrossed: (org, threshold) => void alerts.push(`${org}:${threshold}`) },
    clock,
    sleep: async () => undefined,
    robots: {
      send: async (_i, _bot, body) => {
        if (fail) throw fail();
        posted.push(body);
      },
      holdBack: async (_i, bot, line, dueAtMs) => void heldBack.push({ bot, text: line.text, dueAtMs }),
    },
  });
  return { dispatch, meter, posted, heldBack, alerts, parked, nowMs };
}

it('meters robot sends against the Webhook & Stream quota and reports its thresholds under that key', async () => {
  const r = rig(10);
  for (let i = 0; i < 8; i++) expect((await r.dispatch.execute(robotCall())).kind).toBe('sent');
  expect((await r.meter.usage(`webhook:${ORG}`)).used).toBe(8);
  expect((await r.meter.usage(ORG)).used).toBe(0);
  expect(r.alerts).toEqual([`webhook:${ORG}:80`]);
  expect(r.posted).toHaveLength(8);
});

it('from 95 % a Warning bot alert waits for the bot digest; Critical and digests still post; 100 % parks', async () => {
  const r = rig(20);
  for (let i = 0; i < 19; i++) await r.dispatch.execute(robotCall('Critical'));
  const deferred = await r.dispatch.execute(robotCall('Warning'));
  expect(deferred.kind).toBe('deferred');
  expect(r.heldBack).toEqual([{ bot: 'ops', text: `Triggered: alert ${seq}`, dueAtMs: expect.any(Number) }]);
  expect(r.heldBack[0]!.dueAtMs).toBeGreaterThan(r.nowMs);
  expect((await r.dispatch.execute(robotCall('Warning', true))).kind).toBe('sent'); // the digest uses the last 5 %
  expect((await r.dispatch.execute(robotCall('Critical'))).kind).toBe('parked');
  expect(r.parked[0]).toMatch(/quota/);
  expect(r.alerts).toEqual([`webhook:${ORG}:80`, `webhook:${ORG}:95`, `webhook:${ORG}:100`]);
});

it('a bad sign is rejected, recorded and not metered; a repeated key is not sent again', async () => {
  const r = rig(100, () => new DingTalkApiError('permanent', 'sign not match', { endpoint: 'oapi:/robot/send', code: 310000, answered: true }));
  const c = robotCall();
  expect(await r.dispatch.execute(c)).toMatchObject({ kind: 'rejected', code: 310000 });
  expect((await r.meter.usage(`webhook:${ORG}`)).used).toBe(0);
  expect((await r.dispatch.execute(c)).kind).toBe('duplicate');
});
