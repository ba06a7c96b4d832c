// The one translation module: every UI string goes through t(). Locale comes from the
// signed-in user's setting, then Accept-Language (DESIGN.md, issue 2 §7). Messages are ICU
// MessageFormat (intl-messageformat): `{name}` arguments, `{count, plural, one {# post}
// other {# posts}}` and `{kind, select, …}`; dates and amounts go through Intl below.
import { isLiteralElement } from "@formatjs/icu-messageformat-parser";
import IntlMessageFormat, { type Formatters } from "intl-messageformat";
// The catalogues are data, one file per language; fr and nl satisfy Record<MessageKey, string>,
// so a key missing in either fails the type-check (tests/unit/i18n.test.ts checks arguments).
import { en, type MessageKey } from "./en.ts";
import { fr } from "./fr.ts";
import { nl } from "./nl.ts";

/** Interface languages. */
export const LOCALES = ["en", "fr", "nl"] as const;

/** A catalogue: every key of the English one, in one language. */
export type Catalogue = Readonly<Record<MessageKey, string>>;

const catalogues: { readonly [L in Locale]?: Catalogue } = { en, fr, nl };

/** The catalogues that exist, by language (English always). */
export function availableCatalogues(): Partial<Record<Locale, Catalogue>> {
  return Object.fromEntries(LOCALES.flatMap((l) => (catalogues[l] ? [[l, catalogues[l]]] : [])));
}

/** The Intl locale a language formats with: Belgian French and Dutch, British English (day-month order, 24 h). */
export function intlLocale(locale: Locale): string {
  return locale === "en" ? "en-GB" : `${locale}-BE`;
}

/** Values a message's arguments accept: plural arguments need numbers. */
export type MessageParams = Record<string, string | number>;

// Intl formatters are costly to build (~0.1 ms each): every compiled message shares one
// memoised set instead of each building its own.
function memoised<A extends unknown[], T>(make: (...args: A) => T): (...args: A) => T {
  const cache = new Map<string, T>();
  return (...args) => {
    const key = JSON.stringify(args);
    let value = cache.get(key);
    if (value === undefined) {
      value = make(...args);
      cache.set(key, value);
    }
    return value;
  };
}
const sharedFormatters: Formatters = {
  getNumberFormat: memoised((locales, options) => new Intl.NumberFormat(locales, options)),
  getDateTimeFormat: memoised((locales, options) => new Intl.DateTimeFormat(locales, { timeZone: "Europe/Brussels", ...options })),
  getPluralRules: memoised((locales, options) => new Intl.PluralRules(locales, options)),
} as Formatters;

// Compiled messages per language and key: pages call t() hundreds of times, parsing is the
// costly part. A message without arguments is stored as its final text. null = does not parse.
type Compiled = { text: string } | { format: IntlMessageFormat; results: Map<string, string> } | null;
// One map per language: a page calls t() hundreds of times, and a key made of both was a string built per call.
const compiled = new Map<Locale, Map<MessageKey, Compiled>>();

/** Parses a message of a language; exported for the catalogue tests. Throws on a syntax error. */
export function compileMessage(locale: Locale, message: string): IntlMessageFormat {
  // Tags stay text: messages never carry markup (Astro escapes what t() returns).
  return new IntlMessageFormat(message, intlLocale(locale), undefined, { ignoreTag: true, formatters: sharedFormatters });
}

function compiledFor(locale: Locale, key: MessageKey): Compiled {
  let messages = compiled.get(locale);
  if (messages === undefined) {
    messages = new Map();
    compiled.set(locale, messages);
  }
  let entry = messages.get(key);
  if (entry === undefined) {
    const message = catalogues[locale]?.[key];
    if (message === undefined) entry = null;
    else {
      try {
        const format = compileMessage(locale, message);
        const ast = format.getAst();
        entry = ast.every(isLiteralElement) ? { text: String(format.format()) } : { format, results: new Map() };
      } catch (error) {
        warnOnce(`${locale}:${key}`, error);
        entry = null;
      }
    }
    messages.set(key, entry);
  }
  return entry;
}

const warned = new Set<string>();
function warnOnce(what: string, error: unknown): void {
  if (warned.has(what)) return;
  warned.add(what);
  console.error(`i18n: message ${what} cannot be used: ${error instanceof Error ? error.message : String(error)}`);
}

// A message with arguments is formatted anew at each call, and formatting is the costly part of
// a search page's ~100 counts ("12 posts"). Its text depends only on the arguments: kept per
// message for arguments that are strings and numbers (a date may be any moment: not kept), and
// short ones only (a search's words, seen once, would only fill the map).
const RESULTS_PER_MESSAGE = 256;
const LONGEST_KEPT_ARGUMENTS = 128;
function resultKey(params: MessageParams | undefined): string | null {
  if (!params) return "";
  let key = "";
  for (const name in params) {
    const value = params[name];
    if (typeof value !== "number" && typeof value !== "string") return null;
    // Lengths first, so that no two sets of arguments write the same key.
    const text = String(value);
    key += `${name.length}:${name}${typeof value === "number" ? "n" : "s"}${text.length}:${text}`;
  }
  return key;
}

