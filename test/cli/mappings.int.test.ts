/**
 * `npx dutybridge mappings …` as a user runs it (bin/dutybridge.js in a child process) against a
 * running local stack: create, import (BOM, CRLF, quotes, header), show, export that imports back,
 * a file with bad rows and a duplicate listed by line (exit 2) that changes nothing, list, delete.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { integrationAwsEnv, runCli } from '../support/child-process';

jest.setTimeout(120_000);

let dataDir: string;
let stack: LocalStack;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'dutybridge-cli-mappings-'));
  stack = await startLocalStack({ awsEnv: integrationAwsEnv(), prefix: `it-${randomBytes(4).toString('hex')}-`, dataDir, port: 0, pollers: false });
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

it('create, import, show, export, list', async () => {
  const created = await cli(['mappings', 'create', 'oncall']);
  expect(created.status).toBe(0);
  expect(created.stdout).toContain('created mapping table oncall (empty)');
  const again = await cli(['mappings', 'create', 'oncall']);
  expect(again.status).toBe(1);
  expect(again.stderr).toContain('mapping table oncall already exists');

  const csv = file('good.csv', '\uFEFFemail,wecom_userid\r\nAlice@Example.com,alice\r\n"bob@example.com","Bob.W"\r\n\r\ncarol@example.com , carol\r\n');
  const imported = await cli(['mappings', 'import', 'oncall', csv]);
  expect(imported.stderr).not.toContain('problem');
  expect(imported.status).toBe(0);
  expect(imported.stdout.trim()).toBe('replaced mapping table oncall: 3 rows');

  const show = await cli(['mappings', 'show', 'oncall']);
  expect(show.stdout).toMatch(/^oncall: 3 rows, updated \d{4}-\d\d-\d\dT/);
  expect(show.stdout).toMatch(/alice@example.com\s+alice\n/);
  expect(show.stdout).toMatch(/bob@example.com\s+Bob.W\n/);
  const shown = JSON.parse((await cli(['mappings', 'show', 'oncall', '--json'])).stdout) as { rows: number; rowList: { email: string; userId: string }[] };
  expect(shown.rows).toBe(3);
  expect(shown.rowList.map((r) => r.email).sort()).toEqual(['alice@example.com', 'bob@example.com', 'carol@example.com']);

  const exported = await cli(['mappings', 'export', 'oncall']);
  expect(exported.status).toBe(0);
  const lines = exported.stdout.trimEnd().split('\n');
  expect(lines[0]).toBe('email,wecom_userid');
  expect(lines.slice(1).sort()).toEqual(['alice@example.com,alice', 'bob@example.com,Bob.W', 'carol@example.com,carol']);
  const back = await cli(['mappings', 'import', 'copy', file('export.csv', exported.stdout)]);
  expect(back.stdout.trim()).toBe('created mapping table copy: 3 rows');

  const list = await cli(['mappings', 'list']);
  expect(list.stdout).toMatch(/^NAME\s+ROWS\s+UPDATED \(UTC\)\ncopy\s+3\s+\S+\noncall\s+3\s+\S+\n$/);
});

it('a file with bad rows: every problem with its line, exit 2, nothing imported', async () => {
  await cli(['mappings', 'import', 'keep', file('keep.csv', 'dave@example.com,dave\n')]);
  const bad = file('bad.csv', ['email,wecom_userid', 'erin@example.com,erin', 'not-an-email,x', 'ERIN@example.com,erin2', 'frank@example.com,', `gina@example.com,${'g'.repeat(65)}`, '"unclosed@example.com,u'].join('\n'));
  const r = await cli(['mappings', 'import', 'keep', bad]);
  expect(r.status).toBe(2);
  expect(r.stderr).toContain(`${bad}: 5 problems; nothing was imported into keep:`);
  expect(r.stderr).toContain('  line 3: "not-an-email" is not an email address');
  expect(r.stderr).toContain('  line 4: erin@example.com is already on line 2 (emails are compared ignoring case)');
  expect(r.stderr).toContain('  line 5: the WeCom userid is empty');
  expect(r.stderr).toMatch(/ {2}line 6: "g+" is not a WeCom userid/);
  expect(r.stderr).toContain('  line 7: a quoted field is not closed');
  expect((await cli(['mappings', 'export', 'keep'])).stdout).toBe('email,wecom_userid\ndave@example.com,dave\n');
});

it('refusals: bad name, missing file, unknown table, delete without a terminal', async () => {
  const name = await cli(['mappings', 'create', 'Bad Name']);
  expect(name.status).toBe(2);
  expect(name.stderr).toContain('mapping table name "Bad Name"');
  const missing = await cli(['mappings', 'import', 'oncall', path.join(dataDir, 'nope.csv')]);
  expect(missing.status).toBe(2);
  expect(missing.stderr).toContain('mappings import: no such file:');
  const noFile = await cli(['mappings', 'import', 'oncall']);
  expect(noFile.status).toBe(2);
  const unknown = await cli(['mappings', 'show', 'ghost']);
  expect(unknown.status).toBe(1);
  expect(unknown.stderr).toContain('no mapping table ghost');
  const noYes = await cli(['mappings', 'delete', 'oncall']);
  expect(noYes.status).toBe(2);
  expect(noYes.stderr).toContain('pass --yes');
  const deleted = await cli(['mappings', 'delete', 'oncall', '--yes']);
  expect(deleted.status).toBe(0);
  expect(deleted.stdout.trim()).toBe('deleted mapping table oncall');
  expect((await cli(['mappings', 'show', 'oncall'])).status).toBe(1);
  expect(readFileSync(path.join(dataDir, 'keep.csv'), 'utf8')).toBe('dave@example.com,dave\n');
});
