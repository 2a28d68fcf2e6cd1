import { pendingOutcomeView } from '../../../shared/application/link-pending';

describe('pendingOutcomeView', () => {
  it('says what the pending click did, in the person’s language', () => {
    expect(pendingOutcomeView({ kind: 'transition', action: { kind: 'acknowledge' }, incidentId: 'INC-42', status: 'Processing', title: 't' }, 'en')).toEqual({
      applied: true,
      action: 'Start Processing',
      incident: 'INC-42',
      state: 'Processing',
    });
    expect(pendingOutcomeView({ kind: 'transition', action: { kind: 'snooze', minutes: 120 }, incidentId: 'INC-42', status: 'Snoozed', title: 't' }, 'zh')).toEqual({
      applied: true,
      action: '暂缓2小时',
      incident: 'INC-42',
      state: '已暂缓',
    });
    expect(pendingOutcomeView({ kind: 'already_applied', action: { kind: 'resolve' }, incidentId: 'INC-42' }, 'en')).toEqual({ applied: false, reason: 'Close was already applied to INC-42; it is not applied twice.' });
    expect(pendingOutcomeView({ kind: 'no_change', action: { kind: 'acknowledge' }, incidentId: 'INC-42', status: 'Closed', title: 't', reason: 'closed' }, 'en')).toEqual({
      applied: false,
      reason: 'INC-42 is Closed: Start Processing changed nothing.',
    });
    expect(pendingOutcomeView({ kind: 'not_yours' }, 'zh').applied).toBe(false);
    expect(pendingOutcomeView({ kind: 'expired' }, 'en')).toEqual({ applied: false, reason: 'The link from the card is older than 10 minutes; click the button on the card again.' });
  });
});
