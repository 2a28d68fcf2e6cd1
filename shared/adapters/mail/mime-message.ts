/**
 * A small MIME composer for the mailers' one kind of mail: plain text (and optionally HTML) in
 * UTF-8, base64-encoded, with an RFC 2047 encoded subject and From name. nodemailer's own composer
 * brings its MIME type tables (~75 KB) and every transport (~210 KB in all), more than a Lambda
 * bundle may carry (≤ 300 KB); the SMTP conversation itself is nodemailer's SMTPConnection.
 * Inputs are checked by checkMailMessage (no CR/LF in headers) before they get here.
 */
import { randomBytes } from 'node:crypto';

/** `Name <a@b>` or `a@b` → the address alone (the SMTP envelope's MAIL FROM). */
export function addressOf(mailbox: string): string {
  const match = /<([^<>\s]+)>\s*$/.exec(mailbox);
  return (match ? match[1] : mailbox).trim();
}

/** RFC 2047 encoded words (B encoding), each at most 75 characters, never splitting a character. */
export function encodeWords(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  const words: string[] = [];
  let chunk = '';
  for (const char of value) {
    // 45 bytes of UTF-8 make 60 base64 characters: `=?UTF-8?B?` + 60 + `?=` = 72 ≤ 75.
    if (Buffer.byteLength(chunk + char) > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  if (chunk) words.push(chunk);
  return words.map((word) => `=?UTF-8?B?${Buffer.from(word, 'utf8').toString('base64')}?=`).join('\r\n ');
}

/** The From header: a non-ASCII display name encoded, the address as is. */
function fromHeader(from: string): string {
  const match = /^\s*"?([^"<>]*?)"?\s*<([^<>\s]+)>\s*$/.exec(from);
  if (!match || !match[1]) return addressOf(from);
  return `${/^[\x20-\x7e]*$/.test(match[1]) ? `"${match[1].replace(/["\\]/g, '')}"` : encodeWords(match[1])} <${match[2]}>`;
}

function base64Lines(text: string): string {
  return (Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8').toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}

function part(type: 'plain' | 'html', content: string): string {
  return [`Content-Type: text/${type}; charset=utf-8`, 'Content-Transfer-Encoding: base64', '', base64Lines(content)].join('\r\n');
}

/** The whole message, CRLF line ends, ready for SMTP DATA. */
export function composeMessage(message: { from: string; to: string; subject: string; text: string; html?: string }, now = new Date()): string {
  const domain = addressOf(message.from).split('@')[1] ?? 'localhost';
  const headers = [
    `From: ${fromHeader(message.from)}`,
    `To: ${message.to}`,
    `Subject: ${encodeWords(message.subject)}`,
    `Date: ${now.toUTCString().replace(/GMT$/, '+0000')}`,
    `Message-ID: <${randomBytes(12).toString('hex')}@${domain}>`,
    'MIME-Version: 1.0',
  ];
  if (message.html === undefined) return [...headers, part('plain', message.text), ''].join('\r\n');
  const boundary = `----=_dutybridge_${randomBytes(12).toString('hex')}`;
  return [
    ...headers,
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    part('plain', message.text),
    `--${boundary}`,
    part('html', message.html),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}
