/**
 * `npx dutybridge` — manage integrations and inspect group chats, against the local stack (default)
 * or a deployed stack (`--stack NAME --region R`). Secrets are never printed in full.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { getDocumentClient, getSecretsManagerClient } from '../shared/adapters/aws/clients';
import { DynamoGroupChatRegistry } from '../shared/adapters/aws/group-registry';
import { DynamoIntegrationRepository } from '../shared/adapters/aws/integration-repository';
import { DynamoLinkStore } from '../shared/adapters/aws/link-store';
import { SecretsManagerIntegrationSecrets, secretsManagerWriter } from '../shared/adapters/aws/secrets';
import { IntegrationAdmin, InvalidIntegrationInputError, integrationIdWithSuffix } from '../shared/application/integration-admin';
import { NotFoundError, RequestRejectedError } from '../shared/domain/errors';
import { severitySchema } from '../shared/domain/incident-events';
import { callbackPaths, dingTalkSecretsSchema, integrationIdSchema } from '../shared/domain/integration';
import { checkEvent, demoIncident, publishEvent, readEventFile } from './events';
import { linksCommand } from './links';
import { botsCommand } from './bots';
import { SOURCES_USAGE, sourcesCommand } from './sources';
import { DynamoAlertSourceRepository } from '../shared/adapters/aws/alert-source-repository';
import { DynamoBotRegistry } from '../shared/adapters/aws/bot-registry';
import { linksAutoCommand, parseLinksAutoFlags } from './links-auto';
import { checkMappingsArgs, mappingsCommand } from './mappings';
import { parseTestAlertFlags, testIncident } from './test-alert';
import { parseTemplatesFlags, renameTemplateVersionFlag, TEMPLATE_ACTIONS, TEMPLATES_USAGE, templatesCommand } from './templates';
import { TemplateAdmin } from '../shared/application/template-admin';
import { DynamoTemplateStore } from '../shared/adapters/aws/template-store';
import { DynamoIncidentRepository } from '../shared/adapters/aws/incident-repository';
import { DynamoMappingTables } from '../shared/adapters/aws/mapping-tables';
import { DynamoMemberDirectory } from '../shared/adapters/aws/member-directory';
import { oplogCommand } from './oplog';
import { postmortemCommand, postmortemStores } from './postmortem';
import { DynamoOperationLog } from '../shared/adapters/aws/operation-log';
import { actionsTail } from './actions';
import { guardEventTargets } from './event-targets';
import { incidentsShow } from './incidents';
import { INTEGRATIONS_SET_USAGE, parseIntegrationsSet } from './integrations-set';
import { LinkingAdmin } from '../shared/application/linking-admin';
import { describeWarRoom, WarRoomAdmin, WECOM_APPCHAT_VISIBILITY_HINT } from '../shared/application/war-room-admin';
import { WeComAppChatProbe } from './war-room-probe';
import { describeModel, describeSmartBot, SmartBotAdmin, WECOM_SMART_BOT_CONSOLE_HINT } from '../shared/application/smart-bot-admin';
import { cardCallbackUrl, registerDingTalkCardCallback } from './register-card-callback';
import { cardCallbackRefusal, checkEndpoints, confirmByTypingId, effectiveEndpoints } from './safety';
import { resolveSecrets, secretsHelp, type ResolvedSecrets } from './secrets';
import { CliUsageError, resolveTarget, type CliTarget } from './target';
import { EXIT_CODES_HELP, EXIT_FAILED, EXIT_USAGE, explainIntegrationProblems, explainParseError, refuseUnknownCommand, version } from './usage';
import { addSuiteIntegrationCommand, checkSuiteIntegrationFlags, parseSuitesAdd, SUITE_INTEGRATION_USAGE, SUITES_USAGE, suitesCommand } from './suites';
import { LICENSES_USAGE, licensesCommand } from './licenses';
import { SuiteAdmin, SuiteNotReadyError } from '../shared/application/suite-admin';
import { SuiteTokens } from '../shared/application/suite-tokens';
import { TokenProvider } from '../shared/application/token-provider';
import { systemClock } from '../shared/application/ports';
import { DynamoSuiteStore } from '../shared/adapters/aws/suite-store';
import { SecretsManagerSuiteSecrets } from '../shared/adapters/aws/suite-secrets';
import { DynamoAccessTokenStore } from '../shared/adapters/aws/access-token-store';
import { weComSuiteApiFactory } from '../shared/adapters/wecom/suite-client';

const USAGE = `usage: dutybridge <command> [options]

commands:
  integrations add wecom [--id ID] --corp-id CORPID --agent-id AGENTID [--secrets-file PATH|-] [--api-base URL] [--name NAME] [--replace]
  integrations add dingtalk [--id ID] --client-id CLIENTID [--secrets-file PATH|-]
                            [--robot-code CODE] [--card-template-id ID] [--api-base URL] [--oapi-base URL] [--name NAME] [--replace]
                            [--corp-id CORPID] [--edition standard|professional] [--development-add-ons N] [--qps N] [--monthly-quota N]
                            [--monthly-webhook-quota N]   (group bots' Webhook & Stream quota; default by edition: 3,000 / 50,000)
${SUITE_INTEGRATION_USAGE}
  (without --id an integration gets <platform>-<10 random characters>: its callback URLs cannot be guessed)
  integrations register-callback ID   (DingTalk: register the card callback URL with DingTalk again)
  integrations list
  integrations show ID
  integrations remove ID [--yes]   asks to type the ID on a terminal; --yes for scripts (required without a terminal)
  ${INTEGRATIONS_SET_USAGE}
  groups list --integration ID
  oplog --incident ID | --member EMAIL | --integration ID [--since 30m|1h|2d] [--json]   (or --since alone: everything)
                                   the operation log: every delivery and every decision not to deliver, with the reason
  events publish FILE|-            validate an incident event (JSON) and put it on the incident-events queue
                   [--strict]      targets naming no integration of the stack: warned about; --strict refuses (exit 2)
  incidents show ID                state, version, cards per platform and their freshness, timeline of events, clicks, actions
  actions tail [--follow]          the incident.action messages published (the local stack's copy: nothing taken from the queue)
  postmortem ID [--out FILE] [--force] [--locale en|zh]
                                   a post-mortem draft (markdown): summary, timeline, actions, War Rooms, delivery
                                   history, sections to fill in; to stdout, or FILE (an existing FILE only with --force)
  demo-incident [--title T] [--severity Critical|Warning|Info]   a demo incident for the local demo integrations
  links set --integration ID --email ADDRESS --user-id USERID
  links list --integration ID [--linked|--unlinked] [--search TEXT] [--json]
                                   Linked Users: every member (name, email, masked mobile) with the IM userid linked,
                                   when (UTC) and how (login, SSO, code, one-click, admin); links of non-members too.
                                   --search matches name, email, userid or mobile digits, ignoring case
  links remove --integration ID --email ADDRESS
  bots add --integration ID --name NAME --webhook-url-file FILE|- --mention phone|mapping
           [--mapping-table T] [--sign-secret-file FILE] [--keyword K] [--replace]
                                   a group bot (WeCom group robot / DingTalk custom robot) events can name in targets[].bots;
                                   the webhook URL and sign secret go to Secrets Manager and are only shown masked
  bots list --integration ID
  bots remove --integration ID --name NAME [--yes]
${SOURCES_USAGE}
${SUITES_USAGE}
${LICENSES_USAGE}
  links auto --integration ID [--dry-run] [--max-miss-ratio 0.1] [--headcount N] [--json]
                                   One-Click Link: each unlinked member is looked up by mobile (WeCom user/getuserid,
                                   then user/get_userid_by_email; DingTalk getbymobile) and linked (how: one-click);
                                   a userid linked to someone else is left there (conflict). WeCom blocks the lookups
                                   for a day when errors exceed 20% of the headcount: failed lookups are counted per
                                   integration per day (UTC+8) across runs, and the run stops before they pass
                                   --max-miss-ratio (default 0.1, below 0.2) × headcount (--headcount, default the
                                   number of members). --dry-run writes no links, but its lookups are real calls and
                                   their misses count. Exit 1 when it stopped at the budget or a lookup failed
  links auto --integration ID --schedule daily|off [--max-miss-ratio R] [--headcount N]
                                   the same once a day (the auto-link function), within the same daily budget
  mappings create NAME | list | show NAME | delete NAME [--yes] | import NAME FILE.csv | export NAME [> FILE.csv]
                                   email -> WeCom userid tables for group bots' inline @mentions. CSV rows
                                   email,wecom_userid (optional header line; quotes, BOM, CRLF fine). import checks
                                   the whole file first: bad rows and duplicate emails are listed by line (exit 2) and
                                   nothing is imported; a good file replaces the table at once (readers never see a mix)
  test-alert --integration ID [--bot NAME] [--to EMAIL ...] [--severity Critical|Warning|Info]
                                   publish a marked test incident ("[TEST] 【测试】" title, label dutybridge.test=true) to
                                   the integration's linked people (or --to), and its group bot with --bot; prints the
                                   incident id to check with incidents show and oplog --incident
  ${TEMPLATES_USAGE}

secrets of integrations add: each is taken from its flag, else --secrets-file, else its environment variable
  --secrets-file PATH   a JSON object with the keys below, e.g. {"secret": "…", "token": "…", "encodingAesKey": "…"}
  --secrets-file -      the same JSON object from standard input
  secret flags still work but end up in shell history (a warning says so); unknown keys and non-JSON are refused
${secretsHelp()}

target (default: the local stack in $DUTYBRIDGE_DATA_DIR or ./.data; printed to stderr before acting):
  --stack NAME --region REGION   a deployed dutybridge stack (names come from its outputs; its account is printed)
  --json                         machine-readable output

safety:
  on the local stack, --api-base/--oapi-base must be on loopback (the simulator); anything else, including the
  production defaults when they are not given, counts as real credentials: use --stack, or
  --allow-real-credentials-locally to keep them here anyway (the card callback is then not registered)
  on a deployed stack, --api-base/--oapi-base must be https
  a card callback URL on loopback is registered only for the local stack, with a DingTalk on loopback

  --version   print the version;  --help, -h   this text

${EXIT_CODES_HELP}`;

const options = {
  id: { type: 'string' },
  name: { type: 'string' },
  'corp-id': { type: 'string' },
  suite: { type: 'string' },
  'suite-id': { type: 'string' },
  'suite-secret-file': { type: 'string' },
  'provider-corp-id': { type: 'string' },
  'provider-secret-file': { type: 'string' },
  'agent-id': { type: 'string' },
  secret: { type: 'string' },
  token: { type: 'string' },
  'aes-key': { type: 'string' },
  'secrets-file': { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'card-api-secret': { type: 'string' },
  'robot-code': { type: 'string' },
  'card-template-id': { type: 'string' },
  'api-base': { type: 'string' },
  'auto-match': { type: 'string' },
  'oidc-issuer': { type: 'string' },
  'oidc-client-id': { type: 'string' },
  oidc: { type: 'string' },
  'email-code-from': { type: 'string' },
  'email-code-ses': { type: 'boolean' },
  'email-code': { type: 'string' },
  'oauth-base': { type: 'string' },
  'jsapi-url': { type: 'string' },
  'login-base': { type: 'string' },
  'war-room': { type: 'string' },
  'war-room-template-id': { type: 'string' },
  'war-room-robot-code': { type: 'string' },
  'war-room-close-on-resolve': { type: 'string' },
  'allow-multiple-war-rooms': { type: 'boolean' },
  'smart-bot': { type: 'string' },
  'bot-id': { type: 'string' },
  model: { type: 'string' },
  'model-base-url': { type: 'string' },
  'model-name': { type: 'string' },
  'model-timeout': { type: 'string' },
  'oapi-base': { type: 'string' },
  integration: { type: 'string' },
  edition: { type: 'string' },
  'development-add-ons': { type: 'string' },
  qps: { type: 'string' },
  'monthly-quota': { type: 'string' },
  'monthly-webhook-quota': { type: 'string' },
  email: { type: 'string' },
  'user-id': { type: 'string' },
  title: { type: 'string' },
  severity: { type: 'string' },
  stack: { type: 'string' },
  region: { type: 'string' },
  replace: { type: 'boolean' },
  yes: { type: 'boolean' },
  'allow-real-credentials-locally': { type: 'boolean' },
  json: { type: 'boolean' },
  incident: { type: 'string' },
  member: { type: 'string' },
  since: { type: 'string' },
  linked: { type: 'boolean' },
  unlinked: { type: 'boolean' },
  search: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'max-miss-ratio': { type: 'string' },
  schedule: { type: 'string' },
  headcount: { type: 'string' },
  bot: { type: 'string' },
  to: { type: 'string', multiple: true },
  strict: { type: 'boolean' },
  follow: { type: 'boolean' },
  'webhook-url-file': { type: 'string' },
  'sign-secret-file': { type: 'string' },
  mention: { type: 'string' },
  'mapping-table': { type: 'string' },
  keyword: { type: 'string' },
  channel: { type: 'string' },
  file: { type: 'string' },
  by: { type: 'string' },
  locale: { type: 'string' },
  'template-version': { type: 'string' },
  out: { type: 'string' },
  grouping: { type: 'string' },
  auth: { type: 'string' },
  'severity-label': { type: 'string' },
  'alertmanager-url': { type: 'string' },
  routes: { type: 'string' },
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

function print(json: boolean, value: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: renameTemplateVersionFlag(argv), options, allowPositionals: true, strict: true });
  } catch (e) {
    throw explainParseError(e, Object.keys(options));
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (values.help || positionals.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  if (positionals[0] === 'demo-incident') positionals.splice(1, 0, 'publish');
  if (positionals[0] === 'oplog') positionals.splice(1, 0, 'show');
  if (positionals[0] === 'test-alert') positionals.splice(1, 0, 'publish');
  if (positionals[0] === 'postmortem') positionals.splice(1, 0, 'draft');
  const [group, action, arg] = positionals;
  const known = new Set(['events publish', 'demo-incident publish', 'integrations add', 'integrations register-callback', 'integrations list', 'integrations show', 'integrations remove', 'groups list', 'links set', 'links list', 'links remove', 'incidents show', 'actions tail']);
  known.add('oplog show');
  known.add('integrations set');
  known.add('postmortem draft');
  for (const action of ['add', 'list', 'remove']) known.add(`bots ${action}`);
  for (const action of ['add', 'set-routes', 'list', 'show', 'remove']) known.add(`sources ${action}`);
  for (const c of ['links auto', 'mappings create', 'mappings list', 'mappings show', 'mappings delete', 'mappings import', 'mappings export', 'test-alert publish']) known.add(c);
  for (const a of TEMPLATE_ACTIONS) known.add(`templates ${a}`);
  for (const c of ['suites add', 'suites list', 'suites show', 'licenses show']) known.add(c);
  if (!known.has(`${group} ${action}`)) refuseUnknownCommand(positionals, known, USAGE);
  // Everything that can be refused from the flags alone is refused before anything is opened or started.
  if (values.region !== undefined && values.stack === undefined) {
    throw new CliUsageError('--region without --stack: the command would act on the local stack; add --stack NAME to act on a deployed stack');
  }
  const targetKind = values.stack === undefined ? 'local' : 'stack';
  const linkingSettings =
    `${group} ${action}` === 'integrations set'
      ? parseIntegrationsSet(arg, values, {
          env: process.env,
          readText: (p) => readFileSync(p === '-' ? 0 : p, 'utf8'),
          fileMode: (p) => (process.platform === 'win32' ? undefined : statSync(p).mode),
        })
      : undefined;
  // `integrations add wecom --suite …`: a corp of a third-party app; its secret comes from the authorization, none is gathered.
  const suiteIntegration = `${group} ${action}` === 'integrations add' && (values.suite !== undefined || values['suite-id'] !== undefined);
  if (suiteIntegration) {
    if (values.suite === undefined) throw new CliUsageError('integrations add takes the suite as --suite SUITE_ID (--suite-id is for suites add)');
    checkSuiteIntegrationFlags(arg, values);
    const id = values.id === undefined ? undefined : integrationIdSchema.safeParse(values.id);
    if (id && !id.success) throw new CliUsageError(`--id: ${id.error.issues[0]?.message ?? 'invalid'}`);
  }
  const suiteToAdd = `${group} ${action}` === 'suites add' ? parseSuitesAdd(arg, values, { readText: readSecretText, targetKind }) : undefined;
  const secrets = `${group} ${action}` === 'integrations add' && !suiteIntegration ? gatherSecrets(arg, values) : undefined;
  if (secrets) checkEndpoints(arg as 'wecom' | 'dingtalk', values, targetKind, values['allow-real-credentials-locally'] === true);
  if (`${group} ${action}` === 'bots remove' && values.yes !== true && !process.stdin.isTTY) {
    throw new CliUsageError('bots remove stops the bot posting at once (and schedules its secret\u2019s deletion), and standard input is not a terminal to confirm on: pass --yes to remove without asking');
  }
  if (`${group} ${action}` === 'integrations remove' && values.yes !== true && !process.stdin.isTTY) {
    throw new CliUsageError(`integrations remove takes ${arg ?? 'the integration'} out of service at once (and schedules its secret's deletion), and standard input is not a terminal to confirm on: pass --yes to remove without asking`);
  }

  const linksAutoFlags = `${group} ${action}` === 'links auto' ? parseLinksAutoFlags(values) : undefined;
  const testAlertFlags = group === 'test-alert' ? parseTestAlertFlags(values) : undefined;
  if (group === 'templates' && positionals[3] !== undefined) throw new CliUsageError(`templates ${action}: unexpected argument ${positionals[3]}`);
  const templatesFlags = group === 'templates' ? parseTemplatesFlags(action, arg, values) : undefined;
  if (group === 'mappings') checkMappingsArgs(action, arg, positionals[3], values.yes === true, process.stdin.isTTY === true);
  if (group === 'demo-incident' && values.severity !== undefined && !severitySchema.options.includes(values.severity as never)) {
    throw new CliUsageError(`--severity must be one of ${severitySchema.options.join(', ')}`);
  }
  // The event file is read before the target is opened: a missing file is a usage error, not ENOENT.
  if (group === 'events' && !arg) throw new CliUsageError('events publish needs a FILE (or - for standard input)');
  const eventToPublish = group === 'events' ? readEventFileOrExplain(arg!) : group === 'demo-incident' ? demoIncident({ title: values.title, severity: values.severity }) : undefined;
  if (eventToPublish !== undefined) checkEvent(eventToPublish);

  const target = await resolveTarget({ stack: values.stack, region: values.region });
  process.stderr.write(`dutybridge: target: ${target.description}\n`);
  try {
    const repo = new DynamoIntegrationRepository(getDocumentClient(), target.tableName);
    const admin = new IntegrationAdmin(repo, secretsManagerWriter(getSecretsManagerClient(), { kmsKeyId: target.secretsKmsKeyId }), target.secretNamePrefix);
    const json = values.json === true;
    switch (`${group} ${action}`) {
      case 'integrations add':
        if (suiteIntegration) return await addSuiteIntegrationCommand(values, { admin: suiteAdmin(target, repo) }, print);
        return await add(admin, arg, values, secrets!, target, json);
      case 'suites add':
      case 'suites list':
      case 'suites show':
        return await suitesCommand(action, arg, suiteToAdd, values, { admin: suiteAdmin(target, repo) }, print);
      case 'licenses show':
        return await licensesCommand(action, values, { admin: suiteAdmin(target, repo) }, print);
      case 'integrations register-callback': {
        if (!arg) throw new CliUsageError('integrations register-callback needs an ID');
        const integration = await repo.get(arg);
        if (integration?.platform !== 'dingtalk') throw new CliUsageError(`no DingTalk integration ${arg}`);
        const secrets = dingTalkSecretsSchema.parse(await secretsManagerWriter(getSecretsManagerClient()).read(integration.secretName));
        const url = await registerDingTalkCardCallback(integration, secrets, target.apiUrl, target.tableName, target.kind);
        print(json, { callbackUrl: url }, `registered card callback ${url}`);
        return 0;
      }
      case 'integrations list': {
        const all = await admin.list();
        const rows = all.map(
          (i) =>
            `${i.id}${i.disabled ? ' (disabled)' : ''}\t${i.platform}\t${i.platform === 'wecom' ? `${i.settings.corpId}${i.settings.suite ? ` (suite ${i.settings.suite.suiteId})` : ''}` : i.settings.clientId}\t${i.settings.warRoom?.enabled ? 'on' : 'off'}\t` +
            // Smart bot: WeCom only ("-" on DingTalk); model: on/off (its settings in integrations show).
            `${i.platform === 'wecom' ? (i.settings.smartBot?.enabled ? 'on' : 'off') : '-'}\t${i.settings.ai?.enabled ? 'on' : 'off'}\t${i.name ?? ''}`,
        );
        print(json, all, rows.length ? ['ID\tPLATFORM\tAPP\tWAR_ROOM\tSMART_BOT\tMODEL\tNAME', ...rows].join('\n') : `no integrations (${target.description})`);
        return 0;
      }
      case 'integrations show': {
        if (!arg) throw new CliUsageError('integrations show needs an ID');
        const d = await admin.describe(arg, target.apiUrl);
        const lines = [
          `${d.integration.id} (${d.integration.platform})${d.integration.name ? ` — ${d.integration.name}` : ''}`,
          ...Object.entries(d.integration.settings)
            .filter(([k]) => k !== 'warRoom' && k !== 'smartBot' && k !== 'ai')
            .map(([k, v]) => `  ${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`),
          ...(d.integration.disabled ? [`  DISABLED since ${new Date(d.integration.disabled.atMs).toISOString()}: ${d.integration.disabled.reason}`] : []),
          `  War Room: ${describeWarRoom(d.integration)}`,
          `  smart bot: ${describeSmartBot(d.integration)}`,
          `  model: ${describeModel(d.integration)}`,
          '  secrets:',
          ...(d.secretsUnreadable ? [`    (not readable here: ${d.secretsUnreadable})`] : Object.entries(d.secrets).map(([k, v]) => `    ${k}: ${v}`)),
          'callback URLs to paste into the console:',
          ...Object.entries(d.callbackUrls).map(([k, v]) => `  ${k}: ${v}`),
          ...(d.callbackUrls.bot ? [`  (bot: ${WECOM_SMART_BOT_CONSOLE_HINT})`] : []),
        ];
        print(json, d, lines.join('\n'));
        return 0;
      }
      case 'integrations set': {
        const { id, patch, secrets: linkingSecrets, warRoom, smartBot, model, botSecrets, secretSources, warnings } = linkingSettings!;
        for (const w of warnings) process.stderr.write(`dutybridge: warning: ${w}\n`);
        if (secretSources.length) process.stderr.write(`secrets taken from: ${secretSources.join(', ')}\n`);
        const warned = new Set<string>();
        const warRooms = new WarRoomAdmin(repo, {
          probe: new WeComAppChatProbe(new SecretsManagerIntegrationSecrets(getSecretsManagerClient())),
          // plan() and set() both ask the (memoized) probe: say it once.
          warn: (w) => warned.has(w) || (warned.add(w), process.stderr.write(`dutybridge: warning: ${w}\n`)),
        });
        // War Room refusals (another integration has it, a DingTalk template missing) come before linking is written.
        if (warRoom) await warRooms.plan(id, warRoom);
        const smartBots = new SmartBotAdmin(repo, secretsManagerWriter(getSecretsManagerClient(), { kmsKeyId: target.secretsKmsKeyId }));
        const smartBotChange = smartBot || model || Object.keys(botSecrets).length ? { smartBot, model, secrets: botSecrets } : undefined;
        // So are the smart bot's and the model's (a DingTalk integration, a key missing from the secret).
        if (smartBotChange) await smartBots.plan(id, smartBotChange);
        const linkingGiven = Object.keys(patch).length > 0 || Object.keys(linkingSecrets).length > 0;
        let updated = linkingGiven ? await new LinkingAdmin(repo, secretsManagerWriter(getSecretsManagerClient(), { kmsKeyId: target.secretsKmsKeyId })).set(id, patch, linkingSecrets) : undefined;
        if (warRoom) updated = await warRooms.set(id, warRoom);
        if (smartBotChange) updated = await smartBots.set(id, smartBotChange);
        const base = target.apiUrl.replace(/\/+$/, '');
        const lines = [
          ...(linkingGiven ? [`${id}: account linking ${JSON.stringify(updated!.settings.linking ?? {})}`, `homepage to paste into the ${updated!.platform === 'wecom' ? 'WeCom console (app homepage)' : 'DingTalk app (home page URL)'}: ${base}/link/${updated!.platform}/${id}`] : []),
          ...(warRoom ? [`${id}: War Room ${describeWarRoom(updated!)}`] : []),
          ...(warRoom && updated!.platform === 'wecom' && updated!.settings.warRoom?.enabled ? [`note: ${WECOM_APPCHAT_VISIBILITY_HINT}`] : []),
          ...(smartBot ? [`${id}: smart bot ${describeSmartBot(updated!)}`] : []),
          ...(smartBot && callbackPaths(updated!).bot ? [`bot callback URL: ${base}${callbackPaths(updated!).bot}`, `note: ${WECOM_SMART_BOT_CONSOLE_HINT}`] : []),
          ...(model ? [`${id}: model ${describeModel(updated!)}`] : []),
          ...(smartBotChange && !smartBot && !model ? [`${id}: secret updated (${Object.keys(botSecrets).join(', ')})`] : []),
        ];
        print(json, updated, lines.join('\n'));
        return 0;
      }
      case 'integrations remove': {
        if (!arg) throw new CliUsageError('integrations remove needs an ID');
        const existing = await admin.get(arg);
        if (existing && values.yes !== true) {
          const question = `remove integration ${arg} (${existing.platform}) from ${target.description}? Its callbacks stop working at once and its secret is scheduled for deletion.`;
          if (!(await confirmByTypingId(arg, question, process.stdin, process.stderr))) {
            process.stderr.write(`not removed: the id typed was not ${arg}\n`);
            return 1;
          }
        }
        const removed = existing ? await admin.remove(arg) : false;
        print(json, { removed }, removed ? `removed ${arg}` : `no integration ${arg}`);
        return removed ? 0 : 1;
      }
      case 'events publish':
      case 'demo-incident publish': {
        if (!target.incidentEventsQueueUrl) {
          // Not a usage error (exit 1): the command is right, the stack is not there to take it.
          throw new Error(
            target.kind === 'local'
              ? 'the local stack is not running: start it with `npm start` (in another terminal), then run this again'
              : `${target.description} has no output IncidentEventsQueueUrl; deploy the current version of dutybridge`,
          );
        }
        const raw = eventToPublish;
        await guardEventTargets(raw, repo, { strict: values.strict === true, where: target.description, warn: (line) => void process.stderr.write(`${line}\n`) });
        const published = await publishEvent(target.incidentEventsQueueUrl, raw);
        const id = (published.event as { incidentId?: string }).incidentId;
        print(json, published, `published ${(published.event as { type: string }).type}${id ? ` for ${id}` : ''} (message ${published.messageId})`);
        return 0;
      }
      case 'incidents show':
        return await incidentsShow(arg, target.tableName, json, print);
      case 'actions tail':
        return await actionsTail(target, { follow: values.follow === true, json });
      case 'postmortem draft':
        return await postmortemCommand(positionals.slice(2), values, postmortemStores(target.tableName));
      case 'oplog show':
        return await oplogCommand(values, new DynamoOperationLog(getDocumentClient(), target.tableName), print);
      case 'links set':
      case 'links list':
      case 'links remove':
        return await linksCommand(action, values, { links: new DynamoLinkStore(getDocumentClient(), target.tableName), integrations: repo, members: new DynamoMemberDirectory(getDocumentClient(), target.tableName) }, print);
      case 'links auto':
        return await linksAutoCommand(values.integration!, linksAutoFlags!, { integrations: repo, tableName: target.tableName }, print, json);
      case 'mappings create':
      case 'mappings list':
      case 'mappings show':
      case 'mappings delete':
      case 'mappings import':
      case 'mappings export':
        return await mappingsCommand(action, arg, positionals[3], values, new DynamoMappingTables(getDocumentClient(), target.tableName));
      case 'test-alert publish': {
        if (!target.incidentEventsQueueUrl) throw new Error(target.kind === 'local' ? 'the local stack is not running: start it with `npm start` (in another terminal), then run this again' : `${target.description} has no output IncidentEventsQueueUrl; deploy the current version of dutybridge`);
        if (!(await repo.get(testAlertFlags!.integrationId))) throw new CliUsageError(`no integration ${testAlertFlags!.integrationId}`);
        if (testAlertFlags!.bot !== undefined && !(await new DynamoBotRegistry(getDocumentClient(), target.tableName).get(testAlertFlags!.integrationId, testAlertFlags!.bot))) {
          throw new CliUsageError(`--bot: no bot ${testAlertFlags!.bot} in ${testAlertFlags!.integrationId} (bots list --integration ${testAlertFlags!.integrationId} shows them)`);
        }
        const persons = testAlertFlags!.to.length ? testAlertFlags!.to : (await new DynamoLinkStore(getDocumentClient(), target.tableName).list(testAlertFlags!.integrationId)).map((l) => l.email).slice(0, 5000);
        if (persons.length === 0 && testAlertFlags!.bot === undefined) throw new CliUsageError(`nobody is linked in ${testAlertFlags!.integrationId}: pass --to EMAIL (or --bot NAME), or link people first (links set, links auto)`);
        const { incidentId, event } = testIncident(testAlertFlags!, persons, Date.now());
        const published = await publishEvent(target.incidentEventsQueueUrl, event);
        const checks = [`  npx dutybridge incidents show ${incidentId}`, `  npx dutybridge oplog --incident ${incidentId}`];
        print(json, { incidentId, messageId: published.messageId, persons, bot: testAlertFlags!.bot ?? null, event: published.event }, [`published test incident ${incidentId} to ${testAlertFlags!.integrationId}: ${persons.length} ${persons.length === 1 ? 'person' : 'people'}${testAlertFlags!.bot ? ` and bot ${testAlertFlags!.bot}` : ''} (message ${published.messageId})`, 'check that the cards (and @mentions) arrived, and why anyone was skipped:', ...checks, 'close it with Resolve on the card'].join('\n'));
        return 0;
      }
      case 'bots add':
      case 'bots list':
      case 'bots remove':
        return await botsCommand(
          action,
          values,
          {
            bots: new DynamoBotRegistry(getDocumentClient(), target.tableName),
            integrations: repo,
            secrets: secretsManagerWriter(getSecretsManagerClient(), { kmsKeyId: target.secretsKmsKeyId }),
            secretNamePrefix: target.secretNamePrefix,
            targetKind: target.kind,
            readText: (p) => readFileSync(p === '-' ? 0 : p, 'utf8'),
            mappingTableExists: async (name) => (await new DynamoMappingTables(getDocumentClient(), target.tableName).summary(name)) !== undefined,
            confirm: (name, question) => confirmByTypingId(name, question, process.stdin, process.stderr),
            warn: (line) => void process.stderr.write(`${line}\n`),
          },
          print,
        );
      case 'sources add':
      case 'sources set-routes':
      case 'sources list':
      case 'sources show':
      case 'sources remove':
        return await sourcesCommand(
          action,
          arg,
          values,
          {
            sources: new DynamoAlertSourceRepository(getDocumentClient(), target.tableName),
            secrets: secretsManagerWriter(getSecretsManagerClient(), { kmsKeyId: target.secretsKmsKeyId }),
            secretNamePrefix: target.secretNamePrefix,
            apiUrl: target.apiUrl,
            readText: (p) => readFileSync(p === '-' ? 0 : p, 'utf8'),
            nowIso: () => new Date().toISOString(),
          },
          print,
        );
      case 'templates set':
      case 'templates preview':
      case 'templates list':
      case 'templates show':
      case 'templates history':
      case 'templates rollback':
      case 'templates remove': {
        const templateAdmin = new TemplateAdmin({
          templates: new DynamoTemplateStore(getDocumentClient(), target.tableName),
          integrations: repo,
          incidents: new DynamoIncidentRepository(getDocumentClient(), target.tableName),
          operationLog: new DynamoOperationLog(getDocumentClient(), target.tableName),
        });
        return await templatesCommand(action, templatesFlags!, templateAdmin, json);
      }
      case 'groups list': {
        if (!values.integration) throw new CliUsageError('groups list needs --integration ID');
        const groups = await new DynamoGroupChatRegistry(getDocumentClient(), target.tableName).list(values.integration);
        const rows = groups.map((g) => `${g.openConversationId}\t${g.state}\t${g.title ?? ''}\t${g.coolAppCode ?? ''}\t${g.robotCode ?? ''}`);
        print(json, groups, rows.length ? ['OPEN_CONVERSATION_ID\tSTATE\tTITLE\tCOOL_APP\tROBOT', ...rows].join('\n') : `no groups for ${values.integration}`);
        return 0;
      }
    }
    return 2;
  } finally {
    await target.close();
  }
}

/** Suite administration on the target: suite state and provider tokens in its table (shared with the functions), secrets in its Secrets Manager. */
function suiteAdmin(target: CliTarget, repo: DynamoIntegrationRepository): SuiteAdmin {
  const suites = new DynamoSuiteStore(getDocumentClient(), target.tableName);
  const writeOptions = { kmsKeyId: target.secretsKmsKeyId };
  const tokens = new SuiteTokens({
    suites,
    secrets: new SecretsManagerSuiteSecrets(getSecretsManagerClient(), target.secretNamePrefix, writeOptions),
    api: weComSuiteApiFactory,
    // The functions' token cache: WeCom throttles frequent provider-token fetches (DOC-91200).
    tokens: new TokenProvider({ store: new DynamoAccessTokenStore(getDocumentClient(), target.tableName) }),
    clock: systemClock,
  });
  return new SuiteAdmin({
    suites,
    secrets: secretsManagerWriter(getSecretsManagerClient(), writeOptions),
    integrations: repo,
    tokens,
    clock: systemClock,
    secretNamePrefix: target.secretNamePrefix,
    apiUrl: target.apiUrl,
  });
}

