// Public listings in the browser, on the demo content: the failures page, outcome lists,
// an organisation's own posts (never its anonymous ones) and accessibility.
import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { connectAsSuperuser } from "../../src/lib/server/pocketbase.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { TEST_SUPERUSER } from "../helpers/pocketbase.ts";
import { SEPSIS_DESCRIPTOR } from "../helpers/descriptors.ts";

let browser: Browser;
let page: Page;
const baseUrl = inject("baseUrl");
const SEPSIS = "A sepsis early-warning model that drowned our nurses in alerts";
const XRAY = "Chest X-ray triage: reordering the radiology worklist";

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  const context = await browser.newContext();
  page = await context.newPage();
});

const cards = () => page.getByRole("listitem").filter({ has: page.getByRole("heading", { level: 3 }) });

describe("listings", () => {
  it("the failures page welcomes failures and lists the anonymous sepsis failure without its organisation", async () => {
    await page.goto(baseUrl);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Failures" }).click();
    await page.waitForURL(/\/failures$/);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Failures are welcome here");
    await expect(page.getByText(SEPSIS_DESCRIPTOR).first().isVisible()).resolves.toBe(true);
    const counts = page.getByRole("list", { name: "Number of published cases per outcome" });
    await expect(counts.getByRole("link", { name: /Failure/ }).textContent()).resolves.toMatch(/^[1-9]\d* Failure$/);
    // The default tab: failed and abandoned projects (search results, so no organisation for an anonymous post).
    const results = page.locator(".result-list .result");
    const sepsis = results.filter({ hasText: SEPSIS });
    await expect(sepsis.count()).resolves.toBe(1);
    await expect(sepsis.textContent()).resolves.toMatch(SEPSIS_DESCRIPTOR);
    await expect(sepsis.textContent()).resolves.not.toContain("Heidebloem");
    await expect(results.filter({ hasText: "Why we abandoned LLM-drafted discharge letters" }).count()).resolves.toBe(1);
    await expect(results.filter({ hasText: XRAY }).count()).resolves.toBe(0);
    // Refused applications have their own tab.
    await page
      .getByRole("navigation", { name: "Lists of failures" })
      .getByRole("link", { name: /^Refused funding applications/ })
      .click();
    await page.waitForURL(/\/failures\?kind=refused$/);
    await expect(results.filter({ hasText: "Afgewezen aanvraag: akoestische nachtmonitoring in woonzorgcentra" }).count()).resolves.toBe(1);
    await expect(page.locator("main script").count()).resolves.toBe(0);
  });

  it("/outcomes/success lists successes and not the sepsis failure", async () => {
    const res = await page.goto(`${baseUrl}/outcomes/success`);
    expect(res?.status()).toBe(200);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Outcome: Success");
    await expect(cards().filter({ hasText: XRAY }).count()).resolves.toBe(1);
    await expect(cards().filter({ hasText: SEPSIS }).count()).resolves.toBe(0);
  });

  it("an unknown code or a page past the end is a 404", async () => {
    for (const path of ["/outcomes/nonsense", "/care-settings/home", "/ai-types/LLM", "/tags/Not%20a%20tag", "/outcomes/success?page=99"]) {
      const res = await page.goto(`${baseUrl}${path}`);
      expect(res?.status(), path).toBe(404);
      await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Page not found");
    }
  });

  it("care-setting, AI-technique and tag lists are reachable from a post's facts", async () => {
    await page.goto(`${baseUrl}/posts/chest-xray-triage-worklist`);
    const facts = page.getByRole("complementary");
    await facts.getByRole("link", { name: "Radiology", exact: true }).click();
    await page.waitForURL(/\/care-settings\/radiology$/);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Care setting: Radiology");
    await expect(cards().filter({ hasText: XRAY }).count()).resolves.toBe(1);

    await page.goto(`${baseUrl}/posts/chest-xray-triage-worklist`);
    await page.getByRole("complementary").getByRole("link", { name: "Computer vision", exact: true }).click();
    await page.waitForURL(/\/ai-types\/computer_vision$/);
    await expect(cards().filter({ hasText: XRAY }).count()).resolves.toBe(1);

    await page.goto(`${baseUrl}/posts/sepsis-early-warning-alert-fatigue`);
    await page.getByRole("complementary").getByRole("link", { name: "alert-fatigue" }).click();
    await page.waitForURL(/\/tags\/alert-fatigue$/);
    const sepsis = cards().filter({ hasText: SEPSIS });
    await expect(sepsis.textContent()).resolves.toMatch(SEPSIS_DESCRIPTOR);
    expect(await page.content()).not.toMatch(/Heidebloem/i);
  });

  it("an organisation's page lists its named posts but never its anonymous ones", async () => {
    const res = await page.goto(`${baseUrl}/organizations/az-heidebloem`);
    expect(res?.status()).toBe(200);
    const section = page.getByRole("region", { name: "Posts" });
    await expect(section.getByRole("link", { name: XRAY }).count()).resolves.toBe(1);
    await expect(section.getByRole("link", { name: "Why we abandoned LLM-drafted discharge letters" }).count()).resolves.toBe(1);
    const html = await page.content();
    expect(html).not.toContain(SEPSIS);
    expect(html).not.toContain("sepsis-early-warning-alert-fatigue");
    expect(html).not.toContain("No-show prediction for our outpatient clinic");
  });

  it("a long list pages with previous/next links", async () => {
    // 21 old discussion posts under one fresh tag: two pages of 20. Removed afterwards so
    // other tests still see only the demo content.
    const pb = await connectAsSuperuser(inject("pocketbaseUrl"), TEST_SUPERUSER);
    const tag = `paging-${Date.now().toString(36)}`;
    const ids: string[] = [];
    try {
      for (let i = 0; i < 21; i++) {
        const n = String(i + 1).padStart(2, "0");
        const record = await pb.collection("posts").create({
          kind: "discussion",
          slug: `${tag}-${n}`,
          title: `Paging discussion ${n}`,
          summary: "A discussion.",
          body_html: "<p>Hello.</p>",
          language: "en",
          status: "published",
          published_at: `2020-01-${n} 10:00:00.000Z`,
          tags: [tag],
        });
        ids.push(record.id);
      }
      await page.goto(`${baseUrl}/tags/${tag}`);
      const nav = page.getByRole("navigation", { name: "Pages" });
      await expect(nav.textContent()).resolves.toContain("Page 1 of 2");
      await expect(cards().count()).resolves.toBe(20);
      await expect(cards().first().textContent()).resolves.toContain("Paging discussion 21");
      await expect(nav.locator('a[rel="prev"]').count()).resolves.toBe(0);
      await nav.getByRole("link", { name: /Next page/ }).click();
      await page.waitForURL(new RegExp(`/tags/${tag}\\?page=2$`));
      await expect(page.getByRole("navigation", { name: "Pages" }).textContent()).resolves.toContain("Page 2 of 2");
      await expect(cards().count()).resolves.toBe(1);
      await expect(cards().first().textContent()).resolves.toContain("Paging discussion 01");
      await expect(page.locator('a[rel="next"]').count()).resolves.toBe(0);
      await expect(page.locator('a[rel="prev"]').getAttribute("href")).resolves.toBe(`/en/tags/${tag}`);
    } finally {
      for (const id of ids) await pb.collection("posts").delete(id);
    }
  });

  it("the failures page has no serious accessibility violations", async () => {
    await page.goto(`${baseUrl}/failures`);
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  });
});
