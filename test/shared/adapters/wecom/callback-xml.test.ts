import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCallbackEvent, parseEncryptedEnvelope, WeComXmlError } from '../../../../shared/adapters/wecom/callback-xml';

const vectors = JSON.parse(readFileSync(path.resolve(__dirname, '../../../fixtures/vectors/wecom.json'), 'utf8'));

describe('parseCallbackEvent', () => {
  it('keeps the 64-bit MsgId of the official vector exactly (it exceeds 2^53)', () => {
    const event = parseCallbackEvent(vectors.decryptMessage.plaintext);
    expect(event.msgId).toBe('4561255354251345929');
    expect(Number(event.msgId)).not.toBe(4561255354251345929n.toString());
    expect(event).toMatchObject({ msgType: 'text', fromUserName: 'mycreate', createTime: '1409659813', agentId: '218' });
  });

  it('returns SelectedItems and OptionIds as arrays even with a single element', () => {
    const one = parseCallbackEvent(
      '<xml><ToUserName>c</ToUserName><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType>' +
        '<Event>template_card_event</Event><SelectedItems><SelectedItem><QuestionKey>q</QuestionKey><OptionIds><OptionId>o1</OptionId></OptionIds></SelectedItem></SelectedItems></xml>',
    );
    expect(one.selectedItems).toEqual([{ questionKey: 'q', optionIds: ['o1'] }]);
    const none = parseCallbackEvent('<xml><ToUserName>c</ToUserName><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType></xml>');
    expect(none.selectedItems).toEqual([]);
  });

  it('keeps Chinese text and numeric-looking keys as exact strings', () => {
    const e = parseCallbackEvent(
      '<xml><ToUserName><![CDATA[c]]></ToUserName><FromUserName><![CDATA[张伟]]></FromUserName><CreateTime>0001</CreateTime><MsgType>event</MsgType><EventKey>007</EventKey></xml>',
    );
    expect(e).toMatchObject({ fromUserName: '张伟', createTime: '0001', eventKey: '007' });
  });

  it.each([
    ['a DOCTYPE', '<!DOCTYPE xml><xml><MsgType>event</MsgType></xml>'],
    ['an external entity', '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml>&x;</xml>'],
    ['a billion-laughs bomb', '<!DOCTYPE l [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><xml>&b;</xml>'],
    ['malformed XML', '<xml><MsgType>event</xml>'],
    ['a document without <xml> root', '<root><MsgType>event</MsgType></root>'],
    ['a missing required element', '<xml><ToUserName>c</ToUserName><CreateTime>1</CreateTime><MsgType>event</MsgType></xml>'],
    ['an oversized document', `<xml><Content>${'a'.repeat(65 * 1024)}</Content></xml>`],
  ])('refuses %s with WeComXmlError', (_name, xml) => {
    expect(() => parseCallbackEvent(xml)).toThrow(WeComXmlError);
  });
});

describe('parseEncryptedEnvelope', () => {
  it('reads Encrypt regardless of element order (the official sample puts it before AgentID)', () => {
    expect(parseEncryptedEnvelope(vectors.decryptMessage.postBody)).toMatchObject({ encrypt: vectors.decryptMessage.encrypt, agentId: '218' });
    expect(parseEncryptedEnvelope('<xml><AgentID>1</AgentID><Encrypt><![CDATA[abc]]></Encrypt></xml>').encrypt).toBe('abc');
  });

  it('refuses an envelope without Encrypt', () => {
    expect(() => parseEncryptedEnvelope('<xml><ToUserName>x</ToUserName></xml>')).toThrow('missing <Encrypt> element');
  });
});
