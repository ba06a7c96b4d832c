// Links and redirects keep the reader's language (issue 12 §3): a French visitor who clicks
// from the home page to a post, to search, to a result and to sign-in never leaves /fr/, every
// link to a page of the site on the way carries /fr/, and signing in from /fr/signin lands on
// /fr/dashboard.
import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { t } from "../../src/i18n/index.ts";
import { launchBrowser, shootViewport as shoot } from "../helpers/browser.ts";

const baseUrl = inject("baseUrl");
const WIDTHS = [1280, 390] as const;
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
}

/**
 * Links and form targets on the page that lead to a page of the site without the /fr/ prefix.
 * Left alone on purpose: the language switcher (/language/…), files (.csv, .json, .svg…) and in-page anchors.
 */
async function unprefixedTargets(page: Page): Promise<string[]> {
  const targets = await page
    .locator("a[href], form[action]")
    .evaluateAll((nodes) => nodes.map((n) => (n instanceof HTMLAnchorElement ? (n.getAttribute("href") ?? "") : (n.getAttribute("action") ?? ""))));
  return targets.filter((target) => {
    if (!target.startsWith("/") || target.startsWith("//")) return false;
    const pathname = target.split(/[?#]/, 1)[0] ?? "";
    if (pathname.startsWith("/language/") || /\.[a-z0-9]+$/i.test(pathname)) return false;
    return !/^\/fr(\/|$)/.test(pathname);
  });
}

const pathOf = (page: Page) => {
  const url = new URL(page.url());
  return `${url.pathname}${url.search}`;
};

describe("links keep the page language", () => {
  it.each(WIDTHS)("a French visitor clicks home → post → search → result → sign-in and stays under /fr/ (%i px)", async (width) => {
    const context = await browser.newContext({ viewport: { width, height: 844 }, extraHTTPHeaders: { "Accept-Language": "fr-BE,fr;q=0.9" } });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/`);
    expect(pathOf(page)).toBe("/fr/");
    expect(await unprefixedTargets(page)).toEqual([]);

    // A post from the home page's list.
    await page.locator(".post-card h3 a").first().click();
    await page.waitForURL(/\/fr\/posts\/[a-z0-9-]+$/);
    await expect(page.locator("html").getAttribute("lang")).resolves.toBe("fr");
    expect(await unprefixedTargets(page)).toEqual([]);
    await shoot(page, "language-links-post", width);

    // The header's search box: the French search page, its facet links and results.
    await page.locator("#header-q").fill("sepsis");
    await page.locator("#header-q").press("Enter");
    await page.waitForURL(/\/fr\/search\?q=sepsis$/);
    expect(await unprefixedTargets(page)).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, "language-links-search", width);
    const facet = page.locator("a.facet-link").first();
    if (await facet.isVisible()) {
      await facet.click();
      await page.waitForURL(/\/fr\/search\?/);
    } else {
      // At 390 px the facets sit in a closed disclosure; the sort links are the same kind of link.
      await page.goto(`${baseUrl}/fr/search?q=sepsis&outcome=failure`);
    }
    expect(await unprefixedTargets(page)).toEqual([]);
    await page.goto(`${baseUrl}/fr/search?q=sepsis`);
    await page.locator("ol.result-list li.result h3 a").first().click();
    await page.waitForURL(/\/fr\/posts\/[a-z0-9-]+$/);

    // Sign-in from the header, then the French dashboard.
    await page.getByRole("link", { name: t("fr", "nav.sign_in"), exact: true }).click();
    await page.waitForURL(/\/fr\/signin$/);
    expect(await unprefixedTargets(page)).toEqual([]);
    await page.getByLabel(t("fr", "auth.field.email")).fill("member@casebook.example");
    await page.getByLabel(t("fr", "auth.field.password")).fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: t("fr", "auth.signin.submit") }).click();
    await page.waitForURL(/\/fr\/dashboard$/);
    await expect(page.locator("html").getAttribute("lang")).resolves.toBe("fr");
    expect(await unprefixedTargets(page)).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, "language-links-dashboard", width);

    // Signing out from a French page lands on the French home page.
    await page.getByRole("button", { name: t("fr", "nav.sign_out") }).click();
    await page.waitForURL(/\/fr\/$/);
    await context.close();
  });

  it("a signed-out French reader sent to sign-in keeps /fr/ in `next` and comes back to the French page", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 844 }, extraHTTPHeaders: { "Accept-Language": "en" } });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/fr/account`);
    await page.waitForURL(/\/fr\/signin\?next=%2Ffr%2Faccount$/);
    await page.getByLabel(t("fr", "auth.field.email")).fill("member@casebook.example");
    await page.getByLabel(t("fr", "auth.field.password")).fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: t("fr", "auth.signin.submit") }).click();
    await page.waitForURL(/\/fr\/account$/);
    await expect(page.locator("html").getAttribute("lang")).resolves.toBe("fr");
    await context.close();
  });
});
