// Feeds (issue 13 §6): URLs, and entries built from public projections only — an anonymous
// post's entry carries its descriptor and nothing of its organisation, in Atom and JSON Feed,
// read back through a real feed parser (feedsmith).
import { parseAtomFeed, parseJsonFeed } from "feedsmith";
import { describe, expect, it } from "vitest";
import { canonicalSearch } from "../../src/lib/server/follows.ts";
import { feedEntry, feedLinks, feedPath, feedResponse, parseFeedPath, renderFeed, type FeedContent } from "../../src/lib/server/feeds.ts";
import { toPublicPost } from "../../src/lib/server/posts.ts";

const ORIGIN = "https://casebook.example";
const ORG = { id: "o".repeat(15), name: "Hôpital Secret Sint-Jan", slug: "hopital-secret-sint-jan", kind: "hospital", region: "flanders", verified: true };
const base = {
  collectionId: "posts",
  collectionName: "posts",
  kind: "case_study",
  status: "published",
  language: "fr",
  organization: ORG.id,
  author: "u".repeat(15),
  outcome: "failure",
  tags: ["sepsis"],
  care_settings: ["hospital"],
  ai_types: ["ml"],
  published_at: "2026-11-20 10:00:00.000Z",
  expand: { organization: ORG },
};
const anonymousRecord = {
  ...base,
  id: "a".repeat(15),
  slug: "alerte-sepsis-abandonnee",
  title: "Alerte sepsis abandonnée",
  summary: "Trop de fausses alertes.",
  body_html: '<p>Nous avons arrêté <a href="https://example.org" rel="ugc nofollow noopener">le projet</a>.</p>',
  anonymous: true,
  public_descriptor: "hospital@r:flanders",
};
const namedRecord = {
  ...base,
  id: "n".repeat(15),
  slug: "triage-named",
  title: "Triage <assistant> & co",
  summary: "Named & proud",
  body_html: "<p>Named.</p>",
  anonymous: false,
  public_descriptor: "",
};

function content(locale: "en" | "fr", records: Record<string, unknown>[]): FeedContent {
  return {
    locale,
    title: "Tagged “sepsis”",
    pagePath: "/tags/sepsis",
    selfPath: feedPath(locale, { kind: "tag", value: "sepsis" }, "atom"),
    posts: records.map((r) => toPublicPost(locale, r as never)),
  };
}

describe("feed URLs", () => {
  const valid: [string, unknown][] = [
    ["home.atom", { scope: { kind: "home" }, format: "atom" }],
    ["failures.json", { scope: { kind: "failures" }, format: "json" }],
    ["tags/sepsis.atom", { scope: { kind: "tag", value: "sepsis" }, format: "atom" }],
    ["care-settings/home_care.json", { scope: { kind: "care_setting", value: "home_care" }, format: "json" }],
    ["tags/sep_sis.atom", null],
    ["ai-types/llm.atom", { scope: { kind: "ai_type", value: "llm" }, format: "atom" }],
    ["organizations/az-sint-jan.atom", { scope: { kind: "organization", value: "az-sint-jan" }, format: "atom" }],
    ["funders/vlaio.json", { scope: { kind: "funder", value: "vlaio" }, format: "json" }],
    ["calls/ai-in-care-2026.atom", { scope: { kind: "call", value: "ai-in-care-2026" }, format: "atom" }],
    ["tags/sepsis.rss", null],
    ["tags/Sepsis.atom", null],
    ["tags/../home.atom", null],
    ["care-settings/not-a-setting.atom", null],
    ["ai-types/llm%2f.atom", null],
    ["outcomes/failure.atom", null],
    ["everything.atom", null],
    ["private/abc.atom", null],
  ];
  for (const [path, expected] of valid) {
    it(`${path} → ${expected ? "a feed" : "no feed"}`, () => expect(parseFeedPath(path)).toEqual(expected));
  }
  it("a feed's path carries its language; the page announces Atom and JSON Feed titled in that language", () => {
    expect(feedPath("fr", { kind: "tag", value: "sepsis" }, "atom")).toBe("/fr/feeds/tags/sepsis.atom");
    expect(feedPath("nl", { kind: "home" }, "json")).toBe("/nl/feeds/home.json");
    expect(feedLinks("fr", { kind: "call", value: "c1" }, "Appel")).toEqual([
      { type: "application/atom+xml", href: "/fr/feeds/calls/c1.atom", title: "Appel — flux Atom" },
      { type: "application/feed+json", href: "/fr/feeds/calls/c1.json", title: "Appel — flux JSON Feed" },
    ]);
  });
});

