import { isSuiteErrcode, suiteErrcodes } from '../../../shared/domain/wecom-suite-errcodes';
import { weComErrorFromErrcode } from '../../../shared/adapters/wecom/errors';

class FakeFailure extends Error {
  constructor(readonly errcode: unknown) {
    super('failed');
  }
}

describe('suiteErrcodes', () => {
  it('names the service-provider codes the use cases act on', () => {
    expect(suiteErrcodes).toEqual({
      notAuthorized: 48001,
      authCodeUsed: 40078,
      authorizationCancelled: [40084, 48004],
      ticketRejected: 40085,
      suiteTokenRejected: [40082, 42009],
      licenseNotActivated: 701099,
      allRecipientsInvalid: 81013,
    });
  });
});

describe('isSuiteErrcode', () => {
  it('matches a single code', () => {
    expect(isSuiteErrcode(new FakeFailure(48001), suiteErrcodes.notAuthorized)).toBe(true);
    expect(isSuiteErrcode(new FakeFailure(48002), suiteErrcodes.notAuthorized)).toBe(false);
  });

  it('matches any of a list of codes', () => {
    expect(isSuiteErrcode(new FakeFailure(40084), suiteErrcodes.authorizationCancelled)).toBe(true);
    expect(isSuiteErrcode(new FakeFailure(48004), suiteErrcodes.authorizationCancelled)).toBe(true);
    expect(isSuiteErrcode(new FakeFailure(42009), suiteErrcodes.authorizationCancelled)).toBe(false);
    expect(isSuiteErrcode(new FakeFailure(42009), suiteErrcodes.suiteTokenRejected)).toBe(true);
    expect(isSuiteErrcode(new FakeFailure(40085), [])).toBe(false);
  });

  it('works on the adapter errors without importing them in the domain', () => {
    expect(isSuiteErrcode(weComErrorFromErrcode('service/get_corp_token', 48004, 'invalid auth'), suiteErrcodes.authorizationCancelled)).toBe(true);
    expect(isSuiteErrcode(weComErrorFromErrcode('service/get_suite_token', 40085, 'invalid ticket'), suiteErrcodes.ticketRejected)).toBe(true);
  });

  it('is false for non-errors and for errcodes that are missing or not numbers', () => {
    expect(isSuiteErrcode({ errcode: 48001 }, 48001)).toBe(false);
    expect(isSuiteErrcode(48001, 48001)).toBe(false);
    expect(isSuiteErrcode(undefined, 48001)).toBe(false);
    expect(isSuiteErrcode(new Error('no code'), 48001)).toBe(false);
    expect(isSuiteErrcode(new FakeFailure('48001'), 48001)).toBe(false);
    expect(isSuiteErrcode(new FakeFailure(undefined), [48001])).toBe(false);
  });
});
