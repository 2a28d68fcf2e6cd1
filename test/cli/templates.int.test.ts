/**
 * `npx dutybridge templates …` as a user runs it (bin/dutybridge.js in a child process) against a
 * running local stack: a broken template refused with FILE:line:column (exit 2) and nothing
 * stored; a good one stored as version 1, then 2, with who changed it; history; rollback to v1 as
 * version 3; preview of an incident of the integration (found in its operation log) drawing the
 * card with a 12-line custom area cut to 8 and the marker; list, show, remove; usage refusals.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { getDocumentClient } from '../../shared/adapters/aws/clients';
import { DynamoIncidentRepository } from '../../shared/adapters/aws/incident-repository';
import { DynamoIntegrationRepository } from '../../shared/adapters/aws/integration-repository';
import { DynamoOperationLog } from '../../shared/adapters/aws/operation-log';
import type { Incident } from '../../shared/domain/incident';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { integrationAwsEnv, runCli } from '../support/child-process';

jest.setTimeout(120_000);

let dataDir: string;
let stack: LocalStack;
const now = Date.now();

const incident: Incident = {
  incidentId: 'inc-tpl-12',
  version: 1,
  revision: 1,
  title: 'Checkout errors',
  severity: 'Critical',
  description: 'The 5xx ratio crossed 50%.',
  // 12 labels: 12 custom-area rows in the template below.
  labels: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`row${String(i + 1).padStart(2, '0')}`, `value ${i + 1}`])),
  responders: ['alice@example.com'],
  targets: [{ integrationId: 'tpl-wecom', persons: ['alice@example.com'], groups: [] }],
  status: 'Triggered',
  triggeredAt: now - 60_000,
  updatedAt: now - 60_000,
};

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'dutybridge-cli-templates-'));
  stack = await startLocalStack({ awsEnv: integrationAwsEnv(), prefix: `it-${randomBytes(4).toString('hex')}-`, dataDir, port: 0, pollers: false });
  const table = stack.env.STATE_TABLE_NAME;
  await new DynamoIntegrationRepository(getDocumentClient(), table).put({ id: 'tpl-wecom', platform: 'wecom', settings: { corpId: 'ww1', agentId: '1000002', apiBase: 'http://127.0.0.1:1' }, secretName: 'x', createdAt: new Date(now).toISOString() });
  await new DynamoIncidentRepository(getDocumentClient(), table).save(incident, 0);
  await new DynamoOperationLog(getDocumentClient(), table).append([
    { atMs: now - 30_000, result: 'sent', reasonCode: 'delivered', reason: 'card delivered', incidentId: incident.incidentId, integrationId: 'tpl-wecom', platform: 'wecom', channel: 'card', recipient: 'alice@example.com' },
  ]);
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli(dataDir, args);
const file = (name: string, text: string) => {
  const p = path.join(dataDir, name);
  writeFileSync(p, text);
  return p;
};
const on = ['--integration', 'tpl-wecom', '--channel', 'wecom.card'];
const card = (title: string) => `# custom card\n--- title ---\n${title}\n--- customArea ---\n{% for label in incident.labels %}{{ label.key }}: {{ label.value }}\n{% endfor %}\n`;

it('refuses a broken template with FILE:line:column and stores nothing', async () => {
  const broken = file('broken.liquid', '--- title ---\n{{ incident.title }}\n--- description ---\n{% if incident.severity == "Critical" %}\nno endif here\n');
  const r = await cli(['templates', 'set', ...on, broken]);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(new RegExp(`${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:\\d+: .*`));
  expect(r.stderr).toContain('not saved');

  const unknown = file('unknown.liquid', '--- title ---\n{{ incident.title }}\n--- quote ---\n\n  {{ incident.no_such_field }}\n');
  const u = await cli(['templates', 'set', ...on, unknown]);
  expect(u.status).toBe(2);
  expect(u.stderr).toMatch(/unknown\.liquid:5:\d+: .*no_such_field/);

  const history = await cli(['templates', 'history', ...on]);
  expect(history.status).toBe(0);
  expect(history.stdout).toContain('no versions of tpl-wecom wecom.card: the built-in default applies');
});

it('stores version 1, then 2, shows the history, rolls back to v1 as version 3, and previews the card cut to 8 rows', async () => {
  const v1 = await cli(['templates', 'set', ...on, file('v1.liquid', card('V1 {{ incident.title }}')), '--by', 'alice']);
  expect(v1.stderr).not.toContain(':1:');
  expect(v1.status).toBe(0);
  expect(v1.stdout).toContain('saved tpl-wecom wecom.card version 1 (by alice); rendered against the last 1 incident(s) of tpl-wecom');
  // The integration's incident has 12 labels: its custom area is cut, and the warning says so.
  expect(v1.stderr).toMatch(/warning: inc-tpl-12 \(en\): customArea: .*12 rows, only the first 8/);

  const v2 = await cli(['templates', 'set', ...on, file('v2.liquid', card('V2 {{ incident.title }}'))]);
  expect(v2.status).toBe(0);
  expect(v2.stdout).toContain('version 2 (by '); // the OS user

  const history = await cli(['templates', 'history', ...on]);
  const rows = history.stdout.trimEnd().split('\n');
  expect(rows[0]).toMatch(/^VERSION\s+UPDATED \(UTC\)\s+BY\s+NOTE$/);
  expect(rows.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['2', '1']);
  expect(rows[2]).toMatch(/\balice$/);

  const rollback = await cli(['templates', 'rollback', ...on, '--version', '1', '--by', 'carol']);
  expect(rollback.status).toBe(0);
  expect(rollback.stdout).toContain('tpl-wecom wecom.card: version 3 (by carol) has the source of version 1');
  const shown = JSON.parse((await cli(['templates', 'show', ...on, '--json'])).stdout) as { stored: { version: number; source: string; rolledBackFrom: number } };
  expect(shown.stored).toMatchObject({ version: 3, source: card('V1 {{ incident.title }}'), rolledBackFrom: 1 });
  expect((await cli(['templates', 'history', ...on])).stdout).toMatch(/\n3\s+.*carol\s+rollback to v1\n/);

  const preview = await cli(['templates', 'preview', ...on, '--incident', incident.incidentId]);
  expect(preview.status).toBe(0);
  expect(preview.stdout).toContain('tpl-wecom wecom.card: stored v3 template, incident inc-tpl-12 (en)');
  expect(preview.stdout).toMatch(/┌─ WeCom card ─+┐/);
  expect(preview.stdout).toContain('│ ■ V1 Checkout errors');
  for (let i = 1; i <= 7; i++) expect(preview.stdout).toContain(`│ row0${i}: value ${i} `);
  expect(preview.stdout).toMatch(/│ row08: value 8…\s+│/);
  expect(preview.stdout).not.toContain('row09');
  expect(preview.stdout).toContain('[ Start Processing ] [ Close Directly ] [ Snooze 2h ]');
  const json = JSON.parse((await cli(['templates', 'preview', ...on, '--incident', incident.incidentId, '--json'])).stdout) as { fields: { customArea: string }; truncations: { field: string; unit: string }[] };
  expect(json.fields.customArea.split('\n')).toHaveLength(8);
  expect(json.truncations).toContainEqual(expect.objectContaining({ field: 'customArea', unit: 'rows' }));

  // A file previewed is not stored.
  const filePreview = await cli(['templates', 'preview', ...on, '--file', file('try.liquid', '--- title ---\nTRY {{ incident.title }}\n')]);
  expect(filePreview.stdout).toContain('file template, incident inc-tpl-12');
  expect(filePreview.stdout).toContain('■ TRY Checkout errors');
  const list = await cli(['templates', 'list', '--integration', 'tpl-wecom']);
  expect(list.stdout).toMatch(/^CHANNEL\s+VERSION\s+UPDATED \(UTC\)\s+BY$/m);
  expect(list.stdout).toMatch(/^wecom\.card\s+3\s+.*carol$/m);
});

it('removes a template (the default applies again) and refuses bad usage with exit 2', async () => {
  await cli(['templates', 'set', '--integration', 'tpl-wecom', '--channel', 'wecom.bot.text', file('t.liquid', '--- content ---\n{{ incident.title }}\n')]);
  const removed = await cli(['templates', 'remove', '--integration', 'tpl-wecom', '--channel', 'wecom.bot.text']);
  expect(removed.status).toBe(0);
  expect(removed.stdout).toContain('the built-in default applies');
  expect((await cli(['templates', 'show', '--integration', 'tpl-wecom', '--channel', 'wecom.bot.text'])).stdout).toContain('the built-in default (no template set)');
  expect((await cli(['templates', 'remove', '--integration', 'tpl-wecom', '--channel', 'wecom.bot.text'])).status).toBe(1);

  const wrongPlatform = await cli(['templates', 'set', '--integration', 'tpl-wecom', '--channel', 'dingtalk.card', file('d.liquid', '--- title ---\nx\n')]);
  expect(wrongPlatform.status).toBe(2);
  expect(wrongPlatform.stderr).toContain('tpl-wecom is a wecom integration: its channels are wecom.card, wecom.bot.markdown, wecom.bot.text');
  const badChannel = await cli(['templates', 'show', '--integration', 'tpl-wecom', '--channel', 'sms']);
  expect(badChannel.status).toBe(2);
  expect(badChannel.stderr).toContain('--channel: "sms" is not a template channel');
  const noVersion = await cli(['templates', 'rollback', ...on]);
  expect(noVersion.status).toBe(2);
  expect(noVersion.stderr).toContain('templates rollback needs --version N');
  const missing = await cli(['templates', 'set', ...on, path.join(dataDir, 'nope.liquid')]);
  expect(missing.status).toBe(2);
  expect(missing.stderr).toContain('no such file');
  const noIntegration = await cli(['templates', 'list', '--integration', 'nope']);
  expect(noIntegration.status).toBe(1);
  expect(noIntegration.stderr).toContain('no integration nope');
});
