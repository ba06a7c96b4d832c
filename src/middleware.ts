// Identity and locale only (DESIGN.md §6): session cookie → locals.user / locals.session.
// Also refuses cross-site state-changing requests by Origin and Sec-Fetch-Site (DESIGN.md
// §1, CSRF; lib/server/csrf.ts), refuses foreign Host headers, and sets the security
// headers (CSP and isolation, lib/server/headers.ts) on every response it produces.
// Language in the URL (issue 12 §3, i18n/routing.ts): /fr/… and /nl/… and /en/… are rewritten
// to the unprefixed page with that language; a GET of an old unprefixed page URL (`/` included)
// redirects to the visitor's language. Anonymous views of public pages may then be cached per URL
// (lib/server/pagecache.ts); everything else stays `private, no-store`.
import type { APIContext, MiddlewareNext } from "astro";
import { defineMiddleware, sequence } from "astro:middleware";
import { LANGUAGE_COOKIE, chooseLocale, routeLocale, unprefixedRedirect } from "./i18n/routing.ts";
import {
  PRIVATE_PAGE_CACHE,
  PUBLIC_PAGE_CACHE,
  etagMatches,
  isIndexBackedPath,
  isStorablePagePath,
  pageCacheHeaders,
  storePage,
  storedPage,
  versionEtag,
  withEtag,
} from "./lib/server/pagecache.ts";
import { projectionVersion } from "./lib/server/projections.ts";
import { searchIndexVersion } from "./lib/server/search/index.ts";
import { brusselsToday } from "./lib/server/funding.ts";
import { clientIp } from "./lib/server/guard.ts";
import { getConfig } from "./lib/server/config.ts";
import { allowedHosts, applySecurityHeaders, isAllowedHost } from "./lib/server/headers.ts";
import { crossSiteRefusal } from "./lib/server/csrf.ts";
import { oversizeBody, tooLargeResponse } from "./lib/server/bodylimit.ts";
import { SESSION_COOKIE, deleteSessionCookie, setSessionCookie, validateSessionToken } from "./lib/server/session.ts";
import { startBackgroundWork } from "./lib/server/workers.ts";
import { recordRequest, requestIdOf } from "./lib/server/observability.ts";
import { isPocketBaseHealthy } from "./lib/server/pocketbase.ts";
// Register the answers scripts/serve.ts tries before Astro: stored pages, the search API.
import "./lib/server/fastpages.ts";
import "./lib/server/fastsearch.ts";

let hosts: Set<string> | undefined;

// Astro.rewrite() (a page answering with the 404 page) runs this middleware again for the new
// path with the same locals: identity, language and checks were settled on the first pass, and
// `/404` must neither redirect nor lose the language of the URL that was asked for.
const routedRequests = new WeakSet<object>();

// Endpoints whose answer does not depend on who asks.
const VISITOR_INDEPENDENT = /^\/(api|healthz|metrics)(\/|$)/;

function safeMethodOf(request: Request): boolean {
  return request.method === "GET" || request.method === "HEAD";
}

/** A short plain-text refusal that still carries the security headers. */
function refuse(status: number, text: string): Response {
  const response = new Response(text, { status, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });
  applySecurityHeaders(response.headers);
  return response;
}

// Every request answered here is counted and logged once (lib/server/observability.ts), under its
// id (X-Request-Id on the response) and the pattern of the page that answered. A language-prefixed
// URL is a rewrite (next(pageUrl) in `handle`): Astro's sequence() resolves it before the next
// handler, so `notePattern` sees the page's pattern where `observe` alone would see the prefix's.
const observe = defineMiddleware(async (context, next) => {
  if (routedRequests.has(context.locals) && context.url.pathname === "/404") return next();
  const started = performance.now();
  const id = requestIdOf(context.request);
  const method = context.request.method;
  const routeOf = () => context.locals.routePattern ?? (context.routePattern || "unmatched");
  // A failure thrown here is answered by Astro's error page, which comes through this middleware
  // again (route /500) and is counted then.
  let response = await next();
  // A server error while PocketBase cannot be reached is an outage, not a bug: 503 with the same
  // friendly page and when to come back, so that load balancers and crawlers retry.
  if (response.status === 500 && !(await isPocketBaseHealthy())) {
    const headers = new Headers(response.headers);
    headers.set("retry-after", "10");
    response = new Response(response.body, { status: 503, headers });
  }
  recordRequest({ id, method, route: routeOf(), status: response.status, ms: performance.now() - started });
  response.headers.set("x-request-id", id);
  return response;
});

