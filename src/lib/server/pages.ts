// Editorial pages (about, guidelines, moderation policy, privacy) from content/pages/<locale>/,
// bundled at build time and rendered once per process and language, not per request.
import { LOCALES, type Locale } from "../../i18n/index.ts";
import { getConfig } from "./config.ts";
import { renderMarkdown } from "./markdown.ts";

const sources = import.meta.glob<string>("../../../content/pages/*/*.md", { query: "?raw", import: "default", eager: true });
// /moderation is the moderators' queue, so the public policy lives at /moderation-policy.
const URL_SLUGS: Record<string, string> = { moderation: "moderation-policy" };
/** Where the moderation policy is published. */
export const MODERATION_POLICY_PATH = "/moderation-policy";

/** The text that stands for the platform's contact address in content/pages (configured at run time, not build time). */
export const CONTACT_PLACEHOLDER = "{{contact_email}}";

// What stands in for the address when none is configured, so the page never points nowhere.
const NO_CONTACT: Record<Locale, string> = {
  en: "the platform's operator (no contact address is configured yet)",
  fr: "l'exploitant de la plateforme (aucune adresse de contact n'est encore configurée)",
  nl: "de beheerder van het platform (er is nog geen contactadres ingesteld)",
};

// Markdown source per language and URL slug, e.g. sourcesByLocale.fr["moderation-policy"].
const sourcesByLocale: Record<Locale, Map<string, string>> = { en: new Map(), fr: new Map(), nl: new Map() };
for (const [file, source] of Object.entries(sources)) {
  const [folder = "", name = ""] = file.split("/").slice(-2);
  if (!(LOCALES as readonly string[]).includes(folder)) continue;
  const base = name.replace(/\.md$/, "");
  sourcesByLocale[folder as Locale].set(URL_SLUGS[base] ?? base, source);
}

const rendered = new Map<string, EditorialPage>();

function render(slug: string, lang: Locale, source: string): EditorialPage {
  const contact = getConfig().contactEmail;
  // An address becomes an autolink; without one, the page says so in its own language.
  const markdown = source.replaceAll(CONTACT_PLACEHOLDER, contact ? `<${contact}>` : NO_CONTACT[lang]);
  const titleLine = markdown.match(/^#\s+(.+)$/m);
  const body = titleLine ? markdown.replace(titleLine[0], "") : markdown;
  return { slug, lang, title: titleLine?.[1]?.trim() ?? slug, html: renderMarkdown(body, { headingOffset: 0 }) };
}

/** One editorial page by its URL slug in the requested language (English when that translation is missing), or null. */
export function getEditorialPage(slug: string, locale: Locale = "en"): EditorialPage | null {
  const lang: Locale = sourcesByLocale[locale]?.has(slug) ? locale : "en";
  const source = sourcesByLocale[lang].get(slug);
  if (source === undefined) return null;
  const key = `${lang}/${slug}`;
  let page = rendered.get(key);
  if (!page) {
    page = render(slug, lang, source);
    rendered.set(key, page);
  }
  return page;
}

/** The slugs of the editorial pages that exist in a language (for tests and sitemaps). */
export function editorialSlugs(locale: Locale): string[] {
  return [...sourcesByLocale[locale].keys()].sort();
}

/** A rendered editorial page; `lang` is the language it is actually written in. */
export type EditorialPage = { slug: string; lang: Locale; title: string; html: string };
