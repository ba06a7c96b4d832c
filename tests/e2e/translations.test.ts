// Issue 12 §4 in Chromium: a care home's editor writes the English translation of its Dutch
// story from the post page ("Write a translation": the facts prefilled, only the languages
// the post lacks offered), is refused — next to the choice, with everything typed kept — when
// the translation would be anonymous while the original names the care home, and once a
// moderator publishes it both pages say "Also in: …" with hreflang links. The pages are
// checked with axe and for width at 1280 and 390 px, in English, French and Dutch. Also the
// descriptions' language (issue 12 §4, untagged content): the organisation and call pages
// mark their descriptions with `lang`, and the call form asks for it.
import AxeBuilder from "@axe-core/playwright";
import path from "node:path";
import type PocketBase from "pocketbase";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { en } from "../../src/i18n/en.ts";
import { fr } from "../../src/i18n/fr.ts";
import { nl } from "../../src/i18n/nl.ts";
import { approvePost, claimPost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { launchBrowser, signedInPage } from "../helpers/browser.ts";
import { useTestPocketBase } from "../integration/setup.ts";

const baseUrl = inject("baseUrl");
const WIDTHS = [1280, 390] as const;
const EDITOR = "editor.carehome@casebook.example";
const MODERATOR = "moderator@casebook.example";
const CATALOGUES = { en, fr, nl } as const;
const RUN = Date.now().toString(36);
let browser: Browser;
let pb: PocketBase;
let original: { id: string; slug: string };

async function actor(email: string): Promise<Actor> {
  const user = await pb.collection("users").getFirstListItem(pb.filter("email = {:e}", { e: email }));
  return (await loadActor(user.id))!;
}

async function publish(id: string): Promise<void> {
  const moderator = await actor(MODERATOR);
  await claimPost(moderator, id);
  await approvePost(moderator, id);
}

beforeAll(async () => {
  browser = await launchBrowser();
  pb = await useTestPocketBase();
  // The care home's own Dutch story (its organisation needs no DPO sign-off), written through the domain.
  const orgId = (await pb.collection("organizations").getFirstListItem(pb.filter("slug = {:s}", { s: "residences-linde-tilleul" }))).id;
  const editor = await actor(EDITOR);
  const { id } = await saveDraft(editor, {
    kind: "case_study",
    organization: orgId,
    title: `Nachtelijke valsensoren op proef ${RUN}`,
    summary: "Twee afdelingen testten plafondsensoren die vallen melden; na een maand vals alarm zetten we ze uit.",
    body_md: "## Context\n\nTwee afdelingen testten 's nachts plafondsensoren.\n\n## Wat er gebeurde\n\nTe veel vals alarm, de nachtploeg haakte af.",
    language: "nl",
    tags: "vallen, sensoren",
    anonymous: false,
    outcome: "abandoned",
    care_settings: ["care_home"],
    ai_types: ["computer_vision"],
    lifecycle_stage: "pilot",
    started_on: "2024-03-01",
  });
  await submitPost(editor, id);
  await publish(id);
  original = { id, slug: (await pb.collection("posts").getOne(id)).slug };
});
afterAll(async () => {
  await browser?.close();
});

async function as(email: string | null, width: number, locale: "en" | "fr" | "nl" = "en"): Promise<Page> {
  if (email) {
    const page = await signedInPage(browser, baseUrl, email, DEMO_PASSWORD);
    await page.setViewportSize({ width, height: 900 });
    page.on("dialog", (dialog) => void dialog.accept());
    return page;
  }
  const context = await browser.newContext({ viewport: { width, height: 900 }, extraHTTPHeaders: { "accept-language": locale } });
  return context.newPage();
}

/** Writes docs/screenshots/translation-<step>-<width>.png when CASEBOOK_SCREENSHOTS=1 (committed files stay put otherwise). */
async function shoot(page: Page, step: string, width: number): Promise<void> {
  if (process.env.CASEBOOK_SCREENSHOTS !== "1") return;
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.screenshot({
    path: path.join("docs/screenshots", `translation-${step}-${width}.png`),
    fullPage: true,
    clip: { x: 0, y: 0, width, height: Math.min(1600, height) },
  });
}

/** Page-level horizontal overflow, with what sticks out (outside scrolling boxes). */
async function overflow(page: Page): Promise<string> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const extra = document.documentElement.scrollWidth - width;
    if (extra <= 0) return "";
    const contained = (el: Element) => {
      for (let p = el.parentElement; p; p = p.parentElement) if (/auto|scroll|hidden|clip/.test(getComputedStyle(p).overflowX)) return true;
      return false;
    };
    const wide = [...document.querySelectorAll("body *")].filter((el) => el.getBoundingClientRect().right > width + 1 && !contained(el));
    return `${extra}px: ${wide
      .slice(-3)
      .map((el) => el.tagName.toLowerCase())
      .join(", ")}`;
  });
}

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
}

