/** One-time code generation (6 digits, uniform, leading zeros kept), its format check and the bilingual mail. */
import { generateOneTimeCode, isOneTimeCodeFormat, oneTimeCodeMail } from '../../../shared/domain/one-time-code';

it('draws 6-digit codes covering every digit in every position', () => {
  const seen = Array.from({ length: 6 }, () => new Set<string>());
  for (let i = 0; i < 2000; i++) {
    const code = generateOneTimeCode();
    expect(code).toMatch(/^[0-9]{6}$/);
    [...code].forEach((digit, position) => seen[position].add(digit));
  }
  for (const digits of seen) expect(digits.size).toBe(10);
});

it('accepts exactly 6 ASCII digits', () => {
  expect(isOneTimeCodeFormat('012345')).toBe(true);
  for (const bad of ['12345', '1234567', '12345a', ' 123456', '１２３４５６', '']) expect(isOneTimeCodeFormat(bad)).toBe(false);
});

it('mails the code in Chinese and English with its validity and what to do if it was not you', () => {
  const { subject, text } = oneTimeCodeMail('042042');
  expect(subject).toContain('042042');
  expect(text).toContain('验证码是：042042');
  expect(text).toContain('10 分钟内有效');
  expect(text).toContain('请忽略');
  expect(text).toContain('code is: 042042');
  expect(text).toContain('valid for 10 minutes');
  expect(text).toContain("If this wasn't you, ignore this email.");
});
