// Atom and JSON Feed for the public lists (issue 13 §6): the home listing, failures, each tag,
// care setting and AI technique, each organisation (posts under its own name only), funder
// and call. Every entry is built from the public projection (posts.ts toPublicPost), so an
// anonymous post carries its descriptor and never its organisation (DESIGN.md §5 invariant 1).
//
// URLs: /<lang>/feeds/home.atom, /<lang>/feeds/failures.json, /<lang>/feeds/tags/<tag>.atom,
// /<lang>/feeds/care-settings/<code>.atom, /<lang>/feeds/ai-types/<code>.atom,
// /<lang>/feeds/organizations/<slug>.atom, /<lang>/feeds/funders/<slug>.atom,
// /<lang>/feeds/calls/<slug>.atom (and .json for each). The language prefix is the feed's
// language: titles and entry links are in it, so a French reader's feed opens French pages.
import { createHash } from "node:crypto";
import { Feed, type Item } from "feed";
import type { RecordModel } from "pocketbase";
import { codeLabel, t, type Locale } from "../../i18n/index.ts";
import { localePath } from "../../i18n/routing.ts";
import { AI_TYPES, CARE_SETTINGS } from "../codelists.ts";
import { listPublishedFailures, listPublishedPostsBy, TAG_PATTERN } from "./listings.ts";
import { sanitizeHtml } from "./markdown.ts";
import { getPocketBase, isNotFound } from "./pocketbase.ts";
import { listPublishedPosts, toPublicPost, type PublicPost } from "./posts.ts";

/** How many entries a feed carries (the newest). */
export const FEED_SIZE = 30;

/** The two formats every feed comes in, by file extension. */
export const FEED_FORMATS = { atom: "application/atom+xml", json: "application/feed+json" } as const;
export type FeedFormat = keyof typeof FEED_FORMATS;

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
// Path segment → scope kind, and which values each accepts (checked before any query).
const SEGMENTS = {
  tags: { kind: "tag", valid: (v: string) => TAG_PATTERN.test(v) },
  "care-settings": { kind: "care_setting", valid: (v: string) => (CARE_SETTINGS as readonly string[]).includes(v) },
  "ai-types": { kind: "ai_type", valid: (v: string) => (AI_TYPES as readonly string[]).includes(v) },
  organizations: { kind: "organization", valid: (v: string) => SLUG.test(v) && v.length <= 120 },
  funders: { kind: "funder", valid: (v: string) => SLUG.test(v) && v.length <= 120 },
  calls: { kind: "call", valid: (v: string) => SLUG.test(v) && v.length <= 160 },
} as const;
type Segment = keyof typeof SEGMENTS;
const SEGMENT_OF = Object.fromEntries(Object.entries(SEGMENTS).map(([segment, { kind }]) => [kind, segment])) as Record<ValueScopeKind, Segment>;

/** What a feed lists. */
export type FeedScope = { kind: "home" } | { kind: "failures" } | { kind: ValueScopeKind; value: string };
type ValueScopeKind = (typeof SEGMENTS)[Segment]["kind"];

/** Reads the part of a feed URL after /feeds/ ("tags/sepsis.atom"); null when it names no feed. */
export function parseFeedPath(path: string): { scope: FeedScope; format: FeedFormat } | null {
  const match = /^(?:([a-z-]+)\/)?([a-z0-9_-]+)\.(atom|json)$/.exec(path);
  if (!match) return null;
  const [, segment, value, format] = match as unknown as [string, string | undefined, string, FeedFormat];
  if (segment === undefined) return value === "home" || value === "failures" ? { scope: { kind: value }, format } : null;
  const entry = (SEGMENTS as Record<string, (typeof SEGMENTS)[Segment]>)[segment];
  if (!entry?.valid(value)) return null;
  return { scope: { kind: entry.kind, value }, format };
}

/** The site path of a feed in a language, e.g. feedPath("fr", { kind: "tag", value: "sepsis" }, "atom") → "/fr/feeds/tags/sepsis.atom". */
export function feedPath(locale: Locale, scope: FeedScope, format: FeedFormat): string {
  const name = scope.kind === "home" || scope.kind === "failures" ? scope.kind : `${SEGMENT_OF[scope.kind]}/${scope.value}`;
  // localePath, not localeHref: a path ending in .atom would otherwise be left without its language.
  return localePath(locale, `/feeds/${name}.${format}`);
}

