/**
 * `dutybridge suites add|list|show` and `integrations add wecom --suite …` (issue 16): a WeCom
 * third-party app ("suite") run by the operator, and each customer corp that installed it.
 * SuiteSecret and ProviderSecret are read from files only (or standard input): on the command line
 * they would end up in shell history. Flags are checked before the target is opened.
 */
import type { AddSuiteInput, SuiteAdmin } from '../shared/application/suite-admin';
import { InvalidSuiteInputError } from '../shared/application/suite-admin';
import { checkEndpoints } from './safety';
import { formatTable } from './table';
import { CliUsageError } from './target';

export interface SuitesValues {
  'suite-id'?: string;
  'suite-secret-file'?: string;
  token?: string;
  'aes-key'?: string;
  'provider-corp-id'?: string;
  'provider-secret-file'?: string;
  'api-base'?: string;
  'allow-real-credentials-locally'?: boolean;
  json?: boolean;
}

export interface SuiteIntegrationValues {
  suite?: string;
  'corp-id'?: string;
  id?: string;
  name?: string;
  replace?: boolean;
  json?: boolean;
}

export interface SuitesDeps {
  readonly admin: Pick<SuiteAdmin, 'addSuite' | 'listSuites' | 'showSuite' | 'addSuiteIntegration'>;
}

type Print = (json: boolean, value: unknown, text: string) => void;

export const SUITES_USAGE = `  suites add wecom --suite-id SUITE_ID --suite-secret-file FILE|- --token TOKEN --aes-key KEY
                   [--provider-corp-id CORPID --provider-secret-file FILE|-] [--api-base URL]
                                   a WeCom third-party app (SuiteID ww…/wx…) or 代开发 template (dk…), and the URLs to
                                   paste into the provider console. SuiteSecret and ProviderSecret only from files
                                   (- = standard input). The provider pair lets corps be found by their plain Corp ID
                                   and licenses be read. Adding a SUITE_ID again replaces its settings and secret
  suites list | suites show SUITE_ID   suite_ticket age (never the ticket), authorized corps and their integrations`;

export const SUITE_INTEGRATION_USAGE = `  integrations add wecom --suite SUITE_ID --corp-id CORPID [--id ID] [--name NAME] [--replace]
                                   a corp that installed the suite, by the Corp ID its admin sees (My Company → Company
                                   Info); agent id, secret and API base come from its authorization`;

/** The flag (or file) each SuiteAdmin input field comes from. */
const SUITE_FIELD_FLAGS: Readonly<Record<string, string>> = {
  suiteId: '--suite-id',
  suiteSecret: 'the suite secret (--suite-secret-file)',
  token: '--token',
  aesKey: '--aes-key',
  apiBase: '--api-base',
  providerCorpId: '--provider-corp-id',
  providerSecret: 'the provider secret (--provider-secret-file)',
  corpId: '--corp-id',
  id: '--id',
  name: '--name',
};

/** Flags of a self-built (custom) app or of DingTalk: meaningless with --suite, whose values come from the authorization. */
const NOT_WITH_SUITE = [
  'agent-id',
  'secret',
  'token',
  'aes-key',
  'secrets-file',
  'api-base',
  'client-id',
  'client-secret',
  'card-api-secret',
  'robot-code',
  'card-template-id',
  'oapi-base',
  'edition',
  'development-add-ons',
  'qps',
  'monthly-quota',
  'monthly-webhook-quota',
] as const;

/**
 * `suites add wecom …` from its flags, secrets read from their files: refused here (exit 2) when a
 * flag is missing, a file unreadable or empty, or --api-base not fit for the target.
 */
