/**
 * Robot message templates of the new API (`msgKey` + `msgParam`, robot-message-type). msgParam
 * is a JSON *string* of at most 15000 bytes (the-robot-sends-a-group-message).
 */
import { newApiRejection } from './errors';
import { isRecord, utf8Length } from './util';

export const MSG_PARAM_MAX_BYTES = 15000;

const actionCardPairs = (count: number): string[] =>
  Array.from({ length: count }, (_, index) => [`actionTitle${index + 1}`, `actionURL${index + 1}`]).flat();

/** Fields each msgKey requires (robot-message-type). Media messages are not simulated. */
const requiredFields: Record<string, readonly string[]> = {
  sampleText: ['content'],
  sampleMarkdown: ['title', 'text'],
  sampleImageMsg: ['photoURL'],
  sampleLink: ['text', 'title', 'picUrl', 'messageUrl'],
  sampleActionCard: ['title', 'text', 'singleTitle', 'singleURL'],
  sampleActionCard2: ['title', 'text', ...actionCardPairs(2)],
  sampleActionCard3: ['title', 'text', ...actionCardPairs(3)],
  sampleActionCard4: ['title', 'text', ...actionCardPairs(4)],
  sampleActionCard5: ['title', 'text', ...actionCardPairs(5)],
  sampleActionCard6: ['title', 'text', 'buttonTitle1', 'buttonUrl1', 'buttonTitle2', 'buttonUrl2'],
};

export interface RobotMessageContent {
  readonly kind: 'text' | 'markdown';
  readonly text: string;
}

function render(msgKey: string, param: Record<string, string>): RobotMessageContent {
  switch (msgKey) {
    case 'sampleText':
      return { kind: 'text', text: param.content ?? '' };
    case 'sampleMarkdown':
      return { kind: 'markdown', text: param.text ?? '' };
    case 'sampleImageMsg':
      return { kind: 'markdown', text: `![image](${param.photoURL ?? ''})` };
    case 'sampleLink':
      return { kind: 'markdown', text: `[${param.title ?? ''}](${param.messageUrl ?? ''})\n${param.text ?? ''}` };
    default: {
      // Action cards: buttons only open URLs (no server callback), so they render as links.
      const links = Object.keys(param)
        .filter((key) => /^(singleTitle|actionTitle\d|buttonTitle\d)$/.test(key))
        .map((titleKey) => {
          const urlKey = titleKey.replace('singleTitle', 'singleURL').replace('actionTitle', 'actionURL').replace('buttonTitle', 'buttonUrl');
          return `[${param[titleKey]}](${param[urlKey] ?? ''})`;
        });
      return { kind: 'markdown', text: [`**${param.title ?? ''}**`, param.text ?? '', ...links].join('\n') };
    }
  }
}

/** Validates msgKey/msgParam of a robot send and renders what the recipients see. */
export function parseRobotMessage(msgKey: unknown, msgParam: unknown): RobotMessageContent {
  if (typeof msgKey !== 'string' || msgKey === '') {
    throw newApiRejection(400, 'MissingmsgKey', 'msgKey is mandatory for this action.', 'msgKey missing');
  }
  const required = requiredFields[msgKey];
  if (!required) {
    throw newApiRejection(400, 'invalidParameter.msgKey.invalid', '消息模板msgKey不合法', `msgKey "${msgKey}" is not a simulated robot template (${Object.keys(requiredFields).join(', ')})`);
  }
  if (typeof msgParam !== 'string') {
    throw newApiRejection(400, 'invalidParameter.msgParam.invalid', 'msgParam必须是JSON字符串', `msgParam must be a JSON string, got ${msgParam === null ? 'null' : typeof msgParam}`);
  }
  if (utf8Length(msgParam) > MSG_PARAM_MAX_BYTES) {
    throw newApiRejection(400, 'invalidParameter.msgParam.tooLong', 'msgParam超过长度限制', `msgParam is ${utf8Length(msgParam)} bytes (limit ${MSG_PARAM_MAX_BYTES})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(msgParam);
  } catch {
    throw newApiRejection(400, 'invalidParameter.msgParam.invalid', 'msgParam不是合法的JSON', 'msgParam is not valid JSON text');
  }
  if (!isRecord(parsed)) {
    throw newApiRejection(400, 'invalidParameter.msgParam.invalid', 'msgParam必须是JSON对象', 'msgParam must encode a JSON object');
  }
  const missing = required.filter((field) => typeof parsed[field] !== 'string' || parsed[field] === '');
  if (missing.length > 0) {
    throw newApiRejection(400, 'invalidParameter.msgParam.invalid', 'msgParam缺少必填字段', `msgParam for ${msgKey} lacks string field(s) ${missing.join(', ')}`);
  }
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) if (typeof value === 'string') strings[key] = value;
  return render(msgKey, strings);
}
