import { formatOutcome, isVerbose } from '../../local/verbose';

it('verbose is asked for with --verbose, npm start --verbose (npm_config_loglevel) or DUTYBRIDGE_VERBOSE=1; off by default', () => {
  expect(isVerbose([], {})).toBe(false);
  expect(isVerbose(['--verbose'], {})).toBe(true);
  expect(isVerbose([], { npm_config_loglevel: 'verbose' })).toBe(true);
  expect(isVerbose([], { npm_config_loglevel: 'notice' })).toBe(false);
  expect(isVerbose([], { DUTYBRIDGE_VERBOSE: '1' })).toBe(true);
});

it('one line per outcome: time, function, what, outcome, incident, integration, details; emails hashed', () => {
  const at = new Date('2026-11-22T02:05:09Z');
  expect(formatOutcome({ source: 'notify', message: 'incident event processed', outcome: 'applied', incidentId: 'inc-1', integrationId: ['acme-wecom', 'acme-ding'], type: 'incident.triggered' }, at)).toBe(
    '02:05:09 notify           incident event processed: applied  incident=inc-1 integration=acme-wecom,acme-ding type=incident.triggered',
  );
  expect(formatOutcome({ source: 'wecom-callback', message: 'callback handled', outcome: 'enqueued', integrationId: 'acme', status: 200, nested: { a: 1 } }, at)).toBe(
    '02:05:09 wecom-callback   callback handled: enqueued  integration=acme status=200',
  );
  const line = formatOutcome({ source: 'notify', message: 'member upserted', outcome: 'member_upserted', who: 'alice@example.com' }, at);
  expect(line).not.toContain('alice@example.com');
  expect(line).toMatch(/who=email#[0-9a-f]{8}$/);
});
