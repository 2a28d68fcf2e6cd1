/**
 * The WeCom incident card: a `button_interaction` template_card (DOC-90236, wecom.md §4.2) that
 * shows an incident and carries its actions. Pure: incident in, JSON object out; sending and
 * updating belong to the WeCom client.
 *
 * Layout:
 * - source "dutybridge", coloured by severity (desc_color 0 grey, 1 black, 2 red, 3 green);
 * - main_title "[Severity] title", desc = status in words; sub_title_text = description, led by
 *   the full title when main_title had to cut it;
 * - horizontal_content_list: Severity, Status, Assignee / Closed by, Triggered (China time, UTC+8),
 *   Labels (at most 6 rows);
 * - buttons: Start Processing (`acknowledge`), Close Directly (`resolve`), Snooze 2h (`snooze:120`);
 *   buttons that no longer apply are left out (no Start Processing while Processing); Open War Room
 *   (`war_room`, issue 14) last, only when the integration has War Room on (`warRoom`) and the
 *   incident is not Closed. At most 4 buttons and keys of a few bytes, within button_list's 6
 *   buttons and 1024-byte keys (DOC-90236, wecom.md §4.2), so the card is never refused for it;
 * - action_menu (WeCom allows 1..3 entries, DOC-90236): Refresh Status (`refresh`) and the two
 *   shortest other snooze lengths (30 min, 4 h). 12 h and 24 h do not fit, so the card also has a
 *   `button_selection` dropdown (question_key `snooze`, options `snooze:<minutes>` for every offered
 *   length, 2 h preselected). **The Snooze button applies the length selected in the dropdown**: a
 *   click on it carries SelectedItems, read back with `snoozeMinutesFromSelection`; without a
 *   selection the button's own key (`snooze:120`) applies.
 * - Closed: the whole card is greyed out with `replace_text` "Closed by <name>"; only Refresh
 *   Status stays in the menu (the incident system may reopen it).
 * - Third-party (suite) apps cannot read members' names (name = userid, DOC-90639/DOC-91122). With
 *   `idTranslation`, a person who clicked on WeCom and has no name is written `$userName=<userid>$`,
 *   which WeCom replaces with the member's name when the request carries `enable_id_trans: 1`
 *   (DOC-90372) — only in the fields it translates (`main_title.desc`, `sub_title_text`,
 *   `horizontal_content_list[].value`; not `replace_text`, which keeps the email). A placeholder is
 *   never cut: where it does not fit whole (an encrypted userid is 32 characters), the row keeps the
 *   email and the status line moves to the top of `sub_title_text`, leaving the bare status above.
 *
 * Every text is cut to WeCom's documented lengths. WeCom phrases most of them as "建议不超过N个字"
 * (a recommendation); they are applied as hard limits, counted in Unicode code points, because the
 * client cuts longer texts unpredictably and the simulator rejects them (40058).
 */
import { createHash } from 'node:crypto';
import {
  SNOOZE_BUTTON_MINUTES,
  SNOOZE_MENU_MINUTES,
  ALLOWED_SNOOZE_MINUTES,
  actionKey,
  effectiveStatus,
  parseActionKey,
  WAR_ROOM_ACTION_KEY,
  type Actor,
  type Incident,
  type IncidentStatus,
  type Severity,
} from './incident';
import { codePointLength, singleLine, truncateAtWordBoundary, truncateText, toWellFormed, utf8ByteLength } from './text-budget';

