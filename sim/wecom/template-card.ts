/**
 * template_card validation against the documented field limits (DOC-90236 message/send,
 * DOC-94888 update_template_card; wecom.md §4.2/§4.4) and conversion to the platform-neutral
 * RenderedCard the browser view draws. The title limits the docs phrase as "建议不超过N个字"
 * (main_title.title 36, main_title.desc 44, sub_title_text 160) are enforced as hard limits: the
 * simulator is stricter, never looser, than WeCom. Required fields, list sizes, key/id byte limits
 * and the task_id alphabet are enforced as documented; other display texts are only truncated by
 * the clients, so they are not limited here.
 *
 * For requests to the app API these checks back the documented contract in request-schemas.ts,
 * which the simulator applies first (unknown fields, per-type field sets); this module renders the
 * card and keeps the rules the group-robot webhook needs. Values the docs say fall back to a
 * default when "错填" (button_list.style → 1, selected_id → the first option) are accepted.
 *
 * With `enable_id_trans: 1` (DOC-90372) the caller passes `userName`: `$userName=USERID$` in the
 * fields WeCom translates (source.desc, main_title.title/desc, sub_title_text,
 * horizontal_content_list[].value) is drawn as the member's name; an id that is no member, or any
 * placeholder without the flag, stays literal so a test can tell. Limits apply to the text as sent.
 */
import { CardSelection, RenderedCard } from '../core/contract';
import { WeComApiError } from './errors';

export const cardTypes = ['text_notice', 'news_notice', 'button_interaction', 'vote_interaction', 'multiple_interaction'] as const;
export type CardType = (typeof cardTypes)[number];

export interface ValidatedCard {
  readonly cardType: CardType;
  readonly taskId?: string;
  /** message/send returns response_code only for interactive cards and notices with action_menu (DOC-90236). */
  readonly issuesResponseCode: boolean;
  readonly rendered: Omit<RenderedCard, 'cardId'>;
  readonly buttonKeys: readonly string[];
  readonly menuKeys: readonly string[];
  /** Default selections sent back as SelectedItems on submit (vote / multiple cards). */
  readonly defaultSelections: readonly { questionKey: string; optionIds: string[] }[];
}

type Json = Record<string, unknown>;

/** The name the WeCom client shows for a userid of the sending app's corp; undefined: not a member. */
export type UserNameLookup = (userId: string) => string | undefined;

const USER_NAME_PLACEHOLDER = /\$userName=([^$\s]{1,64})\$/g;

/** `$userName=ID$` → the member's name where `userName` knows the id; everything else unchanged. */
export function translateUserNames(text: string, userName: UserNameLookup | undefined): string {
  if (!userName) return text;
  return text.replace(USER_NAME_PLACEHOLDER, (placeholder, userId: string) => userName(userId) ?? placeholder);
}

/** Task ids: "只能由数字、字母和“_-@”组成，最长128字节" (DOC-94888). */
const taskIdPattern = /^[0-9a-zA-Z_\-@]{1,128}$/;

const chars = (value: string) => [...value].length;
const bytes = (value: string) => Buffer.byteLength(value, 'utf8');

function fail(field: string, rule: string, errcode = 40058): never {
  throw new WeComApiError(errcode, `template_card.${field} ${rule}`);
}

function obj(value: unknown, field: string, required: boolean): Json | undefined {
  if (value === undefined || value === null) return required ? fail(field, 'is required') : undefined;
  if (typeof value !== 'object' || Array.isArray(value)) return fail(field, 'must be an object');
  return value as Json;
}

interface StrRule {
  readonly required?: boolean;
  readonly maxChars?: number;
  readonly maxBytes?: number;
  readonly pattern?: RegExp;
}

