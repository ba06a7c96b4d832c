// A visitor's first look: home, a post, a missing page, health, accessibility.
import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { launchBrowser } from "../helpers/browser.ts";
import { SEPSIS_DESCRIPTOR } from "../helpers/descriptors.ts";

let browser: Browser;
let page: Page;
const baseUrl = inject("baseUrl");

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

// The home page shows the 24 newest stories only, and in a full run other files publish posts of
// their own: a demo post is looked for in a paginated listing it belongs to (a tag of its own),
// page after page until the listing ends, not on the home page.
async function findInListing(path: string, title: string): Promise<void> {
  for (let n = 1; ; n++) {
    const res = await page.goto(`${baseUrl}${path}${n === 1 ? "" : `?page=${n}`}`);
    if (res?.status() !== 200) break;
    if ((await page.getByRole("link", { name: title, exact: true }).count()) > 0) return;
  }
  throw new Error(`"${title}" is on no page of ${path}`);
}

describe("public site", () => {
  it("home lists the newest published posts; a listing shows an anonymous demo post without its organisation", async () => {
    await page.goto(baseUrl);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toContain("Lessons from healthcare AI projects");
    expect(
      await page
        .getByRole("listitem")
        .filter({ has: page.getByRole("heading", { level: 3 }) })
        .count(),
    ).toBeGreaterThanOrEqual(12);
    await findInListing("/en/tags/alert-fatigue", "A sepsis early-warning model that drowned our nurses in alerts");
    const cards = page.getByRole("listitem").filter({ has: page.getByRole("heading", { level: 3 }) });
    const sepsis = cards.filter({ hasText: "A sepsis early-warning model that drowned our nurses in alerts" });
    await expect(sepsis.textContent()).resolves.toMatch(SEPSIS_DESCRIPTOR);
    await expect(sepsis.textContent()).resolves.not.toContain("Heidebloem");
    await expect(sepsis.textContent()).resolves.toContain("Failure");
  });

  it("home keeps discussions and round-table summaries in a list of their own, apart from the stories", async () => {
    await page.goto(`${baseUrl}/en/`);
    const kinds = (section: string) => page.locator(`section[aria-labelledby=${section}] .post-list > li .badge-kind`).allTextContents();
    const stories = await kinds("latest");
    expect(stories.length).toBeGreaterThan(0);
    for (const kind of stories) expect(["Case study", "Funding application"]).toContain(kind.trim());
    const discussions = await kinds("discussions-h");
    // The demo has two discussions and a published summary.
    expect(discussions.length).toBeGreaterThanOrEqual(3);
    for (const kind of discussions) expect(["Discussion", "Round-table summary"]).toContain(kind.trim());
    await expect(page.getByRole("link", { name: "All discussions" }).getAttribute("href")).resolves.toBe("/en/discussions");
  });

  it("a post page renders its title, facts and sanitized body", async () => {
    await findInListing("/en/tags/chest-x-ray", "Chest X-ray triage: reordering the radiology worklist");
    await page.getByRole("link", { name: "Chest X-ray triage: reordering the radiology worklist" }).click();
    await page.waitForURL(/\/posts\/chest-xray-triage-worklist$/);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Chest X-ray triage: reordering the radiology worklist");
    const facts = page.getByRole("complementary");
    await expect(facts.getByText("Success", { exact: true }).count()).resolves.toBe(1);
    await expect(page.getByRole("heading", { level: 2, name: "Context" }).count()).resolves.toBe(1);
    await expect(page.locator("main script").count()).resolves.toBe(0);
    await expect(page.title()).resolves.toContain("Chest X-ray triage");
  });

  it("an anonymous post names no organisation in its page or <head>", async () => {
    const res = await page.goto(`${baseUrl}/posts/sepsis-early-warning-alert-fatigue`);
    expect(res?.status()).toBe(200);
    const html = await page.content();
    expect(html).toMatch(SEPSIS_DESCRIPTOR);
    expect(html).not.toMatch(/Heidebloem|az-heidebloem|Vermandel/i);
  });

  it("an unknown URL shows the 404 page with a way forward", async () => {
    const res = await page.goto(`${baseUrl}/posts/no-such-post`);
    expect(res?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Page not found");
    await expect(page.getByRole("link", { name: "Back to the cases" }).count()).resolves.toBe(1);
    const other = await page.goto(`${baseUrl}/this/does/not/exist`);
    expect(other?.status()).toBe(404);
  });

  it("/healthz reports PocketBase, the search engine and the version", async () => {
    const res = await fetch(`${baseUrl}/healthz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; pocketbase: { reachable: boolean }; search: { engine: string }; version: string };
    expect(body).toMatchObject({ status: "ok", pocketbase: { reachable: true }, search: { engine: "embedded" } });
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("the home page has no serious accessibility violations", async () => {
    await page.goto(baseUrl);
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  });

  it("a post page has no serious accessibility violations", async () => {
    await page.goto(`${baseUrl}/posts/valdetectie-plafondsensoren-woonzorgcentrum`);
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  });
});
