// Which page responses a shared cache may keep (issue 12 §3, DESIGN.md §1 "Public pages").
// Every page now has one URL per language (/fr/search…), so an anonymous view of a public page
// is the same for every anonymous visitor of that URL: no `Vary: Accept-Language` is needed.
// The rule is an allow-list on purpose: a page that is not named here, any signed-in view, any
// request that carries a session cookie (even an expired one), any answer that sets a cookie and
// any answer but 200 stays `private, no-store`, so a cached copy can never carry one member's
// data, a flash message or a Set-Cookie to another visitor. The site's forms carry no per-visitor
// token (CSRF is refused by Origin/Sec-Fetch-Site, lib/server/csrf.ts), so a public page's search
// or flag form is the same HTML for everybody.
import { createHash } from "node:crypto";
import { applySecurityHeaders } from "./headers.ts";

/** What every page that is not shareable sends. */
export const PRIVATE_PAGE_CACHE = "private, no-store";

/**
 * What an anonymous view of a public page sends: browsers revalidate every time (max-age=0,
 * ETag/304), so signing in or a withdrawn post shows at once there; a shared cache in front of
 * the site may answer for 60 s. `Vary: Cookie` keeps a member's request (session cookie) from
 * ever being answered with the anonymous copy.
 */
export const PUBLIC_PAGE_CACHE = "public, max-age=0, s-maxage=60";

// Page paths (behind the language prefix) whose anonymous view is public data only.
const PUBLIC_PAGES: readonly RegExp[] = [
  /^\/$/,
  /^\/(search|failures|discussions|insights|open-data|calls|organizations|round-tables)$/,
  /^\/insights\/outcomes$/,
  // A round table's anonymous view holds no participant-only detail (place, link, preparation).
  /^\/round-tables\/(?!new$)[^/]+$/,
  /^\/(about|guidelines|moderation-policy|privacy)$/,
  /^\/posts\/[^/]+$/,
  /^\/calls\/(?!new$)[^/]+$/,
  /^\/calls\/[^/]+\/decisions$/,
  /^\/organizations\/(?!new$)[^/]+$/,
  /^\/(outcomes|care-settings|ai-types|tags|decisions)\/[^/]+$/,
];

/** True for a page path (without language prefix) whose anonymous view holds public data only. */
export function isPublicPagePath(path: string): boolean {
  return PUBLIC_PAGES.some((pattern) => pattern.test(path));
}

/** What the middleware knows about a page response when it decides how it may be cached. */
export type PageResponseFacts = {
  method: string;
  /** Served under /en, /fr or /nl (an unprefixed answer depends on the negotiated language). */
  prefixed: boolean;
  /** The page path behind the prefix. */
  path: string;
  status: number;
  signedIn: boolean;
  /** The request carried a session cookie, valid or not. */
  sessionCookie: boolean;
  /** The response sets (or deletes) a cookie. */
  setsCookies: boolean;
};

/** The Cache-Control (and Vary) a page response gets. */
export function pageCacheHeaders(facts: PageResponseFacts): Record<string, string> {
  const shareable =
    (facts.method === "GET" || facts.method === "HEAD") &&
    facts.prefixed &&
    facts.status === 200 &&
    !facts.signedIn &&
    !facts.sessionCookie &&
    !facts.setsCookies &&
    isPublicPagePath(facts.path);
  return shareable ? { "cache-control": PUBLIC_PAGE_CACHE, vary: "Cookie" } : { "cache-control": PRIVATE_PAGE_CACHE };
}

// Public pages whose anonymous view depends on more than public records, the URL and the day:
// round tables follow the hour. They are validated by their body (pageEtag) only.
const BODY_VALIDATED: readonly RegExp[] = [/^\/round-tables(\/|$)/];

// Public pages built on the search index (search results, the /failures tabs). The index learns of
// a change from the outbox a moment after the write that moved the version of public content: a
// copy rendered in between (a hidden post still listed) must not be filed under the new version.
const INDEX_BACKED = /^\/(search|failures)$/;

