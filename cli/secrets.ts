/**
 * Where `integrations add` takes the app's secrets from, so they need not be typed on the command
 * line (which ends up in shell history and process listings). Each secret is looked up, first hit
 * wins, in:
 *
 *   1. its flag (`--secret`, `--token`, …): still accepted, with a warning;
 *   2. `--secrets-file PATH`, or `--secrets-file -` for standard input: one JSON object whose keys
 *      are the names the secrets are stored (and shown by `integrations show`) under;
 *   3. its environment variable, `DUTYBRIDGE_<PLATFORM>_<FLAG>` (e.g. `DUTYBRIDGE_WECOM_AES_KEY`).
 *
 * No message built here contains a secret value: only names of flags, keys, variables and files.
 */
import type { ZodMiniType } from 'zod/mini';
import { dingTalkSecretsSchema, weComSecretsSchema } from '../shared/domain/integration';
import { CliUsageError } from './target';

export interface SecretSpec {
  /** Field of the `IntegrationAdmin.addWeCom` / `addDingTalk` input. */
  readonly input: string;
  /** What the platform's console calls it. */
  readonly label: string;
  /** Command-line flag, without the dashes. */
  readonly flag: string;
  /** Key in the secrets file: the name it is stored under in Secrets Manager. */
  readonly key: string;
  readonly env: string;
  /** Optional secrets are generated when absent (DingTalk's card callback apiSecret is ours to choose). */
  readonly required: boolean;
}

export const SECRET_SPECS: Record<'wecom' | 'dingtalk', readonly SecretSpec[]> = {
  wecom: [
    { input: 'secret', label: 'app Secret (corpsecret)', flag: 'secret', key: 'secret', env: 'DUTYBRIDGE_WECOM_SECRET', required: true },
    { input: 'token', label: 'callback Token', flag: 'token', key: 'token', env: 'DUTYBRIDGE_WECOM_TOKEN', required: true },
    { input: 'aesKey', label: 'callback EncodingAESKey', flag: 'aes-key', key: 'encodingAesKey', env: 'DUTYBRIDGE_WECOM_AES_KEY', required: true },
  ],
  dingtalk: [
    { input: 'clientSecret', label: 'Client Secret (AppSecret)', flag: 'client-secret', key: 'clientSecret', env: 'DUTYBRIDGE_DINGTALK_CLIENT_SECRET', required: true },
    { input: 'token', label: 'event subscription token', flag: 'token', key: 'token', env: 'DUTYBRIDGE_DINGTALK_TOKEN', required: true },
    { input: 'aesKey', label: 'event subscription aes_key', flag: 'aes-key', key: 'aesKey', env: 'DUTYBRIDGE_DINGTALK_AES_KEY', required: true },
    { input: 'cardApiSecret', label: 'card callback apiSecret', flag: 'card-api-secret', key: 'cardApiSecret', env: 'DUTYBRIDGE_DINGTALK_CARD_API_SECRET', required: false },
  ],
};

const SCHEMAS = { wecom: weComSecretsSchema.shape, dingtalk: dingTalkSecretsSchema.shape } as const;

export interface SecretSources {
  /** Parsed command-line values, by flag name. */
  readonly flags: Readonly<Record<string, unknown>>;
  /** `--secrets-file`: a path, or `-` for standard input. */
  readonly secretsFile?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a file (`-`: standard input) as UTF-8. */
  readonly readText: (path: string) => string;
  /** Permission bits of a file, to warn when others may read it (undefined: unknown). */
  readonly fileMode?: (path: string) => number | undefined;
}

export interface ResolvedSecrets {
  /** By `SecretSpec.input`; optional secrets found nowhere are absent. */
  readonly values: Record<string, string>;
  /** Where each found secret came from (a flag, the file, a variable): safe to print. */
  readonly sources: Record<string, string>;
  /** Safe to print: never contain a value. */
  readonly warnings: string[];
}

function fileLabel(file: string): string {
  return file === '-' ? '--secrets-file - (standard input)' : `--secrets-file ${file}`;
}

/** Key names are echoed in errors only when they look like names (a pasted secret would not be echoed). */
function describeKey(key: string): string {
  return /^[A-Za-z][A-Za-z0-9_-]{0,39}$/.test(key) ? `"${key}"` : 'a key that is not a name';
}

