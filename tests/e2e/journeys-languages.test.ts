// The main journeys in French and in Dutch (issue 11, Tests: "run in every interface language"):
// write → DPO sign-off → moderate → publish, and a funder's refused decision → the applicant's
// consent answer. Each person works in the interface language (signed in at /<lang>/signin, the
// language switcher's cookie set to it), finds every control by its translated label, and on
// every page of the way sees no English interface text (tests/helpers/english.ts) and no
// serious axe violation. The English journeys, in detail: writing, reviewing, publishing and
// funding-journey tests.
import AxeBuilder from "@axe-core/playwright";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { codeLabel, t, type Locale } from "../../src/i18n/index.ts";
import { fr } from "../../src/i18n/fr.ts";
import { nl } from "../../src/i18n/nl.ts";
import { LANGUAGE_COOKIE } from "../../src/i18n/routing.ts";
import { connectAsSuperuser } from "../../src/lib/server/pocketbase.ts";
import { launchBrowser } from "../helpers/browser.ts";
import { englishNeedles, englishOnPage } from "../helpers/english.ts";
import { TEST_SUPERUSER } from "../helpers/pocketbase.ts";

const baseUrl = inject("baseUrl");
let browser: Browser;
const created: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  // The decisions wait for moderation; they must not linger in other files' queues.
  const pb = await connectAsSuperuser(inject("pocketbaseUrl"), TEST_SUPERUSER);
  for (const id of created) await pb.collection("posts").delete(id);
});

/** A member signed in through the /<lang>/signin form, the switcher's cookie on `lang`. */
async function member(email: string, lang: Locale): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addCookies([{ name: LANGUAGE_COOKIE, value: lang, url: baseUrl }]);
  const page = await context.newPage();
  await page.goto(`${baseUrl}/${lang}/signin`);
  await page.getByLabel(t(lang, "auth.field.email")).fill(email);
  await page.getByLabel(t(lang, "auth.field.password")).fill(DEMO_PASSWORD);
  await page
    .locator("main form")
    .getByRole("button", { name: t(lang, "auth.signin.submit") })
    .click();
  await page.waitForURL(new RegExp(`/${lang}/dashboard$`));
  return page;
}

/** Writes docs/screenshots/<name>-1280.png (the visible part) when CASEBOOK_SCREENSHOTS=1. */
async function shoot(page: Page, name: string): Promise<void> {
  if (process.env.CASEBOOK_SCREENSHOTS !== "1") return;
  await page.screenshot({ path: path.join("docs/screenshots", `${name}-1280.png`) });
}

const NEEDLES: Record<"fr" | "nl", string[]> = { fr: englishNeedles(fr), nl: englishNeedles(nl) };

