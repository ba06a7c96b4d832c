// Issue 13 §3 and §6 in the browser: a reader follows a tag from its page (at 1280 and 390 px),
// finds it under "What you follow", and reads the tag's Atom and JSON feeds — found through the
// page's autodiscovery links — with a real feed parser; the anonymous sepsis post is in the
// feed under its descriptor, never its organisation.
import AxeBuilder from "@axe-core/playwright";
import { parseAtomFeed, parseJsonFeed } from "feedsmith";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { approvePost, claimPost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { useTestPocketBase } from "../integration/setup.ts";
import { launchBrowser, signedInPage, shoot } from "../helpers/browser.ts";
import { SEPSIS_DESCRIPTOR } from "../helpers/descriptors.ts";

let browser: Browser;
const baseUrl = inject("baseUrl");
const SEPSIS = "A sepsis early-warning model that drowned our nurses in alerts";

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** How far the page is wider than the screen, and the innermost elements that stick out (outside scrolling boxes). */
const overflow = (page: Page) =>
  page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const contained = (el: Element) => {
      for (let p = el.parentElement; p; p = p.parentElement) if (/auto|scroll|hidden|clip/.test(getComputedStyle(p).overflowX)) return true;
      return false;
    };
    const wide = [...document.querySelectorAll("body *")].filter((el) => el.getBoundingClientRect().right > width + 1 && !contained(el));
    const excess = document.documentElement.scrollWidth - width;
    return excess === 0
      ? "fits"
      : `${excess}px too wide: ${wide
          .slice(-3)
          .map((el) => `<${el.tagName.toLowerCase()} class="${el.className}">`)
          .join(" ")}`;
  });

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

