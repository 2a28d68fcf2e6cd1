/**
 * Switches: unconfirmed DingTalk behaviour the simulator plays either way (sim/dingtalk/switches.ts):
 * a reused outTrackId (ignored vs 400 param.cardAlreadyExist), the status of a bad token (401 vs 400),
 * and batchSend flow control (recipients answered in flowControlledStaffIdList and not delivered).
 */
import { GROUP_ID, makeHarness, request } from './support';

const card = (outTrackId: string, title = 'first') => ({
  cardTemplateId: 'tpl',
  outTrackId,
  cardData: { cardParamMap: { title } },
  openSpaceId: `dtv1.card//IM_GROUP.${GROUP_ID}`,
  imGroupOpenDeliverModel: { robotCode: 'dingclient0001' },
});

describe('DingTalk sim switches', () => {
  it('GET shows the defaults; PUT changes some and validates; reset restores them', async () => {
    const h = makeHarness();
    const get = await h.sim.handleControl(request('GET', '/_sim/dingtalk/switches'), h.ctx);
    expect(get?.body).toEqual({ existingOutTrackId: 'ignore', invalidTokenStatus: 401, flowControlPercent: 0, flowControlNextN: 0, contactsReadable: true, contactsReadableByApp: {} });
    const put = await h.sim.handleControl(request('PUT', '/_sim/dingtalk/switches', { invalidTokenStatus: 400 }), h.ctx);
    expect(put?.body).toMatchObject({ existingOutTrackId: 'ignore', invalidTokenStatus: 400 });
    const bad = await h.sim.handleControl(request('PUT', '/_sim/dingtalk/switches', { invalidTokenStatus: 403, typo: true }), h.ctx);
    expect(bad?.status).toBe(400);
    h.sim.reset();
    expect((await h.sim.handleControl(request('GET', '/_sim/dingtalk/switches'), h.ctx))?.body).toMatchObject({ invalidTokenStatus: 401 });
  });

  it('existingOutTrackId=ignore: a reused outTrackId answers success and keeps the first card', async () => {
    const h = makeHarness();
    expect((await h.api('POST', '/v1.0/card/instances/createAndDeliver', card('c-1'))).status).toBe(200);
    const again = await h.api('POST', '/v1.0/card/instances/createAndDeliver', card('c-1', 'second'));
    expect(again.status).toBe(200);
    expect(h.sim.card('c-1')?.publicData.title).toBe('first');
  });

  it('existingOutTrackId=reject: a reused outTrackId answers 400 param.cardAlreadyExist and delivers nothing', async () => {
    const h = makeHarness();
    h.sim.setSwitches({ existingOutTrackId: 'reject' });
    expect((await h.api('POST', '/v1.0/card/instances/createAndDeliver', card('c-2'))).status).toBe(200);
    const delivered = h.ctx.delivered.length;
    const again = await h.api('POST', '/v1.0/card/instances/createAndDeliver', card('c-2', 'second'));
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ code: 'param.cardAlreadyExist' });
    expect(h.ctx.delivered.length).toBe(delivered);
    expect(h.sim.card('c-2')?.publicData.title).toBe('first');
    expect(h.sim.usage('dingclient0001', h.ctx).metered).toBe(1); // the refusal is not metered
  });

  it('invalidTokenStatus: a bad token is 401 or 400, always code InvalidAuthentication', async () => {
    const h = makeHarness();
    const bad = () => h.sim.handle(request('POST', '/v1.0/robot/groupMessages/send', {}, { 'x-acs-dingtalk-access-token': 'nope' }), h.ctx);
    expect(await bad()).toMatchObject({ status: 401, body: { code: 'InvalidAuthentication' } });
    h.sim.setSwitches({ invalidTokenStatus: 400 });
    expect(await bad()).toMatchObject({ status: 400, body: { code: 'InvalidAuthentication' } });
  });

  it('flow control: the next N recipients (or a percentage) are answered as flow-controlled and not delivered', async () => {
    const h = makeHarness();
    h.sim.setSwitches({ flowControl: { nextN: 2 } });
    const send = (userIds: string[]) => h.api('POST', '/v1.0/robot/oToMessages/batchSend', { robotCode: 'dingclient0001', userIds, msgKey: 'sampleText', msgParam: '{"content":"hi"}' });
    const first = await send(['alice', 'bob', 'carol', 'ghost']);
    expect(first.body).toMatchObject({ invalidStaffIdList: ['ghost'], flowControlledStaffIdList: ['alice', 'bob'] });
    expect(h.ctx.delivered.map((item) => item.conversation)).toEqual(['user:carol']);
    const second = await send(['alice', 'bob']);
    expect(second.body).toMatchObject({ flowControlledStaffIdList: [] });
    h.sim.setSwitches({ flowControl: { percent: 100 } });
    expect((await send(['alice'])).body).toMatchObject({ flowControlledStaffIdList: ['alice'] });
    expect(h.ctx.delivered).toHaveLength(3);
  });
});
