import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GROUP_ID, Harness, LocalServer, makeHarness, startServer } from './support';

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const buttons = JSON.stringify([
  { key: 'ack', text: 'Acknowledge', params: { action: 'ack', incident: 'INC-1' } },
  { key: 'resolve', text: 'Resolve' },
  { key: 'old', text: 'Old', disabled: true },
]);

async function setup(answer: Parameters<typeof startServer>[0], apiSecret = 's3cret', userIdType = 1, cardDeadlineMs?: number): Promise<Harness> {
  server = await startServer(answer);
  const h = makeHarness({}, cardDeadlineMs ? { cardCallbackDeadlineMs: cardDeadlineMs } : {});
  await h.api('POST', '/v1.0/card/callbacks/register', { callbackRouteKey: 'route1', callbackUrl: `${server.url}/dingtalk/card`, apiSecret });
  const created = await h.api('POST', '/v1.0/card/instances/createAndDeliver', {
    cardTemplateId: 'tpl',
    outTrackId: 'inc-1',
    callbackType: 'HTTP',
    callbackRouteKey: 'route1',
    cardData: { cardParamMap: { title: 'DB down', status: 'OPEN', buttons } },
    openSpaceId: `dtv1.card//IM_GROUP.${GROUP_ID};IM_ROBOT.${userIdType === 1 ? 'alice' : 'unionAlice'}`,
    imGroupOpenDeliverModel: { robotCode: 'dingclient0001' },
    imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT' },
    userIdType,
  });
  expect(created.status).toBe(200);
  return h;
}

