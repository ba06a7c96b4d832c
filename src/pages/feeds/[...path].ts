// Public Atom and JSON feeds (issue 13 §6; URL scheme in lib/server/feeds.ts), and a member's
// private feed of what they follow at /feeds/private/<token>.atom|json (issue 13 §3). A public
// feed is the same for everyone, so it is cacheable: anonymous readers get Cache-Control
// public, an ETag and 304s; a request carrying a session stays private (its response may
// refresh the cookie). A private feed is never stored by shared caches.
import type { APIRoute } from "astro";
import type { Locale } from "../../i18n/index.ts";
import { localePath, routeLocale } from "../../i18n/routing.ts";
import { getConfig } from "../../lib/server/config.ts";
import { feedResponse, loadFeed, parseFeedPath, renderFeed, type FeedFormat } from "../../lib/server/feeds.ts";
import { loadPrivateFeed } from "../../lib/server/follows.ts";

export const GET: APIRoute = async (context) => {
  // The language is in the path that was asked for: the middleware's rewrite of /fr/feeds/… hands
  // this endpoint the unprefixed URL, and keeps the path asked for in locals.
  const asked = context.locals.requestPath ?? context.url.pathname;
  const route = routeLocale(asked);
  const urlLocale: Locale | null = route.kind === "prefixed" ? route.locale : null;
  const path = /^\/feeds\/(.+)$/.exec(route.kind === "prefixed" ? route.path : asked)?.[1] ?? "";
  const secret = /^private\/([^/]+)\.(atom|json)$/.exec(path);
  if (secret) {
    const format = secret[2] as FeedFormat;
    const token = secret[1] ?? "";
    const content = await loadPrivateFeed(token, urlLocale, (locale) =>
      urlLocale ? localePath(locale, `/feeds/private/${token}.${format}`) : `/feeds/private/${token}.${format}`,
    );
    if (!content) return context.rewrite("/404");
    return feedResponse(context.request, renderFeed(content, format, getConfig().publicUrl), format, "secret");
  }
  const parsed = parseFeedPath(path);
  if (!parsed) return context.rewrite("/404");
  // A public feed's language is in its URL; an unprefixed feed URL is the English feed, whoever asks,
  // so that a shared cache may keep it (its entries link to the /en/ pages).
  const content = await loadFeed(urlLocale ?? "en", parsed.scope, parsed.format);
  if (!content) return context.rewrite("/404");
  return feedResponse(
    context.request,
    renderFeed(content, parsed.format, getConfig().publicUrl),
    parsed.format,
    context.locals.session === null ? "public" : "private",
  );
};
