// The heart of Casebook in Chromium: a failure story goes from draft through the privacy
// guard, the DPO and a moderator to the public site — and a patient-data flag takes it down.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
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

describe("publishing a failure story", () => {
  it("blocked by a national number → fixed → DPO → changes requested → resubmitted → approved → public → flagged away", async () => {
    const title = `Triage chatbot and West-Flemish dialects ${Date.now()}`;
    const editor = await as("editor.hospital@casebook.example");
    await editor.goto(`${baseUrl}/write?kind=case_study`);
    await editor.getByLabel("Title").fill(title);
    await editor.getByLabel("Summary").fill("Our emergency-department triage chatbot failed on dialect; we stopped it after three months.");
    await editor.getByLabel("Language of the post").selectOption("en");
    await editor.getByLabel("Outcome").selectOption("failure");
    await editor.getByLabel("Stage reached").selectOption("stopped");
    await editor.getByLabel("Emergency care").check();
    await editor.getByLabel("Language processing").check();
    await editor
      .getByLabel("The story")
      .fill(
        "## Context\n\nThe bot mis-triaged patient 85.07.30-033.28 at night.\n\n## What happened\n\nIt could not understand dialect, so nurses stopped trusting it.",
      );
    await editor.getByRole("button", { name: "Save and submit for review" }).click();
    await editor.waitForURL(/\/dashboard\/posts\/[a-z0-9]{15}\?blocked=1$/);
    const postUrl = editor.url().replace(/\?.*$/, "");
    await expect(editor.getByRole("alert").first().textContent()).resolves.toContain("national register number");
    await expect(editor.getByText("Belgian national register number").count()).resolves.toBeGreaterThan(0);
    await expect(editor.getByText("Draft", { exact: true }).count()).resolves.toBe(1);

    await editor
      .getByLabel("The story")
      .fill("## Context\n\nThe bot mis-triaged a patient at night.\n\n## What happened\n\nIt could not understand dialect, so nurses stopped trusting it.");
    await editor.getByRole("button", { name: "Save and submit for review" }).click();
    await editor.waitForURL(/\?submitted=1$/);
    await expect(editor.getByText("Waiting for the DPO", { exact: true }).count()).resolves.toBe(1);

    const dpo = await as("dpo.hospital@casebook.example");
    await dpo.goto(`${baseUrl}/dashboard`);
    await dpo.getByRole("link", { name: "Open the sign-off list" }).click();
    await dpo.getByRole("link", { name: title }).click();
    await dpo.getByRole("button", { name: "Approve for moderation" }).click();
    await dpo.waitForURL(/\/dashboard\/signoff\?done=approve&post=[a-z0-9]{15}$/);

    const moderator = await as("moderator@casebook.example");
    await moderator.goto(`${baseUrl}/moderation`);
    await moderator.getByRole("link", { name: title }).click();
    await moderator.getByRole("button", { name: "Claim for review" }).click();
    await moderator.getByLabel("Message to the author").fill("Please say how many patients were affected, without details.");
    await moderator.getByRole("button", { name: "Request changes" }).click();
    await moderator.waitForURL(/\/moderation\?done=request_changes&post=[a-z0-9]{15}$/);

    await editor.goto(`${baseUrl}/dashboard`);
    await expect(editor.getByRole("row", { name: new RegExp(title) }).textContent()).resolves.toContain("how many patients");
    await editor.goto(postUrl);
    await editor
      .getByLabel("The story")
      .fill(
        "## Context\n\nThe bot mis-triaged about a dozen patients at night over three months.\n\n## What happened\n\nIt could not understand dialect, so nurses stopped trusting it.",
      );
    await editor.getByRole("button", { name: "Save and submit for review" }).click();
    await editor.waitForURL(/\?submitted=1$/);

    await dpo.goto(postUrl.replace("/dashboard/posts/", "/dashboard/signoff/"));
    await dpo.getByRole("button", { name: "Approve for moderation" }).click();
    await dpo.waitForURL(/\/dashboard\/signoff\?done=approve&post=[a-z0-9]{15}$/);

    await moderator.goto(`${baseUrl}/moderation`);
    await moderator.getByRole("link", { name: title }).click();
    await moderator.getByRole("button", { name: "Claim for review" }).click();
    // The history reads as words (issue 11 §8), not as the stored codes.
    const history = moderator.getByRole("region", { name: "History" });
    await expect(history.textContent()).resolves.toContain("Changes requested");
    await expect(history.textContent()).resolves.not.toContain("request_changes");
    await moderator.getByRole("button", { name: "Approve and publish" }).click();
    await moderator.waitForURL(/\/moderation\?done=approve&post=[a-z0-9]{15}$/);

    // A trusted reader (issue 9 §13): an active member of a verified organisation who has published.
    const reader = await as("editor.homecare@casebook.example");
    await reader.goto(baseUrl);
    await reader.getByRole("link", { name: title }).click();
    await expect(reader.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(title);
    await expect(reader.getByText("about a dozen patients").count()).resolves.toBe(1);
    const publicUrl = reader.url();
    await reader.getByText("Report a problem").click();
    await reader.getByLabel("What is wrong?").selectOption("patient_data");
    await reader.getByRole("button", { name: "Report" }).click();
    await reader.waitForURL(/\/\?flagged=1$/);

    const anonymous = await browser.newPage();
    const gone = await anonymous.goto(publicUrl);
    expect(gone?.status()).toBe(404);
    await anonymous.goto(baseUrl);
    await expect(anonymous.getByRole("link", { name: title }).count()).resolves.toBe(0);
  });
});
