// Issue 11 §1–§6 in Chromium, as a clinician writes: nothing typed is lost on a refused save
// (post form, "not personal data", call form and call edit), a half-written story is put
// aside and submission names what is missing, findings say where they are, the editor
// explains formatting and counts words, the confirmation says what happens next, and a
// draft's preview carries no publication date and offers Submit — at 1280 and 390 px.
import AxeBuilder from "@axe-core/playwright";
import path from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { launchBrowser, signedInPage } from "../helpers/browser.ts";

const baseUrl = inject("baseUrl");
const WIDTHS = [1280, 390] as const;
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function as(email: string): Promise<Page> {
  const page = await signedInPage(browser, baseUrl, email, DEMO_PASSWORD);
  // The form asks before leaving with unsaved changes; tests that leave on purpose accept.
  page.on("dialog", (dialog) => void dialog.accept());
  return page;
}

/** Writes docs/screenshots/write-<step>-<width>.png when CASEBOOK_SCREENSHOTS=1 (committed files stay put otherwise). */
async function shoot(page: Page, step: string, width: number, from?: Locator): Promise<void> {
  if (process.env.CASEBOOK_SCREENSHOTS !== "1") return;
  const top = from ? Math.max(0, Math.round((await from.boundingBox())!.y + (await page.evaluate(() => window.scrollY)) - 16)) : 0;
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.screenshot({
    path: path.join("docs/screenshots", `write-${step}-${width}.png`),
    fullPage: true,
    clip: { x: 0, y: top, width, height: Math.min(1600, height - top) },
  });
}

