// No English on French and Dutch pages (issue 12, Tests: e2e; §6): every page a member or a
// visitor uses is opened at /fr/… and /nl/… (signed in as the demo role that sees it) and its
// interface text is checked against the English catalogue, then axe runs on it.
//
// How the check decides what "English interface text" is:
// - the needles are the literal parts of every English message (ICU arguments, plural and
//   select branches split into their literal pieces) that are at least 8 characters long and
//   either contain a space or are at least 10 characters; a piece that also occurs in any
//   message of the page's language is skipped (strings identical in both languages, brand names
//   such as Casebook, Meilisearch, CSV);
// - the haystack is the page's visible text plus aria-label, placeholder, title and alt
//   attributes and the document title, except subtrees whose `lang` differs from the page's:
//   user content (post cards, search results, post bodies, the language switcher's own names)
//   carries its author's language and is not interface text;
// - a needle matches when it occurs in one text node or attribute, case-sensitive.
import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { fr } from "../../src/i18n/fr.ts";
import { nl } from "../../src/i18n/nl.ts";
import { connectAsSuperuser } from "../../src/lib/server/pocketbase.ts";
import { launchBrowser, signedInPage, shootViewport as shoot } from "../helpers/browser.ts";
import { ENGLISH_DATE, englishNeedles, englishSentences, interfaceTexts, matches } from "../helpers/english.ts";
import { TEST_SUPERUSER } from "../helpers/pocketbase.ts";

const baseUrl = inject("baseUrl");
let browser: Browser;
let reviewId = "";

type Role = "visitor" | "editor" | "moderator";
const PAGES: { name: string; path: () => string; role: Role; narrow?: boolean }[] = [
  { name: "home", path: () => "/", role: "visitor", narrow: true },
  { name: "search", path: () => "/search?q=sepsis", role: "visitor", narrow: true },
  { name: "post", path: () => "/posts/sepsis-early-warning-alert-fatigue", role: "visitor" },
  { name: "insights", path: () => "/insights", role: "visitor" },
  { name: "outcomes comparison", path: () => "/insights/outcomes", role: "visitor", narrow: true },
  { name: "calls", path: () => "/calls", role: "visitor" },
  { name: "call", path: () => "/calls/ai-in-everyday-care-2024", role: "visitor" },
  { name: "open-data", path: () => "/open-data", role: "visitor" },
  { name: "organisations", path: () => "/organizations", role: "visitor" },
  { name: "organisation", path: () => "/organizations/az-heidebloem", role: "visitor" },
  { name: "sign-in", path: () => "/signin", role: "visitor" },
  { name: "sign-up", path: () => "/signup", role: "visitor" },
  { name: "write", path: () => "/write", role: "editor" },
  // Issue 14: the discussion form and list.
  { name: "discussions", path: () => "/discussions?answered=no", role: "visitor", narrow: true },
  { name: "write a discussion", path: () => "/write?kind=discussion&about=chest-xray-triage-worklist", role: "editor" },
  { name: "dashboard", path: () => "/dashboard", role: "editor" },
  { name: "account", path: () => "/account", role: "editor" },
  { name: "moderation queue", path: () => "/moderation", role: "moderator" },
  { name: "review page", path: () => `/moderation/posts/${reviewId}`, role: "moderator" },
];
const EMAILS: Record<Exclude<Role, "visitor">, string> = { editor: "editor.hospital@casebook.example", moderator: "moderator@casebook.example" };

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

beforeAll(async () => {
  browser = await launchBrowser();
  // The review page of a demo post (read only; the page shows a published post's history and decision form).
  const pb = await connectAsSuperuser(inject("pocketbaseUrl"), TEST_SUPERUSER);
  reviewId = (await pb.collection("posts").getFirstListItem(pb.filter("slug = {:slug}", { slug: "llm-discharge-letters-hallucinated-medication" }))).id;
});
afterAll(async () => {
  await browser?.close();
});

const SCREENSHOTS: Record<string, string> = { write: "languages-write", "moderation queue": "languages-moderation" };

