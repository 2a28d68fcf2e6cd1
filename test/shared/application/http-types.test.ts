import { parseQueryOnce, requireParams } from '../../../shared/application/http-types';
import { BadRequestError } from '../../../shared/domain/errors';

describe('parseQueryOnce', () => {
  it('decodes each value exactly once and never turns + into a space', () => {
    const q = parseQueryOnce('echostr=P9nA%2FqYX3%2B4R%3D%3D&raw=a+b&double=%252B');
    expect(q.get('echostr')).toBe('P9nA/qYX3+4R==');
    expect(q.get('raw')).toBe('a+b');
    expect(q.get('double')).toBe('%2B');
  });

  it('keeps the first of repeated names and tolerates empty parts', () => {
    const q = parseQueryOnce('a=1&&a=2&b');
    expect(q.get('a')).toBe('1');
    expect(q.get('b')).toBe('');
  });

  it('rejects malformed percent-encoding with a 400', () => {
    expect(() => parseQueryOnce('a=%E0%A4%A')).toThrow(BadRequestError);
  });
});

describe('requireParams', () => {
  it('names every missing or empty parameter', () => {
    expect(() => requireParams(parseQueryOnce('a=1&b='), ['a', 'b', 'c'])).toThrow('missing query parameter(s): b, c');
    expect(requireParams(parseQueryOnce('a=1'), ['a'])).toEqual({ a: '1' });
  });
});
