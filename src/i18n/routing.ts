// Language in the URL (issue 12 §3): every page answers at /en/…, /fr/… and /nl/…. The page
// files stay where they are; the middleware strips the prefix and rewrites to them, with the
// prefix as the interface language. Old unprefixed page URLs redirect to the visitor's language
// (unprefixedRedirect); files, the API and form posts keep answering without a prefix.
import { LOCALES, negotiateLocale, type Locale } from "./index.ts";
import { safeRedirectPath } from "../lib/server/redirects.ts";

/** The cookie that remembers the language a visitor picked with the switcher. */
export const LANGUAGE_COOKIE = "casebook_lang";

/** Names of the languages, each in its own language (the switcher shows them so). */
export const LANGUAGE_NAMES: Readonly<Record<Locale, string>> = { en: "English", fr: "Français", nl: "Nederlands" };

// First path segments that are never prefixed: assets, Astro internals, the API and the health check.
const UNPREFIXED_SEGMENTS = new Set(["api", "healthz", "metrics", "_astro", "_actions", "_image", "_server-islands", ...LOCALES]);

/** True for a supported interface language code. */
export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/**
 * What a request path means for language routing: no prefix ("plain"), a language prefix and
 * the page path behind it ("prefixed"), or a prefixed path that must not reach any page
 * ("refused": `/fr//host`, backslashes, encoded slashes, `/fr/api/…`, `/fr/fr/…`).
 */
export type LocaleRoute = { kind: "plain" } | { kind: "prefixed"; locale: Locale; path: string } | { kind: "refused"; locale: Locale };

/** Splits a URL pathname (as the URL parser leaves it: dot segments resolved, still percent-encoded). */
export function routeLocale(pathname: string): LocaleRoute {
  const match = /^\/(en|fr|nl)(\/.*)?$/.exec(pathname);
  if (!match) return { kind: "plain" };
  const locale = match[1] as Locale;
  const path = match[2] ?? "/";
  // Nothing in our own links looks like this; each could make the rest read as another host or path.
  if (path.startsWith("//") || /[\\]|%2f|%5c|%00/i.test(path)) return { kind: "refused", locale };
  const first = path.split("/")[1] ?? "";
  if (UNPREFIXED_SEGMENTS.has(first.toLowerCase())) return { kind: "refused", locale };
  return { kind: "prefixed", locale, path };
}

/** The prefixed form of a site path (which may carry a query), e.g. localePath("fr", "/search?q=x") → "/fr/search?q=x". */
export function localePath(locale: Locale, path: string): string {
  return `/${locale}${path.startsWith("/") ? path : `/${path}`}`;
}

/**
 * A link or redirect target in the reader's language: a plain site page path gets the prefix;
 * already-prefixed paths, other origins, files (`.csv`, `.json`…), the API and assets stay as
 * they are — so pages can pass every internal href through it without double prefixes.
 */
export function localeHref(locale: Locale, path: string): string {
  if (!path.startsWith("/") || path.startsWith("//")) return path;
  const pathname = path.split(/[?#]/, 1)[0] ?? path;
  if (/^\/(en|fr|nl)(\/|$)/.test(pathname)) return path;
  const segments = pathname.split("/");
  if (UNPREFIXED_SEGMENTS.has((segments[1] ?? "").toLowerCase()) || segments[1] === "language") return path;
  // Data files and downloads are the same in every language.
  if (/\.[a-z0-9]+$/i.test(segments.at(-1) ?? "") || DOWNLOAD_PATHS.some((pattern) => pattern.test(pathname))) return path;
  return localePath(locale, path);
}

/**
 * The language of a request: a URL prefix always wins for that page view; otherwise the
 * visitor's explicit choice (switcher cookie), then a member's setting, then Accept-Language.
 */
export function chooseLocale(input: { prefix?: Locale | null; cookie?: string | null; userLocale?: string | null; acceptLanguage?: string | null }): Locale {
  if (input.prefix) return input.prefix;
  if (isLocale(input.cookie)) return input.cookie;
  return negotiateLocale(input.userLocale, input.acceptLanguage);
}

// Unprefixed paths that are files or endpoints, the same in every language: never redirected.
// (Attachments are served under a prefix too, since page links pass through localeHref, but
// old links to them must keep downloading; /account/export is a JSON download.)
// Downloads (attachments of posts and of round tables' preparation messages) are the same in
// every language: linked, and answered, without a prefix.
const DOWNLOAD_PATHS = [/^\/(posts|dashboard\/posts)\/[^/]+\/attachments(\/|$)/, /^\/round-tables\/[^/]+\/preparation\/[^/]+\/[^/]+$/];
const UNREDIRECTED_PATHS = [/^\/language(\/|$)/, /^\/account\/export\/?$/, ...DOWNLOAD_PATHS];

/**
 * Where a GET or HEAD of an old unprefixed page URL goes: the same path and query under the
 * visitor's language prefix (`/search?q=x` → `/fr/search?q=x`), or null when the path is not a
 * page (API, health check, switcher, assets, files, attachments, downloads) or would not be a
 * plain same-origin page path behind the prefix (`//host`, backslashes, encoded slashes…): those
 * keep answering as before. The target is always `/<locale>/…` on this site: never an open redirect.
 */
export function unprefixedRedirect(url: URL, locale: Locale): string | null {
  const pathname = url.pathname;
  if (routeLocale(pathname).kind !== "plain") return null;
  const first = (pathname.split("/")[1] ?? "").toLowerCase();
  if (UNPREFIXED_SEGMENTS.has(first)) return null;
  if (UNREDIRECTED_PATHS.some((pattern) => pattern.test(pathname))) return null;
  // Data files and assets (favicon.svg, robots.txt, decisions-template.csv) are the same in every language.
  if (/\.[a-z0-9]+$/i.test(pathname.split("/").at(-1) ?? "")) return null;
  const path = localePath(locale, pathname);
  // The prefixed path must be one routeLocale serves as a page (no `//`, `\\`, %2F, %5C, %00) …
  if (routeLocale(path).kind !== "prefixed") return null;
  // … and the whole target must read as a path on this site. Percent-escapes stay escaped in a
  // Location header (browsers do not decode them), so `%20` in a tag is fine here.
  const target = `${path}${url.search}`;
  if (/[\u0000-\u0020\u007f-\u009f\\]/.test(target) || new URL(target, url.origin).origin !== url.origin) return null;
  return target;
}

/** The current page's path and query without form-action parameters (nor an unsafe `next`), for links to the same page in another language. */
export function pagePath(url: URL): string {
  const query = new URLSearchParams(url.search);
  query.delete("_action");
  // A `next` that the page itself would refuse is not worth repeating in every link (defence in depth).
  const next = query.get("next");
  if (next !== null && safeRedirectPath(next, url.origin, "") === "") query.delete("next");
  const search = query.toString();
  return `${url.pathname}${search ? `?${search}` : ""}`;
}

/** `<link rel="alternate" hreflang>` targets for a page: one per language, and x-default (the unprefixed, negotiated URL). */
export function alternateLinks(origin: string, path: string): { hreflang: string; href: string }[] {
  const base = origin.replace(/\/$/, "");
  return [...LOCALES.map((locale) => ({ hreflang: locale, href: `${base}${localePath(locale, path)}` })), { hreflang: "x-default", href: `${base}${path}` }];
}
