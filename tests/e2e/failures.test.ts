// /failures as two tabs (issue 11 §23): failed or abandoned projects, refused funding
// applications, each one filter set of the public search with the search page's facets,
// counts, sort and paging; every count tile opens its list with the same number; the page in
// English, French and Dutch at 1280 and 390 px, axe clean. Demo content, visitors only.
import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { t, type Locale } from "../../src/i18n/index.ts";
import { launchBrowser, shoot } from "../helpers/browser.ts";
import { englishNeedles, englishOnPage } from "../helpers/english.ts";
import { fr } from "../../src/i18n/fr.ts";
import { nl } from "../../src/i18n/nl.ts";

const baseUrl = inject("baseUrl");
const WIDTHS = [1280, 390] as const;
const SEPSIS = "A sepsis early-warning model that drowned our nurses in alerts";
const NO_SHOW = "No-show prediction for our outpatient clinic: a model that learned the wrong thing";
const ABANDONED = "Why we abandoned LLM-drafted discharge letters";
const XRAY = "Chest X-ray triage: reordering the radiology worklist";
const REFUSED = [
  "Demande refusée : détecter la déshydratation à domicile grâce à des capteurs",
  "Afgewezen aanvraag: akoestische nachtmonitoring in woonzorgcentra",
  "Rejected: a vendor-led application for computer vision on medication rounds",
];
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function visitor(width: number): Promise<Page> {
  return (await browser.newContext({ viewport: { width, height: 844 } })).newPage();
}

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

const titles = (page: Page) => page.locator(".result-list .result h3").allTextContents();
const resultCount = async (page: Page) => Number(((await page.locator("#results-heading").textContent()) ?? "").replace(/\D/g, "") || "0");
const facet = (page: Page, title: string) => page.locator("section.facet").filter({ has: page.getByRole("heading", { level: 3, name: title, exact: true }) });

