// Issue 12: what the server refuses reads in the reader's language. A French author sees a field
// check (a title over 300 characters) and a domain refusal (a file that is no PDF, PNG or JPEG)
// in French on /fr/write; a funder on /nl/ sees a field check (a title too short) and a domain
// refusal (a decision dated before its call opened) in Dutch. Every time, what they typed stays.
import AxeBuilder from "@axe-core/playwright";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { t } from "../../src/i18n/index.ts";
import { launchBrowser, signedInPage, signInOnPage } from "../helpers/browser.ts";

const baseUrl = inject("baseUrl");
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** Writes docs/screenshots/domain-messages-<step>-<width>.png when CASEBOOK_SCREENSHOTS=1 (committed files stay put otherwise). */
async function shoot(page: Page, step: string, selector: string): Promise<void> {
  if (process.env.CASEBOOK_SCREENSHOTS !== "1") return;
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.locator(selector).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join("docs/screenshots", `domain-messages-${step}-${width}.png`) });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
}

async function submit(page: Page, button: string): Promise<void> {
  const answered = page.waitForResponse((r) => r.request().method() === "POST");
  await page.getByRole("button", { name: button, exact: true }).click();
  expect((await answered).status()).toBe(400);
  await page.waitForLoadState();
}

describe("domain messages in the reader's language", () => {
  it("French: a title over 300 characters and a file that is no PDF are refused in French, next to their field, with the text kept", async () => {
    // A French member (demo setting fr), signed in through the English form, then on the French pages.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signInOnPage(page, baseUrl, "editor.homecare@casebook.example", DEMO_PASSWORD);
    await page.goto(`${baseUrl}/fr/write?kind=case_study`);
    const fr = (key: Parameters<typeof t>[1], params?: Parameters<typeof t>[2]) => t("fr", key, params);
    const longTitle = `Télésurveillance nocturne à domicile ${"et encore ".repeat(30)}`.trim();
    const summary = "Des capteurs au domicile de patients âgés, suivis la nuit par l’équipe infirmière.";
    await page.getByLabel(fr("write.title"), { exact: true }).fill(longTitle);
    await page.getByLabel(fr("write.summary"), { exact: true }).fill(summary);
    await submit(page, fr("write.save"));

    const titleError = page.locator("#f-title-error");
    await expect(titleError.textContent()).resolves.toBe(fr("domain.post.title_max", { max: 300 }));
    await expect(titleError.textContent()).resolves.toMatch(/^Le titre ne peut pas dépasser 300 caractères\.$/);
    await expect(page.getByLabel(fr("write.title"), { exact: true }).getAttribute("aria-invalid")).resolves.toBe("true");
    await expect(page.getByLabel(fr("write.title"), { exact: true }).inputValue()).resolves.toBe(longTitle);
    await expect(page.getByLabel(fr("write.summary"), { exact: true }).inputValue()).resolves.toBe(summary);
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, "fr-title", "#f-title");

    // A domain refusal: the file's content is checked, not its name.
    const title = `Télésurveillance nocturne ${Date.now()}`;
    await page.getByLabel(fr("write.title"), { exact: true }).fill(title);
    await page.locator("#f-attachments").setInputFiles({ name: "notes.pdf", mimeType: "application/pdf", buffer: Buffer.from("ceci n'est pas un PDF") });
    await submit(page, fr("write.save"));
    const refusal = fr("domain.attachment.not_type", { name: "notes.pdf" });
    expect(refusal).toBe("«\u00a0notes.pdf\u00a0» n’est pas un fichier PDF, PNG ou JPEG (vérifié d’après son contenu, pas son nom).");
    // Said at the top of the form (the refusal names the file), with the note by the file input.
    await expect(page.getByRole("alert").filter({ hasText: refusal }).count()).resolves.toBe(1);
    await expect(page.getByText(fr("write.attachments_again"), { exact: true }).count()).resolves.toBe(1);
    await expect(page.getByLabel(fr("write.title"), { exact: true }).inputValue()).resolves.toBe(title);
    await expect(page.getByLabel(fr("write.summary"), { exact: true }).inputValue()).resolves.toBe(summary);
    const body = (await page.locator("main").textContent()) ?? "";
    expect(body).not.toContain("is not a PDF, PNG or JPEG");
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, "fr-attachment", "main h1");
    await context.close();
  });

  it("Dutch: a title too short and a decision dated before its call opened are refused in Dutch, next to their field, with the input kept", async () => {
    const funder = await signedInPage(browser, baseUrl, "editor.funder@casebook.example", DEMO_PASSWORD);
    const stamp = Date.now();
    // A call that opened on 1 March 2025, made through the English pages (the funder's own setting).
    await funder.goto(`${baseUrl}/organizations/meridian-care-fund`);
    await funder.getByRole("link", { name: "Publish a funding call" }).click();
    await funder.getByLabel("Title of the call").fill(`Valpreventie thuis ${stamp}`);
    await funder.getByLabel("Description").fill("Financiering voor AI die thuisverpleging helpt om vallen te voorkomen.");
    await funder.getByLabel("Opens on").fill("2025-03-01");
    await funder.getByLabel("Status").selectOption("closed");
    await funder.getByRole("button", { name: "Save the call" }).click();
    await funder.waitForURL(/\/calls\/[a-z0-9-]+\?saved=1$/);
    const callPath = new URL(funder.url()).pathname.replace(/^\/en(?=\/)/, "");

    const nl = (key: Parameters<typeof t>[1], params?: Parameters<typeof t>[2]) => t("nl", key, params);
    await funder.goto(`${baseUrl}/nl${callPath}/decisions`);
    await expect(funder.locator("html").getAttribute("lang")).resolves.toBe("nl");
    const titleField = funder.getByRole("textbox", { name: new RegExp(`^${nl("write.title")}`) });
    await titleField.fill("Kort");
    await funder.getByLabel(nl("calls.applicant")).fill("Soins à Domicile Val-de-Meuse");
    await funder.getByLabel(nl("post.fact.amount_requested")).fill("90000");
    await funder.getByLabel(nl("post.fact.decision"), { exact: true }).selectOption("rejected");
    await funder.getByLabel(nl("post.fact.decided_on")).fill("2025-02-14");
    await funder.getByLabel(nl("code.rejection_reason.data_quality")).check();
    await submit(funder, nl("calls.record_one"));
    await expect(funder.locator("#f-title-error").textContent()).resolves.toBe("Geef een titel van minstens 8 tekens.");
    await expect(titleField.inputValue()).resolves.toBe("Kort");
    await expect(funder.getByLabel(nl("post.fact.decided_on")).inputValue()).resolves.toBe("2025-02-14");

    // Fixed, the title passes, and the domain refuses the date: in Dutch, next to the date.
    const title = `Valdetectie bij thuisverpleging ${stamp}`;
    await titleField.fill(title);
    await submit(funder, nl("calls.record_one"));
    const dateError = funder.locator("#f-decidedOn-error");
    await expect(dateError.textContent()).resolves.toBe(nl("domain.funding.decided_before_opening", { decided: "2025-02-14", opens: "2025-03-01" }));
    await expect(dateError.textContent()).resolves.toContain("ligt voor de opening van de oproep (2025-03-01)");
    await expect(funder.getByLabel(nl("post.fact.decided_on")).getAttribute("aria-invalid")).resolves.toBe("true");
    await expect(titleField.inputValue()).resolves.toBe(title);
    await expect(funder.getByLabel(nl("calls.applicant")).inputValue()).resolves.toBe("Soins à Domicile Val-de-Meuse");
    await expect(funder.getByLabel(nl("post.fact.amount_requested")).inputValue()).resolves.toBe("90000");
    await expect(funder.getByLabel(nl("code.rejection_reason.data_quality")).isChecked()).resolves.toBe(true);
    const body = (await funder.locator("main").textContent()) ?? "";
    expect(body).not.toContain("before the call opened");
    expect(await seriousViolations(funder)).toEqual([]);
    await shoot(funder, "nl-decision-date", "#f-decidedOn");
  });
});
