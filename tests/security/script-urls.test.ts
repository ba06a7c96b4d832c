// Finding 5 (issue 9), in Chromium as the platform administrator: a script URL in any URL
// field never runs — it is refused at the form, and a value that reached the database
// before these rules (written here straight into SQLite) never becomes a link.
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { launchBrowser, signedInPage } from "../helpers/browser.ts";
import { HOSTILE_URLS } from "../fixtures/hostile-urls.ts";
import { baseUrl } from "./scenarios.ts";

let browser: Browser;
let admin: Page;
const fired: string[] = [];

/** Watches a page for any sign that injected script ran. */
function watch(page: Page): void {
  page.on("dialog", (dialog) => {
    fired.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on("console", (message) => {
    if (message.text().includes("pwned")) fired.push(`console: ${message.text()}`);
  });
}

beforeAll(async () => {
  browser = await launchBrowser();
  admin = await signedInPage(browser, baseUrl(), "admin@casebook.example", DEMO_PASSWORD);
  watch(admin);
});
afterAll(async () => {
  await browser?.close();
});

describe("script URLs in Chromium, as the administrator", () => {
  it.each(["javascript:alert('pwned')", " JaVaScRiPt:alert('pwned')", "javascript://x@example.org/%0Aalert('pwned')"])(
    "the organisation form refuses website %j and keeps what was typed",
    async (payload) => {
      await admin.goto(`${baseUrl()}/organizations/new`);
      await admin.getByLabel("Organisation name").fill("Script Test Hospital");
      await admin.getByLabel("Website").fill(payload);
      await admin.getByRole("button", { name: "Send the request" }).click();
      await admin.waitForLoadState("load");
      await expect(admin.getByText("Enter the full address, starting with https://").isVisible()).resolves.toBe(true);
      await expect(admin.getByLabel("Organisation name").inputValue()).resolves.toBe("Script Test Hospital");
      expect(fired).toEqual([]);
    },
  );

  it("a script URL stored before the rules existed is not a link anywhere the administrator looks, and clicking around runs nothing", async () => {
    const db = new DatabaseSync(path.join(inject("dataDir"), "pb_data", "data.db"));
    const payloads = HOSTILE_URLS.filter((u) => /script|data:/i.test(u));
    const original = {
      org: db.prepare("SELECT website FROM organizations WHERE slug = 'meridian-care-fund'").get() as { website: string },
      call: db.prepare("SELECT url FROM funding_calls WHERE slug = 'ai-in-everyday-care-2024'").get() as { url: string },
    };
    try {
      for (const payload of payloads) {
        const stored = payload.replace("alert(1)", "console.log('pwned')");
        db.prepare("UPDATE organizations SET website = ? WHERE slug = 'meridian-care-fund'").run(stored);
        db.prepare("UPDATE funding_calls SET url = ? WHERE slug = 'ai-in-everyday-care-2024'").run(stored);
        for (const page of ["/organizations/meridian-care-fund", "/calls/ai-in-everyday-care-2024", "/calls", "/moderation/organizations"]) {
          await admin.goto(`${baseUrl()}${page}`);
          const hrefs = await admin.locator("a[href]").evaluateAll((links) => links.map((a) => a.getAttribute("href") ?? ""));
          expect(
            hrefs.filter((h) => !/^(https?:\/\/|\/|#|\?|mailto:)/i.test(h.trim())),
            `${page} with ${JSON.stringify(stored)}`,
          ).toEqual([]);
          // Click every outside link the page offers; none may run script.
          for (const link of await admin.locator('a[href^="http"]').all()) await link.click({ modifiers: ["Control"], timeout: 2000 }).catch(() => undefined);
        }
      }
    } finally {
      db.prepare("UPDATE organizations SET website = ? WHERE slug = 'meridian-care-fund'").run(original.org.website);
      db.prepare("UPDATE funding_calls SET url = ? WHERE slug = 'ai-in-everyday-care-2024'").run(original.call.url);
      db.close();
    }
    expect(fired).toEqual([]);
  });

  it("every page type carries the CSP and renders without a single CSP violation (styles come from files)", async () => {
    const violations: string[] = [];
    admin.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(`${admin.url()}: ${m.text()}`);
    });
    for (const page of [
      "/",
      "/posts/chest-xray-triage-worklist",
      "/failures",
      "/search?q=triage",
      "/insights",
      "/calls/ai-in-everyday-care-2024",
      "/organizations/meridian-care-fund",
      "/dashboard",
      "/moderation",
      "/account",
      "/admin/users",
      "/no-such-page",
    ]) {
      const res = await admin.goto(`${baseUrl()}${page}`);
      expect(res?.headers()["content-security-policy"], page).toContain("script-src 'none'");
      // Styles applied: the page is laid out by the site's stylesheet, not the browser's defaults.
      const font = await admin.evaluate(() => getComputedStyle(document.body).fontFamily);
      expect(font, page).not.toBe('"Times New Roman"');
    }
    expect(violations).toEqual([]);
  });
});
