/**
 * The CLI cannot hurt production by accident (issue 10, item 7), as a user runs it
 * (bin/dutybridge.js in a child process):
 *  - real-looking credentials on the local stack are refused, with the hint to pass --stack;
 *  - a card callback URL on loopback is never registered outside the local stack, nor with the real DingTalk;
 *  - --stack prints the account, region and stack name (from the stack's ARN) before acting;
 *  - apiBase / oapiBase must be https on a deployed stack;
 *  - integrations remove is confirmed (typed id on a terminal, --yes otherwise).
 * The "deployed stack" is a fake CloudFormation endpoint whose outputs name tables on the shared
 * local AWS servers.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { awsIntegrationAdmin } from '../../shared/adapters/aws/integration-admin';
import { provisionLocalResources } from '../../local/provision';
import type { IntegrationAdmin } from '../../shared/application/integration-admin';

const root = path.resolve(__dirname, '../..');
jest.setTimeout(90_000);

const AES = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const DING_SECRETS = { DUTYBRIDGE_DINGTALK_CLIENT_SECRET: 'DingSecret123456', DUTYBRIDGE_DINGTALK_TOKEN: 'DingToken', DUTYBRIDGE_DINGTALK_AES_KEY: AES };
const WECOM_SECRETS = { DUTYBRIDGE_WECOM_SECRET: 'CorpSecret123456', DUTYBRIDGE_WECOM_TOKEN: 'WeComToken', DUTYBRIDGE_WECOM_AES_KEY: AES };
const ACCOUNT = '210987654321';
const STACK_ARN = `arn:aws-cn:cloudformation:cn-north-1:${ACCOUNT}:stack/DutyBridge/0f1e2d3c-aaaa-bbbb-cccc-123456789abc`;
const PUBLIC_API = 'https://abc123.execute-api.cn-north-1.amazonaws.com.cn';

let dataDir: string;
let cfn: Server;
let cfnUrl: string;
let stackEnv: Record<string, string>;
let stackAdmin: IntegrationAdmin;
const describeCalls: string[] = [];

/** DescribeStacks (awsQuery): DutyBridge (public ApiUrl) and LoopStack (ApiUrl on loopback), on the same tables. */
function describeStacksXml(name: string): string | undefined {
  const apiUrl = name === 'DutyBridge' ? PUBLIC_API : name === 'LoopStack' ? 'http://127.0.0.1:8787' : undefined;
  if (!apiUrl) return undefined;
  const outputs = { ApiUrl: apiUrl, StateTableName: stackEnv.STATE_TABLE_NAME, SecretNamePrefix: stackEnv.SECRET_NAME_PREFIX };
  return `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member>
<StackId>${STACK_ARN.replace('/DutyBridge/', `/${name}/`)}</StackId><StackName>${name}</StackName><CreationTime>2026-11-01T00:00:00Z</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus>
<Outputs>${Object.entries(outputs).map(([k, v]) => `<member><OutputKey>${k}</OutputKey><OutputValue>${v}</OutputValue></member>`).join('')}</Outputs>
</member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></DescribeStacksResponse>`;
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'dutybridge-cli-safety-'));
  stackEnv = await provisionLocalResources({
    endpoints: { dynamodb: process.env.AWS_ENDPOINT_URL_DYNAMODB!, sqs: process.env.AWS_ENDPOINT_URL_SQS! },
    prefix: `cli-${randomBytes(3).toString('hex')}-`,
  });
  stackAdmin = awsIntegrationAdmin(stackEnv.STATE_TABLE_NAME, stackEnv.SECRET_NAME_PREFIX);
  cfn = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const params = new URLSearchParams(body);
      describeCalls.push(`${params.get('Action')} ${params.get('StackName')}`);
      const xml = params.get('Action') === 'DescribeStacks' ? describeStacksXml(params.get('StackName') ?? '') : undefined;
      if (xml) {
        res.writeHead(200, { 'content-type': 'text/xml' }).end(xml);
      } else {
        res
          .writeHead(400, { 'content-type': 'text/xml' })
          .end('<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack does not exist</Message></Error><RequestId>r2</RequestId></ErrorResponse>');
      }
    });
  });
  await new Promise<void>((resolve) => cfn.listen(0, '127.0.0.1', resolve));
  const address = cfn.address();
  cfnUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  await new Promise((r) => cfn.close(r));
  rmSync(dataDir, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI's environment: only the given DUTYBRIDGE_* variables; AWS pointed at the fake CloudFormation and the local servers. */
function cliEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DUTYBRIDGE_') && !k.startsWith('AWS_')));
  return {
    ...base,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_CLOUDFORMATION: cfnUrl,
    AWS_ENDPOINT_URL_DYNAMODB: process.env.AWS_ENDPOINT_URL_DYNAMODB!,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER!,
    AWS_MAX_ATTEMPTS: '1',
    ...env,
    DUTYBRIDGE_DATA_DIR: dataDir,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
}

/** Runs the CLI without blocking this process (the fake CloudFormation answers from here). Standard input is a pipe: no terminal. */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/dutybridge.js', ...args], { cwd: root, env: cliEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end();
  });
}