describe.each([
  ["fr", fr],
  ["nl", nl],
] as const)("no English interface string at /%s/…", (lang, catalogue) => {
  const needles = englishNeedles(catalogue);
  const pages = new Map<Role, Page>();

  async function pageFor(role: Role, width: number): Promise<Page> {
    let page = pages.get(role);
    if (!page) {
      page =
        role === "visitor"
          ? await (await browser.newContext({ extraHTTPHeaders: { "Accept-Language": "en-GB" } })).newPage()
          : await signedInPage(browser, baseUrl, EMAILS[role], DEMO_PASSWORD);
      pages.set(role, page);
    }
    await page.setViewportSize({ width, height: 900 });
    return page;
  }
  afterAll(async () => {
    for (const page of pages.values()) await page.context().close();
  });

  it.each(PAGES)(`$name (/${lang}…, as $role): French/Dutch only, axe clean`, async ({ name, path: pagePath, role, narrow }) => {
    for (const width of narrow ? [1280, 390] : [1280]) {
      const page = await pageFor(role, width);
      const response = await page.goto(`${baseUrl}/${lang}${pagePath()}`);
      expect(response?.status(), `${name} answers`).toBe(200);
      await expect(page.locator("html").getAttribute("lang")).resolves.toBe(lang);
      const seen = await interfaceTexts(page, lang);
      const texts = seen.texts;
      const found = [...new Set(needles.filter((needle) => texts.some((text) => matches(text, needle))))];
      expect.soft(found, `English on /${lang}${pagePath()} at ${width} px`).toEqual([]);
      expect
        .soft(
          seen.texts.filter((text) => ENGLISH_DATE.test(text)),
          `English dates on /${lang}${pagePath()}`,
        )
        .toEqual([]);
      expect.soft(englishSentences(seen), `English sentences in the interface of /${lang}${pagePath()} at ${width} px`).toEqual([]);
      if (SCREENSHOTS[name]) await shoot(page, `${SCREENSHOTS[name]}-${lang}`, width);
      expect.soft(await seriousViolations(page), `axe on /${lang}${pagePath()} at ${width} px`).toEqual([]);
    }
  });
});

// Forms that fail: the messages next to the fields and above the form are interface text too
// (domain errors come from src/lib/server/*.ts and zod). The empty write form is saved as a
// draft and shown with what it lacks (/dashboard/posts/<id>?incomplete=1); the draft is removed afterwards.
const FAILING_FORMS: { name: string; path: string; role: Role; fill: (page: Page) => Promise<void>; submit: string }[] = [
  {
    name: "sign-in with a wrong password",
    path: "/signin",
    role: "visitor",
    fill: async (page) => {
      await page.locator('input[name="email"]').fill(`nobody-${Date.now()}@casebook.example`);
      await page.locator('input[name="password"]').fill("not-the-password-1");
    },
    submit: "main form button[type=submit]",
  },
  { name: "sign-up left empty", path: "/signup", role: "visitor", fill: async () => {}, submit: "main form button[type=submit]" },
  { name: "write form submitted empty", path: "/write", role: "editor", fill: async () => {}, submit: '#post-form button[value="submit"]' },
];

describe.each([
  ["fr", fr],
  ["nl", nl],
] as const)("no English in failing forms at /%s/…", (lang, catalogue) => {
  const needles = englishNeedles(catalogue);
  it.each(FAILING_FORMS)("$name", async ({ path: formPath, role, fill, submit }) => {
    const page =
      role === "visitor" ? await (await browser.newContext()).newPage() : await signedInPage(browser, baseUrl, EMAILS[role as "editor"], DEMO_PASSWORD);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${baseUrl}/${lang}${formPath}`);
    await fill(page);
    await page.locator(submit).first().click();
    await page.waitForLoadState();
    expect(await page.locator(".error-text, [role=alert], .alert").count(), "the form shows its errors").toBeGreaterThan(0);
    const seen = await interfaceTexts(page, lang);
    expect.soft([...new Set(needles.filter((needle) => seen.texts.some((text) => matches(text, needle))))], "English catalogue pieces").toEqual([]);
    expect.soft(englishSentences(seen), "English sentences").toEqual([]);
    expect.soft(await seriousViolations(page), "axe").toEqual([]);
    const draft = new URL(page.url()).pathname.match(/\/dashboard\/posts\/([a-z0-9]{15})$/)?.[1];
    await page.context().close();
    if (draft) await (await connectAsSuperuser(inject("pocketbaseUrl"), TEST_SUPERUSER)).collection("posts").delete(draft);
  });
});

describe("the detector", () => {
  it("finds the English interface on /en/ pages (so a silent French or Dutch page means something)", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${baseUrl}/en/search?q=sepsis`);
    const seen = await interfaceTexts(page, "en");
    const found = englishNeedles(fr).filter((needle) => seen.texts.some((text) => matches(text, needle)));
    expect(found.length).toBeGreaterThan(10);
    expect(["Decided on 12 March 2026", "March 12, 2026", "12 maart 2026", "12 mars 2026"].map((text) => ENGLISH_DATE.test(text))).toEqual([
      true,
      true,
      false,
      false,
    ]);
    // Hard-coded English (not in the catalogue) is caught by its function words: the sign-up form's hints and errors in English.
    await page.goto(`${baseUrl}/en/signup`);
    await page.locator("main form button[type=submit]").click();
    await page.waitForLoadState();
    expect(englishSentences(await interfaceTexts(page, "en")).length).toBeGreaterThan(0);
    await page.context().close();
  });
});
