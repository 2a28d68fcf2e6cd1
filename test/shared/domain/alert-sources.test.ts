import {
  alertRouteSchema,
  alertRoutesSchema,
  alertSourceSchema,
  compileLabelRegex,
  DEFAULT_SEVERITY_MAP,
  LabelRegexError,
  routeAlert,
  type AlertRoute,
} from '../../../shared/domain/alert-sources';

const route = (input: Record<string, unknown>): AlertRoute => alertRouteSchema.parse(input);
const target = (integrationId: string, persons: string[] = [], groups: string[] = [], bots: string[] = []) => ({ integrationId, persons, groups, bots });

describe('alertRouteSchema', () => {
  it('fills defaults: no responders, no continue, empty target lists', () => {
    expect(route({ match: { team: 'db' }, targets: [{ integrationId: 'wecom-1' }] })).toEqual({
      match: { team: 'db' },
      targets: [target('wecom-1')],
      responders: [],
      continue: false,
    });
  });

  it('accepts a route with responders and no targets, refuses one with neither', () => {
    expect(alertRouteSchema.safeParse({ responders: ['a@example.com'] }).success).toBe(true);
    const empty = alertRouteSchema.safeParse({ match: { team: 'db' } });
    expect(empty.success).toBe(false);
    expect(empty.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['targets', 'a route needs at least one target or responder']]);
  });

  it('refuses regexes that do not compile, that RE2 would refuse, or that are too long, naming the label', () => {
    const bad = alertRouteSchema.safeParse({ matchRe: { a: '(unclosed', b: '(?=look)x', c: 'x'.repeat(257), d: 'db-.*' }, responders: ['a@example.com'] });
    expect(bad.success).toBe(false);
    const byPath = Object.fromEntries(bad.error!.issues.map((i) => [i.path.join('.'), i]));
    expect(Object.keys(byPath).sort()).toEqual(['matchRe.a', 'matchRe.b', 'matchRe.c']);
    expect(byPath['matchRe.a']!.message).toMatch(/^regex does not compile/);
    expect(byPath['matchRe.b']!.message).toMatch(/lookaround or a backreference/);
    expect(byPath['matchRe.c']!.code).toBe('too_big');
  });

  it('allows at most 100 routes', () => {
    const one = { responders: ['a@example.com'] };
    expect(alertRoutesSchema.safeParse(Array.from({ length: 100 }, () => one)).success).toBe(true);
    expect(alertRoutesSchema.safeParse(Array.from({ length: 101 }, () => one)).success).toBe(false);
  });
});

describe('alertSourceSchema', () => {
  const minimal = { id: 'prom-prod', kind: 'alertmanager', secretName: 'dutybridge/alert-source/prom-prod', createdAt: '2025-01-01T00:00:00Z' };

  it('fills the defaults', () => {
    const source = alertSourceSchema.parse(minimal);
    expect(source).toEqual({ ...minimal, auth: 'bearer', grouping: 'group', severityLabel: 'severity', severityMap: DEFAULT_SEVERITY_MAP, defaultSeverity: 'Warning', routes: [] });
    expect(source.severityMap).toEqual({ critical: 'Critical', page: 'Critical', error: 'Critical', high: 'Critical', warning: 'Warning', warn: 'Warning', medium: 'Warning', info: 'Info', low: 'Info', none: 'Info' });
    // Each record gets its own map: changing one never changes the defaults.
    source.severityMap.critical = 'Info';
    expect(alertSourceSchema.parse(minimal).severityMap.critical).toBe('Critical');
  });

  it('refuses bad ids, upper-case severity keys, unknown severities and non-http Alertmanager URLs', () => {
    for (const bad of [
      { ...minimal, id: 'Prom' },
      { ...minimal, id: 'a'.repeat(64) },
      { ...minimal, kind: 'zabbix' },
      { ...minimal, severityMap: { P1: 'Critical' } },
      { ...minimal, severityMap: { p1: 'Urgent' } },
      { ...minimal, alertmanagerUrl: 'ftp://am:9093' },
      { ...minimal, grouping: 'rule' },
      { ...minimal, name: 'n'.repeat(129) },
    ]) {
      expect(alertSourceSchema.safeParse(bad).success).toBe(false);
    }
    expect(alertSourceSchema.parse({ ...minimal, alertmanagerUrl: 'http://alertmanager:9093', auth: 'hmac', grouping: 'fingerprint' }).alertmanagerUrl).toBe('http://alertmanager:9093');
  });
});