/** Page-level horizontal overflow in CSS pixels, with the elements that stick out (so a failure says what to fix). */
async function overflow(page: Page): Promise<number | string> {
  return page.evaluate(() => {
    const extra = document.documentElement.scrollWidth - document.documentElement.clientWidth;
    if (extra === 0) return 0;
    const width = document.documentElement.clientWidth;
    const out = [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > width + 1)
      // Inside a horizontal scroller (the phone navigation) sticking out is the design.
      .filter((e) => {
        for (let p = e.parentElement; p && p !== document.body; p = p.parentElement)
          if (["auto", "scroll", "hidden"].includes(getComputedStyle(p).overflowX)) return false;
        return true;
      })
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ""}.${[...e.classList].join(".")} (${Math.round(e.getBoundingClientRect().right)})`);
    return `${extra}px: ${out.join(", ")}`;
  });
}

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
}

async function value(page: Page, label: string): Promise<string> {
  return page.getByLabel(label, { exact: true }).inputValue();
}

async function saveAndWait(page: Page, button: string): Promise<void> {
  const answered = page.waitForResponse((r) => r.request().method() === "POST");
  await page.getByRole("button", { name: button, exact: true }).click();
  await answered;
  await page.waitForLoadState();
}

describe("the post form keeps everything and saves a draft at any stage", () => {
  it("a refused save keeps every field; a half-written draft saves; submitting names what is missing", async () => {
    const page = await as("editor.carehome@casebook.example");
    await page.goto(`${baseUrl}/write?kind=case_study`);

    // Writing without Markdown knowledge: headings to write under, help next to the editor, a word count.
    const story = page.getByLabel("The story", { exact: true });
    expect(await story.inputValue()).toMatch(/^## Context\n/);
    const hint = (await page.locator("#f-body_md-hint").textContent()) ?? "";
    expect(hint.trim().split(/\s/)[0]).not.toMatch(/markdown/i);
    await expect(page.getByText("How to format your text").isVisible()).resolves.toBe(true);
    await expect(page.locator(".word-count").textContent()).resolves.toBe("0 words");
    await expect(page.getByText("Fields marked * are needed to submit", { exact: false }).count()).resolves.toBe(1);
    await expect(page.locator('label.required[for="f-title"]').count()).resolves.toBe(1);
    await expect(page.locator('label.required[for="f-outcome"]').count()).resolves.toBe(1);
    await expect(page.locator("#f-ai_types legend.required").count()).resolves.toBe(1);
    await expect(page.locator('label.required[for="f-tags"]').count()).resolves.toBe(0);

    await page.getByText("How to format your text").click();
    await expect(page.getByText("A line starting with ## is a heading.").isVisible()).resolves.toBe(true);
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      expect(await overflow(page)).toBe(0);
      await shoot(page, "editor", width, page.locator('label[for="f-body_md"]'));
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    const title = `Night-time fall detection in a care home ${Date.now()}`;
    await page.getByLabel("Title", { exact: true }).fill(title);
    await page.getByLabel("Summary", { exact: true }).fill("Fall sensors");
    await page.getByLabel("Outcome", { exact: true }).selectOption("partial");
    await page.getByLabel("Care home", { exact: true }).check();
    await page.getByLabel("Started on", { exact: true }).fill("2024-09-01");
    await page.getByLabel("Data sources", { exact: false }).fill("Bed sensors, night-shift logs");
    await story.fill("## Context\n\nWe put sensors in twelve rooms to detect falls at night.");
    await expect(page.locator(".word-count").textContent()).resolves.toBe("11 words");
    await page.getByLabel("Lessons learned", { exact: true }).fill("- Ask the night shift first.");
    await page.getByLabel("Tags", { exact: false }).fill("falls, night_shift!");
    await saveAndWait(page, "Save draft");

    // Refused for the tags only, and every other field still holds what was typed.
    expect(page.url()).toContain("/write");
    await expect(page.locator("#f-tags-error").textContent()).resolves.toMatch(/Tags are short words/);
    expect(await value(page, "Title")).toBe(title);
    expect(await value(page, "Summary")).toBe("Fall sensors");
    expect(await value(page, "Outcome")).toBe("partial");
    expect(await page.getByLabel("Care home", { exact: true }).isChecked()).toBe(true);
    expect(await value(page, "Started on")).toBe("2024-09-01");
    expect(await page.getByLabel("Data sources", { exact: false }).inputValue()).toBe("Bed sensors, night-shift logs");
    expect(await story.inputValue()).toBe("## Context\n\nWe put sensors in twelve rooms to detect falls at night.");
    expect(await value(page, "Lessons learned")).toBe("- Ask the night shift first.");
    expect(await page.getByLabel("Tags", { exact: false }).inputValue()).toBe("falls, night_shift!");
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      expect(await overflow(page)).toBe(0);
      await shoot(page, "refused", width, page.locator('label[for="f-body_md"]'));
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(await seriousViolations(page)).toEqual([]);

    // Half-written (no stage, no kind of AI, a short summary): saved all the same.
    await page.getByLabel("Tags", { exact: false }).fill("falls, night shift");
    await saveAndWait(page, "Save draft");
    expect(page.url()).toMatch(/\/dashboard\/posts\/[a-z0-9]{15}\?saved=1$/);
    const postUrl = page.url().replace(/\?.*$/, "");
    await expect(page.getByText("Draft saved.").count()).resolves.toBe(1);
    expect(await value(page, "Summary")).toBe("Fall sensors");

    // Submitting applies the full rules: the draft stays, each missing field is marked next to it.
    await saveAndWait(page, "Save and submit for review");
    expect(page.url()).toBe(`${postUrl}?incomplete=1`);
    await expect(page.getByRole("alert").first().textContent()).resolves.toContain("cannot be submitted yet");
    await expect(page.locator("#f-summary-error").textContent()).resolves.toContain("at least 20 characters");
    await expect(page.locator("#f-lifecycle_stage-error").textContent()).resolves.toContain("how far the project got");
    await expect(page.locator("#f-ai_types .error-text").textContent()).resolves.toContain("kind of AI");
    await expect(page.locator("#f-body_md-error").count()).resolves.toBe(0);
    await expect(page.getByText("Draft", { exact: true }).count()).resolves.toBe(1);
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      expect(await overflow(page)).toBe(0);
      await shoot(page, "incomplete", width);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("a story put aside before it has a title is an untitled draft on the dashboard", async () => {
    const page = await as("editor.carehome@casebook.example");
    await page.goto(`${baseUrl}/write?kind=case_study`);
    const words = `Only a first thought ${Date.now()}`;
    await page.getByLabel("The story", { exact: true }).fill(words);
    await saveAndWait(page, "Save draft");
    expect(page.url()).toMatch(/\?saved=1$/);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Untitled draft");
    const postUrl = page.url().replace(/\?.*$/, "");
    await page.goto(`${baseUrl}/dashboard`);
    const links = page.getByRole("link", { name: "Untitled draft" });
    const hrefs = await links.evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    expect(hrefs).toContain(postUrl);
  });

  it("the template follows the post's language, and only headings cannot be submitted", async () => {
    const page = await as("editor.carehome@casebook.example");
    await page.goto(`${baseUrl}/write?kind=case_study`);
    await page.getByLabel("Language of the post", { exact: true }).selectOption("fr");
    const story = page.getByLabel("The story", { exact: true });
    expect(await story.inputValue()).toMatch(/^## Contexte\n/);
    await page.getByLabel("Language of the post", { exact: true }).selectOption("nl");
    expect(await story.inputValue()).toContain("## Wat we deden");
    await page.getByLabel("Title", { exact: true }).fill(`Valdetectie 's nachts ${Date.now()}`);
    await page.getByLabel("Summary", { exact: true }).fill("Sensoren die 's nachts vallen signaleerden, met wisselend succes.");
    await page.getByLabel("Outcome", { exact: true }).selectOption("partial");
    await page.getByLabel("Stage reached", { exact: true }).selectOption("pilot");
    await page.getByLabel("Care home", { exact: true }).check();
    await page.getByLabel("Computer vision", { exact: true }).check();
    await saveAndWait(page, "Save and submit for review");
    expect(page.url()).toMatch(/\?incomplete=1$/);
    await expect(page.locator("#f-body_md-error").textContent()).resolves.toContain("only headings");
    expect(await story.inputValue()).toContain("## Wat er gebeurde");
  });

  it("leaving the edit page with unsaved changes asks first", async () => {
    const page = await signedInPage(browser, baseUrl, "editor.carehome@casebook.example", DEMO_PASSWORD);
    await page.goto(`${baseUrl}/write?kind=case_study`);
    // Chromium asks only after the person has interacted with the page (a click, not a script).
    await page.getByLabel("Title", { exact: true }).click();
    await page.keyboard.type("Something I do not want to lose");
    const asked = new Promise<string>((resolve) =>
      page.once("dialog", (d) => {
        resolve(d.type());
        void d.accept();
      }),
    );
    await page.close({ runBeforeUnload: true });
    await expect(asked).resolves.toBe("beforeunload");
  });
});

