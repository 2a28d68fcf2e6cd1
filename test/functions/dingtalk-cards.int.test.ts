import { dingTalkCardSignature } from '../../shared/crypto';
import { startTestStack, type TestStack } from '../support/stack';

const ID = 'ding-cards';
const API_SECRET = 'card-api-secret-2';
let t: TestStack;

beforeAll(async () => {
  t = await startTestStack();
  await t.admin.addDingTalk({
    id: ID,
    clientId: 'dingcardsclient',
    clientSecret: 'secret',
    token: 'tokenCards1',
    aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus',
    cardApiSecret: API_SECRET,
    apiBase: 'http://127.0.0.1:9',
  });
});
afterAll(async () => t.stop());

const click = {
  type: 'actionCallback',
  outTrackId: 'inc-42-ding',
  corpId: 'dingcorp',
  userId: 'zhangwei',
  content: JSON.stringify({ cardPrivateData: { actionIds: ['ack'], params: { action: 'acknowledge' } } }),
};

function send(body: unknown, ts: number | null = Date.now(), secret = API_SECRET, signature?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (ts !== null) {
    headers['x-ddpaas-signature-timestamp'] = String(ts);
    headers['x-ddpaas-signature'] = signature ?? dingTalkCardSignature(secret, String(ts));
  }
  return fetch(`${t.url}/dingtalk/${ID}/cards`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

it('answers a signed click on a card it does not know synchronously, for the clicker only', async () => {
  const res = await send(click);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({
    userPrivateData: { cardParamMap: { note: 'Incident not found' } },
    cardUpdateOptions: { updateCardDataByKey: true, updatePrivateDataByKey: true },
  });
});

it('claims an exact replay only once', async () => {
  const ts = Date.now();
  const before = await t.countItems('DEDUPE#');
  for (let i = 0; i < 3; i++) expect((await send({ ...click, outTrackId: 'inc-43-ding' }, ts)).status).toBe(200);
  expect(await t.countItems('DEDUPE#')).toBe(before + 1);
});

it.each([
  ['a wrong signature', () => send(click, Date.now(), 'wrong-secret'), 'signature_mismatch'],
  ['a timestamp more than 1 h old', () => send(click, Date.now() - 3601_000), 'signature_stale'],
  ['a timestamp more than 1 h ahead', () => send(click, Date.now() + 3601_000), 'signature_stale'],
  ['missing signature headers', () => send(click, null), 'signature_missing'],
])('rejects %s with 401 and writes nothing', async (_n, make, code) => {
  const before = await t.countItems('DEDUPE#');
  const res = await make();
  expect(res.status).toBe(401);
  expect(await res.json()).toEqual({ code, message: expect.any(String) });
  expect(await t.countItems('DEDUPE#')).toBe(before);
});

it.each([
  ['a body that is not JSON', 'not json', 'invalid_json'],
  ['a body without outTrackId', { ...click, outTrackId: undefined }, 'invalid_card_callback'],
  ['content that is not a JSON string', { ...click, content: '{oops' }, 'invalid_content'],
])('rejects %s with 400', async (_n, body, code) => {
  const res = await send(body);
  expect(res.status).toBe(400);
  expect(((await res.json()) as { code: string }).code).toBe(code);
});