/** True for a page path (without language prefix) whose content comes from the search index: its validator needs the index's version too. */
export function isIndexBackedPath(path: string): boolean {
  return INDEX_BACKED.test(path);
}

/**
 * True for a page path whose anonymous view may be kept in the rendered-page cache. Not search
 * results: nearly every one is another URL, which would only push out the pages visitors come back
 * to, and a search must cost what it costs even when repeated (issue 15: no result caches).
 */
export function isStorablePagePath(path: string): boolean {
  return path !== "/search";
}

/**
 * The validator of an anonymous view of a public page at a version of public content (issue 15 §3):
 * the same version, day (Brussels: calls close by date), URL and cookies (and, for a page built on
 * the search index, the index's version) give the same page, so a conditional request that names
 * it is answered 304 before anything is rendered. Null where the page depends on more
 * (BODY_VALIDATED), while there is no version (projections.ts not caching), and for a page built
 * on the index while the index has none (search/index.ts: searchIndexVersion).
 */
export function versionEtag(input: {
  path: string;
  url: URL;
  cookie: string | null;
  version: string | null;
  day: string;
  indexVersion?: string | null;
}): string | null {
  if (input.version === null || !isPublicPagePath(input.path) || BODY_VALIDATED.some((p) => p.test(input.path))) return null;
  const indexVersion = isIndexBackedPath(input.path) ? input.indexVersion : "";
  if (!indexVersion && indexVersion !== "") return null;
  const hash = createHash("sha256").update(JSON.stringify([input.version, indexVersion, input.day, input.url.pathname, input.url.search, input.cookie ?? ""]));
  return `W/"v-${hash.digest("base64url").slice(0, 27)}"`;
}

/** A weak validator for a page body (weak: the same page may be compressed differently on the way). */
export function pageEtag(body: ArrayBuffer): string {
  return `W/"${createHash("sha256").update(new Uint8Array(body)).digest("base64url").slice(0, 27)}"`;
}

/** True when an If-None-Match header names `etag` (weak comparison, RFC 9110 §13.1.2). */
export function etagMatches(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, "");
  return ifNoneMatch.split(",").some((tag) => tag.trim() === "*" || bare(tag) === bare(etag));
}

