/**
 * A text picture of a rendered notification, for `templates preview` (issue 13 item 5): a box with
 * the card's parts in the order the chat app shows them (title, description, custom area rows,
 * quote, buttons), lines wrapped at the box width. Chinese characters and emoji count two columns,
 * as a terminal draws them. Pure: fields in, lines out.
 */
import type { IncidentStatus } from './incident';

/** Inner width of the box, in terminal columns. */
export const PICTURE_WIDTH = 56;

/** Columns a code point takes in a terminal: 2 for East Asian wide characters and emoji, 0 for joiners. */
function columns(char: string): number {
  const cp = char.codePointAt(0) ?? 0;
  if (cp === 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0x300 && cp <= 0x36f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += columns(char);
  return width;
}

/** One line cut into pieces of at most `width` columns (never splitting a code point). */
function wrap(line: string, width: number): string[] {
  const pieces: string[] = [];
  let current = '';
  let used = 0;
  for (const char of line) {
    const w = columns(char);
    if (used + w > width) {
      pieces.push(current);
      current = '';
      used = 0;
    }
    current += char;
    used += w;
  }
  pieces.push(current);
  return pieces;
}

function boxed(title: string, body: readonly string[], width = PICTURE_WIDTH): string[] {
  const label = `─ ${title} `;
  const top = `┌${label}${'─'.repeat(Math.max(0, width + 2 - displayWidth(label)))}┐`;
  const rows = body.flatMap((line) => (line === RULE ? [`├${'─'.repeat(width + 2)}┤`] : wrap(line, width).map((piece) => `│ ${piece}${' '.repeat(width - displayWidth(piece))} │`)));
  return [top, ...rows, `└${'─'.repeat(width + 2)}┘`];
}

/** A horizontal rule inside the box. */
const RULE = '\u0000rule';

const lines = (text: string | undefined): string[] => (text === undefined || text === '' ? [] : text.split('\n'));

/** Buttons a card of this status shows (WeCom card: shared/domain/wecom-card.ts buttonsFor; DingTalk: incidentCardButtons). */
export function cardButtonLabels(channel: string, status: IncidentStatus): string[] {
  if (channel === 'wecom.card') {
    if (status === 'Closed') return ['(Closed: buttons greyed)'];
    return status === 'Processing' ? ['Close Directly', 'Snooze 2h'] : ['Start Processing', 'Close Directly', 'Snooze 2h'];
  }
  if (channel === 'dingtalk.card') {
    if (status === 'Closed') return ['Refresh'];
    return [...(status === 'Processing' ? [] : ['Start Processing']), 'Close', 'Snooze 2h', '…', 'Refresh'];
  }
  return [];
}

/** The picture of a rendered template's fields. `buttons` are the card's (none for bot messages). */
export function templatePicture(channel: string, fields: Readonly<Record<string, string>>, buttons: readonly string[] = [], note?: string): string {
  const body: string[] = [];
  const section = (part: string[], opts: { rule?: boolean; prefix?: string } = {}) => {
    if (part.length === 0) return;
    if (opts.rule && body.length > 0) body.push(RULE);
    body.push(...part.map((l) => `${opts.prefix ?? ''}${l}`));
  };
  let title: string;
  switch (channel) {
    case 'wecom.card':
      title = 'WeCom card';
      section(lines(fields.title).map((l) => `■ ${l}`));
      section(lines(fields.description));
      section(lines(fields.customArea), { rule: true });
      section(lines(fields.quote), { rule: true, prefix: '┃ ' });
      break;
    case 'dingtalk.card':
      title = 'DingTalk card';
      section(lines(fields.title).map((l) => `■ ${l}`));
      section(lines(fields.status).map((l) => `[${l}]`));
      section(lines(fields.description), { rule: true });
      break;
    case 'dingtalk.robot.markdown':
      title = 'DingTalk robot markdown';
      section(lines(fields.title).map((l) => `(chat list: ${l})`));
      section(lines(fields.text), { rule: true });
      break;
    default:
      title = channel === 'wecom.bot.text' ? 'WeCom robot text' : channel === 'wecom.bot.markdown' ? 'WeCom robot markdown' : channel;
      for (const value of Object.values(fields)) section(lines(value), { rule: true });
  }
  if (note) section([`⚠ ${note}`], { rule: true });
  if (buttons.length > 0) section([buttons.map((b) => `[ ${b} ]`).join(' ')], { rule: true });
  if (body.length === 0) body.push('(empty)');
  return boxed(title, body).join('\n');
}
