// Issue 14 §1, §5 in Chromium: a plain member of a hospital (not an editor) reads a French case
// study, follows "Discuter de ce cas", writes a question in French (a refused "about" address
// keeps everything typed, with the message next to the field), submits it; the hospital's DPO
// signs off, the moderator claims and approves it on the moderation pages; the discussion is then
// listed on /fr/discussions and under "Discuté dans" on the case study. Screenshots of the form,
// the listing and the discussion at 1280 and 390 px; axe on the three pages.
import AxeBuilder from "@axe-core/playwright";
import type PocketBase from "pocketbase";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { dpoReview } from "../../src/lib/server/moderation.ts";
import { loadActor } from "../../src/lib/server/users.ts";
import { launchBrowser, shoot, shootViewport, signInOnPage, signedInPage } from "../helpers/browser.ts";
import { createUser, unique, useTestPocketBase } from "../integration/setup.ts";

const baseUrl = inject("baseUrl");
const CASE = "reconnaissance-vocale-notes-soins-domicile";
let browser: Browser;
let pb: PocketBase;
let member: { id: string; email: string; password: string };

beforeAll(async () => {
  browser = await launchBrowser();
  pb = await useTestPocketBase();
  // A plain member of AZ Heidebloem (the demo has only its editor, DPO and admin), French-speaking.
  member = await createUser(pb, { name: "Lore Vandamme", locale: "fr" });
  const hospital = await pb.collection("organizations").getFirstListItem(pb.filter("slug = {:s}", { s: "az-heidebloem" }));
  await pb.collection("memberships").create({ user: member.id, organization: hospital.id, role: "member", status: "active" });
});
afterAll(async () => {
  await browser?.close();
});

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
}

