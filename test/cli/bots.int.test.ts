/**
 * `npx dutybridge bots …` as a user runs it (bin/dutybridge.js in a child process) against a
 * running local stack: add a WeCom bot from a file and a DingTalk bot from standard input, list
 * (masked, never the key), bad input is one line and exit 2 changing nothing, remove asks for --yes
 * without a terminal.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { awsIntegrationAdmin } from '../../shared/adapters/aws/integration-admin';
import { getSecretsManagerClient } from '../../shared/adapters/aws/clients';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { cliEnv, integrationAwsEnv, runCli } from '../support/child-process';

jest.setTimeout(120_000);

let dataDir: string;
let stack: LocalStack;
const KEY = '693a91f6-7aaa-4bc4-97a0-0ec2sifa5abc';

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'dutybridge-cli-bots-'));
  stack = await startLocalStack({ awsEnv: integrationAwsEnv(), prefix: `it-${randomBytes(4).toString('hex')}-`, dataDir, port: 0, pollers: false });
  const admin = awsIntegrationAdmin(stack.env.STATE_TABLE_NAME, stack.env.SECRET_NAME_PREFIX);
  await admin.addWeCom({ id: 'acme-wecom', corpId: 'ww1', agentId: '1000002', apiBase: 'http://127.0.0.1:9', secret: 's', token: 'Token1', aesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C' });
  await admin.addDingTalk({ id: 'acme-ding', clientId: 'dingabc', clientSecret: 's', token: 'Token1', aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus', cardApiSecret: 'card-secret', apiBase: 'http://127.0.0.1:9', oapiBase: 'http://127.0.0.1:9' });
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli(dataDir, args);
const withStdin = (args: string[], input: string) =>
  new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(process.execPath, ['bin/dutybridge.js', ...args], { cwd: path.resolve(__dirname, '../..'), env: cliEnv(dataDir) }, (error, stdout, stderr) =>
      resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });

it('adds, lists (masked) and removes bots', async () => {
  const url = path.join(dataDir, 'url.txt');
  writeFileSync(url, `http://127.0.0.1:8788/cgi-bin/webhook/send?key=${KEY}\n`);
  const added = await cli(['bots', 'add', '--integration', 'acme-wecom', '--name', 'ops', '--webhook-url-file', url, '--mention', 'phone']);
  expect(added.stderr).not.toContain('usage');
  expect(added.status).toBe(0);
  expect(added.stdout).toContain('added bot ops (wecom, @mention by phone) → http://127.0.0.1:8788/cgi-bin/webhook/send?key=••••5abc');
  const secret = await getSecretsManagerClient().send(new GetSecretValueCommand({ SecretId: `${stack.env.SECRET_NAME_PREFIX}integrations/wecom/acme-wecom/bots/ops` }));
  expect(JSON.parse(secret.SecretString!)).toEqual({ webhookUrl: `http://127.0.0.1:8788/cgi-bin/webhook/send?key=${KEY}` });

  const ding = await withStdin(['bots', 'add', '--integration', 'acme-ding', '--name', 'dt', '--webhook-url-file', '-', '--mention', 'mapping'], 'http://127.0.0.1:8788/robot/send?access_token=abcdef0123456789\n');
  expect(ding.status).toBe(0);

  const list = await cli(['bots', 'list', '--integration', 'acme-wecom']);
  expect(list.status).toBe(0);
  expect(list.stdout).toMatch(/^NAME\tPLATFORM\tMENTION/);
  expect(list.stdout).toContain('ops\twecom\tphone');
  const json = JSON.parse((await cli(['bots', 'list', '--integration', 'acme-wecom', '--json'])).stdout) as { name: string }[];
  expect(json.map((b) => b.name)).toEqual(['ops']);
  for (const out of [added.stdout, added.stderr, list.stdout, JSON.stringify(json)]) expect(out).not.toContain(KEY);

  const noTty = await cli(['bots', 'remove', '--integration', 'acme-wecom', '--name', 'ops']);
  expect(noTty.status).toBe(2);
  expect(noTty.stderr).toContain('pass --yes');
  const removed = await cli(['bots', 'remove', '--integration', 'acme-wecom', '--name', 'ops', '--yes']);
  expect(removed.status).toBe(0);
  expect((await cli(['bots', 'list', '--integration', 'acme-wecom'])).stdout).toContain('no bots in acme-wecom');
});

it('bad input: one line, exit 2 (exit 1 for an id that names nothing), nothing stored', async () => {
  const bad = path.join(dataDir, 'bad.txt');
  writeFileSync(bad, 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=realkey123456');
  const real = await cli(['bots', 'add', '--integration', 'acme-wecom', '--name', 'x', '--webhook-url-file', bad, '--mention', 'phone']);
  expect(real.status).toBe(2);
  expect(real.stderr).toContain('--allow-real-credentials-locally');
  expect(real.stderr).not.toContain('realkey123456');
  const noMention = await cli(['bots', 'add', '--integration', 'acme-wecom', '--name', 'x', '--webhook-url-file', bad]);
  expect(noMention.status).toBe(2);
  expect(noMention.stderr).toContain('--mention phone|mapping');
  const unknown = await cli(['bots', 'list', '--integration', 'nope']);
  expect(unknown.status).toBe(1);
  expect(unknown.stderr).toContain('no integration nope');
  expect((await cli(['bots', 'list', '--integration', 'acme-wecom'])).stdout).toContain('no bots in acme-wecom');
});

it('integrations add dingtalk takes the group bots\u2019 Webhook & Stream quota (--monthly-webhook-quota)', async () => {
  const secrets = path.join(dataDir, 'ding.json');
  writeFileSync(secrets, JSON.stringify({ clientSecret: 's', token: 'Token1', aesKey: 'o1w0aum42yaptlz8alnhwikjd3jenzt9cb9wmzptgus' }), { mode: 0o600 });
  const base = ['integrations', 'add', 'dingtalk', '--client-id', 'dingquota', '--secrets-file', secrets, '--api-base', 'http://127.0.0.1:9', '--oapi-base', 'http://127.0.0.1:9'];
  const bad = await cli([...base, '--id', 'quota-bad', '--monthly-webhook-quota', 'lots']);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toContain('--monthly-webhook-quota');
  const added = await cli([...base, '--id', 'quota-ding', '--monthly-webhook-quota', '10', '--json']);
  expect(added.status).toBe(0);
  const shown = JSON.parse((await cli(['integrations', 'show', 'quota-ding', '--json'])).stdout) as { integration: { settings: Record<string, unknown> } };
  expect(shown.integration.settings.monthlyWebhookMessages).toBe(10);
});
