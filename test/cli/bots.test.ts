/**
 * `dutybridge bots add|list|remove` in-process with in-memory stores: bad input is a one-line usage
 * error that changes nothing; the webhook URL and sign secret go to the secret store only and are
 * never printed unmasked; loopback URLs only on the local stack, https only on a deployed one.
 */
import { botsCommand, maskWebhookUrl, type BotsDeps, type BotsValues } from '../../cli/bots';
import { CliUsageError } from '../../cli/target';
import type { GroupBot } from '../../shared/domain/group-bot';
import type { Integration } from '../../shared/domain/integration';
import { NotFoundError } from '../../shared/domain/errors';

const weCom: Integration = { id: 'acme-wecom', platform: 'wecom', settings: { corpId: 'ww1', agentId: '1000002', apiBase: 'https://qyapi.weixin.qq.com' }, secretName: 's', createdAt: '2026-01-01' };
const ding: Integration = {
  id: 'acme-ding',
  platform: 'dingtalk',
  settings: { clientId: 'dingabc', apiBase: 'https://api.dingtalk.com', oapiBase: 'https://oapi.dingtalk.com' },
  secretName: 's',
  createdAt: '2026-01-01',
};
const WECOM_URL = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa';
const LOCAL_WECOM_URL = 'http://127.0.0.1:8788/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa';
const DING_URL = 'https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123456789abcdef';

function setup(kind: 'local' | 'stack', files: Record<string, string>) {
  const bots = new Map<string, GroupBot>();
  const secrets = new Map<string, object>();
  const printed: string[] = [];
  const warnings: string[] = [];
  const deps: BotsDeps = {
    bots: {
      get: async (i, n) => bots.get(`${i}/${n}`),
      list: async (i) => [...bots.values()].filter((b) => b.integrationId === i),
      put: async (b) => void bots.set(`${b.integrationId}/${b.name}`, b),
      remove: async (i, n) => bots.delete(`${i}/${n}`),
    },
    integrations: { get: async (id) => [weCom, ding].find((i) => i.id === id) },
    secrets: { write: async (n, v) => void secrets.set(n, v), delete: async (n) => void secrets.delete(n) },
    secretNamePrefix: 'dutybridge/',
    targetKind: kind,
    readText: (p) => {
      if (!(p in files)) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      return files[p]!;
    },
    confirm: async () => true,
    warn: (line) => void warnings.push(line),
  };
  const run = (action: string, values: BotsValues) => botsCommand(action, values, deps, (_json, value, text) => void printed.push(text + JSON.stringify(value)));
  return { bots, secrets, printed, warnings, run };
}

