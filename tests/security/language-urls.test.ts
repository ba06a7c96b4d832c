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
    const res = await new Client().fetch(`/${r.query ?? ""}`, { headers: r.headers });
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
  { name: "an unknown language", actor: "visitor", request: { path: "/xx/search" }, expected: { status: 404 } },
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
    expect((await member.fetch("/", { headers: { "accept-language": "fr-BE" } })).headers.get("location")).toBe("/nl/");
    try {
      // …until the member saves a setting, from a page in any language.
      const saved = await member.form("/nl/account?_action=updateProfile", { name: "Pieter Baetsleer", locale: "fr" });
      expect(saved.status).toBeLessThan(400);
      expect(member.cookies.get("casebook_lang")).toBe("fr");
      expect((await member.fetch("/", { headers: { "accept-language": "nl-BE" } })).headers.get("location")).toBe("/fr/");
      // Without any cookie, the setting alone decides.
      member.cookies.delete("casebook_lang");
      expect((await member.fetch("/", { headers: { "accept-language": "nl-BE" } })).headers.get("location")).toBe("/fr/");
    } finally {
      await member.form("/account?_action=updateProfile", { name: "Pieter Baetsleer", locale: "en" });
    }
  });
});
