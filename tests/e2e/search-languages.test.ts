// Search across languages (issue 12 §5): a French query on /fr/search finds the French post
// first and the English and Dutch posts about the same subject after it (glossary), each
// labelled with its language in words; posts in the page's language carry no label; the
// Dutch interface labels the same results in Dutch.
import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, shootViewport as shoot } from "../helpers/browser.ts";
import { SEPSIS_DESCRIPTOR } from "../helpers/descriptors.ts";

const baseUrl = inject("baseUrl");
const WIDTHS = [1280, 390] as const;
// The three demo posts (content/demo/posts.json) about a refused funding application.
const FR = "Demande refusée : détecter la déshydratation à domicile grâce à des capteurs";
const NL = "Afgewezen aanvraag: akoestische nachtmonitoring in woonzorgcentra";
const EN = "Rejected: a vendor-led application for computer vision on medication rounds";
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
  // The global setup seeds the demo posts; the site's worker indexes them after its first request.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await fetch(`${baseUrl}/api/search`).catch(() => undefined);
    const body = res?.ok ? ((await res.json()) as { total: number }) : null;
    if (body && body.total >= 12) break;
    if (Date.now() > deadline) throw new Error(`demo posts not searchable after 15 s (last: ${res?.status})`);
    await new Promise((r) => setTimeout(r, 200));
  }
});
afterAll(async () => {
  await browser?.close();
});

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
}

// Each result's title with the language label it shows (null when it has none).
async function labelledResults(page: Page): Promise<{ title: string; label: string | null }[]> {
  return page.locator(".result-list > li").evaluateAll((items) =>
    items.map((li) => ({
      title: li.querySelector("h3")?.textContent?.trim() ?? "",
      label: li.querySelector(".badge-in-lang")?.textContent?.trim() ?? null,
    })),
  );
}

describe("search across languages", () => {
  it.each(WIDTHS)("a French query on /fr/search finds the English and Dutch posts on the same subject, labelled with their language (%i px)", async (width) => {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/fr/search?q=${encodeURIComponent("refusée")}`);
    const results = await labelledResults(page);
    const titles = results.map((r) => r.title);
    expect(titles[0]).toBe(FR);
    expect(titles).toContain(NL);
    expect(titles).toContain(EN);
    const labelOf = (title: string) => results.find((r) => r.title === title)?.label;
    expect(labelOf(FR)).toBeNull();
    expect(labelOf(NL)).toBe("En néerlandais");
    expect(labelOf(EN)).toBe("En anglais");
    // The label is French text inside a result marked as Dutch: it says so to screen readers.
    await expect(page.locator(".result-list > li", { hasText: NL }).locator(".badge-in-lang").getAttribute("lang")).resolves.toBe("fr");
    await page
      .locator(".result-list > li", { hasText: NL })
      .scrollIntoViewIfNeeded()
      .catch(() => undefined);
    await shoot(page, "search-languages-fr", width);
    expect(await seriousViolations(page)).toEqual([]);
    await context.close();
  });

  it("the Dutch interface labels the French and English results in Dutch, and not its own", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/nl/search?q=afgewezen`);
    const results = await labelledResults(page);
    const labelOf = (title: string) => results.find((r) => r.title === title)?.label;
    expect(results[0]?.title).toBe(NL);
    expect(labelOf(NL)).toBeNull();
    expect(labelOf(FR)).toBe("In het Frans");
    expect(labelOf(EN)).toBe("In het Engels");
    await context.close();
  });

  it("names an anonymous post's author by its descriptor in the page's language, never in English", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    // The demo's anonymous sepsis post (by a hospital in Flanders; the descriptor coarsens as
    // other test files verify organisations, so any rung of the ladder is accepted).
    const bylineOf = async (prefix: string) => {
      await page.goto(`${baseUrl}/${prefix}/search?q=${encodeURIComponent("sepsis early-warning drowned")}`);
      const card = page.locator("article, li").filter({ hasText: "A sepsis early-warning model that drowned our nurses in alerts" }).last();
      return (await card.locator(".byline").first().innerText()).trim();
    };
    expect(await bylineOf("nl")).toMatch(/^een (ziekenhuis|zorgverlener|zorgorganisatie|organisatie) in (Vlaanderen|België)$/);
    expect(await bylineOf("fr")).toMatch(/^(un hôpital|un prestataire de soins|une organisation de soins|une organisation) en (Flandre|Belgique)$/);
    expect(await bylineOf("en")).toMatch(SEPSIS_DESCRIPTOR);
    await context.close();
  });
});
