// Language prefixes (issue 12 §3) must not open redirects or reach what the unprefixed path
// would not: `/` redirects only to /<language>/, the switcher's `next` stays on this site, and
// prefixed paths that read as another host, hide slashes or aim at the API are a plain 404.
import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { FORM_TEXT_BYTES } from "../../src/lib/limits.ts";
import { SECURITY_HEADERS } from "../../src/lib/server/headers.ts";
import { Client, baseUrl, type Scenario } from "./scenarios.ts";

/** A GET with the path sent exactly as written (fetch would resolve `..` and `\` before sending). */
function rawGet(path: string, headers: Record<string, string> = {}): Promise<{ status: number; location: string | undefined; body: string }> {
  const { hostname, port } = new URL(baseUrl());
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: "GET", headers }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const firstVisit: Scenario<{ headers: Record<string, string>; query?: string }, { location: string }>[] = [
  { name: "French browser", actor: "visitor", request: { headers: { "accept-language": "fr-BE,fr;q=0.9" } }, expected: { location: "/fr/" } },
  { name: "Dutch browser", actor: "visitor", request: { headers: { "accept-language": "nl-BE" } }, expected: { location: "/nl/" } },
  { name: "unknown language", actor: "visitor", request: { headers: { "accept-language": "de-DE" } }, expected: { location: "/en/" } },
  {
    name: "cookie beats the browser",
    actor: "visitor",
    request: { headers: { "accept-language": "fr-BE", cookie: "casebook_lang=nl" } },
    expected: { location: "/nl/" },
  },
  {
    name: "a cookie holding a URL is ignored",
    actor: "phisher",
    request: { headers: { "accept-language": "fr-BE", cookie: "casebook_lang=//evil.example" } },
    expected: { location: "/fr/" },
  },
  {
    name: "the query is kept behind the prefix",
    actor: "visitor",
    request: { headers: { "accept-language": "nl" }, query: "?page=2" },
    expected: { location: "/nl/?page=2" },
  },
  { name: "a query cannot become a host", actor: "phisher", request: { headers: {}, query: "?//evil.example" }, expected: { location: "/en/?//evil.example" } },
];