/** `<link rel="alternate">` autodiscovery entries for a page's feed: Atom and JSON Feed, titled in the page's language. */
export function feedLinks(locale: Locale, scope: FeedScope, title: string): { type: string; href: string; title: string }[] {
  return (Object.keys(FEED_FORMATS) as FeedFormat[]).map((format) => ({
    type: FEED_FORMATS[format],
    href: feedPath(locale, scope, format),
    title: t(locale, format === "atom" ? "feeds.link.atom" : "feeds.link.json", { title }),
  }));
}

/** A feed's content before it is written in a format. */
export type FeedContent = {
  locale: Locale;
  /** The feed's title in its language (without the site name). */
  title: string;
  /** The page the feed mirrors (unprefixed site path). */
  pagePath: string;
  /** The feed's own path (prefixed), its id and self link. */
  selfPath: string;
  posts: PublicPost[];
};

/** The newest published posts of a scope, as public projections; null when the organisation, funder or call is not public. */
export async function loadFeed(locale: Locale, scope: FeedScope, format: FeedFormat = "atom"): Promise<FeedContent | null> {
  const base = { locale, selfPath: feedPath(locale, scope, format) };
  const tr = (key: Parameters<typeof t>[1], params?: Record<string, string>) => t(locale, key, params);
  switch (scope.kind) {
    case "home":
      return {
        ...base,
        title: tr("feeds.title.home"),
        pagePath: "/",
        posts: (await listPublishedPosts(locale, { perPage: FEED_SIZE, storiesOnly: true })).items,
      };
    case "failures":
      return { ...base, title: tr("list.failures.title"), pagePath: "/failures", posts: (await listPublishedFailures(locale, { perPage: FEED_SIZE })).items };
    case "tag":
    case "care_setting":
    case "ai_type": {
      const posts = (await listPublishedPostsBy(locale, { facet: scope.kind, value: scope.value, perPage: FEED_SIZE })).items;
      const title =
        scope.kind === "tag"
          ? tr("list.tag.title", { tag: scope.value })
          : tr(`list.${scope.kind}.title`, { label: codeLabel(locale, scope.kind, scope.value) });
      return { ...base, title, pagePath: `/${SEGMENT_OF[scope.kind]}/${scope.value}`, posts };
    }
    case "organization": {
      const org = await findPublicOrganization(scope.value);
      if (!org) return null;
      // Posts under the organisation's own name only: listing its anonymous posts would name it.
      const posts = (await listPublishedPostsBy(locale, { facet: "organization", value: org.id, perPage: FEED_SIZE })).items;
      return { ...base, title: org.name, pagePath: `/organizations/${org.slug}`, posts };
    }
    case "funder": {
      const org = await findPublicOrganization(scope.value);
      if (org?.kind !== "funder") return null;
      const posts = await listPublished(locale, "funder = {:id}", { id: org.id });
      return { ...base, title: tr("feeds.title.funder", { name: org.name }), pagePath: `/organizations/${org.slug}`, posts };
    }
    case "call": {
      const pb = await getPocketBase();
      const call = await pb
        .collection("funding_calls")
        .getFirstListItem(pb.filter("slug = {:s} && status != 'draft'", { s: scope.value }), { fields: "id,slug,title" })
        .catch((error) => (isNotFound(error) ? null : Promise.reject(error)));
      if (!call) return null;
      const posts = await listPublished(locale, "call = {:id}", { id: call.id });
      return { ...base, title: call.title, pagePath: `/calls/${call.slug}`, posts };
    }
  }
}

