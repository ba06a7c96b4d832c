// The editorial pages follow the interface language negotiated from Accept-Language
// (issue 12 §1): a French- or Dutch-speaking visitor reads them in their language, tagged with it.
import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, shoot } from "../helpers/browser.ts";

const baseUrl = inject("baseUrl");
const WIDTHS = [1280, 390] as const;
let browser: Browser;

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

describe("editorial pages in the visitor's language", () => {
  it.each(WIDTHS)("a visitor with Accept-Language fr-BE reads the privacy notice in French, tagged lang=fr (%i px)", async (width) => {
    const page = await visitor(width, "fr-BE,fr;q=0.9,en;q=0.5");
    await page.goto(`${baseUrl}/privacy`);
    const article = page.locator("main article");
    await expect(article.getAttribute("lang")).resolves.toBe("fr");
    await expect(article.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Déclaration de confidentialité");
    await expect(article.getByRole("heading", { level: 2, name: "Vos droits" }).count()).resolves.toBe(1);
    await expect(article.getByText("Autorité de protection des données (APD)").count()).resolves.toBe(1);
    await expect(article.getByText("Privacy notice").count()).resolves.toBe(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
    await shoot(page, "editorial-privacy-fr", width);
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  });

  it.each(WIDTHS)("a visitor with Accept-Language nl-BE reads the moderation policy in Dutch, with its appeal address (%i px)", async (width) => {
    const page = await visitor(width, "nl-BE,nl;q=0.9");
    await page.goto(`${baseUrl}/moderation-policy`);
    const article = page.locator("main article");
    await expect(article.getAttribute("lang")).resolves.toBe("nl");
    await expect(article.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Moderatiebeleid");
    // The appeal address is configured in the e2e site, so it is a mail link, not the fallback sentence.
    await expect(article.getByRole("heading", { level: 2, name: "Beroep" }).count()).resolves.toBe(1);
    await expect(article.locator('a[href^="mailto:"]').count()).resolves.toBeGreaterThan(0);
    await expect(article.getByText("{{contact_email}}").count()).resolves.toBe(0);
    await shoot(page, "editorial-moderation-nl", width);
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  });

  it("a visitor without a French or Dutch preference still reads the English pages", async () => {
    const page = await visitor(1280, "de-DE,de;q=0.9");
    for (const [url, title] of [
      ["/about", "About Casebook"],
      ["/guidelines", "Writing guidelines"],
      ["/moderation-policy", "Moderation policy"],
      ["/privacy", "Privacy notice"],
    ] as const) {
      await page.goto(`${baseUrl}${url}`);
      await expect(page.locator("main article").getAttribute("lang"), url).resolves.toBe("en");
      await expect(page.locator("main article h1").textContent(), url).resolves.toBe(title);
    }
    await page.context().close();
  });
});
