/**
 * `dutybridge templates set|preview|list|show|history|rollback|remove` (issue 13): an integration's
 * notification templates per channel kind. `set` refuses a broken template with
 * `FILE:line:column: message` per error (exit 2) and stores nothing; warnings (a render that would
 * be cut) are printed and do not stop it. Who changed it: `--by NAME`, else the OS user.
 */
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { TemplateRejectedError, type TemplateAdmin } from '../shared/application/template-admin';
import { TemplateVersionConflictError, type StoredTemplate } from '../shared/application/template-ports';
import { templateChannels } from '../shared/domain/channel-limits';
import { formatTable } from './table';
import { CliUsageError } from './target';
import { EXIT_FAILED, EXIT_USAGE } from './usage';

export const TEMPLATES_USAGE = `templates set --integration ID --channel K FILE [--by NAME]
                                   save a notification template (a new version); it is parsed, then rendered against
                                   the integration's last 20 incidents (or built-in Chinese and English samples): errors
                                   are refused as FILE:line:column (exit 2, nothing stored), cut fields are warned about
  templates preview --integration ID --channel K [--incident ID] [--file FILE] [--locale zh|en] [--json]
                                   the rendered fields and a picture of the card; nothing is sent or stored
  templates list --integration ID
  templates show --integration ID --channel K [--version N]   (the built-in default when none is set)
  templates history --integration ID --channel K
  templates rollback --integration ID --channel K --version N   (a new version with version N's source)
  templates remove --integration ID --channel K   (the built-in default applies again; the history goes too)
                                   channels K: ${templateChannels.join(', ')}`;

export const TEMPLATE_ACTIONS = ['set', 'preview', 'list', 'show', 'history', 'rollback', 'remove'] as const;

export interface TemplatesFlags {
  readonly integrationId: string;
  readonly channel?: string;
  /** The file given (set: FILE; preview: --file) and its text, read before the stack is opened. */
  readonly file?: { readonly path: string; readonly source: string };
  readonly incidentId?: string;
  readonly version?: number;
  readonly locale?: 'zh' | 'en';
  readonly by: string;
}

export interface TemplatesValues {
  integration?: string;
  channel?: string;
  file?: string;
  incident?: string;
  'template-version'?: string;
  locale?: string;
  by?: string;
}

/**
 * `templates … --version N`: the global `--version` (print the CLI's version) is a flag without a
 * value, so for `templates` it is renamed to `--template-version` before the arguments are parsed.
 */
export function renameTemplateVersionFlag(argv: readonly string[]): string[] {
  if (argv[0] !== 'templates') return [...argv];
  return argv.map((a) => (a === '--version' ? '--template-version' : a.startsWith('--version=') ? `--template-version=${a.slice('--version='.length)}` : a));
}

