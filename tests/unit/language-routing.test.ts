// Language in the URL (issue 12 §3): how a path splits into language and page, which
// language a request gets, and the links to the same page in the other languages.
import type { AstroCookies } from "astro";
import { describe, expect, it } from "vitest";
import { LANGUAGE_COOKIE, alternateLinks, chooseLocale, localeHref, localePath, pagePath, routeLocale } from "../../src/i18n/routing.ts";
import { setLanguageCookie } from "../../src/lib/server/language.ts";

describe("routeLocale", () => {
  it.each([
    ["/", { kind: "plain" }],
    ["/search", { kind: "plain" }],
    ["/french-posts", { kind: "plain" }],
    ["/frites/x", { kind: "plain" }],
    ["/xx/search", { kind: "plain" }],
    ["/fr", { kind: "prefixed", locale: "fr", path: "/" }],
    ["/fr/", { kind: "prefixed", locale: "fr", path: "/" }],
    ["/nl/search", { kind: "prefixed", locale: "nl", path: "/search" }],
    ["/en/posts/some-slug", { kind: "prefixed", locale: "en", path: "/posts/some-slug" }],
    ["/fr/organizations/caf%C3%A9", { kind: "prefixed", locale: "fr", path: "/organizations/caf%C3%A9" }],
  ])("%s", (pathname, expected) => {
    expect(routeLocale(pathname)).toEqual(expected);
  });

  it.each([
    "/fr//evil.example",
    "/fr//evil.example/phish",
    "/fr/%2Fevil.example",
    "/fr/%2fevil.example",
    "/fr/%5Cevil.example",
    "/fr/\\evil.example",
    "/fr/a%2F..%2Fadmin",
    "/fr/%00",
    "/fr/api/search",
    "/fr/API/search",
    "/nl/healthz",
    "/nl/_astro/x.css",
    "/nl/_actions/signIn",
    "/fr/fr/search",
    "/fr/nl/",
  ])("refuses %s", (pathname) => {
    expect(routeLocale(pathname).kind).toBe("refused");
  });
});

describe("chooseLocale", () => {
  const frBrowser = "fr-BE,fr;q=0.9,en;q=0.5";
  it("a prefix wins over everything", () => {
    expect(chooseLocale({ prefix: "nl", cookie: "fr", userLocale: "en", acceptLanguage: frBrowser })).toBe("nl");
  });
  it("then the switcher's cookie, over a member's setting and the browser", () => {
    expect(chooseLocale({ cookie: "nl", userLocale: "fr", acceptLanguage: frBrowser })).toBe("nl");
  });
  it("an unknown cookie value is ignored", () => {
    expect(chooseLocale({ cookie: "de", userLocale: "nl", acceptLanguage: frBrowser })).toBe("nl");
    expect(chooseLocale({ cookie: "", acceptLanguage: frBrowser })).toBe("fr");
  });
  it("then the member's setting, over the browser", () => {
    expect(chooseLocale({ userLocale: "nl", acceptLanguage: frBrowser })).toBe("nl");
  });
  it("then Accept-Language, then English", () => {
    expect(chooseLocale({ acceptLanguage: "fr-BE" })).toBe("fr");
    expect(chooseLocale({ acceptLanguage: "de-DE,nl;q=0.4" })).toBe("nl");
    expect(chooseLocale({ acceptLanguage: "de-DE" })).toBe("en");
    expect(chooseLocale({})).toBe("en");
  });
});

