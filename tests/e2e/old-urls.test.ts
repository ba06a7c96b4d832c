// Old unprefixed URLs (issue 12 §3): a bookmark or an old mail's link lands on the same page in
// the reader's language; a page cached for anonymous visitors never shows a member signed out.
// Also issue 12 leftovers: file sizes read "Mo" on a French page (Intl), and deleting an account
// asks for the word in the page's language (SUPPRIMER, VERWIJDEREN; DELETE still works).
import AxeBuilder from "@axe-core/playwright";
import type PocketBase from "pocketbase";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { launchBrowser, signInOnPage, shootViewport as shoot } from "../helpers/browser.ts";
import { useTestPocketBase } from "../integration/setup.ts";

const baseUrl = inject("baseUrl");
let browser: Browser;
let pb: PocketBase;

beforeAll(async () => {
  browser = await launchBrowser();
  pb = await useTestPocketBase();
});
afterAll(async () => {
  await browser?.close();
});

async function visitor(acceptLanguage: string, width = 1280): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 844 }, extraHTTPHeaders: { "Accept-Language": acceptLanguage } });
  return context.newPage();
}

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
}

const pathAndQuery = (page: Page) => {
  const url = new URL(page.url());
  return `${url.pathname}${url.search}`;
};

describe("old unprefixed URLs", () => {
  it("a French visitor's bookmark of a search lands on the same search in French", async () => {
    const page = await visitor("fr-BE,fr;q=0.9");
    await page.goto(`${baseUrl}/search?q=sepsis`);
    expect(pathAndQuery(page)).toBe("/fr/search?q=sepsis");
    await expect(page.locator("html").getAttribute("lang")).resolves.toBe("fr");
    const heading = (await page.getByRole("heading", { level: 1 }).textContent()) ?? "";
    expect(heading.replace(/[\u00a0\u202f]/g, " ")).toContain("Résultats pour « sepsis »");
    await page.context().close();
  });

  it("a Dutch reader's old reset link keeps its token and opens the Dutch form", async () => {
    const page = await visitor("nl-BE");
    await page.goto(`${baseUrl}/reset?token=not-a-real-token`);
    expect(pathAndQuery(page)).toBe("/nl/reset?token=not-a-real-token");
    await expect(page.locator("html").getAttribute("lang")).resolves.toBe("nl");
    await page.context().close();
  });

  it("the language picked with the switcher beats the browser's on the next old link", async () => {
    const page = await visitor("fr-BE");
    await page.goto(`${baseUrl}/fr/about`);
    await page.locator("header nav.language-switcher").getByRole("link", { name: "Nederlands" }).click();
    await page.waitForURL(/\/nl\/about$/);
    await page.goto(`${baseUrl}/failures`);
    expect(pathAndQuery(page)).toBe("/nl/failures");
    await page.context().close();
  });
});

describe("pages cached for visitors", () => {
  it("after signing in, the page seen as a visitor shows the member, not the cached visitor copy", async () => {
    const page = await visitor("en-GB");
    await page.goto(`${baseUrl}/en/search?q=sepsis`);
    await expect(page.getByRole("link", { name: "Sign in" }).count()).resolves.toBeGreaterThan(0);
    await signInOnPage(page, baseUrl, "member@casebook.example", DEMO_PASSWORD);
    await page.goto(`${baseUrl}/en/search?q=sepsis`);
    await expect(page.getByRole("button", { name: "Sign out" }).count()).resolves.toBe(1);
    // And back to a visitor after signing out.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/en\/$/);
    await page.goto(`${baseUrl}/en/search?q=sepsis`);
    await expect(page.getByRole("button", { name: "Sign out" }).count()).resolves.toBe(0);
    await page.context().close();
  });
});

describe("file sizes in the reader's language", () => {
  for (const width of [1280, 390]) {
    it(`a French editor's writing form reads "10 Mo" (${width} px)`, async () => {
      // editor.homecare's setting is French: the old /write link goes to /fr/write.
      const page = await visitor("en-GB", width);
      await signInOnPage(page, baseUrl, "editor.homecare@casebook.example", DEMO_PASSWORD);
      await page.goto(`${baseUrl}/write`);
      expect(pathAndQuery(page)).toBe("/fr/write");
      const hint = (await page.locator("#att-hint").textContent()) ?? "";
      expect(hint.replace(/[\u00a0\u202f]/g, " ")).toContain("10 Mo");
      expect(hint).not.toContain("MB");
      await page.locator("#att-hint").scrollIntoViewIfNeeded();
      await shoot(page, "filesize-write-fr", width);
      expect(await seriousViolations(page)).toEqual([]);
      await page.context().close();
    });
  }
});

describe("deleting an account in French", () => {
  it("the page asks for SUPPRIMER; the English word typed in lower case is refused next to the field; SUPPRIMER deletes", async () => {
    const email = `old-urls-${Date.now().toString(36)}@example.test`;
    await pb.collection("users").create({
      email,
      emailVisibility: false,
      name: "Camille Départ",
      role: "member",
      locale: "fr",
      password: DEMO_PASSWORD,
      passwordConfirm: DEMO_PASSWORD,
      verified: true,
    });
    // Signed in through the English form; the account's French setting decides where /account goes.
    const page = await visitor("en-GB", 390);
    await signInOnPage(page, baseUrl, email, DEMO_PASSWORD);
    await page.goto(`${baseUrl}/account`);
    expect(pathAndQuery(page)).toBe("/fr/account");
    const confirm = page.getByLabel("Tapez SUPPRIMER pour confirmer");
    await confirm.fill("delete");
    await page.getByRole("button", { name: "Supprimer mon compte" }).click();
    await expect(page.locator("#f-confirm-error").textContent()).resolves.toBe("Tapez SUPPRIMER pour confirmer.");
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByLabel("Tapez SUPPRIMER pour confirmer").fill("SUPPRIMER");
    await page.getByRole("button", { name: "Supprimer mon compte" }).click();
    await page.waitForURL(/\/fr\/account\/deleted\?/);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Votre compte a été supprimé");
    await page.context().close();
  });
});