describe("/failures tabs (§23)", () => {
  it.each(WIDTHS)(
    "the projects tab lists failed and abandoned case studies with the search filters; the refused tab the refused applications (%i px)",
    async (width) => {
      const page = await visitor(width);
      await page.goto(`${baseUrl}/en/failures`);
      const tabs = page.getByRole("navigation", { name: "Lists of failures" });
      await expect(tabs.getByRole("link").allTextContents()).resolves.toEqual([
        expect.stringMatching(/^Failed or abandoned projects \d+$/),
        expect.stringMatching(/^Refused funding applications \d+$/),
      ]);
      await expect(tabs.locator('[aria-current="page"]').textContent()).resolves.toMatch(/^Failed or abandoned projects/);
      const projects = await titles(page);
      expect(projects).toEqual(expect.arrayContaining([SEPSIS, NO_SHOW, ABANDONED]));
      expect(projects).not.toContain(XRAY);
      for (const refused of REFUSED) expect(projects).not.toContain(refused);
      // The tab's count is its list's count.
      const tabNumber = Number((await tabs.locator('[aria-current="page"] .tab-count').textContent())?.replace(/\D/g, ""));
      expect(await resultCount(page)).toBe(tabNumber);
      // On a phone the filters open in place from a link above the results (as on /search).
      if (width === 390) await page.getByRole("link", { name: "Refine results" }).click();
      // The search filters, minus the one the tab sets (type); the outcome facet offers only the tab's two outcomes.
      await expect(
        facet(page, "Outcome")
          .getByRole("link")
          .evaluateAll((links) => links.map((a) => a.querySelector(".facet-label")?.textContent)),
      ).resolves.toEqual(expect.arrayContaining(["Failure", "Abandoned"]));
      await expect(facet(page, "Outcome").getByRole("link").count()).resolves.toBe(2);
      for (const title of ["Type", "Funding decision", "Reason for refusal"]) await expect(facet(page, title).count(), title).resolves.toBe(0);
      for (const title of ["Care setting", "AI technique", "Organisation type", "Language", "Year published"])
        await expect(facet(page, title).count(), title).resolves.toBe(1);
      await expect(page.getByRole("group", { name: "Amount requested (funding applications)" }).count()).resolves.toBe(0);
      await shoot(page, "failures-projects", width);
      expect(await seriousViolations(page)).toEqual([]);
      expect(await overflow(page)).toBe(0);

      // Narrowing to "Abandoned" is a link that keeps the tab.
      await facet(page, "Outcome")
        .getByRole("link", { name: /Abandoned/ })
        .click();
      await page.waitForURL(/\/en\/failures\?kind=projects&outcome=abandoned$/);
      await expect(titles(page)).resolves.toContain(ABANDONED);
      await expect(titles(page)).resolves.not.toContain(SEPSIS);
      await expect(page.getByRole("link", { name: "Remove: Outcome: Abandoned" }).count()).resolves.toBe(1);
      // Another facet narrows further, AND across facets as in search.
      if (width === 390) await page.getByRole("link", { name: "Refine results (1 on)" }).click();
      await facet(page, "AI technique")
        .getByRole("link", { name: /Predictive model/ })
        .click();
      await page.waitForURL(/kind=projects&outcome=abandoned&ai_type=predictive_model$/);
      await expect(resultCount(page)).resolves.toBe(0);
      await expect(page.getByText("Nothing published matches these filters.").count()).resolves.toBe(1);
      await page.getByRole("link", { name: "Show the whole list" }).click();
      await page.waitForURL(/\/en\/failures\?kind=projects$/);

      await tabs.getByRole("link", { name: /^Refused funding applications/ }).click();
      await page.waitForURL(/\/en\/failures\?kind=refused$/);
      await expect(tabs.locator('[aria-current="page"]').textContent()).resolves.toMatch(/^Refused funding applications/);
      const refused = await titles(page);
      expect(refused).toEqual(expect.arrayContaining(REFUSED));
      expect(refused).not.toContain(SEPSIS);
      if (width === 390) await page.getByRole("link", { name: "Refine results" }).click();
      for (const title of ["Type", "Funding decision", "Outcome"]) await expect(facet(page, title).count(), title).resolves.toBe(0);
      for (const title of ["Funder", "Funding call", "Reason for refusal", "Care setting"]) await expect(facet(page, title).count(), title).resolves.toBe(1);
      await expect(page.getByRole("group", { name: "Amount requested (funding applications)" }).count()).resolves.toBe(1);
      await shoot(page, "failures-refused", width);
      expect(await seriousViolations(page)).toEqual([]);
      expect(await overflow(page)).toBe(0);
      await page.context().close();
    },
  );

  it("every count tile opens its list, and the list holds as many as the tile says", async () => {
    const page = await visitor(1280);
    await page.goto(`${baseUrl}/en/failures`);
    const tiles = await page
      .locator(".failure-kinds a, .outcome-counts a")
      .evaluateAll((links) =>
        links.map((a) => ({ href: a.getAttribute("href")!, count: Number(a.querySelector(".outcome-count")?.textContent?.replace(/\D/g, "")) })),
      );
    expect(tiles.length).toBe(3 + 5 + 1);
    const failureTiles = tiles.filter((tile) => tile.href.startsWith("/en/failures?"));
    expect(new Set(failureTiles.map((tile) => tile.href))).toEqual(
      new Set(["/en/failures?kind=projects&outcome=failure", "/en/failures?kind=projects&outcome=abandoned", "/en/failures?kind=refused"]),
    );
    expect(failureTiles.length).toBe(6);
    for (const tile of tiles) {
      const response = await page.goto(`${baseUrl}${tile.href}`);
      expect(response?.status(), tile.href).toBe(200);
      if (tile.href.startsWith("/en/failures?")) expect(await resultCount(page), tile.href).toBe(tile.count);
      else await expect(page.getByRole("heading", { level: 2 }).first().textContent(), tile.href).resolves.toBe(`Published posts: ${tile.count}`);
    }
    await page.context().close();
  });

  it("searches within a tab, sorts and pages like search, keeping the tab", async () => {
    const page = await visitor(1280);
    await page.goto(`${baseUrl}/en/failures?kind=projects&per_page=1`);
    const total = await resultCount(page);
    expect(total).toBeGreaterThanOrEqual(3);
    await expect(page.locator(".pagination-status").textContent()).resolves.toBe(`Page 1 of ${total}`);
    const first = await titles(page);
    await page.locator('a[rel="next"]').click();
    await page.waitForURL(/\/en\/failures\?kind=projects&per_page=1&page=2$/);
    expect(await titles(page)).not.toEqual(first);

    const form = page.getByRole("search", { name: "Search failed or abandoned projects" });
    await form.getByRole("searchbox").fill("model");
    await form.getByRole("button", { name: "Search" }).click();
    await page.waitForURL(/\/en\/failures\?q=model&kind=projects&per_page=1$/);
    expect(await resultCount(page)).toBeGreaterThanOrEqual(2);
    const sort = page.getByRole("navigation", { name: "Sort by" });
    await sort.getByRole("link", { name: "Newest first" }).click();
    await page.waitForURL(/\/en\/failures\?kind=projects&q=model&sort=newest&per_page=1$/);
    await expect(sort.locator('[aria-current="true"]').textContent()).resolves.toBe("Newest first");
    await page.context().close();
  });

  it("an unknown tab, a value outside the tab or a filter the tab sets itself is a 400 that says which parameter", async () => {
    for (const [query, param] of [
      ["kind=everything", "kind"],
      ["kind=projects&outcome=success", "outcome"],
      ["kind=refused&decision=awarded", "decision"],
      ["kind=projects&reason=eligibility", "reason"],
      ["kind=projects&amount_min=5", "amount_min"],
    ] as const) {
      const response = await fetch(`${baseUrl}/en/failures?${query}`);
      expect(response.status, query).toBe(400);
      expect(await response.text(), query).toContain(`“${param}”`);
    }
  });
});

