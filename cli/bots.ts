/**
 * `dutybridge bots add|list|remove`: group bots of an integration (issue 11 item 6). A WeCom bot is
 * a group robot webhook (the URL's `key` is the credential, DOC-99110); a DingTalk bot is a custom
 * robot (access_token in the URL, optional SEC… sign secret). URL and secret go to Secrets Manager
 * and are only ever shown masked; the rest (mention mode, mapping table, keyword) to DynamoDB.
 */
import type { BotRegistry } from '../shared/application/group-bots';
import type { IntegrationRepository } from '../shared/application/ports';
import { botSecretName } from '../shared/adapters/aws/bot-secrets';
import { botNameSchema, botSecretsSchema, mentionModes, type GroupBot, type MentionMode } from '../shared/domain/group-bot';
import { NotFoundError } from '../shared/domain/errors';
import { maskSecret, type Integration } from '../shared/domain/integration';
import { PRODUCTION_HOSTS, isLoopbackHost } from './safety';
import { CliUsageError } from './target';

export interface BotsValues {
  integration?: string;
  name?: string;
  'webhook-url-file'?: string;
  'sign-secret-file'?: string;
  mention?: string;
  'mapping-table'?: string;
  keyword?: string;
  replace?: boolean;
  yes?: boolean;
  json?: boolean;
  'allow-real-credentials-locally'?: boolean;
}

export interface BotsDeps {
  readonly bots: BotRegistry;
  readonly integrations: Pick<IntegrationRepository, 'get'>;
  readonly secrets: { write(name: string, value: object): Promise<void>; delete(name: string): Promise<void> };
  readonly secretNamePrefix: string;
  readonly targetKind: 'local' | 'stack';
  /** Reads a file, or standard input for `-`. */
  readonly readText: (path: string) => string;
  /** Mapping tables that exist (a bot naming another is warned about, not refused: it may be imported later). */
  readonly mappingTableExists?: (name: string) => Promise<boolean>;
  readonly confirm: (name: string, question: string) => Promise<boolean>;
  readonly warn: (line: string) => void;
}

type Print = (json: boolean, value: unknown, text: string) => void;

/** Where each platform's robots live: production host and path, and the credential's query parameter. */
const ROBOT_URLS = {
  wecom: { host: 'qyapi.weixin.qq.com', path: '/cgi-bin/webhook/send', credential: 'key', pattern: /^[A-Za-z0-9-]{8,128}$/ },
  dingtalk: { host: 'oapi.dingtalk.com', path: '/robot/send', credential: 'access_token', pattern: /^[A-Za-z0-9]{8,128}$/ },
} as const;

/** The webhook URL with its credential masked (`…?key=••••abcd`), for listings and messages. */
export function maskWebhookUrl(url: string, platform: 'wecom' | 'dingtalk'): string {
  try {
    const parsed = new URL(url);
    const param = ROBOT_URLS[platform].credential;
    const value = parsed.searchParams.get(param);
    if (value !== null) parsed.searchParams.set(param, maskSecret(value));
    return decodeURIComponent(parsed.toString());
  } catch {
    return maskSecret(url);
  }
}