/** A secret file of `suites add`, or standard input for `-` (with a hint on a terminal). */
function readSecretText(path: string): string {
  if (path === '-' && process.stdin.isTTY) process.stderr.write('reading the secret from standard input; end with Ctrl-D\n');
  return readFileSync(path === '-' ? 0 : path, 'utf8');
}

/** The event file of `events publish`: a file that cannot be read is named with the argument as typed. */
function readEventFileOrExplain(file: string): unknown {
  try {
    return readEventFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliUsageError(`events publish: no such file: ${file} (give the path of an incident event JSON file, or - for standard input)`);
    if (code === 'EISDIR') throw new CliUsageError(`events publish: ${file} is a folder; give the path of an incident event JSON file`);
    if (code === 'EACCES') throw new CliUsageError(`events publish: cannot read ${file} (permission denied)`);
    throw error;
  }
}

/** Numeric flags stay strings when not numbers, so validation names the flag in its message. */
function numberFlag(value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** The secrets of `integrations add` from flags, `--secrets-file` (or stdin) and the environment (cli/secrets.ts). */
function gatherSecrets(platform: string | undefined, v: Values): ResolvedSecrets {
  if (platform !== 'wecom' && platform !== 'dingtalk') throw new CliUsageError('integrations add needs a platform: wecom or dingtalk');
  // A bad id is reported first: it is the mistake to fix before any secret matters.
  if (v.id !== undefined) {
    const id = integrationIdSchema.safeParse(v.id);
    if (!id.success) throw new CliUsageError(`--id: ${id.error.issues[0]?.message ?? 'invalid'}`);
  }
  const file = v['secrets-file'];
  if (file === '-' && process.stdin.isTTY) process.stderr.write('reading the secrets (a JSON object) from standard input; end with Ctrl-D\n');
  const resolved = resolveSecrets(platform, {
    flags: v,
    secretsFile: file,
    env: process.env,
    readText: (p) => readFileSync(p === '-' ? 0 : p, 'utf8'),
    fileMode: (p) => (process.platform === 'win32' ? undefined : statSync(p).mode),
  });
  for (const w of resolved.warnings) process.stderr.write(`dutybridge: warning: ${w}\n`);
  process.stderr.write(`secrets taken from: ${Object.entries(resolved.sources).map(([k, from]) => `${k} ← ${from}`).join(', ')}\n`);
  return resolved;
}

async function add(admin: IntegrationAdmin, platform: string | undefined, v: Values, secrets: ResolvedSecrets, target: CliTarget, json: boolean): Promise<number> {
  const { apiUrl, tableName } = target;
  const s = secrets.values;
  const replace = v.replace === true;
  // Without --id the id gets a random suffix (issue 10: ids in callback URLs should not be guessable).
  if (v.id === undefined && (platform === 'wecom' || platform === 'dingtalk')) v.id = integrationIdWithSuffix(platform);
  // A card callback that must not be registered is known before anything is stored.
  const callbackRefusal = platform === 'dingtalk' ? cardCallbackRefusal(cardCallbackUrl(apiUrl, v.id ?? ''), effectiveEndpoints('dingtalk', v)[0].url, target.kind) : undefined;
  if (callbackRefusal && target.kind === 'stack') throw new CliUsageError(`not adding ${v.id}: ${callbackRefusal}`);
  // The card callback apiSecret is ours to choose (registered with /v1.0/card/callbacks/register).
  const cardApiSecret = s.cardApiSecret ?? randomBytes(24).toString('base64url');
  let integration;
  if (platform === 'wecom') {
    integration = await admin.addWeCom(
      { id: v.id, name: v.name, corpId: v['corp-id'], agentId: v['agent-id'], apiBase: v['api-base'], secret: s.secret, token: s.token, aesKey: s.aesKey },
      { replace },
    );
  } else if (platform === 'dingtalk') {
    integration = await admin.addDingTalk(
      {
        id: v.id,
        name: v.name,
        clientId: v['client-id'],
        clientSecret: s.clientSecret,
        token: s.token,
        aesKey: s.aesKey,
        cardApiSecret,
        apiBase: v['api-base'],
        oapiBase: v['oapi-base'],
        robotCode: v['robot-code'],
        cardTemplateId: v['card-template-id'],
        corpId: v['corp-id'],
        edition: v.edition,
        developmentAddOns: numberFlag(v['development-add-ons']),
        qpsPerAppAndApi: numberFlag(v.qps),
        monthlyMeteredCalls: numberFlag(v['monthly-quota']),
        monthlyWebhookMessages: numberFlag(v['monthly-webhook-quota']),
      },
      { replace },
    );
  } else {
    throw new CliUsageError('integrations add needs a platform: wecom or dingtalk');
  }
  if (integration.platform === 'dingtalk' && callbackRefusal) {
    // Only with --allow-real-credentials-locally: stored here, but the production clicks stay where they go.
    process.stderr.write(`not registering the card callback: ${callbackRefusal}\n`);
  } else if (integration.platform === 'dingtalk') {
    // Card clicks reach dutybridge only once DingTalk knows the callback URL for our route key.
    try {
      // From the secrets in hand: on a deployed stack the operator may not be allowed to decrypt them.
      const inHand = dingTalkSecretsSchema.parse({ clientSecret: s.clientSecret, token: s.token, aesKey: s.aesKey, cardApiSecret });
      const url = await registerDingTalkCardCallback(integration, inHand, apiUrl, tableName, target.kind);
      process.stderr.write(`registered the card callback with DingTalk: ${url}\n`);
    } catch (error) {
      process.stderr.write(
        `warning: could not register the card callback with DingTalk (${error instanceof Error ? error.message : String(error)}); ` +
          `run \`dutybridge integrations register-callback ${integration.id}\` once DingTalk is reachable\n`,
      );
    }
  }
  const d = await admin.describe(integration.id, apiUrl);
  print(json, d, [`added ${integration.id} (${integration.platform})`, 'callback URLs to paste into the console:', ...Object.entries(d.callbackUrls).map(([k, u]) => `  ${k}: ${u}`)].join('\n'));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof InvalidIntegrationInputError && error.problems.length > 0) {
      // Fields named by the flags they come from: "--agent-id is missing", not "agentId: Invalid input".
      process.stderr.write(`dutybridge: ${explainIntegrationProblems(error.problems)}\n`);
      process.exit(EXIT_USAGE);
    }
    if (error instanceof CliUsageError || error instanceof RequestRejectedError) {
      process.stderr.write(`dutybridge: ${error.message}\n`);
      if (error instanceof CliUsageError) process.stderr.write('run `dutybridge --help` for usage\n');
      // Nothing by that id: the command was right and found nothing (as `integrations remove` of an unknown id).
      // A corp that has not installed the suite yet: right too, WeCom's side is not ready.
      process.exit(error instanceof NotFoundError || error instanceof SuiteNotReadyError ? EXIT_FAILED : EXIT_USAGE);
    }
    process.stderr.write(`dutybridge: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
