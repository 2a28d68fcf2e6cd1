import { ConfigurationError, readPublicApiUrl } from '../../../shared/config/runtime-config';

describe('readPublicApiUrl (PUBLIC_API_URL)', () => {
  it('is undefined when unset or blank', () => {
    expect(readPublicApiUrl({})).toBeUndefined();
    expect(readPublicApiUrl({ PUBLIC_API_URL: '  ' })).toBeUndefined();
  });

  it('returns the base URL without trailing slashes', () => {
    expect(readPublicApiUrl({ PUBLIC_API_URL: 'https://abc123.execute-api.eu-west-1.amazonaws.com' })).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com');
    expect(readPublicApiUrl({ PUBLIC_API_URL: 'https://oncall.example.com/api//' })).toBe('https://oncall.example.com/api');
    expect(readPublicApiUrl({ PUBLIC_API_URL: 'http://127.0.0.1:8787/' })).toBe('http://127.0.0.1:8787');
  });

  it.each(['oncall.example.com', 'ftp://example.com', 'https://example.com/?x=1', 'https://example.com/#top', 'https://user:pw@example.com'])('refuses %s', (value) => {
    expect(() => readPublicApiUrl({ PUBLIC_API_URL: value })).toThrow(ConfigurationError);
  });
});
