import { formatMappingCsv, parseCsv, parseMappingCsv } from '../../../shared/domain/mapping-table';

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, CRLF and a BOM', () => {
    const { records, problems } = parseCsv('\uFEFFa,b\r\n"x,y","say ""hi"""\r\n\r\n"multi\nline",z\n');
    expect(problems).toEqual([]);
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x,y', 'say "hi"'] },
      { line: 4, fields: ['multi\nline', 'z'] },
    ]);
  });

  it('reports an unclosed quote and text after a closing quote at their lines', () => {
    expect(parseCsv('a,b\n"x"y,z\n').problems).toEqual([{ line: 2, problem: expect.stringContaining('after a closing quote') }]);
    expect(parseCsv('a,b\nc,"open\nd,e\n').problems).toEqual([{ line: 2, problem: expect.stringContaining('not closed') }]);
  });
});

describe('parseMappingCsv', () => {
  it('takes rows with or without the header, lower-cases emails, trims unquoted cells', () => {
    expect(parseMappingCsv('email,wecom_userid\nAlice@Example.com, alice\n"bob@example.com","Bob.W"\n')).toEqual({
      ok: true,
      rows: [
        { email: 'alice@example.com', userId: 'alice' },
        { email: 'bob@example.com', userId: 'Bob.W' },
      ],
    });
    expect(parseMappingCsv('\uFEFFcarol@example.com,carol\r\n')).toEqual({ ok: true, rows: [{ email: 'carol@example.com', userId: 'carol' }] });
    expect(parseMappingCsv('')).toEqual({ ok: true, rows: [] });
  });

  it('lists every bad row and duplicate (ignoring case) with its line, and keeps nothing', () => {
    const long = 'u'.repeat(65);
    const text = [
      'email,wecom_userid',
      'alice@example.com,alice',
      'not-an-email,bob',
      'carol@example.com,',
      `dave@example.com,${long}`,
      'ALICE@example.com,alice2',
      'erin@example.com,erin,extra',
      `${'e'.repeat(250)}@x.com,ok`,
      'frank@example.com,fr ank',
      'gina@example.com,张三',
    ].join('\n');
    const result = parseMappingCsv(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(result.problems[0].problem).toBe('"not-an-email" is not an email address');
    expect(result.problems[1].problem).toBe('the WeCom userid is empty');
    expect(result.problems[2].problem).toMatch(/is not a WeCom userid \(1–64 bytes/);
    expect(result.problems[3].problem).toBe('alice@example.com is already on line 2 (emails are compared ignoring case)');
    expect(result.problems[4].problem).toBe('3 fields; each row is email,wecom_userid');
    expect(result.problems[5].problem).toMatch(/at most 254 characters/);
  });

  it('accepts a 64-byte userid and an email of 254 characters', () => {
    const email = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;
    expect(email.length).toBe(254);
    const result = parseMappingCsv(`${email},${'u'.repeat(64)}`);
    expect(result.ok).toBe(true);
  });

  it('round-trips through formatMappingCsv', () => {
    const rows = [
      { email: 'a@example.com', userId: 'a' },
      { email: 'b@example.com', userId: 'b.b' },
    ];
    expect(parseMappingCsv(formatMappingCsv(rows))).toEqual({ ok: true, rows });
  });
});
