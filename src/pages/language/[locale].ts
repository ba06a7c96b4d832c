// GET /language/<en|fr|nl>?next=<path>: the language switcher (issue 12 §3). Remembers the
// choice in a cookie and sends the browser to the same page in that language. `next` is
// only ever a path on this site (redirects.ts), so this is no open redirect.
import type { APIRoute } from "astro";
import { localePath, isLocale, routeLocale } from "../../i18n/routing.ts";
import { setLanguageCookie } from "../../lib/server/language.ts";
import { safeRedirectPath } from "../../lib/server/redirects.ts";

export const GET: APIRoute = ({ params, url, cookies, redirect }) => {
  const locale = params.locale;
  if (!isLocale(locale)) return new Response("No such language.", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
  const next = safeRedirectPath(url.searchParams.get("next"), url.origin, "/");
  // A `next` that is already prefixed keeps its page and takes the new language.
  const route = routeLocale(new URL(next, url.origin).pathname);
  const page = route.kind === "prefixed" ? next.slice(3) || "/" : route.kind === "refused" ? "/" : next;
  setLanguageCookie(cookies, url, locale);
  return redirect(localePath(locale, page), 303);
};
