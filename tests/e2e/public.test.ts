// Issue 11 §19–§27 in Chromium, at 1280 and 390 px: the organisation directory; join requests
// with a message answered from the dashboard, roles explained, a member removed; account
// deletion confirmed on a page and by mail with the mistyped confirmation next to its field;
// sign-in landing, sign-up's privacy link, the country list; the moderation policy from the
// footer with a real appeal address; what "failure" means on /failures, every tile a list;
// search facets as toggling links with zero counts greyed, filters before results on phones,
// one search box, snippets that separate a heading from its text; headings in order; tables
// and the header at phone width. Accounts are made for the test through PocketBase; every
// step a person takes goes through the pages.
import AxeBuilder from "@axe-core/playwright";
import type PocketBase from "pocketbase";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { findLatestMail } from "../../src/lib/server/mail.ts";
import { launchBrowser, preferEnglish, signInOnPage, shoot } from "../helpers/browser.ts";
import { TEST_SUPERUSER, startTestPocketBase } from "../helpers/pocketbase.ts";
import { startSite } from "../helpers/site.ts";
import { useTestPocketBase } from "../integration/setup.ts";

const baseUrl = inject("baseUrl");
const dataDir = inject("dataDir");
const WIDTHS = [1280, 390] as const;
let browser: Browser;
let pb: PocketBase;
let n = 0;
const tag = () => `${Date.now().toString(36)}${(n++).toString(36)}`;

beforeAll(async () => {
  browser = await launchBrowser();
  pb = await useTestPocketBase();
});
afterAll(async () => {
  await browser?.close();
});

async function account(name: string): Promise<{ id: string; email: string }> {
  const email = `p11-${tag()}@example.test`;
  const user = await pb
    .collection("users")
    .create({ email, emailVisibility: false, name, role: "member", locale: "en", password: DEMO_PASSWORD, passwordConfirm: DEMO_PASSWORD, verified: true });
  return { id: user.id, email };
}

async function visitor(width: number): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width, height: 844 } })).newPage();
  return page;
}

async function as(email: string, width: number): Promise<Page> {
  const page = await visitor(width);
  // In English whatever the member's setting (demo members have fr and nl).
  await preferEnglish(page.context(), baseUrl);
  await signInOnPage(page, baseUrl, email, DEMO_PASSWORD);
  return page;
}

/** Page-level horizontal overflow in CSS pixels (0 when nothing sticks out sideways). */
function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
}

describe("organisation directory (§19)", () => {
  it.each(WIDTHS)("finds an organisation by name, kind and region, with its count of public posts (%i px)", async (width) => {
    const page = await visitor(width);
    await page.goto(`${baseUrl}/`);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Organisations" }).click();
    await page.waitForURL(/\/organizations$/);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Organisations");
    await shoot(page, "orgs-directory", width);
    expect(await seriousViolations(page)).toEqual([]);
    expect(await overflow(page)).toBe(0);

    await page.getByLabel("Name").fill("Heidebloem");
    await page.getByLabel("Kind of organisation").selectOption("hospital");
    await page.getByRole("button", { name: "Find" }).click();
    await page.waitForURL(/\/organizations\?q=Heidebloem&kind=hospital/);
    const card = page.getByRole("listitem").filter({ has: page.getByRole("link", { name: "AZ Heidebloem" }) });
    await expect(card.count()).resolves.toBe(1);
    await expect(card.textContent()).resolves.toMatch(/Posts under its name: \d+/);
    await expect(page.getByLabel("Name").inputValue()).resolves.toBe("Heidebloem");

    await page.getByLabel("Kind of organisation").selectOption("funder");
    await page.getByRole("button", { name: "Find" }).click();
    await expect(page.getByText("No verified organisation matches").count()).resolves.toBe(1);
    await page.getByRole("link", { name: "Show all organisations" }).click();
    await page.getByRole("link", { name: "AZ Heidebloem" }).click();
    await page.waitForURL(/\/organizations\/az-heidebloem$/);
    expect(await seriousViolations(page)).toEqual([]);
    expect(await overflow(page)).toBe(0);
    await page.context().close();
  });
});