/** The page is in `lang`, holds no English interface text and no serious axe violation. */
async function checkStep(page: Page, lang: "fr" | "nl", step: string): Promise<void> {
  await expect(page.locator("html").getAttribute("lang"), step).resolves.toBe(lang);
  expect(new URL(page.url()).pathname.startsWith(`/${lang}/`), `${step}: ${page.url()}`).toBe(true);
  expect(await englishOnPage(page, lang, NEEDLES[lang]), `English on ${step}`).toEqual({ pieces: [], sentences: [], dates: [] });
  const axe = await new AxeBuilder({ page }).analyze();
  const serious = axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(
    serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`),
    `axe on ${step}`,
  ).toEqual([]);
}

// The story in the interface language, so the page's own text is in one language throughout.
const STORY = {
  fr: {
    title: "Un chatbot de tri aux urgences qui ne comprenait pas le dialecte",
    summary: "Notre chatbot de tri aux urgences comprenait mal le dialecte local ; nous l’avons arrêté après trois mois.",
    body: "## Contexte\n\nLe chatbot orientait les patients la nuit aux urgences.\n\n## Ce qui s’est passé\n\nIl ne comprenait pas le dialecte, et les infirmiers ont cessé de lui faire confiance.",
  },
  nl: {
    title: "Een triagechatbot op spoed die geen dialect verstond",
    summary: "Onze triagechatbot op de spoedafdeling begreep het West-Vlaamse dialect niet; na drie maanden zijn we ermee gestopt.",
    body: "## Context\n\nDe chatbot verwees 's nachts patiënten door op de spoedafdeling.\n\n## Wat er gebeurde\n\nHij verstond geen dialect, en de verpleegkundigen vertrouwden hem niet meer.",
  },
} as const;

describe.each(["fr", "nl"] as const)("journeys at /%s/", (lang) => {
  it("write → DPO sign-off → moderate → publish, every step in the interface language", async () => {
    const story = STORY[lang];
    const title = `${story.title} ${Date.now()}`;
    const editor = await member("editor.hospital@casebook.example", lang);
    await editor.goto(`${baseUrl}/${lang}/write?kind=case_study`);
    await checkStep(editor, lang, "write form");
    await editor.getByLabel(t(lang, "write.title"), { exact: true }).fill(title);
    await editor.getByLabel(t(lang, "write.summary"), { exact: true }).fill(story.summary);
    await editor.getByLabel(t(lang, "write.language"), { exact: true }).selectOption(lang);
    await editor.getByLabel(t(lang, "post.fact.outcome"), { exact: true }).selectOption("failure");
    await editor.getByLabel(t(lang, "post.fact.lifecycle_stage"), { exact: true }).selectOption("stopped");
    await editor.getByLabel(codeLabel(lang, "care_setting", "emergency")).check();
    await editor.getByLabel(codeLabel(lang, "ai_type", "nlp")).check();
    await editor.getByLabel(t(lang, "write.body"), { exact: true }).fill(story.body);
    await editor.getByRole("button", { name: t(lang, "write.submit") }).click();
    await editor.waitForURL(/\/dashboard\/posts\/[a-z0-9]{15}\?submitted=1$/);
    await expect(editor.getByText(t(lang, "write.submitted")).count()).resolves.toBe(1);
    // The confirmation names the organisation's DPO (AZ Heidebloem has one in the demo content).
    await expect(editor.getByText(t(lang, "write.next.dpo_named", { count: 1, names: "Saar Deckmijn" })).count()).resolves.toBe(1);
    await expect(editor.getByText(t(lang, "status.dpo_review"), { exact: true }).count()).resolves.toBeGreaterThan(0);
    await shoot(editor, `journey-${lang}-submitted`);
    await checkStep(editor, lang, "submit confirmation");

    const dpo = await member("dpo.hospital@casebook.example", lang);
    await dpo.getByRole("link", { name: t(lang, "signoff.open") }).click();
    await dpo.waitForURL(new RegExp(`/${lang}/dashboard/signoff$`));
    await checkStep(dpo, lang, "sign-off list");
    await dpo.getByRole("link", { name: title }).click();
    await dpo.waitForURL(/\/dashboard\/signoff\/[a-z0-9]{15}$/);
    await expect(dpo.getByRole("button", { name: t(lang, "dpo.approve") }).count()).resolves.toBe(1);
    await shoot(dpo, `journey-${lang}-signoff`);
    await checkStep(dpo, lang, "sign-off page");
    await dpo.getByRole("button", { name: t(lang, "dpo.approve") }).click();
    await dpo.waitForURL(/\/dashboard\/signoff\?done=approve&post=[a-z0-9]{15}$/);
    await checkStep(dpo, lang, "signed off");

    const moderator = await member("moderator@casebook.example", lang);
    await moderator.goto(`${baseUrl}/${lang}/moderation`);
    await checkStep(moderator, lang, "moderation queue");
    await moderator.getByRole("link", { name: title }).click();
    await moderator.getByRole("button", { name: t(lang, "mod.claim") }).click();
    await expect(moderator.getByRole("button", { name: t(lang, "mod.approve") }).count()).resolves.toBe(1);
    await shoot(moderator, `journey-${lang}-review`);
    await checkStep(moderator, lang, "review page");
    await moderator.getByRole("button", { name: t(lang, "mod.approve") }).click();
    await moderator.waitForURL(/\/moderation\?done=approve&post=[a-z0-9]{15}$/);
    await checkStep(moderator, lang, "moderation done");

    // Published: a visitor reading in the same language finds it from the home page.
    const reader = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await reader.goto(`${baseUrl}/${lang}/`);
    await reader.getByRole("link", { name: title }).click();
    await expect(reader.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(title);
    await shoot(reader, `journey-${lang}-published`);
    await checkStep(reader, lang, "published post");
    for (const page of [editor, dpo, moderator, reader]) await page.context().close();
  });

  it("a funder records a refusal and the applicant's admin answers the consent request", async () => {
    const applicant =
      lang === "fr"
        ? { name: "Soins à Domicile Val-de-Meuse", admin: "editor.homecare@casebook.example" }
        : { name: "Woonzorggroep Linde – Résidences Tilleul", admin: "admin.carehome@casebook.example" };
    const title = `${lang === "fr" ? "Planification des tournées de nuit" : "Planning van nachtrondes"} ${Date.now()}`;
    const funder = await member("editor.funder@casebook.example", lang);
    await funder.goto(`${baseUrl}/${lang}/calls/data-readiness-2025`);
    await funder.getByRole("link", { name: t(lang, "calls.record") }).click();
    await funder.waitForURL(/\/calls\/data-readiness-2025\/decisions$/);
    await checkStep(funder, lang, "decision form");
    const form = funder.locator("section", { has: funder.getByRole("heading", { name: t(lang, "calls.one") }) });
    await form.getByLabel(t(lang, "write.title"), { exact: true }).fill(title);
    await form.getByLabel(t(lang, "calls.applicant")).fill(applicant.name);
    await form.getByLabel(t(lang, "post.fact.amount_requested")).fill("80000");
    await form.getByLabel(t(lang, "post.fact.decision"), { exact: true }).selectOption("rejected");
    await form.getByLabel(t(lang, "post.fact.decided_on")).fill("2025-05-12");
    await form.getByLabel(t(lang, "calls.language")).selectOption(lang);
    await form.getByLabel(codeLabel(lang, "rejection_reason", "data_quality")).check();
    await form.getByLabel(t(lang, "calls.reason_text")).fill(lang === "fr" ? "Aucune mesure de référence n’était prévue." : "Er was geen nulmeting voorzien.");
    await form.getByRole("button", { name: t(lang, "calls.record_one") }).click();
    await expect(funder.getByRole("status").textContent()).resolves.toContain(t(lang, "calls.recorded", { count: 1, consent: 1 }).split(";")[0]!);
    await checkStep(funder, lang, "decision recorded");
    const pb = await connectAsSuperuser(inject("pocketbaseUrl"), TEST_SUPERUSER);
    created.push((await pb.collection("posts").getFirstListItem(pb.filter("title = {:title}", { title }))).id);

    const admin = await member(applicant.admin, lang);
    const card = admin.locator(".consent-card").filter({ hasText: title });
    await expect(card.textContent()).resolves.toContain(codeLabel(lang, "rejection_reason", "data_quality"));
    await card.scrollIntoViewIfNeeded();
    await shoot(admin, `journey-${lang}-consent`);
    await checkStep(admin, lang, "consent card");
    await card.getByRole("button", { name: t(lang, "consent.anonymise") }).click();
    await expect(admin.getByRole("status").textContent()).resolves.toContain(t(lang, "consent.saved.anonymise", { title }));
    await expect(
      admin
        .locator(".consent-card")
        .filter({ hasText: title })
        .getByRole("button", { name: t(lang, "consent.grant") })
        .count(),
    ).resolves.toBe(1);
    await checkStep(admin, lang, "consent answered");
    for (const page of [funder, admin]) await page.context().close();
  });
});