// One story: the first test writes and publishes the translation the others look at (the form
// then offers French only), so its tests keep their order under --sequence.shuffle.
describe("writing a translation", { shuffle: false }, () => {
  let translationSlug = "";

  it("starts from the post page with its facts, refuses a mix of anonymous and named next to the choice, and goes to review", async () => {
    const page = await as(EDITOR, 1280);
    await page.goto(`${baseUrl}/en/posts/${original.slug}`);
    await page.getByRole("link", { name: "Write a translation" }).click();
    await page.waitForURL(new RegExp(`/en/write\\?translation_of=${original.id}$`));
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(`Translate “Nachtelijke valsensoren op proef ${RUN}”`);
    // The facts come along; the language is one the post lacks (Dutch is not offered).
    const languages = await page.locator("#f-language option").evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
    expect(languages).toEqual(["en", "fr"]);
    await expect(page.getByLabel("Outcome").inputValue()).resolves.toBe("abandoned");
    await expect(page.getByLabel("Tags").inputValue()).resolves.toBe("vallen, sensoren");
    await expect(page.getByLabel("Title", { exact: true }).inputValue()).resolves.toBe("");
    await expect(page.getByRole("link", { name: "Read the original (Dutch)" }).getAttribute("hreflang")).resolves.toBe("nl");
    expect(await seriousViolations(page)).toEqual([]);
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      expect(await overflow(page)).toBe("");
      await shoot(page, "write", width);
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    // An anonymous translation of a named post would unmask it: refused next to the choice, nothing lost.
    const title = `Night-time fall sensors on trial ${RUN}`;
    await page.getByLabel("Title", { exact: true }).fill(title);
    await page.getByLabel("Summary").fill("Two wards tried ceiling sensors that report falls; after a month of false alarms we switched them off.");
    await page
      .getByLabel("The story")
      .fill("## Context\n\nTwo wards tried ceiling sensors at night.\n\n## What happened\n\nToo many false alarms; the night shift gave up.");
    await page.getByLabel("Language of the post").selectOption("en");
    await page.getByLabel("Publish pseudonymously, as a verified organisation without its name").check();
    const refused = page.waitForResponse((r) => r.request().method() === "POST");
    await page.getByRole("button", { name: "Save draft", exact: true }).click();
    expect((await refused).status()).toBe(400);
    await page.waitForLoadState();
    const choice = page.getByLabel("Publish pseudonymously, as a verified organisation without its name");
    await expect(choice.getAttribute("aria-describedby")).resolves.toBe("f-anonymous-error");
    await expect(page.locator("#f-anonymous-error").textContent()).resolves.toContain("Linking an anonymous post to a named one would reveal who wrote it.");
    await expect(page.getByLabel("Title", { exact: true }).inputValue()).resolves.toBe(title);
    await expect(page.getByLabel("Language of the post").inputValue()).resolves.toBe("en");
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toContain("Translate");
    expect(await seriousViolations(page)).toEqual([]);
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      expect(await overflow(page)).toBe("");
      if (width === 1280) await shoot(page, "refused", width);
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    await choice.uncheck();
    const submitted = page.waitForResponse((r) => r.request().method() === "POST");
    await page.getByRole("button", { name: "Save and submit for review" }).click();
    expect((await submitted).status()).toBe(303);
    await page.waitForURL(/\/dashboard\/posts\/[a-z0-9]{15}\?submitted=1$/);
    const id = new URL(page.url()).pathname.split("/").pop()!;
    const record = await pb.collection("posts").getOne(id);
    expect({ status: record.status, translation_of: record.translation_of, language: record.language, anonymous: record.anonymous }).toEqual({
      status: "submitted",
      translation_of: original.id,
      language: "en",
      anonymous: false,
    });
    // The moderator reviews it beside the original.
    const moderator = await as(MODERATOR, 1280);
    await moderator.goto(`${baseUrl}/en/moderation/posts/${id}`);
    const note = moderator.locator("p.card-meta", { hasText: "Translation of:" });
    await expect(note.textContent()).resolves.toMatch(new RegExp(`Translation of: Nachtelijke valsensoren op proef ${RUN}\\s+\\(Dutch\\)`));
    await expect(note.getByRole("link").getAttribute("href")).resolves.toBe(`/en/moderation/posts/${original.id}`);
    expect(await seriousViolations(moderator)).toEqual([]);
    await moderator.context().close();
    // Not linked while in review.
    await page.goto(`${baseUrl}/en/posts/${original.slug}`);
    await expect(page.getByText("Also in:").count()).resolves.toBe(0);
    await publish(id);
    translationSlug = (await pb.collection("posts").getOne(id)).slug;
    await page.context().close();
  });

  it.each(["en", "fr", "nl"] as const)("%s: both published pages say which other language the post is in, with hreflang links", async (locale) => {
    expect(translationSlug).not.toBe("");
    const c = CATALOGUES[locale];
    for (const width of WIDTHS) {
      const page = await as(null, width, locale);
      await page.goto(`${baseUrl}/${locale}/posts/${original.slug}`);
      const line = page.locator("p.translations");
      await expect(line.textContent()).resolves.toBe(`${c["translation.also_in"]} English`);
      await expect(line.getAttribute("lang")).resolves.toBe(locale);
      const link = line.getByRole("link", { name: "English" });
      await expect(link.getAttribute("hreflang")).resolves.toBe("en");
      await expect(link.getAttribute("lang")).resolves.toBe("en");
      await expect(link.getAttribute("href")).resolves.toBe(`/${locale}/posts/${translationSlug}`);
      expect(await seriousViolations(page)).toEqual([]);
      expect(await overflow(page)).toBe("");
      if (locale === "en") await shoot(page, "original", width);
      await link.click();
      await page.waitForURL(new RegExp(`/${locale}/posts/${translationSlug}$`));
      const back = page.locator("p.translations").getByRole("link", { name: "Nederlands" });
      await expect(back.getAttribute("hreflang")).resolves.toBe("nl");
      await expect(page.locator("article").getAttribute("lang")).resolves.toBe("en");
      expect(await seriousViolations(page)).toEqual([]);
      expect(await overflow(page)).toBe("");
      if (locale === "en") await shoot(page, "published", width);
      await page.context().close();
    }
  });

  it.each(["fr", "nl"] as const)("%s: the translation form speaks the interface language, offering French only now", async (locale) => {
    const c = CATALOGUES[locale];
    for (const width of WIDTHS) {
      const page = await as(EDITOR, width);
      await page.goto(`${baseUrl}/${locale}/posts/${original.slug}`);
      await page.getByRole("link", { name: c["translation.write"] }).click();
      await page.waitForURL(/\/write\?translation_of=/);
      await expect(page.locator("html").getAttribute("lang")).resolves.toBe(locale);
      await expect(page.getByText(c["translation.intro"]).count()).resolves.toBe(1);
      const languages = await page.locator("#f-language option").evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value));
      expect(languages).toEqual(["fr"]);
      expect(await seriousViolations(page)).toEqual([]);
      expect(await overflow(page)).toBe("");
      await page.context().close();
    }
  });
});