export function parseSuitesAdd(
  platform: string | undefined,
  values: SuitesValues,
  io: { readText: (path: string) => string; targetKind: 'local' | 'stack' },
): AddSuiteInput {
  if (platform !== 'wecom') throw new CliUsageError('suites add needs the platform: wecom (third-party apps are a WeCom feature)');
  const missing = (['suite-id', 'suite-secret-file', 'token', 'aes-key'] as const).filter((f) => values[f] === undefined);
  if (missing.length) throw new CliUsageError(`suites add wecom needs ${missing.map((f) => `--${f}`).join(', ')}`);
  if ((values['provider-corp-id'] === undefined) !== (values['provider-secret-file'] === undefined)) {
    throw new CliUsageError('--provider-corp-id and --provider-secret-file go together (the provider token needs both)');
  }
  if (values['suite-secret-file'] === '-' && values['provider-secret-file'] === '-') {
    throw new CliUsageError('only one of --suite-secret-file and --provider-secret-file can be - (standard input)');
  }
  checkEndpoints('wecom', { 'api-base': values['api-base'] }, io.targetKind, values['allow-real-credentials-locally'] === true);
  return {
    suiteId: values['suite-id']!,
    suiteSecret: readSecretFile(io.readText, values['suite-secret-file']!, '--suite-secret-file', 'SuiteSecret'),
    token: values.token!,
    aesKey: values['aes-key']!,
    ...(values['api-base'] !== undefined ? { apiBase: values['api-base'] } : {}),
    ...(values['provider-corp-id'] !== undefined
      ? { providerCorpId: values['provider-corp-id'], providerSecret: readSecretFile(io.readText, values['provider-secret-file']!, '--provider-secret-file', 'ProviderSecret') }
      : {}),
  };
}

/** `integrations add … --suite`: the platform is wecom, --corp-id is given, and no custom-app flag is mixed in. */
export function checkSuiteIntegrationFlags(platform: string | undefined, values: SuiteIntegrationValues & Record<string, unknown>): void {
  if (platform !== 'wecom') throw new CliUsageError('--suite is for WeCom: integrations add wecom --suite SUITE_ID --corp-id CORPID');
  if (!values.suite) throw new CliUsageError('--suite needs the suite id (see dutybridge suites list)');
  const mixed = NOT_WITH_SUITE.filter((f) => values[f] !== undefined);
  if (mixed.length) {
    throw new CliUsageError(
      `${mixed.map((f) => `--${f}`).join(', ')} cannot be used with --suite: a third-party app's agent id, secret and API base come from the corp's authorization ` +
        '(drop them, or drop --suite to add a self-built app)',
    );
  }
  if (values['corp-id'] === undefined) throw new CliUsageError('integrations add wecom --suite needs --corp-id CORPID (the Corp ID under My Company → Company Info)');
}

export async function suitesCommand(action: string, arg: string | undefined, added: AddSuiteInput | undefined, values: SuitesValues, deps: SuitesDeps, print: Print): Promise<number> {
  const json = values.json === true;
  switch (action) {
    case 'add': {
      const out = await explained(() => deps.admin.addSuite(added!));
      const { suite, consoleUrls: urls } = out;
      const lines = [
        out.replaced
          ? `replaced suite ${suite.suiteId} (${suite.kind}): its settings and secret were replaced; its authorizations and suite_ticket are kept`
          : `added suite ${suite.suiteId} (${suite.kind})`,
        'paste into the provider console (the app’s callback settings), with the Token and EncodingAESKey given here:',
        `  指令回调URL (command URL): ${urls.command}`,
        `  数据回调URL (data URL):    ${urls.data}`,
        `  安装完成回调 (redirect after install): ${urls.installed}   (its host goes into 安装完成回调域名)`,
        `install page to send a customer's admin to: ${urls.install}`,
        suite.providerCorpId
          ? `provider corp ${suite.providerCorpId}: corps are found by the Corp ID their admin sees, and licenses can be read`
          : 'no provider corp id / secret: only corps WeCom shows in plain (installed before 2021-11-17) can be found, and licenses cannot be read',
        'note: WeCom takes service-provider API calls only from the IP whitelist in the provider console (errcode 60020 otherwise)',
      ];
      print(json, out, lines.join('\n'));
      return 0;
    }
    case 'list': {
      const all = await deps.admin.listSuites();
      const rows = all.map((s) => [s.suite.suiteId, s.suite.kind, s.suite.providerCorpId ?? '-', s.ticketAgeMs === undefined ? 'none' : age(s.ticketAgeMs), String(s.activeAuthorizations), String(s.integrations), s.suite.apiBase]);
      print(json, all, rows.length ? formatTable(['SUITE_ID', 'KIND', 'PROVIDER', 'TICKET_AGE', 'CORPS', 'INTEGRATIONS', 'API_BASE'], rows) : 'no suites (add one with dutybridge suites add wecom …)');
      return 0;
    }
    case 'show': {
      if (!arg) throw new CliUsageError('suites show needs a SUITE_ID');
      const shown = await explained(() => deps.admin.showSuite(arg));
      const { suite, ticket, consoleUrls: urls } = shown;
      const lines = [
        `${suite.suiteId} (${suite.kind}), API base ${suite.apiBase}, provider corp ${suite.providerCorpId ?? 'not set'}`,
        ticket
          ? `  suite_ticket: ${age(ticket.ageMs)} old${ticket.valid ? '' : ' — expired (valid 30 minutes): WeCom pushes a new one every 10 minutes to the command URL; re-push it from the provider console if none arrives'}`
          : '  suite_ticket: none received yet: WeCom pushes one to the command URL every 10 minutes once it is set (or re-push it from the provider console)',
        `  command URL: ${urls.command}`,
        `  data URL: ${urls.data}`,
        `  install page: ${urls.install}`,
        `  redirect after install: ${urls.installed}`,
        shown.authorizations.length ? 'authorized corps:' : 'no corp has authorized the app yet',
        ...(shown.authorizations.length
          ? formatTable(
              ['CORP_ID', 'NAME', 'AGENT', 'STATUS', 'INTEGRATION'],
              shown.authorizations.map((a) => [a.corpId, a.corpName, a.agentId ?? '(pending)', a.status, a.integrationId ?? '-']),
            )
              .split('\n')
              .map((l) => `  ${l}`)
          : []),
      ];
      print(json, shown, lines.join('\n'));
      return 0;
    }
    default:
      throw new CliUsageError(`unknown command: suites ${action}`);
  }
}