/** Field limits of template_card (DOC-90236 / DOC-94888; wecom.md §4.2, §4.4). */
export const WECOM_CARD_LIMITS = {
  /** source.desc "建议不超过13个字". */
  sourceDescChars: 13,
  /** main_title.title "建议不超过36个字". */
  titleChars: 36,
  /** main_title.desc "建议不超过44个字". */
  titleDescChars: 44,
  /** sub_title_text "建议不超过160个字". */
  subTitleChars: 160,
  /** horizontal_content_list: at most 6 rows; value "建议不超过30个字". */
  horizontalRows: 6,
  horizontalValueChars: 30,
  /** button_list: at most 6 buttons; key ≤ 1024 bytes, unique. */
  buttons: 6,
  keyBytes: 1024,
  /** action_menu.action_list: 1..3 entries. */
  menuEntries: 3,
  /** button_selection.option_list: at most 10; option id ≤ 128 bytes. */
  selectionOptions: 10,
  optionIdBytes: 128,
  /** task_id: "只能由数字、字母和“_-@”组成，最长128字节". */
  taskIdBytes: 128,
  /** URLs (card_action.url): kept within 2048 bytes. */
  urlBytes: 2048,
  /** replace_text / button.replace_name: no documented limit; kept as short as a row value. */
  replaceTextChars: 30,
} as const;

const TASK_ID_PATTERN = /^[0-9a-zA-Z_\-@]{1,128}$/;
/** Parts that can appear verbatim in a readable task_id (no '@', which separates them). */
const TASK_ID_PART = /^[0-9a-zA-Z_-]+$/;

/** China Standard Time has no daylight saving: a fixed +8 h offset. */
const CHINA_OFFSET_MS = 8 * 3600_000;

export const SNOOZE_QUESTION_KEY = 'snooze';
/** Every length offered in the dropdown, shortest first. */
export const SNOOZE_SELECTION_MINUTES: readonly number[] = [...new Set([SNOOZE_BUTTON_MINUTES, ...SNOOZE_MENU_MINUTES])].sort((a, b) => a - b);

export class WeComTaskIdError extends Error {
  override readonly name = 'WeComTaskIdError';
}

export interface WeComCardOptions {
  /** From `weComTaskId`; the same for the first card and every replacement of it. */
  readonly taskId: string;
  /** Decides whether a snooze has run out and how times are shown. */
  readonly nowMs: number;
  readonly locale?: 'en';
  /** Opened when the card is tapped and the incident has no (usable) detailUrl. */
  readonly fallbackUrl?: string;
  /**
   * The text of the integration's `wecom.card` template (issue 13), already rendered and cut to
   * shared/domain/channel-limits.ts. Only text: buttons, keys, task_id and the menu stay in code.
   */
  readonly text?: WeComCardText;
  /** The integration has War Room on (war-room-settings.ts enabledWarRoom): show Open War Room. */
  readonly warRoom?: boolean;
  /**
   * The card goes out with `enable_id_trans: 1` (a third-party suite app, which cannot read names):
   * unnamed WeCom clickers are written `$userName=<userid>$` for WeCom to fill in (DOC-90372).
   */
  readonly idTranslation?: boolean;
}

/** Rendered `wecom.card` template fields. */
export interface WeComCardText {
  readonly title: string;
  readonly description: string;
  /** At most 8 rows (product rule); "key: value" rows become keyname/value pairs. */
  readonly customArea: string;
  readonly quote: string;
}

export interface WeComSelectedItem {
  readonly questionKey: string;
  readonly optionIds: readonly string[];
}

export type WeComTemplateCard = Record<string, unknown>;

const severityColor: Record<Severity, 0 | 1 | 2 | 3> = { Critical: 2, Warning: 1, Info: 0 };
const CLOSED_COLOR = 3;

const text = (value: string, maxChars: number) => truncateText(toWellFormed(value), { maxChars });
const line = (value: string, maxChars: number) => text(singleLine(value), maxChars);

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** "2024-05-01 10:02" in China time. */
export function formatChinaTime(epochMs: number): string {
  const d = new Date(epochMs + CHINA_OFFSET_MS);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
}

function actorName(actor: Actor | undefined): string | undefined {
  if (!actor) return undefined;
  const name = actor.name ? singleLine(actor.name) : '';
  return name || actor.email || undefined;
}

/**
 * A WeCom userid: "1~64个字节…只能由数字、字母和“_-@.”四种字符组成，且第一个字符必须是数字或字母"
 * (DOC-90196). Encrypted ids (open_userid, DOC-96516) are letters and digits. Nothing else goes
 * into a placeholder: a `$` inside would end it early.
 */