describe("joining, roles and removal (§20)", () => {
  it.each(WIDTHS)("a request with a message reaches the admin's dashboard; roles are explained; the admin removes the member (%i px)", async (width) => {
    const [admin, asker] = await Promise.all([account(`Ada Admin ${width}`), account(`Noor Nurse ${width}`)]);
    const slug = `p11-org-${tag()}`;
    const org = await pb
      .collection("organizations")
      .create({ name: `Kliniek ${slug}`, slug, kind: "hospital", region: "flanders", country: "BE", verified: true, verification_status: "verified" });
    await pb.collection("memberships").create({ user: admin.id, organization: org.id, role: "admin", status: "active" });

    const member = await as(asker.email, width);
    await member.goto(`${baseUrl}/organizations/${slug}`);
    expect(await seriousViolations(member)).toEqual([]);
    await member.getByLabel("Message to the organisation's admins").fill("x".repeat(1001));
    await member.getByRole("button", { name: "Ask to join" }).click();
    await expect(member.locator("#f-message-error").textContent()).resolves.toContain("at most 1,000");
    await expect(member.getByLabel("Message to the organisation's admins").inputValue()).resolves.toBe("x".repeat(1001));
    await member.getByLabel("Message to the organisation's admins").fill("I lead the stroke unit's nurses.");
    await member.getByRole("button", { name: "Ask to join" }).click();
    await expect(member.getByRole("status").textContent()).resolves.toContain("with your message");
    await shoot(member, "orgs-join-sent", width);

    const adminPage = await as(admin.email, width);
    // The organisation page no longer lists requests at its bottom: it points to the dashboard.
    await adminPage.goto(`${baseUrl}/organizations/${slug}`);
    await expect(adminPage.getByText("People waiting for an answer: 1.").count()).resolves.toBe(1);
    await expect(adminPage.getByRole("button", { name: /^Accept / }).count()).resolves.toBe(0);
    await adminPage.getByRole("link", { name: "Answer them on your dashboard" }).click();
    await adminPage.waitForURL(/\/dashboard#join-requests$/);
    const request = adminPage.getByRole("listitem").filter({ hasText: asker.email });
    await expect(request.textContent()).resolves.toContain("I lead the stroke unit's nurses.");
    await adminPage.getByText("What can each role do?").first().click();
    await expect(adminPage.getByText("Reads the organisation's drafts and, when sign-off is required").first().isVisible()).resolves.toBe(true);
    await shoot(adminPage, "orgs-requests-dashboard", width);
    expect(await seriousViolations(adminPage)).toEqual([]);
    expect(await overflow(adminPage)).toBe(0);
    await request.getByLabel("Role").selectOption("editor");
    await request.getByRole("button", { name: `Accept Noor Nurse ${width}` }).click();
    await expect(adminPage.getByRole("status").textContent()).resolves.toContain(`Noor Nurse ${width} is now a member of Kliniek ${slug}`);

    await adminPage.goto(`${baseUrl}/organizations/${slug}`);
    await expect(adminPage.getByText("No one is waiting.").count()).resolves.toBe(1);
    const row = adminPage.getByRole("row").filter({ hasText: asker.email });
    await row.getByText("Remove…").click();
    await expect(row.getByText("loses every right in this organisation at once").isVisible()).resolves.toBe(true);
    await shoot(adminPage, "orgs-members", width);
    expect(await overflow(adminPage)).toBe(0);
    expect(await seriousViolations(adminPage)).toEqual([]);
    await row.getByRole("button", { name: `Remove Noor Nurse ${width} now` }).click();
    await expect(adminPage.getByRole("status").textContent()).resolves.toContain("Their rights ended immediately.");
    await expect(adminPage.getByRole("row").filter({ hasText: asker.email }).count()).resolves.toBe(0);

    // The removed member's very next page shows no membership and no writing rights.
    await member.goto(`${baseUrl}/account`);
    await expect(member.getByRole("link", { name: `Kliniek ${slug}` }).count()).resolves.toBe(0);
    await member.goto(`${baseUrl}/organizations/${slug}`);
    await expect(member.getByRole("button", { name: "Ask to join" }).count()).resolves.toBe(1);
    expect((await findLatestMail(asker.email, dataDir))?.subject).toBe(`You are no longer a member of Kliniek ${slug} on Casebook`);
    await Promise.all([member.context().close(), adminPage.context().close()]);
  });
});

describe("accounts (§21, §22)", () => {
  it.each(WIDTHS)(
    "sign-in lands on the dashboard; a mistyped deletion is refused next to its field; deletion is confirmed on a page and by mail (%i px)",
    async (width) => {
      const person = await account(`Dirk Delete ${width}`);
      const page = await as(person.email, width);
      expect(new URL(page.url()).pathname).toMatch(/^(\/en)?\/dashboard$/);
      await page.goto(`${baseUrl}/account`);
      await shoot(page, "account-page", width);
      expect(await overflow(page)).toBe(0);
      expect(await seriousViolations(page)).toEqual([]);
      await page.getByLabel("Your published posts").selectOption("withdraw");
      await page.getByLabel("Type DELETE to confirm").fill("delete");
      await page.getByRole("button", { name: "Delete my account" }).click();
      const confirm = page.getByLabel("Type DELETE to confirm");
      await expect(confirm.getAttribute("aria-invalid")).resolves.toBe("true");
      await expect(page.locator("#f-confirm-error").textContent()).resolves.toBe("Type DELETE to confirm.");
      // The message sits with its field (inside the same .field block), and the other choice is kept.
      await expect(
        page
          .locator(".field", { has: page.locator("#f-confirm") })
          .locator(".error-text")
          .count(),
      ).resolves.toBe(1);
      await expect(page.getByLabel("Your published posts").inputValue()).resolves.toBe("withdraw");
      await page.locator("#f-confirm-error").scrollIntoViewIfNeeded();
      await shoot(page, "account-delete-error", width);
      expect((await pb.collection("users").getList(1, 1, { filter: pb.filter("id = {:id}", { id: person.id }) })).totalItems).toBe(1);

      await confirm.fill("DELETE");
      await page.getByRole("button", { name: "Delete my account" }).click();
      await page.waitForURL(/\/account\/deleted\?/);
      await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Your account has been deleted");
      await expect(page.getByText("Published posts withdrawn: 0").count()).resolves.toBe(1);
      await expect(page.getByText("We sent a confirmation").count()).resolves.toBe(1);
      await shoot(page, "account-deleted", width);
      expect(await seriousViolations(page)).toEqual([]);
      expect((await findLatestMail(person.email, dataDir))?.subject).toBe("Your Casebook account has been deleted");
      await page.goto(`${baseUrl}/account`);
      await page.waitForURL(/\/signin\?next=/);
      await page.context().close();
    },
  );

  it("sign-in follows `next`; sign-up links to the privacy notice; the country is chosen from a list", async () => {
    const person = await account("Nina Next");
    const page = await visitor(1280);
    await page.goto(`${baseUrl}/signin?next=${encodeURIComponent("/organizations/new")}`);
    await page.getByLabel("E-mail address").fill(person.email);
    await page.getByLabel("Password").fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/organizations\/new$/);
    const country = page.getByLabel("Country");
    await expect(country.evaluate((el) => el.tagName)).resolves.toBe("SELECT");
    await expect(country.inputValue()).resolves.toBe("BE");
    await expect(page.locator("#f-country option:checked").textContent()).resolves.toBe("Belgium");
    await expect(page.getByText("Two-letter code").count()).resolves.toBe(0);

    for (const width of WIDTHS) {
      const anon = await visitor(width);
      await anon.goto(`${baseUrl}/signup`);
      const privacy = anon.getByRole("link", { name: "privacy notice" });
      await expect(privacy.getAttribute("href")).resolves.toBe("/en/privacy");
      await shoot(anon, "account-signup", width);
      expect(await seriousViolations(anon)).toEqual([]);
      await anon.goto(`${baseUrl}/signin`);
      expect(await seriousViolations(anon)).toEqual([]);
      await anon.goto(`${baseUrl}/signup`);
      await privacy.click();
      await anon.waitForURL(/\/privacy$/);
      await anon.context().close();
    }
    await page.context().close();
  });
});