const answerJson = (body: unknown) => (_req: unknown, res: import('node:http').ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe('DingTalk sim: card clicks', () => {
  it('POSTs the plain-JSON actionCallback signed with HMAC-SHA256(apiSecret, ts) and applies the synchronous answer', async () => {
    const h = await setup(
      answerJson({
        cardData: { cardParamMap: { status: 'ACKED', assignee: 'Alice' } },
        userPrivateData: { cardParamMap: { buttons: JSON.stringify([{ key: 'ack', text: 'Acknowledged', disabled: true }]) } },
        cardUpdateOptions: { updateCardDataByKey: true, updatePrivateDataByKey: true },
      }),
    );
    const result = await h.sim.click({ platform: 'dingtalk', orgId: 'dingcorp0001', userId: 'alice', cardId: 'inc-1', buttonKey: 'ack' }, h.ctx);
    expect(result.status).toBe(200);
    const received = server!.received[0]!;
    const timestamp = received.headers['x-ddpaas-signature-timestamp'] as string;
    expect(timestamp).toBe(String(h.ctx.clock.now()));
    expect(received.headers['x-ddpaas-signature']).toBe(createHmac('sha256', 's3cret').update(timestamp).digest('base64'));
    const body = JSON.parse(received.body) as Record<string, unknown>;
    expect(body).toEqual({ type: 'actionCallback', outTrackId: 'inc-1', corpId: 'dingcorp0001', userId: 'alice', content: expect.any(String) });
    expect(JSON.parse(body.content as string)).toEqual({ cardPrivateData: { actionIds: ['ack'], params: { action: 'ack', incident: 'INC-1' } } });

    expect(h.sim.card('inc-1')?.publicData).toMatchObject({ title: 'DB down', status: 'ACKED', assignee: 'Alice' });
    const aliceView = h.ctx.delivered.filter((item) => item.conversation === 'user:alice').at(-1);
    expect(aliceView?.card?.buttons).toEqual([{ key: 'ack', text: 'Acknowledged', disabled: true }]);
    expect(aliceView?.card?.fields).toEqual([{ key: 'status', value: 'ACKED' }, { key: 'assignee', value: 'Alice' }]);
    const groupView = h.ctx.delivered.filter((item) => item.conversation === `group:${GROUP_ID}`).at(-1);
    expect(groupView?.card?.buttons.map((button) => button.key)).toEqual(['ack', 'resolve', 'old']);

    const again = await h.sim.click({ platform: 'dingtalk', orgId: 'dingcorp0001', userId: 'alice', cardId: 'inc-1', buttonKey: 'ack' }, h.ctx);
    expect(again).toEqual({ status: 0, body: 'not sent: button ack is disabled' });
    expect(server!.received).toHaveLength(1);
  });

  it('matches the card-callback signature vector', async () => {
    const vectors = JSON.parse(readFileSync(join(__dirname, '../../fixtures/vectors/dingtalk.json'), 'utf8')) as { cardCallbackSign: Record<string, string> };
    const vector = vectors.cardCallbackSign;
    const h = await setup(answerJson({}), vector.apiSecret);
    h.ctx.setNow(Number(vector.timestamp));
    await h.sim.click({ platform: 'dingtalk', orgId: 'dingcorp0001', userId: 'bob', cardId: 'inc-1', buttonKey: 'resolve', conversation: `group:${GROUP_ID}` }, h.ctx);
    expect(server!.received[0]!.headers['x-ddpaas-signature']).toBe(vector.signature);
    const content = JSON.parse((JSON.parse(server!.received[0]!.body) as { content: string }).content) as unknown;
    expect(content).toEqual({ cardPrivateData: { actionIds: ['resolve'], params: { action: 'resolve' } } });
  });

  it('carries the unionId when the card was created with userIdType 2', async () => {
    const h = await setup(answerJson({}), 's3cret', 2);
    await h.sim.click({ platform: 'dingtalk', orgId: 'dingcorp0001', userId: 'alice', cardId: 'inc-1', buttonKey: 'ack' }, h.ctx);
    expect((JSON.parse(server!.received[0]!.body) as { userId: string }).userId).toBe('unionAlice');
  });

  it('does not send clicks from people who cannot see the card or on unknown buttons', async () => {
    const h = await setup(answerJson({}));
    const outsider = await h.sim.click({ platform: 'dingtalk', orgId: 'dingcorp0001', userId: 'carol', cardId: 'inc-1', buttonKey: 'ack' }, h.ctx);
    expect(outsider).toEqual({ status: 0, body: 'not sent: carol cannot see card inc-1' });
    const unknownButton = await h.sim.click({ platform: 'dingtalk', orgId: 'dingcorp0001', userId: 'alice', cardId: 'inc-1', buttonKey: 'nope' }, h.ctx);
    expect(unknownButton.body).toMatch(/has no button nope/);
    const wrongOrg = await h.sim.click({ platform: 'dingtalk', orgId: 'other', userId: 'alice', cardId: 'inc-1', buttonKey: 'ack' }, h.ctx);
    expect(wrongOrg.status).toBe(0);
    expect(server!.received).toHaveLength(0);
  });

  it('leaves the card unchanged when the answer has non-string values or comes too late', async () => {
    let slow = false;
    const h = await setup(async (_req, res) => {
      if (slow) await new Promise((resolve) => setTimeout(resolve, 400));
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ cardData: { cardParamMap: { status: 2 } } }));
    }, 's3cret', 1, 150);
    const invalid = await h.sim.click({ platform: 'dingtalk', orgId: 'dingcorp0001', userId: 'alice', cardId: 'inc-1', buttonKey: 'ack' }, h.ctx);
    expect(invalid.status).toBe(200);
    expect(h.sim.card('inc-1')?.publicData.status).toBe('OPEN');
    expect(h.ctx.records.at(-1)?.reason).toMatch(/status is a number/);
    slow = true;
    const late = await h.sim.click({ platform: 'dingtalk', orgId: 'dingcorp0001', userId: 'alice', cardId: 'inc-1', buttonKey: 'ack' }, h.ctx);
    expect(late).toEqual({ status: 0, body: 'no answer within 150 ms' });
  });
});
