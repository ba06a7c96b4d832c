// Identity and locale only (DESIGN.md §6): session cookie → locals.user / locals.session.
// Also refuses cross-site state-changing requests by Sec-Fetch-Site, on top of Astro's
// origin check (DESIGN.md §1, CSRF).
import { defineMiddleware } from "astro:middleware";
import { negotiateLocale } from "./i18n/index.ts";
import { ensureSearchWorker } from "./lib/server/search/outbox.ts";
import { clientIp } from "./lib/server/guard.ts";
import { SESSION_COOKIE, deleteSessionCookie, setSessionCookie, validateSessionToken } from "./lib/server/session.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export const onRequest = defineMiddleware(async (context, next) => {
  const site = context.request.headers.get("sec-fetch-site");
  if (!SAFE_METHODS.has(context.request.method) && site !== null && site !== "same-origin") {
    return new Response("Cross-site requests are not allowed.", { status: 403, headers: { "content-type": "text/plain; charset=utf-8" } });
  }
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
  // Astro standalone has no server-start hook: the first request starts the search outbox worker (once).
  ensureSearchWorker();
  const response = await next();
  // Pages depend on the visitor's language and session: never cache them in shared caches.
  if (!response.headers.has("cache-control")) response.headers.set("cache-control", "private, no-store");
  response.headers.set("x-content-type-options", "nosniff");
  response.headers.set("referrer-policy", "same-origin");
  response.headers.set("x-frame-options", "DENY");
  return response;
});

