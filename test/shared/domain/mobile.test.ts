import { comparableMobile, maskMobile } from '../../../shared/domain/mobile';

describe('comparableMobile', () => {
  it.each([
    ['+86-13800000000', '13800000000'],
    ['13800000000', '13800000000'],
    ['+86 138 0000 0000', '13800000000'],
    ['8613800000000', '13800000000'],
    ['+1-5551234567', '+15551234567'],
    ['0044 20 7946 0958', '+442079460958'],
  ])('%s → %s', (input, expected) => expect(comparableMobile(input)).toBe(expected));

  it('tells different numbers apart', () => expect(comparableMobile('+86-13800000001')).not.toBe(comparableMobile('13800000000')));
});

describe('maskMobile', () => {
  it('keeps the first 3 and last 4 digits', () => {
    expect(maskMobile('+86-13812345678')).toBe('138****5678');
    expect(maskMobile('12345')).toBe('*****');
  });
});
