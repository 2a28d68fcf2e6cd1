/**
 * `npx dutybridge suites …`, `integrations add wecom --suite …` and `licenses show` as an operator
 * runs them (bin/dutybridge.js in a child process) against a running local stack (this process)
 * and the simulator's service-provider side. Customer corps install the app through the
 * simulator's market; the authorization the auth worker would store is written directly (the
 * worker is not part of this test). Covered: secrets from files and standard input, the console
 * URLs, a corp that has not authorized the app (exit 1, install page named, nothing written), a
 * Corp ID with spaces (exit 2), a new corp found by its plain Corp ID and stored with the encrypted
 * id WeCom gives the app, a historical corp matched ignoring case, and the licenses of a corp.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { getDocumentClient, getSecretsManagerClient } from '../../shared/adapters/aws/clients';
import { secretsManagerWriter } from '../../shared/adapters/aws/secrets';
import { DynamoSuiteStore } from '../../shared/adapters/aws/suite-store';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { createSimulator, type Simulator } from '../../sim/server';
import { cliEnv, integrationAwsEnv, repoRoot } from '../support/child-process';

jest.setTimeout(120_000);

const SUITE = { suiteId: 'wwdutybridge01', suiteSecret: 'SuiteSecretFromFile42', token: 'SuiteTok3n', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', providerCorpId: 'wwprovider0001', providerSecret: 'ProviderSecretFromStdin7' };
const NEW_CORP = 'wwacmecorp01';
const HISTORICAL_CORP = 'wwHistoric77';
const STRANGER = 'wwstranger01';

let dataDir: string;
let stack: LocalStack;
let sim: Simulator;
/** Stands in for our command URL: answers `success` to the simulator's pushes (ticket, create_auth). */
let commandReceiver: Server;
let suites: DynamoSuiteStore;

async function simJson(method: string, route: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${sim.url}${route}`, { method, headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const parsed = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(parsed)}`);
  return parsed;
}

/** The CLI in a child process, with `input` on standard input. */
function cli(args: string[], input = ''): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/dutybridge.js', ...args], { cwd: repoRoot, env: cliEnv(dataDir) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ status: code ?? 1, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** What the test stack's Secrets Manager holds under `name`. */
const storedSecret = (name: string) => secretsManagerWriter(getSecretsManagerClient()).read(name);

interface SimAuthorization {
  plainCorpId: string;
  corpId: string;
  corpName: string;
  agentId: number;
  trialEndMs: number | null;
}

/** Stores what the auth worker stores after an install: the authorization, as WeCom gives the corp id. */
async function recordAuthorization(plainCorpId: string): Promise<SimAuthorization> {
  const described = (await simJson('GET', `/_sim/wecom/suites/${SUITE.suiteId}`)) as { authorizations: SimAuthorization[] };
  const a = described.authorizations.find((x) => x.plainCorpId.toLowerCase() === plainCorpId.toLowerCase())!;
  await suites.putAuthorization({
    suiteId: SUITE.suiteId,
    corpId: a.corpId,
    corpName: a.corpName,
    agentId: String(a.agentId),
    status: 'active',
    secretName: `${stack.env.SECRET_NAME_PREFIX}suites/${SUITE.suiteId}/corps/${a.corpId}`,
    authorizedAtMs: Date.now(),
    updatedAtMs: Date.now(),
  });
  return a;
}

const integrationIds = async () => (JSON.parse((await cli(['integrations', 'list', '--json'])).stdout) as { id: string }[]).map((i) => i.id);

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'dutybridge-cli-suites-'));
  stack = await startLocalStack({ awsEnv: integrationAwsEnv(), prefix: `it-${randomBytes(4).toString('hex')}-`, dataDir, port: 0, pollers: false });
  suites = new DynamoSuiteStore(getDocumentClient(), stack.env.STATE_TABLE_NAME);
  sim = await createSimulator({ port: 0 });
  commandReceiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('success'));
  });
  await new Promise<void>((resolve) => commandReceiver.listen(0, '127.0.0.1', resolve));
  const commandUrl = `http://127.0.0.1:${(commandReceiver.address() as AddressInfo).port}/command`;
  await simJson('PUT', `/_sim/wecom/suites/${SUITE.suiteId}`, { ...SUITE, commandUrl });
  const users = (prefix: string) => [
    { userId: `${prefix}ana`, name: 'Ana', mobile: '+86-13800000001', email: `ana@${prefix}.example.com` },
    { userId: `${prefix}bo`, name: 'Bo', mobile: '+86-13800000002', email: `bo@${prefix}.example.com` },
    { userId: `${prefix}cy`, name: 'Cy', mobile: '+86-13800000003', email: `cy@${prefix}.example.com`, unlicensed: true },
  ];
  await simJson('PUT', `/_sim/wecom/customers/${NEW_CORP}`, { corpName: 'Acme Ltd', users: users('acme') });
  await simJson('PUT', `/_sim/wecom/customers/${HISTORICAL_CORP}`, { corpName: 'Old Timers', users: users('old'), historical: true });
  await simJson('PUT', `/_sim/wecom/customers/${STRANGER}`, { corpName: 'Stranger', users: users('str') });
  for (const corpId of [NEW_CORP, HISTORICAL_CORP]) await simJson('POST', `/_sim/wecom/suites/${SUITE.suiteId}/market-install`, { corpId });
});