describe("descriptions carry their language", () => {
  it("the organisation and call pages mark their descriptions; the call form asks for the language, in the interface's language first", async () => {
    const page = await as(null, 1280);
    await page.goto(`${baseUrl}/en/organizations/residences-linde-tilleul`);
    await expect(page.locator("p.lede[lang=en]").count()).resolves.toBe(1);

    const funder = await as("editor.funder@casebook.example", 1280);
    await funder.goto(`${baseUrl}/fr/organizations/meridian-care-fund`);
    await funder.getByRole("link", { name: fr["calls.new"] }).click();
    const language = funder.getByLabel(fr["calls.language"]);
    await expect(language.inputValue()).resolves.toBe("fr");
    await funder.getByLabel(fr["calls.field.title"]).fill(`Soins de nuit assistés ${RUN}`);
    await funder.getByLabel(fr["calls.field.description"], { exact: true }).fill("Un appel pour des projets d’IA qui soulagent les équipes de nuit.");
    await language.selectOption("fr");
    expect(await seriousViolations(funder)).toEqual([]);
    await funder.getByRole("button", { name: fr["calls.save"] }).click();
    await funder.waitForURL(/\/fr\/calls\/[a-z0-9-]+\?saved=1$/);
    await expect(funder.locator(".post-body > p[lang=fr]").first().textContent()).resolves.toContain("équipes de nuit");
    await expect(funder.locator("h1").getAttribute("lang")).resolves.toBe("fr");
    await funder.context().close();
    await page.context().close();
  });
});