describe("first visit to /", () => {
  it.each(firstVisit)("$name: 302 to $expected.location, varying on Accept-Language and Cookie", async ({ request: r, expected }) => {
    const res = await new Client().fetch(`/${r.query ?? ""}`, { headers: r.headers, redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(expected.location);
    expect(res.headers.get("vary")).toBe("Accept-Language, Cookie");
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(res.headers.get("content-security-policy")).toBe(SECURITY_HEADERS["content-security-policy"]);
    expect(new URL(expected.location, baseUrl()).origin).toBe(new URL(baseUrl()).origin);
  });
});

const confusions: Scenario<{ path: string }, { status: number }>[] = [
  { name: "protocol-relative after the prefix", actor: "phisher", request: { path: "/fr//evil.example/phish" }, expected: { status: 404 } },
  { name: "backslash after the prefix", actor: "phisher", request: { path: "/fr/\\evil.example" }, expected: { status: 404 } },
  { name: "encoded slashes", actor: "phisher", request: { path: "/fr/%2F%2Fevil.example" }, expected: { status: 404 } },
  { name: "encoded backslash", actor: "phisher", request: { path: "/nl/%5Cevil.example" }, expected: { status: 404 } },
  { name: "encoded dot-dot-slash", actor: "phisher", request: { path: "/fr/..%2Fadmin/users" }, expected: { status: 404 } },
  { name: "the API under a prefix", actor: "scraper", request: { path: "/fr/api/search?q=sepsis" }, expected: { status: 404 } },
  { name: "the health check under a prefix", actor: "scraper", request: { path: "/nl/healthz" }, expected: { status: 404 } },
  { name: "Astro's action endpoint under a prefix", actor: "phisher", request: { path: "/nl/_actions/signIn" }, expected: { status: 404 } },
  { name: "two prefixes", actor: "visitor", request: { path: "/fr/nl/search" }, expected: { status: 404 } },
];

describe("path confusion under a language prefix", () => {
  it.each(confusions)("$name ($request.path): $expected.status, no redirect", async ({ request: r, expected }) => {
    const res = await rawGet(r.path);
    expect(res.status).toBe(expected.status);
    expect(res.location).toBeUndefined();
    expect(res.body).not.toContain('rel="alternate"');
  });

  it("dot segments resolve before the prefix is read: /fr/../admin/users is /admin/users, which refuses a visitor as before", async () => {
    const viaDots = await rawGet("/fr/../admin/users");
    const direct = await rawGet("/admin/users");
    expect(viaDots.status).toBe(direct.status);
    expect(viaDots.location).toBe(direct.location);
    expect(direct.status).not.toBe(200);
  });
});

const switcherNext: Scenario<{ next: string }, { location: string }>[] = [
  { name: "protocol-relative", actor: "phisher", request: { next: "//evil.example/phish" }, expected: { location: "/nl/" } },
  { name: "backslash", actor: "phisher", request: { next: "/%5Cevil.example" }, expected: { location: "/nl/" } },
  { name: "encoded //", actor: "phisher", request: { next: "%2F%2Fevil.example" }, expected: { location: "/nl/" } },
  { name: "absolute URL", actor: "phisher", request: { next: "https%3A%2F%2Fevil.example%2F" }, expected: { location: "/nl/" } },
  { name: "javascript:", actor: "phisher", request: { next: "javascript:alert(1)" }, expected: { location: "/nl/" } },
  { name: "a prefixed confusion", actor: "phisher", request: { next: "/fr//evil.example" }, expected: { location: "/nl/" } },
  { name: "a page with its query", actor: "visitor", request: { next: "%2Fsearch%3Fq%3Dsepsis" }, expected: { location: "/nl/search?q=sepsis" } },
  { name: "a page in another language", actor: "visitor", request: { next: "%2Ffr%2Fsearch%3Fq%3Dval" }, expected: { location: "/nl/search?q=val" } },
];

describe("the language switcher", () => {
  it.each(switcherNext)("$name: Location $expected.location", async ({ request: r, expected }) => {
    const res = await new Client().fetch(`/language/nl?next=${r.next}`);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(expected.location);
  });

  it("remembers the choice in a SameSite=Lax cookie for the whole site (not Secure on plain-HTTP loopback only)", async () => {
    const res = await new Client().fetch("/language/fr?next=/about");
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith("casebook_lang="));
    expect(cookie).toBeDefined();
    const attributes = (cookie ?? "").split(";").map((p) => p.trim().toLowerCase());
    expect(attributes[0]).toBe("casebook_lang=fr");
    expect(attributes).toContain("path=/");
    expect(attributes).toContain("samesite=lax");
    expect(attributes.some((a) => a.startsWith("max-age="))).toBe(true);
    expect(attributes).not.toContain("secure");
  });

  it("an unknown language is a 404 and sets nothing", async () => {
    const res = await new Client().fetch("/language/de?next=/about");
    expect(res.status).toBe(404);
    expect(res.headers.getSetCookie()).toEqual([]);
  });
});

describe("forms under a prefix keep their protections", () => {
  it("signing in through /fr/signin works like /signin", async () => {
    const res = await new Client().form("/fr/signin?_action=signIn", { email: "member@casebook.example", password: DEMO_PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.getSetCookie().some((c) => c.startsWith("casebook_session="))).toBe(true);
  });

  it("a cross-site POST to a prefixed page is refused", async () => {
    const res = await new Client().form(
      "/fr/signin?_action=signIn",
      { email: "member@casebook.example", password: DEMO_PASSWORD },
      {
        headers: { origin: "https://evil.example" },
      },
    );
    expect(res.status).toBe(403);
  });

  it("the body limit of the page behind the prefix applies", async () => {
    const res = await new Client().fetch("/nl/signin?_action=signIn", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `email=${"a".repeat(FORM_TEXT_BYTES + 10)}`,
    });
    expect(res.status).toBe(413);
  });
});

describe("a member's language setting", () => {
  it("decides where / goes, and saving it replaces an older switcher choice", async () => {
    const member = await new Client().signIn("editor.vendor@casebook.example");
    // An earlier switcher choice (Dutch) outranks the setting (English) and the browser (French)…
    member.cookies.set("casebook_lang", "nl");
    expect((await member.fetch("/", { headers: { "accept-language": "fr-BE" }, redirect: "manual" })).headers.get("location")).toBe("/nl/");
    try {
      // …until the member saves a setting, from a page in any language.
      const saved = await member.form("/nl/account?_action=updateProfile", { name: "Pieter Baetsleer", locale: "fr" });
      expect(saved.status).toBeLessThan(400);
      expect(member.cookies.get("casebook_lang")).toBe("fr");
      expect((await member.fetch("/", { headers: { "accept-language": "nl-BE" }, redirect: "manual" })).headers.get("location")).toBe("/fr/");
      // Without any cookie, the setting alone decides.
      member.cookies.delete("casebook_lang");
      expect((await member.fetch("/", { headers: { "accept-language": "nl-BE" }, redirect: "manual" })).headers.get("location")).toBe("/fr/");
    } finally {
      await member.form("/account?_action=updateProfile", { name: "Pieter Baetsleer", locale: "en" });
    }
  });
});

// Old unprefixed URLs (issue 12 §3): a GET of a page without a prefix goes to the same page and
// query in the visitor's language, never anywhere else; files, the API and form posts are untouched.
const oldUrls: Scenario<{ path: string; headers: Record<string, string> }, { location: string }>[] = [
  {
    name: "a search from a bookmark",
    actor: "visitor",
    request: { path: "/search?q=val&outcome=failure", headers: { "accept-language": "nl-BE" } },
    expected: { location: "/nl/search?q=val&outcome=failure" },
  },
  {
    name: "a post",
    actor: "visitor",
    request: { path: "/posts/chest-xray-triage-worklist", headers: { "accept-language": "fr-BE" } },
    expected: { location: "/fr/posts/chest-xray-triage-worklist" },
  },
  {
    name: "an editorial page, switcher cookie first",
    actor: "visitor",
    request: { path: "/about", headers: { "accept-language": "fr-BE", cookie: "casebook_lang=nl" } },
    expected: { location: "/nl/about" },
  },
  {
    name: "an old mail's verification link keeps its token",
    actor: "member",
    request: { path: "/verify?token=abc.def", headers: { "accept-language": "nl" } },
    expected: { location: "/nl/verify?token=abc.def" },
  },
  { name: "an old mail's reset link", actor: "member", request: { path: "/reset?token=abc", headers: {} }, expected: { location: "/en/reset?token=abc" } },
  {
    name: "an unknown page (404 in the visitor's language)",
    actor: "visitor",
    request: { path: "/no-such-page", headers: { "accept-language": "fr" } },
    expected: { location: "/fr/no-such-page" },
  },
  { name: "an unknown language code is only a path", actor: "visitor", request: { path: "/xx/search", headers: {} }, expected: { location: "/en/xx/search" } },
  {
    name: "a query naming another host stays a query",
    actor: "phisher",
    request: { path: "/signin?next=//evil.example", headers: {} },
    expected: { location: "/en/signin?next=//evil.example" },
  },
];

describe("old unprefixed page URLs redirect to the visitor's language", () => {
  it.each(oldUrls)("$name: 302 to $expected.location", async ({ request: r, expected }) => {
    const res = await new Client().fetch(r.path, { headers: r.headers, redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(expected.location);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(res.headers.get("vary")).toBe("Accept-Language, Cookie");
    expect(res.headers.get("content-security-policy")).toBe(SECURITY_HEADERS["content-security-policy"]);
  });

  it("HEAD is redirected like GET", async () => {
    const res = await new Client().fetch("/failures", { method: "HEAD", headers: { "accept-language": "nl" }, redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/nl/failures");
  });

  it("a member goes to the language of their setting (the demo moderator's is French)", async () => {
    const moderator = new Client();
    const signedIn = await moderator.form("/signin?_action=signIn", { email: "moderator@casebook.example", password: DEMO_PASSWORD });
    expect(signedIn.status).toBe(303);
    const res = await moderator.fetch("/moderation", { headers: { "accept-language": "nl-BE" }, redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/fr/moderation");
  });

  it.each([
    ["the search API", "/api/search?q=sepsis", 200],
    ["the health check", "/healthz", 200],
    ["an open-data file", "/open-data/decisions.csv", 200],
    ["the favicon", "/favicon.svg", 200],
    ["the account export (refused to a visitor, not redirected)", "/account/export", 401],
  ])("%s (%s) answers itself: %i", async (_name, path, status) => {
    const res = await new Client().fetch(path, { headers: { "accept-language": "fr-BE" }, redirect: "manual" });
    expect(res.status).toBe(status);
    expect(res.headers.get("location")).toBeNull();
    await res.arrayBuffer();
  });

  it("the language switcher is not redirected: it still sets the choice and goes to the asked page", async () => {
    const res = await new Client().fetch("/language/nl?next=/about", { headers: { "accept-language": "fr-BE" } });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/nl/about");
  });

  it("a form posted to an old URL still reaches its action (no redirect that would drop the body)", async () => {
    const res = await new Client().form("/signin?_action=signIn", { email: "member@casebook.example", password: DEMO_PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.getSetCookie().some((c) => c.startsWith("casebook_session="))).toBe(true);
  });

  it("a failing form posted to an old URL answers with the form and its message, in the negotiated language", async () => {
    const res = await new Client().form(
      "/signin?_action=signIn",
      { email: "member@casebook.example", password: "not the password" },
      { headers: { "accept-language": "fr-BE" } },
    );
    expect(res.status).toBe(401);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toContain('lang="fr"');
  });

  // Paths an attacker can put in a link to an old URL: nothing redirects off the site, and nothing
  // reaches a page under the prefix that the path itself would not reach.
  it.each([
    ["protocol-relative", "//evil.example"],
    ["protocol-relative with a path", "//evil.example/phish"],
    ["backslash", "/\\evil.example"],
    ["backslash and slash", "/\\/evil.example"],
    ["encoded slashes", "/%2F%2Fevil.example"],
    ["encoded backslash", "/%5Cevil.example"],
    ["tab inside //", "/%09/evil.example"],
    ["dot segments to //", "/%2e%2e//evil.example"],
    ["absolute URL in the path", "/https://evil.example"],
  ])("%s (%s): no off-site Location", async (_name, path) => {
    const res = await rawGet(path, { "accept-language": "fr-BE" });
    if (res.location !== undefined) {
      expect(res.status).toBe(302);
      expect(res.location.startsWith("/fr/")).toBe(true);
      expect(res.location.startsWith("/fr//")).toBe(false);
      expect(new URL(res.location, baseUrl()).origin).toBe(new URL(baseUrl()).origin);
    } else {
      expect(res.status).toBe(404);
    }
  });
});
