// Mail language through the real sign-up page (issue 12 §1): someone who signs up on /fr/signup
// and leaves the language field as the page filled it gets their verification mail in French
// only — the page's language reaches the account through the action, whatever the browser asks for.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { t } from "../../src/i18n/index.ts";
import { type DroppedMail, findLatestMail } from "../../src/lib/server/mail.ts";
import { launchBrowser } from "../helpers/browser.ts";

const baseUrl = inject("baseUrl");
const dataDir = inject("dataDir");
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

// Sign-up mails are sent after the response (users.ts), so the test looks until one is there.
async function mailTo(to: string): Promise<DroppedMail> {
  for (let i = 0; i < 50; i++) {
    const mail = await findLatestMail(to, dataDir);
    if (mail) return mail;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail for ${to}`);
}

describe("mail language from the sign-up page", () => {
  it("signing up on /fr/signup without touching the language field sends a French-only verification mail", async () => {
    const email = `inscription-${Date.now()}@example.test`;
    // The browser asks for English: only the page's prefix says French.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, extraHTTPHeaders: { "Accept-Language": "en-GB,en;q=0.9" } });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/fr/signup`);
    await expect(page.getByRole("combobox", { name: t("fr", "auth.field.locale") }).inputValue()).resolves.toBe("fr");
    await page.getByLabel(t("fr", "auth.field.name"), { exact: true }).fill("Nadia Lambert");
    await page.getByLabel(t("fr", "auth.field.email"), { exact: true }).fill(email);
    await page.getByLabel(t("fr", "auth.field.password"), { exact: true }).fill("juniper harbour cobalt meridian");
    await page.getByRole("button", { name: t("fr", "auth.signup.submit") }).click();
    await expect(page.getByRole("status").textContent()).resolves.toContain(email);

    const mail = await mailTo(email);
    expect(mail.subject).toBe("Vérifiez votre adresse e-mail pour Casebook");
    expect(mail.text).toMatch(/^Bonjour Nadia Lambert,\n\nVeuillez confirmer votre adresse e-mail/);
    expect(mail.text).toContain("L’équipe Casebook");
    for (const english of ["Hello", "The Casebook team", "You receive this", "Please confirm"]) expect(mail.text).not.toContain(english);
    expect(mail.text).not.toMatch(/-{10,} (English|Français|Nederlands) -{10,}/);
    await context.close();
  });

  it("a sign-up posted with no language field at all takes the page's language (/nl/signup → Dutch)", async () => {
    const email = `inschrijving-${Date.now()}@example.test`;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, extraHTTPHeaders: { "Accept-Language": "fr-BE,fr;q=0.9" } });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/nl/signup`);
    // A client that sends no choice (an older form, a script): the action must fall back to the page, not to English.
    await page.locator('select[name="locale"]').evaluate((select) => select.remove());
    await page.getByLabel(t("nl", "auth.field.name"), { exact: true }).fill("Lotte Peeters");
    await page.getByLabel(t("nl", "auth.field.email"), { exact: true }).fill(email);
    await page.getByLabel(t("nl", "auth.field.password"), { exact: true }).fill("juniper harbour cobalt meridian");
    await page.getByRole("button", { name: t("nl", "auth.signup.submit") }).click();
    await expect(page.getByRole("status").textContent()).resolves.toContain(email);

    const mail = await mailTo(email);
    expect(mail.subject).toBe("Bevestig uw e-mailadres voor Casebook");
    expect(mail.text).toMatch(/^Dag Lotte Peeters,\n\n/);
    for (const other of ["Hello", "The Casebook team", "Bonjour", "L’équipe Casebook"]) expect(mail.text).not.toContain(other);
    await context.close();
  });
});
