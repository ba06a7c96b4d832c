// Debian's Chromium driven by Playwright (no downloaded browsers on these machines).
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { LANGUAGE_COOKIE } from "../../src/i18n/routing.ts";

/** Launches headless Chromium from /usr/bin/chromium (or CHROMIUM_PATH). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}

/**
 * Makes a context's pages English whatever the member's language setting (demo members have
 * fr and nl): the language switcher's cookie, as if they had picked English. For journeys
 * written against the English catalogue.
 */
export async function preferEnglish(context: BrowserContext, baseUrl: string): Promise<void> {
  await context.addCookies([{ name: LANGUAGE_COOKIE, value: "en", url: baseUrl }]);
}

/** A new browser context signed in as `email` (lands on the dashboard), its pages in English (preferEnglish). */
export async function signedInPage(browser: Browser, baseUrl: string, email: string, password: string): Promise<Page> {
  const context = await browser.newContext();
  await preferEnglish(context, baseUrl);
  const page = await context.newPage();
  await signInOnPage(page, baseUrl, email, password);
  return page;
}

/**
 * Signs `page` in through the sign-in form and waits for the dashboard (or `landing`). A refused sign-in
 * (wrong password, unverified account, too many attempts) fails at once with the message the
 * page shows, rather than timing out while waiting for a page that never comes.
 */
export async function signInOnPage(page: Page, baseUrl: string, email: string, password: string, landing: RegExp = /\/dashboard$/): Promise<void> {
  await page.goto(`${baseUrl}/signin`);
  await page.getByLabel("E-mail address").fill(email);
  await page.getByLabel("Password").fill(password);
  const answered = page.waitForResponse((r) => r.request().method() === "POST" && /^(\/(en|fr|nl))?\/signin$/.test(new URL(r.url()).pathname));
  await page.getByRole("button", { name: "Sign in" }).click();
  const response = await answered;
  if (response.status() >= 400) {
    await page.waitForLoadState();
    const alerts = (await page.getByRole("alert").allTextContents()).map((text) => text.trim()).filter(Boolean);
    const message = alerts.join(" ") || ((await page.locator("body").textContent()) ?? "").trim().slice(0, 300);
    throw new Error(`Sign-in as ${email} was refused (HTTP ${response.status()}): ${message}`);
  }
  await page.waitForURL(landing);
}

/** Writes docs/screenshots/<name>-<width>.png of the whole page when CASEBOOK_SCREENSHOTS=1 (committed files stay put otherwise). */
export async function shoot(page: Page, name: string, width: number): Promise<void> {
  await screenshot(page, name, width, true);
}

/** As shoot(), but only the visible part of the page. */
export async function shootViewport(page: Page, name: string, width: number): Promise<void> {
  await screenshot(page, name, width, false);
}

async function screenshot(page: Page, name: string, width: number, fullPage: boolean): Promise<void> {
  if (process.env.CASEBOOK_SCREENSHOTS !== "1") return;
  await page.screenshot({ path: path.join("docs/screenshots", `${name}-${width}.png`), fullPage });
}