function str(value: unknown, field: string, rule: StrRule = {}): string | undefined {
  if (value === undefined || value === null || value === '') return rule.required ? fail(field, 'is required') : undefined;
  if (typeof value !== 'string') return fail(field, 'must be a string');
  if (rule.maxChars !== undefined && chars(value) > rule.maxChars) fail(field, `exceeds ${rule.maxChars} characters (${chars(value)})`);
  if (rule.maxBytes !== undefined && bytes(value) > rule.maxBytes) fail(field, `exceeds ${rule.maxBytes} bytes (${bytes(value)})`);
  if (rule.pattern && !rule.pattern.test(value)) fail(field, `has invalid characters (allowed ${rule.pattern.source})`);
  return value;
}

function int(value: unknown, field: string, allowed: readonly number[], required = false): number | undefined {
  if (value === undefined || value === null) return required ? fail(field, 'is required') : undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || !allowed.includes(value)) {
    return fail(field, `must be one of ${allowed.join(', ')}`);
  }
  return value;
}

function arr(value: unknown, field: string, min: number, max: number, required: boolean): Json[] {
  if (value === undefined || value === null) return required ? fail(field, 'is required') : [];
  if (!Array.isArray(value)) return fail(field, 'must be an array');
  if (value.length < min || value.length > max) fail(field, `must have ${min}..${max} entries (got ${value.length})`);
  return value.map((entry, i) => obj(entry, `${field}[${i}]`, true)!);
}

function checkUnique(keys: readonly string[], field: string): void {
  const seen = new Set<string>();
  for (const key of keys) {
    if (seen.has(key)) fail(field, `key "${key}" is not unique`);
    seen.add(key);
  }
}

/** card_action / quote_area / jump_list share type 1 = url, 2 = mini program. */
function checkLinkTarget(entry: Json, field: string): string | undefined {
  if (entry.type === 1) return str(entry.url, `${field}.url`, { required: true, maxBytes: 2048 });
  if (entry.type === 2) {
    str(entry.appid, `${field}.appid`, { required: true });
    str(entry.pagepath, `${field}.pagepath`, { maxBytes: 2048 });
  }
  return undefined;
}

/**
 * `form`: `send` for message/send and webhooks (DOC-90236), `update` for the replacement card of
 * update_template_card (DOC-94888), whose tables have no task_id: the response_code names the task.
 */