const WECOM_USER_ID = /^[0-9A-Za-z][0-9A-Za-z_\-@.]{0,63}$/;

/** The text WeCom replaces with the member's name when the message has `enable_id_trans: 1` (DOC-90372). */
export function weComUserNamePlaceholder(userId: string): string | undefined {
  return WECOM_USER_ID.test(userId) ? `$userName=${userId}$` : undefined;
}

/**
 * `$userName=<userid>$` for a person the card names who has no name but clicked on WeCom; undefined
 * when a name (or only an email) is all there is to show. Only for cards sent with translation on.
 */
function actorPlaceholder(actor: Actor | undefined, idTranslation: boolean | undefined): string | undefined {
  if (!idTranslation || !actor || actor.platform !== 'wecom' || !actor.userId) return undefined;
  if (actor.name && singleLine(actor.name) !== '') return undefined;
  return weComUserNamePlaceholder(actor.userId);
}

/**
 * How a translated field names the actor: the placeholder when it fits the field whole (it counts
 * as its own characters: WeCom's limits apply to the text we send), otherwise the name or email.
 */
function actorInField(actor: Actor | undefined, idTranslation: boolean | undefined, maxChars: number): string | undefined {
  const placeholder = actorPlaceholder(actor, idTranslation);
  return placeholder && codePointLength(placeholder) <= maxChars ? placeholder : actorName(actor);
}

