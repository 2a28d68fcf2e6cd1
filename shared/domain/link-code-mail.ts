/**
 * The request for a one-time code mail (issue 11, 1(c)), as the linking pages put it on the
 * link-mail queue and send-link-code reads it. It carries no code: the worker draws the code,
 * stores its hash and mails it, so a code exists nowhere but in the mail (and a retry after a failed
 * send simply draws a fresh one: the latest code wins).
 */
import * as z from 'zod/mini';
import { integrationIdSchema } from './integration';
import { ONE_TIME_CODE_VALIDITY_MS } from './one-time-code';

/** A request older than this is useless (a code arriving after it would be expired): dropped and recorded. */
export const LINK_CODE_MAIL_MAX_AGE_MS = ONE_TIME_CODE_VALIDITY_MS;

export const linkCodeMailRequestSchema = z.object({
  integrationId: integrationIdSchema,
  /** The linking session (OneTimeCodes key): 1–200 printable ASCII characters. */
  sessionKey: z.string().check(z.regex(/^[\x21-\x7e]{1,200}$/, 'session key must be 1-200 printable ASCII characters')),
  email: z.string().check(z.maxLength(254), z.regex(/^[^\s@<>()[\]\\,;:"]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,}$/, 'not an email address')),
  language: z.enum(['zh', 'en']),
  /** When the person asked (epoch ms). */
  requestedAt: z.number().check(z.int(), z.positive()),
});
export type LinkCodeMailRequest = z.infer<typeof linkCodeMailRequestSchema>;

const TEXT = {
  zh: {
    subject: (code: string) => `账号关联验证码：${code}`,
    body: (code: string, minutes: number) => [`你的 dutybridge 账号关联验证码是 ${code}，${minutes} 分钟内有效，只能使用一次。`, '如果不是你本人操作，请忽略此邮件。'],
  },
  en: {
    subject: (code: string) => `Your account-linking code: ${code}`,
    body: (code: string, minutes: number) => [`Your dutybridge account-linking code is ${code}. It is valid for ${minutes} minutes and works once.`, 'If you did not ask for it, ignore this mail.'],
  },
} as const;

/** The code mail in the person's language first, then the other one (a shared mailbox may read either). */
export function linkCodeMail(code: string, language: 'zh' | 'en'): { subject: string; text: string } {
  const minutes = ONE_TIME_CODE_VALIDITY_MS / 60_000;
  const other = language === 'zh' ? 'en' : 'zh';
  return {
    subject: `${TEXT[language].subject(code)} / ${TEXT[other].subject(code)}`,
    text: [...TEXT[language].body(code, minutes), '', ...TEXT[other].body(code, minutes), ''].join('\n'),
  };
}