describe("public pages (§23–§27)", () => {
  it.each(WIDTHS)("the footer opens the moderation policy, which names a real address to appeal to (%i px)", async (width) => {
    const page = await visitor(width);
    await page.goto(`${baseUrl}/`);
    await page.getByRole("contentinfo").getByRole("link", { name: "Moderation policy" }).click();
    await page.waitForURL(/\/moderation-policy$/);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Moderation policy");
    const appeal = page.getByRole("link", { name: "moderation@casebook.example" });
    await expect(appeal.getAttribute("href")).resolves.toBe("mailto:moderation@casebook.example");
    await expect(page.getByText("do not answer them").count()).resolves.toBe(1);
    await page.getByRole("heading", { name: "Appeals" }).scrollIntoViewIfNeeded();
    await shoot(page, "public-policy", width);
    expect(await seriousViolations(page)).toEqual([]);
    await page.context().close();
  });

  it.each(WIDTHS)("/failures says what counts, and every count tile opens its list (%i px)", async (width) => {
    const page = await visitor(width);
    await page.goto(`${baseUrl}/failures`);
    await expect(page.getByRole("heading", { name: "What counts as a failure here" }).count()).resolves.toBe(1);
    await shoot(page, "public-failures", width);
    expect(await seriousViolations(page)).toEqual([]);
    expect(await overflow(page)).toBe(0);
    const tiles = await page
      .locator(".failure-kinds a, .outcome-counts a")
      .evaluateAll((links) => links.map((a) => (a as HTMLAnchorElement).getAttribute("href")!));
    expect(tiles).toContain("/en/failures?kind=refused");
    expect(tiles.length).toBe(3 + 5 + 1);
    for (const href of new Set(tiles)) expect((await fetch(`${baseUrl}${href}`)).status, href).toBe(200);
    // The refused tile's count is the number of posts its list shows (tests/e2e/failures.test.ts checks every tile).
    const refusedCount = Number(await page.locator('.failure-kinds a[href="/en/failures?kind=refused"] .outcome-count').textContent());
    await page.locator('.failure-kinds a[href="/en/failures?kind=refused"]').click();
    await page.waitForURL(/\/failures\?kind=refused$/);
    await expect(page.locator("#results-heading").textContent()).resolves.toMatch(new RegExp(`^${refusedCount} results?$`));
    await page.context().close();
  });

  it.each(WIDTHS)("search facets: every value shown, zero counts greyed, each a link that toggles, no Apply button; one search box (%i px)", async (width) => {
    const page = await visitor(width);
    await page.goto(`${baseUrl}/search`);
    await expect(page.getByRole("searchbox").count()).resolves.toBe(1);
    await expect(page.getByRole("button", { name: "Apply filters" }).count()).resolves.toBe(0);
    if (width === 390) {
      // On a phone the filters come before the results and open in place.
      const toFilters = page.getByRole("link", { name: "Refine results" });
      const before = await page.evaluate(() => {
        const link = document.querySelector(".to-facets");
        const results = document.querySelector(".search-results");
        return Boolean(link && results && link.compareDocumentPosition(results) & Node.DOCUMENT_POSITION_FOLLOWING);
      });
      expect(before).toBe(true);
      await expect(page.locator("#filters").isVisible()).resolves.toBe(false);
      await toFilters.click();
      await expect(page.locator("#filters").isVisible()).resolves.toBe(true);
      await shoot(page, "public-search-filters", width);
    }
    const outcome = page.locator("section.facet", { has: page.getByRole("heading", { name: "Outcome" }) });
    await expect(outcome.getByRole("link").count()).resolves.toBe(5);
    const zero = page.locator(".facet-zero").first();
    await expect(zero.locator(".facet-count").textContent()).resolves.toBe("0");
    const grey = await zero.evaluate((el) => getComputedStyle(el).color);
    const normal = await outcome
      .getByRole("link")
      .first()
      .evaluate((el) => getComputedStyle(el).color);
    expect(grey).not.toBe(normal);

    await outcome.getByRole("link", { name: /^Failure/ }).click();
    await page.waitForURL(/\/search\?outcome=failure$/);
    // On a phone the results come back first, with the number of filters on the way to them.
    if (width === 390) await page.getByRole("link", { name: "Refine results (1 on)" }).click();
    const on = page.locator("section.facet", { has: page.getByRole("heading", { name: "Outcome" }) }).getByRole("link", { name: /^Failure/ });
    await expect(on.textContent()).resolves.toContain("select to remove");
    // Every outcome is still listed while one is on (none hidden because the filter excludes it).
    await expect(
      page
        .locator("section.facet", { has: page.getByRole("heading", { name: "Outcome" }) })
        .getByRole("link")
        .count(),
    ).resolves.toBe(5);
    await shoot(page, "public-search", width);
    expect(await seriousViolations(page)).toEqual([]);
    expect(await overflow(page)).toBe(0);
    await on.click();
    await page.waitForURL(/\/search$/);
    await page.context().close();
  });

  it("a snippet keeps a separator between a heading and the paragraph after it", async () => {
    const page = await visitor(1280);
    await page.goto(`${baseUrl}/search?q=problem&language=en`);
    const snippets = await page.locator(".snippet").allTextContents();
    expect(snippets.length).toBeGreaterThan(0);
    expect(snippets.some((s) => /Problem — \S/.test(s))).toBe(true);
    expect(snippets.some((s) => /Problem [A-Z]/.test(s))).toBe(false);
    await page.context().close();
  });

  it("headings do not skip levels on the public pages", async () => {
    const page = await visitor(1280);
    for (const path of [
      "/",
      "/search",
      "/search?q=sepsis",
      "/failures",
      "/calls",
      "/organizations",
      "/organizations/az-heidebloem",
      "/outcomes/failure",
      "/decisions/rejected",
      "/moderation-policy",
      "/signup",
    ]) {
      await page.goto(`${baseUrl}${path}`);
      const levels = await page.locator("main h1, main h2, main h3, main h4, main h5, main h6").evaluateAll((hs) => hs.map((h) => Number(h.tagName[1])));
      expect(levels[0], path).toBe(1);
      const skips = levels.flatMap((level, i) => (i > 0 && level > levels[i - 1]! + 1 ? [`h${levels[i - 1]} → h${level}`] : []));
      expect(skips, path).toEqual([]);
    }
    await page.context().close();
  });

  it("on a phone the header is a strip, and the dashboard, moderation queue and sessions tables fit 390 px", async () => {
    const anon = await visitor(390);
    await anon.goto(`${baseUrl}/`);
    const header = await anon.locator(".site-header").boundingBox();
    expect(header!.height).toBeLessThan(844 / 4);
    await shoot(anon, "public-home", 390);
    await anon.context().close();

    const editor = await as("editor.hospital@casebook.example", 390);
    const signedHeader = await editor.locator(".site-header").boundingBox();
    expect(signedHeader!.height).toBeLessThan(844 / 4);
    expect(await overflow(editor)).toBe(0);
    await shoot(editor, "public-dashboard", 390);
    await editor.goto(`${baseUrl}/account`);
    expect(await overflow(editor)).toBe(0);
    await editor.context().close();

    const moderator = await as("moderator@casebook.example", 390);
    await moderator.goto(`${baseUrl}/moderation`);
    expect(await overflow(moderator)).toBe(0);
    await moderator.context().close();
  });
});

