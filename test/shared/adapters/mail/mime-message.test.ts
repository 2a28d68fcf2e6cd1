/**
 * The mailers' MIME composer: UTF-8 subjects and From names as RFC 2047 words within 75 characters
 * (never splitting a character), base64 bodies in lines of 76, CRLF line ends, an HTML alternative
 * when given. Read back with the simulator mailbox's parser.
 */
import { addressOf, composeMessage, encodeWords } from '../../../../shared/adapters/mail/mime-message';
import { parseMessage } from '../../../../sim/mail/mime';

it('keeps ASCII as is and encodes UTF-8 in words of at most 75 characters', () => {
  expect(encodeWords('Your code: 123456')).toBe('Your code: 123456');
  const subject = '账号关联验证码：123456 / Your account-linking code: 123456（十分钟内有效，只能使用一次）';
  const encoded = encodeWords(subject);
  const words = encoded.split('\r\n ');
  expect(words.length).toBeGreaterThan(1);
  for (const word of words) {
    expect(word).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=$/);
    expect(word.length).toBeLessThanOrEqual(75);
    // Each word decodes on its own to whole characters (no U+FFFD from a split sequence).
    expect(Buffer.from(word.slice(10, -2), 'base64').toString('utf8')).not.toContain('\uFFFD');
  }
});

it('composes a plain-text mail the mailbox parser reads back exactly', () => {
  const text = '你的验证码是 042917，10 分钟内有效。\nYour code is 042917.\n';
  const raw = composeMessage({ from: '值班桥 <noreply@example.com>', to: 'lina@example.com', subject: '验证码：042917 / code: 042917', text }, new Date(Date.UTC(2026, 11, 1, 5, 0, 0)));
  expect(raw).not.toMatch(/[^\r]\n/);
  for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
  expect(raw).toContain('Date: Tue, 01 Dec 2026 05:00:00 +0000');
  expect(raw).toMatch(/Message-ID: <[0-9a-f]{24}@example\.com>/);
  const parsed = parseMessage(Buffer.from(raw));
  expect(parsed.subject).toBe('验证码：042917 / code: 042917');
  expect(parsed.from).toBe('值班桥 <noreply@example.com>');
  expect(parsed.to).toBe('lina@example.com');
  expect(parsed.text).toBe(text.trimEnd());
  expect(parsed.html).toBeUndefined();
});

it('adds the HTML as a multipart/alternative part', () => {
  const raw = composeMessage({ from: 'noreply@example.com', to: 'a@example.com', subject: 's', text: 'plain 123456', html: '<p>html 123456</p>' });
  expect(raw).toMatch(/Content-Type: multipart\/alternative; boundary="([^"]+)"/);
  const parsed = parseMessage(Buffer.from(raw));
  expect(parsed.text).toBe('plain 123456');
  expect(parsed.html).toBe('<p>html 123456</p>');
  expect(parsed.from).toBe('noreply@example.com');
});

it('takes the envelope address out of a mailbox', () => {
  expect(addressOf('dutybridge <noreply@example.com>')).toBe('noreply@example.com');
  expect(addressOf('noreply@example.com')).toBe('noreply@example.com');
});
