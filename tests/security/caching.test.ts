// Per-URL caching (issue 12 §3): with one URL per language, an anonymous view of a public page
// may be kept by a shared cache, without `Vary: Accept-Language`. The attacker here is the next
// visitor of a shared cache: a cached page must never carry a member's data, a Set-Cookie or
// anything that depends on who asked. Everything that does stays `private, no-store`.
import { describe, expect, it } from "vitest";
import { PRIVATE_PAGE_CACHE, PUBLIC_PAGE_CACHE } from "../../src/lib/server/pagecache.ts";
import { Client, type Scenario } from "./scenarios.ts";

const POST = "/posts/chest-xray-triage-worklist";

const publicPages: Scenario<{ path: string }, { status: 200 }>[] = [
  { name: "home", actor: "visitor", request: { path: "/en/" }, expected: { status: 200 } },
  { name: "search", actor: "visitor", request: { path: "/fr/search?q=sepsis" }, expected: { status: 200 } },
  { name: "post", actor: "visitor", request: { path: `/nl${POST}` }, expected: { status: 200 } },
  { name: "failures", actor: "visitor", request: { path: "/fr/failures" }, expected: { status: 200 } },
  { name: "discussions", actor: "visitor", request: { path: "/nl/discussions?answered=no" }, expected: { status: 200 } },
  { name: "calls", actor: "visitor", request: { path: "/en/calls" }, expected: { status: 200 } },
  { name: "call", actor: "visitor", request: { path: "/fr/calls/ai-in-everyday-care-2024" }, expected: { status: 200 } },
  { name: "organisations", actor: "visitor", request: { path: "/nl/organizations" }, expected: { status: 200 } },
  { name: "organisation", actor: "visitor", request: { path: "/en/organizations/meridian-care-fund" }, expected: { status: 200 } },
  { name: "editorial page", actor: "visitor", request: { path: "/fr/about" }, expected: { status: 200 } },
  { name: "facet listing", actor: "visitor", request: { path: "/nl/outcomes/failure" }, expected: { status: 200 } },
  { name: "insights", actor: "visitor", request: { path: "/fr/insights" }, expected: { status: 200 } },
  { name: "open data", actor: "visitor", request: { path: "/en/open-data" }, expected: { status: 200 } },
];

describe("anonymous views of public pages are cacheable per URL", () => {
  it.each(publicPages)("$name ($request.path): public, no Set-Cookie, no Vary: Accept-Language, an ETag", async ({ request }) => {
    const res = await new Client().fetch(request.path, { headers: { "accept-language": "de-DE" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe(PUBLIC_PAGE_CACHE);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get("vary")).toBe("Cookie");
    expect(res.headers.get("etag")).toMatch(/^W\/"/);
    await res.arrayBuffer();
  });

  it("the same URL is the same page whatever the browser's language or the switcher's cookie", async () => {
    const french = await new Client().fetch("/nl/search?q=sepsis", { headers: { "accept-language": "fr-BE" } });
    const english = await new Client().fetch("/nl/search?q=sepsis", { headers: { "accept-language": "en-GB", cookie: "casebook_lang=fr" } });
    expect(french.headers.get("etag")).toBe(english.headers.get("etag"));
    expect(await french.text()).toBe(await english.text());
  });

  it("a browser that holds the page revalidates it: 304 with no body", async () => {
    const first = await new Client().fetch(`/fr${POST}`);
    const etag = first.headers.get("etag") ?? "";
    await first.arrayBuffer();
    const again = await new Client().fetch(`/fr${POST}`, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
    expect(again.headers.get("cache-control")).toBe(PUBLIC_PAGE_CACHE);
    expect(await again.text()).toBe("");
  });
});

describe("anything that depends on the visitor stays private, no-store", () => {
  it("a signed-in member's public page: private, no-store, never an ETag a shared cache could reuse", async () => {
    const member = await new Client().signIn("editor.hospital@casebook.example");
    for (const path of ["/en/", `/en${POST}`, "/en/search?q=sepsis", "/en/organizations/meridian-care-fund"]) {
      const res = await member.fetch(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("cache-control"), path).toBe(PRIVATE_PAGE_CACHE);
      expect(res.headers.get("etag"), path).toBeNull();
      await res.arrayBuffer();
    }
  });

  it("the anonymous copy of a page never holds what a member saw there", async () => {
    const member = await new Client().signIn("editor.hospital@casebook.example");
    const signedIn = await (await member.fetch("/en/")).text();
    const anonymous = await new Client().fetch("/en/");
    const html = await anonymous.text();
    expect(anonymous.headers.get("cache-control")).toBe(PUBLIC_PAGE_CACHE);
    // The member's page has their account links and sign-out form; the cacheable one has neither.
    expect(signedIn).toContain("_action=signOut");
    expect(html).not.toContain("_action=signOut");
    expect(html).not.toContain('href="/en/account"');
  });

  it("a request with an expired or forged session cookie: private (its answer deletes the cookie)", async () => {
    const res = await new Client().fetch("/en/search?q=sepsis", { headers: { cookie: "casebook_session=forged-token" } });
    expect(res.headers.get("cache-control")).toBe(PRIVATE_PAGE_CACHE);
    expect(res.headers.get("etag")).toBeNull();
    await res.arrayBuffer();
  });

  it.each([
    ["the sign-in form", "/en/signin"],
    ["the sign-up form", "/fr/signup"],
    ["the password reset form", "/nl/reset"],
    ["a page that is not found", "/en/posts/no-such-post"],
    ["a page that sends a visitor to sign in", "/en/dashboard"],
  ])("%s (%s)", async (_name, path) => {
    const res = await new Client().fetch(path);
    expect(res.headers.get("cache-control")).toBe(PRIVATE_PAGE_CACHE);
    expect(res.headers.get("etag")).toBeNull();
    await res.arrayBuffer();
  });

  it("a form post's answer (a refused sign-in, with what was typed)", async () => {
    const res = await new Client().form("/en/signin?_action=signIn", { email: "nobody@casebook.example", password: "wrong password here" });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.headers.get("cache-control")).toBe(PRIVATE_PAGE_CACHE);
    await res.arrayBuffer();
  });

  it("the redirect of an old unprefixed URL depends on the visitor: private, no-store, Vary on Accept-Language and Cookie", async () => {
    const res = await new Client().fetch("/search?q=sepsis", { headers: { "accept-language": "nl-BE" }, redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/nl/search?q=sepsis");
    expect(res.headers.get("cache-control")).toBe(PRIVATE_PAGE_CACHE);
    expect(res.headers.get("vary")).toBe("Accept-Language, Cookie");
    expect(res.headers.getSetCookie()).toEqual([]);
  });
});
