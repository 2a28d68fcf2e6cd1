import { agentId, buttonCard, corpId, GatewayStub, Harness, startGatewayStub, startHarness, token, encodingAesKey } from './support';
import { WeComCrypto } from '../../../shared/crypto';

describe('wecom simulated clicks and callback URL verification', () => {
  let h: Harness;
  let gateway: GatewayStub;
  beforeEach(async () => {
    gateway = await startGatewayStub();
    h = await startHarness({ callbackUrl: gateway.url });
    await h.api('message/send', { touser: 'zhangsan|lisi', msgtype: 'template_card', agentid: agentId, template_card: buttonCard('INC-7') });
  });
  afterEach(async () => {
    await h.sim.stop();
    await gateway.stop();
  });

  const click = (userId: string, buttonKey = 'ack:INC-7') =>
    h.control('POST', '/_sim/click', { platform: 'wecom', orgId: corpId, userId, cardId: 'INC-7', buttonKey });

  it('POSTs an encrypted, signed template_card_event with a fresh single-use ResponseCode', async () => {
    const before = Math.floor(h.sim.clock.now() / 1000);
    const result = await click('zhangsan');
    expect(result).toEqual({ status: 200, body: { status: 200, body: '' } });
    expect(gateway.received).toHaveLength(1);
    const [callback] = gateway.received;
    expect(callback!.query.get('timestamp')).toBe(callback!.event!.CreateTime);
    expect(callback!.event).toMatchObject({
      ToUserName: corpId,
      FromUserName: 'zhangsan',
      MsgType: 'event',
      Event: 'template_card_event',
      EventKey: 'ack:INC-7',
      TaskId: 'INC-7',
      CardType: 'button_interaction',
      AgentID: String(agentId),
    });
    expect(Number(callback!.event!.CreateTime)).toBeGreaterThanOrEqual(before);
    const code = callback!.event!.ResponseCode!;
    await click('lisi');
    expect(gateway.received[1]!.event!.ResponseCode).not.toBe(code);

    const update = { userids: ['zhangsan'], agentid: agentId, response_code: code, button: { replace_name: '已认领' } };
    expect((await h.api('message/update_template_card', update)).errcode).toBe(0);
    expect((await h.api('message/update_template_card', update)).errcode).toBe(60140);
    // The greyed card can no longer be clicked.
    expect((await click('zhangsan')).status).toBe(409);
  });

  it('refuses clicks the client could not make', async () => {
    expect((await click('zhangsan', 'no-such-button')).status).toBe(404);
    expect((await click('Carol')).status).toBe(404); // card not delivered to Carol
    expect((await h.control('POST', '/_sim/click', { platform: 'wecom', orgId: corpId, userId: 'ghost', cardId: 'INC-7', buttonKey: 'ack:INC-7' })).status).toBe(404);
    expect(gateway.received).toHaveLength(0);
  });

  it('retries like WeCom when the gateway is too slow, and records the attempts', async () => {
    let calls = 0;
    gateway.respond = (_req, res) => {
      calls += 1;
      if (calls === 1) {
        setTimeout(() => {
          if (!res.destroyed) res.end('');
        }, 600); // longer than the 300 ms patience configured in the harness
        return;
      }
      res.writeHead(200);
      res.end('');
    };
    const result = await click('lisi');
    expect(result.body.status).toBe(200);
    expect(gateway.received).toHaveLength(2);
    const record = h.sim.calls({ endpoint: 'callback/template_card_event' })[0]!;
    expect(record.reason).toBe('delivered after 2 attempts');
  });

  it('gives up after 1 + 3 attempts when the gateway keeps failing', async () => {
    gateway.respond = (_req, res) => {
      res.writeHead(500);
      res.end('boom');
    };
    const result = await click('lisi');
    expect(result.body.status).toBe(500);
    expect(gateway.received).toHaveLength(4);
    expect(h.sim.calls({ endpoint: 'callback/template_card_event' })[0]!.reason).toMatch(/^not delivered: HTTP 500; HTTP 500; HTTP 500; HTTP 500$/);
  });

  it('applies an encrypted passive update_button reply to the clicking user only', async () => {
    const crypto = new WeComCrypto({ token, encodingAesKey, receiveId: corpId });
    gateway.respond = (_req, res, cb) => {
      const reply = `<xml><ToUserName><![CDATA[${cb.event!.FromUserName}]]></ToUserName><FromUserName><![CDATA[${corpId}]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[update_button]]></MsgType><Button><ReplaceName><![CDATA[处理中]]></ReplaceName></Button></xml>`;
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(crypto.encryptReplyXml(reply, '1700000000', 'n0nce'));
    };
    await click('lisi');
    const lisi = h.sim.conversations().find((i) => i.conversation === 'user:lisi')!.card!;
    expect(lisi.replacedText).toBe('处理中');
    expect(h.sim.conversations().find((i) => i.conversation === 'user:zhangsan')!.card!.replacedText).toBeUndefined();
  });

  it('ignores a passive reply with a wrong signature and says so', async () => {
    const other = new WeComCrypto({ token: 'OtherToken', encodingAesKey, receiveId: corpId });
    gateway.respond = (_req, res) => {
      res.end(other.encryptReplyXml('<xml><MsgType>update_button</MsgType><Button><ReplaceName>x</ReplaceName></Button></xml>', '1700000000', 'n'));
    };
    await click('lisi');
    expect(h.sim.conversations().find((i) => i.conversation === 'user:lisi')!.card!.replacedText).toBeUndefined();
    expect(h.sim.calls({ endpoint: 'callback/template_card_event' })[0]!.reason).toMatch(/passive reply rejected/);
  });

  it('verify-url reports success only for the bare echostr plaintext', async () => {
    const crypto = new WeComCrypto({ token, encodingAesKey, receiveId: corpId });
    gateway.respond = (_req, res, cb) => {
      const plain = crypto.verifyUrl({
        msgSignature: cb.query.get('msg_signature')!,
        timestamp: cb.query.get('timestamp')!,
        nonce: cb.query.get('nonce')!,
        echostr: cb.query.get('echostr')!,
      });
      res.end(plain);
    };
    const ok = await h.control('POST', '/_sim/wecom/verify-url', { corpId });
    expect(ok.body).toMatchObject({ ok: true, status: 200 });
    expect(ok.body.reply).toBe(ok.body.expected);

    gateway.respond = (_req, res, cb) => {
      res.end(JSON.stringify(crypto.verifyUrl({
        msgSignature: cb.query.get('msg_signature')!, timestamp: cb.query.get('timestamp')!, nonce: cb.query.get('nonce')!, echostr: cb.query.get('echostr')!,
      })));
    };
    const quoted = await h.control('POST', '/_sim/wecom/verify-url', { corpId });
    expect(quoted.body.ok).toBe(false);
    expect(quoted.body.reason).toMatch(/expected the bare echostr/);
  });
});