/** Checks a robot webhook URL's shape and where it points (the same rules as --api-base, cli/safety.ts). */
export function checkWebhookUrl(platform: 'wecom' | 'dingtalk', raw: string, integration: Integration, targetKind: 'local' | 'stack', allowRealLocally: boolean): string {
  const rule = ROBOT_URLS[platform];
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliUsageError(`the webhook URL is not a URL; copy it from the robot's settings (${platform === 'wecom' ? `https://${rule.host}${rule.path}?key=…` : `https://${rule.host}${rule.path}?access_token=…`})`);
  }
  const credential = url.searchParams.get(rule.credential);
  if (url.pathname !== rule.path || credential === null || !rule.pattern.test(credential)) {
    throw new CliUsageError(`the webhook URL is not a ${platform === 'wecom' ? 'WeCom group robot' : 'DingTalk custom robot'} URL: expected …${rule.path}?${rule.credential}=<letters and digits>`);
  }
  const host = url.hostname.toLowerCase();
  const apiHost = new URL(integration.settings.apiBase).hostname.toLowerCase();
  const oapiHost = integration.platform === 'dingtalk' ? new URL(integration.settings.oapiBase).hostname.toLowerCase() : apiHost;
  if (targetKind === 'stack') {
    if (url.protocol !== 'https:') throw new CliUsageError('on a deployed stack the webhook URL must be https');
    if (isLoopbackHost(host)) throw new CliUsageError('the webhook URL is on loopback: a deployed stack cannot reach this machine');
  } else if (!isLoopbackHost(host) && !allowRealLocally) {
    const what = PRODUCTION_HOSTS[host] ?? 'not the simulator (not on loopback)';
    throw new CliUsageError(`the webhook URL points at ${host} (${what}): on the local stack a bot posts to the simulator only; use --stack, or --allow-real-credentials-locally to post to real groups from here`);
  }
  if (!isLoopbackHost(host) && host !== rule.host && host !== apiHost && host !== oapiHost) {
    throw new CliUsageError(`the webhook URL's host ${host} is neither ${rule.host} nor the integration's API host`);
  }
  return url.toString();
}

