// Issue 13 §1, §2, §5 in Chromium: an editor submits; the DPO sees the to-do count in the
// header, gets the mail (sent by the mail outbox's worker over SMTP to the e2e mail server,
// which files it as .eml, read back here) and signs off; the moderators get the queue notice; the author gets "published"
// with the public link. Notifications and mail preferences at 1280 and 390 px, with axe.
import AxeBuilder from "@axe-core/playwright";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { type DroppedMail, listMailDrop } from "../../src/lib/server/mail.ts";
import { launchBrowser, signedInPage } from "../helpers/browser.ts";
import { SMTP_DROP_NAME } from "../helpers/smtp-drop.ts";

const baseUrl = inject("baseUrl");
const dataDir = inject("dataDir");
const EDITOR = "editor.hospital@casebook.example";
const DPO = "dpo.hospital@casebook.example";
const MODERATOR = "moderator@casebook.example";
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function as(email: string, width = 1280): Promise<Page> {
  const page = await signedInPage(browser, baseUrl, email, DEMO_PASSWORD);
  await page.setViewportSize({ width, height: 900 });
  return page;
}

/** The mail to `to` whose subject contains `title`, once the site's outbox worker has sent it (it drains every half second). */
async function mailAbout(to: string, title: string): Promise<DroppedMail> {
  for (let i = 0; i < 120; i++) {
    const found = (await listMailDrop(dataDir)).find((m) => m.to.toLowerCase().includes(to) && m.subject.includes(title));
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no mail to ${to} about "${title}" in ${dataDir}/mail`);
}

/** Links to this site in a mail, as paths. */
const sitePaths = (mail: DroppedMail) => [...mail.text.matchAll(/https?:\/\/[^\s]+/g)].map((m) => new URL(m[0]).pathname + new URL(m[0]).search);

/** The number in the header's to-do link (0 when there is no badge). */
async function todoCount(page: Page): Promise<number> {
  const badge = page.locator(".site-header .todo-count");
  return (await badge.count()) === 0 ? 0 : Number(await badge.textContent());
}

async function shoot(page: Page, step: string, width: number): Promise<void> {
  if (process.env.CASEBOOK_SCREENSHOTS !== "1") return;
  await page.screenshot({ path: path.join("docs/screenshots", `notifications-${step}-${width}.png`), fullPage: true });
}

async function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help}`);
}

