// The visitor's explicit language choice (issue 12 §3): the switcher stores it in a cookie
// that decides where `/` sends them next time. Not a secret, so readable by scripts, but
// SameSite=Lax and Secure under the same rule as the session cookie (session.ts).
import type { AstroCookies } from "astro";
import type { Locale } from "../../i18n/index.ts";
import { LANGUAGE_COOKIE } from "../../i18n/routing.ts";
import { getConfig } from "./config.ts";
import { cookieIsSecure } from "./session.ts";

const YEAR_SECONDS = 365 * 24 * 60 * 60;

/** Remembers the visitor's chosen interface language for a year. */
export function setLanguageCookie(cookies: AstroCookies, url: URL, locale: Locale, publicUrl: string = getConfig().publicUrl): void {
  const secure = cookieIsSecure(url) || cookieIsSecure(new URL(publicUrl));
  cookies.set(LANGUAGE_COOKIE, locale, { sameSite: "lax", path: "/", secure, maxAge: YEAR_SECONDS });
}
