// Identity and locale only (DESIGN.md §6): session cookie → locals.user / locals.session.
// Also refuses cross-site state-changing requests by Origin and Sec-Fetch-Site (DESIGN.md
// §1, CSRF; lib/server/csrf.ts), refuses foreign Host headers, and sets the security
// headers (CSP and isolation, lib/server/headers.ts) on every response it produces.
// Language in the URL (issue 12 §3, i18n/routing.ts): /fr/… and /nl/… and /en/… are rewritten
// to the unprefixed page with that language; `/` redirects to the visitor's language.
import { defineMiddleware } from "astro:middleware";
import { LANGUAGE_COOKIE, chooseLocale, routeLocale } from "./i18n/routing.ts";
import { ensureSearchWorker } from "./lib/server/search/outbox.ts";
import { clientIp } from "./lib/server/guard.ts";
import { getConfig } from "./lib/server/config.ts";
import { allowedHosts, applySecurityHeaders, isAllowedHost } from "./lib/server/headers.ts";
import { crossSiteRefusal } from "./lib/server/csrf.ts";
import { oversizeBody, tooLargeResponse } from "./lib/server/bodylimit.ts";
import { SESSION_COOKIE, deleteSessionCookie, ensureSessionSweeper, setSessionCookie, validateSessionToken } from "./lib/server/session.ts";

let hosts: Set<string> | undefined;

/** A short plain-text refusal that still carries the security headers. */
function refuse(status: number, text: string): Response {
  const response = new Response(text, { status, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });
  applySecurityHeaders(response.headers);
  return response;
}

export const onRequest = defineMiddleware(async (context, next) => {
  // DNS rebinding: a page on another domain that resolves to this machine sends its own
  // Host header; answer only to this site's own names (PUBLIC_URL, loopback, ALLOWED_HOSTS).
  hosts ??= allowedHosts(getConfig());
  if (!isAllowedHost(context.request.headers.get("host"), hosts)) {
    return refuse(421, "This site answers only to its own address. Set PUBLIC_URL or ALLOWED_HOSTS if it is served under another name.");
  }
  const crossSite = crossSiteRefusal(context.request, getConfig().publicUrl);
  if (crossSite) return refuse(403, crossSite);
  const route = routeLocale(context.url.pathname);
  // The page the request is for, without its language prefix (same query); what body limits and pages see.
  const pageUrl = new URL(context.url);
  if (route.kind === "prefixed") pageUrl.pathname = route.path;
  context.locals.user = null;
  context.locals.session = null;
  const token = context.cookies.get(SESSION_COOKIE)?.value;
  if (token && !context.url.pathname.startsWith("/_astro/")) {
    const meta = { userAgent: context.request.headers.get("user-agent"), ip: clientIp(context) };
    const result = await validateSessionToken(token, meta).catch(() => null);
    if (result) {
      context.locals.user = result.actor;
      context.locals.session = result.session;
      if (result.newToken) setSessionCookie(context.cookies, context.url, result.newToken, result.session.expiresAt);
    } else {
      deleteSessionCookie(context.cookies, context.url);
    }
  }
  context.locals.locale = chooseLocale({
    prefix: route.kind === "plain" ? null : route.locale,
    cookie: context.cookies.get(LANGUAGE_COOKIE)?.value,
    userLocale: context.locals.user?.locale,
    acceptLanguage: context.request.headers.get("accept-language"),
  });
  // The first visit to `/` goes to the visitor's language; the answer depends on these headers.
  if (route.kind === "plain" && context.url.pathname === "/" && (context.request.method === "GET" || context.request.method === "HEAD")) {
    const response = new Response(null, {
      status: 302,
      headers: { location: `/${context.locals.locale}/${context.url.search}`, vary: "Accept-Language, Cookie", "cache-control": "private, no-store" },
    });
    applySecurityHeaders(response.headers);
    return response;
  }
  // Before any action or page reads the body (issue 9 §8).
  const bodyLimit = await oversizeBody(context.request, pageUrl, context.locals.user !== null);
  if (bodyLimit !== null) {
    const response = tooLargeResponse(context.request, bodyLimit, context.locals.locale);
    applySecurityHeaders(response.headers);
    return response;
  }
  // Astro standalone has no server-start hook: the first request starts the search outbox worker (once).
  ensureSearchWorker();
  ensureSessionSweeper();
  // Prefixed paths that could be read as another host or reach the API get the site's 404 page.
  const response = await (route.kind === "plain" ? next() : next(route.kind === "prefixed" ? pageUrl : new URL("/404", context.url)));
  // Pages depend on the visitor's language and session: never cache them in shared caches.
  if (!response.headers.has("cache-control")) response.headers.set("cache-control", "private, no-store");
  applySecurityHeaders(response.headers);
  return response;
});
