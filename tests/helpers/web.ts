/**
 * A browser-like client for the web pages over real HTTP: a cookie jar,
 * manual redirects, the Origin header on POSTs, and forms sent with the
 * CSRF token taken from the page, as a browser would.
 */
import type { TestInstance } from "./instance.ts";

export interface Page {
  status: number;
  url: URL;
  html: string;
  headers: Headers;
}

export class WebClient {
  readonly cookies = new Map<string, string>();
  /** Set-Cookie headers as received, for checking attributes. */
  readonly setCookies: string[] = [];

  constructor(readonly instance: TestInstance) {}

  private remember(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      this.setCookies.push(line);
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "";
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private cookieHeader(): Record<string, string> {
    if (this.cookies.size === 0) return {};
    return { Cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") };
  }

  /** One request, no redirect following. */
  async raw(method: string, path: string | URL, init: { body?: URLSearchParams | FormData; headers?: Record<string, string> } = {}) {
    const url = new URL(path, this.instance.url);
    const res = await fetch(url, {
      method,
      redirect: "manual",
      headers: {
        Accept: "text/html",
        ...this.cookieHeader(),
        ...(init.body instanceof URLSearchParams ? { "Content-Type": "application/x-www-form-urlencoded" } : {}),
        ...init.headers,
      },
      body: init.body,
    });
    this.remember(res);
    return res;
  }

  /** Follows redirects (303 → GET) like a browser; returns the final page. */
  async request(method: string, path: string | URL, init: { body?: URLSearchParams | FormData; headers?: Record<string, string> } = {}): Promise<Page> {
    let url = new URL(path, this.instance.url);
    let res = await this.raw(method, url, init);
    for (let hops = 0; res.status >= 300 && res.status < 400 && hops < 5; hops++) {
      url = new URL(res.headers.get("location")!, url);
      res = await this.raw("GET", url);
    }
    return { status: res.status, url, html: await res.text(), headers: res.headers };
  }

  get(path: string): Promise<Page> {
    return this.request("GET", path);
  }

  /** POSTs a form as a browser on this origin would, with the token from `from` (a page or its HTML). */
  post(action: string, fields: Record<string, string>, from?: string, headers: Record<string, string> = {}) {
    const body = new URLSearchParams(fields);
    if (from != null && !("_csrf" in fields)) body.set("_csrf", csrfToken(from));
    return this.request("POST", action, { body, headers: { Origin: this.instance.url.origin, ...headers } });
  }

  /** POSTs a multipart form (files included), as a browser sends a form with `enctype="multipart/form-data"`. */
  postMultipart(action: string, form: FormData, from: string) {
    if (!form.has("_csrf")) form.set("_csrf", csrfToken(from));
    return this.request("POST", action, { body: form, headers: { Origin: this.instance.url.origin } });
  }

  /** Opens `pagePath`, then sends the form found there (any form with that action). */
  async submit(pagePath: string, action: string, fields: Record<string, string>): Promise<Page> {
    const page = await this.get(pagePath);
    if (!page.html.includes(`action="${action}"`)) throw new Error(`no form posting to ${action} on ${pagePath}`);
    return await this.post(action, fields, page.html);
  }

  async signUp(username: string, displayName = username, extra: Record<string, string> = {}): Promise<Page> {
    const page = await this.submit("/signup", "/signup", {
      username,
      display_name: displayName,
      password: `${username} has a long password`,
      age: "yes",
      consent: "yes",
      ...extra,
    });
    return page;
  }
}

export function csrfToken(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error("no CSRF token on the page");
  return match[1];
}

/** Text content, roughly: tags removed, entities left. */
export function text(html: string): string {
  return html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");
}
