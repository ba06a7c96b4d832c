// Shared shape of the security suite: each finding is a table of scenarios
// `{ name, actor, request, expected }` run against the real site (DESIGN.md §7).
import { inject } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { LANGUAGE_COOKIE } from "../../src/i18n/routing.ts";

/** One attack: who tries it, what they send, and what they must observe. */
export type Scenario<R = RequestInit & { path: string }, E = { status: number; contains?: string[]; lacks?: string[] }> = {
  name: string;
  actor: string;
  request: R;
  expected: E;
};

/** The site's base URL for this run. */
export const baseUrl = (): string => inject("baseUrl");

/** A minimal cookie jar for one actor (real HTTP, no browser). */
export class Client {
  cookies = new Map<string, string>();
  readonly base: string;
  constructor(base: string = baseUrl()) {
    this.base = base;
  }

  /**
   * Sends a request with this client's cookies and remembers the ones set. Follows no redirect but
   * one, as a browser would: an old unprefixed page URL's 302 to the same page under a language
   * prefix (issue 12 §3), so a scenario about `/dashboard` judges the page itself. Pass
   * `redirect: "manual"` to see that 302 too.
   */
  async fetch(pathOrUrl: string, init: RequestInit = {}): Promise<Response> {
    const res = await this.fetchOnce(pathOrUrl, init);
    if (init.redirect === "manual" || res.status !== 302) return res;
    const asked = new URL(pathOrUrl, this.base);
    const location = res.headers.get("location") ?? "";
    if (!/^\/(en|fr|nl)\//.test(location) || location.slice(3) !== `${asked.pathname}${asked.search}`) return res;
    await res.arrayBuffer();
    return this.fetchOnce(location, init);
  }

  private async fetchOnce(pathOrUrl: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    if (init.method && init.method !== "GET" && !headers.has("origin")) headers.set("origin", this.base);
    const res = await fetch(pathOrUrl.startsWith("http") ? pathOrUrl : this.base + pathOrUrl, { ...init, headers, redirect: "manual" });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(";")[0] ?? "";
      const i = pair.indexOf("=");
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      if (value === "" || /max-age=0/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** Posts an HTML form (urlencoded or multipart when a FormData is given). */
  async form(path: string, fields: Record<string, string> | FormData, extra: RequestInit = {}): Promise<Response> {
    const body = fields instanceof FormData ? fields : new URLSearchParams(fields);
    return this.fetch(path, { method: "POST", body, ...extra });
  }

  /**
   * Signs in through the real sign-in form; throws unless the site answers with a redirect. Pages
   * then come in English whatever the member's setting (demo members have fr and nl): the
   * switcher's cookie, unless the test chose a language already.
   */
  async signIn(email: string, password = DEMO_PASSWORD): Promise<this> {
    if (!this.cookies.has(LANGUAGE_COOKIE)) this.cookies.set(LANGUAGE_COOKIE, "en");
    const res = await this.form("/signin?_action=signIn", { email, password });
    if (res.status !== 302 && res.status !== 303) throw new Error(`sign-in of ${email} answered ${res.status}`);
    return this;
  }
}
