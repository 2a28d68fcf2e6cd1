/**
 * WeCom's request contract as its documentation states it: one zod schema per request dutybridge
 * sends. WeCom has no official Node SDK, so this file is the contract both sides check against:
 * the simulator validates every such request it receives (sim/wecom/module.ts), and the
 * conformance test captures what the real WeComClient sends and parses it with the same schemas
 * (test/shared/adapters/wecom/conformance.test.ts).
 *
 * Sources: the official pages https://developer.work.weixin.qq.com/document/path/<n>, cited as
 * "DOC <n>" beside each field (field tables read from the page text; wecom.md §4 summarises them):
 *   DOC 91039 gettoken · DOC 90236 message/send (text, markdown, template_card) ·
 *   DOC 94888 message/update_template_card · DOC 95402 user/getuserid ·
 *   DOC 95895 user/get_userid_by_email · DOC 90196 user/get · DOC 90313 global error codes ·
 *   DOC 90245 appchat/create · DOC 98913 appchat/update · DOC 98914 appchat/get · DOC 90248 appchat/send.
 *
 * Where the pages are silent or ambiguous, the choice made here is marked CHOICE and listed in the
 * README ("What the WeCom simulator plays where the docs are silent"):
 * - Unknown fields. The pages list the fields of each request but never say what WeCom does with
 *   others. CHOICE: every object is strict; an unlisted field is refused (errcode 40058), so a
 *   misspelt or undocumented field fails in a test instead of being dropped silently by WeCom.
 * - "建议不超过N个字" (a recommendation, not a limit). CHOICE: only main_title.title, main_title.desc
 *   and sub_title_text are enforced as hard limits, at the lengths each card type's table gives
 *   (the incident card cuts its texts to them); the other recommended lengths (button text 10,
 *   keyname 5, …) are not enforced.
 * - URLs and mini-program page paths: no documented limit. CHOICE: at most 2048 bytes.
 * - Values the docs say are "错填" (filled wrongly) fall back to a default (button_list.style → 1,
 *   selected_id → the first option): accepted, as documented.
 */
import { z } from 'zod';

export const WECOM_DOC_BASE = 'https://developer.work.weixin.qq.com/document/path/';

const utf8Bytes = (value: string) => Buffer.byteLength(value, 'utf8');
const codePoints = (value: string) => [...value].length;

/** A required ("是") string: present and not empty. */
const filled = () => z.string().min(1, 'is required (must not be empty)');
const maxBytes = (limit: number) => filled().refine((v) => utf8Bytes(v) <= limit, `exceeds ${limit} bytes`);
const maxChars = (limit: number) => z.string().refine((v) => codePoints(v) <= limit, `exceeds ${limit} characters`);
const maxCharsFilled = (limit: number) => filled().refine((v) => codePoints(v) <= limit, `exceeds ${limit} characters`);
/** CHOICE: URLs/page paths are not limited by the docs; 2048 bytes here. */
const url = () => maxBytes(2048);
/** Callback keys: "最长支持1024字节" (DOC 90236). */
const callbackKey = () => maxBytes(1024);
/** Option ids: "最长支持128字节，不可重复" (DOC 90236). */
const optionId = () => maxBytes(128);
/** UserID: "长度为1~64个字节", case-insensitive (DOC 90196, DOC 95402). */
const userId = () => maxBytes(64);
const zeroOne = () => z.union([z.literal(0), z.literal(1)]);

/** task_id: "只能由数字、字母和“_-@”组成，最长128字节" (DOC 90236). */
export const TASK_ID_PATTERN = /^[0-9a-zA-Z_\-@]{1,128}$/;
const taskId = () => z.string().regex(TASK_ID_PATTERN, 'must be 1..128 characters of 0-9 a-z A-Z _ - @');

type Ctx = z.core.$RefinementCtx;

function requireIf(ctx: Ctx, condition: boolean, value: unknown, field: string, why: string): void {
  if (condition && (value === undefined || value === '')) ctx.addIssue({ code: 'custom', path: [field], message: `is required ${why}` });
}

function unique(ctx: Ctx, values: readonly (string | undefined)[], path: (string | number)[], what: string): void {
  const seen = new Set<string>();
  values.forEach((value, i) => {
    if (value === undefined) return;
    if (seen.has(value)) ctx.addIssue({ code: 'custom', path: [...path, i], message: `${what} "${value}" is not unique ("不可重复")` });
    seen.add(value);
  });
}

/** A `|`-joined id list (touser, toparty, totag) of at most `max` ids. */
function idList(max: number, idRule?: (id: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    if (value === '@all') return;
    const ids = value.split('|').map((id) => id.trim()).filter((id) => id.length > 0);
    if (ids.length > max) ctx.addIssue({ code: 'custom', message: `has ${ids.length} ids, at most ${max}` });
    for (const id of ids) {
      const problem = idRule?.(id);
      if (problem) ctx.addIssue({ code: 'custom', message: `id "${id.slice(0, 80)}" ${problem}` });
    }
  });
}

// ------------------------------------------------------------------------------------- queries

/** `?debug=1` may be added to any URL (DOC 90313, 45009 help: debug mode, 5 calls a minute). */
const debugParam = { debug: z.optional(z.literal('1')) };

/** GET /cgi-bin/gettoken — https://developer.work.weixin.qq.com/document/path/91039 */
export const getTokenQuerySchema = z.strictObject({
  corpid: filled(), // DOC 91039: 是 — the CorpID (missing: 41002, DOC 90313)
  corpsecret: filled(), // DOC 91039: 是 — the app's secret (missing: 41004, DOC 90313)
  ...debugParam,
});

/** Every other call: `?access_token=` in the URL, never in the body (41001, DOC 90313). */
export const accessTokenQuerySchema = z.strictObject({
  access_token: filled(), // DOC 90236 / 94888 / 95402 / 95895: 是
  ...debugParam,
});

/** GET /cgi-bin/user/get — https://developer.work.weixin.qq.com/document/path/90196 */
export const userGetQuerySchema = z.strictObject({
  access_token: filled(), // DOC 90196: 是
  userid: userId(), // DOC 90196: 是 — 1..64 bytes, case-insensitive
  ...debugParam,
});

