/**
 * No email address reaches a log line: the process logger hashes every email it would print
 * (message, attributes of the use cases' `record` sink such as actorEmail, persons, responders,
 * nested values, map keys, errors) into a stable `email#<8 hex>`.
 */
import { createHash } from 'node:crypto';
import { hashEmail, logger, redactEmails, redactEmailsInText } from '../../../shared/runtime/observability';

const EMAIL_IN_OUTPUT = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z]{2,}/;

/** The lines the process logger prints while `log` runs. */
function captured(log: () => void): string {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const errSpy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const level = logger.getLevelName();
  logger.setLogLevel('DEBUG');
  try {
    log();
  } finally {
    logger.setLogLevel(level);
    spy.mockRestore();
    errSpy.mockRestore();
  }
  return lines.join('');
}

describe('hashEmail', () => {
  it('is a stable SHA-256 prefix of the lower-cased address', () => {
    const expected = `email#${createHash('sha256').update('alice@example.com').digest('hex').slice(0, 8)}`;
    expect(hashEmail('alice@example.com', '')).toBe(expected);
    expect(hashEmail(' Alice@Example.COM ', '')).toBe(expected);
    expect(hashEmail('bob@example.com', '')).not.toBe(expected);
  });

  it('changes with the salt (LOG_EMAIL_HASH_SALT)', () => {
    expect(hashEmail('alice@example.com', 'pepper')).not.toBe(hashEmail('alice@example.com', ''));
    expect(hashEmail('alice@example.com', 'pepper')).toMatch(/^email#[0-9a-f]{8}$/);
  });

  it('replaces every address inside a text and leaves the rest', () => {
    expect(redactEmailsInText('no link for alice@example.com and bob.smith+ops@corp.example.cn; @here', '')).toBe(
      `no link for ${hashEmail('alice@example.com', '')} and ${hashEmail('bob.smith+ops@corp.example.cn', '')}; @here`,
    );
  });
});

describe('the process logger', () => {
  it('logs a record with emails (actorEmail, persons, responders, nested, map keys) without any email', () => {
    const out = captured(() =>
      logger.info('incident.transition by alice@example.com', {
        incidentId: 'inc-1',
        actorEmail: 'Alice@Example.com',
        persons: ['bob@example.com', 'carol@example.com'],
        responders: new Set(['dave@example.com']),
        target: { integrationId: 'acme-wecom', notLinked: ['erin@example.com'], byEmail: { 'frank@example.com': 'frank' } },
        links: new Map([['grace@example.com', { userId: 'grace' }]]),
      }),
    );
    expect(out).toContain('"incidentId":"inc-1"');
    expect(out).toContain('acme-wecom');
    expect(out).not.toMatch(EMAIL_IN_OUTPUT);
    for (const email of ['alice@example.com', 'bob@example.com', 'carol@example.com', 'dave@example.com', 'erin@example.com', 'frank@example.com', 'grace@example.com']) {
      expect(out).toContain(hashEmail(email));
    }
  });

  it('hashes emails in errors (message and stack) and in warn/error lines', () => {
    const out = captured(() => {
      logger.warn('member lookup failed', { error: new Error('no member henry@example.com') });
      logger.error('publish failed', new Error('actor ivan@example.com refused'));
    });
    expect(out).toContain('member lookup failed');
    expect(out).not.toMatch(EMAIL_IN_OUTPUT);
    expect(out).toContain(hashEmail('henry@example.com'));
    expect(out).toContain(hashEmail('ivan@example.com'));
  });

  it('redactEmails gives the same for sinks outside the logger', () => {
    expect(redactEmails({ actorEmail: 'alice@example.com', n: 1 })).toEqual({ actorEmail: hashEmail('alice@example.com'), n: 1 });
  });
});