describe('compileLabelRegex', () => {
  it('anchors the whole value, as Alertmanager does', () => {
    const regex = compileLabelRegex('web-.*');
    expect(regex.test('web-1')).toBe(true);
    expect(regex.test('old-web-1')).toBe(false);
    // Alternatives are anchored as a whole: `a|b` must not match "ab" or "xa".
    const either = compileLabelRegex('a|b');
    expect(['a', 'b', 'ab', 'xa'].map((v) => either.test(v))).toEqual([true, true, false, false]);
  });

  it('turns a leading (?i) into a case-insensitive match', () => {
    expect(compileLabelRegex('(?i)critical').test('CRITICAL')).toBe(true);
    expect(compileLabelRegex('critical').test('CRITICAL')).toBe(false);
  });

  it('throws a LabelRegexError for regexes it refuses', () => {
    expect(() => compileLabelRegex('[')).toThrow(LabelRegexError);
    expect(() => compileLabelRegex('(a)\\1')).toThrow(/backreference/);
  });
});

describe('routeAlert', () => {
  const routes = [
    route({ match: { team: 'db' }, matchRe: { env: 'prod|staging' }, targets: [target('wecom-1', ['dba@example.com'], ['chat-db'])], responders: ['dba@example.com'], continue: true }),
    route({ matchRe: { severity: 'critical|page' }, targets: [target('wecom-1', ['oncall@example.com', 'dba@example.com'], [], ['ops-bot']), target('ding-1', [], ['cid-1'])], responders: ['oncall@example.com', 'dba@example.com'] }),
    route({ match: { team: 'web' }, targets: [target('ding-1', ['web@example.com'])] }),
    route({ targets: [target('wecom-2', [], ['chat-catch-all'])] }),
  ];

  it('stops at the first match without continue', () => {
    expect(routeAlert({ team: 'web', severity: 'warning' }, routes)).toEqual({ targets: [target('ding-1', ['web@example.com'])], responders: [] });
  });

  it('keeps collecting after a continue route, merging targets per integration and responders, in order and without duplicates', () => {
    expect(routeAlert({ team: 'db', env: 'prod', severity: 'critical' }, routes)).toEqual({
      targets: [target('wecom-1', ['dba@example.com', 'oncall@example.com'], ['chat-db'], ['ops-bot']), target('ding-1', [], ['cid-1'])],
      responders: ['dba@example.com', 'oncall@example.com'],
    });
  });

  it('matches a regex against the whole value and treats a missing label as the empty string', () => {
    // env "production" is not matched by prod|staging (anchored): falls to the catch-all.
    expect(routeAlert({ team: 'db', env: 'production' }, routes)).toEqual({ targets: [target('wecom-2', [], ['chat-catch-all'])], responders: [] });
    const needsEmpty = [route({ match: { env: '' }, responders: ['a@example.com'] })];
    expect(routeAlert({}, needsEmpty)?.responders).toEqual(['a@example.com']);
    expect(routeAlert({ env: 'prod' }, needsEmpty)).toBeUndefined();
    expect(routeAlert({}, [route({ matchRe: { env: '.*' }, responders: ['b@example.com'] })])?.responders).toEqual(['b@example.com']);
  });

  it('gives undefined when nothing matches, and never reads labels from the object prototype', () => {
    expect(routeAlert({ team: 'web' }, routes.slice(0, 2))).toBeUndefined();
    expect(routeAlert({ team: 'web' }, [])).toBeUndefined();
    const proto = [route({ matchRe: { constructor: '.+' }, responders: ['a@example.com'] })];
    expect(routeAlert({}, proto)).toBeUndefined();
    expect(routeAlert({ constructor: 'x' }, proto)?.responders).toEqual(['a@example.com']);
  });

  it('clips a merged result to the incident event limits (50 targets)', () => {
    const many = Array.from({ length: 3 }, (_, r) =>
      route({ targets: Array.from({ length: 30 }, (_, i) => target(`int-${r}-${i}`)), continue: true }),
    );
    const routed = routeAlert({}, many);
    expect(routed?.targets).toHaveLength(50);
    expect(routed?.targets[49]?.integrationId).toBe('int-1-19');
  });
});
