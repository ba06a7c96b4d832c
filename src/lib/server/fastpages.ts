// Stored pages answered before Astro (issue 15 §3). A page that the rendered-page cache holds
// (pagecache.ts) was served through Astro's request handling all the same — a Web Request built
// from Node's, the middleware, a Response streamed back — which capped a post page at ~2,300
// answers a second where a static file from the same server gets ~8,500. scripts/serve.ts asks
// this first; it answers only a request the middleware would have answered from the cache too,
// with the same bytes and headers, and leaves every other request to Astro:
//   - GET or HEAD without a body, for a language-prefixed URL made only of plain characters (so
//     that its path is the same string however it is parsed, as the cache's key needs), with no
//     dot segment;
//   - no session cookie (any cookie whose name is the session's: even an expired one, as the
//     middleware, which would sign the visitor out);
//   - a Host the site answers to (a foreign one gets Astro's 421);
//   - the version validator the middleware would compute (projections live, same version, day,
//     URL and cookies, and the search index's version for a page built on it) names a stored page.
// The answer is counted and logged as the middleware's `observe` does, under the page's route.
// Registered at load as an answer before Astro (earlyanswers.ts).
import type { IncomingMessage, ServerResponse } from "node:http";
import { routeLocale } from "../../i18n/routing.ts";
import { getConfig } from "./config.ts";
import { registerEarlyAnswer } from "./earlyanswers.ts";
import { brusselsToday } from "./funding.ts";
import { SECURITY_HEADERS, allowedHosts, isAllowedHost } from "./headers.ts";
import { recordRequest, requestIdFrom } from "./observability.ts";
import { PUBLIC_PAGE_CACHE, etagMatches, isIndexBackedPath, takeStoredPage, versionEtag } from "./pagecache.ts";
import { projectionVersion } from "./projections.ts";
import { searchIndexVersion } from "./search/index.ts";
import { SESSION_COOKIE } from "./session.ts";

// A language prefix, then segments of unreserved characters; any query without a fragment.
const PLAIN_PAGE_URL = /^\/(?:en|fr|nl)(?:\/[A-Za-z0-9._~-]*)*(?:\?[^#]*)?$/;
const DOT_SEGMENT = /\/\.\.?(?:\/|\?|$)/;

let hosts: Set<string> | undefined;
const SECURITY_WIRE = Object.entries(SECURITY_HEADERS).flat();

/** Answers `req` from the rendered-page cache, as the middleware would; false (nothing written) to let Astro answer. */
export function answerStoredPage(req: IncomingMessage, res: ServerResponse): boolean {
  const started = performance.now();
  const method = req.method;
  if (method !== "GET" && method !== "HEAD") return false;
  if (req.headers["content-length"] !== undefined || req.headers["transfer-encoding"] !== undefined) return false;
  const raw = req.url ?? "";
  if (!PLAIN_PAGE_URL.test(raw) || DOT_SEGMENT.test(raw)) return false;
  const cookie = req.headers.cookie ?? null;
  if (cookie?.includes(SESSION_COOKIE)) return false;
  hosts ??= allowedHosts(getConfig());
  if (!isAllowedHost(req.headers.host ?? null, hosts)) return false;
  const version = projectionVersion();
  if (!version) return false;
  // As Astro builds the request's URL: origin, then the path as sent (the host plays no part in the key).
  const url = new URL(`http://casebook.invalid${raw}`);
  const route = routeLocale(url.pathname);
  if (route.kind !== "prefixed") return false;
  const indexVersion = isIndexBackedPath(route.path) ? searchIndexVersion() : null;
  const etag = versionEtag({ path: route.path, url, cookie, version: version.tag, indexVersion, day: brusselsToday() });
  if (!etag) return false;
  const page = takeStoredPage(etag);
  if (!page) return false;
  const id = requestIdFrom(req.headers["x-request-id"]);
  const notModified = etagMatches(req.headers["if-none-match"] ?? null, etag);
  if (notModified) {
    res.writeHead(304, [
      "etag",
      etag,
      "last-modified",
      version.changedAt.toUTCString(),
      "cache-control",
      PUBLIC_PAGE_CACHE,
      "vary",
      "Cookie",
      ...SECURITY_WIRE,
      "x-request-id",
      id,
    ]);
    res.end();
  } else {
    res.writeHead(page.status, [...page.wire, "x-request-id", id]);
    res.end(method === "HEAD" ? undefined : page.body);
  }
  recordRequest({ id, method, route: page.route, status: notModified ? 304 : page.status, ms: performance.now() - started });
  return true;
}

registerEarlyAnswer("stored pages", answerStoredPage);