describe("following a tag and reading its feed", () => {
  for (const width of [1280, 390]) {
    it(`at ${width} px: the reader follows "sepsis", sees it under What you follow, and a feed parser reads the tag's feeds`, async () => {
      const page = await signedInPage(browser, baseUrl, "member@casebook.example", DEMO_PASSWORD);
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${baseUrl}/en/tags/sepsis`);
      // Each width starts from not following (the other width's run, or an earlier one, may have followed).
      const stop = page.getByRole("button", { name: "Stop following" });
      if (await stop.isVisible()) {
        await stop.click();
        await page.waitForLoadState();
      }
      await page.getByLabel("How often").selectOption("weekly");
      await page.getByRole("button", { name: "Follow", exact: true }).click();
      await expect(page.getByRole("status").filter({ hasText: "You follow this" }).textContent()).resolves.toContain("You follow this: Weekly digest.");
      expect(await overflow(page)).toBe("fits");
      expect(await seriousViolations(page)).toEqual([]);
      await shoot(page, "follows-tag", width);

      // The page announces its feeds; the reader's feed parser takes them from there.
      const atomHref = await page.locator('head link[rel="alternate"][type="application/atom+xml"]').getAttribute("href");
      const jsonHref = await page.locator('head link[rel="alternate"][type="application/feed+json"]').getAttribute("href");
      expect(atomHref).toBe("/en/feeds/tags/sepsis.atom");
      expect(jsonHref).toBe("/en/feeds/tags/sepsis.json");
      await expect(page.getByRole("link", { name: "Atom feed" }).getAttribute("href")).resolves.toBe(atomHref);

      const atomResponse = await fetch(`${baseUrl}${atomHref}`);
      expect(atomResponse.headers.get("content-type")).toBe("application/atom+xml; charset=utf-8");
      const atomText = await atomResponse.text();
      const atom = parseAtomFeed(atomText);
      expect(atom.title?.value).toBe("Tagged “sepsis” · Casebook");
      const entry = atom.entries?.find((e) => e.title?.value === SEPSIS);
      expect(entry?.links?.[0]?.href).toMatch(/\/en\/posts\/sepsis-early-warning-alert-fatigue$/);
      expect(entry?.authors?.[0]?.name).toMatch(SEPSIS_DESCRIPTOR);
      expect(atomText).not.toMatch(/Heidebloem|az-heidebloem/i);

      const json = parseJsonFeed(await (await fetch(`${baseUrl}${jsonHref}`)).json());
      const item = json.items?.find((i) => i.title === SEPSIS);
      expect(item?.authors?.[0]?.name).toMatch(SEPSIS_DESCRIPTOR);

      await page.getByRole("link", { name: "Manage what you follow" }).click();
      await page.waitForURL(/\/en\/account\/follows$/);
      const row = page.getByRole("listitem").filter({ has: page.getByRole("link", { name: "sepsis", exact: true }) });
      await expect(row.getByRole("combobox").inputValue()).resolves.toBe("weekly");
      // Change the frequency there.
      await row.getByRole("combobox").selectOption("daily");
      await row.getByRole("button", { name: /^Save/ }).click();
      await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
      await expect(
        page
          .getByRole("listitem")
          .filter({ has: page.getByRole("link", { name: "sepsis", exact: true }) })
          .getByRole("combobox")
          .inputValue(),
      ).resolves.toBe("daily");
      // The private feed address, shown once.
      await page.getByRole("button", { name: /Create my private feed address|Make a new address/ }).click();
      const privateAtom = await page.getByLabel("Atom address").inputValue();
      expect(privateAtom).toMatch(/\/en\/feeds\/private\/[A-Za-z0-9_-]{43}\.atom$/);
      const privateFeed = parseAtomFeed(await (await fetch(privateAtom.replace(/^https?:\/\/[^/]+/, baseUrl))).text());
      expect(privateFeed.entries?.some((e) => e.title?.value === SEPSIS)).toBe(true);
      expect(await overflow(page)).toBe("fits");
      expect(await seriousViolations(page)).toEqual([]);
      await shoot(page, "follows-account", width);
      await page.context().close();
    });
  }

  for (const width of [1280, 390]) {
    it(`at ${width} px: a funder's page in French announces its two feeds and offers both follows`, async () => {
      const page = await signedInPage(browser, baseUrl, "member@casebook.example", DEMO_PASSWORD);
      await page.setViewportSize({ width, height: 900 });
      // The prefix decides the language, whatever the English cookie says.
      await page.goto(`${baseUrl}/fr/organizations/meridian-care-fund`);
      const alternates = await page
        .locator('head link[rel="alternate"][type]')
        .evaluateAll((links) => links.map((l) => [l.getAttribute("type"), l.getAttribute("href"), l.getAttribute("title")]));
      expect(alternates).toEqual([
        ["application/atom+xml", "/fr/feeds/organizations/meridian-care-fund.atom", "Meridian Care Innovation Fund — flux Atom"],
        ["application/feed+json", "/fr/feeds/organizations/meridian-care-fund.json", "Meridian Care Innovation Fund — flux JSON Feed"],
        ["application/atom+xml", "/fr/feeds/funders/meridian-care-fund.atom", "Décisions de financement de Meridian Care Innovation Fund — flux Atom"],
        ["application/feed+json", "/fr/feeds/funders/meridian-care-fund.json", "Décisions de financement de Meridian Care Innovation Fund — flux JSON Feed"],
      ]);
      // Both follows are offered, apart; following the decisions leaves the organisation's follow as it was.
      await expect(page.getByRole("button", { name: "Suivre cette organisation" }).isVisible()).resolves.toBe(true);
      const stopFunder = page.getByRole("status").filter({ hasText: "Vous suivez les décisions de ce financeur" });
      if (!(await stopFunder.isVisible())) await page.getByRole("button", { name: "Suivre les décisions de ce financeur" }).click();
      await expect(stopFunder.textContent()).resolves.toBe("Vous suivez les décisions de ce financeur\u00a0: Résumé quotidien.");
      await expect(page.getByRole("button", { name: "Suivre cette organisation" }).isVisible()).resolves.toBe(true);
      // The funder's feed, in French: decisions with French links, read by the parser.
      const feed = parseAtomFeed(await (await fetch(`${baseUrl}/fr/feeds/funders/meridian-care-fund.atom`)).text());
      expect(feed.title?.value).toBe("Décisions de financement de Meridian Care Innovation Fund · Casebook");
      expect(feed.entries?.length).toBeGreaterThan(0);
      for (const entry of feed.entries ?? []) expect(entry.links?.[0]?.href).toMatch(/\/fr\/posts\/[a-z0-9-]+$/);
      await shoot(page, "follows-funder-fr", width);
      expect(await overflow(page)).toBe("fits");
      expect(await seriousViolations(page)).toEqual([]);
      await page.context().close();
    });
  }

  it("a post published later with the followed tag arrives in the tag's Atom feed and the reader's private feed", async () => {
    const run = Date.now().toString(36);
    const tag = `nachtrondes-${run}`;
    const page = await signedInPage(browser, baseUrl, "member@casebook.example", DEMO_PASSWORD);
    await page.goto(`${baseUrl}/en/tags/${tag}`);
    await page.getByRole("button", { name: "Follow", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "You follow this" }).waitFor();
    await page.goto(`${baseUrl}/en/account/follows`);
    await page.getByRole("button", { name: /Create my private feed address|Make a new address/ }).click();
    const privateAtom = (await page.getByLabel("Atom address").inputValue()).replace(/^https?:\/\/[^/]+/, baseUrl);
    const feedUrl = `${baseUrl}/en/feeds/tags/${tag}.atom`;
    expect(parseAtomFeed(await (await fetch(feedUrl)).text()).entries ?? []).toEqual([]);

    // The care home's editor publishes a story with that tag; a moderator approves it (through the domain).
    const pb = await useTestPocketBase();
    const actor = async (email: string): Promise<Actor> =>
      (await loadActor((await pb.collection("users").getFirstListItem(pb.filter("email = {:e}", { e: email }))).id))!;
    const [editor, moderator] = await Promise.all([actor("editor.carehome@casebook.example"), actor("moderator@casebook.example")]);
    const org = await pb.collection("organizations").getFirstListItem(pb.filter("slug = {:s}", { s: "residences-linde-tilleul" }));
    const title = `Night rounds planned by a model ${run}`;
    const { id } = await saveDraft(editor, {
      kind: "case_study",
      organization: org.id,
      title,
      summary: "A model proposed the order of night rounds; the night staff kept their own order after two weeks.",
      body_md: "## Context\n\nTwo wards tried model-planned night rounds.\n\n## What happened\n\nThe staff knew better which residents to see first.",
      language: "en",
      tags: tag,
      anonymous: false,
      outcome: "abandoned",
      care_settings: ["care_home"],
      ai_types: ["optimisation"],
      lifecycle_stage: "pilot",
    });
    await submitPost(editor, id);
    await claimPost(moderator, id);
    await approvePost(moderator, id);

    const entries = parseAtomFeed(await (await fetch(feedUrl)).text()).entries ?? [];
    expect(entries.map((e) => e.title?.value)).toEqual([title]);
    expect(entries[0]?.authors?.[0]?.name).toBe(org.name);
    const mine = parseAtomFeed(await (await fetch(privateAtom)).text()).entries ?? [];
    expect(mine.map((e) => e.title?.value)).toContain(title);
    await page.context().close();
  });

  it("a member saves a search from /search: the words and filters are kept, the page stays the search", async () => {
    const page = await signedInPage(browser, baseUrl, "member@casebook.example", DEMO_PASSWORD);
    await page.goto(`${baseUrl}/en/search?q=alerts&outcome=failure&page=1`);
    await page.getByRole("button", { name: "Save this search" }).click();
    await page.getByRole("status").filter({ hasText: "You follow this" }).waitFor();
    expect(new URL(page.url()).searchParams.get("q")).toBe("alerts");
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toContain("alerts");
    await page.goto(`${baseUrl}/en/account/follows`);
    const row = page.getByRole("listitem").filter({ hasText: "Saved search" });
    await expect(row.getByRole("link").textContent()).resolves.toBe("Search “alerts · Failure”");
    await expect(row.getByRole("link").getAttribute("href")).resolves.toBe("/en/search?outcome=failure&q=alerts");
    // Removing it takes it off the list.
    await row.getByRole("button", { name: /^Remove/ }).click();
    await page.getByRole("status").filter({ hasText: "Removed." }).waitFor();
    await expect(page.getByRole("listitem").filter({ hasText: "Saved search" }).count()).resolves.toBe(0);
    await page.context().close();
  });
});