function snoozeLabel(minutes: number): string {
  return minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes} min`;
}

/** The person the status names: who took it (Processing) or closed it (Closed). */
function statusActor(incident: Incident, status: IncidentStatus): Actor | undefined {
  if (status === 'Processing') return incident.acknowledgedBy;
  if (status === 'Closed') return incident.closedBy;
  return undefined;
}

/** The status in words; `who` is how the status's person is written (absent: not named). */
function statusLine(incident: Incident, status: IncidentStatus, who: string | undefined): string {
  switch (status) {
    case 'Triggered':
      return 'Triggered, waiting for someone to respond';
    case 'Processing':
      return who ? `Processing by ${who}` : 'Processing';
    case 'Snoozed':
      return incident.snoozedUntil !== undefined ? `Snoozed until ${formatChinaTime(incident.snoozedUntil)} (UTC+8)` : 'Snoozed';
    case 'Closed':
      return who ? `Closed by ${who}` : 'Closed';
  }
}

/**
 * The line under the title and, when it had to move, the line that leads the body. With a
 * placeholder that fits main_title.desc (44) whole, it stays there; a longer one (an encrypted
 * userid makes "Processing by $userName=…$" 57 characters) leads sub_title_text (160), which WeCom
 * translates too, under the bare status. Without a placeholder: the name or email, cut to fit.
 */
function statusPlacement(incident: Incident, status: IncidentStatus, idTranslation: boolean | undefined): { desc: string; bodyLead?: string } {
  const actor = statusActor(incident, status);
  const placeholder = actorPlaceholder(actor, idTranslation);
  if (!placeholder) return { desc: line(statusLine(incident, status, actorName(actor)), WECOM_CARD_LIMITS.titleDescChars) };
  const translated = statusLine(incident, status, placeholder);
  if (codePointLength(translated) <= WECOM_CARD_LIMITS.titleDescChars) return { desc: translated };
  return { desc: statusLine(incident, status, undefined), bodyLead: translated };
}

/** A URL WeCom can open: absolute http(s), within the length limit. */
function usableUrl(candidate: string | undefined): string | undefined {
  if (!candidate || utf8ByteLength(candidate) > WECOM_CARD_LIMITS.urlBytes) return undefined;
  try {
    const url = new URL(candidate);
    return url.protocol === 'https:' || url.protocol === 'http:' ? candidate : undefined;
  } catch {
    return undefined;
  }
}

function labelsSummary(labels: Readonly<Record<string, string>>): string | undefined {
  const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return undefined;
  return entries.map(([key, value]) => `${singleLine(key)}=${singleLine(value)}`).join(', ');
}

/**
 * A task_id for an incident's card in one integration: deterministic (a retried send hits
 * 42014 "already used" instead of delivering a second card), unique per (incident, integration,
 * generation) and within WeCom's alphabet and 128 bytes. Readable `<incident>@<integration>` when
 * both ids allow it, otherwise `@` + SHA-256 hex (readable ids never start with `@`, so the two
 * forms cannot collide). `generation` distinguishes later cards for the same incident (a reopen),
 * since WeCom refuses a task_id it has seen ("同一个应用任务id不能重复").
 */
export function weComTaskId(incidentId: string, integrationId: string, generation = 0): string {
  if (!Number.isInteger(generation) || generation < 0) throw new WeComTaskIdError('generation must be a non-negative integer');
  const suffix = generation > 0 ? `@${generation}` : '';
  const readable = `${incidentId}@${integrationId}${suffix}`;
  if (TASK_ID_PART.test(incidentId) && TASK_ID_PART.test(integrationId) && readable.length <= WECOM_CARD_LIMITS.taskIdBytes) return readable;
  const digest = createHash('sha256').update(JSON.stringify([incidentId, integrationId, generation])).digest('hex');
  return `@${digest}`;
}

export function isValidWeComTaskId(taskId: string): boolean {
  return TASK_ID_PATTERN.test(taskId);
}

/** The grey text that replaces the buttons of a closed incident's card, e.g. "Closed by Alice". */
export function renderWeComClosedReplacement(incident: Incident): string {
  // replace_text is not among the fields WeCom translates (DOC-90372): never a placeholder here.
  const who = actorName(incident.closedBy);
  return line(who ? `Closed by ${who}` : 'Closed', WECOM_CARD_LIMITS.replaceTextChars);
}

/**
 * Snooze length chosen in the card's dropdown, from a click's SelectedItems; undefined when the
 * click carried no (valid) selection, in which case the clicked key applies.
 */
export function snoozeMinutesFromSelection(selectedItems: readonly WeComSelectedItem[] | undefined): number | undefined {
  const item = selectedItems?.find((s) => s.questionKey === SNOOZE_QUESTION_KEY);
  const optionId = item?.optionIds[0];
  if (optionId === undefined) return undefined;
  const action = parseActionKey(optionId);
  return action?.kind === 'snooze' && ALLOWED_SNOOZE_MINUTES.has(action.minutes) ? action.minutes : undefined;
}

interface Button {
  readonly text: string;
  readonly style: 1 | 2 | 3 | 4;
  readonly key: string;
}

const startProcessing: Button = { text: 'Start Processing', style: 1, key: actionKey({ kind: 'acknowledge' }) };
const closeDirectly: Button = { text: 'Close Directly', style: 2, key: actionKey({ kind: 'resolve' }) };
const snoozeButton: Button = {
  text: `Snooze ${snoozeLabel(SNOOZE_BUTTON_MINUTES)}`,
  style: 3,
  key: actionKey({ kind: 'snooze', minutes: SNOOZE_BUTTON_MINUTES }),
};

const openWarRoom: Button = { text: 'Open War Room', style: 4, key: WAR_ROOM_ACTION_KEY };

function buttonsFor(status: IncidentStatus, warRoom: boolean): Button[] {
  const buttons = incidentButtons(status);
  // A closed incident gets no new room; its one greyed button stays Close Directly.
  return warRoom && status !== 'Closed' && buttons.length < WECOM_CARD_LIMITS.buttons ? [...buttons, openWarRoom] : buttons;
}

function incidentButtons(status: IncidentStatus): Button[] {
  switch (status) {
    case 'Triggered':
      return [startProcessing, closeDirectly, snoozeButton];
    case 'Processing':
      // Already taken: acknowledging again would change nothing.
      return [closeDirectly, snoozeButton];
    case 'Snoozed':
      // A new snooze replaces the current one, so Snooze stays.
      return [startProcessing, closeDirectly, snoozeButton];
    case 'Closed':
      // Shown greyed under replace_text; WeCom requires at least one button on this card type.
      return [closeDirectly];
  }
}

function actionMenu(status: IncidentStatus): { desc: string; action_list: { text: string; key: string }[] } {
  const refresh = { text: 'Refresh Status', key: actionKey({ kind: 'refresh' }) };
  if (status === 'Closed') return { desc: 'dutybridge', action_list: [refresh] };
  const room = WECOM_CARD_LIMITS.menuEntries - 1;
  const snoozes = [...SNOOZE_MENU_MINUTES]
    .sort((a, b) => a - b)
    .slice(0, room)
    .map((minutes) => ({ text: `Snooze ${snoozeLabel(minutes)}`, key: actionKey({ kind: 'snooze', minutes }) }));
  return { desc: 'dutybridge', action_list: [refresh, ...snoozes] };
}

/** True when the menu cannot hold every snooze length, so the dropdown is needed. */
export const WECOM_CARD_NEEDS_SNOOZE_DROPDOWN = SNOOZE_MENU_MINUTES.length > WECOM_CARD_LIMITS.menuEntries - 1;

function snoozeSelection(): Record<string, unknown> {
  return {
    question_key: SNOOZE_QUESTION_KEY,
    title: 'Snooze for',
    option_list: SNOOZE_SELECTION_MINUTES.map((minutes) => ({ id: actionKey({ kind: 'snooze', minutes }), text: snoozeLabel(minutes) })),
    selected_id: actionKey({ kind: 'snooze', minutes: SNOOZE_BUTTON_MINUTES }),
  };
}

/** The incident's card as of `nowMs`, for message/send or as an update_template_card replacement. */
export function renderWeComIncidentCard(incident: Incident, options: WeComCardOptions): WeComTemplateCard {
  if (!isValidWeComTaskId(options.taskId)) {
    throw new WeComTaskIdError('taskId must be 1..128 characters of [0-9a-zA-Z_-@] (DOC-94888); use weComTaskId()');
  }
  const status = effectiveStatus(incident, options.nowMs);
  const closed = status === 'Closed';
  if (options.text) return withTemplateText(renderWeComIncidentCard(incident, { ...options, text: undefined }), options.text);

  const rows: { keyname: string; value: string }[] = [
    { keyname: 'Severity', value: incident.severity },
    { keyname: 'Status', value: status },
  ];
  const assignee = actorInField(incident.acknowledgedBy, options.idTranslation, WECOM_CARD_LIMITS.horizontalValueChars);
  const closer = actorInField(incident.closedBy, options.idTranslation, WECOM_CARD_LIMITS.horizontalValueChars);
  if (closed && closer) rows.push({ keyname: 'Closed by', value: closer });
  else if (!closed && assignee && status === 'Processing') rows.push({ keyname: 'Assignee', value: assignee });
  rows.push({ keyname: 'Triggered', value: `${formatChinaTime(incident.triggeredAt)} (UTC+8)` });
  const labels = labelsSummary(incident.labels);
  if (labels) rows.push({ keyname: 'Labels', value: labels });

  const fullTitle = singleLine(toWellFormed(incident.title));
  // Cut between words (or Chinese characters), never inside a number: "above 5…" for "above 50%" misleads.
  const title = truncateAtWordBoundary(`[${incident.severity}] ${fullTitle}`, { maxChars: WECOM_CARD_LIMITS.titleChars });
  const placed = statusPlacement(incident, status, options.idTranslation);
  const card: WeComTemplateCard = {
    card_type: 'button_interaction',
    source: {
      desc: line('dutybridge', WECOM_CARD_LIMITS.sourceDescChars),
      desc_color: closed ? CLOSED_COLOR : severityColor[incident.severity],
    },
    main_title: {
      title,
      desc: placed.desc,
    },
  };
  // 36 characters often cut off what tells incidents apart ("… v2", the host): when the title was
  // cut, the full title opens the 160-character body.
  const titleWasCut = !title.endsWith(fullTitle);
  // A leading status line is at most 90 characters (a 64-byte userid), so the cut below, which
  // takes from the end, never reaches its placeholder.
  const body = [placed.bodyLead ?? '', titleWasCut ? fullTitle : '', incident.description.trim()].filter((part) => part.length > 0).join('\n');
  const description = text(body, WECOM_CARD_LIMITS.subTitleChars);
  if (description.length > 0) card.sub_title_text = description;
  card.horizontal_content_list = rows
    .slice(0, WECOM_CARD_LIMITS.horizontalRows)
    .map((row) => ({ keyname: row.keyname, value: line(row.value, WECOM_CARD_LIMITS.horizontalValueChars) }));
  const url = usableUrl(incident.detailUrl) ?? usableUrl(options.fallbackUrl);
  if (url) card.card_action = { type: 1, url };
  card.action_menu = actionMenu(status);
  card.task_id = options.taskId;
  if (!closed && WECOM_CARD_NEEDS_SNOOZE_DROPDOWN) card.button_selection = snoozeSelection();
  card.button_list = buttonsFor(status, options.warRoom === true).map((b) => ({ text: b.text, style: b.style, key: b.key }));
  if (closed) card.replace_text = renderWeComClosedReplacement(incident);
  return card;
}

/** "级别：Critical" / "Severity: Critical" → keyname and value; a row without a separator is all value. */
function customRow(row: string): { keyname: string; value: string } {
  const match = /^([^:：]{1,20})[:：]\s*(.*)$/u.exec(row);
  return match ? { keyname: line(match[1]!, WECOM_CARD_LIMITS.horizontalValueChars), value: line(match[2]!, WECOM_CARD_LIMITS.horizontalValueChars) } : { keyname: '·', value: line(row, WECOM_CARD_LIMITS.horizontalValueChars) };
}

/**
 * The fixed card with its texts taken from a rendered template. The custom area's rows fill
 * horizontal_content_list (WeCom allows 6 rows, DOC-90236); rows 7 and 8 of the 8-row custom area
 * (product rule) continue at the end of sub_title_text (≤ 160 characters, DOC-90236). The quote's
 * first line goes under the title (main_title.desc ≤ 44 characters), the rest to quote_area.quote_text.
 */
function withTemplateText(card: WeComTemplateCard, t: WeComCardText): WeComTemplateCard {
  const rows = t.customArea.split('\n').filter((r) => r.trim() !== '');
  const inList = rows.slice(0, WECOM_CARD_LIMITS.horizontalRows);
  const overflow = rows.slice(WECOM_CARD_LIMITS.horizontalRows);
  // The line under the title follows the template too (its locale, its wording): the quote's first
  // line (the built-in template's status line) goes there, the rest stays in quote_area. No quote:
  // no line, rather than the fixed English status.
  const [underTitle = '', ...quoteRest] = t.quote.trim().split('\n');
  const main: Record<string, unknown> = { title: line(t.title, WECOM_CARD_LIMITS.titleChars) };
  if (underTitle.trim() !== '') main.desc = line(underTitle, WECOM_CARD_LIMITS.titleDescChars);
  const out: WeComTemplateCard = { ...card, main_title: main };
  delete out.quote_area;
  // Rows 7 and 8 keep their place: the description is cut to leave room for them.
  const tail = overflow.map((r) => line(r, WECOM_CARD_LIMITS.horizontalValueChars + 1)).join('\n');
  const room = WECOM_CARD_LIMITS.subTitleChars - (tail === '' ? 0 : Array.from(tail).length + 1);
  const body = [text(t.description.trim(), room), tail].filter((p) => p !== '').join('\n');
  if (body !== '') out.sub_title_text = text(body, WECOM_CARD_LIMITS.subTitleChars);
  else delete out.sub_title_text;
  out.horizontal_content_list = inList.map(customRow);
  const quote = quoteRest.join('\n').trim();
  if (quote !== '') out.quote_area = { type: 0, quote_text: text(quote, WECOM_CARD_LIMITS.subTitleChars) };
  return out;
}