/** A verified organisation by slug (unverified ones are not public), or null. */
async function findPublicOrganization(slug: string): Promise<{ id: string; slug: string; name: string; kind: string } | null> {
  const pb = await getPocketBase();
  try {
    const org = await pb
      .collection("organizations")
      .getFirstListItem(pb.filter("slug = {:slug} && verified = true", { slug }), { fields: "id,slug,name,kind" });
    return { id: org.id, slug: org.slug, name: org.name, kind: org.kind };
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

// The same expansion as the post page, so that a funder's record names (or hides) its applicant exactly as there.
async function listPublished(locale: Locale, condition: string, params: Record<string, string>): Promise<PublicPost[]> {
  const pb = await getPocketBase();
  const result = await pb.collection("posts").getList(1, FEED_SIZE, {
    filter: pb.filter(`status = 'published' && ${condition}`, params),
    sort: "-published_at,-created",
    expand: "organization,call,funder,applicant_organization,counterpart",
  });
  return result.items.map((record: RecordModel) => toPublicPost(locale, record));
}

/** One feed entry from a public post: title, link and id in the feed's language, the byline as author, summary and sanitized body. */
export function feedEntry(locale: Locale, post: PublicPost, origin: string, format: FeedFormat = "atom"): Item {
  // The library marks Atom titles and summaries type="html": plain text must be escaped there to stay text (JSON Feed's are plain).
  const text = (value: string) => (format === "atom" ? escapeHtml(value) : value);
  const base = origin.replace(/\/+$/, "");
  const link = `${base}${localePath(locale, `/posts/${post.slug}`)}`;
  const date = new Date(post.publishedAt ?? 0);
  // The byline is the organisation's name or, for an anonymous post, its descriptor; only a named organisation gets a link.
  const author = { name: post.byline, ...(post.organization ? { link: `${base}${localePath(locale, `/organizations/${post.organization.slug}`)}` } : {}) };
  const facts = [
    t(locale, `post.kind.${post.kind}` as Parameters<typeof t>[1]),
    post.outcome ? codeLabel(locale, "outcome", post.outcome) : null,
    post.funding?.decision ? codeLabel(locale, "decision", post.funding.decision) : null,
  ].filter((fact): fact is string => Boolean(fact));
  return {
    title: text(post.title),
    id: link,
    link,
    date,
    published: date,
    description: post.summary ? text(post.summary) : undefined,
    // body_html was rendered by marked and sanitized when it was saved (markdown.ts); sanitized again
    // here because feed readers apply no CSP of ours: a record stored before a sanitizer fix stays harmless.
    content: `<p><em>${escapeHtml(facts.join(" · "))}</em></p>${post.summary ? `<p>${escapeHtml(post.summary)}</p>` : ""}${sanitizeHtml(post.bodyHtml)}${sanitizeHtml(post.lessonsHtml ?? "")}`,
    author: [author],
    category: post.tags.map((tag) => ({ name: tag, term: tag })),
  };
}

/** Writes a feed as Atom 1.0 or JSON Feed (version 1, as the library writes it); pure: no I/O. */
export function renderFeed(content: FeedContent, format: FeedFormat, origin: string): string {
  const base = origin.replace(/\/+$/, "");
  const self = `${base}${content.selfPath}`;
  const siteName = t(content.locale, "site.name");
  const newest = content.posts.find((post) => post.publishedAt)?.publishedAt;
  const feed = new Feed({
    id: self,
    title: `${content.title} · ${siteName}`,
    description: t(content.locale, "site.description"),
    link: `${base}${localePath(content.locale, content.pagePath)}`,
    language: content.locale,
    updated: new Date(newest ?? 0),
    generator: false,
    copyright: siteName,
    feedLinks: format === "atom" ? { atom: self } : { json: self },
  });
  for (const post of content.posts) feed.addItem(feedEntry(content.locale, post, base, format));
  return format === "atom" ? feed.atom1() : feed.json1();
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** How long readers and shared caches may keep a public feed. */
export const FEED_MAX_AGE_SECONDS = 300;

/** The HTTP response for a feed body: its media type, an ETag (304 when the reader has it) and the caching allowed. */
export function feedResponse(request: Request, body: string, format: FeedFormat, audience: "public" | "private" | "secret"): Response {
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
  const headers = new Headers({
    "content-type": `${FEED_FORMATS[format]}; charset=utf-8`,
    etag,
    // A secret (per-member) feed must not sit in a shared cache, nor be indexed.
    "cache-control": audience === "public" ? `public, max-age=${FEED_MAX_AGE_SECONDS}` : `private, max-age=${audience === "secret" ? 0 : FEED_MAX_AGE_SECONDS}`,
    ...(audience === "secret" ? { "x-robots-tag": "noindex" } : {}),
  });
  const ifNoneMatch = request.headers.get("if-none-match");
  if (ifNoneMatch?.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag)) return new Response(null, { status: 304, headers });
  return new Response(request.method === "HEAD" ? null : body, { headers });
}