function readSecretsFile(platform: 'wecom' | 'dingtalk', file: string, sources: SecretSources): Record<string, string> {
  const where = fileLabel(file);
  if (file.trim() === '') throw new CliUsageError('--secrets-file needs a path (or - for standard input)');
  let text: string;
  try {
    text = sources.readText(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why: Record<string, string> = { ENOENT: 'no such file', EISDIR: 'it is a folder, not a file', EACCES: 'permission denied' };
    throw new CliUsageError(`cannot read ${where}: ${(code && why[code]) ?? code ?? 'unreadable'}; give the path of a JSON file with the secrets (or - for standard input)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not the parser's message: V8 quotes the text around the error, which may be a secret.
    throw new CliUsageError(`${where} is not valid JSON; expected an object like ${example(platform)}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CliUsageError(`${where} must hold one JSON object like ${example(platform)}`);
  }
  const specs = SECRET_SPECS[platform];
  const known = new Set(specs.map((s) => s.key));
  const entries = Object.entries(parsed as Record<string, unknown>);
  const unknown = entries.map(([k]) => k).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new CliUsageError(
      `${where} has unknown ${unknown.length === 1 ? 'key' : 'keys'} ${[...new Set(unknown.map(describeKey))].join(', ')}; ` +
        `the keys for ${platform} are ${specs.map((s) => `"${s.key}"${s.required ? '' : ' (optional)'}`).join(', ')}`,
    );
  }
  const out: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw new CliUsageError(`"${key}" in ${where} must be a string`);
    out[key] = value;
  }
  return out;
}

function example(platform: 'wecom' | 'dingtalk'): string {
  return `{${SECRET_SPECS[platform]
    .filter((s) => s.required)
    .map((s) => `"${s.key}": "…"`)
    .join(', ')}}`;
}

/** How to pass one secret, for error messages. */
export function waysToPass(spec: SecretSpec): string {
  return `"${spec.key}" in --secrets-file PATH (or - for standard input), in the environment variable ${spec.env}, or with --${spec.flag} (ends up in shell history)`;
}

/**
 * Each secret of `integrations add <platform>`: from its flag, else the secrets file (or standard
 * input), else its environment variable. Throws a CliUsageError naming every required secret that
 * is found nowhere, and any that fails its format, with where it came from but never its value.
 */
export function resolveSecrets(platform: 'wecom' | 'dingtalk', sources: SecretSources): ResolvedSecrets {
  const specs = SECRET_SPECS[platform];
  const fromFile = sources.secretsFile !== undefined ? readSecretsFile(platform, sources.secretsFile, sources) : {};
  const values: Record<string, string> = {};
  const origin: Record<string, string> = {};
  const warnings: string[] = [];
  const problems: string[] = [];

  if (sources.secretsFile !== undefined && sources.secretsFile !== '-') {
    const mode = sources.fileMode?.(sources.secretsFile);
    if (mode !== undefined && (mode & 0o077) !== 0) {
      warnings.push(`${sources.secretsFile} can be read by other users (mode ${(mode & 0o777).toString(8)}); \`chmod 600\` it`);
    }
  }

  const flagged: string[] = [];
  for (const spec of specs) {
    const flag = sources.flags[spec.flag];
    const env = sources.env[spec.env];
    let value: string | undefined;
    let from: string | undefined;
    if (typeof flag === 'string') {
      value = flag;
      from = `--${spec.flag}`;
      flagged.push(`--${spec.flag}`);
    } else if (fromFile[spec.key] !== undefined) {
      value = fromFile[spec.key];
      from = `"${spec.key}" in ${fileLabel(sources.secretsFile ?? '')}`;
    } else if (env !== undefined && env.trim() !== '') {
      // An empty variable counts as unset, as in most tools.
      value = env;
      from = spec.env;
    }
    if (value === undefined) {
      if (spec.required) problems.push(`missing ${platform === 'wecom' ? 'WeCom' : 'DingTalk'} ${spec.label}: pass it as ${waysToPass(spec)}`);
      continue;
    }
    // Pasted values often carry a trailing newline (`$(cat file)`, an editor); no secret has edge spaces.
    value = value.trim();
    const shape: Readonly<Record<string, ZodMiniType>> = SCHEMAS[platform];
    const parsed = shape[spec.key].safeParse(value);
    if (!parsed.success) {
      // The schemas' messages describe the format, never the value.
      const reason = value === '' ? 'it is empty' : (parsed.error.issues[0]?.message ?? 'invalid');
      problems.push(`${spec.label} (from ${from}): ${reason}`);
      continue;
    }
    values[spec.input] = value;
    origin[spec.input] = from!;
  }
  if (flagged.length > 0) {
    warnings.push(
      `${flagged.join(', ')} on the command line ${flagged.length === 1 ? 'ends' : 'end'} up in shell history and process listings; ` +
        `prefer --secrets-file PATH, --secrets-file - (standard input) or the ${specs
          .filter((s) => flagged.includes(`--${s.flag}`))
          .map((s) => s.env)
          .join(', ')} environment ${flagged.length === 1 ? 'variable' : 'variables'}`,
    );
  }
  if (problems.length > 0) throw new CliUsageError(problems.join('\n'));
  return { values, sources: origin, warnings };
}

/** The `--help` table: per platform, each secret's file key, flag and environment variable. */
export function secretsHelp(): string {
  const rows = [['', 'file key', 'flag', 'environment variable', '']];
  for (const platform of ['wecom', 'dingtalk'] as const) {
    SECRET_SPECS[platform].forEach((s, i) => {
      rows.push([i === 0 ? `${platform}:` : '', s.key, `--${s.flag}`, s.env, s.required ? s.label : `${s.label} (optional: generated when absent)`]);
    });
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => `  ${r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] + 2))).join('')}`.trimEnd()).join('\n');
}
