import { filterLinkedUsers, joinLinkedUsers } from '../../../shared/domain/linked-users';

const members = [
  { email: 'Alice@example.com', name: 'Alice Chen', mobile: '+86-13800000004' },
  { email: 'bob@example.com', name: 'Bob Li', mobile: '+86-13900001111' },
  { email: 'lina@example.com', name: '李娜' },
];
const links = [
  { email: 'alice@example.com', userId: 'AliceC', linkedAt: Date.parse('2026-01-02T03:04:05Z'), method: 'one_click' as const },
  { email: 'gone@example.com', userId: 'gone', linkedAt: 0 },
];

describe('joinLinkedUsers', () => {
  it('lists every member with its link, then links of non-members, masked mobiles, how (admin when unknown)', () => {
    const rows = joinLinkedUsers(members, links);
    expect(rows.map((r) => [r.email, r.name, r.mobile, r.userId, r.linkedAt, r.how, r.member])).toEqual([
      ['alice@example.com', 'Alice Chen', '138****0004', 'AliceC', '2026-01-02T03:04:05.000Z', 'one_click', true],
      ['bob@example.com', 'Bob Li', '139****1111', undefined, undefined, undefined, true],
      ['gone@example.com', '', '', 'gone', '1970-01-01T00:00:00.000Z', 'admin', false],
      ['lina@example.com', '李娜', '', undefined, undefined, undefined, true],
    ]);
  });
});

describe('filterLinkedUsers', () => {
  const rows = joinLinkedUsers(members, links);
  const emails = (filter: Parameters<typeof filterLinkedUsers>[1]) => filterLinkedUsers(rows, filter).map((r) => r.email);
  it('--linked and --unlinked', () => {
    expect(emails({ linked: true })).toEqual(['alice@example.com', 'gone@example.com']);
    expect(emails({ unlinked: true })).toEqual(['bob@example.com', 'lina@example.com']);
  });
  it('--search matches name, email, userid (any case) and mobile digits, not the masked text', () => {
    expect(emails({ search: 'CHEN' })).toEqual(['alice@example.com']);
    expect(emails({ search: 'alicec' })).toEqual(['alice@example.com']);
    expect(emails({ search: '李' })).toEqual(['lina@example.com']);
    expect(emails({ search: 'BOB@' })).toEqual(['bob@example.com']);
    expect(emails({ search: '00004' })).toEqual(['alice@example.com']);
    expect(emails({ search: '139-0000' })).toEqual(['bob@example.com']);
    expect(emails({ search: '****' })).toEqual([]);
    expect(emails({ search: 'nobody' })).toEqual([]);
    expect(emails({ search: 'li', unlinked: true })).toEqual(['bob@example.com', 'lina@example.com']);
    expect(emails({ search: 'li', linked: true })).toEqual(['alice@example.com']);
  });
});