/** `integrations add wecom --suite SUITE_ID --corp-id CORPID` (flags checked by checkSuiteIntegrationFlags). */
export async function addSuiteIntegrationCommand(values: SuiteIntegrationValues, deps: SuitesDeps, print: Print): Promise<number> {
  const out = await explained(
    () =>
      deps.admin.addSuiteIntegration(
        { suiteId: values.suite!, corpId: values['corp-id']!, ...(values.id !== undefined ? { id: values.id } : {}), ...(values.name !== undefined ? { name: values.name } : {}) },
        { replace: values.replace === true },
      ),
    { suiteId: '--suite' },
  );
  const { integration, authorization } = out;
  const pasted = integration.settings.suite?.pastedCorpId;
  const lines = [
    `${out.replaced ? 'replaced' : 'added'} ${integration.id} (wecom, third-party app ${integration.settings.suite?.suiteId}): corp ${authorization.corpName}, agent ${integration.settings.agentId}`,
    `  corp id as WeCom gives it to the app: ${integration.settings.corpId}${pasted && pasted !== integration.settings.corpId ? ` (pasted: ${pasted})` : ''}`,
    `  events name it in targets[].integrationId: ${integration.id}; its callbacks arrive on the suite's data URL (nothing to paste per corp)`,
    `  licenses: dutybridge licenses show --integration ${integration.id}`,
  ];
  print(values.json === true, out, lines.join('\n'));
  return 0;
}

/** Field problems named by the flags they come from (`flags` for a command that names a field differently). */
async function explained<T>(run: () => Promise<T>, flags: Readonly<Record<string, string>> = {}): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof InvalidSuiteInputError && error.problems.length > 0) {
      throw new CliUsageError(error.problems.map((p) => `${flags[p.field] ?? SUITE_FIELD_FLAGS[p.field] ?? p.field} ${p.problem}`).join('; '));
    }
    throw error;
  }
}

function readSecretFile(readText: (path: string) => string, path: string, flag: string, what: string): string {
  let text: string;
  try {
    text = readText(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliUsageError(code === 'ENOENT' ? `${flag}: no such file: ${path} (a file holding the ${what} alone)` : `${flag}: cannot read ${path}: ${(error as Error).message}`);
  }
  // A trailing newline is what editors and `echo` add; anything else around the secret is kept as typed.
  const value = text.replace(/\r?\n$/, '');
  if (value.trim() === '') throw new CliUsageError(`${flag} ${path} is empty: put the ${what} in it (copied from the provider console)`);
  if (/[\r\n]/.test(value)) throw new CliUsageError(`${flag} ${path} has more than one line: put the ${what} alone in it`);
  return value;
}

/** `12 min`, `3 h`, `2 d`. */
function age(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h` : `${Math.round(hours / 24)} d`;
}
