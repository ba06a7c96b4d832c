// Old unprefixed URLs and per-URL caching (issue 12 §3): where an unprefixed page URL redirects,
// what never redirects, and which page responses a shared cache may keep.
import { afterEach, describe, expect, it } from "vitest";
import { unprefixedRedirect } from "../../src/i18n/routing.ts";
import {
  PRIVATE_PAGE_CACHE,
  PUBLIC_PAGE_CACHE,
  etagMatches,
  isPublicPagePath,
  pageCacheHeaders,
  pageCacheCounts,
  pageEtag,
  storePage,
  storedPage,
  versionEtag,
  withEtag,
  isIndexBackedPath,
  isStorablePagePath,
} from "../../src/lib/server/pagecache.ts";

const ORIGIN = "https://casebook.example";
const redirectOf = (pathAndQuery: string, locale: "en" | "fr" | "nl" = "fr") => unprefixedRedirect(new URL(pathAndQuery, ORIGIN), locale);

describe("unprefixedRedirect", () => {
  it.each([
    ["/", "/fr/"],
    ["/?page=2", "/fr/?page=2"],
    ["/search?q=chute&outcome=failure", "/fr/search?q=chute&outcome=failure"],
    ["/posts/some-slug", "/fr/posts/some-slug"],
    ["/about", "/fr/about"],
    ["/verify?token=abc", "/fr/verify?token=abc"],
    ["/reset?token=abc", "/fr/reset?token=abc"],
    ["/invitations/accept?token=abc", "/fr/invitations/accept?token=abc"],
    ["/tags/machine%20learning", "/fr/tags/machine%20learning"],
    ["/organizations/caf%C3%A9", "/fr/organizations/caf%C3%A9"],
    ["/signin?next=%2Fdashboard", "/fr/signin?next=%2Fdashboard"],
    // A query is kept as given: behind /fr/… it cannot name another host, and the page checks `next` itself.
    ["/signin?next=//evil.example", "/fr/signin?next=//evil.example"],
    ["/?//evil.example", "/fr/?//evil.example"],
    ["/frites", "/fr/frites"],
  ])("%s → %s", (from, to) => {
    expect(redirectOf(from)).toBe(to);
  });

  it("uses the language it is given", () => {
    expect(redirectOf("/search", "nl")).toBe("/nl/search");
    expect(redirectOf("/search", "en")).toBe("/en/search");
  });

  it.each([
    ["already prefixed", "/fr/search"],
    ["the bare prefix", "/nl"],
    ["the API", "/api/search?q=x"],
    ["the health check", "/healthz"],
    ["the language switcher", "/language/nl?next=/search"],
    ["Astro's action endpoint", "/_actions/signIn"],
    ["built assets", "/_astro/base.css"],
    ["a data file", "/open-data/posts.csv"],
    ["the favicon", "/favicon.svg"],
    ["an attachment", "/posts/some-slug/attachments/1"],
    ["a draft's attachment", "/dashboard/posts/abc123/attachments/2"],
    ["the account export", "/account/export"],
  ])("%s (%s) is not redirected", (_name, path) => {
    expect(redirectOf(path)).toBeNull();
  });

  // What an attacker can put in the path of an unprefixed URL: never a redirect off the site, and
  // nothing that would reach a page under the prefix that the plain path would not.
  it.each([
    ["protocol-relative", "//evil.example"],
    ["protocol-relative with a path", "//evil.example/phish"],
    ["encoded slashes", "/%2F%2Fevil.example"],
    ["one encoded slash", "/%2fevil.example"],
    ["encoded backslash", "/%5Cevil.example"],
    ["encoded NUL", "/%00/evil.example"],
    ["a doubled slash inside", "/search//evil.example"],
  ])("%s (%s) is not redirected", (_name, path) => {
    // Build the URL as the server sees it (the URL parser would read `//host` as a host if it were relative).
    const url = new URL(ORIGIN);
    url.pathname = path;
    expect(unprefixedRedirect(url, "fr")).toBeNull();
  });

  it("a backslash in the path (which the URL parser turns into a slash) is refused like `//`", () => {
    const url = new URL(ORIGIN);
    url.pathname = "/\\evil.example";
    expect(url.pathname).toBe("//evil.example");
    expect(unprefixedRedirect(url, "fr")).toBeNull();
  });

  it("a raw backslash left in the query is not redirected (browsers may read it as a slash)", () => {
    const url = new URL(`${ORIGIN}/search`);
    url.search = "?q=a\\b";
    expect(unprefixedRedirect(url, "fr")).toBeNull();
  });

  it("every target is a same-origin path under the language prefix", () => {
    for (const path of ["/", "/search?q=%2F%2Fevil.example", "/signin?next=https://evil.example", "/posts/x?y=%5C"]) {
      const target = redirectOf(path) ?? "";
      expect(target.startsWith("/fr/")).toBe(true);
      expect(new URL(target, ORIGIN).origin).toBe(ORIGIN);
    }
  });
});

