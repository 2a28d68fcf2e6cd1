/**
 * `dutybridge sources add|set-routes|list|show|remove` (issue 18): alert sources that post to
 * `/ingest/<kind>/<id>`. The source record (kind, grouping, severity label, routes, Alertmanager
 * URL) goes to DynamoDB; its credentials (`token` or `hmacSecret`, and `alertmanagerToken`) to
 * Secrets Manager under `sources/<id>`. A token nobody gave is generated and shown once.
 * Routes are a JSON or YAML file checked against the schema before anything is written.
 */
import { randomBytes } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import type { AlertSourceRepository } from '../shared/application/alert-ports';
import { alertSourceSecretsSchema } from '../shared/adapters/aws/alert-source-secrets';
import { alertRoutesSchema, alertSourceKindSchema, alertSourceSchema, type AlertSource } from '../shared/domain/alert-sources';
import { NotFoundError } from '../shared/domain/errors';
import { maskSecret } from '../shared/domain/integration';
import { alertSourceSecretsPath } from '../shared/config/resources';
import { CliUsageError } from './target';

export interface SourcesValues {
  id?: string;
  name?: string;
  grouping?: string;
  auth?: string;
  'severity-label'?: string;
  'alertmanager-url'?: string;
  routes?: string;
  'secrets-file'?: string;
  json?: boolean;
  yes?: boolean;
}

export interface SourcesDeps {
  readonly sources: AlertSourceRepository;
  readonly secrets: { write(name: string, value: object): Promise<void>; delete(name: string): Promise<void>; read(name: string): Promise<Record<string, string> | undefined> };
  readonly secretNamePrefix: string;
  /** The API base URL the webhook URLs are shown under. */
  readonly apiUrl: string;
  readonly readText: (path: string) => string;
  readonly nowIso: () => string;
}

type Print = (json: boolean, value: unknown, text: string) => void;

export const SOURCES_USAGE = `  sources add alertmanager|grafana|events --id ID [--name NAME] [--grouping group|fingerprint]
                  [--auth bearer|hmac] [--severity-label severity] [--alertmanager-url URL]
                  [--routes FILE] [--secrets-file FILE]
                                   an alert source posting to <API>/ingest/<kind>/<ID>; the token is generated
                                   and shown once unless the secrets file gives {"token"} or {"hmacSecret"}
                                   (also {"alertmanagerToken"} for the silences API)
  sources set-routes ID --routes FILE   routing rules (JSON or YAML list: match / matchRe → targets, responders)
  sources list | sources show ID | sources remove ID [--yes]`;

const idPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