// ------------------------------------------------------------------------------- template_card

/** The form a card is sent in: message/send (DOC 90236) or update_template_card (DOC 94888). */
type CardForm = 'send' | 'update';

/** `source` (DOC 90236 / 94888). vote/multiple list no desc_color. */
function sourceSchema(withColor: boolean) {
  return z.strictObject({
    icon_url: z.optional(url()), // DOC 90236: 否
    desc: z.optional(z.string()), // DOC 90236: 否 — "建议不超过20个字" (not enforced)
    ...(withColor ? { desc_color: z.optional(z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)])) } : {}), // DOC 90236: 0 grey, 1 black, 2 red, 3 green
  });
}

/** `action_menu` (DOC 90236 / 94888): the card's "…" menu; its clicks carry a ResponseCode. */
const actionMenuSchema = z
  .strictObject({
    desc: z.optional(z.string()), // DOC 90236: 否
    action_list: z
      .array(
        z.strictObject({
          text: filled(), // DOC 90236: 是
          key: callbackKey(), // DOC 90236: 是 — ≤ 1024 bytes, unique
        }),
      )
      .min(1)
      .max(3), // DOC 90236: 是 — "列表长度取值范围为 [1, 3]"
  })
  .superRefine((menu, ctx) => unique(ctx, menu.action_list.map((a) => a.key), ['action_list'], 'key'));

/** `main_title` (DOC 90236 / 94888); limits are the "建议不超过" lengths, enforced (CHOICE). */
function mainTitleSchema(titleRequired: boolean, titleChars: number, descChars: number) {
  return z.strictObject({
    title: titleRequired ? maxCharsFilled(titleChars) : z.optional(maxChars(titleChars)), // DOC 90236
    desc: z.optional(maxChars(descChars)), // DOC 90236: 否
  });
}

/** Link targets shared by quote_area, jump_list, image_text_area and card_action: 1 url, 2 mini program. */
const linkFields = {
  url: z.optional(url()), // DOC 90236: required when type is 1
  appid: z.optional(filled()), // DOC 90236: required when type is 2
  pagepath: z.optional(url()), // DOC 90236: optional when type is 2
};
function linkRule(entry: { type?: number; url?: string; appid?: string }, ctx: Ctx): void {
  requireIf(ctx, entry.type === 1, entry.url, 'url', 'when type is 1 (DOC 90236)');
  requireIf(ctx, entry.type === 2, entry.appid, 'appid', 'when type is 2 (DOC 90236)');
}
const linkType = () => z.optional(z.union([z.literal(0), z.literal(1), z.literal(2)]));

const quoteAreaSchema = z
  .strictObject({
    type: linkType(), // DOC 90236: 否 — 0/absent none, 1 url, 2 mini program
    ...linkFields,
    title: z.optional(z.string()), // DOC 90236: 否
    quote_text: z.optional(z.string()), // DOC 90236: 否
  })
  .superRefine(linkRule);

const horizontalContentSchema = z
  .array(
    z
      .strictObject({
        type: z.optional(z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)])), // DOC 90236: 1 url, 2 attachment, 3 member
        keyname: filled(), // DOC 90236: 是 — "建议不超过5个字" (not enforced)
        value: z.optional(z.string()), // DOC 90236: 否
        url: z.optional(url()), // DOC 90236: required when type is 1
        media_id: z.optional(filled()), // DOC 90236: required when type is 2
        userid: z.optional(userId()), // DOC 90236: required when type is 3
      })
      .superRefine((row, ctx) => {
        requireIf(ctx, row.type === 1, row.url, 'url', 'when type is 1 (DOC 90236)');
        requireIf(ctx, row.type === 2, row.media_id, 'media_id', 'when type is 2 (DOC 90236)');
        requireIf(ctx, row.type === 3, row.userid, 'userid', 'when type is 3 (DOC 90236)');
      }),
  )
  .max(6); // DOC 90236: "列表长度不超过6"

const jumpListSchema = z
  .array(
    z
      .strictObject({
        type: linkType(), // DOC 90236: 否
        title: filled(), // DOC 90236: 是
        ...linkFields,
      })
      .superRefine(linkRule),
  )
  .max(3); // DOC 90236: "列表长度不超过3"

/** card_action: required on the two notices with type 1 or 2; optional on button_interaction (type 0 allowed). */
function cardActionSchema(notice: boolean) {
  return z
    .strictObject({
      type: notice ? z.union([z.literal(1), z.literal(2)]) : linkType(), // DOC 90236: notices "取值范围为[1,2]"
      ...linkFields,
    })
    .superRefine(linkRule);
}

const selectionOptionsSchema = z
  .array(
    z.strictObject({
      id: optionId(), // DOC 90236: 是 — ≤ 128 bytes, unique
      text: filled(), // DOC 90236: 是
    }),
  )
  .min(1)
  .max(10) // DOC 90236: "下拉选项不超过 10 个，最少1个"
  .superRefine((options, ctx) => unique(ctx, options.map((o) => o.id), [], 'option id'));

const buttonSelectionSchema = z.strictObject({
  question_key: callbackKey(), // DOC 90236: 是 — ≤ 1024 bytes
  title: z.optional(z.string()), // DOC 90236: 否
  option_list: selectionOptionsSchema, // DOC 90236: 是
  selected_id: z.optional(z.string()), // DOC 90236: 否 — "不填或错填默认第一个" (an unknown id falls back, accepted)
});

const buttonListSchema = z
  .array(
    z
      .strictObject({
        type: z.optional(zeroOne()), // DOC 90236: 0/absent callback, 1 url
        text: filled(), // DOC 90236: 是 — "建议不超过10个字" (not enforced)
        style: z.optional(z.number().int()), // DOC 90236: "目前可填1~4，不填或错填默认1" (other values fall back to 1, accepted)
        key: z.optional(callbackKey()), // DOC 90236: required when type is 0 — ≤ 1024 bytes, unique
        url: z.optional(url()), // DOC 90236: required when type is 1
      })
      .superRefine((button, ctx) => {
        requireIf(ctx, (button.type ?? 0) === 0, button.key, 'key', 'for a callback button (type 0, DOC 90236)');
        requireIf(ctx, button.type === 1, button.url, 'url', 'when type is 1 (DOC 90236)');
      }),
  )
  .min(1) // DOC 90236: button_list 是
  .max(6) // DOC 90236: "列表长度不超过6"
  .superRefine((buttons, ctx) => unique(ctx, buttons.map((b) => ((b.type ?? 0) === 0 ? b.key : undefined)), [], 'button key'));

