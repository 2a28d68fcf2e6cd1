import { InvalidOutgoingCallError, digestTargetsOf, parseOutgoingCall } from '../../../shared/domain/outgoing-call';

const base = { integrationId: 'ding-main', idempotencyKey: 'card:inc-1:1', severity: 'Critical', summary: 'P1 DB down' };

describe('outgoing call contract', () => {
  it('parses each kind and fills defaults', () => {
    const card = parseOutgoingCall({
      ...base,
      kind: 'dingtalk.createAndDeliver',
      payload: { outTrackId: 'inc-1', cardTemplateId: 'tpl', cardParamMap: { title: 'x' }, targets: [{ type: 'group', openConversationId: 'cid1' }, { type: 'user', userId: 'alice' }] },
    });
    expect(digestTargetsOf(card)).toHaveLength(2);
    const update = parseOutgoingCall(JSON.stringify({ ...base, kind: 'dingtalk.updateCard', payload: { outTrackId: 'inc-1', cardParamMap: { status: 'Closed' } } }));
    expect(update.kind === 'dingtalk.updateCard' && update.payload.updateByKey).toBe(true);
    expect(digestTargetsOf(update)).toEqual([]);
    const group = parseOutgoingCall({ ...base, kind: 'dingtalk.groupMessage', payload: { openConversationId: 'cid1', coolAppCode: 'COOL', msgKey: 'sampleText', msgParam: '{"content":"x"}' } });
    expect(digestTargetsOf(group)).toEqual([{ type: 'group', openConversationId: 'cid1', coolAppCode: 'COOL' }]);
    const oto = parseOutgoingCall({ ...base, kind: 'dingtalk.oneToOneMessage', payload: { userIds: ['a', 'b'], msgKey: 'sampleText', msgParam: '{"content":"x"}' } });
    expect(digestTargetsOf(oto)).toEqual([{ type: 'user', userId: 'a' }, { type: 'user', userId: 'b' }]);
  });

  it('refuses bad messages with plain issues', () => {
    const cases: unknown[] = [
      'not json',
      { ...base, kind: 'dingtalk.nope', payload: {} },
      { ...base, severity: 'P1', kind: 'dingtalk.updateCard', payload: { outTrackId: 'x' } },
      { ...base, kind: 'dingtalk.createAndDeliver', payload: { outTrackId: 'x', cardTemplateId: 't', cardParamMap: { a: 1 }, targets: [{ type: 'group', openConversationId: 'c' }] } },
      { ...base, kind: 'dingtalk.createAndDeliver', payload: { outTrackId: 'x', cardTemplateId: 't', cardParamMap: {}, targets: [] } },
      { ...base, kind: 'dingtalk.oneToOneMessage', payload: { userIds: Array.from({ length: 21 }, (_, i) => `u${i}`), msgKey: 'k', msgParam: '{}' } },
    ];
    for (const input of cases) {
      expect(() => parseOutgoingCall(input)).toThrow(InvalidOutgoingCallError);
    }
    try {
      parseOutgoingCall({ ...base, idempotencyKey: '', kind: 'dingtalk.updateCard', payload: { outTrackId: 'x' } });
    } catch (error) {
      expect((error as InvalidOutgoingCallError).issues.join(' ')).toContain('idempotencyKey');
    }
  });
});