function osUser(): string {
  try {
    return userInfo().username || process.env.USER || 'unknown';
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

function readTemplateFile(path: string, readText: (p: string) => string): string {
  try {
    return readText(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliUsageError(`no such file: ${path} (give the path of a template file)`);
    if (code === 'EISDIR') throw new CliUsageError(`${path} is a folder; give the path of a template file`);
    if (code === 'EACCES') throw new CliUsageError(`cannot read ${path} (permission denied)`);
    throw error;
  }
}

/** Refusals from the flags alone (before any stack is opened); reads the template file. */
export function parseTemplatesFlags(action: string, file: string | undefined, v: TemplatesValues, readText: (p: string) => string = (p) => readFileSync(p === '-' ? 0 : p, 'utf8')): TemplatesFlags {
  const integrationId = v.integration?.trim();
  if (!integrationId) throw new CliUsageError(`templates ${action} needs --integration ID`);
  if (action !== 'list' && !v.channel) throw new CliUsageError(`templates ${action} needs --channel K (${templateChannels.join(', ')})`);
  if (v.channel !== undefined && !(templateChannels as readonly string[]).includes(v.channel)) {
    throw new CliUsageError(`--channel: "${v.channel}" is not a template channel; one of ${templateChannels.join(', ')}`);
  }
  let version: number | undefined;
  if (v['template-version'] !== undefined) {
    if (action !== 'rollback' && action !== 'show') throw new CliUsageError(`templates ${action} takes no --version (show and rollback do)`);
    if (!/^[1-9]\d{0,8}$/.test(v['template-version'])) throw new CliUsageError(`--version: "${v['template-version']}" is not a version number (1, 2, …; templates history lists them)`);
    version = Number(v['template-version']);
  }
  if (action === 'rollback' && version === undefined) throw new CliUsageError('templates rollback needs --version N (templates history lists the versions)');
  if (action === 'set' && !file) throw new CliUsageError('templates set needs a FILE (the template; - for standard input)');
  if (action !== 'set' && file !== undefined) throw new CliUsageError(`templates ${action}: unexpected argument ${file}${action === 'preview' ? ' (a template file not stored is previewed with --file FILE)' : ''}`);
  if (v.file !== undefined && action !== 'preview') throw new CliUsageError(`templates ${action} takes no --file${action === 'set' ? ' (give FILE after the options)' : ''}`);
  if (v.incident !== undefined && action !== 'preview') throw new CliUsageError(`templates ${action} takes no --incident (preview does)`);
  if (v.locale !== undefined && (action !== 'preview' || (v.locale !== 'zh' && v.locale !== 'en'))) throw new CliUsageError('--locale zh|en goes with templates preview');
  const path = action === 'set' ? file : v.file;
  const by = v.by?.trim() || osUser();
  if (by.length > 200) throw new CliUsageError('--by: at most 200 characters');
  return {
    integrationId,
    ...(v.channel ? { channel: v.channel } : {}),
    ...(path !== undefined ? { file: { path, source: readTemplateFile(path, readText) } } : {}),
    ...(v.incident ? { incidentId: v.incident.trim() } : {}),
    ...(version !== undefined ? { version } : {}),
    ...(v.locale ? { locale: v.locale as 'zh' | 'en' } : {}),
    by,
  };
}

export interface TemplatesIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly nowMs: () => number;
}

const processIo: TemplatesIo = { stdout: (t) => void process.stdout.write(t), stderr: (t) => void process.stderr.write(t), nowMs: () => Date.now() };

const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
const versionRow = (t: StoredTemplate) => [String(t.version), when(t.updatedAt), t.updatedBy, t.rolledBackFrom !== undefined ? `rollback to v${t.rolledBackFrom}` : ''];

export async function templatesCommand(action: string, f: TemplatesFlags, admin: TemplateAdmin, json: boolean, io: TemplatesIo = processIo): Promise<number> {
  const out = (value: unknown, text: string) => io.stdout(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
  const channel = f.channel ?? '';
  const where = `${f.integrationId} ${channel}`;
  try {
    switch (action) {
      case 'set': {
        const result = await admin.set({ integrationId: f.integrationId, channel, source: f.file!.source, updatedBy: f.by, nowMs: io.nowMs() });
        for (const w of result.warnings) io.stderr(`dutybridge: warning: ${w.sample}: ${w.field}: ${w.message}\n`);
        const against = result.checkedAgainst.kind === 'incidents' ? `the last ${result.checkedAgainst.count} incident(s) of ${f.integrationId}` : `${result.checkedAgainst.count} built-in sample incidents (no incidents yet)`;
        out(result, `saved ${where} version ${result.stored.version} (by ${result.stored.updatedBy}); rendered against ${against} in Chinese and English: ${result.warnings.length} warning(s)`);
        return 0;
      }
      case 'preview': {
        const p = await admin.preview({ integrationId: f.integrationId, channel, incidentId: f.incidentId, source: f.file?.source, locale: f.locale, nowMs: io.nowMs() });
        const fieldLines = Object.entries(p.fields).map(([k, v]) => `${k}:\n${v.split('\n').map((l) => `  ${l}`).join('\n')}`);
        out(p, [`${where}: ${p.template} template, incident ${p.incident} (${p.locale})`, p.picture, 'fields:', ...fieldLines, ...(p.truncations.length ? [`cut to fit: ${JSON.stringify(p.truncations)}`] : [])].join('\n'));
        return 0;
      }
      case 'list': {
        const all = await admin.list(f.integrationId);
        out(all.map(({ source: _source, ...rest }) => rest), all.length ? formatTable(['CHANNEL', 'VERSION', 'UPDATED (UTC)', 'BY'], all.map((t) => [t.channel, String(t.version), when(t.updatedAt), t.updatedBy])) : `no templates in ${f.integrationId}: every channel uses the built-in default`);
        return 0;
      }
      case 'show': {
        const s = await admin.show(f.integrationId, channel, f.version);
        const head = s.stored ? `# ${where} version ${s.stored.version}, ${when(s.stored.updatedAt)} by ${s.stored.updatedBy}` : `# ${where}: the built-in default (no template set)`;
        out(s, `${head}\n${s.source}`);
        return 0;
      }
      case 'history': {
        const all = await admin.history(f.integrationId, channel);
        out(all, all.length ? formatTable(['VERSION', 'UPDATED (UTC)', 'BY', 'NOTE'], all.map(versionRow)) : `no versions of ${where}: the built-in default applies`);
        return 0;
      }
      case 'rollback': {
        const made = await admin.rollback({ integrationId: f.integrationId, channel, toVersion: f.version!, updatedBy: f.by, nowMs: io.nowMs() });
        out(made, `${where}: version ${made.version} (by ${made.updatedBy}) has the source of version ${f.version}`);
        return 0;
      }
      case 'remove': {
        const removed = await admin.remove(f.integrationId, channel);
        out({ removed }, removed ? `removed the ${channel} template of ${f.integrationId}: the built-in default applies` : `no ${channel} template in ${f.integrationId}`);
        return removed ? 0 : EXIT_FAILED;
      }
    }
  } catch (error) {
    if (error instanceof TemplateRejectedError) {
      const name = f.file?.path ?? `${f.integrationId}/${channel}`;
      for (const p of error.problems) io.stderr(`${name}:${p.line}:${p.column}: ${p.message}\n`);
      io.stderr(`dutybridge: ${action === 'set' ? 'not saved' : 'not rendered'}: ${error.problems.length} error(s)\n`);
      return EXIT_USAGE;
    }
    if (error instanceof TemplateVersionConflictError) {
      io.stderr(`dutybridge: ${error.message}\n`);
      return EXIT_FAILED;
    }
    throw error;
  }
  throw new CliUsageError(`templates ${action}: unknown action; one of ${TEMPLATE_ACTIONS.join(', ')}`);
}
