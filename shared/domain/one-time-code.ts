/**
 * One-time codes by email for account linking (issue 11, 1(c)): 6 digits, valid 10 minutes, at
 * most 5 tries, single use. Pure: the code is drawn here, stored hashed by the OneTimeCodes
 * adapter, and mailed with the bilingual text below.
 */
import { randomInt } from 'node:crypto';

export const ONE_TIME_CODE_DIGITS = 6;
export const ONE_TIME_CODE_VALIDITY_MS = 10 * 60_000;
export const ONE_TIME_CODE_MAX_TRIES = 5;

/** A fresh code: 6 decimal digits, uniformly drawn (crypto.randomInt has no modulo bias), leading zeros kept. */
export function generateOneTimeCode(): string {
  return String(randomInt(0, 10 ** ONE_TIME_CODE_DIGITS)).padStart(ONE_TIME_CODE_DIGITS, '0');
}

/** True for exactly 6 ASCII digits (what a person may type; anything else is refused before a try is spent). */
export function isOneTimeCodeFormat(value: string): boolean {
  return /^[0-9]{6}$/.test(value);
}

/** The mail carrying a code: short, Chinese then English, the validity and what to do if it was not you. */
export function oneTimeCodeMail(code: string): { subject: string; text: string } {
  const minutes = ONE_TIME_CODE_VALIDITY_MS / 60_000;
  return {
    subject: `dutybridge 验证码 / verification code: ${code}`,
    text: [
      `您的 dutybridge 账号关联验证码是：${code}`,
      `${minutes} 分钟内有效，仅可使用一次。如果这不是您本人的操作，请忽略此邮件。`,
      '',
      `Your dutybridge account linking code is: ${code}`,
      `It is valid for ${minutes} minutes and can be used once. If this wasn't you, ignore this email.`,
      '',
    ].join('\n'),
  };
}
