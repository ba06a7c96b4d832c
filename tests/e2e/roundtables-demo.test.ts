// Issue 14 §7 over the demo world (content/demo/discussions.json, round_tables.json): the pages
// a visitor finds on `npm start` — /discussions, a discussion with a pseudonymous reply, an
// answered one, /round-tables, the upcoming round table, the past one and its published summary
// — answer in English, French and Dutch, with no English interface text on the French and Dutch
// pages, axe clean at 390 and 1280 px. What must stay private stays private: the upcoming round
// table's place, link, contact, invitees and preparation thread are shown to participants only;
// the pseudonymous reply's organisation and the organisation that refused to be named in the
// summary appear nowhere. Screenshots of a discussion, a round table and a summary.
import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { fr } from "../../src/i18n/fr.ts";
import { nl } from "../../src/i18n/nl.ts";
import { launchBrowser, preferEnglish, shoot, signedInPage } from "../helpers/browser.ts";
import { ENGLISH_DATE, englishNeedles, englishSentences, interfaceTexts, matches } from "../helpers/english.ts";

const baseUrl = inject("baseUrl");
const DISCUSSION = "how-do-you-involve-your-dpo-in-ai-pilots";
const ANSWERED = "mesurer-le-temps-gagne-par-un-outil-ia";
const UPCOMING = "rondetafel-wanneer-stoppen-we-een-ai-pilot";
const PAST = "round-table-sharing-ai-failures-in-care";
const SUMMARY = "summary-sharing-what-went-wrong-with-ai-in-care";
// What only the upcoming round table's participants may read (round_tables.json).
const PRIVATE = [
  "Welkom in de voorbereidingsruimte",
  "Je veux bien présenter notre projet",
  "sjabloon mee voor een stopbeslissing",
  "Dokkaai",
  "meet.klaroog-analytics.example",
  "rondetafel@klaroog-analytics.example",
];
// Invitees are never public (naming needs consent: the summary's job).
const INVITEES = ["AZ Heidebloem", "Val-de-Meuse", "Linde", "Tilleul", "Meridian"];
// The organisation behind the pseudonymous reply, and the one that refused to be named.
const PSEUDONYMOUS_ORG = ["AZ Heidebloem", "Heidebloem", "az-heidebloem"];
const REFUSED_ORG = ["Woonzorggroep", "Linde", "Tilleul", "linde-tilleul"];

const PAGES = [
  { name: "discussions", path: `/discussions` },
  { name: "discussion", path: `/posts/${DISCUSSION}` },
  { name: "answered discussion", path: `/posts/${ANSWERED}` },
  { name: "round tables", path: `/round-tables` },
  { name: "upcoming round table", path: `/round-tables/${UPCOMING}` },
  { name: "past round table", path: `/round-tables/${PAST}` },
  { name: "summary", path: `/posts/${SUMMARY}` },
];

let browser: Browser;
let visitor: Page;

beforeAll(async () => {
  browser = await launchBrowser();
  visitor = await (await browser.newContext({ extraHTTPHeaders: { "Accept-Language": "en-GB" } })).newPage();
});
afterAll(async () => {
  await browser?.close();
});

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

async function html(page: Page): Promise<string> {
  return page.content();
}

describe.each([
  ["en", null],
  ["fr", fr],
  ["nl", nl],
] as const)("the demo's discussion and round-table pages at /%s/…", (lang, catalogue) => {
  const needles = catalogue ? englishNeedles(catalogue) : [];
  it.each(PAGES)(`$name: answers, axe clean at 390 and 1280 px${catalogue ? ", no English interface text" : ""}`, async ({ path: pagePath }) => {
    for (const width of [1280, 390]) {
      await visitor.setViewportSize({ width, height: 900 });
      const response = await visitor.goto(`${baseUrl}/${lang}${pagePath}`);
      expect(response?.status(), `/${lang}${pagePath} answers`).toBe(200);
      await expect(visitor.locator("html").getAttribute("lang")).resolves.toBe(lang);
      if (catalogue) {
        const seen = await interfaceTexts(visitor, lang);
        const found = [...new Set(needles.filter((needle) => seen.texts.some((text) => matches(text, needle))))];
        expect.soft(found, `English on /${lang}${pagePath} at ${width} px`).toEqual([]);
        expect
          .soft(
            seen.texts.filter((text) => ENGLISH_DATE.test(text)),
            `English dates on /${lang}${pagePath}`,
          )
          .toEqual([]);
        expect.soft(englishSentences(seen), `English sentences in the interface of /${lang}${pagePath} at ${width} px`).toEqual([]);
      }
      // Nothing scrolls sideways on a phone.
      const overflow = await visitor.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect.soft(overflow, `horizontal scroll on /${lang}${pagePath} at ${width} px`).toBeLessThanOrEqual(0);
      expect.soft(await seriousViolations(visitor), `axe on /${lang}${pagePath} at ${width} px`).toEqual([]);
    }
  });
});