describe("the funding application form keeps everything", () => {
  it("an edit refused for a negative amount keeps every other field, checkboxes and dates included", async () => {
    const page = await as("editor.hospital@casebook.example");
    await page.goto(`${baseUrl}/write?kind=funding_application`);
    const title = `Application for a wound-photo triage pilot ${Date.now()}`;
    await page.getByLabel("Title", { exact: true }).fill(title);
    await page.getByLabel("Funder", { exact: true }).fill("Regional innovation fund");
    await page.getByLabel("Decision", { exact: true }).selectOption("rejected");
    await page.getByLabel("Amount requested", { exact: true }).fill("120000");
    await saveAndWait(page, "Save draft");
    expect(page.url()).toMatch(/\?saved=1$/);

    // Unsaved edits everywhere, then a refused value.
    await page.getByLabel("Summary", { exact: true }).fill("Refused for its evaluation plan; we learned to budget for one.");
    await page.getByLabel("Evaluation plan", { exact: true }).check();
    await page.getByLabel("Submitted on", { exact: true }).fill("2025-02-01");
    await page.getByLabel("Decided on", { exact: true }).fill("2025-05-20");
    await page.getByLabel("What the funder said", { exact: true }).fill("The evaluation plan was too thin.");
    await page.getByLabel("What we would do differently", { exact: true }).fill("Ask a methodologist first.");
    await page.getByLabel("Amount requested", { exact: true }).fill("-5");
    await saveAndWait(page, "Save draft");
    await expect(page.locator("#f-amount_requested-error").textContent()).resolves.toContain("cannot be negative");
    expect(await value(page, "Amount requested")).toBe("-5");
    expect(await value(page, "Title")).toBe(title);
    expect(await value(page, "Summary")).toBe("Refused for its evaluation plan; we learned to budget for one.");
    expect(await value(page, "Funder")).toBe("Regional innovation fund");
    expect(await value(page, "Decision")).toBe("rejected");
    expect(await page.getByLabel("Evaluation plan", { exact: true }).isChecked()).toBe(true);
    expect(await value(page, "Submitted on")).toBe("2025-02-01");
    expect(await value(page, "Decided on")).toBe("2025-05-20");
    expect(await value(page, "What the funder said")).toBe("The evaluation plan was too thin.");
    expect(await value(page, "What we would do differently")).toBe("Ask a methodologist first.");
    expect(await page.getByLabel("The application", { exact: true }).inputValue()).toMatch(/^## /);
  });
});

describe("privacy findings on a draft", () => {
  it("an address hidden in a link's target is quoted as written, and marked", async () => {
    const page = await as("editor.carehome@casebook.example");
    await page.goto(`${baseUrl}/write?kind=case_study`);
    await page.getByLabel("Title", { exact: true }).fill(`Night falls and the link ${Date.now()}`);
    await page.getByLabel("The story", { exact: true }).fill("## Context\n\nQuestions? [Write to our nurse](mailto:an.claes@linde-tilleul.be) any time.");
    await saveAndWait(page, "Save draft");
    const finding = page.locator(".findings li").filter({ hasText: "E-mail address" }).first();
    await expect(finding.locator("mark").textContent()).resolves.toBe("an.claes@linde-tilleul.be");
  });

  it("a pseudonymous story that names its own organisation is told, in Dutch, that this blocks submitting", async () => {
    const page = await as("editor.carehome@casebook.example");
    await page.goto(`${baseUrl}/nl/write?kind=case_study`);
    await page.getByLabel("Titel", { exact: true }).fill(`Valdetectie 's nachts ${Date.now()}`);
    await page.getByLabel("Het verhaal", { exact: true }).fill("## Context\n\nIn woonzorggroep linde - résidences tilleul liep de proef drie maanden.");
    await page.locator("#f-anonymous").check();
    await saveAndWait(page, "Concept opslaan");
    const finding = page.locator(".findings li").first();
    await expect(finding.locator("strong").first().textContent()).resolves.toBe("Een naam die deze bijdrage voor lezers verborgen houdt");
    await expect(finding.locator("mark").textContent()).resolves.toBe("woonzorggroep linde - résidences tilleul");
    await expect(finding.textContent()).resolves.toContain("Dit verhindert het indienen.");
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      expect(await overflow(page)).toBe(0);
      await shoot(page, "hidden-name", width, page.getByRole("heading", { name: "Privacycontrole" }));
    }
  });

  it("say where they are, and marking one as not personal data keeps unsaved edits", async () => {
    const page = await as("editor.carehome@casebook.example");
    await page.goto(`${baseUrl}/write?kind=case_study`);
    const title = `Medication robot and the pharmacy line ${Date.now()}`;
    await page.getByLabel("Title", { exact: true }).fill(title);
    await page
      .getByLabel("The story", { exact: true })
      .fill("## Context\n\nThe robot was installed in May. The pharmacy's **shared line** is 02 555 12 34, on our website. It worked.");
    await saveAndWait(page, "Save draft");
    const postUrl = page.url().replace(/\?.*$/, "");

    // Named field, linked to it, and the sentence as a reader sees it (no Markdown stars).
    const finding = page.locator(".findings li").first();
    await expect(finding.getByRole("link", { name: "in “The story”" }).getAttribute("href")).resolves.toBe("#f-body_md");
    await expect(finding.locator(".finding-sentence").textContent()).resolves.toBe("“The pharmacy's shared line is 02 555 12 34, on our website.”");
    await expect(finding.locator("mark").textContent()).resolves.toBe("02 555 12 34");
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      expect(await overflow(page)).toBe(0);
      await shoot(page, "findings", width, page.getByRole("heading", { name: "Privacy check" }));
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    // An unsaved edit to the story, then a reason too short: refused next to the reason, the edit kept.
    const edited = "## Context\n\nThe robot was installed in May. The pharmacy's **shared line** is 02 555 12 34, on our website. It worked well.";
    await page.getByLabel("The story", { exact: true }).fill(edited);
    const reason = page.getByLabel(/“02 555 12 34” is not personal data because/);
    await reason.fill("ok");
    await saveAndWait(page, "Mark as not personal data");
    await expect(page.locator(".dismiss-form .error-text").textContent()).resolves.toContain("at least 5 characters");
    expect(await reason.inputValue()).toBe("ok");
    expect(await page.getByLabel("The story", { exact: true }).inputValue()).toBe(edited);
    expect(await seriousViolations(page)).toEqual([]);

    // A real reason: saved with the edit.
    await reason.fill("The pharmacy's switchboard, published on our website.");
    await saveAndWait(page, "Mark as not personal data");
    expect(page.url()).toBe(`${postUrl}?saved=1`);
    expect(await page.getByLabel("The story", { exact: true }).inputValue()).toBe(edited);
    await expect(page.locator(".findings li.dismissed").textContent()).resolves.toContain("switchboard, published on our website");
  });
});

