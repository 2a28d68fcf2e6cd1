/**
 * `dutybridge mappings create|list|show|delete|import|export` (issue 11 item 5, seed 004): named
 * email → WeCom userid tables that group bots use to @mention people inline (`<@userid>`).
 * An import is read and validated whole (shared/domain/mapping-table.ts) before anything is
 * stored; the store then replaces the table atomically, so a bad file changes nothing.
 */
import { readFileSync } from 'node:fs';
import type { MappingTables } from '../shared/application/people-ports';
import { formatMappingCsv, MAPPING_TABLE_NAME, parseMappingCsv } from '../shared/domain/mapping-table';
import { confirmByTypingId } from './safety';
import { formatTable } from './table';
import { CliUsageError } from './target';
import { EXIT_USAGE } from './usage';

export interface MappingsIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readText: (file: string) => string;
  readonly confirm: (name: string, question: string) => Promise<boolean>;
  readonly nowMs: () => number;
}

export const processIo: MappingsIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  readText: (file) => readFileSync(file === '-' ? 0 : file, 'utf8'),
  confirm: (name, question) => confirmByTypingId(name, question, process.stdin, process.stderr),
  nowMs: () => Date.now(),
};

/** Refusals that need no stack: a missing or bad NAME, a missing FILE, delete without a terminal or --yes. */
export function checkMappingsArgs(action: string, name: string | undefined, file: string | undefined, yes: boolean, isTty: boolean): void {
  if (action === 'list') return;
  if (!name) throw new CliUsageError(`mappings ${action} needs a NAME`);
  if (!MAPPING_TABLE_NAME.test(name)) throw new CliUsageError(`mapping table name "${name}": 1-64 lower-case letters, digits, _ or -, starting with a letter or digit`);
  if (action === 'import' && !file) throw new CliUsageError('mappings import needs NAME FILE.csv (or - for standard input); rows are email,wecom_userid');
  if (action === 'delete' && !yes && !isTty) throw new CliUsageError(`mappings delete ${name}: standard input is not a terminal to confirm on; pass --yes to delete without asking`);
}

export async function mappingsCommand(
  action: string,
  name: string | undefined,
  file: string | undefined,
  values: { json?: boolean; yes?: boolean },
  tables: MappingTables,
  io: MappingsIo = processIo,
): Promise<number> {
  const json = values.json === true;
  const out = (value: unknown, text: string) => io.stdout(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
  const when = (ms: number) => new Date(ms).toISOString();
  switch (action) {
    case 'list': {
      const all = await tables.list();
      out(all, all.length ? formatTable(['NAME', 'ROWS', 'UPDATED (UTC)'], all.map((t) => [t.name, String(t.rows), when(t.updatedAt)])) : 'no mapping tables');
      return 0;
    }
    case 'create': {
      const created = await tables.create(name!, io.nowMs());
      if (!created) {
        io.stderr(`dutybridge: mapping table ${name} already exists (mappings import ${name} FILE.csv replaces its rows)\n`);
        return 1;
      }
      out({ name, created: true }, `created mapping table ${name} (empty); fill it with: dutybridge mappings import ${name} FILE.csv`);
      return 0;
    }
    case 'show': {
      const summary = await tables.summary(name!);
      if (!summary) return missing(io, name!);
      const rows = await tables.rows(name!);
      out({ ...summary, rowList: rows }, `${name}: ${summary.rows} rows, updated ${when(summary.updatedAt)}\n${rows.length ? formatTable(['EMAIL', 'WECOM USERID'], rows.map((r) => [r.email, r.userId])) : '(empty)'}`);
      return 0;
    }
    case 'export': {
      const summary = await tables.summary(name!);
      if (!summary) return missing(io, name!);
      const rows = await tables.rows(name!);
      io.stdout(json ? `${JSON.stringify(rows, null, 2)}\n` : formatMappingCsv(rows));
      return 0;
    }
    case 'delete': {
      const summary = await tables.summary(name!);
      if (!summary) return missing(io, name!);
      if (values.yes !== true && !(await io.confirm(name!, `delete mapping table ${name} (${summary.rows} rows)? Bots that @mention through it stop mentioning inline.`))) {
        io.stderr(`not deleted: the name typed was not ${name}\n`);
        return 1;
      }
      const deleted = await tables.delete(name!);
      out({ deleted }, deleted ? `deleted mapping table ${name}` : `no mapping table ${name}`);
      return deleted ? 0 : 1;
    }
    case 'import': {
      let text: string;
      try {
        text = io.readText(file!);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') throw new CliUsageError(`mappings import: no such file: ${file}`);
        if (code === 'EISDIR') throw new CliUsageError(`mappings import: ${file} is a folder; give a CSV file`);
        if (code === 'EACCES') throw new CliUsageError(`mappings import: cannot read ${file} (permission denied)`);
        throw error;
      }
      const parsed = parseMappingCsv(text);
      if (!parsed.ok) {
        const lines = parsed.problems.map((p) => `  line ${p.line}: ${p.problem}`);
        io.stderr(`dutybridge: ${file}: ${parsed.problems.length} problem${parsed.problems.length === 1 ? '' : 's'}; nothing was imported into ${name}:\n${lines.join('\n')}\n`);
        if (json) io.stdout(`${JSON.stringify({ imported: false, problems: parsed.problems }, null, 2)}\n`);
        return EXIT_USAGE;
      }
      const existed = (await tables.summary(name!)) !== undefined;
      const summary = await tables.replace(name!, parsed.rows, io.nowMs());
      out({ imported: true, ...summary }, `${existed ? 'replaced' : 'created'} mapping table ${name}: ${summary.rows} rows`);
      return 0;
    }
  }
  throw new CliUsageError(`unknown command: mappings ${action}`);
}

function missing(io: MappingsIo, name: string): number {
  io.stderr(`dutybridge: no mapping table ${name} (mappings list shows them)\n`);
  return 1;
}
