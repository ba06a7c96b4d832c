// Funding decisions in Chromium: a funder publishes a call and imports decisions from a
// CSV; applicants grant consent for one refusal and ask anonymity for another; an
// applicant publishes its own account; the insights page shows the reasons.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { launchBrowser, signedInPage } from "../helpers/browser.ts";

const baseUrl = inject("baseUrl");
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

async function moderate(moderator: Page, title: string): Promise<void> {
  await moderator.goto(`${baseUrl}/moderation`);
  await moderator.getByRole("link", { name: title }).click();
  await moderator.getByRole("button", { name: "Claim for review" }).click();
  await moderator.getByRole("button", { name: "Approve and publish" }).click();
  await moderator.waitForURL(/\/moderation\?done=approve&post=[a-z0-9]{15}$/);
}

describe("funding decisions", () => {
  it("call → CSV import → consent granted / anonymity asked → moderation → public, with the applicant's own account and insights", async () => {
    const stamp = Date.now();
    const callTitle = `Remote monitoring at home ${stamp}`;
    const named = `Medication reminders by voice ${stamp}`;
    const hidden = `Night-time fall prediction ${stamp}`;
    const funder = await as("editor.funder@casebook.example");
    await funder.goto(`${baseUrl}/organizations/meridian-care-fund`);
    await funder.getByRole("link", { name: "Publish a funding call" }).click();
    await funder.getByLabel("Title of the call").fill(callTitle);
    await funder.getByLabel("Description").fill("Funding for AI-supported remote monitoring of people cared for at home.");
    await funder.getByLabel("Budget").fill("400000");
    await funder.getByLabel("Status").selectOption("closed");
    await funder.getByRole("button", { name: "Save the call" }).click();
    await funder.waitForURL(/\/calls\/remote-monitoring-at-home-\d+\?saved=1$/);
    await expect(funder.getByRole("status").textContent()).resolves.toBe("The call is saved.");
    const callUrl = funder.url().replace(/\?.*$/, "");
    // Only the call's managers are told; a visitor following the same address is not.
    const passerBy = await browser.newPage();
    await passerBy.goto(funder.url());
    await expect(passerBy.getByText("The call is saved.").count()).resolves.toBe(0);
    await passerBy.close();

    await funder.getByRole("link", { name: "Record decisions" }).click();
    const dir = mkdtempSync(path.join(os.tmpdir(), "casebook-csv-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const bad = path.join(dir, "bad.csv");
    writeFileSync(
      bad,
      `title;applicant_type;applicant;amount_requested;decision;decided_on;rejection_reasons\n${named};platform;soins-val-de-meuse;-5;rejected;2025-05-20;data_quality\n`,
    );
    await funder.getByLabel("CSV file (UTF-8)").setInputFiles(bad);
    await funder.getByRole("button", { name: "Check and import" }).click();
    await expect(funder.getByRole("alert").textContent()).resolves.toMatch(/Row 1, amount_requested/);
    const good = path.join(dir, "decisions.csv");
    writeFileSync(
      good,
      [
        "title;applicant_type;applicant;amount_requested;amount_awarded;decision;decided_on;rejection_reasons;reason_text",
        `${named};platform;soins-val-de-meuse;90 000;;rejected;2025-05-20;data_quality|evaluation_plan;No baseline measurement was planned.`,
        `${hidden};platform;residences-linde-tilleul;150000;;rejected;2025-05-21;data_governance;The DPIA was missing.`,
      ].join("\n"),
    );
    await funder.getByLabel("CSV file (UTF-8)").setInputFiles(good);
    await funder.getByRole("button", { name: "Check and import" }).click();
    await expect(funder.getByRole("status").textContent()).resolves.toContain("2 decisions recorded");

    const homecare = await as("editor.homecare@casebook.example");
    await homecare.goto(`${baseUrl}/dashboard`);
    await homecare.getByRole("listitem").filter({ hasText: named }).getByRole("button", { name: "Name us" }).click();
    const carehome = await as("admin.carehome@casebook.example");
    await carehome.goto(`${baseUrl}/dashboard`);
    await carehome.getByRole("listitem").filter({ hasText: hidden }).getByRole("button", { name: "Keep us anonymous" }).click();

    const moderator = await as("moderator@casebook.example");
    await moderate(moderator, named);
    await moderate(moderator, hidden);

    const visitor = await (await browser.newContext()).newPage();
    await visitor.goto(callUrl);
    await expect(visitor.getByRole("link", { name: named }).count()).resolves.toBe(1);
    await visitor.getByRole("link", { name: hidden }).click();
    const hiddenPage = await visitor.content();
    // The demo's only care home in Brussels is a group of one: a coarser descriptor (issue 9 §2).
    expect(hiddenPage).not.toContain("a care home in Brussels");
    // Which coarser descriptor the crowd allows depends on the organisations other test files
    // verify (a research group in Brussels makes "an organisation in Brussels" possible): any
    // descriptor that names neither the kind nor the organisation will do.
    expect(hiddenPage).toMatch(/(an organisation|a care provider|a care organisation) in (Belgium|Brussels)/);
    expect(hiddenPage).not.toMatch(/Linde|Tilleul/);
    await visitor.goto(callUrl);
    await visitor.getByRole("link", { name: named }).click();
    await expect(visitor.getByRole("complementary").textContent()).resolves.toContain("Soins à Domicile Val-de-Meuse");
    const exported = await (await fetch(`${baseUrl}/open-data/decisions.csv?call=${callUrl.split("/").pop()}`)).text();
    expect(exported).toContain(named);
    expect(exported).not.toMatch(/Linde|Tilleul/);

    // The applicant's own account, linked to the funder's record.
    await homecare.goto(`${baseUrl}/write?kind=funding_application`);
    const ownTitle = `What we learned from our refused voice-reminder application ${stamp}`;
    await homecare.getByLabel("Title").fill(ownTitle);
    await homecare.getByLabel("Summary").fill("Our application was refused for its data quality; here is what we would do differently.");
    await homecare.getByLabel("Language of the post").selectOption("en");
    await homecare.getByLabel("Call you applied to (if it is on Casebook)").selectOption({ label: `${callTitle} — Meridian Care Innovation Fund` });
    await homecare.getByLabel("Decision").selectOption("rejected");
    await homecare.getByLabel("Amount requested").fill("90000");
    await homecare.getByLabel("Data quality").check();
    await homecare.getByLabel("The application").fill("## Context\n\nWe asked for funding to remind patients of their medication by voice.");
    await homecare.getByLabel("What we would do differently").fill("Measure a baseline before the pilot, and involve our DPO from the start.");
    await homecare.getByRole("button", { name: "Save and submit for review" }).click();
    await homecare.waitForURL(/\?submitted=1$/);
    await moderate(moderator, ownTitle);
    await visitor.goto(baseUrl);
    await visitor.getByRole("link", { name: ownTitle }).click();
    await expect(visitor.getByRole("heading", { name: "What we would do differently" }).count()).resolves.toBe(1);
    await visitor.getByRole("link", { name: "The funder's record of this application" }).click();
    await expect(visitor.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(named);

    await visitor.goto(`${baseUrl}/insights`);
    const chart = visitor.getByRole("img", { name: "Reasons for refusal" });
    await expect(chart.count()).resolves.toBe(1);
    const table = visitor.getByRole("table").filter({ has: visitor.getByText(/Reasons given for \d+ refused applications?/) });
    await expect(table.textContent()).resolves.toContain("Data governance");
    await expect(table.textContent()).resolves.toContain("Evaluation plan");
  });
});