export async function sourcesCommand(action: string, arg: string | undefined, values: SourcesValues, deps: SourcesDeps, print: Print): Promise<number> {
  const json = values.json === true;
  switch (action) {
    case 'add':
      return add(arg, values, deps, print, json);
    case 'set-routes': {
      const source = await existing(deps, arg);
      if (!values.routes) throw new CliUsageError('sources set-routes needs --routes FILE');
      const updated = { ...source, routes: readRoutes(deps, values.routes) };
      await deps.sources.put(alertSourceSchema.parse(updated));
      print(json, updated, `${source.id}: ${updated.routes.length} route(s) set`);
      return 0;
    }
    case 'list': {
      const all = await deps.sources.list();
      const rows = all.map((s) => [s.id, s.kind, s.grouping, s.auth, String(s.routes.length), s.alertmanagerUrl ?? '-', s.name ?? ''].join('\t'));
      print(json, all, rows.length ? ['ID\tKIND\tGROUPING\tAUTH\tROUTES\tALERTMANAGER\tNAME', ...rows].join('\n') : 'no alert sources');
      return 0;
    }
    case 'show': {
      const source = await existing(deps, arg);
      const secret = await deps.secrets.read(source.secretName);
      const masked = Object.fromEntries(Object.entries(secret ?? {}).map(([k, v]) => [k, maskSecret(v)]));
      const lines = [
        `${source.id} (${source.kind})${source.name ? ` — ${source.name}` : ''}`,
        `  webhook URL: ${webhookUrl(deps, source)}`,
        `  auth: ${source.auth}; grouping: ${source.grouping}; severity label: ${source.severityLabel}`,
        `  Alertmanager API (silences): ${source.alertmanagerUrl ?? 'not set (Snooze does not create silences)'}`,
        `  secrets: ${Object.entries(masked).map(([k, v]) => `${k} ${v}`).join(', ') || '(none readable)'}`,
        `  routes:`,
        ...source.routes.map((r, i) => `    ${i + 1}. ${describeMatch(r.match, r.matchRe)} → ${r.targets.map((t) => `${t.integrationId}${t.persons.length ? ` persons ${t.persons.join(',')}` : ''}${t.groups.length ? ` groups ${t.groups.join(',')}` : ''}${t.bots.length ? ` bots ${t.bots.join(',')}` : ''}`).join('; ') || '(no targets)'}${r.responders.length ? `; responders ${r.responders.join(',')}` : ''}${r.continue ? ' (continue)' : ''}`),
      ];
      print(json, { source, secrets: masked, webhookUrl: webhookUrl(deps, source) }, lines.join('\n'));
      return 0;
    }
    case 'remove': {
      const source = await existing(deps, arg);
      await deps.sources.delete(source.id);
      await deps.secrets.delete(source.secretName);
      print(json, { removed: source.id }, `${source.id} removed: its webhook answers 401 from now on (its secret is scheduled for deletion)`);
      return 0;
    }
    default:
      throw new CliUsageError(`unknown command: sources ${action}`);
  }
}

