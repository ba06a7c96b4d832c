// Issue 11 §12–§18 in Chromium, as people use them: a funder publishes a call and records
// decisions (the applicant picked by name, the language chosen, a date before the call opened
// refused next to the field with everything typed kept), the applicant's admin reads exactly
// what would be published and changes its answer, a moderator publishes, and readers find the
// decisions grouped per call on the home page, a closed call marked "Closed", the open-data
// choices as a form and an accessible insights page — at 1280 and 390 px.
import AxeBuilder from "@axe-core/playwright";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { launchBrowser, signedInPage } from "../helpers/browser.ts";

const baseUrl = inject("baseUrl");
const WIDTHS = [1280, 390] as const;
const HOMECARE = "Soins à Domicile Val-de-Meuse";
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

function as(email: string): Promise<Page> {
  return signedInPage(browser, baseUrl, email, DEMO_PASSWORD);
}

/** Writes docs/screenshots/funding-<step>-<width>.png when CASEBOOK_SCREENSHOTS=1 (committed files stay put otherwise). */
async function shoot(page: Page, step: string, width: number, from?: Locator): Promise<void> {
  if (process.env.CASEBOOK_SCREENSHOTS !== "1") return;
  // At most 1,600 px tall from the part the step is about (or the top), so files stay small and readable.
  const top = from ? Math.max(0, Math.round((await from.boundingBox())!.y + (await page.evaluate(() => window.scrollY)) - 16)) : 0;
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.screenshot({
    path: path.join("docs/screenshots", `funding-${step}-${width}.png`),
    fullPage: true,
    clip: { x: 0, y: top, width, height: Math.min(1600, height - top) },
  });
}

/** Page-level horizontal overflow in CSS pixels (0 when nothing sticks out sideways). */
async function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
}

async function moderate(moderator: Page, title: string): Promise<void> {
  await moderator.goto(`${baseUrl}/moderation`);
  await moderator.getByRole("link", { name: title }).first().click();
  await moderator.getByRole("button", { name: "Claim for review" }).click();
  await moderator.waitForLoadState();
  const approved = moderator.waitForResponse((r) => r.request().method() === "POST");
  await moderator.getByRole("button", { name: "Approve and publish" }).click();
  expect((await approved).status()).toBeLessThan(400);
  await moderator.waitForLoadState();
}

async function createCall(funder: Page, fields: { title: string; opensOn?: string; closesOn?: string; status: string }): Promise<string> {
  await funder.goto(`${baseUrl}/organizations/meridian-care-fund`);
  await funder.getByRole("link", { name: "Publish a funding call" }).click();
  await funder.getByLabel("Title of the call").fill(fields.title);
  await funder.getByLabel("Description").fill("Funding for AI that helps nurses plan home visits and spot deterioration early.");
  await funder.getByLabel("Budget").fill("250000");
  if (fields.opensOn) await funder.getByLabel("Opens on").fill(fields.opensOn);
  if (fields.closesOn) await funder.getByLabel("Closes on").fill(fields.closesOn);
  await funder.getByLabel("Status").selectOption(fields.status);
  await funder.getByRole("button", { name: "Save the call" }).click();
  await funder.waitForURL(/\/calls\/[a-z0-9-]+\?saved=1$/);
  return funder.url().replace(/\?.*$/, "");
}

