/**
 * `dutybridge sources …` with in-memory stores (the command's own rules; the stack path is covered
 * by test/functions/alert-sources.int.test.ts): a token generated and shown once and kept in the
 * secret, given secrets kept, YAML and JSON routes checked before anything is written, a duplicate
 * id refused, set-routes, show masking the secret, remove deleting record and secret.
 */
import { parseRoutes, receiverSnippet, sourcesCommand, type SourcesDeps } from '../../cli/sources';
import type { AlertSource } from '../../shared/domain/alert-sources';
import { CliUsageError } from '../../cli/target';

function deps(files: Record<string, string> = {}) {
  const sources = new Map<string, AlertSource>();
  const secrets = new Map<string, Record<string, string>>();
  const d: SourcesDeps = {
    sources: {
      get: async (id) => sources.get(id),
      list: async () => [...sources.values()],
      put: async (s) => void sources.set(s.id, s),
      delete: async (id) => sources.delete(id),
    },
    secrets: {
      write: async (name, value) => void secrets.set(name, value as Record<string, string>),
      delete: async (name) => void secrets.delete(name),
      read: async (name) => secrets.get(name),
    },
    secretNamePrefix: 'dutybridge/test/',
    apiUrl: 'https://api.example.com/',
    readText: (p) => {
      if (!(p in files)) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      return files[p]!;
    },
    nowIso: () => '2026-12-01T00:00:00.000Z',
  };
  return { d, sources, secrets };
}

const out: { json: boolean; value: unknown; text: string }[] = [];
const print = (json: boolean, value: unknown, text: string) => void out.push({ json, value, text });

beforeEach(() => (out.length = 0));

it('adds an Alertmanager source: token generated, shown once, kept in sources/<id>; the receiver snippet printed', async () => {
  const { d, sources, secrets } = deps({ 'r.yaml': '- match: { team: payments }\n  targets: [{ integrationId: acme, persons: [ana@example.com] }]\n' });
  expect(await sourcesCommand('add', 'alertmanager', { id: 'prom', routes: 'r.yaml' }, d, print)).toBe(0);
  const token = /bearer token \(shown once, kept in Secrets Manager\): (\S+)/.exec(out[0]!.text)![1]!;
  expect(token.length).toBeGreaterThanOrEqual(40);
  expect(secrets.get('dutybridge/test/sources/prom')).toEqual({ token });
  expect(sources.get('prom')).toMatchObject({ kind: 'alertmanager', grouping: 'group', auth: 'bearer', secretName: 'dutybridge/test/sources/prom' });
  expect(sources.get('prom')!.routes[0]!.targets[0]).toMatchObject({ integrationId: 'acme', persons: ['ana@example.com'] });
  expect(out[0]!.text).toContain('url: https://api.example.com/ingest/alertmanager/prom');
  expect(out[0]!.text).toContain('credentials_file:');
  // show masks the token.
  await sourcesCommand('show', 'prom', {}, d, print);
  expect(out[1]!.text).not.toContain(token);
  expect(out[1]!.text).toContain(`token ••••${token.slice(-4)}`);
});

it('keeps given secrets, refuses a duplicate id, bad routes and bad flags before writing anything', async () => {
  const { d, sources, secrets } = deps({ 's.json': JSON.stringify({ hmacSecret: 'h'.repeat(32) }), 'bad.yaml': '- match: { team: 1 }\n  targets: nope\n', 'notyaml.yaml': '- [unclosed' });
  expect(await sourcesCommand('add', 'events', { id: 'itsm', auth: 'hmac', 'secrets-file': 's.json' }, d, print)).toBe(0);
  expect(secrets.get('dutybridge/test/sources/itsm')).toEqual({ hmacSecret: 'h'.repeat(32) });
  expect(out[0]!.text).not.toContain('shown once');
  await expect(sourcesCommand('add', 'events', { id: 'itsm' }, d, print)).rejects.toThrow(/exists/);
  await expect(sourcesCommand('add', 'alertmanager', { id: 'x', routes: 'bad.yaml' }, d, print)).rejects.toThrow(/routes file: 0\./);
  await expect(sourcesCommand('add', 'alertmanager', { id: 'x', routes: 'notyaml.yaml' }, d, print)).rejects.toThrow(CliUsageError);
  await expect(sourcesCommand('add', 'alertmanager', { id: 'x', routes: 'missing.yaml' }, d, print)).rejects.toThrow(/no such file/);
  await expect(sourcesCommand('add', 'alertmanager', { id: 'Bad_Id' }, d, print)).rejects.toThrow(/--id/);
  await expect(sourcesCommand('add', 'nagios', { id: 'x' }, d, print)).rejects.toThrow(/kind/);
  await expect(sourcesCommand('add', 'alertmanager', { id: 'x', grouping: 'rule' }, d, print)).rejects.toThrow(/grouping/);
  await expect(sourcesCommand('add', 'alertmanager', { id: 'x', 'alertmanager-url': 'ftp://am' }, d, print)).rejects.toThrow(/alertmanagerUrl/);
  expect([...sources.keys()]).toEqual(['itsm']);
  expect([...secrets.keys()]).toEqual(['dutybridge/test/sources/itsm']);
});

it('sets routes from JSON, lists, and removes record and secret', async () => {
  const { d, sources, secrets } = deps({ 'r.json': JSON.stringify({ routes: [{ matchRe: { team: 'db|storage' }, targets: [{ integrationId: 'acme', persons: ['bo@example.com'] }] }] }) });
  await sourcesCommand('add', 'grafana', { id: 'graf' }, d, print);
  expect(await sourcesCommand('set-routes', 'graf', { routes: 'r.json' }, d, print)).toBe(0);
  expect(sources.get('graf')!.routes).toHaveLength(1);
  await sourcesCommand('list', undefined, {}, d, print);
  expect(out.at(-1)!.text).toMatch(/^graf\tgrafana\tgroup\tbearer\t1\t-\t/m);
  expect(await sourcesCommand('remove', 'graf', {}, d, print)).toBe(0);
  expect(sources.size).toBe(0);
  expect(secrets.size).toBe(0);
  await expect(sourcesCommand('show', 'graf', {}, d, print)).rejects.toThrow(/no alert source graf/);
});

it('parses YAML routes with comments and refuses a regex Alertmanager would not compile', () => {
  expect(parseRoutes('# all\n- targets: [{ integrationId: acme, persons: [a@example.com] }]\n')).toHaveLength(1);
  expect(() => parseRoutes('- matchRe: { team: "(?=x)" }\n  targets: [{ integrationId: acme }]\n')).toThrow(CliUsageError);
  expect(receiverSnippet('https://x/ingest/alertmanager/p')).toMatch(/send_resolved: true/);
});
