// Identity and locale only (DESIGN.md §6): session cookie → locals.user / locals.session.
// Also refuses cross-site state-changing requests by Origin and Sec-Fetch-Site (DESIGN.md
// §1, CSRF; lib/server/csrf.ts), refuses foreign Host headers, and sets the security
// headers (CSP and isolation, lib/server/headers.ts) on every response it produces.
import { defineMiddleware } from "astro:middleware";
import { negotiateLocale } from "./i18n/index.ts";
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
  context.locals.locale = negotiateLocale(context.locals.user?.locale, context.request.headers.get("accept-language"));
  // Before any action or page reads the body (issue 9 §8).
  const bodyLimit = await oversizeBody(context.request, context.url, context.locals.user !== null);
  if (bodyLimit !== null) {
    const response = tooLargeResponse(context.request, bodyLimit, context.locals.locale);
    applySecurityHeaders(response.headers);
    return response;
  }
  // Astro standalone has no server-start hook: the first request starts the search outbox worker (once).
  ensureSearchWorker();
  ensureSessionSweeper();
  const response = await next();
  // Pages depend on the visitor's language and session: never cache them in shared caches.
  if (!response.headers.has("cache-control")) response.headers.set("cache-control", "private, no-store");
  applySecurityHeaders(response.headers);
  return response;
});
