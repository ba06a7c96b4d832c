// Language in the URL (issue 12 §3): `/` sends a visitor to their language, every page has a
// /en/, /fr/ and /nl/ address announced with hreflang, and the header's switcher keeps the
// page and its query, and is remembered for the next visit to `/`.
import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { availableCatalogues, type Locale } from "../../src/i18n/index.ts";
import { signInOnPage, shootViewport as shoot } from "../helpers/browser.ts";
import { launchBrowser } from "../helpers/browser.ts";

const baseUrl = inject("baseUrl");
const WIDTHS = [1280, 390] as const;
let browser: Browser;

// `<html lang>` names the language the page is rendered in: a language whose catalogue is not written yet renders English.
const htmlLang = (locale: Locale): string => (availableCatalogues()[locale] ? locale : "en");

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function visitor(width: number, acceptLanguage: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 844 }, extraHTTPHeaders: { "Accept-Language": acceptLanguage } });
  return context.newPage();
}

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
}

const switcher = (page: Page) => page.locator("header nav.language-switcher");
const currentLanguage = (page: Page) => switcher(page).locator('[aria-current="true"]').textContent();
const path_ = (page: Page) => {
  const url = new URL(page.url());
  return `${url.pathname}${url.search}`;
};

describe("language in the URL", () => {
  it.each(WIDTHS)("an Accept-Language fr-BE visitor opening / lands on /fr/, in French (%i px)", async (width) => {
    const page = await visitor(width, "fr-BE,fr;q=0.9,en;q=0.5");
    const first = page.waitForResponse((r) => new URL(r.url()).pathname === "/");
    await page.goto(`${baseUrl}/`);
    const redirect = await first;
    expect(redirect.status()).toBe(302);
    expect(redirect.headers().vary).toBe("Accept-Language, Cookie");
    expect(path_(page)).toBe("/fr/");
    await expect(page.locator("html").getAttribute("lang")).resolves.toBe(htmlLang("fr"));
    await expect(currentLanguage(page)).resolves.toBe("Français");
    // The frame's links stay in French.
    await expect(page.locator("header a.brand").getAttribute("href")).resolves.toBe("/fr/");
    const footerLinks = await page.locator("footer nav a").evaluateAll((links) => links.map((a) => a.getAttribute("href")));
    expect(footerLinks).toEqual(["/fr/about", "/fr/guidelines", "/fr/moderation-policy", "/fr/privacy"]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
    await shoot(page, "languages-home-fr", width);
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  });

  it("/nl/search renders the search page in Dutch with hreflang links to its three languages and x-default", async () => {
    const page = await visitor(1280, "en-GB");
    const response = await page.goto(`${baseUrl}/nl/search?q=sepsis`);
    expect(response?.status()).toBe(200);
    await expect(page.locator("html").getAttribute("lang")).resolves.toBe(htmlLang("nl"));
    await expect(currentLanguage(page)).resolves.toBe("Nederlands");
    await expect(page.locator("#search-q").inputValue()).resolves.toBe("sepsis");
    const alternates = await page
      .locator('head link[rel="alternate"][hreflang]')
      .evaluateAll((links) =>
        links.map((l) => [l.getAttribute("hreflang"), new URL(l.getAttribute("href") ?? "").pathname + new URL(l.getAttribute("href") ?? "").search]),
      );
    expect(alternates).toEqual([
      ["en", "/en/search?q=sepsis"],
      ["fr", "/fr/search?q=sepsis"],
      ["nl", "/nl/search?q=sepsis"],
      ["x-default", "/search?q=sepsis"],
    ]);
    const navLinks = await page.locator("header nav.main-nav a").evaluateAll((links) => links.map((a) => a.getAttribute("href")));
    expect(navLinks.every((href) => href?.startsWith("/nl/"))).toBe(true);
    await page.context().close();
  });

  it.each(WIDTHS)("the switcher goes from /fr/search?q=sepsis to /nl/search?q=sepsis and / remembers it (%i px)", async (width) => {
    const page = await visitor(width, "fr-BE,fr;q=0.9");
    await page.goto(`${baseUrl}/fr/search?q=sepsis`);
    await expect(currentLanguage(page)).resolves.toBe("Français");
    await shoot(page, "languages-switcher-fr", width);
    expect(await seriousViolations(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
    await switcher(page).getByRole("link", { name: "Nederlands" }).click();
    await page.waitForURL(/\/nl\/search\?q=sepsis$/);
    expect(path_(page)).toBe("/nl/search?q=sepsis");
    await expect(currentLanguage(page)).resolves.toBe("Nederlands");
    await expect(page.locator("html").getAttribute("lang")).resolves.toBe(htmlLang("nl"));
    await expect(page.locator("#search-q").inputValue()).resolves.toBe("sepsis");
    await shoot(page, "languages-switcher-nl", width);
    // The choice outranks the browser's French from now on.
    await page.goto(`${baseUrl}/`);
    expect(path_(page)).toBe("/nl/");
    // A prefixed address still wins for that page.
    await page.goto(`${baseUrl}/en/about`);
    await expect(currentLanguage(page)).resolves.toBe("English");
    await page.context().close();
  });

  it("a signed-in member's language setting decides where / goes", async () => {
    // editor.hospital's setting is Dutch; the browser asks for French (once signed in: the sign-in helper reads English labels).
    const page = await visitor(1280, "en-GB");
    await signInOnPage(page, baseUrl, "editor.hospital@casebook.example", DEMO_PASSWORD);
    await page.setExtraHTTPHeaders({ "Accept-Language": "fr-BE,fr;q=0.9" });
    await page.goto(`${baseUrl}/`);
    expect(path_(page)).toBe("/nl/");
    await expect(currentLanguage(page)).resolves.toBe("Nederlands");
    const userLinks = await page.locator("header .user-menu a").evaluateAll((links) => links.map((a) => a.getAttribute("href")));
    expect(userLinks).toContain("/nl/dashboard");
    expect(userLinks).toContain("/nl/account");
    await page.context().close();
  });
});
