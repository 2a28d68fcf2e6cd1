/**
 * `events publish` checks an event's targets against the stack's integrations: unknown ids and
 * missing targets are warned about, naming the known integrations; `--strict` refuses (exit 2 as a
 * usage error) and nothing is sent; member events and events for known integrations pass quietly.
 */
import { checkEventTargets, guardEventTargets } from '../../cli/event-targets';
import { CliUsageError } from '../../cli/target';
import type { Integration } from '../../shared/domain/integration';

const repo = (ids: string[]) => ({ list: async () => ids.map((id) => ({ id }) as Integration) });
const event = (targets: { integrationId: string }[]) => ({ type: 'incident.triggered', incidentId: 'inc-1', targets });

describe('events publish: target check', () => {
  it('warns about each unknown integration, naming the known ones, and says whether the event will be applied', async () => {
    const warned: string[] = [];
    const mixed = await guardEventTargets(event([{ integrationId: 'demo-wecom' }, { integrationId: 'acme-wecom' }]), repo(['demo-wecom', 'demo-dingtalk']), { strict: false, where: 'local stack at X', warn: (l) => void warned.push(l) });
    expect(mixed).toHaveLength(1);
    expect(warned).toEqual([
      'dutybridge: warning: target integration "acme-wecom" is not an integration of local stack at X (known integrations: demo-dingtalk, demo-wecom); notify will record that target as dropped and deliver to the others',
    ]);
    const all = await checkEventTargets(event([{ integrationId: 'acme-wecom' }]), repo(['demo-wecom']));
    expect(all).toMatchObject({ unknown: ['acme-wecom'], allUnknown: true, noTargets: false });
  });

  it('refuses with --strict, and warns about an incident event without targets', async () => {
    await expect(guardEventTargets(event([{ integrationId: 'acme-wecom' }]), repo([]), { strict: true, where: 'X', warn: () => undefined })).rejects.toThrow(CliUsageError);
    await expect(guardEventTargets(event([{ integrationId: 'acme-wecom' }]), repo([]), { strict: true, where: 'X', warn: () => undefined })).rejects.toThrow(
      /not published \(--strict\): .*no integration is configured there.*not apply it/,
    );
    const warned: string[] = [];
    await guardEventTargets(event([]), repo(['demo-wecom']), { strict: false, where: 'X', warn: (l) => void warned.push(l) });
    expect(warned).toEqual(['dutybridge: warning: the event names no targets, so nobody gets a card (known integrations: demo-wecom)']);
  });

  it('says nothing for known targets and member events', async () => {
    const warned: string[] = [];
    const warn = (l: string) => void warned.push(l);
    await guardEventTargets(event([{ integrationId: 'demo-wecom' }]), repo(['demo-wecom']), { strict: true, where: 'X', warn });
    await guardEventTargets({ type: 'member.upserted', email: 'a@example.com', name: 'A' }, repo([]), { strict: true, where: 'X', warn });
    expect(warned).toEqual([]);
  });
});