async function add(kindArg: string | undefined, values: SourcesValues, deps: SourcesDeps, print: Print, json: boolean): Promise<number> {
  const kind = alertSourceKindSchema.safeParse(kindArg);
  if (!kind.success) throw new CliUsageError('sources add needs the kind: alertmanager, grafana or events');
  const id = values.id;
  if (!id || !idPattern.test(id)) throw new CliUsageError('sources add needs --id ID (1-63 of a-z, 0-9 and -)');
  if (await deps.sources.get(id)) throw new CliUsageError(`alert source ${id} exists; use sources set-routes, or sources remove first`);
  const auth = values.auth ?? 'bearer';
  if (auth !== 'bearer' && auth !== 'hmac') throw new CliUsageError('--auth is bearer or hmac');
  const given = values['secrets-file'] ? readSecrets(deps, values['secrets-file']) : {};
  const generated = auth === 'bearer' ? (given.token ? undefined : randomBytes(32).toString('base64url')) : given.hmacSecret ? undefined : randomBytes(32).toString('base64url');
  const secret = { ...given, ...(generated ? (auth === 'bearer' ? { token: generated } : { hmacSecret: generated }) : {}) };
  const candidate = {
    id,
    kind: kind.data,
    ...(values.name ? { name: values.name } : {}),
    auth,
    ...(values.grouping ? { grouping: values.grouping } : {}),
    ...(values['severity-label'] ? { severityLabel: values['severity-label'] } : {}),
    ...(values['alertmanager-url'] ? { alertmanagerUrl: values['alertmanager-url'] } : {}),
    routes: values.routes ? readRoutes(deps, values.routes) : [],
    secretName: `${deps.secretNamePrefix}${alertSourceSecretsPath()}${id}`,
    createdAt: deps.nowIso(),
  };
  const parsed = alertSourceSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliUsageError(`invalid source: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
  }
  if (kind.data === 'events' && parsed.data.alertmanagerUrl) throw new CliUsageError('--alertmanager-url is for alertmanager and grafana sources');
  // Secret first: a source without its secret would answer 401 to everything.
  await deps.secrets.write(parsed.data.secretName, secret);
  await deps.sources.put(parsed.data);
  const url = webhookUrl(deps, parsed.data);
  const lines = [
    `${id}: ${kind.data} source added, ${parsed.data.routes.length} route(s)`,
    `webhook URL: ${url}`,
    ...(generated ? [`${auth === 'bearer' ? 'bearer token' : 'HMAC secret'} (shown once, kept in Secrets Manager): ${generated}`] : []),
    ...(kind.data === 'alertmanager' ? ['', 'Alertmanager receiver (alertmanager.yml):', receiverSnippet(url)] : []),
    ...(parsed.data.routes.length === 0 ? ['note: no routes yet: alerts are recorded as alert_unrouted until `sources set-routes` gives some'] : []),
  ];
  print(json, { source: parsed.data, webhookUrl: url, ...(generated ? { generated } : {}) }, lines.join('\n'));
  return 0;
}

/** What a user pastes into alertmanager.yml (the token in a file next to it, never inline in git). */
export function receiverSnippet(url: string): string {
  return [
    'receivers:',
    '  - name: dutybridge',
    '    webhook_configs:',
    `      - url: ${url}`,
    '        send_resolved: true',
    '        max_alerts: 0',
    '        http_config:',
    '          authorization:',
    '            type: Bearer',
    '            credentials_file: /etc/alertmanager/dutybridge-token   # the bearer token above',
  ].join('\n');
}

function webhookUrl(deps: SourcesDeps, source: AlertSource): string {
  return `${deps.apiUrl.replace(/\/+$/, '')}/ingest/${source.kind}/${source.id}`;
}

async function existing(deps: SourcesDeps, id: string | undefined): Promise<AlertSource> {
  if (!id) throw new CliUsageError('give the source id');
  const source = await deps.sources.get(id);
  if (!source) throw new NotFoundError('source_unknown', `no alert source ${id} (see dutybridge sources list)`);
  return source;
}

function readFile(deps: SourcesDeps, path: string, what: string): string {
  try {
    return deps.readText(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliUsageError(code === 'ENOENT' ? `no such file: ${path} (the ${what})` : `cannot read ${path}: ${(error as Error).message}`);
  }
}

/** Routes from JSON or YAML (YAML is a superset of JSON), checked against the schema. */
export function parseRoutes(text: string): AlertSource['routes'] {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new CliUsageError(`routes file is neither JSON nor YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const list = raw !== null && typeof raw === 'object' && !Array.isArray(raw) && 'routes' in raw ? (raw as { routes: unknown }).routes : raw;
  const parsed = alertRoutesSchema.safeParse(list);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliUsageError(`routes file: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'} (a list of {match?, matchRe?, targets, responders?, continue?})`);
  }
  return parsed.data;
}

function readRoutes(deps: SourcesDeps, path: string): AlertSource['routes'] {
  return parseRoutes(readFile(deps, path, 'routes file'));
}

function readSecrets(deps: SourcesDeps, path: string): { token?: string; hmacSecret?: string; alertmanagerToken?: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFile(deps, path, 'secrets file'));
  } catch (error) {
    if (error instanceof CliUsageError) throw error;
    throw new CliUsageError(`${path} is not JSON: give {"token": "…"} (or "hmacSecret", "alertmanagerToken")`);
  }
  const parsed = alertSourceSecretsSchema.safeParse(raw);
  // Names only, never the values.
  if (!parsed.success) throw new CliUsageError(`${path}: expected {"token"?, "hmacSecret"?, "alertmanagerToken"?}, tokens and secrets at least 16 characters`);
  return parsed.data;
}

function describeMatch(match?: Record<string, string>, matchRe?: Record<string, string>): string {
  const parts = [...Object.entries(match ?? {}).map(([k, v]) => `${k}="${v}"`), ...Object.entries(matchRe ?? {}).map(([k, v]) => `${k}=~"${v}"`)];
  return parts.length ? `{${parts.join(', ')}}` : '(every alert)';
}