export function validateTemplateCard(input: unknown, channel: 'app' | 'webhook', form: 'send' | 'update' = 'send', userName?: UserNameLookup): ValidatedCard {
  // Checked as sent, drawn as WeCom shows it (translation happens on display).
  const shown = (value: string | undefined) => (value === undefined ? undefined : translateUserNames(value, userName));
  const card = obj(input, '', true)!;
  const cardType = card.card_type as CardType;
  if (!cardTypes.includes(cardType)) fail('card_type', `must be one of ${cardTypes.join(', ')}`);
  const isNotice = cardType === 'text_notice' || cardType === 'news_notice';
  // Group robots only accept the two notice cards and have no callback (DOC-99110).
  if (channel === 'webhook' && !isNotice) fail('card_type', 'must be text_notice or news_notice for a group robot');

  const source = obj(card.source, 'source', false);
  if (source) {
    str(source.icon_url, 'source.icon_url', { maxBytes: 2048 });
    str(source.desc, 'source.desc', {});
    int(source.desc_color, 'source.desc_color', [0, 1, 2, 3]);
  }

  const actionMenu = obj(card.action_menu, 'action_menu', false);
  const menu: { key: string; text: string }[] = [];
  if (actionMenu) {
    if (channel === 'webhook') fail('action_menu', 'is not supported by group robots');
    if (cardType === 'vote_interaction' || cardType === 'multiple_interaction') fail('action_menu', `is not allowed on ${cardType}`);
    str(actionMenu.desc, 'action_menu.desc', {});
    arr(actionMenu.action_list, 'action_menu.action_list', 1, 3, true).forEach((action, i) => {
      menu.push({
        text: str(action.text, `action_menu.action_list[${i}].text`, { required: true })!,
        key: str(action.key, `action_menu.action_list[${i}].key`, { required: true, maxBytes: 1024 })!,
      });
    });
    checkUnique(menu.map((m) => m.key), 'action_menu.action_list');
  }

  const taskIdRequired = form === 'send' && (!isNotice || actionMenu !== undefined);
  const taskId = str(card.task_id, 'task_id', { required: taskIdRequired, pattern: taskIdPattern });
  if (taskId !== undefined && bytes(taskId) > 128) fail('task_id', 'exceeds 128 bytes', 42014);

  const mainTitle = obj(card.main_title, 'main_title', !isNotice);
  const title = str(mainTitle?.title, 'main_title.title', { required: !isNotice, maxChars: 36 });
  const subtitle = str(mainTitle?.desc, 'main_title.desc', { maxChars: 44 });
  const subTitleText = str(card.sub_title_text, 'sub_title_text', { maxChars: 160 });
  if (isNotice && title === undefined && subTitleText === undefined) {
    fail('main_title.title', 'or sub_title_text must be given (text_notice/news_notice)');
  }

  const fields: { key: string; value: string }[] = [];
  const bodyLines: string[] = [];

  const emphasis = obj(card.emphasis_content, 'emphasis_content', false);
  if (emphasis) {
    if (cardType !== 'text_notice') fail('emphasis_content', 'is only allowed on text_notice');
    const big = str(emphasis.title, 'emphasis_content.title', {});
    const small = str(emphasis.desc, 'emphasis_content.desc', {});
    if (big !== undefined || small !== undefined) bodyLines.push(`**${big ?? ''}** ${small ?? ''}`.trim());
  }

  const quote = obj(card.quote_area, 'quote_area', false);
  if (quote) {
    int(quote.type, 'quote_area.type', [0, 1, 2]);
    checkLinkTarget(quote, 'quote_area');
    const quoteTitle = str(quote.title, 'quote_area.title', {});
    const quoteText = str(quote.quote_text, 'quote_area.quote_text', {});
    if (quoteTitle) bodyLines.push(`> ${quoteTitle}`);
    if (quoteText) bodyLines.push(...quoteText.split('\n').map((line) => `> ${line}`));
  }
  if (subTitleText !== undefined) bodyLines.push(...shown(subTitleText)!.split('\n'));

  arr(card.horizontal_content_list, 'horizontal_content_list', 0, 6, false).forEach((entry, i) => {
    const field = `horizontal_content_list[${i}]`;
    const type = int(entry.type, `${field}.type`, [0, 1, 2, 3]);
    const key = str(entry.keyname, `${field}.keyname`, { required: true })!;
    const value = str(entry.value, `${field}.value`, {});
    if (type === 1) str(entry.url, `${field}.url`, { required: true, maxBytes: 2048 });
    if (type === 2) str(entry.media_id, `${field}.media_id`, { required: true });
    if (type === 3) str(entry.userid, `${field}.userid`, { required: true, maxBytes: 64 });
    fields.push({ key, value: shown(value) ?? (type === 3 ? String(entry.userid) : '') });
  });

  arr(card.jump_list, 'jump_list', 0, 3, false).forEach((entry, i) => {
    int(entry.type, `jump_list[${i}].type`, [0, 1, 2]);
    checkLinkTarget(entry, `jump_list[${i}]`);
    const text = str(entry.title, `jump_list[${i}].title`, { required: true });
    bodyLines.push(`→ ${text}`);
  });

  let url: string | undefined;
  const cardAction = obj(card.card_action, 'card_action', isNotice);
  if (cardAction) {
    // Notices must open something when tapped (type 1 url / 2 mini program); interactive cards may use 0.
    int(cardAction.type, 'card_action.type', isNotice ? [1, 2] : [0, 1, 2], true);
    url = checkLinkTarget(cardAction, 'card_action');
  }

  if (cardType === 'news_notice') {
    const image = obj(card.card_image, 'card_image', false);
    const imageText = obj(card.image_text_area, 'image_text_area', false);
    if (image) {
      str(image.url, 'card_image.url', { required: true, maxBytes: 2048 });
      if (image.aspect_ratio !== undefined && (typeof image.aspect_ratio !== 'number' || image.aspect_ratio < 1.3 || image.aspect_ratio > 2.25)) {
        fail('card_image.aspect_ratio', 'must be a number in 1.3..2.25');
      }
      bodyLines.push('[image]');
    }
    if (imageText) {
      int(imageText.type, 'image_text_area.type', [0, 1, 2]);
      checkLinkTarget(imageText, 'image_text_area');
      str(imageText.image_url, 'image_text_area.image_url', { required: true, maxBytes: 2048 });
      const t = str(imageText.title, 'image_text_area.title', {});
      const d = str(imageText.desc, 'image_text_area.desc', {});
      bodyLines.push(`[image] ${t ?? ''} ${d ?? ''}`.trim());
    }
    if (!image && !imageText) fail('card_image', 'or image_text_area is required on news_notice');
    arr(card.vertical_content_list, 'vertical_content_list', 0, 4, false).forEach((entry, i) => {
      const t = str(entry.title, `vertical_content_list[${i}].title`, { required: true });
      const d = str(entry.desc, `vertical_content_list[${i}].desc`, {});
      bodyLines.push(`**${t}**${d ? ` ${d}` : ''}`);
    });
  } else {
    for (const field of ['card_image', 'image_text_area', 'vertical_content_list'] as const) {
      if (card[field] !== undefined) fail(field, 'is only allowed on news_notice');
    }
  }

  const buttons: { key: string; text: string; disabled?: boolean }[] = [];
  const defaultSelections: { questionKey: string; optionIds: string[] }[] = [];
  let dropdown: CardSelection | undefined;

  if (cardType === 'button_interaction') {
    const selection = obj(card.button_selection, 'button_selection', false);
    if (selection) {
      const questionKey = str(selection.question_key, 'button_selection.question_key', { required: true, maxBytes: 1024 })!;
      str(selection.title, 'button_selection.title', {});
      const options = arr(selection.option_list, 'button_selection.option_list', 1, 10, true).map((o, i) => ({
        id: str(o.id, `button_selection.option_list[${i}].id`, { required: true, maxBytes: 128 })!,
        text: str(o.text, `button_selection.option_list[${i}].text`, { required: true })!,
      }));
      checkUnique(options.map((o) => o.id), 'button_selection.option_list');
      // "不填或错填默认第一个" (DOC-90236): an unknown selected_id falls back to the first option.
      const picked = str(selection.selected_id, 'button_selection.selected_id');
      const selected = options.some((o) => o.id === picked) ? picked : undefined;
      // Drawn as a dropdown (RenderedCard.selection); a button click carries its current choice.
      dropdown = { questionKey, ...(typeof selection.title === 'string' ? { title: selection.title } : {}), options, selectedId: selected ?? options[0]!.id };
      defaultSelections.push({ questionKey, optionIds: [selected ?? options[0]!.id] });
    }
    arr(card.button_list, 'button_list', 1, 6, true).forEach((button, i) => {
      const field = `button_list[${i}]`;
      const type = int(button.type, `${field}.type`, [0, 1]) ?? 0;
      // "目前可填1~4，不填或错填默认1" (DOC-90236): any other integer is drawn as style 1.
      if (button.style !== undefined && (typeof button.style !== 'number' || !Number.isInteger(button.style))) fail(`${field}.style`, 'must be an integer');
      const text = str(button.text, `${field}.text`, { required: true })!;
      if (type === 1) {
        str(button.url, `${field}.url`, { required: true, maxBytes: 2048 });
      } else {
        buttons.push({ key: str(button.key, `${field}.key`, { required: true, maxBytes: 1024 })!, text });
      }
    });
    checkUnique(buttons.map((b) => b.key), 'button_list');
  } else if (card.button_list !== undefined || card.button_selection !== undefined) {
    fail('button_list', 'is only allowed on button_interaction');
  }

  if (cardType === 'vote_interaction') {
    const checkbox = obj(card.checkbox, 'checkbox', true)!;
    const questionKey = str(checkbox.question_key, 'checkbox.question_key', { required: true, maxBytes: 1024 })!;
    const mode = int(checkbox.mode, 'checkbox.mode', [0, 1]) ?? 0;
    const options = arr(checkbox.option_list, 'checkbox.option_list', 1, 20, true).map((o, i) => ({
      id: str(o.id, `checkbox.option_list[${i}].id`, { required: true, maxBytes: 128 })!,
      text: str(o.text, `checkbox.option_list[${i}].text`, { required: true })!,
      checked: o.is_checked === true,
    }));
    checkUnique(options.map((o) => o.id), 'checkbox.option_list');
    if (mode === 0 && options.filter((o) => o.checked).length > 1) fail('checkbox.option_list', 'has several is_checked in single-choice mode');
    bodyLines.push(...options.map((o) => `${o.checked ? '☑' : '☐'} ${o.text}`));
    defaultSelections.push({ questionKey, optionIds: options.filter((o) => o.checked).map((o) => o.id) });
  } else if (card.checkbox !== undefined) {
    fail('checkbox', 'is only allowed on vote_interaction');
  }

  if (cardType === 'multiple_interaction') {
    arr(card.select_list, 'select_list', 1, 3, true).forEach((select, i) => {
      const field = `select_list[${i}]`;
      const questionKey = str(select.question_key, `${field}.question_key`, { required: true, maxBytes: 1024 })!;
      const selectTitle = str(select.title, `${field}.title`, {});
      const options = arr(select.option_list, `${field}.option_list`, 1, 10, true).map((o, j) => ({
        id: str(o.id, `${field}.option_list[${j}].id`, { required: true, maxBytes: 128 })!,
        text: str(o.text, `${field}.option_list[${j}].text`, { required: true })!,
      }));
      checkUnique(options.map((o) => o.id), `${field}.option_list`);
      // "不填或错填默认第一个" (DOC-90236).
      const picked = str(select.selected_id, `${field}.selected_id`);
      const selected = options.some((o) => o.id === picked) ? picked : undefined;
      const chosen = options.find((o) => o.id === selected) ?? options[0]!;
      bodyLines.push(`${selectTitle ?? questionKey}: ${chosen.text} ▾`);
      defaultSelections.push({ questionKey, optionIds: [chosen.id] });
    });
  } else if (card.select_list !== undefined) {
    fail('select_list', 'is only allowed on multiple_interaction');
  }

  if (cardType === 'vote_interaction' || cardType === 'multiple_interaction') {
    const submit = obj(card.submit_button, 'submit_button', true)!;
    buttons.push({
      // text is marked required but "不填默认为提交" (DOC-90236): absent → 提交.
      text: str(submit.text, 'submit_button.text', {}) ?? '提交',
      key: str(submit.key, 'submit_button.key', { required: true, maxBytes: 1024 })!,
    });
  } else if (card.submit_button !== undefined) {
    fail('submit_button', `is not allowed on ${cardType}`);
  }

  const replacedText = str(card.replace_text, 'replace_text', {});

  return {
    cardType,
    taskId,
    issuesResponseCode: !isNotice || actionMenu !== undefined,
    rendered: {
      title: shown(title ?? subTitleText?.split('\n')[0]) ?? '',
      subtitle: shown(subtitle),
      fields,
      body: bodyLines.length > 0 ? bodyLines.join('\n') : undefined,
      buttons,
      menu: menu.length > 0 ? menu : undefined,
      replacedText,
      url,
      ...(dropdown ? { selection: dropdown } : {}),
    },
    buttonKeys: buttons.map((b) => b.key),
    menuKeys: menu.map((m) => m.key),
    defaultSelections,
  };
}
