/**
 * `dutybridge postmortem ID [--out FILE] [--force] [--locale en|zh]`: the post-mortem draft of one
 * incident (shared/domain/postmortem.ts, the same text the smart bot's `postmortem` answers with),
 * to standard output or to FILE. An existing FILE is kept unless --force: a draft someone already
 * filled in must not be overwritten by a rerun.
 */
import { writeFileSync } from 'node:fs';
import { getDocumentClient } from '../shared/adapters/aws/clients';
import { DynamoIncidentRepository } from '../shared/adapters/aws/incident-repository';
import { DynamoOperationLog } from '../shared/adapters/aws/operation-log';
import { DynamoWarRoomStore } from '../shared/adapters/aws/war-room-store';
import type { IncidentRepository, OperationLog } from '../shared/application/ports';
import type { WarRoomStore } from '../shared/application/war-room-ports';
import type { BotLocale } from '../shared/domain/bot-commands';
import { renderPostmortem } from '../shared/domain/postmortem';
import { CliUsageError } from './target';
import { EXIT_FAILED } from './usage';

/** Operation log records read for the delivery section (as the bot's `postmortem` reads). */
export const POSTMORTEM_RECORDS_LIMIT = 500;

export interface PostmortemStores {
  readonly incidents: Pick<IncidentRepository, 'get'>;
  readonly rooms: Pick<WarRoomStore, 'listForIncident'>;
  readonly operationLog: Pick<OperationLog, 'query'>;
}

export interface PostmortemOutput {
  /** Standard output. */
  readonly print: (text: string) => void;
  /** Standard error: what failed and how to fix it. */
  readonly complain: (line: string) => void;
  /** Writes FILE; without `overwrite` an existing file is an EEXIST error (checked by the write itself, not before it). */
  readonly writeFile: (path: string, text: string, overwrite: boolean) => void;
}

export function postmortemStores(tableName: string): PostmortemStores {
  const client = getDocumentClient();
  return { incidents: new DynamoIncidentRepository(client, tableName), rooms: new DynamoWarRoomStore(client, tableName), operationLog: new DynamoOperationLog(client, tableName) };
}

export const fileOutput: PostmortemOutput = {
  print: (text) => void process.stdout.write(text),
  complain: (line) => void process.stderr.write(`${line}\n`),
  // 'wx' fails when the file exists, so a file created between a check and the write is not lost either.
  writeFile: (path, text, overwrite) => writeFileSync(path, text, { encoding: 'utf8', flag: overwrite ? 'w' : 'wx' }),
};

export async function postmortemCommand(
  args: readonly string[],
  flags: { out?: string; force?: boolean; locale?: string },
  stores: PostmortemStores,
  output: PostmortemOutput = fileOutput,
  nowMs: number = Date.now(),
): Promise<number> {
  const [incidentId, extra] = args;
  if (!incidentId) throw new CliUsageError('postmortem needs an incident ID, e.g. dutybridge postmortem INC-42');
  if (extra !== undefined) throw new CliUsageError(`postmortem: unexpected argument ${extra}`);
  if (flags.force && flags.out === undefined) throw new CliUsageError('--force only applies with --out FILE');
  if (flags.out === '') throw new CliUsageError('--out needs a file name');
  if (flags.locale !== undefined && flags.locale !== 'en' && flags.locale !== 'zh') throw new CliUsageError(`--locale must be en or zh, got ${flags.locale}`);
  const locale: BotLocale = flags.locale === 'zh' ? 'zh' : 'en';

  const incident = await stores.incidents.get(incidentId);
  if (!incident) {
    output.complain(`dutybridge: no incident ${incidentId}`);
    return EXIT_FAILED;
  }
  const [rooms, records] = await Promise.all([stores.rooms.listForIncident(incidentId), stores.operationLog.query({ incidentId, limit: POSTMORTEM_RECORDS_LIMIT })]);
  const markdown = renderPostmortem({ incident, rooms, records, nowMs, locale });
  if (flags.out === undefined) {
    output.print(markdown);
    return 0;
  }
  try {
    output.writeFile(flags.out, markdown, flags.force === true);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      output.complain(`dutybridge: ${flags.out} exists; not overwritten (pass --force to replace it)`);
      return EXIT_FAILED;
    }
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
      output.complain(`dutybridge: cannot write ${flags.out} (${code === 'ENOENT' ? 'no such folder' : code === 'EISDIR' ? 'it is a folder' : 'permission denied'})`);
      return EXIT_FAILED;
    }
    throw error;
  }
  output.complain(`wrote the post-mortem draft of ${incidentId} to ${flags.out}`);
  return 0;
}
