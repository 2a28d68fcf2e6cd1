/**
 * A small cookie jar for driving pages by hand with fetch (redirects followed one by one): cookies
 * by name for one host (the gateway and the simulator share 127.0.0.1, as a browser would share
 * them across ports), Max-Age=0 deletes.
 */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const gone = attributes.some((a) => /^\s*max-age\s*=\s*0\s*$/i.test(a));
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1).trim());
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** One request with the jar's cookies; the answer's cookies are kept. No redirect is followed. */
  async fetch(url: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers ?? {}), ...(this.cookies.size ? { cookie: this.header() } : {}) } });
    this.store(response);
    return response;
  }

  /** Follows redirects by hand (at most 10); returns the last answer and the URLs visited. */
  async follow(url: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<{ response: Response; visited: string[] }> {
    const visited: string[] = [];
    let next = url;
    let options = init;
    for (let i = 0; i < 10; i++) {
      visited.push(next);
      const response = await this.fetch(next, options);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { response, visited };
      next = new URL(location, next).toString();
      options = { headers: init.headers ?? {} };
    }
    throw new Error(`too many redirects from ${url}`);
  }
}