it('adds a WeCom phone bot: URL in the secret store, masked everywhere else', async () => {
  const s = setup('stack', { url: `${WECOM_URL}\n` });
  expect(await s.run('add', { integration: 'acme-wecom', name: 'ops', mention: 'phone', 'webhook-url-file': 'url' })).toBe(0);
  expect(s.secrets.get('dutybridge/integrations/wecom/acme-wecom/bots/ops')).toEqual({ webhookUrl: WECOM_URL });
  expect(s.bots.get('acme-wecom/ops')).toMatchObject({ mention: 'phone', signed: false, maskedUrl: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=••••5aaa' });
  await s.run('list', { integration: 'acme-wecom' });
  for (const line of s.printed) expect(line).not.toContain('0ec2sifa');
});

it('adds a signed DingTalk bot and removes it with its secret', async () => {
  const s = setup('stack', { url: DING_URL, sign: 'SEC0123456789abcdef' });
  expect(await s.run('add', { integration: 'acme-ding', name: 'dt', mention: 'mapping', 'webhook-url-file': 'url', 'sign-secret-file': 'sign', keyword: 'ALERT' })).toBe(0);
  expect(s.secrets.get('dutybridge/integrations/dingtalk/acme-ding/bots/dt')).toEqual({ webhookUrl: DING_URL, signSecret: 'SEC0123456789abcdef' });
  expect(s.bots.get('acme-ding/dt')).toMatchObject({ signed: true, keyword: 'ALERT' });
  expect(await s.run('remove', { integration: 'acme-ding', name: 'dt', yes: true })).toBe(0);
  expect(s.bots.size).toBe(0);
  expect(s.secrets.size).toBe(0);
});

it.each<[string, BotsValues, Record<string, string>, 'local' | 'stack', RegExp]>([
  ['no mention mode', { name: 'ops', 'webhook-url-file': 'url' }, { url: WECOM_URL }, 'stack', /--mention phone\|mapping/],
  ['mapping without a table on WeCom', { name: 'ops', mention: 'mapping', 'webhook-url-file': 'url' }, { url: WECOM_URL }, 'stack', /--mapping-table/],
  ['a bad name', { name: 'Ops Robot', mention: 'phone', 'webhook-url-file': 'url' }, { url: WECOM_URL }, 'stack', /bot name/],
  ['the URL as a flag-less missing file', { name: 'ops', mention: 'phone', 'webhook-url-file': 'missing' }, {}, 'stack', /no such file: missing/],
  ['no webhook file', { name: 'ops', mention: 'phone' }, {}, 'stack', /--webhook-url-file/],
  ['not a robot URL', { name: 'ops', mention: 'phone', 'webhook-url-file': 'url' }, { url: 'https://qyapi.weixin.qq.com/cgi-bin/message/send?key=abcdefgh' }, 'stack', /not a WeCom group robot URL/],
  ['a DingTalk URL for WeCom', { name: 'ops', mention: 'phone', 'webhook-url-file': 'url' }, { url: DING_URL }, 'stack', /not a WeCom group robot URL/],
  ['loopback on a deployed stack', { name: 'ops', mention: 'phone', 'webhook-url-file': 'url' }, { url: LOCAL_WECOM_URL.replace('http:', 'https:') }, 'stack', /loopback/],
  ['http on a deployed stack', { name: 'ops', mention: 'phone', 'webhook-url-file': 'url' }, { url: WECOM_URL.replace('https:', 'http:') }, 'stack', /https/],
  ['a real robot from the local stack', { name: 'ops', mention: 'phone', 'webhook-url-file': 'url' }, { url: WECOM_URL }, 'local', /qyapi\.weixin\.qq\.com .*--allow-real-credentials-locally/],
  ['a sign secret on WeCom', { name: 'ops', mention: 'phone', 'webhook-url-file': 'url', 'sign-secret-file': 'url' }, { url: WECOM_URL }, 'stack', /DingTalk custom robots/],
])('refuses %s, changing nothing', async (_what, values, files, kind, message) => {
  const s = setup(kind, files);
  await expect(s.run('add', { integration: 'acme-wecom', ...values })).rejects.toThrow(message);
  await expect(s.run('add', { integration: 'acme-wecom', ...values })).rejects.toBeInstanceOf(CliUsageError);
  expect(s.bots.size).toBe(0);
  expect(s.secrets.size).toBe(0);
});

it('refuses a bad sign secret, an existing name without --replace, and unknown integrations or bots', async () => {
  const s = setup('stack', { url: DING_URL, sign: 'not-a-sec' });
  await expect(s.run('add', { integration: 'acme-ding', name: 'dt', mention: 'phone', 'webhook-url-file': 'url', 'sign-secret-file': 'sign' })).rejects.toThrow(/SEC/);
  expect(s.secrets.size).toBe(0);
  expect(await s.run('add', { integration: 'acme-ding', name: 'dt', mention: 'phone', 'webhook-url-file': 'url' })).toBe(0);
  expect(s.warnings.join()).toMatch(/egress IP/);
  await expect(s.run('add', { integration: 'acme-ding', name: 'dt', mention: 'phone', 'webhook-url-file': 'url' })).rejects.toThrow(/--replace/);
  expect(await s.run('add', { integration: 'acme-ding', name: 'dt', mention: 'phone', 'webhook-url-file': 'url', replace: true })).toBe(0);
  await expect(s.run('list', { integration: 'nope' })).rejects.toBeInstanceOf(NotFoundError);
  await expect(s.run('remove', { integration: 'acme-ding', name: 'ghost', yes: true })).rejects.toBeInstanceOf(NotFoundError);
});

it('accepts the simulator on the local stack', async () => {
  const s = setup('local', { url: LOCAL_WECOM_URL });
  expect(await s.run('add', { integration: 'acme-wecom', name: 'ops', mention: 'phone', 'webhook-url-file': 'url' })).toBe(0);
  expect(maskWebhookUrl(LOCAL_WECOM_URL, 'wecom')).toBe('http://127.0.0.1:8788/cgi-bin/webhook/send?key=••••5aaa');
});