describe("what the demo shows, and to whom", () => {
  it("/discussions lists both demo discussions, the French one as answered", async () => {
    await visitor.setViewportSize({ width: 1280, height: 900 });
    await visitor.goto(`${baseUrl}/en/discussions`);
    await expect(visitor.getByRole("link", { name: "How do you involve your DPO in AI pilots?" }).count()).resolves.toBe(1);
    await visitor.goto(`${baseUrl}/en/discussions?answered=yes`);
    await expect(visitor.getByRole("link", { name: "Comment mesurez-vous le temps réellement gagné par un outil d'IA ?" }).count()).resolves.toBe(1);
    await expect(visitor.getByRole("link", { name: "How do you involve your DPO in AI pilots?" }).count()).resolves.toBe(0);
  });

  it("a discussion shows its replies, the pseudonymous one by its descriptor and never its organisation", async () => {
    for (const width of [1280, 390]) {
      await visitor.setViewportSize({ width, height: 900 });
      await visitor.goto(`${baseUrl}/en/posts/${DISCUSSION}`);
      const text = (await visitor.locator("main").textContent()) ?? "";
      expect(text).toContain('one-page "idea sheet"');
      expect(text).toContain("Klaroog Analytics");
      expect(text).toContain("Soins à Domicile Val-de-Meuse");
      expect(text).toMatch(/an organisation in Belgium|a care organisation in Belgium|a hospital in Flanders|a care provider in Flanders/);
      const page = await html(visitor);
      for (const name of PSEUDONYMOUS_ORG) expect(page, `the pseudonymous reply's organisation (${name})`).not.toContain(name);
      await shoot(visitor, "roundtables-demo-discussion", width);
    }
    for (const lang of ["fr", "nl"]) {
      await visitor.goto(`${baseUrl}/${lang}/posts/${DISCUSSION}`);
      const page = await html(visitor);
      for (const name of PSEUDONYMOUS_ORG) expect(page, `/${lang}: the pseudonymous reply's organisation (${name})`).not.toContain(name);
    }
  });

  it("the answered discussion shows the accepted answer, in Dutch, under the French question", async () => {
    await visitor.setViewportSize({ width: 1280, height: 900 });
    await visitor.goto(`${baseUrl}/fr/posts/${ANSWERED}`);
    const text = (await visitor.locator("main").textContent()) ?? "";
    expect(text).toContain("Réponse retenue");
    expect(text).toContain("Nulmeting van twee weken");
  });

  it("/insights shows the topics discussed: the demo's DPO question and its summary both count under “dpo”", async () => {
    await visitor.setViewportSize({ width: 1280, height: 900 });
    await visitor.goto(`${baseUrl}/en/insights`);
    const table = visitor.locator("table:has(#cap-topics)");
    await expect(table.locator("caption").textContent()).resolves.toBe("Topics discussed");
    const row = table.getByRole("row").filter({ has: visitor.getByRole("link", { name: "dpo", exact: true }) });
    await expect(row.count()).resolves.toBe(1);
    await expect(row.getByRole("link", { name: "dpo", exact: true }).getAttribute("href")).resolves.toBe("/en/tags/dpo");
    // Tag, discussions, summaries, replies: the demo has one of each kind under "dpo", and the DPO question's replies.
    const cells = (await row.getByRole("cell").allTextContents()).map((c) => c.trim());
    expect(Number(cells[1])).toBeGreaterThanOrEqual(1);
    expect(Number(cells[2])).toBeGreaterThanOrEqual(1);
    expect(Number(cells[3])).toBeGreaterThanOrEqual(2);
  });

  it("/round-tables lists the upcoming round table and the past one with its summary", async () => {
    await visitor.goto(`${baseUrl}/en/round-tables`);
    await expect(visitor.getByRole("link", { name: "Rondetafel: wanneer stoppen we een AI-pilot, en wie beslist dat?" }).count()).resolves.toBeGreaterThan(0);
    await expect(visitor.locator(`a[href$="/posts/${SUMMARY}"]`).count()).resolves.toBeGreaterThan(0);
    const page = await html(visitor);
    for (const secret of [...PRIVATE, ...REFUSED_ORG]) expect(page, secret).not.toContain(secret);
  });

  it("to a visitor the upcoming round table shows no place, link, contact, invitee or preparation thread", async () => {
    for (const lang of ["en", "fr", "nl"]) {
      await visitor.goto(`${baseUrl}/${lang}/round-tables/${UPCOMING}`);
      const text = (await visitor.locator("main").textContent()) ?? "";
      expect(text).toContain("Klaroog Analytics");
      expect(text).toContain("stopcriteria");
      const page = await html(visitor);
      for (const secret of [...PRIVATE, ...INVITEES]) expect(page, `/${lang}: ${secret}`).not.toContain(secret);
    }
  });

  it("to a member of an invited organisation that has not accepted, it shows no preparation thread either", async () => {
    const page = await signedInPage(browser, baseUrl, "editor.carehome@casebook.example", DEMO_PASSWORD);
    await page.goto(`${baseUrl}/en/round-tables/${UPCOMING}`);
    const content = await html(page);
    for (const secret of PRIVATE.slice(0, 4)) expect(content, secret).not.toContain(secret);
    await page.context().close();
  });

  it("to a participant it shows the sessions' place and link and the preparation thread", async () => {
    const page = await signedInPage(browser, baseUrl, "editor.hospital@casebook.example", DEMO_PASSWORD);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${baseUrl}/en/round-tables/${UPCOMING}`);
      const text = (await page.locator("main").textContent()) ?? "";
      for (const secret of PRIVATE.slice(0, 5)) expect(text, secret).toContain(secret);
      expect.soft(await seriousViolations(page), `axe on the participant's round table page at ${width} px`).toEqual([]);
      await shoot(page, "roundtables-demo-round-table", width);
    }
    // The same in French and Dutch: no English interface text, axe clean.
    for (const [lang, catalogue] of [
      ["fr", fr],
      ["nl", nl],
    ] as const) {
      await page.setViewportSize({ width: 1280, height: 900 });
      await page.goto(`${baseUrl}/${lang}/round-tables/${UPCOMING}`);
      const seen = await interfaceTexts(page, lang);
      const needles = englishNeedles(catalogue);
      expect
        .soft([...new Set(needles.filter((needle) => seen.texts.some((text) => matches(text, needle))))], `English on the participant's /${lang} page`)
        .toEqual([]);
      expect.soft(englishSentences(seen), `English sentences on the participant's /${lang} page`).toEqual([]);
      expect.soft(await seriousViolations(page), `axe on the participant's /${lang} page`).toEqual([]);
    }
    await page.context().close();
  });

  it("the published summary names the two organisations that consented, describes the third, and never names it", async () => {
    for (const width of [1280, 390]) {
      await visitor.setViewportSize({ width, height: 900 });
      await visitor.goto(`${baseUrl}/en/posts/${SUMMARY}`);
      const text = (await visitor.locator("main").textContent()) ?? "";
      expect(text).toContain("AZ Heidebloem");
      expect(text).toContain("Soins à Domicile Val-de-Meuse");
      expect(text).toContain("Recommendation 2 is heard");
      await shoot(visitor, "roundtables-demo-summary", width);
    }
    for (const lang of ["en", "fr", "nl"]) {
      for (const path of [`/posts/${SUMMARY}`, `/round-tables/${PAST}`, `/organizations/residences-linde-tilleul`]) {
        await visitor.goto(`${baseUrl}/${lang}${path}`);
        const page = await html(visitor);
        if (path.startsWith("/organizations")) {
          // Its own page does not list the round table it asked not to be named in.
          expect(page, `/${lang}${path}`).not.toContain(SUMMARY);
          continue;
        }
        for (const name of REFUSED_ORG) expect(page, `/${lang}${path}: ${name}`).not.toContain(name);
      }
    }
  });

  it("search finds the summary with a consenting organisation's name, and never by the refusing one's", async () => {
    const context = await browser.newContext();
    await preferEnglish(context, baseUrl);
    const page = await context.newPage();
    // The seed's outbox rows are drained by the site's worker shortly after it starts.
    let found = 0;
    for (let attempt = 0; attempt < 20 && found === 0; attempt++) {
      if (attempt > 0) await page.waitForTimeout(500);
      await page.goto(`${baseUrl}/en/search?q=${encodeURIComponent("Heidebloem failures shared")}`);
      found = await page.locator(`a[href$="/posts/${SUMMARY}"]`).count();
    }
    expect(found).toBeGreaterThan(0);
    await page.goto(`${baseUrl}/en/search?q=Tilleul`);
    await expect(page.locator(`a[href$="/posts/${SUMMARY}"]`).count()).resolves.toBe(0);
    await context.close();
  });
});
