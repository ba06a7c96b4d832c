// Language in the URL (issue 12 §3): every page answers at /en/…, /fr/… and /nl/…. The page
// files stay where they are; the middleware strips the prefix and rewrites to them, with the
// prefix as the interface language. Unprefixed URLs still render in the negotiated language.
import { LOCALES, negotiateLocale, type Locale } from "./index.ts";
import { safeRedirectPath } from "../lib/server/redirects.ts";

/** The cookie that remembers the language a visitor picked with the switcher. */
export const LANGUAGE_COOKIE = "casebook_lang";

/** Names of the languages, each in its own language (the switcher shows them so). */
export const LANGUAGE_NAMES: Readonly<Record<Locale, string>> = { en: "English", fr: "Français", nl: "Nederlands" };

// First path segments that are never prefixed: assets, Astro internals, the API and the health check.
const UNPREFIXED_SEGMENTS = new Set(["api", "healthz", "_astro", "_actions", "_image", "_server-islands", ...LOCALES]);

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
  if (/\.[a-z0-9]+$/i.test(segments.at(-1) ?? "")) return path;
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
