/**
 * Logs an operator can read (issue 12 item 6): one structured line per outcome with the incident
 * and integration, and no "No application metrics to publish" warning on invocations without metrics.
 */
import { logger, logOutcome, metrics, onOutcome } from '../../../shared/runtime/observability';

/** Everything the process prints (stdout, stderr, console) while `run` runs, at the given log level. */
function printed(run: () => void, level: 'DEBUG' | 'INFO' | 'WARN' = 'DEBUG'): string {
  const out: string[] = [];
  const push = (chunk: unknown) => {
    out.push(String(chunk));
    return true;
  };
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(push),
    jest.spyOn(process.stderr, 'write').mockImplementation(push),
    jest.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => void push(a.join(' '))),
    jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void push(a.join(' '))),
  ];
  const previous = logger.getLevelName();
  logger.setLogLevel(level);
  try {
    run();
  } finally {
    logger.setLogLevel(previous);
    for (const s of spies) s.mockRestore();
  }
  return out.join('');
}

describe('metrics', () => {
  it('publishing without application metrics prints no warning', () => {
    const text = printed(() => metrics.publishStoredMetrics());
    expect(text).not.toMatch(/No application metrics to publish/);
  });

  it("the metrics utility's other warnings still reach the logger", () => {
    const text = printed(() => metrics.addDimension('', 'x'));
    expect(text).toMatch(/The dimension {2}doesn't meet the requirements|dimension .*doesn't meet the requirements/);
  });
});

describe('logOutcome', () => {
  it('prints one JSON line with message, source, outcome, incidentId and integrationId', () => {
    const text = printed(() => logOutcome({ source: 'dispatch', message: 'DingTalk call dispatched', outcome: 'sent', incidentId: 'inc-1', integrationId: 'acme-ding', kind: 'robot.oToMessages.batchSend' }), 'INFO');
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ level: 'INFO', message: 'DingTalk call dispatched', source: 'dispatch', outcome: 'sent', incidentId: 'inc-1', integrationId: 'acme-ding' });
  });

  it('hands every outcome to the listeners, also when the log level hides it, until unsubscribed', () => {
    const seen: string[] = [];
    const off = onOutcome((o) => seen.push(`${o.source} ${o.outcome} ${o.incidentId}`));
    printed(() => logOutcome({ source: 'notify', message: 'incident event processed', outcome: 'applied', incidentId: 'inc-2' }), 'WARN');
    off();
    printed(() => logOutcome({ source: 'notify', message: 'incident event processed', outcome: 'applied', incidentId: 'inc-3' }), 'WARN');
    expect(seen).toEqual(['notify applied inc-2']);
  });

  it('a listener that throws does not break the function', () => {
    const off = onOutcome(() => {
      throw new Error('console gone');
    });
    expect(() => printed(() => logOutcome({ source: 'notify', message: 'm', outcome: 'applied' }), 'WARN')).not.toThrow();
    off();
  });
});
