/** The outgoing-im contract for War Room scene groups and the template robot's group messages. */
import { digestTargetsOf, parseOutgoingCall, InvalidOutgoingCallError, SCENE_GROUP_MEMBERS_PER_CALL } from '../../../shared/domain/outgoing-call';

const envelope = { integrationId: 'ding-main', idempotencyKey: 'warroom:create:ding-main:inc-1', severity: 'Critical', summary: 'War Room', incidentId: 'inc-1' };
const create = (payload: Record<string, unknown>) => ({ ...envelope, kind: 'dingtalk.sceneGroupCreate', payload: { title: 'INC-1 DB down', templateId: 'tpl', ownerUserId: 'alice', userIds: ['bob'], uuid: 'warroom-inc-1', ...payload } });
const members = (kind: string, userIds: unknown) => ({ ...envelope, kind, payload: { openConversationId: 'cid1==', userIds } });
const issuesOf = (input: unknown): readonly string[] => {
  try {
    parseOutgoingCall(input);
    return [];
  } catch (error) {
    if (error instanceof InvalidOutgoingCallError) return error.issues;
    throw error;
  }
};

describe('scene-group calls on the outgoing-im queue', () => {
  it('parses a create with its uuid, and refuses a missing uuid, a long title or an empty owner', () => {
    const call = parseOutgoingCall(JSON.stringify(create({})));
    expect(call).toMatchObject({ kind: 'dingtalk.sceneGroupCreate', payload: { uuid: 'warroom-inc-1', userIds: ['bob'] } });
    expect(parseOutgoingCall(create({ userIds: [] })).kind).toBe('dingtalk.sceneGroupCreate');
    expect(issuesOf(create({ uuid: undefined }))).toEqual([expect.stringMatching(/^payload\.uuid/)]);
    expect(issuesOf(create({ title: '一'.repeat(31) }))).toEqual([expect.stringMatching(/^payload\.title/)]);
    expect(issuesOf(create({ ownerUserId: '' }))).toEqual([expect.stringMatching(/^payload\.ownerUserId/)]);
  });

  it('member add/remove take 1..100 userIds (the documented per-call maximum)', () => {
    const hundred = Array.from({ length: SCENE_GROUP_MEMBERS_PER_CALL }, (_, i) => `u${i}`);
    for (const kind of ['dingtalk.sceneGroupAddMembers', 'dingtalk.sceneGroupRemoveMembers']) {
      expect(parseOutgoingCall(members(kind, hundred)).kind).toBe(kind);
      expect(issuesOf(members(kind, [...hundred, 'one-more']))).toEqual([expect.stringMatching(/^payload\.userIds/)]);
      expect(issuesOf(members(kind, []))).toEqual([expect.stringMatching(/^payload\.userIds/)]);
      expect(issuesOf(members(kind, 'bob,carol'))).toEqual([expect.stringMatching(/^payload\.userIds/)]);
    }
  });

  it('a group message may name its robot; such a message and the group calls have no digest targets', () => {
    const message = { ...envelope, kind: 'dingtalk.groupMessage', payload: { openConversationId: 'cid1==', msgKey: 'sampleMarkdown', msgParam: '{"title":"t","text":"x"}' } };
    expect(digestTargetsOf(parseOutgoingCall(message))).toEqual([{ type: 'group', openConversationId: 'cid1==' }]);
    const fromTemplateRobot = parseOutgoingCall({ ...message, payload: { ...message.payload, robotCode: 'tplRobot' } });
    expect(fromTemplateRobot).toMatchObject({ payload: { robotCode: 'tplRobot' } });
    expect(digestTargetsOf(fromTemplateRobot)).toEqual([]);
    expect(digestTargetsOf(parseOutgoingCall(create({})))).toEqual([]);
    expect(digestTargetsOf(parseOutgoingCall(members('dingtalk.sceneGroupAddMembers', ['bob'])))).toEqual([]);
  });
});
