// A browser as the login tests need one: cookies kept per host:port, redirects followed by hand (so
// that each hop's cookies are set), forms and JSON sent as a page would.
/** A browser's cookies, per host:port. */
export class Browser {
  private jar = new Map<string, Map<string, string>>();

  cookie(url: string, name: string): string | undefined {
    return this.jar.get(new URL(url).host)?.get(name);
  }

  async request(
    url: string,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string>; json?: unknown } = {},
  ) {
    const host = new URL(url).host;
    const cookies = [...(this.jar.get(host) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: {
        ...(cookies && { cookie: cookies }),
        ...(init.form && { 'content-type': 'application/x-www-form-urlencoded' }),
        ...(init.json !== undefined && { 'content-type': 'application/json' }),
        ...init.headers,
      },
      ...(init.form && { body: new URLSearchParams(init.form).toString() }),
      ...(init.json !== undefined && { body: JSON.stringify(init.json) }),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at).trim();
      const value = pair!.slice(at + 1).trim();
      const jar = this.jar.get(host) ?? new Map<string, string>();
      const expired = attributes.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
      this.jar.set(host, jar);
    }
    return res;
  }

  /** Follows redirects (303/302) from `url` until an answer that is not one; returns it and its URL. */
  async follow(url: string, init: Parameters<Browser['request']>[1] = {}) {
    let res = await this.request(url, init);
    let at = url;
    for (let hops = 0; res.status >= 300 && res.status < 400; hops++) {
      if (hops > 10) throw new Error(`more than 10 redirects from ${url}`);
      at = new URL(res.headers.get('location')!, at).href;
      res = await this.request(at);
    }
    return { res, url: at };
  }
}

/**
 * Logs in as a browser does: from `path` of the service through the provider's login form and back.
 * Returns the browser (with its session cookie) and the page it landed on.
 */
export async function logInAt(base: string, path: string, email: string, password: string) {
  const browser = new Browser();
  const form = await browser.follow(`${base}${path}`);
  const html = await form.res.text();
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error(`no login form at ${form.url}: ${html.slice(0, 200)}`);
  const done = await browser.follow(new URL(action, form.url).href, { method: 'POST', form: { email, password } });
  return { browser, landed: done };
}