describe("a platform started without demo content (§22)", () => {
  it.each(WIDTHS)("its empty home page tells visitors how to join and publish (%i px)", async (width) => {
    // Its own PocketBase with the migrations only, and the same build of the site.
    const empty = await startTestPocketBase();
    const site = await startSite({
      POCKETBASE_URL: empty.url,
      PB_SUPERUSER_EMAIL: TEST_SUPERUSER.email,
      PB_SUPERUSER_PASSWORD: TEST_SUPERUSER.password,
      DATA_DIR: empty.dataDir,
      NODE_ENV: "production",
      CASEBOOK_DEMO: "0",
      CASEBOOK_SECRET: "e2e-test-signing-secret-0123456789abcdef",
    });
    try {
      const page = await visitor(width);
      await page.goto(`${site.baseUrl}/`);
      await expect(page.getByText("Nothing has been published yet.").count()).resolves.toBe(1);
      for (const [name, href] of [
        ["Create an account", "/en/signup"],
        ["Find your organisation", "/en/organizations"],
        ["request it if it is not listed yet.", "/en/organizations/new"],
        ["Write your first post", "/en/write"],
        ["How moderation works", "/en/moderation-policy"],
      ] as const) {
        await expect(page.getByRole("link", { name }).getAttribute("href"), name).resolves.toBe(href);
      }
      await shoot(page, "public-empty-home", width);
      expect(await seriousViolations(page)).toEqual([]);
      await page.goto(`${site.baseUrl}/organizations`);
      await expect(page.getByText("No organisation has been verified yet.").count()).resolves.toBe(1);
      await page.context().close();
    } finally {
      await site.stop();
      await empty.stop();
    }
  });
});