describe("starting a discussion from a case study", () => {
  it("a hospital member asks in French, the DPO signs off, the moderator approves, and it shows on /fr/discussions and under 'Discuté dans'", async () => {
    const marker = unique("dpo").replace(/[^a-z0-9]/g, "");
    const title = `Comment associez-vous votre DPO aux projets pilotes d'IA ? ${marker}`;
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInOnPage(page, baseUrl, member.email, member.password);

    await page.goto(`${baseUrl}/fr/posts/${CASE}`);
    const caseTitle = (await page.getByRole("heading", { level: 1 }).textContent())!.trim();
    await page.getByRole("link", { name: "Discuter de ce cas" }).click();
    await page.waitForURL(new RegExp(`/fr/write\\?kind=discussion&about=${CASE}$`));
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Lancer une discussion");
    // The discussion form, not the case-study form: no outcome, no story template.
    await expect(page.getByLabel("Résultat").count()).resolves.toBe(0);
    await expect(page.getByLabel(/Votre question ou affirmation/).inputValue()).resolves.toBe("");
    await expect(page.getByLabel(/À propos de ces études de cas/).inputValue()).resolves.toBe(CASE);
    await expect(page.getByRole("link", { name: caseTitle }).count()).resolves.toBe(1);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await shoot(page, "discussion-form", width);
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    // A second "about" address that is no published post: refused next to its field, nothing typed is lost.
    const question = "Nous préparons un pilote de transcription vocale. **À quel moment** faites-vous intervenir votre DPO ?";
    await page.getByLabel(/^Titre/).fill(title);
    await page.getByLabel(/Votre question ou affirmation/).fill(question);
    await page.getByLabel("Mots-clés").fill("dpo, gouvernance");
    await page.getByLabel("Hôpital").check();
    await page.getByLabel(/À propos de ces études de cas/).fill(`${CASE}, pas-un-cas-publie`);
    await page.getByRole("button", { name: "Enregistrer et soumettre à la relecture" }).click();
    await page.waitForLoadState();
    await expect(page.getByText("« pas-un-cas-publie » n’est pas une étude de cas ni un dossier de financement publié.").count()).resolves.toBe(1);
    await expect(page.getByLabel(/^Titre/).inputValue()).resolves.toBe(title);
    await expect(page.getByLabel(/Votre question ou affirmation/).inputValue()).resolves.toBe(question);
    await expect(page.getByLabel("Hôpital").isChecked()).resolves.toBe(true);
    await expect(page.getByLabel("Mots-clés").inputValue()).resolves.toBe("dpo, gouvernance");
    expect((await pb.collection("posts").getList(1, 1, { filter: pb.filter("title = {:t}", { t: title }) })).totalItems).toBe(0);

    await page.getByLabel(/À propos de ces études de cas/).fill(`${baseUrl}/fr/posts/${CASE}`);
    await page.getByRole("button", { name: "Enregistrer et soumettre à la relecture" }).click();
    await page.waitForURL(/\/fr\/dashboard\/posts\/[a-z0-9]{15}\?submitted=1$/);
    const id = /posts\/([a-z0-9]{15})/.exec(page.url())![1]!;
    const stored = await pb.collection("posts").getOne(id);
    expect(stored).toMatchObject({ kind: "discussion", status: "dpo_review", language: "fr", author: member.id });

    // The hospital requires its DPO's sign-off; then the moderator reviews on the moderation pages.
    const dpoUser = await pb.collection("users").getFirstListItem(pb.filter("email = {:e}", { e: "dpo.hospital@casebook.example" }));
    await dpoReview(await loadActor(dpoUser.id), id, "approve");
    const moderator = await signedInPage(browser, baseUrl, "moderator@casebook.example", DEMO_PASSWORD);
    await moderator.goto(`${baseUrl}/moderation?kind=discussion`);
    await moderator.getByRole("link", { name: title }).click();
    await moderator.waitForURL(new RegExp(`/moderation/posts/${id}$`));
    await moderator.getByRole("button", { name: "Claim for review" }).click();
    await moderator.waitForURL(new RegExp(`/moderation/posts/${id}\\?claimed=1$`));
    await moderator.getByRole("button", { name: "Approve and publish" }).click();
    await moderator.waitForURL(new RegExp(`/moderation\\?done=approve&post=${id}$`));

    // Public, as an anonymous visitor sees it.
    const visitor = await (await browser.newContext()).newPage();
    await visitor.goto(`${baseUrl}/fr/discussions`);
    await expect(visitor.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Discussions");
    const card = visitor.getByRole("listitem").filter({ has: visitor.getByRole("link", { name: title }) });
    await expect(card.textContent()).resolves.toContain("AZ Heidebloem");
    await expect(card.textContent()).resolves.toContain("Sans réponse retenue");
    expect(await seriousViolations(visitor)).toEqual([]);
    for (const width of [1280, 390]) {
      await visitor.setViewportSize({ width, height: 900 });
      await shoot(visitor, "discussions-list", width);
    }
    await visitor.setViewportSize({ width: 1280, height: 900 });
    // The filters narrow it: French yes, Dutch no.
    await visitor.goto(`${baseUrl}/fr/discussions?language=nl`);
    await expect(visitor.getByRole("link", { name: title }).count()).resolves.toBe(0);

    await visitor.goto(`${baseUrl}/fr/discussions?language=fr&tag=dpo&care_setting=hospital`);
    await visitor.getByRole("link", { name: title }).click();
    await visitor.waitForURL(new RegExp(`/fr/posts/${stored.slug}$`));
    await expect(visitor.locator("strong", { hasText: "À quel moment" }).count()).resolves.toBe(1);
    await expect(visitor.getByText("À propos de :").count()).resolves.toBe(1);
    await expect(visitor.getByRole("link", { name: caseTitle }).count()).resolves.toBe(1);
    expect(await seriousViolations(visitor)).toEqual([]);
    for (const width of [1280, 390]) {
      await visitor.setViewportSize({ width, height: 900 });
      await shoot(visitor, "discussion-page", width);
    }
    await visitor.setViewportSize({ width: 1280, height: 900 });

    await visitor.goto(`${baseUrl}/fr/posts/${CASE}`);
    const discussedIn = visitor.getByRole("region", { name: "Discuté dans" });
    await expect(discussedIn.getByRole("link", { name: title }).count()).resolves.toBe(1);
    await expect(discussedIn.textContent()).resolves.toContain("AZ Heidebloem");
    await discussedIn.scrollIntoViewIfNeeded();
    await shootViewport(visitor, "discussed-in", 1280);

    // On the member's dashboard, under "Les discussions que j’ai lancées".
    await page.goto(`${baseUrl}/fr/dashboard`);
    const mine = page.getByRole("region", { name: "Les discussions que j’ai lancées" });
    await expect(mine.getByRole("link", { name: title }).count()).resolves.toBe(1);
    await context.close();
  });

  it("a plain member's question about their hospital's pseudonymous case study saves like any other; the moderator is told the link stays private, and the public page shows none", async () => {
    const SECRET_CASE = "sepsis-early-warning-alert-fatigue";
    const marker = unique("alerte").replace(/[^a-z0-9]/g, "");
    // Its words stay clear of "sepsis": other suites assert that nothing public about sepsis names AZ Heidebloem (whose sepsis case is pseudonymous).
    const title = `Comment avez-vous réduit les fausses alertes précoces ? ${marker}`;
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInOnPage(page, baseUrl, member.email, member.password);
    await page.goto(`${baseUrl}/fr/posts/${SECRET_CASE}`);
    await page.getByRole("link", { name: "Discuter de ce cas" }).click();
    await page.getByLabel(/^Titre/).fill(title);
    await page
      .getByLabel(/Votre question ou affirmation/)
      .fill("Nos infirmières reçoivent trop d'alertes précoces. Qu'avez-vous changé pour qu'elles leur fassent à nouveau confiance ?");
    await page.getByLabel("Mots-clés").fill("alertes");
    await page.getByLabel("Hôpital").check();
    await page.getByRole("button", { name: "Enregistrer et soumettre à la relecture" }).click();
    // Submitted as any question about another organisation's case would be: nothing tells whose this one is.
    await page.waitForURL(/\/fr\/dashboard\/posts\/[a-z0-9]{15}\?submitted=1$/);
    const id = /posts\/([a-z0-9]{15})/.exec(page.url())![1]!;
    const secret = await pb.collection("posts").getFirstListItem(pb.filter("slug = {:s}", { s: SECRET_CASE }));
    expect((await pb.collection("posts").getOne(id)).about).toEqual([secret.id]);
    await context.close();

    const dpoUser = await pb.collection("users").getFirstListItem(pb.filter("email = {:e}", { e: "dpo.hospital@casebook.example" }));
    await dpoReview(await loadActor(dpoUser.id), id, "approve");
    const moderator = await signedInPage(browser, baseUrl, "moderator@casebook.example", DEMO_PASSWORD);
    await moderator.goto(`${baseUrl}/moderation/posts/${id}`);
    const identity = moderator.getByRole("region", { name: "Who is behind it" });
    await expect(identity.getByText("Not linked in public").count()).resolves.toBe(1);
    await expect(identity.getByRole("link", { name: secret.title }).count()).resolves.toBe(1);
    await expect(identity.textContent()).resolves.toContain("readers will not see that this discussion is about them");
    // "As the public will see it": no "About:" line.
    await expect(moderator.getByText("À propos de :").count()).resolves.toBe(0);
    await identity.scrollIntoViewIfNeeded();
    await shootViewport(moderator, "moderation-unlinked-about", 1280);
    await moderator.getByRole("button", { name: "Claim for review" }).click();
    await moderator.waitForURL(new RegExp(`/moderation/posts/${id}\\?claimed=1$`));
    await moderator.getByRole("button", { name: "Approve and publish" }).click();
    await moderator.waitForURL(new RegExp(`/moderation\\?done=approve&post=${id}$`));

    const visitor = await (await browser.newContext()).newPage();
    const slug = (await pb.collection("posts").getOne(id)).slug;
    await visitor.goto(`${baseUrl}/fr/posts/${slug}`);
    await expect(visitor.getByRole("heading", { level: 1 }).textContent()).resolves.toContain(marker);
    await expect(visitor.getByText("À propos de :").count()).resolves.toBe(0);
    await expect(visitor.locator(`a[href*="${SECRET_CASE}"]`).count()).resolves.toBe(0);
    await visitor.goto(`${baseUrl}/fr/posts/${SECRET_CASE}`);
    await expect(visitor.getByRole("link", { name: title }).count()).resolves.toBe(0);
  });
});