/** The CLI on a terminal (a pty from util-linux `script`): answers `typed` once the confirmation is asked. */
function cliOnTerminal(args: string[], typed: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, 'bin/dutybridge.js', ...args].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: root, env: cliEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let asked = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (!asked && out.includes('to confirm: ')) {
        asked = true;
        child.stdin.write(`${typed}\r`);
      }
    });
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout: out, stderr: '' });
    });
  });
}

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/** Integrations in the local data folder's Secrets Manager (what an accident would leave behind). */
function storedLocally(id: string): boolean {
  try {
    const all = JSON.parse(readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')) as { name: string; deleted?: boolean }[];
    return all.some((x) => /\/integrations\/((wecom|dingtalk)\/)?[^/]+$/.test(x.name) && x.name.endsWith(`/${id}`) && !x.deleted);
  } catch {
    return false;
  }
}

async function localIds(): Promise<string[]> {
  const r = await cli(['integrations', 'list', '--json']);
  expect(r.status).toBe(0);
  return (JSON.parse(r.stdout) as { id: string }[]).map((i) => i.id);
}

describe('real-looking credentials on the local stack', () => {
  it.each([
    ['DingTalk, no --api-base (production defaults)', ['dingtalk', '--id', 'real-a', '--client-id', 'dingreal'], DING_SECRETS, "--api-base not given, so https://api.dingtalk.com (DingTalk's production API)"],
    ['DingTalk, --api-base api.dingtalk.com', ['dingtalk', '--id', 'real-b', '--client-id', 'dingreal', '--api-base', 'https://api.dingtalk.com'], DING_SECRETS, '--api-base https://api.dingtalk.com'],
    [
      'DingTalk, simulator --api-base but --oapi-base oapi.dingtalk.com',
      ['dingtalk', '--id', 'real-c', '--client-id', 'dingreal', '--api-base', 'http://127.0.0.1:9', '--oapi-base', 'https://oapi.dingtalk.com'],
      DING_SECRETS,
      '--oapi-base https://oapi.dingtalk.com',
    ],
    ['WeCom, no --api-base (qyapi.weixin.qq.com)', ['wecom', '--id', 'real-d', '--corp-id', 'wwreal', '--agent-id', '1000002'], WECOM_SECRETS, "https://qyapi.weixin.qq.com (WeCom's production API)"],
    ['WeCom, a private deployment', ['wecom', '--id', 'real-e', '--corp-id', 'wwreal', '--agent-id', '1000002', '--api-base', 'https://wecom.corp.example'], WECOM_SECRETS, 'not the simulator'],
  ])('refuses %s with exit 2 and the hint to pass --stack, storing nothing', async (_name, args, env, because) => {
    const r = await cli(['integrations', 'add', ...args], env);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('look like real');
    expect(r.stderr).toContain(because);
    expect(r.stderr).toContain('Pass --stack NAME --region REGION');
    expect(r.stdout).toBe('');
    expect(storedLocally(args[2])).toBe(false);
  });

  it('accepts the simulator on loopback', async () => {
    const r = await cli(['integrations', 'add', 'dingtalk', '--id', 'sim-ding', '--client-id', 'dingsim', '--api-base', 'http://127.0.0.1:9'], DING_SECRETS);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/target: local data in /);
    expect(storedLocally('sim-ding')).toBe(true);
  });

  it('--allow-real-credentials-locally stores them, but never registers a loopback card callback with the real DingTalk', async () => {
    const r = await cli(['integrations', 'add', 'dingtalk', '--id', 'real-ok', '--client-id', 'dingreal', '--allow-real-credentials-locally'], DING_SECRETS);
    expect(r.status).toBe(0);
    expect(storedLocally('real-ok')).toBe(true);
    expect(r.stderr).toContain('not registering the card callback: the card callback URL http://127.0.0.1:8787/dingtalk/real-ok/cards is on loopback');
    expect(r.stderr).not.toContain('registered the card callback');
    expect(r.stderr).not.toContain('could not register');

    const again = await cli(['integrations', 'register-callback', 'real-ok']);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('not registering the card callback');
    expect(again.stdout).toBe('');
  });
});

