/**
 * Interactive-card data rules and the simulator's card template.
 *
 * DingTalk rule (instructions-for-filling-in-api-card-data): every `cardParamMap` value is a
 * STRING of at most 1 KB and every key at most 100 bytes; booleans/numbers go as "true"/"1",
 * objects/arrays as JSON strings.
 *
 * The simulator's template reads these keys (anything else is kept but not shown):
 *   title, severity, status, assignee   → title and fields
 *   description                          → body (markdown area)
 *   detailUrl                            → link
 *   note (private: a click answer's)     → subtitle (the template's markdown note)
 *   linkUrl (private: a click answer's)  → link, in place of detailUrl (the template's "Link account")
 *   buttons                              → JSON string: [{"key","text","disabled"?,"params"?}]
 *     `params` (string → string) is what the click callback carries in cardPrivateData.params;
 *     it defaults to {"action": key}.
 * Private data of a user is laid over the public data for that user's view.
 */
import { RenderedCard } from '../core/contract';
import { CardParamMap } from './model';
import { isRecord, utf8Length } from './util';

export const CARD_VALUE_MAX_BYTES = 1024;
export const CARD_KEY_MAX_BYTES = 100;
export const CARD_FIELD_KEYS = ['severity', 'status', 'assignee'] as const;

export interface CardButton {
  readonly key: string;
  readonly text: string;
  readonly disabled?: boolean;
  readonly params: Record<string, string>;
}

/** Returns the problems of a cardParamMap, empty when it is valid. `where` names it in messages. */
export function cardParamMapProblems(value: unknown, where: string): string[] {
  if (!isRecord(value)) return [`${where} must be an object of string values`];
  const problems: string[] = [];
  for (const [key, entry] of Object.entries(value)) {
    if (utf8Length(key) > CARD_KEY_MAX_BYTES) problems.push(`${where} key "${key.slice(0, 20)}…" is ${utf8Length(key)} bytes (limit ${CARD_KEY_MAX_BYTES})`);
    if (typeof entry !== 'string') {
      problems.push(`${where}.${key} is a ${entry === null ? 'null' : Array.isArray(entry) ? 'array' : typeof entry}; DingTalk card values must be strings ("true", "1", JSON text)`);
      continue;
    }
    if (utf8Length(entry) > CARD_VALUE_MAX_BYTES) problems.push(`${where}.${key} is ${utf8Length(entry)} bytes (limit ${CARD_VALUE_MAX_BYTES})`);
  }
  if (typeof value.buttons === 'string') problems.push(...buttonProblems(value.buttons, `${where}.buttons`));
  return problems;
}

function buttonProblems(text: string, where: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [`${where} is not JSON text (the template expects a JSON array of {key,text})`];
  }
  if (!Array.isArray(parsed)) return [`${where} must be a JSON array of {key,text,disabled?,params?}`];
  const problems: string[] = [];
  const seen = new Set<string>();
  parsed.forEach((button, index) => {
    if (!isRecord(button) || typeof button.key !== 'string' || button.key === '' || typeof button.text !== 'string') {
      problems.push(`${where}[${index}] needs a non-empty string key and a string text`);
      return;
    }
    if (seen.has(button.key)) problems.push(`${where}[${index}] repeats key "${button.key}"`);
    seen.add(button.key);
    if (button.disabled !== undefined && typeof button.disabled !== 'boolean') problems.push(`${where}[${index}].disabled must be a boolean`);
    if (button.params !== undefined && (!isRecord(button.params) || Object.values(button.params).some((v) => typeof v !== 'string'))) {
      problems.push(`${where}[${index}].params must be an object of strings`);
    }
  });
  return problems;
}

/** Buttons of an already validated map. */
export function cardButtons(params: CardParamMap): CardButton[] {
  if (params.buttons === undefined) return [];
  const parsed = JSON.parse(params.buttons) as { key: string; text: string; disabled?: boolean; params?: Record<string, string> }[];
  return parsed.map((button) => ({
    key: button.key,
    text: button.text,
    ...(button.disabled === undefined ? {} : { disabled: button.disabled }),
    params: button.params ?? { action: button.key },
  }));
}

export function mergeParams(publicData: CardParamMap, privateData: CardParamMap | undefined): CardParamMap {
  return { ...publicData, ...(privateData ?? {}) };
}

export function renderCard(outTrackId: string, params: CardParamMap): RenderedCard {
  return {
    cardId: outTrackId,
    title: params.title ?? '',
    ...(params.note ? { subtitle: params.note } : {}),
    fields: CARD_FIELD_KEYS.filter((key) => params[key] !== undefined).map((key) => ({ key, value: params[key] as string })),
    ...(params.description === undefined ? {} : { body: params.description }),
    buttons: cardButtons(params).map(({ key, text, disabled }) => ({ key, text, ...(disabled === undefined ? {} : { disabled }) })),
    ...(params.linkUrl ? { url: params.linkUrl } : params.detailUrl === undefined ? {} : { url: params.detailUrl }),
  };
}

/** Applies an update: merge when `byKey` (update*ByKey=true), otherwise overwrite ("不填默认覆盖更新"). */
export function applyParamUpdate(current: CardParamMap | undefined, update: CardParamMap, byKey: boolean): CardParamMap {
  return byKey ? { ...(current ?? {}), ...update } : { ...update };
}