function submitButtonSchema() {
  return z.strictObject({
    // DOC 90236 marks text 是 but adds "不填默认为提交" (absent → "提交"). CHOICE: optional.
    text: z.optional(z.string()),
    key: callbackKey(), // DOC 90236: 是 — ≤ 1024 bytes
  });
}

/** task_id: in message/send only (DOC 90236); update_template_card's tables do not list it (DOC 94888). */
function taskIdShape(form: CardForm, required: boolean) {
  if (form === 'update') return {};
  return { task_id: required ? taskId() : z.optional(taskId()) }; // DOC 90236: "同一个应用任务id不能重复"
}

/** replace_text: update_template_card only, on button/vote/multiple (DOC 94888): greys the buttons. */
function replaceTextShape(form: CardForm) {
  return form === 'update' ? { replace_text: z.optional(filled()) } : {}; // DOC 94888: 否
}

function textNoticeSchema(form: CardForm) {
  return z
    .strictObject({
      card_type: z.literal('text_notice'), // DOC 90236 / 94888: 是
      source: z.optional(sourceSchema(true)), // DOC 90236: 否
      action_menu: z.optional(actionMenuSchema), // DOC 90236: 否
      main_title: z.optional(mainTitleSchema(false, 36, 44)), // DOC 90236: title 否, but title or sub_title_text
      quote_area: z.optional(quoteAreaSchema), // DOC 90236: 否
      emphasis_content: z.optional(z.strictObject({ title: z.optional(z.string()), desc: z.optional(z.string()) })), // DOC 90236: 否
      sub_title_text: z.optional(maxChars(160)), // DOC 90236: 否 — "建议不超过160个字"
      horizontal_content_list: z.optional(horizontalContentSchema), // DOC 90236: 否
      jump_list: z.optional(jumpListSchema), // DOC 90236: 否
      card_action: cardActionSchema(true), // DOC 90236: 是 — "text_notice必填本字段"
      ...taskIdShape(form, false), // DOC 90236: required only with action_menu
    })
    .superRefine((card, ctx) => {
      if (!card.main_title?.title && !card.sub_title_text) {
        ctx.addIssue({ code: 'custom', path: ['main_title', 'title'], message: 'or sub_title_text must be given ("不可本字段和sub_title_text都不填", DOC 90236)' });
      }
      if (form === 'send') requireIf(ctx, card.action_menu !== undefined, (card as { task_id?: string }).task_id, 'task_id', 'with action_menu (DOC 90236)');
    });
}

function newsNoticeSchema(form: CardForm) {
  return z
    .strictObject({
      card_type: z.literal('news_notice'), // DOC 90236 / 94888: 是
      source: z.optional(sourceSchema(true)), // DOC 90236: 否
      action_menu: z.optional(actionMenuSchema), // DOC 90236: 否
      main_title: mainTitleSchema(true, 36, 44), // DOC 90236: title 是
      quote_area: z.optional(quoteAreaSchema), // DOC 90236: 否
      image_text_area: z.optional(
        z
          .strictObject({
            type: linkType(), // DOC 90236: 否
            ...linkFields,
            title: z.optional(z.string()), // DOC 90236: 否
            desc: z.optional(z.string()), // DOC 90236: 否
            image_url: url(), // DOC 90236: 是
          })
          .superRefine(linkRule),
      ),
      card_image: z.optional(
        z.strictObject({
          url: url(), // DOC 90236: 是
          // DOC 90236: "宽高比要小于2.25，大于1.3，不填该参数默认1.3" — CHOICE: 1.3..2.25 inclusive (the default is 1.3 itself).
          aspect_ratio: z.optional(z.number().min(1.3).max(2.25)),
        }),
      ),
      vertical_content_list: z.optional(
        z.array(z.strictObject({ title: filled(), desc: z.optional(z.string()) })).max(4), // DOC 90236: title 是; "列表长度不超过4"
      ),
      horizontal_content_list: z.optional(horizontalContentSchema), // DOC 90236: 否
      jump_list: z.optional(jumpListSchema), // DOC 90236: 否
      card_action: cardActionSchema(true), // DOC 90236: 是 — "news_notice必填本字段"
      ...taskIdShape(form, false), // DOC 90236: required only with action_menu
    })
    .superRefine((card, ctx) => {
      if (!card.card_image && !card.image_text_area) {
        ctx.addIssue({ code: 'custom', path: ['card_image'], message: 'or image_text_area is required ("两者必填一个字段", DOC 90236)' });
      }
      if (form === 'send') requireIf(ctx, card.action_menu !== undefined, (card as { task_id?: string }).task_id, 'task_id', 'with action_menu (DOC 90236)');
    });
}

function buttonInteractionSchema(form: CardForm) {
  return z.strictObject({
    card_type: z.literal('button_interaction'), // DOC 90236 / 94888: 是
    source: z.optional(sourceSchema(true)), // DOC 90236: 否
    action_menu: z.optional(actionMenuSchema), // DOC 90236: 否
    main_title: mainTitleSchema(true, 36, 44), // DOC 90236: title 是 — "建议不超过36个字", desc 44
    quote_area: z.optional(quoteAreaSchema), // DOC 90236: 否
    sub_title_text: z.optional(maxChars(160)), // DOC 90236: 否 — "建议不超过160个字"
    horizontal_content_list: z.optional(horizontalContentSchema), // DOC 90236: 否
    card_action: z.optional(cardActionSchema(false)), // DOC 90236: 否
    button_selection: z.optional(buttonSelectionSchema), // DOC 90236: 否 (its question_key/option_list are 是)
    button_list: buttonListSchema, // DOC 90236: 是
    ...taskIdShape(form, true), // DOC 90236: 是
    ...replaceTextShape(form), // DOC 94888 only
  });
}