/** The shareable page response with an ETag (the version's when given, else the body's), or a 304 when the request already holds it. */
export async function withEtag(response: Response, request: Request, version?: { etag: string; changedAt: Date }): Promise<Response> {
  if (version) {
    // Known before the body: the page streams on as rendered (reading a 50 KB search page through
    // the Web stream to hash it cost the search page ~15 % of its throughput at 16 connections).
    if (etagMatches(request.headers.get("if-none-match"), version.etag)) {
      await response.body?.cancel();
      return notModified(response.headers, version);
    }
    response.headers.set("etag", version.etag);
    response.headers.set("last-modified", version.changedAt.toUTCString());
    return response;
  }
  const body = await response.arrayBuffer();
  const etag = pageEtag(body);
  if (etagMatches(request.headers.get("if-none-match"), etag)) return notModified(response.headers, { etag });
  const headers = new Headers(response.headers);
  headers.set("etag", etag);
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

// A 304 carries the validators and caching headers of the page, not what describes a body.
function notModified(pageHeaders: Headers, validator: { etag: string; changedAt?: Date }): Response {
  const headers = new Headers(pageHeaders);
  headers.set("etag", validator.etag);
  if (validator.changedAt) headers.set("last-modified", validator.changedAt.toUTCString());
  for (const name of ["content-length", "content-type", "content-encoding"]) headers.delete(name);
  return new Response(null, { status: 304, headers });
}

// ---------------------------------------------------------------------------------------------
// Rendered pages (issue 15 §3): the anonymous view of a public page, kept under its version
// validator. That validator already names everything the page depends on (version of public
// content, Brussels day, URL, cookies), so a stored page can only be served for the same inputs,
// and any public write (a hidden post, a new comment) moves the version: the old copies are never
// served again and fall out of the LRU. Only what pageCacheHeaders() allows a shared cache to
// keep is stored (200, anonymous, no session cookie, no Set-Cookie), so nothing here holds a
// member's page. Bounded by bytes; CASEBOOK_PAGE_CACHE_MB=0 turns it off.

/**
 * A stored page: what the response said (security headers included, nothing per request), the
 * same as one list for Node's writeHead with its length (fastpages.ts), and the route pattern
 * its requests are counted under.
 */
export type StoredPage = { status: number; headers: [string, string][]; wire: string[]; body: Uint8Array; route: string };

// On globalThis, as projections.ts: Astro and scripts/serve.ts may evaluate this module twice
// (the metrics of a process of several are collected through the scripts' copy), and all must
// share one cache and one count.
const PAGES = Symbol.for("casebook.pages");
type PageState = { pages: Map<string, StoredPage>; bytes: number; counts: { hit: number; miss: number; stored: number; evicted: number } };
const pageHolder = globalThis as { [PAGES]?: PageState };
pageHolder[PAGES] ??= { pages: new Map(), bytes: 0, counts: { hit: 0, miss: 0, stored: 0, evicted: 0 } };
const pageState: PageState = pageHolder[PAGES];
const pages = pageState.pages;
const pageCounts = pageState.counts;

// Read per call so tests and the bench can set it for a process they start.
function pageCacheLimit(): number {
  const raw = process.env.CASEBOOK_PAGE_CACHE_MB;
  const mb = raw === undefined || raw === "" ? 24 : Number(raw);
  return Number.isFinite(mb) && mb > 0 ? mb * 1024 * 1024 : 0;
}

/** The page stored under a version validator, counted as a hit when there is one (a miss is counted by storedPage). */
export function takeStoredPage(etag: string): StoredPage | null {
  const page = pages.get(etag);
  if (!page) return null;
  pageCounts.hit++;
  // Most recently used last.
  pages.delete(etag);
  pages.set(etag, page);
  return page;
}

/** The page stored under a version validator, as a fresh Response (GET: with its body; HEAD: without). */
export function storedPage(etag: string, method: string): Response | null {
  const page = takeStoredPage(etag);
  if (!page) {
    pageCounts.miss++;
    return null;
  }
  return new Response(method === "HEAD" ? null : page.body.slice(), { status: page.status, headers: page.headers });
}

// Headers that belong to one response and are set again for each answer.
const PER_RESPONSE = new Set(["content-length", "x-request-id", "date", "connection", "keep-alive", "transfer-encoding"]);

/** Stores a shareable 200 GET answer under its version validator (a no-op when the cache is off or the page too large); `route` is its route pattern, for the metrics. */
export async function storePage(etag: string, response: Response, route = "unmatched"): Promise<void> {
  const limit = pageCacheLimit();
  if (limit === 0 || response.status !== 200 || response.headers.get("cache-control") !== PUBLIC_PAGE_CACHE || response.headers.has("set-cookie")) return;
  const body = new Uint8Array(await response.clone().arrayBuffer());
  if (body.length > limit / 8) return;
  const old = pages.get(etag);
  if (old) {
    pages.delete(etag);
    pageState.bytes -= old.body.length;
  }
  const headers = new Headers(response.headers);
  applySecurityHeaders(headers);
  const kept = [...headers].filter(([name]) => !PER_RESPONSE.has(name));
  const wire = [...kept.flat(), "content-length", String(body.length)];
  pages.set(etag, { status: 200, headers: kept, wire, body, route });
  pageState.bytes += body.length;
  pageCounts.stored++;
  for (const [key, page] of pages) {
    if (pageState.bytes <= limit) break;
    pages.delete(key);
    pageState.bytes -= page.body.length;
    pageCounts.evicted++;
  }
}

/** Rendered-page cache counts since the process started, for /metrics and the bench. */
export function pageCacheCounts(): { hit: number; miss: number; stored: number; evicted: number; pages: number; bytes: number } {
  return { ...pageCounts, pages: pages.size, bytes: pageState.bytes };
}