describe("feed entries come from the public projection", () => {
  it("an anonymous post's entry shows its descriptor and nothing of its organisation, in Atom and JSON Feed", () => {
    for (const format of ["atom", "json"] as const) {
      const text = renderFeed(content("fr", [anonymousRecord]), format, ORIGIN);
      for (const leak of [ORG.name, ORG.slug, ORG.id, "Secret", "u".repeat(15)]) expect(text).not.toContain(leak);
      expect(text).toContain("un hôpital en Flandre");
    }
    const entry = feedEntry("fr", toPublicPost("fr", anonymousRecord as never), ORIGIN);
    expect(entry.author).toEqual([{ name: "un hôpital en Flandre" }]);
    expect(entry.link).toBe(`${ORIGIN}/fr/posts/alerte-sepsis-abandonnee`);
  });

  it("a named post's entry credits and links its organisation", () => {
    const entry = feedEntry("en", toPublicPost("en", namedRecord as never), ORIGIN);
    expect(entry.author).toEqual([{ name: ORG.name, link: `${ORIGIN}/en/organizations/${ORG.slug}` }]);
    expect(entry.category).toEqual([{ name: "sepsis", term: "sepsis" }]);
  });

  it("Atom reads back through a feed parser: titles stay text, links and ids in the feed's language, sanitized body kept", () => {
    const feed = parseAtomFeed(renderFeed(content("fr", [namedRecord, anonymousRecord]), "atom", ORIGIN));
    expect(feed.title?.value).toBe("Tagged “sepsis” · Casebook");
    expect(feed.id).toBe(`${ORIGIN}/fr/feeds/tags/sepsis.atom`);
    expect(feed.links).toContainEqual({ href: `${ORIGIN}/fr/tags/sepsis`, rel: "alternate" });
    const [named, anonymous] = feed.entries ?? [];
    // type="html": the reader unescapes once and shows the literal text, never markup.
    expect(named?.title).toEqual({ value: "Triage &lt;assistant&gt; &amp; co", type: "html" });
    expect(named?.links?.[0]?.href).toBe(`${ORIGIN}/fr/posts/triage-named`);
    expect(anonymous?.authors).toEqual([{ name: "un hôpital en Flandre" }]);
    expect(anonymous?.content?.value).toContain('<a href="https://example.org" rel="ugc nofollow noopener">le projet</a>');
    expect(anonymous?.published).toBe("2026-11-20T10:00:00.000Z");
  });

  it("JSON Feed reads back through a feed parser with plain-text titles", () => {
    const feed = parseJsonFeed(JSON.parse(renderFeed(content("en", [namedRecord]), "json", ORIGIN)));
    expect(feed.items?.[0]?.title).toBe("Triage <assistant> & co");
    expect(feed.items?.[0]?.url).toBe(`${ORIGIN}/en/posts/triage-named`);
    expect(feed.items?.[0]?.authors).toEqual([{ name: ORG.name, url: `${ORIGIN}/en/organizations/${ORG.slug}` }]);
    expect(feed.feed_url).toBe(`${ORIGIN}/en/feeds/tags/sepsis.atom`);
  });
});

describe("feed content is sanitized again", () => {
  it("markup that slipped into a stored body (before a sanitizer fix) never reaches a feed reader", () => {
    const stored = {
      ...namedRecord,
      body_html: '<p>ok</p><script>alert(1)</script><img src="x" onerror="alert(2)"><a href="javascript:alert(3)">x</a>',
      lessons_html: '<iframe src="https://evil.example"></iframe><p>lesson</p>',
    };
    for (const format of ["atom", "json"] as const) {
      const text = renderFeed(content("en", [stored]), format, ORIGIN);
      expect(text).toContain("ok");
      expect(text).toContain("lesson");
      for (const bad of ["<script", "onerror", "javascript:", "<iframe"]) expect(text).not.toContain(bad);
    }
  });
});

describe("feed responses", () => {
  const body = "<feed/>";
  it("public feeds are cacheable with an ETag, and a matching If-None-Match gets 304", () => {
    const first = feedResponse(new Request(`${ORIGIN}/en/feeds/home.atom`), body, "atom", "public");
    expect(first.headers.get("cache-control")).toBe("public, max-age=300");
    expect(first.headers.get("content-type")).toBe("application/atom+xml; charset=utf-8");
    const etag = first.headers.get("etag") ?? "";
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    const again = feedResponse(new Request(`${ORIGIN}/en/feeds/home.atom`, { headers: { "if-none-match": `W/${etag}` } }), body, "atom", "public");
    expect(again.status).toBe(304);
    const changed = feedResponse(new Request(`${ORIGIN}/en/feeds/home.atom`, { headers: { "if-none-match": etag } }), `${body} `, "atom", "public");
    expect(changed.status).toBe(200);
  });
  it("a secret feed is never for shared caches nor indexed", () => {
    const response = feedResponse(new Request(`${ORIGIN}/feeds/private/x.json`), "{}", "json", "secret");
    expect(response.headers.get("cache-control")).toBe("private, max-age=0");
    expect(response.headers.get("x-robots-tag")).toBe("noindex");
    expect(response.headers.get("content-type")).toBe("application/feed+json; charset=utf-8");
  });
});

describe("saved searches", () => {
  it("keep words and filters in a stable order, drop page and presentation, refuse empty or invalid ones", () => {
    expect(canonicalSearch("?outcome=failure&q=sepsis&page=3&sort=newest")).toBe("outcome=failure&q=sepsis");
    expect(canonicalSearch("q=sepsis&outcome=failure")).toBe(canonicalSearch("outcome=failure&q=sepsis"));
    expect(canonicalSearch("?page=2")).toBeNull();
    expect(canonicalSearch("")).toBeNull();
    expect(canonicalSearch("outcome=not-an-outcome")).toBeNull();
  });
});