function voteInteractionSchema(form: CardForm) {
  return z.strictObject({
    card_type: z.literal('vote_interaction'), // DOC 90236 / 94888: 是
    source: z.optional(sourceSchema(false)), // DOC 90236: icon_url, desc only
    main_title: mainTitleSchema(true, 16, 160), // DOC 90236: title 是 — "建议不超过16个字"; desc 160
    checkbox: z
      .strictObject({
        question_key: callbackKey(), // DOC 90236: 是
        mode: z.optional(zeroOne()), // DOC 90236: 0 single, 1 multiple
        option_list: z
          .array(
            z.strictObject({
              id: optionId(), // DOC 90236: 是
              text: filled(), // DOC 90236: 是
              is_checked: z.boolean(), // DOC 90236: 是
            }),
          )
          .min(1)
          .max(20) // DOC 90236: "选项个数不超过 20 个，最少1个"
          .superRefine((options, ctx) => unique(ctx, options.map((o) => o.id), [], 'option id')),
        ...(form === 'update' ? { disable: z.optional(z.boolean()) } : {}), // DOC 94888: 否
      })
      .superRefine((checkbox, ctx) => {
        if ((checkbox.mode ?? 0) === 0 && checkbox.option_list.filter((o) => o.is_checked).length > 1) {
          ctx.addIssue({ code: 'custom', path: ['option_list'], message: 'has several is_checked in single-choice mode (mode 0)' });
        }
      }), // DOC 90236: 是
    submit_button: form === 'send' ? submitButtonSchema() : z.optional(submitButtonSchema()), // DOC 90236: 是; DOC 94888: 否
    ...taskIdShape(form, true), // DOC 90236: 是
    ...replaceTextShape(form), // DOC 94888 only
  });
}

function multipleInteractionSchema(form: CardForm) {
  return z.strictObject({
    card_type: z.literal('multiple_interaction'), // DOC 90236 / 94888: 是
    source: z.optional(sourceSchema(false)), // DOC 90236: icon_url, desc only
    main_title: mainTitleSchema(true, 36, 160), // DOC 90236: title 是 — 36; desc "建议不超过160个字"
    select_list: z
      .array(
        z.strictObject({
          question_key: callbackKey(), // DOC 90236: 是 — unique
          title: z.optional(z.string()), // DOC 90236: 否
          option_list: selectionOptionsSchema, // DOC 90236: 是
          selected_id: z.optional(z.string()), // DOC 90236: 否 — "不填或错填默认第一个"
          ...(form === 'update' ? { disable: z.optional(z.boolean()) } : {}), // DOC 94888: 否
        }),
      )
      .min(1)
      .max(3) // DOC 90236: "一个消息最多支持 3 个选择器", not empty
      .superRefine((selects, ctx) => unique(ctx, selects.map((s) => s.question_key), [], 'question_key')),
    submit_button: form === 'send' ? submitButtonSchema() : z.optional(submitButtonSchema()), // DOC 90236: 是; DOC 94888: 否
    ...taskIdShape(form, true), // DOC 90236: 是
    ...replaceTextShape(form), // DOC 94888 only
  });
}

function templateCardSchema(form: CardForm) {
  return z.discriminatedUnion('card_type', [
    textNoticeSchema(form),
    newsNoticeSchema(form),
    buttonInteractionSchema(form),
    voteInteractionSchema(form),
    multipleInteractionSchema(form),
  ]);
}

/** The `template_card` object of message/send (DOC 90236). */
export const sendTemplateCardSchema = templateCardSchema('send');
/** The `template_card` object of update_template_card (DOC 94888): no task_id; replace_text allowed. */
export const updateTemplateCardCardSchema = templateCardSchema('update');

// ------------------------------------------------------------------------------- message/send

/** Recipients, agentid and flags shared by every msgtype (DOC 90236). */
const sendEnvelope = {
  // DOC 90236: 否 — "最多支持1000个", or "@all"; ids are UserIDs (≤ 64 bytes: 40058, DOC 90313).
  touser: z.optional(idList(1000, (id) => (utf8Bytes(id) > 64 ? 'exceeds 64 bytes' : undefined))),
  toparty: z.optional(idList(100)), // DOC 90236: 否 — "最多支持100个"
  totag: z.optional(idList(100)), // DOC 90236: 否 — "最多支持100个"
  agentid: z.number().int().positive(), // DOC 90236: 是 — "整型" (missing: 41011; not an app id: 40056)
  enable_duplicate_check: z.optional(zeroOne()), // DOC 90236: 否 — default 0
  duplicate_check_interval: z.optional(z.number().int().min(1).max(4 * 3600)), // DOC 90236: 否 — default 1800 s, "最大不超过4小时"
};

/** "touser、toparty、totag不能同时为空" (DOC 90236) → errcode 82001 (DOC 90313). */
function someRecipient(body: { touser?: string; toparty?: string; totag?: string }, ctx: Ctx): void {
  if (!body.touser && !body.toparty && !body.totag) {
    ctx.addIssue({ code: 'custom', path: [], message: 'touser, toparty and totag are all empty', params: { errcode: 82001 } });
  }
}

/** POST /cgi-bin/message/send — https://developer.work.weixin.qq.com/document/path/90236 */
export const messageSendBodySchema = z.discriminatedUnion('msgtype', [
  z
    .strictObject({
      ...sendEnvelope,
      msgtype: z.literal('text'), // DOC 90236: 是
      // DOC 90236: 是 — "最长不超过2048个字节，超过将截断"; DOC 90313 has 45002 "消息内容大小超过限制".
      // CHOICE: longer text is refused (45002) rather than cut, so a client relying on the cut is noticed.
      text: z.strictObject({ content: maxBytes(2048) }),
      safe: z.optional(zeroOne()), // DOC 90236: 否 — 0 shareable, 1 secret (watermark)
      enable_id_trans: z.optional(zeroOne()), // DOC 90236: 否
    })
    .superRefine(someRecipient),
  z
    .strictObject({
      ...sendEnvelope,
      msgtype: z.literal('markdown'), // DOC 90236: 是
      markdown: z.strictObject({ content: maxBytes(2048) }), // DOC 90236: 是 — "最长不超过2048个字节"
    })
    .superRefine(someRecipient),
  z
    .strictObject({
      ...sendEnvelope,
      msgtype: z.literal('template_card'), // DOC 90236: 是
      template_card: sendTemplateCardSchema, // DOC 90236: the five card types
      enable_id_trans: z.optional(zeroOne()), // DOC 90236: 否
    })
    .superRefine(someRecipient),
]);