describe("isPublicPagePath", () => {
  it.each([
    "/",
    "/search",
    "/failures",
    "/discussions",
    "/insights",
    "/insights/outcomes",
    "/round-tables",
    "/round-tables/ai-in-care",
    "/open-data",
    "/calls",
    "/calls/ai-in-care-2026",
    "/calls/ai-in-care-2026/decisions",
    "/organizations",
    "/organizations/az-groeninge",
    "/posts/sepsis-alerts",
    "/about",
    "/guidelines",
    "/moderation-policy",
    "/privacy",
    "/outcomes/failure",
    "/care-settings/home_care",
    "/ai-types/llm",
    "/tags/sepsis",
    "/decisions/rejected",
    // Slugs that merely begin like a form's path.
    "/round-tables/new-ways-of-working",
    "/calls/new-digital-health-2027",
    "/organizations/newco-care",
  ])("%s is public", (path) => {
    expect(isPublicPagePath(path)).toBe(true);
  });

  it.each([
    "/signin",
    "/signup",
    "/signout",
    "/reset",
    "/verify",
    "/write",
    "/account",
    "/account/deleted",
    "/dashboard",
    "/dashboard/posts/abc",
    "/dashboard/signoff",
    "/moderation",
    "/moderation/posts/abc",
    "/admin/users",
    "/invitations/accept",
    "/calls/new",
    "/organizations/new",
    "/404",
    "/500",
    "/search/",
    "/posts/x/attachments/1",
    "/round-tables/new",
    "/round-tables/ai-in-care/preparation/abcdefghijklmno/1",
    "/round-tables/ai-in-care/sessions/abcdefghijklmno.ics",
    // A public page's name under a private one, or with more after it, is not that page.
    "/admin/search",
    "/dashboard/failures",
    "/account/insights/outcomes",
    "/insights/outcomes/raw",
    "/moderation/round-tables/ai-in-care",
    "/admin/about",
    "/about/staff",
    "/dashboard/calls/ai-in-care-2026",
    "/calls/ai-in-care-2026/applications",
    "/calls/ai-in-care-2026/decisions/private",
    "/admin/calls/ai-in-care-2026/decisions",
    "/admin/organizations/az-groeninge",
    "/organizations/az-groeninge/members",
    "/moderation/outcomes/failure",
    "/tags/sepsis/subscribers",
  ])("%s is not", (path) => {
    expect(isPublicPagePath(path)).toBe(false);
  });
});

describe("pageCacheHeaders", () => {
  const anonymous = { method: "GET", prefixed: true, path: "/search", status: 200, signedIn: false, sessionCookie: false, setsCookies: false };

  it("an anonymous GET of a public page under a prefix is shareable, varying on Cookie only", () => {
    expect(pageCacheHeaders(anonymous)).toEqual({ "cache-control": PUBLIC_PAGE_CACHE, vary: "Cookie" });
    expect(pageCacheHeaders({ ...anonymous, method: "HEAD" })).toEqual({ "cache-control": PUBLIC_PAGE_CACHE, vary: "Cookie" });
    expect(PUBLIC_PAGE_CACHE).toMatch(/^public, /);
  });

  it.each([
    ["a signed-in member", { signedIn: true }],
    ["a request with a session cookie, even an invalid one", { sessionCookie: true }],
    ["an answer that sets or deletes a cookie", { setsCookies: true }],
    ["a form post", { method: "POST" }],
    ["an unprefixed answer (negotiated language)", { prefixed: false }],
    ["a 404", { status: 404 }],
    ["a redirect", { status: 303 }],
    ["a page with forms for one person", { path: "/account" }],
    ["the sign-in page", { path: "/signin" }],
  ])("%s stays private, no-store", (_name, change) => {
    expect(pageCacheHeaders({ ...anonymous, ...change })).toEqual({ "cache-control": PRIVATE_PAGE_CACHE });
  });
});