const notePattern = defineMiddleware((context, next) => {
  context.locals.routePattern ??= context.routePattern;
  return next();
});

export const onRequest = sequence(observe, defineMiddleware(handle), notePattern);

async function handle(context: APIContext, next: MiddlewareNext): Promise<Response> {
  if (routedRequests.has(context.locals) && context.url.pathname === "/404") return next();
  // DNS rebinding: a page on another domain that resolves to this machine sends its own
  // Host header; answer only to this site's own names (PUBLIC_URL, loopback, ALLOWED_HOSTS).
  hosts ??= allowedHosts(getConfig());
  if (!isAllowedHost(context.request.headers.get("host"), hosts)) {
    return refuse(421, "This site answers only to its own address. Set PUBLIC_URL or ALLOWED_HOSTS if it is served under another name.");
  }
  const crossSite = crossSiteRefusal(context.request, getConfig().publicUrl);
  if (crossSite) return refuse(403, crossSite);
  const route = routeLocale(context.url.pathname);
  context.locals.requestPath = context.url.pathname;
  // The page the request is for, without its language prefix (same query); what body limits and pages see.
  const pageUrl = new URL(context.url);
  if (route.kind === "prefixed") pageUrl.pathname = route.path;
  context.locals.user = null;
  context.locals.session = null;
  const token = context.cookies.get(SESSION_COOKIE)?.value;
  if (token && !context.url.pathname.startsWith("/_astro/")) {
    const meta = { userAgent: context.request.headers.get("user-agent"), ip: clientIp(context) };
    // PocketBase unreachable (undefined): the visitor is anonymous for this request, but keeps the
    // cookie — an outage must not sign everybody out. Only a session that does not exist or has
    // expired (null) loses its cookie.
    const result = await validateSessionToken(token, meta).catch(() => undefined);
    if (result) {
      context.locals.user = result.actor;
      context.locals.session = result.session;
      if (result.newToken) setSessionCookie(context.cookies, context.url, result.newToken, result.session.expiresAt);
    } else if (result === null) {
      deleteSessionCookie(context.cookies, context.url);
    } else if (context.routePattern !== "/500" && !VISITOR_INDEPENDENT.test(context.url.pathname)) {
      // A member's page or form cannot be served without PocketBase, and "please sign in" would
      // be a lie (and a form sent to the sign-in page loses what was typed): the error page
      // answers instead (503, see `observe`); the browser's Back button still holds the form.
      // The JSON API, /healthz and /metrics answer the same to everybody: they go on anonymous.
      throw new Error("PocketBase cannot be reached to check the session");
    }
  }
  context.locals.locale = chooseLocale({
    prefix: route.kind === "plain" ? null : route.locale,
    cookie: context.cookies.get(LANGUAGE_COOKIE)?.value,
    userLocale: context.locals.user?.locale,
    acceptLanguage: context.request.headers.get("accept-language"),
  });
  // Old unprefixed page URLs (and the first visit to `/`) go to the same page in the visitor's
  // language. 302, not 301/308: the target depends on the visitor (cookie, account, browser), so
  // neither a browser nor a shared cache may keep it (private, no-store, Vary on what decided it);
  // GET and HEAD only, so a form posted to an old URL still reaches its action (302 would turn it
  // into a GET). Error pages that Astro renders for an unknown path (route /404, /500) stay put.
  const safeMethod = safeMethodOf(context.request);
  const target =
    safeMethod && route.kind === "plain" && !["/404", "/500"].includes(context.routePattern) ? unprefixedRedirect(context.url, context.locals.locale) : null;
  if (target !== null) {
    const response = new Response(null, {
      status: 302,
      headers: { location: target, vary: "Accept-Language, Cookie", "cache-control": PRIVATE_PAGE_CACHE },
    });
    applySecurityHeaders(response.headers);
    return response;
  }
  routedRequests.add(context.locals);
  // Before any action or page reads the body (issue 9 §8).
  const bodyLimit = await oversizeBody(context.request, pageUrl, context.locals.user !== null);
  if (bodyLimit !== null) {
    const response = tooLargeResponse(context.request, bodyLimit, context.locals.locale);
    applySecurityHeaders(response.headers);
    return response;
  }
  // Astro standalone has no server-start hook: the first request starts the background work (once).
  startBackgroundWork();
  // Prefixed paths that could be read as another host or reach the API get the site's 404 page.
  // Astro's rendering of the error page after a failure (route /500, same URL) renders that page
  // itself: rewriting to the page that failed would fail again and lose this middleware's headers.
  const errorPage = context.routePattern === "/500";
  // An anonymous visitor's conditional request for a public page that has not changed since
  // (same version of public content, day, URL and cookies) is answered 304 before rendering.
  const version = token === undefined && safeMethod && route.kind === "prefixed" ? projectionVersion() : null;
  // Search results and the /failures tabs also follow the search index (pagecache.ts).
  const indexVersion = version && isIndexBackedPath(pageUrl.pathname) ? searchIndexVersion() : null;
  const etag = version
    ? versionEtag({
        path: pageUrl.pathname,
        url: context.url,
        cookie: context.request.headers.get("cookie"),
        version: version.tag,
        indexVersion,
        day: brusselsToday(),
      })
    : null;
  if (version && etag && etagMatches(context.request.headers.get("if-none-match"), etag)) {
    const notModified = new Response(null, {
      status: 304,
      headers: { etag, "last-modified": version.changedAt.toUTCString(), "cache-control": PUBLIC_PAGE_CACHE, vary: "Cookie" },
    });
    applySecurityHeaders(notModified.headers);
    return notModified;
  }
  // The same anonymous view rendered before at this version: served as it was (pagecache.ts).
  const stored = version && etag ? storedPage(etag, context.request.method) : null;
  if (stored) {
    applySecurityHeaders(stored.headers);
    return stored;
  }
  const response = await (route.kind === "plain" || errorPage ? next() : next(route.kind === "prefixed" ? pageUrl : new URL("/404", context.url)));
  // Routes that chose their own caching (API, files) keep it. Pages: an anonymous view of a public
  // page under a language prefix may be shared per URL; anything else depends on the visitor.
  let answer = response;
  if (!response.headers.has("cache-control")) {
    const shareable = pageCacheHeaders({
      method: context.request.method,
      prefixed: route.kind === "prefixed",
      path: pageUrl.pathname,
      status: response.status,
      signedIn: context.locals.user !== null,
      sessionCookie: token !== undefined,
      setsCookies: response.headers.has("set-cookie") || [...context.cookies.headers()].length > 0,
    });
    for (const [name, value] of Object.entries(shareable)) response.headers.set(name, value);
    // The version's validator only if nothing public (nor the index, for a page built on it) changed while the page was rendered.
    const unchanged = projectionVersion()?.tag === version?.tag && (indexVersion === null || searchIndexVersion() === indexVersion);
    const stillCurrent = version && etag && unchanged ? { etag, changedAt: version.changedAt } : undefined;
    if (shareable["cache-control"] !== PRIVATE_PAGE_CACHE && context.request.method === "GET") {
      answer = await withEtag(response, context.request, stillCurrent);
      // Kept for the next anonymous visitor only if rendered wholly at the version it is filed under.
      if (stillCurrent && answer.status === 200 && isStorablePagePath(pageUrl.pathname))
        await storePage(stillCurrent.etag, answer, context.locals.routePattern ?? context.routePattern);
    }
  }
  applySecurityHeaders(answer.headers);
  return answer;
}