describe('--stack', () => {
  it('prints the account, region and stack name before acting', async () => {
    const r = await cli(['integrations', 'list', '--stack', 'DutyBridge', '--region', 'cn-north-1']);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`dutybridge: target: stack DutyBridge in account ${ACCOUNT}, region cn-north-1 (partition aws-cn)`);
    expect(describeCalls).toContain('DescribeStacks DutyBridge');
  });

  it('prints the target even when the action then fails', async () => {
    const r = await cli(['integrations', 'register-callback', 'nope', '--stack', 'DutyBridge', '--region', 'cn-north-1']);
    expect(r.status).toBe(2);
    const lines = r.stderr.split('\n');
    const target = lines.findIndex((l) => l.includes(`in account ${ACCOUNT}`));
    const failure = lines.findIndex((l) => l.includes('no DingTalk integration nope'));
    expect(target).toBeGreaterThanOrEqual(0);
    expect(failure).toBeGreaterThan(target);
  });

  it('--region without --stack is refused: it would act on the local stack', async () => {
    const r = await cli(['integrations', 'list', '--region', 'cn-north-1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--region without --stack');
  });

  it.each([
    ['--api-base', ['--api-base', 'http://dingtalk-proxy.example']],
    ['--oapi-base', ['--api-base', 'https://dingtalk-proxy.example', '--oapi-base', 'http://dingtalk-proxy.example']],
  ])('refuses a non-https %s, storing nothing', async (flag, endpointArgs) => {
    const r = await cli(['integrations', 'add', 'dingtalk', '--id', 'plain-http', '--client-id', 'dingprod', ...endpointArgs, '--stack', 'DutyBridge', '--region', 'cn-north-1'], DING_SECRETS);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${flag} http://dingtalk-proxy.example: a deployed stack talks to the platform over https only`);
    expect(await stackAdmin.get('plain-http')).toBeUndefined();
  });

  it('refuses a non-https WeCom --api-base', async () => {
    const r = await cli(['integrations', 'add', 'wecom', '--id', 'plain-http-w', '--corp-id', 'wwprod', '--agent-id', '1', '--api-base', 'http://wecom.corp.example', '--stack', 'DutyBridge', '--region', 'cn-north-1'], WECOM_SECRETS);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('https only');
    expect(await stackAdmin.get('plain-http-w')).toBeUndefined();
  });

  it('adds real credentials to the deployed stack (https), with the callback URLs of its API', async () => {
    // https on a closed loopback port: the registration fails fast and is only warned about.
    const r = await cli(['integrations', 'add', 'dingtalk', '--id', 'prod-ding', '--client-id', 'dingprod', '--api-base', 'https://127.0.0.1:9', '--stack', 'DutyBridge', '--region', 'cn-north-1'], DING_SECRETS);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`cards: ${PUBLIC_API}/dingtalk/prod-ding/cards`);
    expect(r.stderr).toContain(`in account ${ACCOUNT}`);
    expect(await stackAdmin.get('prod-ding')).toBeDefined();
    expect(storedLocally('prod-ding')).toBe(false);
  });

  it('refuses a loopback card callback URL on a deployed stack, before storing anything', async () => {
    const r = await cli(['integrations', 'add', 'dingtalk', '--id', 'loop-ding', '--client-id', 'dingloop', '--stack', 'LoopStack', '--region', 'cn-north-1'], DING_SECRETS);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('not adding loop-ding: the card callback URL http://127.0.0.1:8787/dingtalk/loop-ding/cards is on loopback, but the target is a deployed stack');
    expect(await stackAdmin.get('loop-ding')).toBeUndefined();

    // register-callback for an integration already there.
    await stackAdmin.addDingTalk({ id: 'loop-ding2', clientId: 'dingloop2', clientSecret: 'x'.repeat(16), token: 'LoopToken', aesKey: AES, cardApiSecret: 'c'.repeat(16), apiBase: 'https://127.0.0.1:9' });
    const again = await cli(['integrations', 'register-callback', 'loop-ding2', '--stack', 'LoopStack', '--region', 'cn-north-1']);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('not registering the card callback: the card callback URL http://127.0.0.1:8787/dingtalk/loop-ding2/cards is on loopback, but the target is a deployed stack');
  });
});

describe('integrations remove', () => {
  it('without a terminal and without --yes: refused with exit 2, nothing removed', async () => {
    expect(await localIds()).toContain('sim-ding');
    const r = await cli(['integrations', 'remove', 'sim-ding']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('standard input is not a terminal to confirm on: pass --yes');
    expect(await localIds()).toContain('sim-ding');
    expect(storedLocally('sim-ding')).toBe(true);
  });

  (hasScript ? it : it.skip)('on a terminal: removes only when the id is typed', async () => {
    const wrong = await cliOnTerminal(['integrations', 'remove', 'sim-ding'], 'yes');
    expect(wrong.stdout).toContain('remove integration sim-ding (dingtalk) from local data in');
    expect(wrong.stdout).toContain('not removed');
    expect(wrong.status).toBe(1);
    expect(await localIds()).toContain('sim-ding');

    const right = await cliOnTerminal(['integrations', 'remove', 'sim-ding'], 'sim-ding');
    expect(right.stdout).toContain('removed sim-ding');
    expect(right.status).toBe(0);
    expect(await localIds()).not.toContain('sim-ding');
    expect(storedLocally('sim-ding')).toBe(false);
  });

  it('--yes removes without asking, on a deployed stack too (its account printed first)', async () => {
    const r = await cli(['integrations', 'remove', 'prod-ding', '--yes', '--stack', 'DutyBridge', '--region', 'cn-north-1']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('removed prod-ding');
    expect(r.stderr).toContain(`in account ${ACCOUNT}`);
    expect(await stackAdmin.get('prod-ding')).toBeUndefined();
  });
});