function render(locale: Locale, key: MessageKey, params: MessageParams | undefined): string | null {
  const entry = compiledFor(locale, key);
  if (entry === null) return null;
  if ("text" in entry) return entry.text;
  const argumentsKey = resultKey(params);
  const known = argumentsKey === null ? undefined : entry.results.get(argumentsKey);
  if (known !== undefined) return known;
  try {
    const text = String(entry.format.format(params ?? {}));
    if (argumentsKey !== null && argumentsKey.length <= LONGEST_KEPT_ARGUMENTS) {
      if (entry.results.size >= RESULTS_PER_MESSAGE) entry.results.clear();
      entry.results.set(argumentsKey, text);
    }
    return text;
  } catch (error) {
    warnOnce(`${locale}:${key}`, error);
    return null;
  }
}

/**
 * Translates a key with ICU MessageFormat. A message that is missing, does not parse or lacks
 * an argument falls back to English; if English fails too, the message is shown as written
 * (the language's own, else English, else the key), so a page never breaks over one string.
 */
export function t(locale: Locale, key: MessageKey, params?: MessageParams): string {
  return render(locale, key, params) ?? (locale === "en" ? null : render("en", key, params)) ?? catalogues[locale]?.[key] ?? en[key] ?? key;
}

/** Returns a translator bound to one locale. */
export function translator(locale: Locale): (key: MessageKey, params?: MessageParams) => string {
  return (key, params) => t(locale, key, params);
}

/** The plural category of a count in a rendered language ("one", "other", French "many"…), for code that picks a key itself. */
export function pluralCategory(locale: Locale, count: number): Intl.LDMLPluralRule {
  return sharedFormatters.getPluralRules(intlLocale(renderedLanguage(locale))).select(count);
}

/** True for strings that are a known key (for codes coming from data). */
export function isMessageKey(key: string): key is MessageKey {
  return key in en;
}

/** Translates a code from a codelist, e.g. codeLabel("en", "outcome", "failure"). */
export function codeLabel(locale: Locale, list: string, value: string): string {
  const key = `code.${list}.${value}`;
  return isMessageKey(key) ? t(locale, key) : value;
}

/** Picks the interface locale: the user's setting, then the best Accept-Language match, then English. */
export function negotiateLocale(userLocale: string | null | undefined, acceptLanguage: string | null | undefined): Locale {
  if (userLocale && isLocale(userLocale)) return userLocale;
  if (!acceptLanguage) return "en";
  const ranked = acceptLanguage
    .split(",")
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      return { lang: tag.toLowerCase().split("-")[0] ?? "", q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter((entry) => entry.lang && Number.isFinite(entry.q) && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked.map((entry) => entry.lang).find(isLocale) ?? "en";
}

/** The language whose catalogue actually renders for a locale (for `<html lang>`). */
export function renderedLanguage(locale: Locale): Locale {
  return catalogues[locale] ? locale : "en";
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();
const numberFormats = new Map<string, Intl.NumberFormat>();

function toDate(value: string | Date | null | undefined): Date | null {
  if (!value) return null;
  // PocketBase writes "2026-01-02 10:00:00.000Z"; Date wants the T.
  const date = typeof value === "string" ? new Date(value.replace(" ", "T")) : value;
  return Number.isNaN(date.getTime()) ? null : date;
}

function dateFormat(locale: Locale, withTime: boolean): Intl.DateTimeFormat {
  // Dates follow the language the interface is actually rendered in, not a missing catalogue's.
  const lang = renderedLanguage(locale);
  const key = `${lang}:${withTime ? "datetime" : "date"}`;
  let format = dateFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(intlLocale(lang), { dateStyle: "long", ...(withTime ? { timeStyle: "short" } : {}), timeZone: "Europe/Brussels" });
    dateFormats.set(key, format);
  }
  return format;
}

/** Formats a date for display in the interface language. */
export function formatDate(locale: Locale, value: string | Date | null | undefined): string {
  const date = toDate(value);
  return date ? dateFormat(locale, false).format(date) : "";
}

/** Formats a moment with its time (Brussels time), for histories where the order within a day matters. */
export function formatDateTime(locale: Locale, value: string | Date | null | undefined): string {
  const date = toDate(value);
  return date ? dateFormat(locale, true).format(date) : "";
}

function numberFormat(locale: Locale, key: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const lang = renderedLanguage(locale);
  const cacheKey = `${lang}:${key}`;
  let format = numberFormats.get(cacheKey);
  if (!format) {
    format = new Intl.NumberFormat(intlLocale(lang), options);
    numberFormats.set(cacheKey, format);
  }
  return format;
}

/** Formats a count or other number with the language's grouping ("1,234", "1 234", "1.234"). */
export function formatNumber(locale: Locale, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "";
  return numberFormat(locale, "number", {}).format(value);
}

/** Formats an amount of money. */
export function formatMoney(locale: Locale, amount: number | null | undefined, currency = "EUR"): string {
  if (amount === null || amount === undefined) return "";
  return numberFormat(locale, currency, { style: "currency", currency, maximumFractionDigits: 0 }).format(amount);
}

function isLocale(value: string): value is Locale {
  return (LOCALES as readonly string[]).includes(value);
}

/** An interface language. */
export type Locale = (typeof LOCALES)[number];
export type { MessageKey };

// Domain messages (the server's English refusals) are shown in the page's language by i18n/domain.ts.
