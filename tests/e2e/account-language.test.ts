// The account page's language setting (issue 12 §3, "the setting must now work"): a member who
// chooses Nederlands gets the interface in Dutch from the next page load on, whatever the
// browser asks for, and back in English when they switch back. A fresh account, so no demo
// member's setting changes under the other test files.
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { t } from "../../src/i18n/index.ts";
import { findLatestMail } from "../../src/lib/server/mail.ts";
import { launchBrowser, signInOnPage } from "../helpers/browser.ts";

const baseUrl = inject("baseUrl");
const dataDir = inject("dataDir");
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function mailLink(to: string, linkPath: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const mail = await findLatestMail(to, dataDir);
    const link = mail?.text.match(new RegExp(`https?://\\S+${linkPath}\\S*`))?.[0];
    if (link) return link.replace(/^https?:\/\/[^/]+/, baseUrl);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail with ${linkPath} for ${to}`);
}

/** Writes docs/screenshots/<name>-<width>.png when CASEBOOK_SCREENSHOTS=1 (committed files stay put otherwise). */
async function shoot(page: Page, name: string, width: number): Promise<void> {
  if (process.env.CASEBOOK_SCREENSHOTS !== "1") return;
  await page.setViewportSize({ width, height: 900 });
  await page.screenshot({ path: path.join("docs/screenshots", `${name}-${width}.png`), fullPage: false });
}

const htmlLang = (page: Page) => page.locator("html").getAttribute("lang");
const heading = (page: Page) => page.getByRole("heading", { level: 1 }).textContent();

describe("the account's language setting", () => {
  it("Nederlands on the account page turns the interface Dutch at the next page load, English turns it back", async () => {
    const email = `taal-${Date.now()}@example.test`;
    const password = "juniper harbour cobalt meridian";
    // The browser asks for English: only the setting can make the pages Dutch.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, extraHTTPHeaders: { "Accept-Language": "en-GB,en;q=0.9" } });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/signup`);
    await page.getByLabel("Name").fill("Lotte Taal");
    await page.getByLabel("E-mail address").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByRole("status").textContent()).resolves.toContain(email);
    await page.goto(await mailLink(email, "/verify"));
    await signInOnPage(page, baseUrl, email, password);

    await page.goto(`${baseUrl}/account`);
    await expect(htmlLang(page)).resolves.toBe("en");
    await expect(heading(page)).resolves.toBe(t("en", "account.title"));
    await page.getByRole("combobox", { name: t("en", "auth.field.locale") }).selectOption({ label: "Nederlands" });
    await page.getByRole("button", { name: t("en", "account.save"), exact: true }).click();
    // Saving shows the account page again at once, in the language just chosen (its own URL).
    await page.waitForURL(/\/nl\/account\?saved=1$/);
    await expect(htmlLang(page)).resolves.toBe("nl");
    await expect(page.getByRole("status").first().textContent()).resolves.toContain(t("nl", "account.saved"));

    // The next page load, as a member would make it: the account page again, and the home page.
    await page.goto(`${baseUrl}/account`);
    await expect(htmlLang(page)).resolves.toBe("nl");
    await expect(heading(page)).resolves.toBe(t("nl", "account.title"));
    await expect(page.getByRole("combobox", { name: t("nl", "auth.field.locale") }).inputValue()).resolves.toBe("nl");
    const violations = (await new AxeBuilder({ page }).analyze()).violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
    for (const width of [1280, 390]) await shoot(page, "account-language-nl", width);
    await page.goto(`${baseUrl}/`);
    await expect(htmlLang(page)).resolves.toBe("nl");

    // And back: the Dutch form, labelled in Dutch, saves English.
    await page.goto(`${baseUrl}/account`);
    await page.getByRole("combobox", { name: t("nl", "auth.field.locale") }).selectOption({ label: "English" });
    await page.getByRole("button", { name: t("nl", "account.save"), exact: true }).click();
    await page.waitForURL(/\/en\/account\?saved=1$/);
    await expect(page.getByRole("status").first().textContent()).resolves.toContain(t("en", "account.saved"));
    await page.goto(`${baseUrl}/account`);
    await expect(htmlLang(page)).resolves.toBe("en");
    await expect(heading(page)).resolves.toBe(t("en", "account.title"));
    await context.close();
  });
});
