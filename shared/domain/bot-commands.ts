/**
 * What a message to the WeCom smart bot asks for (issue 15): one of a few fixed commands, in
 * Chinese or English, or free text (a question for the model). Pure and table-driven: a command
 * word, then optionally a snooze length and an incident id; anything more makes it a question, so
 * "status of the database please" is never mistaken for `status`.
 */
import { ALLOWED_SNOOZE_MINUTES, SNOOZE_BUTTON_MINUTES } from './incident';

export type BotLocale = 'zh' | 'en';

export type BotCommand =
  | { readonly kind: 'status'; readonly incidentId?: string }
  | { readonly kind: 'ack'; readonly incidentId?: string }
  | { readonly kind: 'close'; readonly incidentId?: string }
  | { readonly kind: 'who'; readonly incidentId?: string }
  | { readonly kind: 'timeline'; readonly incidentId?: string }
  | { readonly kind: 'postmortem'; readonly incidentId?: string }
  | { readonly kind: 'snooze'; readonly minutes: number; readonly incidentId?: string }
  | { readonly kind: 'snooze_invalid'; readonly requested: string; readonly incidentId?: string }
  | { readonly kind: 'help' }
  | { readonly kind: 'text'; readonly text: string };

type CommandWord = 'status' | 'ack' | 'close' | 'who' | 'timeline' | 'postmortem' | 'snooze' | 'help';

/** Command words, lower case. English words must stand alone; Chinese ones may run into what follows ("暂停2小时"). */
const COMMAND_WORDS: readonly (readonly [CommandWord, readonly string[]])[] = [
  ['status', ['status', '状态', '查看']],
  ['ack', ['ack', 'start', 'take', '认领', '处理', '开始处理']],
  ['close', ['close', 'resolve', '关闭', '解决']],
  ['snooze', ['snooze', '暂停', '延后', '稍后']],
  ['who', ['who', '谁', '负责人', '处理人']],
  ['timeline', ['timeline', '时间线', '进展']],
  ['postmortem', ['postmortem', 'post-mortem', 'post mortem', 'pm', '复盘', '事后分析']],
  ['help', ['help', '?', '？', '帮助']],
];

/** Longest word first, so 处理人 (who) wins over 处理 (ack) and 开始处理 over nothing. */
const WORDS_LONGEST_FIRST = COMMAND_WORDS.flatMap(([kind, words]) => words.map((word) => ({ kind, word }))).sort((a, b) => b.word.length - a.word.length);

/** An incident id as the bot accepts one after a command. */
export const BOT_INCIDENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

const HAN = /\p{Script=Han}/u;
const ASCII_WORD = /^[a-z]/;
/** What may not follow an English command word: "statuses" and "status-page" are not `status`. */
const WORD_CHARACTER = /[\p{L}\p{N}_-]/u;
/** "@name " left in front by a client that did not strip the mention (WeCom separates it with U+2005, which \s covers). */
const LEADING_MENTIONS = /^(?:@\S+(?:\s+|$))+/u;
const TRAILING_PUNCTUATION = /[\s.。!！?？]+$/u;

const UNIT_MINUTES: readonly (readonly [RegExp, number])[] = [
  [/^(?:m|min|mins|minute|minutes|分|分钟)$/i, 1],
  [/^(?:h|hr|hrs|hour|hours|小时|个小时|钟头|个钟头)$/i, 60],
  [/^(?:d|day|days|天|日)$/i, 1440],
];
/** A snooze length at the start of the text: "2h", "30 minutes", "两小时", "半天", "2小时INC-1" (a Chinese unit may run into the id). */
const LENGTH = /^(\d{1,5}(?:\.\d{1,2})?|[一二两三四五六七八九十]{1,3}|半)\s*(?:(minutes|minute|mins|min|m|hours|hour|hrs|hr|h|days|day|d)(?![A-Za-z0-9._:-])|(分钟|分|个?小时|个?钟头|天|日)|(?![A-Za-z0-9._:-]))/i;

export function parseBotCommand(text: string): { command: BotCommand; locale: BotLocale } {
  const trimmed = text.trim();
  const body = trimmed.replace(LEADING_MENTIONS, '').replace(/^[/／]\s*/, '').trim();
  const locale: BotLocale = HAN.test(body || trimmed) ? 'zh' : 'en';
  return { command: commandOf(body), locale };
}

