/**
 * The simulator's WeCom smart bot (sim/wecom/smart-bot.ts) against a tiny bot written here with
 * WeComCrypto (receiveid ''): encrypted JSON callbacks, stream replies polled until finish=true,
 * strict reply checks, URL verification, encrypted media, the three-messages-in-flight rule, events.
 */
import { createDecipheriv, randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { WeComCrypto } from '../../shared/crypto';
import { createSimulator, Simulator } from '../../sim/server';

const token = 'BotToken42';
const encodingAesKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const botId = 'aibot-ops';
const crypto = new WeComCrypto({ token, encodingAesKey, receiveId: '' });

type Json = Record<string, any>;

interface ReceivedCallback {
  readonly method: string;
  readonly query: URLSearchParams;
  /** The decrypted JSON of a POST. */
  readonly message?: Json;
}

/** What the bot answers to a decrypted callback: a raw body (already an envelope) or undefined for an empty 200. */
type BotBehaviour = (message: Json, nonce: string) => string | undefined;

interface TinyBot {
  url: string;
  received: ReceivedCallback[];
  behave: BotBehaviour;
  /** The URL check's answer; default the decrypted echostr. */
  answerUrlCheck: (echostr: string) => string;
  stop(): Promise<void>;
}

/** The passive reply envelope {encrypt, msgsignature, timestamp, nonce} (DOC-101031). */
function envelope(plain: Json, nonce: string, options: { timestamp?: 'number' | 'string'; badSignature?: boolean } = {}): string {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const encrypt = crypto.encrypt(JSON.stringify(plain));
  const signature = crypto.signature(timestamp, nonce, encrypt);
  const msgsignature = options.badSignature ? `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}` : signature;
  return JSON.stringify({ encrypt, msgsignature, timestamp: options.timestamp === 'string' ? timestamp : Number(timestamp), nonce });
}

async function startTinyBot(): Promise<TinyBot> {
  const bot: TinyBot = {
    url: '',
    received: [],
    behave: () => undefined,
    answerUrlCheck: (echostr) => echostr,
    stop: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://bot');
      const q = url.searchParams;
      const signed = { msgSignature: q.get('msg_signature') ?? '', timestamp: q.get('timestamp') ?? '', nonce: q.get('nonce') ?? '' };
      try {
        if (req.method === 'GET') {
          bot.received.push({ method: 'GET', query: q });
          const plain = crypto.verifyUrl({ ...signed, echostr: q.get('echostr') ?? '' });
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(bot.answerUrlCheck(plain));
          return;
        }
        const { encrypt } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { encrypt: string };
        const message = JSON.parse(crypto.decryptMessage({ ...signed, encrypt })) as Json;
        bot.received.push({ method: 'POST', query: q, message });
        const body = bot.behave(message, signed.nonce);
        res.writeHead(200, body === undefined ? {} : { 'content-type': 'application/json' });
        res.end(body ?? '');
      } catch (error) {
        res.writeHead(400);
        res.end((error as Error).message);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  bot.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wecom-bot/int-1/callback`;
  bot.stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return bot;
}

/** A bot whose stream grows one step per refresh, then finishes. */
function growingStream(steps: readonly string[], options: { timestamp?: 'number' | 'string' } = {}): BotBehaviour {
  let refreshes = 0;
  return (message, nonce) => {
    if (message.msgtype === 'stream') {
      refreshes += 1;
      const content = steps[Math.min(refreshes, steps.length - 1)]!;
      return envelope({ msgtype: 'stream', stream: { id: message.stream.id, finish: refreshes >= steps.length - 1, content } }, nonce, options);
    }
    return envelope({ msgtype: 'stream', stream: { id: `stream-${message.msgid}`, finish: false, content: steps[0] } }, nonce, { timestamp: 'number' });
  };
}

describe('sim: WeCom smart bot', () => {
  let sim: Simulator;
  let bot: TinyBot;

  const control = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${sim.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    try {
      return { status: response.status, body: JSON.parse(text) };
    } catch {
      return { status: response.status, body: text };
    }
  };
  const send = (body: Json) => control('POST', `/_sim/wecom/bots/${botId}/messages`, { chatType: 'single', msgtype: 'text', refreshIntervalMs: 20, maxWaitMs: 5000, ...body });

  beforeEach(async () => {
    bot = await startTinyBot();
    sim = await createSimulator({ port: 0, callbackTimeoutMs: 500 });
    const put = await control('PUT', `/_sim/wecom/bots/${botId}`, { token, encodingAesKey, callbackUrl: bot.url, name: 'OpsBot' });
    expect(put).toEqual({ status: 200, body: { ok: true, botId, name: 'OpsBot', callbackUrl: bot.url } });
  });
  afterEach(async () => {
    await sim.stop();
    await bot.stop();
  });

  it('polls a stream until finish=true and records every content in order', async () => {
    const steps = ['Looking', 'Looking at INC-7', 'Looking at INC-7: **payments-api** 5xx since 10:02', 'Looking at INC-7: **payments-api** 5xx since 10:02. Rolled back.'];
    bot.behave = growingStream(steps, { timestamp: 'string' });
    const result = await send({ userId: 'zhangsan', text: 'summarise INC-7', wait: true });

    expect(result.status).toBe(200);
    const conversation = result.body;
    expect(conversation.status).toBe('finished');
    expect(conversation.contents).toEqual(steps);
    expect(conversation.final).toBe(steps[3]);
    expect(conversation.refreshes).toBe(3);
    expect(conversation.violations).toEqual([]);
    expect(conversation.streamId).toBe(`stream-${conversation.msgid}`);
    // The first reply carried a numeric timestamp, the refreshes a string one: both are taken.
    expect(conversation.envelopes.map((e: Json) => [e.phase, e.status, e.timestampType, e.violations.length])).toEqual([
      ['message', 200, 'number', 0],
      ['refresh', 200, 'string', 0],
      ['refresh', 200, 'string', 0],
      ['refresh', 200, 'string', 0],
    ]);

    // What the bot received: the DOC-100719 message, then refreshes naming its stream.
    const [first, ...refreshes] = bot.received.map((r) => r.message!);
    expect(first).toMatchObject({ msgid: conversation.msgid, aibotid: botId, chattype: 'single', from: { userid: 'zhangsan' }, msgtype: 'text', text: { content: 'summarise INC-7' } });
    expect(first!.chatid).toBeUndefined();
    expect(first!.response_url).toMatch(new RegExp(`^${sim.url}/cgi-bin/aibot/response\\?response_code=[0-9a-f]+$`));
    expect(refreshes).toHaveLength(3);
    for (const refresh of refreshes) expect(refresh).toMatchObject({ msgtype: 'stream', stream: { id: `stream-${conversation.msgid}` }, from: { userid: 'zhangsan' } });
    expect(new Set(refreshes.map((r) => r.msgid)).size).toBe(3);

    // The conversation routes and the client's view show the same stream.
    const listed = await control('GET', `/_sim/wecom/bots/${botId}/conversations`);
    expect(listed.body.conversations.map((c: Json) => c.id)).toEqual([conversation.id]);
    const byId = await control('GET', `/_sim/wecom/bots/conversations/${conversation.id}`);
    expect(byId.body.contents).toEqual(steps);
    const page = await control('GET', '/_sim/wecom/bots/view');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<pre>Looking at INC-7</pre>');
    expect(page.body).toContain('Looking at INC-7: **payments-api** 5xx since 10:02. Rolled back.');
    expect(page.body).toContain('status-finished');
    const fragment = await control('GET', '/_sim/wecom/bots/view?fragment=1');
    expect(fragment.body).not.toContain('<html');
    expect(fragment.body).toContain('summarise INC-7');

    // The message's response_url takes one plain JSON post.
    const responseUrl = first!.response_url as string;
    const posted = await fetch(responseUrl, { method: 'POST', body: JSON.stringify({ msgtype: 'markdown', markdown: { content: 'later' } }) });
    expect(await posted.json()).toEqual({ errcode: 0, errmsg: 'ok' });
    const again = await fetch(responseUrl, { method: 'POST', body: JSON.stringify({ msgtype: 'markdown', markdown: { content: 'again' } }) });
    expect(((await again.json()) as Json).errcode).toBe(40029);
    expect((await control('GET', `/_sim/wecom/bots/conversations/${conversation.id}`)).body.responses).toEqual([{ msgtype: 'markdown', markdown: { content: 'later' } }]);
  });

  it('puts the @mention in front of group text', async () => {
    bot.behave = () => undefined;
    const result = await send({ userId: 'lisi', chatType: 'group', chatId: 'wrOpsRoom', text: 'status?', wait: true });
    expect(result.body.status).toBe('empty');
    expect(bot.received[0]!.message).toMatchObject({ chattype: 'group', chatid: 'wrOpsRoom', text: { content: '@OpsBot status?' } });
  });

  it('rejects a stream content over 20480 bytes', async () => {
    bot.behave = (message, nonce) => envelope({ msgtype: 'stream', stream: { id: 's1', finish: true, content: '告'.repeat(6827) } }, nonce); // 20481 bytes
    const result = await send({ userId: 'zhangsan', text: 'long', wait: true });
    expect(result.body.status).toBe('rejected');
    expect(result.body.contents).toEqual([]);
    expect(result.body.violations).toEqual(['stream.content is 20481 bytes, over 20480 (DOC-101031)']);
    expect(result.body.envelopes[0].violations).toEqual(result.body.violations);
  });

  it('rejects a reply whose signature does not verify, and one with another nonce', async () => {
    bot.behave = (_message, nonce) => envelope({ msgtype: 'stream', stream: { id: 's1', finish: true, content: 'ok' } }, nonce, { badSignature: true });
    const forged = await send({ userId: 'zhangsan', text: 'one', wait: true });
    expect(forged.body.status).toBe('rejected');
    expect(forged.body.violations).toEqual(['envelope msgsignature does not verify (sha1 of sorted token, timestamp, nonce, encrypt)']);

    bot.behave = () => envelope({ msgtype: 'stream', stream: { id: 's1', finish: true, content: 'ok' } }, 'not-the-nonce');
    const otherNonce = await send({ userId: 'zhangsan', text: 'two', wait: true });
    expect(otherNonce.body.status).toBe('rejected');
    expect(otherNonce.body.violations[0]).toMatch(/^envelope nonce "not-the-nonce" is not the callback URL's nonce/);
  });

  it('verifies the callback URL with an encrypted echostr and wants the bare plaintext back', async () => {
    const ok = await control('POST', `/_sim/wecom/bots/${botId}/verify-url`);
    expect(ok.status).toBe(200);
    expect(ok.body.ok).toBe(true);
    expect(ok.body.reply).toBe(ok.body.expected);
    const check = bot.received[0]!;
    expect(check.method).toBe('GET');
    expect(crypto.verifyUrl({ msgSignature: check.query.get('msg_signature')!, timestamp: check.query.get('timestamp')!, nonce: check.query.get('nonce')!, echostr: check.query.get('echostr')! })).toBe(ok.body.expected);

    bot.answerUrlCheck = (echostr) => `"${echostr}"\n`;
    const quoted = await control('POST', `/_sim/wecom/bots/${botId}/verify-url`);
    expect(quoted.body.ok).toBe(false);
    expect(quoted.body.reason).toMatch(/expected the bare echostr plaintext/);
  });

  it('serves image bytes encrypted with the bot key (AES-256-CBC, IV = key[0..16), PKCS#7 to 32, no framing) for 5 minutes', async () => {
    bot.behave = () => undefined;
    for (const size of [100, 64]) {
      const original = randomBytes(size);
      const result = await send({ userId: 'zhangsan', msgtype: 'image', imageBase64: original.toString('base64'), wait: true });
      expect(result.body.status).toBe('empty');
      const message = bot.received.at(-1)!.message!;
      expect(message.msgtype).toBe('image');
      expect(message.image.url).toBe(result.body.mediaUrls[0]);

      const download = await fetch(message.image.url as string);
      expect(download.status).toBe(200);
      const encrypted = Buffer.from(await download.arrayBuffer());
      // 100 bytes pad to 128; 64 (already a multiple of 32) get a whole block of 32 pad bytes.
      expect(encrypted.length).toBe(size === 100 ? 128 : 96);
      const key = Buffer.from(`${encodingAesKey}=`, 'base64');
      const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
      const padded = Buffer.concat([decipher.update(encrypted), decipher.final()]);
      const pad = padded[padded.length - 1]!;
      expect(pad).toBe(size === 100 ? 28 : 32);
      expect(padded.subarray(padded.length - pad).every((byte) => byte === pad)).toBe(true);
      expect(padded.subarray(0, padded.length - pad).equals(original)).toBe(true);
    }
    const url = bot.received.at(-1)!.message!.image.url as string;
    sim.clock.advance(5 * 60_000);
    const expired = await fetch(url);
    expect(expired.status).toBe(404);
  });

  it('refuses a 4th message in flight from one user, not from another', async () => {
    // Never finishes: every conversation stays in flight.
    bot.behave = (message, nonce) => envelope({ msgtype: 'stream', stream: { id: message.msgtype === 'stream' ? message.stream.id : 'open', finish: false, content: '…' } }, nonce);
    for (const text of ['one', 'two', 'three']) {
      const accepted = await send({ userId: 'zhangsan', text, refreshIntervalMs: 200 });
      expect(accepted.status).toBe(200);
      expect(accepted.body.conversationId).toMatch(/^[0-9a-f]+$/);
    }
    const fourth = await send({ userId: 'zhangsan', text: 'four', refreshIntervalMs: 200 });
    expect(fourth.status).toBe(409);
    expect(fourth.body.error).toContain('already has 3 messages in flight');
    expect((await send({ userId: 'lisi', text: 'mine', refreshIntervalMs: 200 })).status).toBe(200);
    const conversations = (await control('GET', `/_sim/wecom/bots/${botId}/conversations`)).body.conversations as Json[];
    expect(conversations.map((c) => [c.userId, c.text, c.status])).toEqual([
      ['lisi', 'mine', 'streaming'],
      ['zhangsan', 'three', 'streaming'],
      ['zhangsan', 'two', 'streaming'],
      ['zhangsan', 'one', 'streaming'],
    ]);

    // Reset forgets bots and conversations, and stops the polling.
    expect((await control('POST', '/_sim/reset')).status).toBe(200);
    expect((await control('GET', '/_sim/wecom/bots')).body).toEqual({ bots: [] });
    expect((await send({ userId: 'zhangsan', text: 'after reset' })).status).toBe(404);
  });

  it('sends enter_chat and takes a text welcome, but not a stream', async () => {
    bot.behave = (_message, nonce) => envelope({ msgtype: 'text', text: { content: '你好, I am OpsBot' } }, nonce);
    const welcomed = await control('POST', `/_sim/wecom/bots/${botId}/events`, { userId: 'zhangsan', eventtype: 'enter_chat' });
    expect(welcomed.status).toBe(200);
    expect(welcomed.body).toMatchObject({ ok: true, eventtype: 'enter_chat', status: 200, empty: false, reply: { msgtype: 'text', text: { content: '你好, I am OpsBot' } }, violations: [] });
    const event = bot.received[0]!.message!;
    expect(event).toMatchObject({ msgid: welcomed.body.msgid, aibotid: botId, chattype: 'single', from: { userid: 'zhangsan' }, msgtype: 'event', event: { eventtype: 'enter_chat' } });
    expect(typeof event.create_time).toBe('number');

    bot.behave = (_message, nonce) => envelope({ msgtype: 'stream', stream: { id: 's', finish: true, content: 'hi' } }, nonce);
    const streamed = await control('POST', `/_sim/wecom/bots/${botId}/events`, { userId: 'zhangsan', eventtype: 'enter_chat' });
    expect(streamed.body.ok).toBe(false);
    expect(streamed.body.violations[0]).toMatch(/^msgtype "stream" is not a passive reply to enter_chat/);

    const inGroup = await control('POST', `/_sim/wecom/bots/${botId}/events`, { userId: 'zhangsan', eventtype: 'enter_chat', chatId: 'wrOpsRoom' });
    expect(inGroup.status).toBe(400);
  });

  it('refuses bad bot settings and reserved bot ids', async () => {
    expect((await control('PUT', `/_sim/wecom/bots/${botId}`, { token, encodingAesKey: 'short', callbackUrl: bot.url })).status).toBe(400);
    expect((await control('PUT', '/_sim/wecom/bots/view', { token, encodingAesKey, callbackUrl: bot.url })).status).toBe(400);
    expect((await control('POST', '/_sim/wecom/bots/nobody/messages', { userId: 'u', chatType: 'single', msgtype: 'text', text: 'hi' })).status).toBe(404);
  });
});