afterAll(async () => {
  await sim?.stop();
  await new Promise((resolve) => commandReceiver?.close(resolve));
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it('suites add: the SuiteSecret from a file, the ProviderSecret from standard input, and the console URLs', async () => {
  const secretFile = path.join(dataDir, 'suite-secret.txt');
  writeFileSync(secretFile, `${SUITE.suiteSecret}\n`, { mode: 0o600 });
  const r = await cli(
    ['suites', 'add', 'wecom', '--suite-id', SUITE.suiteId, '--suite-secret-file', secretFile, '--token', SUITE.token, '--aes-key', SUITE.encodingAesKey, '--provider-corp-id', SUITE.providerCorpId, '--provider-secret-file', '-', '--api-base', sim.url],
    `${SUITE.providerSecret}\n`,
  );
  expect(r.stderr).not.toMatch(/warning/);
  expect(r.status).toBe(0);
  const base = `${stack.gatewayUrl}/wecom-suite/${SUITE.suiteId}`;
  expect(r.stdout).toContain(`added suite ${SUITE.suiteId} (third-party)`);
  expect(r.stdout).toContain(`指令回调URL (command URL): ${base}/command`);
  expect(r.stdout).toContain(`数据回调URL (data URL):    ${base}/data`);
  expect(r.stdout).toContain(`${base}/installed`);
  expect(r.stdout).toContain(`install page to send a customer's admin to: ${base}/install`);
  expect(r.stdout + r.stderr).not.toContain(SUITE.suiteSecret);
  expect(r.stdout + r.stderr).not.toContain(SUITE.providerSecret);
  expect(await storedSecret(`${stack.env.SECRET_NAME_PREFIX}suites/${SUITE.suiteId}`)).toEqual({
    suiteSecret: SUITE.suiteSecret,
    token: SUITE.token,
    encodingAesKey: SUITE.encodingAesKey,
    providerSecret: SUITE.providerSecret,
  });
  expect(await suites.getSuite(SUITE.suiteId)).toMatchObject({ kind: 'third-party', apiBase: sim.url, providerCorpId: SUITE.providerCorpId });

  // A secret on the command line is not an option; a missing file is named.
  const onArgv = await cli(['suites', 'add', 'wecom', '--suite-id', SUITE.suiteId, '--suite-secret', 'x', '--token', 'T', '--aes-key', SUITE.encodingAesKey]);
  expect(onArgv.status).toBe(2);
  expect(onArgv.stderr).toMatch(/^dutybridge: unknown option --suite-secret$/m);
  const noFile = await cli(['suites', 'add', 'wecom', '--suite-id', SUITE.suiteId, '--suite-secret-file', path.join(dataDir, 'nope.txt'), '--token', 'T', '--aes-key', SUITE.encodingAesKey, '--api-base', sim.url]);
  expect(noFile.status).toBe(2);
  expect(noFile.stderr).toContain('--suite-secret-file: no such file');
});

it('suites show: the ticket age (never the ticket) and the authorized corps', async () => {
  await suites.saveTicketIfNewer(SUITE.suiteId, { ticket: 'TICKET-NEVER-SHOWN-123', timestamp: Math.floor(Date.now() / 1000) - 300, receivedAtMs: Date.now() - 300_000 });
  const before = await cli(['suites', 'show', SUITE.suiteId]);
  expect(before.status).toBe(0);
  expect(before.stdout).toContain('suite_ticket: 5 min old');
  expect(before.stdout).toContain('no corp has authorized the app yet');
  expect(before.stdout).not.toContain('TICKET-NEVER-SHOWN-123');
  const list = await cli(['suites', 'list']);
  expect(list.stdout).toMatch(new RegExp(`^${SUITE.suiteId}\\s+third-party\\s+${SUITE.providerCorpId}\\s+5 min\\s+0\\s+0\\s+`, 'm'));
});

it('integrations add --suite: a corp that has not authorized the app is sent to the install page, and nothing is written', async () => {
  const r = await cli(['integrations', 'add', 'wecom', '--suite', SUITE.suiteId, '--corp-id', STRANGER, '--id', 'stranger']);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(`authorize the app first: open ${stack.gatewayUrl}/wecom-suite/${SUITE.suiteId}/install`);
  expect(r.stdout).toBe('');
  expect(await integrationIds()).not.toContain('stranger');
  expect(await suites.listAuthorizations(SUITE.suiteId)).toEqual([]);
});

it('integrations add --suite: refuses a Corp ID with spaces, and custom-app flags mixed in', async () => {
  const spaced = await cli(['integrations', 'add', 'wecom', '--suite', SUITE.suiteId, '--corp-id', `${NEW_CORP} `]);
  expect(spaced.status).toBe(2);
  expect(spaced.stderr).toContain('contains spaces or line breaks: paste it exactly as WeCom shows it');
  const mixed = await cli(['integrations', 'add', 'wecom', '--suite', SUITE.suiteId, '--corp-id', NEW_CORP, '--agent-id', '1000002', '--secrets-file', 'x.json']);
  expect(mixed.status).toBe(2);
  expect(mixed.stderr).toContain('--agent-id, --secrets-file cannot be used with --suite');
  expect(await integrationIds()).toEqual([]);
});

it('integrations add --suite: a new corp by its plain Corp ID gets the encrypted id WeCom gives the app; licenses show its trial', async () => {
  const installed = await recordAuthorization(NEW_CORP);
  // A corp new to the provider is known to the app by an encrypted id (DOC-96516).
  expect(installed.corpId).not.toBe(NEW_CORP);

  const r = await cli(['integrations', 'add', 'wecom', '--suite', SUITE.suiteId, '--corp-id', NEW_CORP, '--id', 'acme', '--json']);
  expect(r.stderr).not.toMatch(/warning/);
  expect(r.status).toBe(0);
  const shown = JSON.parse((await cli(['integrations', 'show', 'acme', '--json'])).stdout) as { integration: { settings: Record<string, unknown>; secretName: string } };
  expect(shown.integration.settings).toMatchObject({
    corpId: installed.corpId,
    agentId: String(installed.agentId),
    apiBase: sim.url,
    suite: { suiteId: SUITE.suiteId, kind: 'third-party', pastedCorpId: NEW_CORP },
  });
  expect(shown.integration.secretName).toBe(`${stack.env.SECRET_NAME_PREFIX}suites/${SUITE.suiteId}/corps/${installed.corpId}`);
  expect((await suites.getAuthorization(SUITE.suiteId, installed.corpId))?.integrationId).toBe('acme');

  // The same corp again is refused, naming the integration it has.
  const again = await cli(['integrations', 'add', 'wecom', '--suite', SUITE.suiteId, '--corp-id', NEW_CORP]);
  expect(again.status).toBe(2);
  expect(again.stderr).toContain('already has integration acme');

  const licenses = await cli(['licenses', 'show', '--integration', 'acme']);
  expect(licenses.status).toBe(0);
  const trialEnd = new Date(installed.trialEndMs! + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');
  expect(licenses.stdout).toContain(`ends ${trialEnd} (UTC+8), 89 days left`);
  expect(licenses.stdout).toContain('licenses enforced: yes');
  expect(licenses.stdout).toContain('active accounts: 2');
  const json = JSON.parse((await cli(['licenses', 'show', '--integration', 'acme', '--json'])).stdout) as { trialEndMs: number; accounts: { userId: string }[] };
  expect(json.trialEndMs).toBe(Math.floor(installed.trialEndMs! / 1000) * 1000);
  expect(json.accounts).toHaveLength(2);
});

it('integrations add --suite: a historical corp keeps its plain id and is matched ignoring case; suites show lists both', async () => {
  const installed = await recordAuthorization(HISTORICAL_CORP);
  expect(installed.corpId).toBe(HISTORICAL_CORP);
  const r = await cli(['integrations', 'add', 'wecom', '--suite', SUITE.suiteId, '--corp-id', HISTORICAL_CORP.toLowerCase(), '--id', 'old-timers']);
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('added old-timers (wecom, third-party app wwdutybridge01): corp Old Timers');
  const shown = JSON.parse((await cli(['integrations', 'show', 'old-timers', '--json'])).stdout) as { integration: { settings: { corpId: string } } };
  expect(shown.integration.settings.corpId).toBe(HISTORICAL_CORP);

  const show = await cli(['suites', 'show', SUITE.suiteId]);
  expect(show.stdout).toMatch(new RegExp(`${HISTORICAL_CORP}\\s+Old Timers\\s+${installed.agentId}\\s+active\\s+old-timers`));
  expect(show.stdout).toMatch(/Acme Ltd\s+\d+\s+active\s+acme/);
});

it('licenses show refuses a self-built integration', async () => {
  const secretsFile = path.join(dataDir, 'own.json');
  writeFileSync(secretsFile, JSON.stringify({ secret: 'CorpSecret1234', token: 'Tok', encodingAesKey: SUITE.encodingAesKey }), { mode: 0o600 });
  expect((await cli(['integrations', 'add', 'wecom', '--id', 'own', '--corp-id', 'wwownapp01', '--agent-id', '1000002', '--api-base', sim.url, '--secrets-file', secretsFile])).status).toBe(0);
  const r = await cli(['licenses', 'show', '--integration', 'own']);
  expect(r.status).toBe(2);
  expect(r.stderr).toContain('licenses apply to third-party apps only; self-built apps need none');
});
