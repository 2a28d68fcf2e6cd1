import { dingTalkWarRoomUuid, memberChange, warRoomName, weComWarRoomChatId, WECOM_ROOM_NAME_MAX_CHARS, DINGTALK_ROOM_TITLE_MAX_CHARS } from '../../../shared/domain/war-room';
import { warRoomClosing, warRoomStatusLine, warRoomSummary, WAR_ROOM_MESSAGE_MAX_BYTES } from '../../../shared/domain/war-room-messages';
import type { Incident } from '../../../shared/domain/incident';
import { utf8ByteLength } from '../../../shared/domain/text-budget';

const incident: Incident = {
  incidentId: 'INC-42',
  version: 1,
  revision: 1,
  title: '数据库主库连接数过高，订单服务写入超时，影响华东区全部门店的收银与退款流程 🔥🔥',
  severity: 'Critical',
  description: 'x'.repeat(10_000),
  labels: {},
  responders: ['a@example.com'],
  targets: [],
  status: 'Processing',
  acknowledgedBy: { email: 'a@example.com', name: '张三', platform: 'wecom', userId: 'zhangsan' },
  triggeredAt: Date.UTC(2026, 11, 1),
  updatedAt: Date.UTC(2026, 11, 1),
};

describe('War Room ids', () => {
  it('the WeCom chatid is derived: the same for every attempt, [0-9a-zA-Z] and at most 32 characters (DOC-90245)', () => {
    const id = weComWarRoomChatId('acme', 'INC-42');
    expect(id).toBe(weComWarRoomChatId('acme', 'INC-42'));
    expect(id).toMatch(/^[0-9a-zA-Z]{1,32}$/);
    expect(weComWarRoomChatId('acme', 'INC-43')).not.toBe(id);
    expect(weComWarRoomChatId('other', 'INC-42')).not.toBe(id);
  });

  it('the DingTalk uuid is derived per integration and incident', () => {
    expect(dingTalkWarRoomUuid('d', 'INC-42')).toBe(dingTalkWarRoomUuid('d', 'INC-42'));
    expect(dingTalkWarRoomUuid('d', 'INC-42')).not.toBe(dingTalkWarRoomUuid('d', 'INC-43'));
  });
});

describe('War Room name', () => {
  it.each([
    ['wecom', WECOM_ROOM_NAME_MAX_CHARS],
    ['dingtalk', DINGTALK_ROOM_TITLE_MAX_CHARS],
  ] as const)('%s: cut to %i characters on a grapheme boundary, the incident id kept', (platform, max) => {
    const name = warRoomName(incident, platform);
    expect([...name].length).toBeLessThanOrEqual(max);
    expect(name.endsWith(' · INC-42')).toBe(true);
    expect(name).toContain('…');
    expect(name.startsWith('[Critical] 数据库')).toBe(true);
  });

  it('a short title is left whole', () => {
    expect(warRoomName({ ...incident, title: 'Disk full' }, 'wecom')).toBe('[Critical] Disk full · INC-42');
  });
});

describe('member changes', () => {
  it('invites the new, removes the gone, never the owner, no duplicates', () => {
    expect(memberChange(['owner', 'a', 'b'], ['owner', 'b', 'c', 'c'], 'owner')).toEqual({ add: ['c'], remove: ['a'] });
    expect(memberChange(['owner', 'a'], ['a'], 'owner')).toEqual({ add: [], remove: [] });
  });
});

describe('War Room messages', () => {
  it('the summary names status, assignee, who was not invited and why, within the markdown byte budget', () => {
    const summary = warRoomSummary(incident, { invited: ['a@example.com'], notInvited: [{ email: 'b@example.com', reason: 'not linked' }] });
    expect(summary.text).toContain('Processing');
    expect(summary.text).toContain('张三');
    expect(summary.text).toContain('b@example.com (not linked)');
    expect(utf8ByteLength(summary.text)).toBeLessThanOrEqual(WAR_ROOM_MESSAGE_MAX_BYTES);
  });

  it('status line and closing message', () => {
    expect(warRoomStatusLine({ ...incident, status: 'Closed', closedBy: { email: 'c@example.com' } }).text).toBe('**INC-42** is now Closed (已关闭) by c@example.com');
    expect(warRoomClosing(incident, 'dismissed').text).toContain('kept');
  });
});