// ------------------------------------------------------------------ message/update_template_card

/** Whose card to update (DOC 94888): all optional; none at all would update nobody. */
const updateTargets = {
  userids: z.optional(z.array(userId()).max(1000)), // DOC 94888: 否 — "最多支持1000个"
  partyids: z.optional(z.array(z.number().int()).max(100)), // DOC 94888: 否 — "最多支持100个"
  tagids: z.optional(z.array(z.number().int()).max(100)), // DOC 94888: 否 — "最多支持100个"
  atall: z.optional(zeroOne()), // DOC 94888: 否 — "更新整个任务接收人员"
  agentid: z.number().int().positive(), // DOC 94888: 是 (an integer, as in DOC 90236)
  response_code: filled(), // DOC 94888: 是 — single use, 72 h
};

/** CHOICE: every target field is optional in DOC 94888; a call naming nobody is refused (40058). */
function someTarget(body: { userids?: string[]; partyids?: number[]; tagids?: number[]; atall?: number }, ctx: Ctx): void {
  if (body.atall !== 1 && !body.userids?.length && !body.partyids?.length && !body.tagids?.length) {
    ctx.addIssue({ code: 'custom', path: [], message: 'give userids, partyids, tagids or atall=1' });
  }
}

/** POST /cgi-bin/message/update_template_card — https://developer.work.weixin.qq.com/document/path/94888 */
export const updateTemplateCardBodySchema = z.union([
  // "更新按钮为不可点击状态": button/vote/multiple cards; the table lists no enable_id_trans here.
  z
    .strictObject({
      ...updateTargets,
      button: z.strictObject({ replace_name: filled() }), // DOC 94888: 是
    })
    .superRefine(someTarget),
  // "更新为新的卡片": any of the five card types.
  z
    .strictObject({
      ...updateTargets,
      enable_id_trans: z.optional(zeroOne()), // DOC 94888: 否
      template_card: updateTemplateCardCardSchema, // DOC 94888
    })
    .superRefine(someTarget),
]);

// ------------------------------------------------------------------------------------ users

/** POST /cgi-bin/user/getuserid — https://developer.work.weixin.qq.com/document/path/95402 */
export const userIdByMobileBodySchema = z.strictObject({
  mobile: filled().refine((v) => utf8Bytes(v) >= 5 && utf8Bytes(v) <= 32, 'must be 5..32 bytes'), // DOC 95402: 是 — "长度为5~32个字节"
});

/** POST /cgi-bin/user/get_userid_by_email — https://developer.work.weixin.qq.com/document/path/95895 */
export const userIdByEmailBodySchema = z.strictObject({
  // DOC 95895: 是 — no length given. CHOICE: at most 64 bytes (the simulator's long-standing limit).
  email: maxBytes(64),
  email_type: z.optional(z.union([z.literal(1), z.literal(2)])), // DOC 95895: 否 — 1 corporate (default), 2 personal
});

// ------------------------------------------------------------------------------------ appchat

/** chatid: "最长32个字符。只允许字符0-9及字母a-zA-Z" (DOC 90245) → 86001; longer → 86205 "字符串chatid过长" (DOC 90313). */
const chatId = () =>
  z.string().superRefine((value, ctx) => {
    if (codePoints(value) > 32) ctx.addIssue({ code: 'custom', message: 'exceeds 32 characters', params: { errcode: 86205 } });
    else if (!/^[0-9a-zA-Z]+$/.test(value)) ctx.addIssue({ code: 'custom', message: 'must be 1..32 characters of 0-9 a-z A-Z', params: { errcode: 86001 } });
  });
/**
 * name: "最多50个utf8字符，超过将截断" (DOC 90245 / 98913): a longer name is accepted and stored cut.
 * CHOICE: an empty name is refused with 86004 "群名不合法" (DOC 90313); the pages do not say.
 */
const chatName = () =>
  z.string().superRefine((value, ctx) => {
    if (value.trim().length === 0) ctx.addIssue({ code: 'custom', message: 'is empty', params: { errcode: 86004 } });
  });
/** A userid list of a group chat (UserID: 1..64 bytes, DOC 90196). */
const chatUserIds = () => z.array(userId());

/** POST /cgi-bin/appchat/create — https://developer.work.weixin.qq.com/document/path/90245 */
export const appChatCreateBodySchema = z.strictObject({
  name: z.optional(chatName()), // DOC 90245: 否 — ≤ 50 utf8 characters, cut beyond
  owner: z.optional(userId()), // DOC 90245: 否 — "如果不指定，系统会随机从userlist中选一人作为群主"
  // DOC 90245: 是 — "至少2人，至多2000人"; count outside → 86006 "群成员数过多或过少" (DOC 90313).
  userlist: chatUserIds().superRefine((list, ctx) => {
    if (list.length < 2 || list.length > 2000) ctx.addIssue({ code: 'custom', message: `has ${list.length} members, needs 2..2000`, params: { errcode: 86006 } });
  }),
  chatid: z.optional(chatId()), // DOC 90245: 否 — random when omitted
});

/** POST /cgi-bin/appchat/update — https://developer.work.weixin.qq.com/document/path/98913 (formerly 90246) */
export const appChatUpdateBodySchema = z.strictObject({
  chatid: chatId(), // DOC 98913: 是 (missing → 86201 "参数 需要chatid", DOC 90313)
  name: z.optional(chatName()), // DOC 98913: 否 — ≤ 50 utf8 characters, cut beyond
  owner: z.optional(userId()), // DOC 98913: 否 — "del_user_list包含群主时本字段必填"
  add_user_list: z.optional(chatUserIds().max(2000)), // DOC 98913: 否 — "群成员人数不可超过2000人"
  del_user_list: z.optional(chatUserIds().max(2000)), // DOC 98913: 否
});

