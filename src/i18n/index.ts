// The one translation module: every UI string goes through t(). Locale comes from the
// signed-in user's setting, then Accept-Language (DESIGN.md, issue 2 §7).
import { en, type MessageKey } from "./en.ts";

/** Interface languages. */
export const LOCALES = ["en", "fr", "nl"] as const;

// French and Dutch catalogues are not written yet; their keys fall back to English.
const catalogues: Record<Locale, Partial<Record<MessageKey, string>>> = { en, fr: {}, nl: {} };

/** Translates a key, filling `{name}` placeholders; missing keys fall back to English. */
export function t(locale: Locale, key: MessageKey, params?: Record<string, string | number>): string {
  const template = catalogues[locale][key] ?? en[key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** Returns a translator bound to one locale. */
export function translator(locale: Locale): (key: MessageKey, params?: Record<string, string | number>) => string {
  return (key, params) => t(locale, key, params);
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
  return Object.keys(catalogues[locale]).length > 0 ? locale : "en";
}

// Intl formatters are costly to build (~0.1 ms each): one per language and style.
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const moneyFormats = new Map<string, Intl.NumberFormat>();

/** Formats a date for display in the interface language. */
export function formatDate(locale: Locale, value: string | Date | null | undefined): string {
  if (!value) return "";
  const date = typeof value === "string" ? new Date(value.replace(" ", "T")) : value;
  if (Number.isNaN(date.getTime())) return "";
  // Dates follow the language the interface is actually rendered in, not a missing catalogue's.
  const lang = renderedLanguage(locale);
  let format = dateFormats.get(lang);
  if (!format) {
    format = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : `${lang}-BE`, { dateStyle: "long", timeZone: "Europe/Brussels" });
    dateFormats.set(lang, format);
  }
  return format.format(date);
}

/** Formats a moment with its time (Brussels time), for histories where the order within a day matters. */
export function formatDateTime(locale: Locale, value: string | Date | null | undefined): string {
  if (!value) return "";
  const date = typeof value === "string" ? new Date(value.replace(" ", "T")) : value;
  if (Number.isNaN(date.getTime())) return "";
  const lang = renderedLanguage(locale);
  const key = `${lang}:datetime`;
  let format = dateFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : `${lang}-BE`, { dateStyle: "long", timeStyle: "short", timeZone: "Europe/Brussels" });
    dateFormats.set(key, format);
  }
  return format.format(date);
}

/** Formats an amount of money. */
export function formatMoney(locale: Locale, amount: number | null | undefined, currency = "EUR"): string {
  if (amount === null || amount === undefined) return "";
  const lang = renderedLanguage(locale);
  const key = `${lang}:${currency}`;
  let format = moneyFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(lang === "en" ? "en-GB" : `${lang}-BE`, { style: "currency", currency, maximumFractionDigits: 0 });
    moneyFormats.set(key, format);
  }
  return format.format(amount);
}

function isLocale(value: string): value is Locale {
  return (LOCALES as readonly string[]).includes(value);
}

/** An interface language. */
export type Locale = (typeof LOCALES)[number];
export type { MessageKey };
