/**
 * Hardened parsing of WeCom callback XML (the outer envelope and the decrypted event).
 * - DOCTYPE/ENTITY declarations are refused before parsing: no entity expansion, no XXE.
 * - Values stay strings: MsgId and other 64-bit ids exceed 2^53 (WeCom §8 pitfall 6).
 * - SelectedItems/SelectedItem and OptionIds/OptionId are always arrays, even with one element.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { BadRequestError } from '../../domain/errors';
import type { WeComCallbackXml } from '../../application/ports';
import type { WeComCallbackEvent } from '../../domain/inbound';

/** Decrypted callback XML larger than this is not something WeCom sends. */
export const MAX_CALLBACK_XML_BYTES = 64 * 1024;

const alwaysArrays = new Set(['xml.SelectedItems.SelectedItem', 'xml.SelectedItems.SelectedItem.OptionIds.OptionId']);

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true, // only the five predefined XML entities: DTDs are rejected below
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (_name, jpath) => alwaysArrays.has(String(jpath)),
});

export class WeComXmlError extends BadRequestError {
  constructor(message: string) {
    super('invalid_xml', message);
    this.name = 'WeComXmlError';
  }
}

type XmlNode = Record<string, unknown>;

export function parseWeComXml(xml: string): XmlNode {
  if (Buffer.byteLength(xml, 'utf8') > MAX_CALLBACK_XML_BYTES) throw new WeComXmlError('XML document is too large');
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new WeComXmlError('DTDs and entity declarations are not accepted');
  if (XMLValidator.validate(xml) !== true) throw new WeComXmlError('body is not well-formed XML');
  let doc: XmlNode;
  try {
    doc = parser.parse(xml) as XmlNode;
  } catch {
    throw new WeComXmlError('body is not well-formed XML');
  }
  const root = doc.xml;
  if (!root || typeof root !== 'object' || Array.isArray(root)) throw new WeComXmlError('missing <xml> root element');
  return root as XmlNode;
}

function text(node: XmlNode, name: string): string | undefined {
  const v = node[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new WeComXmlError(`<${name}> must be a text element`);
}

/** The outer POST envelope: `<xml><ToUserName/><Encrypt/><AgentID/></xml>` (element order varies). */
export function parseEncryptedEnvelope(xml: string): { encrypt: string; toUserName?: string; agentId?: string } {
  const root = parseWeComXml(xml);
  const encrypt = text(root, 'Encrypt');
  if (!encrypt) throw new WeComXmlError('missing <Encrypt> element');
  return { encrypt, toUserName: text(root, 'ToUserName'), agentId: text(root, 'AgentID') };
}

/** A decrypted message or event (DOC-90240 event format). */
export function parseCallbackEvent(xml: string): WeComCallbackEvent {
  const root = parseWeComXml(xml);
  const required = (name: string): string => {
    const v = text(root, name);
    if (v === undefined || v === '') throw new WeComXmlError(`missing <${name}> element`);
    return v;
  };
  const selected = root.SelectedItems as XmlNode | undefined;
  const selectedItems = ((selected?.SelectedItem as XmlNode[] | undefined) ?? []).map((item) => ({
    questionKey: text(item, 'QuestionKey') ?? '',
    optionIds: (((item.OptionIds as XmlNode | undefined)?.OptionId as unknown[] | undefined) ?? []).map(String),
  }));
  return {
    msgType: required('MsgType'),
    event: text(root, 'Event'),
    toUserName: required('ToUserName'),
    fromUserName: required('FromUserName'),
    createTime: required('CreateTime'),
    msgId: text(root, 'MsgId'),
    agentId: text(root, 'AgentID'),
    eventKey: text(root, 'EventKey'),
    taskId: text(root, 'TaskId'),
    cardType: text(root, 'CardType'),
    responseCode: text(root, 'ResponseCode'),
    changeType: text(root, 'ChangeType'),
    selectedItems,
  };
}

/** The WeComCallbackXml port over the two parsers above. */
export const weComCallbackXml: WeComCallbackXml = { parseEnvelope: parseEncryptedEnvelope, parseEvent: parseCallbackEvent };

/**
 * A flat event (the suite's command events, DOC-90613): every text child of `<xml>` by name.
 * Nested elements are left out; none of the command events dutybridge reads has any.
 */
export function parseFlatXml(xml: string): Record<string, string | undefined> {
  const root = parseWeComXml(xml);
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(root)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[name] = String(value);
  }
  return out;
}
