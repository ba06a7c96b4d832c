// Absolute links to the site for mails (issue 12 §3): each points to the page in the
// recipient's language, so the link opens in the language the mail is written in.
import type { Locale } from "../../i18n/index.ts";
import { localeHref } from "../../i18n/routing.ts";
import { getConfig } from "./config.ts";

/** The absolute URL of a site path in `locale` (the mail's language); unprefixed when the language is unknown, so the visitor's own choice decides. */
export function siteLink(locale: Locale | null, path: string, publicUrl: string = getConfig().publicUrl): string {
  return `${publicUrl.replace(/\/+$/, "")}${locale ? localeHref(locale, path) : path}`;
}