/** GET /cgi-bin/appchat/get — https://developer.work.weixin.qq.com/document/path/98914 (formerly 90247) */
export const appChatGetQuerySchema = z.strictObject({
  access_token: filled(), // DOC 98914: 是
  chatid: chatId(), // DOC 98914: 是
  ...debugParam,
});

/**
 * POST /cgi-bin/appchat/send — https://developer.work.weixin.qq.com/document/path/90248. The page
 * lists text, image, voice, video, file, textcard, news, mpnews and markdown; template_card is not
 * among them. Only text and markdown are simulated; any other msgtype is refused with 86220 "指定的
 * 会话参数不合法" (DOC 90313; UNCONFIRMED which code WeCom gives for template_card: 40008 is possible).
 */
export const appChatSendBodySchema = z.discriminatedUnion('msgtype', [
  z.strictObject({
    chatid: chatId(), // DOC 90248: 是
    msgtype: z.literal('text'), // DOC 90248: 是
    text: z.strictObject({ content: maxBytes(2048) }), // DOC 90248: 是 — "最长不超过2048个字节"
    safe: z.optional(zeroOne()), // DOC 90248: 否 — 0 shareable (default), 1 secret
  }),
  z.strictObject({
    chatid: chatId(), // DOC 90248: 是
    msgtype: z.literal('markdown'), // DOC 90248: 是
    // DOC 90248's markdown table was not read in full; 2048 bytes as in DOC 90236's markdown. CHOICE:
    // no `safe` (the markdown message of DOC 90236 has none either).
    markdown: z.strictObject({ content: maxBytes(2048) }),
  }),
]);

// ------------------------------------------------------ service provider (third-party app, "suite")

/*
 * The service-provider side (sim/wecom/suite*.ts), read from the third-party folder of the docs:
 *   DOC 91200 get_provider_token · DOC 90600 get_suite_token · DOC 90601 get_pre_auth_code ·
 *   DOC 90602 set_session_info · DOC 100776 v2/get_permanent_code · DOC 100779 v2/get_auth_info ·
 *   DOC 90605 get_corp_token · DOC 97061 corpid_to_opencorpid · DOC 91121 auth/getuserinfo3rd ·
 *   DOC 95844 license/get_app_license_info · DOC 95544 license/list_actived_account ·
 *   DOC 90597 the install page · DOC 90455 the third-party error codes.
 * Missing credentials get the codes DOC 90455 names (41002, 41021, 41022, 41023, 41024, 41025,
 * 84054; see errcodeOf).
 *
 * Checked field by field against the pages as mirrored in github.com/wxkingstar/doc-hub-mcp under
 * `wecom/002-第三方应用开发/002-服务端API/` (the paths below are relative to that folder);
 * test/shared/adapters/wecom/suite-conformance.test.ts holds the field lists copied from them and
 * fails when a schema here drifts. Where a page is silent the choice is marked UNCONFIRMED.
 */

/** Only `?debug=1` in the URL: the token-fetching calls carry their credentials in the body. */
export const noTokenQuerySchema = z.strictObject({ ...debugParam });

/**
 * `?suite_access_token=` — "最长为512字节" (DOC 90600, DOC 90601:
 * 003-应用授权/004-接口调用/002-获取预授权码.md). The same parameter of set_session_info, the v2 calls
 * and get_corp_token has no length in its own table; the token is the same one, so the same limit.
 */
export const suiteTokenQuerySchema = z.strictObject({
  suite_access_token: maxBytes(512), // DOC 90601: 是
  ...debugParam,
});

/** `?provider_access_token=` — "最长为512字节" (DOC 91200: 001-开发指南/003-获取服务商凭证.md). */
export const providerTokenQuerySchema = z.strictObject({
  provider_access_token: maxBytes(512), // DOC 97061 / 95844 / 95544: 是
  ...debugParam,
});

/** POST /cgi-bin/service/get_provider_token — https://developer.work.weixin.qq.com/document/path/91200 */
export const getProviderTokenBodySchema = z.strictObject({
  corpid: filled(), // DOC 91200: 是 — the provider's corpid
  provider_secret: filled(), // DOC 91200: 是
});

/** POST /cgi-bin/service/get_suite_token — https://developer.work.weixin.qq.com/document/path/90600 */
export const getSuiteTokenBodySchema = z.strictObject({
  suite_id: filled(), // DOC 90600: 是 — ww/wx (legacy tj) app id, dk template id
  suite_secret: filled(), // DOC 90600: 是
  suite_ticket: maxBytes(512), // DOC 90600: 是; DOC 90628: "最长为512字节"
});

/** POST /cgi-bin/service/set_session_info — https://developer.work.weixin.qq.com/document/path/90602 */
export const setSessionInfoBodySchema = z.strictObject({
  pre_auth_code: filled(), // DOC 90602: 是
  session_info: z.strictObject({
    // DOC 90602: 否 — old multi-app suites only; "不填或者填空数组都表示允许授权套件内所有应用", so [] is valid.
    appid: z.optional(z.array(z.number().int())),
    auth_type: z.optional(zeroOne()), // DOC 90602: 否 — 0 formal (default), 1 test
  }), // DOC 90602: 是
});

/**
 * POST /cgi-bin/service/v2/get_permanent_code — https://developer.work.weixin.qq.com/document/path/100776.
 * auth_code: "长度为64至512个字节"; a code outside that length cannot be one WeCom issued: 40078
 * "不合法的auth_code参数" (DOC 90455). A MISSING auth_code stays 40058: DOC 90455 has 41008
 * "缺少auth code参数", but whether that names this field or the OAuth `code` (the self-built table
 * words it the same way) is not said (UNCONFIRMED; 006-附录/003-全局错误码.md).
 */