function readSecretFile(deps: BotsDeps, path: string, what: string): string {
  let text: string;
  try {
    text = deps.readText(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliUsageError(`no such file: ${path} (give the file holding the ${what}, or - for standard input)`);
    if (code === 'EISDIR') throw new CliUsageError(`${path} is a folder; give the file holding the ${what}`);
    throw new CliUsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
  const value = text.trim();
  if (value === '') throw new CliUsageError(`${path} is empty; it should hold the ${what}`);
  return value;
}

export async function botsCommand(action: string, values: BotsValues, deps: BotsDeps, print: Print): Promise<number> {
  const integrationId = values.integration;
  if (!integrationId) throw new CliUsageError(`bots ${action} needs --integration ID`);
  const integration = await deps.integrations.get(integrationId);
  if (!integration) throw new NotFoundError('integration_unknown', `no integration ${integrationId} (see dutybridge integrations list)`);
  const json = values.json === true;
  switch (action) {
    case 'add':
      return add(integration, values, deps, print, json);
    case 'list': {
      const bots = await deps.bots.list(integrationId);
      const rows = bots.map((b) => [b.name, b.platform, b.mention, b.mappingTable ?? '-', b.keyword ?? '-', b.signed ? 'yes' : 'no', b.maskedUrl].join('\t'));
      print(json, bots, rows.length ? ['NAME\tPLATFORM\tMENTION\tMAPPING_TABLE\tKEYWORD\tSIGNED\tWEBHOOK', ...rows].join('\n') : `no bots in ${integrationId}`);
      return 0;
    }
    case 'remove': {
      const name = values.name;
      if (!name) throw new CliUsageError('bots remove needs --name NAME');
      const bot = await deps.bots.get(integrationId, name);
      if (!bot) throw new NotFoundError('bot_unknown', `no bot ${name} in ${integrationId} (see dutybridge bots list --integration ${integrationId})`);
      if (values.yes !== true && !(await deps.confirm(name, `remove bot ${name} of ${integrationId}? Events naming it stop posting to its group, and its webhook secret is scheduled for deletion.`))) {
        deps.warn(`not removed: the name typed was not ${name}`);
        return 1;
      }
      await deps.bots.remove(integrationId, name);
      await deps.secrets.delete(bot.secretName);
      print(json, { removed: true, name }, `removed bot ${name} from ${integrationId}`);
      return 0;
    }
  }
  throw new CliUsageError(`unknown command: bots ${action}`);
}

async function add(integration: Integration, values: BotsValues, deps: BotsDeps, print: Print, json: boolean): Promise<number> {
  const platform = integration.platform;
  const name = botNameSchema.safeParse(values.name);
  if (!name.success) throw new CliUsageError(`bots add needs --name NAME (${name.error.issues[0]?.message ?? 'invalid'})`);
  const mention = values.mention as MentionMode | undefined;
  if (!mention || !mentionModes.includes(mention)) throw new CliUsageError('bots add needs --mention phone|mapping (phone: the responders\u2019 mobiles; mapping: a mapping table on WeCom, the links on DingTalk)');
  if (mention === 'mapping' && platform === 'wecom' && !values['mapping-table']) throw new CliUsageError('--mention mapping on WeCom needs --mapping-table NAME (email → userid, see dutybridge mappings)');
  if (values['mapping-table'] !== undefined && (platform !== 'wecom' || mention !== 'mapping')) {
    throw new CliUsageError('--mapping-table is for WeCom bots with --mention mapping (DingTalk bots @mention linked userIds: dutybridge links)');
  }
  if (values['sign-secret-file'] !== undefined && platform !== 'dingtalk') throw new CliUsageError('--sign-secret-file is for DingTalk custom robots; a WeCom group robot has no signing (its URL key is the credential)');
  if (values.keyword !== undefined && (platform !== 'dingtalk' || values.keyword.trim() === '' || values.keyword.length > 32)) {
    throw new CliUsageError('--keyword is for DingTalk custom robots with keyword security: one of the robot\u2019s keywords (1-32 characters)');
  }
  const urlFile = values['webhook-url-file'];
  if (!urlFile) throw new CliUsageError('bots add needs --webhook-url-file FILE (or - for standard input): the robot\u2019s webhook URL is a credential, so it is not taken as a flag');
  const existing = await deps.bots.get(integration.id, name.data);
  if (existing && values.replace !== true) throw new CliUsageError(`bot ${name.data} already exists in ${integration.id} (pass --replace to change it)`);
  const webhookUrl = checkWebhookUrl(platform, readSecretFile(deps, urlFile, 'webhook URL'), integration, deps.targetKind, values['allow-real-credentials-locally'] === true);
  const signSecret = values['sign-secret-file'] === undefined ? undefined : readSecretFile(deps, values['sign-secret-file'], 'sign secret (SEC…)');
  const secrets = botSecretsSchema.safeParse({ webhookUrl, ...(signSecret ? { signSecret } : {}) });
  if (!secrets.success) throw new CliUsageError(`the sign secret is not a DingTalk custom robot secret: ${secrets.error.issues[0]?.message ?? 'invalid'}`);
  if (platform === 'dingtalk' && !signSecret && !values.keyword) {
    deps.warn('warning: no --sign-secret-file and no --keyword: the robot must then allow dutybridge\u2019s egress IP (DingTalk requires one security setting)');
  }
  if (values['mapping-table'] && deps.mappingTableExists && !(await deps.mappingTableExists(values['mapping-table']))) {
    deps.warn(`warning: no mapping table ${values['mapping-table']} yet: responders are not @mentioned until it is imported (dutybridge mappings import)`);
  }
  const secretName = botSecretName(deps.secretNamePrefix, platform, integration.id, name.data);
  await deps.secrets.write(secretName, secrets.data);
  const bot: GroupBot = {
    integrationId: integration.id,
    name: name.data,
    platform,
    mention,
    ...(values['mapping-table'] ? { mappingTable: values['mapping-table'] } : {}),
    ...(values.keyword ? { keyword: values.keyword.trim() } : {}),
    secretName,
    maskedUrl: maskWebhookUrl(webhookUrl, platform),
    signed: signSecret !== undefined,
    createdAt: new Date().toISOString(),
  };
  await deps.bots.put(bot);
  print(json, bot, `${existing ? 'replaced' : 'added'} bot ${bot.name} (${platform}, @mention by ${mention}${bot.mappingTable ? ` through ${bot.mappingTable}` : ''}) → ${bot.maskedUrl}\nname it in an event: "targets": [{"integrationId": "${integration.id}", "bots": ["${bot.name}"]}]`);
  return 0;
}
