import { constructIdFor } from '../../lib/naming';

describe('constructIdFor', () => {
  it.each([
    ['state', 'State'],
    ['incident-events', 'IncidentEvents'],
    ['incident-actions.fifo', 'IncidentActionsFifo'],
    ['process-inbound', 'ProcessInbound'],
    ['wecom-callback', 'WecomCallback'],
  ])('%s → %s', (definitionId, expected) => {
    expect(constructIdFor(definitionId)).toBe(expected);
  });
});
