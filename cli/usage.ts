/**
 * The CLI explains itself (issue 12 item 5): flags named as typed, unknown commands and options
 * answered with the nearest known one, a command group alone answered with its subcommands, and
 * the version. Pure functions over the usage text and the option table, so new commands need no
 * change here.
 */
import packageJson from '../package.json';
import { CliUsageError } from './target';

/** Exit codes (documented in --help and the README). */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export const EXIT_CODES_HELP = `exit codes:
  0  done
  1  failed (the command was right but did not succeed: no integration by that id, the local stack not running, AWS refused)
  2  usage: a bad command, option or value (the message says what to change); nothing was done`;

export function version(): string {
  return packageJson.version;
}

/** Levenshtein distance (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The candidate nearest to `typed`, when it is near enough to be what was meant. */
export function nearest(typed: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(typed.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(typed.length / 3)) ? best : undefined;
}

/** The usage lines of one command group (`integrations`, `links`, …), from the usage text. */
export function groupUsage(usage: string, group: string): string[] {
  return usage.split('\n').filter((line) => line.startsWith(`  ${group} `) || line === `  ${group}`);
}

/**
 * Refuses a command that is not known: a group alone lists its subcommands; anything else gets the
 * nearest known command. `known` holds "group action" strings.
 */
export function refuseUnknownCommand(positionals: readonly string[], known: ReadonlySet<string>, usage: string): never {
  const [group, action] = positionals;
  const groups = new Set([...known].map((k) => k.split(' ')[0]));
  if (groups.has(group) && action === undefined) {
    const actions = [...known].filter((k) => k.startsWith(`${group} `)).map((k) => k.slice(group.length + 1));
    const lines = groupUsage(usage, group);
    throw new CliUsageError(`${group} needs a subcommand: ${actions.join(', ')}${lines.length ? `\n${lines.join('\n')}` : ''}`);
  }
  const typed = positionals.slice(0, 2).join(' ');
  // A command typed without its action (`demo-incident`, its usage line shows no `publish`) is suggested as typed.
  const shown = (k: string): string => (usage.includes(`\n  ${k}`) ? k : k.split(' ')[0]);
  const commands = [...known].map(shown);
  const guess = groups.has(group) && action !== undefined
    ? nearest(action, [...known].filter((k) => k.startsWith(`${group} `)).map((k) => k.slice(group.length + 1)))?.replace(/^/, `${group} `)
    : (nearest(typed, commands) ?? nearest(group, groups));
  throw new CliUsageError(`unknown command: ${typed}${guess ? `; did you mean \`dutybridge ${guess}\`?` : `; commands: ${[...groups].join(', ')}`}`);
}

/**
 * node:util parseArgs errors in plain words: "unknown option --agentid; did you mean --agent-id?",
 * "--id needs a value".
 */
export function explainParseError(error: unknown, optionNames: readonly string[]): CliUsageError {
  const e = error as NodeJS.ErrnoException;
  const message = e instanceof Error ? e.message : String(error);
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const typed = /Unknown option '([^']+)'/.exec(message)?.[1] ?? '';
    const bare = typed.replace(/^-+/, '');
    const guess = nearest(bare, optionNames);
    return new CliUsageError(`unknown option ${typed}${guess ? `; did you mean --${guess}?` : ''}`);
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /Option '(?:-\w, )?(--[\w-]+)/.exec(message)?.[1];
    if (flag && /argument missing/.test(message)) return new CliUsageError(`${flag} needs a value`);
    if (flag) return new CliUsageError(`${flag} takes no value (it is a switch)`);
  }
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return new CliUsageError(`unexpected argument: ${message}`);
  return new CliUsageError(message.split('\n')[0]);
}

/** The flag each field of the integrations-add input comes from (InvalidIntegrationInputError names fields). */
export const INTEGRATION_FIELD_FLAGS: Readonly<Record<string, string>> = {
  id: '--id',
  name: '--name',
  corpId: '--corp-id',
  agentId: '--agent-id',
  apiBase: '--api-base',
  oapiBase: '--oapi-base',
  clientId: '--client-id',
  robotCode: '--robot-code',
  cardTemplateId: '--card-template-id',
  edition: '--edition',
  developmentAddOns: '--development-add-ons',
  qpsPerAppAndApi: '--qps',
  monthlyMeteredCalls: '--monthly-quota',
  monthlyWebhookMessages: '--monthly-webhook-quota',
  secret: 'the secret (--secrets-file key "secret")',
  token: 'the token (--secrets-file key "token")',
  aesKey: 'the EncodingAESKey (--secrets-file key "encodingAesKey" or "aesKey")',
  clientSecret: 'the client secret (--secrets-file key "clientSecret")',
  cardApiSecret: 'the card callback secret (--secrets-file key "cardApiSecret")',
};

/** "--agent-id is missing; --edition must be one of standard, professional". */
export function explainIntegrationProblems(problems: readonly { field: string; problem: string }[]): string {
  return problems.map((p) => `${INTEGRATION_FIELD_FLAGS[p.field] ?? p.field} ${p.problem}`).join('; ');
}