function commandOf(body: string): BotCommand {
  if (body === '') return { kind: 'help' };
  const asked: BotCommand = { kind: 'text', text: body };
  const matched = matchWord(body);
  if (!matched) return asked;
  const rest = matched.rest.replace(TRAILING_PUNCTUATION, '');
  if (matched.kind === 'help') return rest === '' ? { kind: 'help' } : asked;
  if (matched.kind === 'snooze') return snoozeOf(rest) ?? asked;
  if (rest === '') return { kind: matched.kind };
  return BOT_INCIDENT_ID.test(rest) ? { kind: matched.kind, incidentId: rest } : asked;
}

function matchWord(body: string): { kind: CommandWord; rest: string } | undefined {
  const lower = body.toLowerCase();
  for (const { kind, word } of WORDS_LONGEST_FIRST) {
    if (!lower.startsWith(word)) continue;
    const next = body.charAt(word.length);
    // "status" must not match "statuses"; a Chinese word may run straight into a length or an id.
    if (ASCII_WORD.test(word) && WORD_CHARACTER.test(next)) continue;
    return { kind, rest: body.slice(word.length).trim() };
  }
  return undefined;
}

/** `snooze`, `snooze 2h`, `snooze 2h INC-1`, `snooze INC-1 2h`; undefined when the rest is not that (a question). */
function snoozeOf(rest: string): BotCommand | undefined {
  if (rest === '') return { kind: 'snooze', minutes: SNOOZE_BUTTON_MINUTES };
  const lengthFirst = LENGTH.exec(rest);
  if (lengthFirst) {
    const after = rest.slice(lengthFirst[0].length).trim();
    if (after !== '' && !BOT_INCIDENT_ID.test(after)) return undefined;
    return snoozeFor(lengthFirst, after || undefined);
  }
  const [id, ...others] = rest.split(/\s+/u);
  const length = LENGTH.exec(others.join(' '));
  if (!BOT_INCIDENT_ID.test(id)) return undefined;
  if (others.length === 0) return { kind: 'snooze', minutes: SNOOZE_BUTTON_MINUTES, incidentId: id };
  if (!length || length[0].length !== others.join(' ').length) return undefined;
  return snoozeFor(length, id);
}

function snoozeFor(length: RegExpExecArray, incidentId: string | undefined): BotCommand {
  const withId = incidentId ? { incidentId } : {};
  const minutes = minutesOf(length[1], length[2] ?? length[3]);
  if (minutes !== undefined && ALLOWED_SNOOZE_MINUTES.has(minutes)) return { kind: 'snooze', minutes, ...withId };
  return { kind: 'snooze_invalid', requested: length[0].trim(), ...withId };
}

/** Minutes of "2" + "h"; a bare number is minutes (as the cards' snooze keys are). */
function minutesOf(amount: string, unit: string | undefined): number | undefined {
  const perUnit = unit === undefined ? 1 : UNIT_MINUTES.find(([pattern]) => pattern.test(unit))?.[1];
  const count = /^\d/.test(amount) ? Number(amount) : chineseNumber(amount);
  if (perUnit === undefined || count === undefined) return undefined;
  const minutes = count * perUnit;
  return Number.isInteger(minutes) ? minutes : undefined;
}

const CHINESE_DIGITS: Readonly<Record<string, number>> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** 半, 两, 十二, 三十, 二十四: the numbers people type for a snooze. */
function chineseNumber(text: string): number | undefined {
  if (text === '半') return 0.5;
  const ten = text.indexOf('十');
  if (ten < 0) return text.length === 1 ? CHINESE_DIGITS[text] : undefined;
  const tens = ten === 0 ? 1 : CHINESE_DIGITS[text.slice(0, ten)];
  const ones = ten === text.length - 1 ? 0 : CHINESE_DIGITS[text.slice(ten + 1)];
  if (tens === undefined || ones === undefined || text.length - ten > 2 || ten > 1) return undefined;
  return tens * 10 + ones;
}

/**
 * Words of a free question that could be incident ids ("what broke in INC-42?"): tokens that fit
 * BOT_INCIDENT_ID, hold a digit and are at least 3 characters, at most `limit` of them, in order.
 * The caller looks each up; only an incident that exists (and the person may see) is used.
 */
export function incidentIdCandidates(text: string, limit = 3): string[] {
  const found: string[] = [];
  // Runs of id characters, so "INC-1的影响" (no space before Chinese) still gives "INC-1".
  for (const match of text.matchAll(/[A-Za-z0-9][A-Za-z0-9._:-]{0,127}/g)) {
    const token = match[0].replace(/[.:-]+$/, '');
    if (token.length >= 3 && /\d/.test(token) && !found.includes(token)) found.push(token);
    if (found.length >= limit) break;
  }
  return found;
}