describe.each(["en", "fr", "nl"] as const)("/%s/failures in the interface language", (lang: Locale) => {
  it.each(WIDTHS)("both tabs carry translated labels and no serious axe violation (%i px)", async (width) => {
    const page = await visitor(width);
    for (const tab of ["projects", "refused"] as const) {
      const response = await page.goto(`${baseUrl}/${lang}/failures?kind=${tab}`);
      expect(response?.status()).toBe(200);
      await expect(page.locator("html").getAttribute("lang")).resolves.toBe(lang);
      await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(t(lang, "list.failures.title"));
      const tabs = page.getByRole("navigation", { name: t(lang, "list.failures.tabs") });
      await expect(tabs.locator('[aria-current="page"]').textContent()).resolves.toMatch(new RegExp(`^${t(lang, `list.failures.tab.${tab}`)} \\d+$`));
      await expect(page.getByRole("search", { name: t(lang, `list.failures.search.${tab}`) }).count()).resolves.toBe(1);
      // The filters: beside the results at 1280 px, opened by a link above them at 390 px.
      if (width === 390) await page.getByRole("link", { name: t(lang, "searchpage.filters"), exact: true }).click();
      await expect(page.getByRole("heading", { level: 2, name: t(lang, "searchpage.filters") }).isVisible()).resolves.toBe(true);
      await expect(page.getByText(t(lang, `list.failures.tab.${tab}.means`)).count()).resolves.toBe(1);
      // No English interface text on the French and Dutch pages (the check of tests/e2e/no-english.test.ts).
      if (lang !== "en")
        expect(await englishOnPage(page, lang, englishNeedles(lang === "fr" ? fr : nl)), `${lang} ${tab} ${width}`).toEqual({
          pieces: [],
          sentences: [],
          dates: [],
        });
      expect(await seriousViolations(page), `${lang} ${tab} ${width}`).toEqual([]);
      expect(await overflow(page)).toBe(0);
    }
    await page.context().close();
  });
});
