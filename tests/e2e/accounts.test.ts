// A newcomer's path through accounts and organisations, in Chromium, with mail read
// from the mail drop (no mail server runs here).
import type { Browser, BrowserContext, Page } from "playwright-core";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { findLatestMail } from "../../src/lib/server/mail.ts";
import { launchBrowser, preferEnglish, signInOnPage } from "../helpers/browser.ts";
import { SMTP_DROP_NAME } from "../helpers/smtp-drop.ts";

const baseUrl = inject("baseUrl");
const dataDir = inject("dataDir");
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

// In English whatever the member's setting (the moderator's is French).
async function signIn(page: Page, email: string, password: string): Promise<void> {
  await preferEnglish(page.context(), baseUrl);
  return signInOnPage(page, baseUrl, email, password);
}

async function mailLink(to: string, path: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const mail = await findLatestMail(to, dataDir);
    const link = mail?.text.match(new RegExp(`https?://\\S+${path}\\S*`))?.[0];
    if (link) return link.replace(/^https?:\/\/[^/]+/, baseUrl);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail with ${path} for ${to}`);
}

describe("accounts and organisations", () => {
  it("sign up → verify by mail → sign in → request an organisation → moderator verifies → a member joins → sign out everywhere", async () => {
    const email = `founder-${Date.now()}@example.test`;
    const password = "juniper harbour cobalt meridian";
    const founderContext = await browser.newContext();
    const page = await founderContext.newPage();

    await page.goto(`${baseUrl}/signup`);
    await page.getByLabel("Name").fill("Fleur Founder");
    await page.getByLabel("E-mail address").fill(email);
    await page.getByLabel("Password").fill("short");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByText("at least 12 characters", { exact: false }).first().isVisible()).resolves.toBe(true);
    await expect(page.getByLabel("Name").inputValue()).resolves.toBe("Fleur Founder");
    await expect(page.getByLabel("Password").inputValue()).resolves.toBe("");
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByRole("status").textContent()).resolves.toContain(email);

    await page.goto(await mailLink(email, "/verify"));
    // Sent straight from the request over SMTP (issue 13 §7): the e2e mail server's Received line is on top, which the site's own .eml drop never writes.
    const verification = await findLatestMail(email, dataDir);
    expect(await readFile(verification!.file, "latin1")).toMatch(new RegExp(`^Received: from .+\\r\\n\\s+by ${SMTP_DROP_NAME} with SMTP`));
    await expect(page.getByRole("status").textContent()).resolves.toContain("confirmed");

    await signIn(page, email, password);
    await page.goto(`${baseUrl}/organizations/new`);
    const orgName = `Thuiszorg Test ${Date.now()}`;
    await page.getByLabel("Organisation name").fill(orgName);
    await page.getByLabel("Kind of organisation").selectOption("home_care");
    await page.getByLabel("Region").selectOption("flanders");
    await page.getByRole("button", { name: "Send the request" }).click();
    await page.waitForURL(/\/organizations\/thuiszorg-test-\d+\?requested=1$/);
    const orgPath = new URL(page.url()).pathname;
    await expect(page.getByText("Waiting for verification").count()).resolves.toBe(1);

    const modContext = await browser.newContext();
    const mod = await modContext.newPage();
    await signIn(mod, "moderator@casebook.example", DEMO_PASSWORD);
    await mod.getByRole("link", { name: "Moderation", exact: true }).click();
    await mod.getByRole("link", { name: "Organisations to verify" }).click();
    await mod.getByRole("button", { name: `Verify ${orgName}` }).click();
    // What was done, to which organisation (issue 11 §9), not "Done.".
    await expect(mod.getByRole("status").textContent()).resolves.toContain(`“${orgName}” is verified`);
    await modContext.close();

    const memberContext = await browser.newContext();
    const member = await memberContext.newPage();
    await signIn(member, "member@casebook.example", DEMO_PASSWORD);
    await member.goto(`${baseUrl}${orgPath}`);
    // The request carries a message (issue 11 §20), which the admins read on their dashboard.
    await member.getByLabel("Message to the organisation's admins").fill("I coordinate the night nurses in Gent.");
    await member.getByRole("button", { name: "Ask to join" }).click();
    await expect(member.getByRole("status").textContent()).resolves.toContain("with your message");
    await expect(member.getByText("waiting for the organisation's admins").count()).resolves.toBe(1);

    await page.goto(`${baseUrl}${orgPath}`);
    await expect(page.getByText("Verified organisation").count()).resolves.toBe(1);
    await page.getByRole("link", { name: "Answer them on your dashboard" }).click();
    await page.waitForURL(/\/dashboard#join-requests$/);
    const request = page.getByRole("listitem").filter({ hasText: "member@casebook.example" });
    await expect(request.textContent()).resolves.toContain("I coordinate the night nurses in Gent.");
    await request.getByLabel("Role").selectOption("editor");
    await request.getByRole("button", { name: /^Accept / }).click();
    await expect(page.getByRole("status").textContent()).resolves.toContain(`is now a member of ${orgName}`);
    await page.goto(`${baseUrl}${orgPath}`);
    await expect(page.getByRole("table").first().textContent()).resolves.toContain("member@casebook.example");
    // Each of the page's forms says what it changed, to whom (not a bare "Done.").
    const memberRow = page.getByRole("row").filter({ hasText: "member@casebook.example" });
    await memberRow.getByRole("combobox").selectOption("dpo");
    await memberRow.getByRole("button", { name: "Change role" }).click();
    await expect(page.getByRole("status").textContent()).resolves.toMatch(/'s role is now: Data protection officer\.$/);
    const invitee = `invitee-${Date.now()}@example.test`;
    await page.getByLabel("E-mail address", { exact: true }).fill(invitee);
    await page.getByRole("button", { name: "Send invitation" }).click();
    await expect(page.getByRole("status").textContent()).resolves.toBe(`Invitation sent to ${invitee}.`);
    await page.getByRole("button", { name: `Revoke the invitation of ${invitee}` }).click();
    await expect(page.getByRole("status").textContent()).resolves.toBe(`The invitation to ${invitee} is withdrawn: its link no longer works.`);
    const settings = page.getByRole("region", { name: "Settings" });
    await settings.getByRole("radio", { name: "Yes" }).check();
    await settings.getByRole("button", { name: "Save" }).click();
    await expect(page.getByRole("status").textContent()).resolves.toContain("your data protection officer signs off each post");
    await expect(page.getByText("Done.", { exact: true }).count()).resolves.toBe(0);

    await member.goto(`${baseUrl}/account`);
    await expect(member.getByRole("link", { name: orgName }).count()).resolves.toBe(1);

    // A second browser of the founder, then "sign out everywhere" from the first one.
    const second: BrowserContext = await browser.newContext();
    const secondPage = await second.newPage();
    await signIn(secondPage, email, password);
    await page.goto(`${baseUrl}/account`);
    expect(await page.getByRole("button", { name: /^Sign out / }).count()).toBeGreaterThanOrEqual(2);
    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    await page.waitForURL(/\/signin$/);
    await secondPage.goto(`${baseUrl}/account`);
    await secondPage.waitForURL(/\/signin\?next=/);
    await Promise.all([founderContext.close(), memberContext.close(), second.close()]);
  });

  it("refuses a cross-origin POST to an action", async () => {
    const res = await fetch(`${baseUrl}/signin?_action=signIn`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" },
      body: "email=member%40casebook.example&password=x",
    });
    expect(res.status).toBe(403);
    const sneaky = await fetch(`${baseUrl}/account?_action=revokeAllSessions`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: baseUrl, "sec-fetch-site": "cross-site" },
      body: "",
    });
    expect(sneaky.status).toBe(403);
  });

  it("a refused sign-in fails the test helper at once with the page's message, not a timeout", async () => {
    const page = await (await browser.newContext()).newPage();
    // An account nobody signs in to elsewhere, so this failure cannot delay another test.
    const refused = signInOnPage(page, baseUrl, `nobody-${Date.now()}@example.test`, "not the password at all");
    await expect(refused).rejects.toThrow(/was refused \(HTTP 401\): That e-mail address and password do not match an account\./);
    await page.context().close();
  });

  // The only test that spends the sign-in throttle: admin.funder@ signs in nowhere else in
  // this suite (the throttle counts failures only, per account and address, issue 9).
  it("rate-limits sign-in per account with a readable 429 and Retry-After", async () => {
    let last: Response | undefined;
    for (let i = 0; i < 7; i++) {
      last = await fetch(`${baseUrl}/signin?_action=signIn`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: baseUrl },
        body: `email=admin.funder%40casebook.example&password=wrong-${i}`,
      });
    }
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await last!.text()).toContain("Too many attempts");
    // Through the browser helper, the right password now fails readably too, with the 429's message.
    const page = await (await browser.newContext()).newPage();
    await expect(signInOnPage(page, baseUrl, "admin.funder@casebook.example", DEMO_PASSWORD)).rejects.toThrow(/was refused \(HTTP 429\): .*Too many attempts/);
    await page.context().close();
  });
});