describe("funding journey (issue 11 §12–§18)", () => {
  it("call → decisions by name (date before opening refused, input kept) → consent card, answer changed → moderation → home groups, decision cards", async () => {
    const stamp = Date.now();
    const callTitle = `Home visit planning ${stamp}`;
    const refusal = `Deterioration alerts for home nursing ${stamp}`;
    const awards = [`Route planning for night nurses ${stamp}`, `Wound photo triage ${stamp}`];
    const withdrawn = `Voice notes after each visit ${stamp}`;
    const funder = await as("editor.funder@casebook.example");
    const callUrl = await createCall(funder, { title: callTitle, opensOn: "2025-03-01", status: "closed" });

    // §12, §14, §15: the one-decision form.
    await funder.getByRole("link", { name: "Record decisions" }).click();
    const options = await funder.locator("datalist#applicant-choices option").evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value));
    expect(options).toContain(HOMECARE);
    expect(options.some((o) => /^[a-z0-9-]+$/.test(o))).toBe(false);
    await funder.getByRole("textbox", { name: /^Title/ }).fill(refusal);
    await funder.getByLabel("Applicant's name").fill(HOMECARE);
    await funder.getByLabel("Amount requested").fill("90000");
    await funder.getByLabel("Decision", { exact: true }).selectOption("rejected");
    await funder.getByLabel("Decided on").fill("2025-02-14");
    await funder.getByLabel("Language of the texts").selectOption("fr");
    await funder.getByLabel("Data quality").check();
    await funder.getByLabel("Reasons in your words").fill("Aucune mesure de référence n'était prévue.");
    await funder.getByRole("button", { name: "Record and send to moderation" }).click();
    const dateField = funder.getByLabel("Decided on");
    await expect(dateField.getAttribute("aria-invalid")).resolves.toBe("true");
    await expect(funder.locator("#f-decidedOn-error").textContent()).resolves.toContain("before the call opened (2025-03-01)");
    // Everything typed is still there.
    await expect(funder.getByRole("textbox", { name: /^Title/ }).inputValue()).resolves.toBe(refusal);
    await expect(funder.getByLabel("Applicant's name").inputValue()).resolves.toBe(HOMECARE);
    await expect(funder.getByLabel("Language of the texts").inputValue()).resolves.toBe("fr");
    await expect(funder.getByLabel("Data quality").isChecked()).resolves.toBe(true);
    await expect(funder.getByLabel("Reasons in your words").inputValue()).resolves.toBe("Aucune mesure de référence n'était prévue.");
    expect(await seriousViolations(funder)).toEqual([]);
    for (const width of WIDTHS) {
      await funder.setViewportSize({ width, height: 900 });
      await funder.locator("#f-decidedOn").scrollIntoViewIfNeeded();
      await shoot(funder, "decision-error", width, funder.getByRole("heading", { name: "Record one decision" }));
      expect(await overflow(funder), `overflow at ${width}px`).toBeLessThanOrEqual(0);
    }
    await expect(funder.getByRole("alert").first().textContent()).resolves.toContain("Some fields need your attention; nothing was recorded.");
    await funder.setViewportSize({ width: 1280, height: 900 });
    // A name that is no verified organisation: said next to the applicant field.
    await funder.getByLabel("Decided on").fill("2025-05-20");
    await funder.getByLabel("Applicant's name").fill("Hôpital Nulle Part");
    await funder.getByRole("button", { name: "Record and send to moderation" }).click();
    await expect(funder.getByLabel("Applicant's name").getAttribute("aria-invalid")).resolves.toBe("true");
    await expect(funder.locator("#f-applicant-error").textContent()).resolves.toContain('No verified organisation on Casebook is called "Hôpital Nulle Part"');
    await expect(funder.getByLabel("Decided on").inputValue()).resolves.toBe("2025-05-20");
    await funder.getByLabel("Applicant's name").fill(HOMECARE);
    await funder.getByRole("button", { name: "Record and send to moderation" }).click();
    await expect(funder.getByRole("status").textContent()).resolves.toContain("1 decision recorded");

    // The rest of the call by CSV: two anonymous awards and a withdrawal, named by organisation name.
    const dir = mkdtempSync(path.join(os.tmpdir(), "casebook-csv-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, "decisions.csv");
    writeFileSync(
      file,
      [
        "title;applicant_type;applicant;applicant_kind;amount_requested;amount_awarded;decision;decided_on;language",
        `${awards[0]};anonymous;;home_care;60000;50000;awarded;2025-05-20;en`,
        `${awards[1]};anonymous;;home_care;40000;40000;awarded;2025-05-21;en`,
        `${withdrawn};outside;Thuiszorg Voorbeeld vzw;home_care;30000;;withdrawn;2025-05-22;nl`,
      ].join("\n"),
    );
    await funder.getByLabel("CSV file (UTF-8)").setInputFiles(file);
    await funder.getByRole("button", { name: "Check and import" }).click();
    await expect(funder.getByRole("status").textContent()).resolves.toContain("3 decisions recorded");

    // §13: the applicant's admin sees what would be published, its own descriptor and the deadline, and changes its answer.
    const homecare = await as("editor.homecare@casebook.example");
    await homecare.goto(`${baseUrl}/dashboard`);
    const card = homecare.locator(".consent-card").filter({ hasText: refusal });
    const text = (await card.textContent()) ?? "";
    expect(text).toContain("Data quality");
    expect(text).toContain("Aucune mesure de référence n'était prévue.");
    expect(text).toMatch(/90[,.\s\u202f]?000/);
    expect(text).toContain(`If you agree to be named: “${HOMECARE}”`);
    expect(text).toMatch(/If you stay anonymous: “(a|an) [^”]+”/);
    expect(text).not.toContain("a care home in Brussels");
    expect(text).toContain("Please answer by");
    expect(text).toContain("Not answered yet");
    for (const width of WIDTHS) {
      await homecare.setViewportSize({ width, height: 900 });
      await shoot(homecare, "consent-card", width, card);
      // The card itself fits (the dashboard's own tables are issue 11 §26, another change).
      const box = await card.boundingBox();
      expect(box!.x + box!.width, `consent card right edge at ${width}px`).toBeLessThanOrEqual(width);
      const inner = await card.evaluate(
        (el) => [...el.querySelectorAll("*")].filter((e) => e.getBoundingClientRect().right > el.getBoundingClientRect().right + 1).length,
      );
      expect(inner, `elements sticking out of the consent card at ${width}px`).toBe(0);
    }
    await homecare.setViewportSize({ width: 1280, height: 900 });
    await card.getByRole("button", { name: "Keep us anonymous" }).click();
    await expect(homecare.getByRole("status").textContent()).resolves.toContain(`Saved: “${refusal}” will show only your organisation's description`);
    await homecare.locator(".consent-card").filter({ hasText: refusal }).getByRole("button", { name: "Name us" }).click();
    const answered = homecare.locator(".consent-card").filter({ hasText: refusal });
    const answeredText = (await answered.textContent()) ?? "";
    expect(answeredText).toContain("You agreed to be named");
    expect(answeredText).toMatch(/asked to stay anonymous[\s\S]*agreed to be named/);
    await expect(answered.getByRole("button", { name: "Keep us anonymous" }).count()).resolves.toBe(1);
    await expect(answered.getByRole("button", { name: "Name us" }).count()).resolves.toBe(0);
    expect(await seriousViolations(homecare)).toEqual([]);
    for (const width of WIDTHS) {
      await homecare.setViewportSize({ width, height: 900 });
      await shoot(homecare, "consent-answered", width, homecare.locator(".consent-card").filter({ hasText: refusal }));
    }

    const moderator = await as("moderator@casebook.example");
    for (const title of [refusal, ...awards, withdrawn]) await moderate(moderator, title);
    // Once published, the answer cannot change any more and the card is gone.
    await homecare.goto(`${baseUrl}/dashboard`);
    await expect(homecare.locator(".consent-card").filter({ hasText: refusal }).count()).resolves.toBe(0);
    // Its admins are told that the record is public, and that it names them.
    await homecare.setViewportSize({ width: 1280, height: 900 });
    await homecare.goto(`${baseUrl}/notifications`);
    const told = homecare
      .locator(".notice-text")
      .filter({ hasText: `Meridian Care Innovation Fund published its decision on “${refusal}”: the record names ${HOMECARE}.` });
    await expect(told.count()).resolves.toBe(1);
    // The request before it, read in English by a French-speaking admin: its deadline in English too.
    const asked = homecare.locator(".notice-text").filter({ hasText: `asks whether it may name ${HOMECARE} in “${refusal}”` });
    await expect(asked.textContent()).resolves.toMatch(
      /Please answer by \d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}\.$/,
    );
    await shoot(homecare, "notice-record-published", 1280, homecare.locator("#notices-h"));

    // §16: the home page lists stories; the decisions come grouped per call.
    const visitor = await (await browser.newContext()).newPage();
    await visitor.goto(baseUrl);
    const stories = visitor.locator("section", { has: visitor.locator("#latest") });
    for (const title of [refusal, ...awards, withdrawn]) await expect(stories.getByRole("link", { name: title }).count()).resolves.toBe(0);
    const groups = visitor.locator("section", { has: visitor.locator("#decisions-h") });
    const group = groups.getByRole("listitem").filter({ has: visitor.getByRole("link", { name: callTitle }) });
    await expect(group.textContent()).resolves.toContain("Published decisions: 4.");
    expect(await seriousViolations(visitor)).toEqual([]);
    for (const width of WIDTHS) {
      await visitor.setViewportSize({ width, height: 900 });
      await shoot(visitor, "home", width);
      await shoot(visitor, "home-decisions", width, visitor.locator("#decisions-h"));
      expect(await overflow(visitor), `overflow at ${width}px`).toBeLessThanOrEqual(0);
    }

    // §14: decision cards show the applicant (or its descriptor) and the decision date; withdrawn is not styled as refused.
    await visitor.setViewportSize({ width: 1280, height: 900 });
    await visitor.goto(callUrl);
    const refusalCard = visitor.locator(".post-card").filter({ hasText: refusal });
    await expect(refusalCard.locator(".card-foot").textContent()).resolves.toMatch(new RegExp(`${HOMECARE}[\\s\\S]*20 May 2025`));
    await expect(refusalCard.locator("time").getAttribute("datetime")).resolves.toBe("2025-05-20");
    await expect(refusalCard.textContent()).resolves.not.toContain("Meridian");
    await expect(refusalCard.getAttribute("lang")).resolves.toBe("fr");
    const withdrawnCard = visitor.locator(".post-card").filter({ hasText: withdrawn });
    await expect(withdrawnCard.locator(".card-foot").textContent()).resolves.toContain("22 May 2025");
    const colour = (selector: string, card: typeof refusalCard) => card.locator(selector).evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(await colour(".badge-withdrawn", withdrawnCard)).not.toBe(await colour(".badge-rejected", refusalCard));
    expect(await seriousViolations(visitor)).toEqual([]);
    for (const width of WIDTHS) {
      await visitor.setViewportSize({ width, height: 900 });
      await shoot(visitor, "call", width, visitor.getByRole("heading", { name: "Decisions", exact: true }));
      expect(await overflow(visitor), `overflow at ${width}px`).toBeLessThanOrEqual(0);
    }
    // The reasons in the funder's words appear once on the record's page.
    await visitor.setViewportSize({ width: 1280, height: 900 });
    await refusalCard.getByRole("link", { name: refusal }).click();
    const page = (await visitor.locator("main").textContent()) ?? "";
    expect(page.split("Aucune mesure de référence n'était prévue.").length - 1).toBe(1);
  });

  it("§15: an open call whose closing date has passed shows Closed, in the list and on its page", async () => {
    const funder = await as("editor.funder@casebook.example");
    const title = `Past deadline call ${Date.now()}`;
    const url = await createCall(funder, { title, opensOn: "2025-01-01", closesOn: "2025-02-01", status: "open" });
    const visitor = await (await browser.newContext()).newPage();
    await visitor.goto(`${baseUrl}/calls`);
    const item = visitor.getByRole("listitem").filter({ has: visitor.getByRole("link", { name: title }) });
    await expect(item.locator(".badge").textContent()).resolves.toBe("Closed");
    await expect(item.textContent()).resolves.toContain("Closed on 1 February 2025");
    await visitor.goto(url);
    await expect(visitor.locator(".post-header .badge").textContent()).resolves.toBe("Closed");
  });

  it("§17: /open-data offers the call and funder as a form; the links then carry the choice", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${baseUrl}/open-data`);
    expect((await page.locator("main").textContent()) ?? "").not.toContain("?call=");
    await page.getByLabel("Funder").selectOption({ label: "Meridian Care Innovation Fund" });
    await page.getByRole("button", { name: "Show the files" }).click();
    await page.waitForURL(/\/open-data\?(call=&)?funder=meridian-care-fund$/);
    await expect(page.getByRole("heading", { name: /Files for: Meridian Care Innovation Fund/ }).count()).resolves.toBe(1);
    const href = await page.getByRole("link", { name: "decisions.csv" }).getAttribute("href");
    expect(href).toBe("/open-data/decisions.csv?funder=meridian-care-fund");
    const response = await page.request.get(`${baseUrl}${href}`);
    expect(response.status()).toBe(200);
    const callOption = page.getByLabel("Call").locator("option").nth(1);
    const callSlug = await callOption.getAttribute("value");
    await page.getByLabel("Call").selectOption(callSlug!);
    await page.getByLabel("Funder").selectOption("");
    await page.getByRole("button", { name: "Show the files" }).click();
    await expect(page.getByRole("link", { name: "calls.json" }).getAttribute("href")).resolves.toBe(`/open-data/calls.json?call=${callSlug}`);
    expect(await seriousViolations(page)).toEqual([]);
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await shoot(page, "open-data", width);
      expect(await overflow(page), `overflow at ${width}px`).toBeLessThanOrEqual(0);
    }
  });

  it("§18: /insights is in the main navigation, has no serious axe violation, no sideways overflow and legible chart labels at 1280 and 390 px", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(baseUrl);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Insights" }).click();
    await page.waitForURL(/\/insights$/);
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      expect(await seriousViolations(page), `axe at ${width}px`).toEqual([]);
      expect(await overflow(page), `page overflow at ${width}px`).toBeLessThanOrEqual(0);
      // Every table fits its scroll region or can be scrolled from the keyboard.
      const regions = page.locator(".table-scroll");
      await expect(regions.count()).resolves.toBeGreaterThan(0);
      for (const region of await regions.all()) await expect(region.getAttribute("tabindex")).resolves.toBe("0");
      // Rendered size of the chart labels: at least 11 px on screen at either width.
      const smallest = await page.evaluate(() => {
        const sizes = [...document.querySelectorAll(".chart svg")]
          .filter((svg) => (svg as SVGSVGElement).getBoundingClientRect().width > 0)
          .flatMap((svg) => {
            const s = svg as SVGSVGElement;
            const scale = s.getBoundingClientRect().width / s.viewBox.baseVal.width;
            return [...s.querySelectorAll("text")].map((t) => Number.parseFloat(getComputedStyle(t).fontSize) * scale);
          });
        return Math.min(...sizes);
      });
      console.info(`insights at ${width}px: smallest chart label ${smallest.toFixed(1)} px on screen`);
      expect(smallest, `smallest chart label at ${width}px`).toBeGreaterThanOrEqual(11);
      await shoot(page, "insights", width);
    }
    expect(await page.locator('svg [aria-label="rect"]').count()).toBe(0);
  });
});

describe("a recorded decision sent back for changes", () => {
  it("its funder edits it in its own form, in French, the call and applicant kept; a refused field keeps what was typed; then it goes back to moderation; published, a correction waits for a moderator who sees what it changes", async () => {
    const stamp = Date.now();
    const callTitle = `Falls at home ${stamp}`;
    const title = `Capteurs de chute, refusé ${stamp}`;
    const funder = await as("editor.funder@casebook.example");
    await createCall(funder, { title: callTitle, opensOn: "2025-03-01", status: "closed" });
    await funder.getByRole("link", { name: "Record decisions" }).click();
    await funder.getByRole("textbox", { name: /^Title/ }).fill(title);
    await funder.getByLabel("Applicant", { exact: true }).selectOption("anonymous");
    await funder.getByLabel("Amount requested").fill("120000");
    await funder.getByLabel("Decision", { exact: true }).selectOption("rejected");
    await funder.getByLabel("Decided on").fill("2025-06-30");
    await funder.getByLabel("Language of the texts").selectOption("fr");
    await funder.getByLabel("Evaluation plan").check();
    await funder.getByLabel("Reasons in your words").fill("Pas de plan d'évaluation ; appelez notre accueil au 02 555 12 34.");
    await funder.getByRole("button", { name: "Record and send to moderation" }).click();
    await expect(funder.getByRole("status").textContent()).resolves.toContain("1 decision recorded");

    const moderator = await as("moderator@casebook.example");
    await moderator.goto(`${baseUrl}/moderation`);
    await moderator.getByRole("link", { name: title }).first().click();
    const postUrl = moderator.url();
    await moderator.getByRole("button", { name: "Claim for review" }).click();
    await moderator.waitForLoadState();
    await moderator.getByLabel("Message to the author").fill("Dites si ce numéro de téléphone est celui d'une personne, et ajoutez l'avis des évaluateurs.");
    await moderator.getByRole("button", { name: "Request changes" }).click();
    await moderator.waitForLoadState();

    const id = postUrl
      .split("/")
      .pop()!
      .replace(/[?#].*$/, "");
    await funder.goto(`${baseUrl}/fr/dashboard/posts/${id}`);
    await expect(funder.getByRole("heading", { name: "Modifier la décision enregistrée" }).isVisible()).resolves.toBe(true);
    // Not the applicant's post form: no summary, no story; the call and the decision are named, not offered.
    await expect(funder.locator('[name="summary"], [name="body_md"], [name="call"]').count()).resolves.toBe(0);
    await expect(funder.locator("#edit-h + form .hint").first().textContent()).resolves.toContain(callTitle);
    // The number is declared not personal data from the privacy panel, with the form.
    await funder.getByLabel(/n’est pas une donnée personnelle, car/).fill("Le standard du financeur, pas une personne.");
    await funder.getByRole("button", { name: "Indiquer que ce n’est pas une donnée personnelle" }).click();
    await funder.waitForURL(/saved=1/);
    await expect(funder.locator(".privacy-panel").textContent()).resolves.toContain("Le standard du financeur, pas une personne.");
    // A title too short: said next to it; what was typed elsewhere stays.
    await funder.getByLabel(/^Titre/).fill("Court");
    await funder.getByLabel("Ce que le financeur a répondu").fill("Les évaluateurs demandent d'abord un pilote.");
    await funder.getByRole("button", { name: "Enregistrer et soumettre à la relecture" }).click();
    await expect(funder.getByLabel(/^Titre/).getAttribute("aria-invalid")).resolves.toBe("true");
    await expect(funder.locator("#f-title-error").textContent()).resolves.toContain("au moins 8 caractères");
    await expect(funder.getByLabel("Ce que le financeur a répondu").inputValue()).resolves.toBe("Les évaluateurs demandent d'abord un pilote.");
    await expect(funder.getByLabel("Plan d’évaluation").isChecked()).resolves.toBe(true);
    expect(await seriousViolations(funder)).toEqual([]);
    for (const width of WIDTHS) {
      await funder.setViewportSize({ width, height: 900 });
      await shoot(funder, "decision-edit", width, funder.getByRole("heading", { name: "Modifier la décision enregistrée" }));
      expect(await overflow(funder), `overflow at ${width}px`).toBeLessThanOrEqual(0);
    }
    await funder.setViewportSize({ width: 1280, height: 900 });
    await funder.getByLabel(/^Titre/).fill(`${title} (modifié)`);
    await funder.getByRole("button", { name: "Enregistrer et soumettre à la relecture" }).click();
    await funder.waitForURL(/submitted=1/);

    // Back in the moderators' queue under its new title, still on its call, the number marked with the funder's reason.
    await moderator.goto(postUrl);
    const review = await moderator.locator("main").textContent();
    expect(review).toContain(`${title} (modifié)`);
    expect(review).toContain(callTitle);
    expect(review).toContain("Le standard du financeur, pas une personne.");

    // Published, the funder corrects it in the same form; readers keep the approved version until a moderator approves the correction.
    await moderate(moderator, `${title} (modifié)`);
    await funder.goto(`${baseUrl}/fr/dashboard/posts/${id}`);
    await expect(funder.getByText("La version publiée reste en ligne").isVisible()).resolves.toBe(true);
    await shoot(funder, "decision-correction", 1280, funder.getByRole("heading", { name: "Modifier la décision enregistrée" }));
    const publicUrl = `${baseUrl}${await funder.getByRole("link", { name: "Voir la page publique" }).getAttribute("href")}`;
    await funder.getByLabel(/^Titre/).fill(`${title} (corrigé)`);
    await funder.getByLabel("Montant demandé").fill("110000");
    await funder.getByRole("button", { name: "Enregistrer et soumettre à la relecture" }).click();
    await funder.waitForURL(/submitted=1/);
    const reader = await browser.newPage();
    onTestFinished(() => reader.close());
    await reader.goto(publicUrl);
    await expect(reader.locator("h1").textContent()).resolves.toBe(`${title} (modifié)`);

    // The moderator sees what the correction changes, each field under its name, then approves it.
    await moderator.goto(postUrl);
    await moderator.getByRole("button", { name: "Claim for review" }).click();
    await moderator.waitForLoadState();
    const changes = moderator.getByRole("region", { name: "Proposed changes" });
    await expect(changes.getByRole("heading", { level: 3 }).allTextContents()).resolves.toEqual(["Title", "Amount requested"]);
    await expect(changes.locator("del").allTextContents()).resolves.toEqual(expect.arrayContaining(["120000"]));
    await expect(changes.locator("ins").allTextContents()).resolves.toEqual(expect.arrayContaining(["110000"]));
    await shoot(moderator, "decision-revision", 1280, changes);
    await moderator.getByRole("button", { name: "Approve and publish" }).click();
    await moderator.waitForLoadState();
    await reader.goto(publicUrl);
    await expect(reader.locator("h1").textContent()).resolves.toBe(`${title} (corrigé)`);
  });
});