describe("ETag", () => {
  const body = new TextEncoder().encode("<html>same page</html>").buffer;

  it("is weak and stable for the same body, different for another", () => {
    expect(pageEtag(body)).toMatch(/^W\/"[A-Za-z0-9_-]+"$/);
    expect(pageEtag(body)).toBe(pageEtag(body.slice(0)));
    expect(pageEtag(new TextEncoder().encode("<html>other page</html>").buffer)).not.toBe(pageEtag(body));
  });

  it("matches If-None-Match weakly, in a list, and *", () => {
    const tag = pageEtag(body);
    expect(etagMatches(tag, tag)).toBe(true);
    expect(etagMatches(tag.replace(/^W\//, ""), tag)).toBe(true);
    expect(etagMatches(`W/"other", ${tag}`, tag)).toBe(true);
    expect(etagMatches("*", tag)).toBe(true);
    expect(etagMatches('W/"other"', tag)).toBe(false);
    expect(etagMatches(null, tag)).toBe(false);
  });

  it("answers 304 without a body when the browser holds that version, else the page with its ETag", async () => {
    const page = () => new Response("<html>same page</html>", { headers: { "content-type": "text/html", "cache-control": PUBLIC_PAGE_CACHE } });
    const first = await withEtag(page(), new Request(ORIGIN));
    expect(first.status).toBe(200);
    expect(await first.text()).toBe("<html>same page</html>");
    const etag = first.headers.get("etag") ?? "";
    const again = await withEtag(page(), new Request(ORIGIN, { headers: { "if-none-match": etag } }));
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
    expect(again.headers.get("cache-control")).toBe(PUBLIC_PAGE_CACHE);
    expect(await again.text()).toBe("");
  });
});

describe("versionEtag", () => {
  const base = { path: "/posts/a-story", url: new URL("http://x/en/posts/a-story"), cookie: null, version: "b00t.7", day: "2026-12-04" };
  const tag = versionEtag(base)!;

  it("is a weak validator, the same for the same version, day, URL and cookies", () => {
    expect(tag).toMatch(/^W\/"v-[\w-]{27}"$/);
    expect(versionEtag({ ...base, url: new URL("http://x/en/posts/a-story") })).toBe(tag);
  });

  it.each([
    ["another version", { version: "b00t.8" }],
    ["another process start", { version: "b11t.7" }],
    ["another day (calls close by date)", { day: "2026-12-05" }],
    ["another language", { url: new URL("http://x/fr/posts/a-story") }],
    ["another query string", { url: new URL("http://x/en/posts/a-story?page=2") }],
    ["a cookie", { cookie: "casebook_lang=fr" }],
  ])("changes with %s", (_, change) => {
    expect(versionEtag({ ...base, ...change })).not.toBe(tag);
  });

  it.each([
    ["no version (the cache is not live)", { version: null }],
    ["a page that is not public", { path: "/dashboard", url: new URL("http://x/en/dashboard") }],
    ["the search page while the index has no version (Meilisearch, a write under way)", { path: "/search", url: new URL("http://x/en/search?q=a") }],
    ["a /failures tab while the index has no version", { path: "/failures", url: new URL("http://x/en/failures?tab=refused"), indexVersion: null }],
    ["round tables (they follow the clock)", { path: "/round-tables/a-table", url: new URL("http://x/en/round-tables/a-table") }],
    ["the round tables list", { path: "/round-tables", url: new URL("http://x/en/round-tables") }],
  ])("is null for %s", (_, change) => {
    expect(versionEtag({ ...base, ...change })).toBeNull();
  });
});

describe("versionEtag of a page built on the search index", () => {
  const search = { path: "/search", url: new URL("http://x/en/search?q=triage"), cookie: null, version: "b00t.7", day: "2026-12-04", indexVersion: "ix01.3" };
  const tag = versionEtag(search)!;

  it("names the index's version as well as the version of public content", () => {
    expect(tag).toMatch(/^W\/"v-[\w-]{27}"$/);
    expect(versionEtag({ ...search })).toBe(tag);
    expect(versionEtag({ ...search, indexVersion: "ix01.4" })).not.toBe(tag);
    expect(versionEtag({ ...search, version: "b00t.8" })).not.toBe(tag);
    const failures = { ...search, path: "/failures", url: new URL("http://x/en/failures") };
    expect(versionEtag({ ...failures, indexVersion: "ix01.4" })).not.toBe(versionEtag(failures));
  });

  it("is not moved by the index on a page that does not read it", () => {
    const post = { ...search, path: "/posts/a-story", url: new URL("http://x/en/posts/a-story") };
    expect(versionEtag({ ...post, indexVersion: "ix01.4" })).toBe(versionEtag(post));
    expect(versionEtag({ ...post, indexVersion: null })).toBe(versionEtag(post));
  });

  it("keeps search results out of the rendered-page cache, and the /failures tabs in it", () => {
    expect(isIndexBackedPath("/search")).toBe(true);
    expect(isIndexBackedPath("/failures")).toBe(true);
    expect(isIndexBackedPath("/outcomes/failure")).toBe(false);
    expect(isStorablePagePath("/search")).toBe(false);
    expect(isStorablePagePath("/failures")).toBe(true);
    expect(isStorablePagePath("/posts/a-story")).toBe(true);
  });
});

describe("withEtag with a version validator", () => {
  const version = { etag: 'W/"v-abc"', changedAt: new Date("2026-12-04T10:00:00Z") };
  const page = () => new Response("<html>streamed</html>", { headers: { "content-type": "text/html", "cache-control": PUBLIC_PAGE_CACHE } });

  it("sends the page with the version's ETag and Last-Modified, and 304 without a body when the browser holds it", async () => {
    const first = await withEtag(page(), new Request(ORIGIN), version);
    expect(first.status).toBe(200);
    expect(first.headers.get("etag")).toBe(version.etag);
    expect(first.headers.get("last-modified")).toBe("Fri, 04 Dec 2026 10:00:00 GMT");
    expect(await first.text()).toBe("<html>streamed</html>");
    const again = await withEtag(page(), new Request(ORIGIN, { headers: { "if-none-match": version.etag } }), version);
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(version.etag);
    expect(again.headers.get("content-type")).toBeNull();
    expect(await again.text()).toBe("");
  });
});

describe("rendered-page cache", () => {
  const shareable = (body: string, extra: Record<string, string> = {}) =>
    new Response(body, {
      status: 200,
      headers: { "cache-control": PUBLIC_PAGE_CACHE, vary: "Cookie", etag: 'W/"v-x"', "content-type": "text/html", ...extra },
    });
  const key = () => `W/"v-${Math.random().toString(36).slice(2)}"`;
  afterEach(() => {
    delete process.env.CASEBOOK_PAGE_CACHE_MB;
  });

  it("serves a stored page again, whole, with its headers; HEAD without the body", async () => {
    const etag = key();
    expect(storedPage(etag, "GET")).toBeNull();
    await storePage(etag, shareable("<p>Une page publique</p>"));
    const hit = storedPage(etag, "GET")!;
    expect(hit.status).toBe(200);
    expect(await hit.text()).toBe("<p>Une page publique</p>");
    expect(hit.headers.get("cache-control")).toBe(PUBLIC_PAGE_CACHE);
    expect(hit.headers.get("etag")).toBe('W/"v-x"');
    // Each hit is a copy: a caller consuming or changing it leaves the stored page intact.
    expect(await storedPage(etag, "GET")!.text()).toBe("<p>Une page publique</p>");
    const head = storedPage(etag, "HEAD")!;
    expect(await head.text()).toBe("");
    expect(head.headers.get("content-type")).toBe("text/html");
  });

  it("never stores what a shared cache may not keep: private pages, cookies set, other statuses", async () => {
    const cases = [
      new Response("<p>Mon tableau de bord</p>", { status: 200, headers: { "cache-control": PRIVATE_PAGE_CACHE } }),
      shareable("<p>Bienvenue</p>", { "set-cookie": "casebook_flash=hello; Path=/" }),
      new Response("<p>Introuvable</p>", { status: 404, headers: { "cache-control": PUBLIC_PAGE_CACHE } }),
      new Response("<p>Sans en-tête</p>", { status: 200 }),
    ];
    for (const response of cases) {
      const etag = key();
      await storePage(etag, response);
      expect(storedPage(etag, "GET"), await response.clone().text()).toBeNull();
    }
  });

  it("keeps to its size in bytes, dropping the least recently used pages first", async () => {
    process.env.CASEBOOK_PAGE_CACHE_MB = "1";
    const page = "x".repeat(100 * 1024);
    const keys = Array.from({ length: 12 }, key);
    for (const etag of keys.slice(0, 10)) await storePage(etag, shareable(page));
    // The first page is used again, so the second is the oldest when room is needed.
    expect(storedPage(keys[0]!, "GET")).not.toBeNull();
    for (const etag of keys.slice(10)) await storePage(etag, shareable(page));
    expect(storedPage(keys[0]!, "GET")).not.toBeNull();
    expect(storedPage(keys[1]!, "GET")).toBeNull();
    expect(storedPage(keys[11]!, "GET")).not.toBeNull();
    expect(pageCacheCounts().bytes).toBeLessThanOrEqual(1024 * 1024);
  });

  it("stores nothing when turned off", async () => {
    process.env.CASEBOOK_PAGE_CACHE_MB = "0";
    const etag = key();
    await storePage(etag, shareable("<p>Page</p>"));
    expect(storedPage(etag, "GET")).toBeNull();
  });
});