describe("submitting and previewing", () => {
  async function writeComplete(page: Page, title: string): Promise<string> {
    await page.goto(`${baseUrl}/write?kind=case_study`);
    await page.getByLabel("Title", { exact: true }).fill(title);
    await page.getByLabel("Summary", { exact: true }).fill("A speech recogniser for handover notes that the night shift stopped using.");
    await page.getByLabel("Outcome", { exact: true }).selectOption("failure");
    await page.getByLabel("Stage reached", { exact: true }).selectOption("pilot");
    await page.getByLabel("Emergency care", { exact: true }).check();
    await page.getByLabel("Speech recognition", { exact: true }).check();
    await page
      .getByLabel("The story", { exact: true })
      .fill("## Context\n\nNurses dictated handover notes for two months.\n\n## What happened\n\nBackground noise made the transcripts unusable at night.");
    await saveAndWait(page, "Preview");
    return page.url();
  }

  it("a draft's preview says it is not published and submits; the confirmation names the DPO, moderation and mail", async () => {
    const page = await as("editor.hospital@casebook.example");
    const previewUrl = await writeComplete(page, `Dictated handovers ${Date.now()}`);
    expect(previewUrl).toMatch(/\/dashboard\/posts\/[a-z0-9]{15}\/preview$/);
    const body = (await page.locator("main").textContent()) ?? "";
    expect(body).not.toContain("Published on");
    expect(body).toContain("Not published: this is a preview of your draft.");
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      expect(await overflow(page)).toBe(0);
      await shoot(page, "preview", width);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(await seriousViolations(page)).toEqual([]);

    await saveAndWait(page, "Submit for review");
    expect(page.url()).toMatch(/\/dashboard\/posts\/[a-z0-9]{15}\?submitted=1$/);
    const confirmation = (await page.locator(".next-steps").textContent()) ?? "";
    // The DPO is named (AZ Heidebloem's one DPO in the demo content).
    expect(confirmation).toContain("Saar Deckmijn, your organisation's data protection officer, checks it first");
    expect(confirmation).toContain("moderator then reviews it");
    expect(confirmation).toContain("You get an e-mail at each step");
    await expect(page.getByText("Waiting for the DPO", { exact: true }).count()).resolves.toBe(1);
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      expect(await overflow(page)).toBe(0);
      await shoot(page, "submitted", width);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("without a DPO, the confirmation goes straight to moderation; an incomplete draft's preview points to what is missing", async () => {
    const page = await as("editor.carehome@casebook.example");
    await writeComplete(page, `Dictated handovers in a care home ${Date.now()}`);
    await saveAndWait(page, "Submit for review");
    const confirmation = (await page.locator(".next-steps").textContent()) ?? "";
    expect(confirmation).not.toContain("data protection officer");
    expect(confirmation).toContain("A Casebook moderator reviews it");
    // Withdrawing says so (not a bare "Done.").
    await saveAndWait(page, "Withdraw this post");
    expect(page.url()).toMatch(/\/dashboard\/posts\/[a-z0-9]{15}\?done=withdrawn$/);
    await expect(page.getByRole("status").textContent()).resolves.toBe("Your post is withdrawn.");

    await page.goto(`${baseUrl}/write?kind=case_study`);
    await page.getByLabel("Title", { exact: true }).fill(`Unfinished ${Date.now()}`);
    await saveAndWait(page, "Preview");
    await expect(page.getByRole("button", { name: "Submit for review" }).count()).resolves.toBe(0);
    await page.getByRole("link", { name: "Some fields need your attention before you can submit." }).click();
    await expect(page.locator("#f-outcome-error").textContent()).resolves.toContain("how the project turned out");
  });
});

describe("the call form keeps everything", () => {
  it("a new call refused for its budget keeps the form and every field", async () => {
    const page = await as("editor.funder@casebook.example");
    await page.goto(`${baseUrl}/organizations/meridian-care-fund`);
    await page.getByRole("link", { name: "Publish a funding call" }).click();
    await page.getByLabel("Title of the call", { exact: true }).fill("Remote monitoring at home, 2027");
    await page.getByLabel("Programme", { exact: true }).fill("Care closer to home");
    await page.getByLabel("Description", { exact: true }).fill("Projects that let people be monitored safely at home after discharge.");
    await page.getByLabel("Budget", { exact: true }).fill("about a million");
    await page.getByLabel("Opens on", { exact: true }).fill("2027-01-15");
    await page.getByLabel("Link", { exact: true }).fill("https://example.org/call");
    await page.getByLabel("Status", { exact: true }).selectOption("draft");
    await saveAndWait(page, "Save the call");
    await expect(page.getByText("Only editors of a verified funder can do this.").count()).resolves.toBe(0);
    await expect(page.locator("#f-budget-error").textContent()).resolves.toContain("budget in digits");
    expect(await value(page, "Title of the call")).toBe("Remote monitoring at home, 2027");
    expect(await value(page, "Programme")).toBe("Care closer to home");
    expect(await value(page, "Description")).toBe("Projects that let people be monitored safely at home after discharge.");
    expect(await value(page, "Budget")).toBe("about a million");
    expect(await value(page, "Opens on")).toBe("2027-01-15");
    expect(await value(page, "Link")).toBe("https://example.org/call");
    expect(await value(page, "Status")).toBe("draft");
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      expect(await overflow(page)).toBe(0);
      await shoot(page, "call-refused", width);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(await seriousViolations(page)).toEqual([]);
  });

  it("an edit refused for its link keeps the call's form with the edits", async () => {
    const page = await as("editor.funder@casebook.example");
    await page.goto(`${baseUrl}/calls/ai-in-everyday-care-2024`);
    await page.getByRole("link", { name: "Edit the call" }).click();
    const others = ["Title of the call", "Programme", "Eligibility", "Budget", "Currency", "Opens on", "Closes on", "Status"];
    const before = await Promise.all(others.map((label) => value(page, label)));
    const description = `${await value(page, "Description")} Edited ${Date.now()}.`;
    await page.getByLabel("Description", { exact: true }).fill(description);
    await page.getByLabel("Link", { exact: true }).fill("javascript:alert(1)");
    await saveAndWait(page, "Save the call");
    await expect(page.getByText("Only editors of a verified funder can do this.").count()).resolves.toBe(0);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Edit the call");
    await expect(page.locator("#f-url-error").textContent()).resolves.toContain("https://");
    expect(await value(page, "Description")).toBe(description);
    expect(await value(page, "Link")).toBe("javascript:alert(1)");
    expect(await Promise.all(others.map((label) => value(page, label)))).toEqual(before);
  });
});