export const getPermanentCodeBodySchema = z.strictObject({
  auth_code: z.string().superRefine((value, ctx) => {
    const size = utf8Bytes(value);
    if (size < 64 || size > 512) ctx.addIssue({ code: 'custom', message: `is ${size} bytes, must be 64..512`, params: { errcode: 40078 } });
  }),
});

/** get_auth_info (DOC 100779) and get_corp_token (DOC 90605) take the same pair. */
export const corpCredentialBodySchema = z.strictObject({
  auth_corpid: filled(), // DOC 100779 / 90605: 是
  permanent_code: maxBytes(512), // DOC 100779 / 90605: 是 — DOC 100776: "最长为512字节"
});

/** POST /cgi-bin/service/corpid_to_opencorpid — https://developer.work.weixin.qq.com/document/path/97061 */
export const corpIdToOpenCorpIdBodySchema = z.strictObject({
  corpid: filled(), // DOC 97061: 是 — the plain corpid
});

/** GET /cgi-bin/service/auth/getuserinfo3rd — https://developer.work.weixin.qq.com/document/path/91121 */
export const getUserInfo3rdQuerySchema = z.strictObject({
  suite_access_token: maxBytes(512), // DOC 91121: 是
  code: maxBytes(512), // DOC 91121: 是 — "最大为512字节"
  ...debugParam,
});

/** POST /cgi-bin/license/get_app_license_info — https://developer.work.weixin.qq.com/document/path/95844 */
export const appLicenseInfoBodySchema = z.strictObject({
  corpid: filled(), // DOC 95844: 是
  suite_id: filled(), // DOC 95844: 是
  appid: z.optional(z.number().int()), // DOC 95844: 否 — old multi-app suites only
});

/** POST /cgi-bin/license/list_actived_account — https://developer.work.weixin.qq.com/document/path/95544 */
export const listActivedAccountBodySchema = z.strictObject({
  corpid: filled(), // DOC 95544: 是
  // DOC 95544: 否 — "整型，最大值1000，默认值500"; over 1000: 701101 "limit大小超过上限1000" (DOC 90455).
  // The page names no minimum: 0 or a negative limit is refused as 40058 (UNCONFIRMED; it may also be
  // read as the default 500). 004-接口调用许可/003-账号管理/003-获取企业的账号列表.md.
  limit: z.optional(
    z
      .number()
      .int()
      .min(1)
      .superRefine((value, ctx) => {
        if (value > 1000) ctx.addIssue({ code: 'custom', message: `is ${value}, at most 1000`, params: { errcode: 701101 } });
      }),
  ),
  cursor: z.optional(z.string()), // DOC 95544: 否 — from the previous answer
});

/** state of the install link: "a-zA-Z0-9的参数值（不超过128个字节）" (DOC 90597). */
export const INSTALL_STATE_PATTERN = /^[a-zA-Z0-9]{0,128}$/;

/** GET https://open.work.weixin.qq.com/3rdapp/install — https://developer.work.weixin.qq.com/document/path/90597 */
export const installPageQuerySchema = z.strictObject({
  suite_id: filled(), // DOC 90597
  pre_auth_code: filled(), // DOC 90597
  redirect_uri: url(), // DOC 90597 — urlencoded once
  state: z.optional(z.string().regex(INSTALL_STATE_PATTERN, 'must be 0..128 characters of a-zA-Z0-9')), // DOC 90597
});

/** The simulated install page's "Authorize" form: the link's fields plus the corp the admin belongs to (simulator only). */
export const installFormSchema = installPageQuerySchema.extend({ corpid: filled() });

// ------------------------------------------------------------------------------- the table

export interface WeComRequestContract {
  readonly method: 'GET' | 'POST';
  /** Doc page of the request. */
  readonly doc: string;
  readonly query: z.ZodType;
  readonly body?: z.ZodType;
}

/** Every request dutybridge's WeComClient sends, by endpoint (the path after /cgi-bin/). */
export const weComRequestContracts = {
  gettoken: { method: 'GET', doc: `${WECOM_DOC_BASE}91039`, query: getTokenQuerySchema },
  'message/send': { method: 'POST', doc: `${WECOM_DOC_BASE}90236`, query: accessTokenQuerySchema, body: messageSendBodySchema },
  'message/update_template_card': { method: 'POST', doc: `${WECOM_DOC_BASE}94888`, query: accessTokenQuerySchema, body: updateTemplateCardBodySchema },
  'user/getuserid': { method: 'POST', doc: `${WECOM_DOC_BASE}95402`, query: accessTokenQuerySchema, body: userIdByMobileBodySchema },
  'user/get_userid_by_email': { method: 'POST', doc: `${WECOM_DOC_BASE}95895`, query: accessTokenQuerySchema, body: userIdByEmailBodySchema },
  'user/get': { method: 'GET', doc: `${WECOM_DOC_BASE}90196`, query: userGetQuerySchema },
  'appchat/create': { method: 'POST', doc: `${WECOM_DOC_BASE}90245`, query: accessTokenQuerySchema, body: appChatCreateBodySchema },
  'appchat/update': { method: 'POST', doc: `${WECOM_DOC_BASE}98913`, query: accessTokenQuerySchema, body: appChatUpdateBodySchema },
  'appchat/get': { method: 'GET', doc: `${WECOM_DOC_BASE}98914`, query: appChatGetQuerySchema },
  'appchat/send': { method: 'POST', doc: `${WECOM_DOC_BASE}90248`, query: accessTokenQuerySchema, body: appChatSendBodySchema },
} as const satisfies Record<string, WeComRequestContract>;

export type WeComContractEndpoint = keyof typeof weComRequestContracts;

/**
 * Every request a service provider's backend sends (suite*.ts checks them). A separate table: the
 * conformance test of the self-built WeComClient covers `weComRequestContracts` exactly.
 */