describe("links", () => {
  it("localePath prefixes a path and keeps its query", () => {
    expect(localePath("fr", "/")).toBe("/fr/");
    expect(localePath("nl", "/search?q=sepsis")).toBe("/nl/search?q=sepsis");
    expect(localePath("en", "about")).toBe("/en/about");
  });
  it("pagePath keeps the query but drops a form action", () => {
    expect(pagePath(new URL("http://x/search?q=sepsis&page=2"))).toBe("/search?q=sepsis&page=2");
    expect(pagePath(new URL("http://x/signin?_action=signIn&next=%2Fwrite"))).toBe("/signin?next=%2Fwrite");
    expect(pagePath(new URL("http://x/about"))).toBe("/about");
    expect(pagePath(new URL("http://x/signin?next=%2F%5Cevil.example%2Fphish"))).toBe("/signin");
    expect(pagePath(new URL("http://x/signin?next=%2F%2Fevil.example"))).toBe("/signin");
  });
  it("alternateLinks: one absolute link per language and x-default to the unprefixed page", () => {
    expect(alternateLinks("https://casebook.example.org/", "/search?q=val")).toEqual([
      { hreflang: "en", href: "https://casebook.example.org/en/search?q=val" },
      { hreflang: "fr", href: "https://casebook.example.org/fr/search?q=val" },
      { hreflang: "nl", href: "https://casebook.example.org/nl/search?q=val" },
      { hreflang: "x-default", href: "https://casebook.example.org/search?q=val" },
    ]);
  });
});

describe("setLanguageCookie", () => {
  // Same Secure rule as the session cookie (session.ts): only a plain-HTTP loopback site goes without.
  it.each([
    ["https://casebook.example.org", "https://casebook.example.org/language/fr", true],
    ["https://casebook.example.org", "http://127.0.0.1:4321/language/fr", true],
    ["http://localhost:4321", "http://casebook.example.org/language/fr", true],
    ["http://127.0.0.1:4321", "http://127.0.0.1:4321/language/fr", false],
  ])("with PUBLIC_URL %s, request %s: SameSite=Lax, Path=/, a year, Secure %s", (publicUrl, url, secure) => {
    const set: [string, string, Record<string, unknown>][] = [];
    const cookies = { set: (name: string, value: string, options: Record<string, unknown>) => set.push([name, value, options]) } as unknown as AstroCookies;
    setLanguageCookie(cookies, new URL(url), "fr", publicUrl);
    expect(set).toEqual([[LANGUAGE_COOKIE, "fr", { sameSite: "lax", path: "/", secure, maxAge: 365 * 24 * 60 * 60 }]]);
  });
});

describe("localeHref (links and redirects in the page language)", () => {
  it.each([
    ["/", "/fr/"],
    ["/dashboard", "/fr/dashboard"],
    ["/search?q=chute&outcome=failure", "/fr/search?q=chute&outcome=failure"],
    ["/?flagged=1", "/fr/?flagged=1"],
    ["/dashboard#join-requests", "/fr/dashboard#join-requests"],
    ["/signin?next=%2Ffr%2Faccount", "/fr/signin?next=%2Ffr%2Faccount"],
    // Already in a language: never twice, never switched.
    ["/fr/search?q=x", "/fr/search?q=x"],
    ["/nl/account", "/nl/account"],
    ["/en", "/en"],
    // Files, the API, assets, the switcher and other origins stay as they are.
    ["/open-data/decisions.csv?funder=x", "/open-data/decisions.csv?funder=x"],
    ["/favicon.svg", "/favicon.svg"],
    ["/api/search", "/api/search"],
    ["/_astro/app.css", "/_astro/app.css"],
    ["/language/nl?next=%2F", "/language/nl?next=%2F"],
    // Downloads: a post's attachments, a draft's, a preparation message's.
    ["/posts/sepsis-alerts/attachments/1", "/posts/sepsis-alerts/attachments/1"],
    ["/dashboard/posts/abcdefghijklmno/attachments/2", "/dashboard/posts/abcdefghijklmno/attachments/2"],
    ["/round-tables/ai-in-care/preparation/abcdefghijklmno/1", "/round-tables/ai-in-care/preparation/abcdefghijklmno/1"],
    // … but not the pages around them.
    ["/posts/sepsis-alerts", "/fr/posts/sepsis-alerts"],
    ["/round-tables/ai-in-care", "/fr/round-tables/ai-in-care"],
    ["//evil.example/x", "//evil.example/x"],
    ["https://example.org/", "https://example.org/"],
    ["#main", "#main"],
    // A page whose name merely starts like a language code is a page.
    ["/english-posts", "/fr/english-posts"],
  ])("%s → %s", (path, expected) => {
    expect(localeHref("fr", path)).toBe(expected);
  });
});