describe("your turn (issue 13)", () => {
  it("editor submits → the DPO sees the count, gets the mail and signs off → moderators are told → the author gets 'published' with the public link", async () => {
    const title = `Discharge letters drafted by a language model ${Date.now()}`;
    const editor = await as(EDITOR);
    await editor.goto(`${baseUrl}/write?kind=case_study`);
    await editor.getByLabel("Title").fill(title);
    await editor.getByLabel("Summary").fill("A language model drafted discharge letters; doctors spent longer correcting them than writing their own.");
    await editor.getByLabel("Language of the post").selectOption("en");
    await editor.getByLabel("Outcome").selectOption("failure");
    await editor.getByLabel("Stage reached").selectOption("stopped");
    await editor.getByLabel("Emergency care").check();
    await editor.getByLabel("Language processing").check();
    await editor
      .getByLabel("The story")
      .fill("## Context\n\nA pilot on two internal-medicine wards.\n\n## What happened\n\nDoctors corrected every letter and stopped using the drafts.");

    const dpo = await as(DPO);
    await dpo.goto(`${baseUrl}/notifications`);
    const before = await todoCount(dpo);

    await editor.getByRole("button", { name: "Save and submit for review" }).click();
    await editor.waitForURL(/\?submitted=1$/);
    const id = /\/dashboard\/posts\/([a-z0-9]{15})/.exec(editor.url())![1]!;

    // The DPO: one more item in the header's count, the notice on the notifications page, and a mail in Dutch (their setting).
    await dpo.reload();
    expect(await todoCount(dpo)).toBe(before + 1);
    for (const width of [390, 1280]) {
      await dpo.setViewportSize({ width, height: 900 });
      expect(await overflow(dpo)).toBe(0);
      await shoot(dpo, "todo", width);
    }
    await expect(dpo.getByRole("link", { name: /To do/ }).getAttribute("href")).resolves.toBe("/en/notifications");
    const notice = dpo.getByRole("listitem").filter({ hasText: title });
    await expect(notice.textContent()).resolves.toContain("waits for your sign-off");
    await expect(notice.getByText("Unread", { exact: true }).count()).resolves.toBe(1);
    const mail = await mailAbout(DPO, title);
    // Sent by the outbox worker over SMTP (issue 13 §7): the e2e mail server's Received line is on top, which the site's own .eml drop never writes.
    expect(await readFile(mail.file, "latin1")).toMatch(new RegExp(`^Received: from .+\\r\\n\\s+by ${SMTP_DROP_NAME} with SMTP`));
    expect(mail.subject).toBe(`Casebook: een bijdrage wacht op uw goedkeuring — ${title}`);
    expect(mail.text).toMatch(/^Dag /);
    expect(sitePaths(mail)[0]).toBe(`/nl/dashboard/signoff/${id}`);
    expect(sitePaths(mail).some((p) => p.startsWith("/nl/unsubscribe?c=reviews&t="))).toBe(true);

    // The notice leads to the place to act; marking it read keeps it listed.
    await notice.getByRole("button", { name: "Mark as read" }).click();
    await expect(dpo.getByRole("status").textContent()).resolves.toContain("Marked as read.");
    await expect(dpo.getByRole("listitem").filter({ hasText: title }).getByText("Read", { exact: true }).count()).resolves.toBe(1);
    await dpo.getByRole("link", { name: new RegExp(`“${title}”`) }).click();
    await dpo.waitForURL(new RegExp(`/en/dashboard/signoff/${id}$`));
    await dpo.getByRole("button", { name: "Approve for moderation" }).click();
    await dpo.waitForURL(/\/dashboard\/signoff\?done=approve&post=[a-z0-9]{15}$/);
    expect(await todoCount(dpo)).toBe(before);

    // The moderators: the queue notice in the app and by mail (the demo moderator reads French).
    const moderator = await as(MODERATOR);
    await moderator.goto(`${baseUrl}/notifications`);
    await expect(moderator.getByRole("listitem").filter({ hasText: title }).textContent()).resolves.toContain("is waiting in the moderation queue");
    expect(await todoCount(moderator)).toBeGreaterThan(0);
    const queued = await mailAbout(MODERATOR, title);
    expect(queued.subject).toBe(`Casebook\u00a0: nouveau dans la file de modération — ${title}`);
    expect(sitePaths(queued)[0]).toBe(`/fr/moderation/posts/${id}`);
    await moderator
      .getByRole("listitem")
      .filter({ hasText: title })
      .getByRole("link", { name: new RegExp(title) })
      .click();
    await moderator.waitForURL(new RegExp(`/moderation/posts/${id}$`));
    await moderator.getByRole("button", { name: "Claim for review" }).click();
    await moderator.waitForURL(/\?claimed=1$/);
    await moderator.getByRole("button", { name: "Approve and publish" }).click();
    await moderator.waitForURL(new RegExp(`/moderation\\?done=approve&post=${id}$`));

    // The author: "published" with the public page's link, in the app and in a Dutch mail whose link opens the post.
    const published = await mailAbout(EDITOR, `gepubliceerd — ${title}`);
    expect(published.subject).toBe(`Casebook: gepubliceerd — ${title}`);
    const publicPath = sitePaths(published)[0]!;
    expect(publicPath).toMatch(/^\/nl\/posts\/[a-z0-9-]+$/);
    const opened = await editor.goto(`${baseUrl}${publicPath}`);
    expect(opened?.status()).toBe(200);
    await expect(editor.getByRole("heading", { level: 1 }).textContent()).resolves.toContain(title);
    await editor.goto(`${baseUrl}/notifications`);
    const news = editor.getByRole("listitem").filter({ hasText: title }).first();
    await expect(news.textContent()).resolves.toContain(`“${title}” is published.`);
    await expect(news.getByRole("link").first().getAttribute("href")).resolves.toBe(publicPath.replace(/^\/nl\//, "/en/"));
  });

  for (const width of [1280, 390] as const) {
    it(`the notifications page and the mail preferences read well and pass axe (${width} px)`, async () => {
      const dpo = await as(DPO, width);
      await dpo.goto(`${baseUrl}/notifications`);
      await expect(dpo.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Notifications");
      await expect(dpo.getByRole("heading", { name: "Waiting on you" }).count()).resolves.toBe(1);
      expect(await overflow(dpo)).toBe(0);
      expect(await seriousViolations(dpo)).toEqual([]);
      await shoot(dpo, "dpo", width);

      await dpo.getByRole("link", { name: "Choose which notices also reach you by e-mail" }).click();
      await dpo.waitForURL(/\/account\/notifications$/);
      const box = dpo.getByLabel("Posts waiting for my sign-off as data protection officer");
      await expect(box.isChecked()).resolves.toBe(true);
      await box.uncheck();
      await dpo.getByRole("button", { name: "Save preferences" }).click();
      await expect(dpo.getByRole("status").textContent()).resolves.toContain("Your e-mail preferences are saved.");
      await expect(dpo.getByLabel("Posts waiting for my sign-off as data protection officer").isChecked()).resolves.toBe(false);
      expect(await overflow(dpo)).toBe(0);
      expect(await seriousViolations(dpo)).toEqual([]);
      await shoot(dpo, "preferences", width);
      // Back as it was, for the other tests and the demo.
      await dpo.getByLabel("Posts waiting for my sign-off as data protection officer").check();
      await dpo.getByRole("button", { name: "Save preferences" }).click();
      await expect(dpo.getByLabel("Posts waiting for my sign-off as data protection officer").isChecked()).resolves.toBe(true);

      // A moderator also chooses how queue notices reach them.
      const moderator = await as(MODERATOR, width);
      await moderator.goto(`${baseUrl}/account/notifications`);
      await expect(moderator.getByRole("group", { name: "How moderation e-mails reach me" }).count()).resolves.toBe(1);
      await expect(moderator.getByLabel("One e-mail per post, straight away").isChecked()).resolves.toBe(true);
      expect(await overflow(moderator)).toBe(0);
      await shoot(moderator, "moderator-preferences", width);
    });
  }

  it("an unsubscribe link from a mail works without signing in, and a forged one is refused", async () => {
    const title = `Unsubscribe check ${Date.now()}`;
    const editor = await as(EDITOR);
    await editor.goto(`${baseUrl}/write?kind=case_study`);
    await editor.getByLabel("Title").fill(title);
    await editor.getByLabel("Summary").fill("A short story to get a sign-off mail whose unsubscribe link the test follows.");
    await editor.getByLabel("Language of the post").selectOption("en");
    await editor.getByLabel("Outcome").selectOption("failure");
    await editor.getByLabel("Stage reached").selectOption("stopped");
    await editor.getByLabel("Emergency care").check();
    await editor.getByLabel("Language processing").check();
    await editor.getByLabel("The story").fill("## Context\n\nA short pilot.\n\n## What happened\n\nIt stopped after a month.");
    await editor.getByRole("button", { name: "Save and submit for review" }).click();
    await editor.waitForURL(/\?submitted=1$/);
    const mail = await mailAbout(DPO, title);
    const link = sitePaths(mail).find((p) => p.startsWith("/nl/unsubscribe?"))!;

    const context = await browser.newContext();
    const visitor = await context.newPage();
    const forged = await visitor.goto(`${baseUrl}${link.replace(/t=[^.]+/, "t=someoneelse0001")}`);
    expect(forged?.status()).toBe(200);
    await visitor.getByRole("button", { name: "Deze e-mails niet meer ontvangen" }).click();
    await expect(visitor.getByRole("alert").textContent()).resolves.toContain("Deze uitschrijflink is niet geldig");

    // One-click, as a mail provider does it (RFC 8058): a POST without Origin or cookies.
    const oneClick = await fetch(`${baseUrl}${link}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(oneClick.status).toBe(200);
    const dpo = await as(DPO);
    await dpo.goto(`${baseUrl}/account/notifications`);
    await expect(dpo.getByLabel("Posts waiting for my sign-off as data protection officer").isChecked()).resolves.toBe(false);
    await dpo.getByLabel("Posts waiting for my sign-off as data protection officer").check();
    await dpo.getByRole("button", { name: "Save preferences" }).click();
    await expect(dpo.getByLabel("Posts waiting for my sign-off as data protection officer").isChecked()).resolves.toBe(true);
    await context.close();
  });
});
