/**
 * Mapping tables (seed 004, WeCom type): CSV rows `email,wecom_userid` read and validated before
 * anything is stored, so a file with one bad row changes nothing. Every problem is reported with
 * its line number (the physical line where the record starts), not just the first.
 *
 * CSV as RFC 4180 writes it: comma-separated, fields optionally in double quotes (a quote inside
 * doubled), quoted fields may hold commas and line breaks; LF or CRLF line ends; a UTF-8 BOM (as
 * Excel saves "CSV UTF-8") is ignored; blank lines are skipped; an optional header line
 * `email,wecom_userid`.
 */
import * as z from 'zod/mini';

export interface MappingTableRow {
  /** Lower-cased. */
  readonly email: string;
  readonly userId: string;
}

export interface CsvProblem {
  readonly line: number;
  readonly problem: string;
}

export type MappingCsvResult = { readonly ok: true; readonly rows: MappingTableRow[] } | { readonly ok: false; readonly problems: CsvProblem[] };

export const MAPPING_CSV_HEADER = 'email,wecom_userid';
/** Names as `mappings create NAME` takes them (also the key in the state table). */
export const MAPPING_TABLE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/**
 * WeCom userid: 1–64 bytes, case-insensitive (wecom.md §4.6); the characters an admin can give one
 * (letters, digits, _ . @ -), as `links set` accepts.
 */
const USERID = /^[A-Za-z0-9_.@-]{1,64}$/;
const emailSchema = z.email().check(z.maxLength(254));

/** A record of a CSV text, with the line it starts on. */
export interface CsvRecord {
  readonly line: number;
  readonly fields: string[];
}

/** Splits CSV text into records; an unterminated quote is reported at the line where it opened. */
export function parseCsv(text: string): { records: CsvRecord[]; problems: CsvProblem[] } {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  let line = 1;
  let i = 0;
  while (i < src.length) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    let quoted = false;
    let afterQuote = false;
    let broken = false;
    for (;;) {
      if (i >= src.length) {
        if (quoted) {
          problems.push({ line: start, problem: 'a quoted field is not closed (a " is missing)' });
          broken = true;
        }
        break;
      }
      const c = src[i];
      if (quoted) {
        if (c === '"') {
          if (src[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            quoted = false;
            afterQuote = true;
            i += 1;
          }
        } else {
          if (c === '\n') line += 1;
          field += c;
          i += 1;
        }
        continue;
      }
      if (c === ',') {
        fields.push(afterQuote ? field : field.trim());
        field = '';
        afterQuote = false;
        i += 1;
      } else if (c === '\n' || (c === '\r' && src[i + 1] === '\n')) {
        i += c === '\r' ? 2 : 1;
        line += 1;
        break;
      } else if (c === '"' && field.trim() === '' && !afterQuote) {
        quoted = true;
        field = '';
        i += 1;
      } else if (afterQuote) {
        if (!/\s/.test(c) && !broken) {
          problems.push({ line: start, problem: 'text after a closing quote (write a quote inside a quoted field as "")' });
          broken = true;
        }
        i += 1;
      } else {
        field += c;
        i += 1;
      }
    }
    fields.push(afterQuote ? field : field.trim());
    if (broken) continue;
    if (fields.length === 1 && fields[0] === '') continue; // blank line
    records.push({ line: start, fields });
  }
  return { records, problems };
}

/** Reads a mapping table CSV: the rows, or every problem with its line (then nothing may be stored). */
export function parseMappingCsv(text: string): MappingCsvResult {
  const { records, problems } = parseCsv(text);
  const rows: MappingTableRow[] = [];
  const firstLine = new Map<string, number>();
  records.forEach((record, index) => {
    const { line, fields } = record;
    if (index === 0 && fields.length === 2 && fields[0].toLowerCase() === 'email' && fields[1].toLowerCase() === 'wecom_userid') return;
    if (fields.length !== 2) {
      problems.push({ line, problem: `${fields.length} field${fields.length === 1 ? '' : 's'}; each row is email,wecom_userid` });
      return;
    }
    const [rawEmail, userId] = fields;
    const email = rawEmail.toLowerCase();
    let bad = false;
    if (!rawEmail) {
      problems.push({ line, problem: 'the email is empty' });
      bad = true;
    } else if (!emailSchema.safeParse(rawEmail).success) {
      problems.push({ line, problem: `${quote(rawEmail)} is not an email address${rawEmail.length > 254 ? ' (at most 254 characters)' : ''}` });
      bad = true;
    }
    if (!userId) {
      problems.push({ line, problem: 'the WeCom userid is empty' });
      bad = true;
    } else if (!USERID.test(userId)) {
      problems.push({ line, problem: `${quote(userId)} is not a WeCom userid (1–64 bytes of letters, digits, _ . @ -)` });
      bad = true;
    }
    if (bad) return;
    const earlier = firstLine.get(email);
    if (earlier !== undefined) {
      problems.push({ line, problem: `${email} is already on line ${earlier} (emails are compared ignoring case)` });
      return;
    }
    firstLine.set(email, line);
    rows.push({ email, userId });
  });
  if (problems.length > 0) return { ok: false, problems: problems.sort((a, b) => a.line - b.line) };
  return { ok: true, rows };
}

/** The rows as CSV text (with the header), fields quoted when they need it; import reads it back. */
export function formatMappingCsv(rows: readonly MappingTableRow[]): string {
  const cell = (v: string) => (/[",\r\n]|^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [MAPPING_CSV_HEADER, ...rows.map((r) => `${cell(r.email)},${cell(r.userId)}`)].join('\n') + '\n';
}

function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
}