export const weComSuiteRequestContracts = {
  'service/get_provider_token': { method: 'POST', doc: `${WECOM_DOC_BASE}91200`, query: noTokenQuerySchema, body: getProviderTokenBodySchema },
  'service/get_suite_token': { method: 'POST', doc: `${WECOM_DOC_BASE}90600`, query: noTokenQuerySchema, body: getSuiteTokenBodySchema },
  'service/get_pre_auth_code': { method: 'GET', doc: `${WECOM_DOC_BASE}90601`, query: suiteTokenQuerySchema },
  'service/set_session_info': { method: 'POST', doc: `${WECOM_DOC_BASE}90602`, query: suiteTokenQuerySchema, body: setSessionInfoBodySchema },
  'service/v2/get_permanent_code': { method: 'POST', doc: `${WECOM_DOC_BASE}100776`, query: suiteTokenQuerySchema, body: getPermanentCodeBodySchema },
  'service/v2/get_auth_info': { method: 'POST', doc: `${WECOM_DOC_BASE}100779`, query: suiteTokenQuerySchema, body: corpCredentialBodySchema },
  'service/get_corp_token': { method: 'POST', doc: `${WECOM_DOC_BASE}90605`, query: suiteTokenQuerySchema, body: corpCredentialBodySchema },
  'service/corpid_to_opencorpid': { method: 'POST', doc: `${WECOM_DOC_BASE}97061`, query: providerTokenQuerySchema, body: corpIdToOpenCorpIdBodySchema },
  'service/auth/getuserinfo3rd': { method: 'GET', doc: `${WECOM_DOC_BASE}91121`, query: getUserInfo3rdQuerySchema },
  'license/get_app_license_info': { method: 'POST', doc: `${WECOM_DOC_BASE}95844`, query: providerTokenQuerySchema, body: appLicenseInfoBodySchema },
  'license/list_actived_account': { method: 'POST', doc: `${WECOM_DOC_BASE}95544`, query: providerTokenQuerySchema, body: listActivedAccountBodySchema },
} as const satisfies Record<string, WeComRequestContract>;

export type WeComSuiteContractEndpoint = keyof typeof weComSuiteRequestContracts;

export function isSuiteContractEndpoint(endpoint: string): endpoint is WeComSuiteContractEndpoint {
  return Object.prototype.hasOwnProperty.call(weComSuiteRequestContracts, endpoint);
}

export function isContractEndpoint(endpoint: string): endpoint is WeComContractEndpoint {
  return Object.prototype.hasOwnProperty.call(weComRequestContracts, endpoint);
}

export interface ContractViolation {
  /** The errcode WeCom documents for the first problem (40058 "不合法的参数" unless named otherwise). */
  readonly errcode: number;
  /** Every problem, `path: message`, for the call log. */
  readonly problems: string[];
}

interface FlatIssue {
  readonly path: string;
  readonly issue: z.core.$ZodIssue;
}

/** Union failures (update_template_card's two forms) are reported from the branch that came closest. */
function flatten(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): FlatIssue[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0]!;
      return flatten(closest, path);
    }
    return [{ path: path.map(String).join('.'), issue }];
  });
}

/**
 * Which documented errcode a problem gets: a custom one where the check names it (82001), 42014
 * "卡片消息的task_id不合法" for a bad task_id, 41002/41004 for a missing corpid/corpsecret, and
 * 40058 "不合法的参数" otherwise (DOC 90313). DOC 90313 also lists narrower template_card codes
 * (42027..42051); CHOICE: those are answered as 40058 (the docs do not say which one wins when
 * several match, and dutybridge treats all of them alike).
 */
/**
 * "缺少…参数" codes of the service-provider calls (DOC 90455: 006-附录/003-全局错误码.md). That table
 * also has 41021 "缺少suite_id参数" (get_suite_token, get_app_license_info) and 41002 "缺少corpid参数"
 * (get_provider_token, corpid_to_opencorpid, the license calls).
 * It lists "缺少secret参数" twice (41004 and 41024) without saying which call gives which: the
 * suite secret gets the third-party-range 41024, the provider secret the global 41004 (UNCONFIRMED).
 */
const missingCredentialErrcodes: Readonly<Record<'query' | 'body', Readonly<Record<string, number>>>> = {
  query: { suite_access_token: 41022 },
  body: { suite_id: 41021, corpid: 41002, suite_ticket: 41023, suite_secret: 41024, provider_secret: 41004, permanent_code: 41025, auth_corpid: 84054 },
};

function errcodeOf({ issue, path }: FlatIssue, part: 'query' | 'body', input: unknown): number {
  const custom = issue.code === 'custom' ? (issue.params as { errcode?: unknown } | undefined)?.errcode : undefined;
  if (typeof custom === 'number') return custom;
  if (part === 'body' && path === 'template_card.task_id') return 42014;
  // appchat: a missing chatid is 86201 "参数 需要chatid", missing members 86204 "参数 需要群成员" (DOC 90313).
  if (issue.code === 'invalid_type' && typeof input === 'object' && input !== null) {
    if (path === 'chatid' && !('chatid' in input)) return 86201;
    if (path === 'userlist' && !('userlist' in input)) return 86204;
  }
  if (part === 'query' && issue.code === 'invalid_type' && typeof input === 'object' && input !== null) {
    if (path === 'corpid' && !('corpid' in input)) return 41002;
    if (path === 'corpsecret' && !('corpsecret' in input)) return 41004;
  }
  // Service-provider calls: a missing credential has its own "缺少…参数" code (DOC 90455).
  if (issue.code === 'invalid_type' && typeof input === 'object' && input !== null && !(path in input)) {
    const missing = missingCredentialErrcodes[part][path];
    if (missing !== undefined) return missing;
  }
  return 40058;
}

/** Checks a query (as a plain object) or a JSON body against a contract; undefined when it conforms. */
export function contractViolation(schema: z.ZodType, input: unknown, part: 'query' | 'body'): ContractViolation | undefined {
  const result = schema.safeParse(input);
  if (result.success) return undefined;
  const issues = flatten(result.error.issues);
  const [first] = issues;
  return {
    errcode: first ? errcodeOf(first, part, input) : 40058,
    // "template_card.task_id is required …" for this file's own messages, "path: Invalid input …" for zod's.
    problems: issues.map(({ path, issue }) => {
      const where = part === 'query' ? `query.${path}` : path || '(body)';
      return /^[a-z]/.test(issue.message) ? `${where} ${issue.message}` : `${where}: ${issue.message}`;
    }),
  };
}
