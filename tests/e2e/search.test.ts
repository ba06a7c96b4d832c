// Search as visitors use it: typos, facets, removable filter chips, shareable URLs, no
// JavaScript needed; plus the JSON API and the anonymity of anonymous posts.
import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser } from "../helpers/browser.ts";
import { SEPSIS_DESCRIPTOR } from "../helpers/descriptors.ts";

const baseUrl = inject("baseUrl");
const SEPSIS = "A sepsis early-warning model that drowned our nurses in alerts";
let browser: Browser;

type ApiResult = { hits: { title: string; slug: string }[]; total: number; facets: Record<string, { value: string; count: number }[]> };

beforeAll(async () => {
  browser = await launchBrowser();
  // The global setup seeds the demo posts with outbox rows; the site's worker indexes them
  // shortly after its first request.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await fetch(`${baseUrl}/api/search`).catch(() => undefined);
    const body = res?.ok ? ((await res.json()) as ApiResult) : null;
    if (body && body.total >= 12) break;
    if (Date.now() > deadline) throw new Error(`demo posts not searchable after 15 s (last: ${res?.status} ${JSON.stringify(body)?.slice(0, 200)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
});
afterAll(async () => {
  await browser?.close();
});

async function freshPage(options: { javaScriptEnabled?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext(options);
  return context.newPage();
}

const resultTitles = (page: Page) => page.locator(".result-list h3").allTextContents();

describe("search page", () => {
  it("finds the sepsis case despite a typo, and offers the correction", async () => {
    const page = await freshPage();
    await page.goto(baseUrl);
    await page.getByRole("searchbox", { name: "Search Casebook" }).fill("sepsys");
    await page.getByRole("searchbox", { name: "Search Casebook" }).press("Enter");
    await page.waitForURL(/\/search\?q=sepsys$/);
    await expect(page.getByRole("link", { name: SEPSIS }).count()).resolves.toBe(1);
    await expect(page.locator(".result").first().locator("mark").first().textContent()).resolves.toMatch(/sepsis/i);
    const suggestion = page.locator(".did-you-mean").getByRole("link");
    await expect(suggestion.textContent()).resolves.toBe("sepsis");
    await suggestion.click();
    await page.waitForURL(/\/search\?q=sepsis$/);
    await expect(page.getByRole("link", { name: SEPSIS }).count()).resolves.toBe(1);
    // The anonymous post shows its descriptor, never its organisation.
    const card = page.locator(".result").filter({ hasText: SEPSIS });
    await expect(card.textContent()).resolves.toMatch(SEPSIS_DESCRIPTOR);
    await expect(page.content()).resolves.not.toMatch(/Heidebloem/i);
  });

  it("a facet narrows the results, its chip removes it, and the URL can be shared", async () => {
    const page = await freshPage();
    await page.goto(`${baseUrl}/search`);
    const all = await resultTitles(page);
    expect(all.length).toBeGreaterThanOrEqual(12);
    // Other test files publish posts too: the heading counts them all, the page shows the first 20.
    const { total } = (await (await fetch(`${baseUrl}/api/search`)).json()) as ApiResult;
    expect(all.length).toBe(Math.min(total, 20));
    await expect(page.getByRole("heading", { level: 2, name: `${total} results` }).count()).resolves.toBe(1);

    // Each facet value is a link that toggles its filter (issue 11 §25): no Apply button.
    await page
      .getByRole("region", { name: "Outcome" })
      .getByRole("link", { name: /^Failure/ })
      .click();
    await page.waitForURL(/outcome=failure/);
    const failures = await resultTitles(page);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.length).toBeLessThan(all.length);
    expect(failures).toContain(SEPSIS);
    for (const badge of await page.locator(".result .card-meta").allTextContents()) expect(badge).toContain("Failure");
    // Disjunctive counts: the other outcomes stay visible with their own counts.
    await expect(
      page
        .getByRole("region", { name: "Outcome" })
        .getByRole("link", { name: /^Success/ })
        .count(),
    ).resolves.toBe(1);

    // A second facet, and the whole search lives in the URL: a fresh visitor sees the same.
    await page
      .getByRole("region", { name: "Language" })
      .getByRole("link", { name: /^English/ })
      .click();
    await page.waitForURL(/language=en/);
    const narrowed = await resultTitles(page);
    const shared = page.url();
    const other = await freshPage();
    await other.goto(shared);
    expect(await resultTitles(other)).toEqual(narrowed);
    await expect(
      other
        .getByRole("region", { name: "Outcome" })
        .getByRole("link", { name: /^Failure/ })
        .textContent(),
    ).resolves.toContain("select to remove");

    // Chips: removing "Language: English" keeps the outcome filter; removing that too shows everything.
    await page.getByRole("link", { name: "Remove: Language: English" }).click();
    await page.waitForURL((url) => !url.searchParams.has("language") && url.searchParams.get("outcome") === "failure");
    expect(await resultTitles(page)).toEqual(failures);
    await page.getByRole("link", { name: "Remove: Outcome: Failure" }).click();
    await page.waitForURL((url) => !url.searchParams.has("outcome"));
    expect((await resultTitles(page)).length).toBe(all.length);
  });

  it("works with JavaScript disabled", async () => {
    const page = await freshPage({ javaScriptEnabled: false });
    await page.goto(`${baseUrl}/search`);
    await page.getByRole("search", { name: "Search published posts" }).getByRole("searchbox").fill("valdetectie");
    await page.getByRole("search", { name: "Search published posts" }).getByRole("button", { name: "Search" }).click();
    await page.waitForURL(/q=valdetectie/);
    const found = await resultTitles(page);
    expect(found.length).toBeGreaterThanOrEqual(1);
    await page
      .getByRole("region", { name: "Type" })
      .getByRole("link", { name: /^Case study/ })
      .click();
    await page.waitForURL(/kind=case_study/);
    const narrowed = await resultTitles(page);
    expect(narrowed.length).toBeGreaterThanOrEqual(1);
    expect(narrowed.length).toBeLessThanOrEqual(found.length);
    await expect(page.locator("script").count()).resolves.toBe(0);
  });

  it("explains an empty result and offers ways out", async () => {
    const page = await freshPage();
    await page.goto(`${baseUrl}/search?q=zzqxvw&outcome=success`);
    await expect(page.getByRole("heading", { level: 2, name: "No results" }).count()).resolves.toBe(1);
    await page.getByRole("link", { name: "without “Success”" }).click();
    await page.waitForURL((url) => url.searchParams.get("q") === "zzqxvw" && !url.searchParams.has("outcome"));
  });

  it("an invalid parameter gets a 400 page naming it", async () => {
    const page = await freshPage();
    const res = await page.goto(`${baseUrl}/search?q=sepsis&page=abc`);
    expect(res?.status()).toBe(400);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("This search address is not valid");
    await expect(page.locator("main").textContent()).resolves.toContain("“page”");
  });

  it("has no serious accessibility violations", async () => {
    const page = await freshPage();
    for (const path of ["/search", "/search?q=sepsys&outcome=failure", "/search?q=zzqxvw"]) {
      await page.goto(`${baseUrl}${path}`);
      const results = await new AxeBuilder({ page }).analyze();
      const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      expect(serious.map((v) => `${path} ${v.id}: ${v.help}`)).toEqual([]);
    }
  });
});

describe("funding decisions in search results (issue 11 §14)", () => {
  it("a decision's card shows the date it was decided, not the date it was published", async () => {
    const api = (await (await fetch(`${baseUrl}/api/search?kind=funding_application&per_page=50`)).json()) as {
      hits: { title: string; decided_on: string | null; published_at: string }[];
    };
    const decided = api.hits.filter((h) => h.decided_on !== null);
    expect(decided.length).toBeGreaterThan(0);
    const page = await freshPage();
    await page.goto(`${baseUrl}/search?kind=funding_application&per_page=50`);
    for (const hit of decided) {
      const card = page.locator(".result").filter({ has: page.getByRole("link", { name: hit.title, exact: true }) });
      await expect(card.locator("time").getAttribute("datetime")).resolves.toBe(hit.decided_on);
      if (hit.decided_on !== hit.published_at.slice(0, 10))
        await expect(card.locator(`time[datetime="${hit.published_at.slice(0, 10)}"]`).count()).resolves.toBe(0);
    }
  });
});

describe("search JSON API", () => {
  it("/api/search returns hits, counts and facets; invalid parameters are a 400 naming them", async () => {
    const res = await fetch(`${baseUrl}/api/search?q=sepsys`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const body = (await res.json()) as ApiResult & { page: number; perPage: number; totalPages: number; suggestion: string | null };
    expect(body.hits.map((h) => h.title)).toContain(SEPSIS);
    expect(body).toMatchObject({ page: 1, perPage: 20, suggestion: "sepsis" });
    expect(body.facets.outcome).toEqual(expect.arrayContaining([expect.objectContaining({ value: "failure" })]));
    expect(JSON.stringify(body)).not.toMatch(/Heidebloem/i);

    for (const [query, param] of [
      ["page=0", "page"],
      ["outcome=maybe", "outcome"],
      ["sort=oldest", "sort"],
      ["per_page=500", "per_page"],
    ] as const) {
      const bad = await fetch(`${baseUrl}/api/search?${query}`);
      expect(bad.status, query).toBe(400);
      const error = (await bad.json()) as { error: string; param: string };
      expect(error.param, query).toBe(param);
      expect(error.error.length).toBeGreaterThan(0);
    }
  });

  it("/api/posts/{slug} returns a published post without naming an anonymous post's organisation", async () => {
    const res = await fetch(`${baseUrl}/api/posts/sepsis-early-warning-alert-fatigue`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toMatch(/Heidebloem/i);
    const post = JSON.parse(text) as { title: string; organization: unknown; byline: string; anonymous: boolean };
    expect(post).toMatchObject({ title: SEPSIS, organization: null, anonymous: true, byline: expect.stringMatching(SEPSIS_DESCRIPTOR) });
    expect(text).not.toMatch(/"author"/);

    const named = (await (await fetch(`${baseUrl}/api/posts/chest-xray-triage-worklist`)).json()) as { organization: { name: string } | null };
    expect(named.organization?.name).toBe("AZ Heidebloem");

    for (const slug of ["no-such-post", "Not_A_Slug"]) {
      const missing = await fetch(`${baseUrl}/api/posts/${slug}`);
      expect(missing.status, slug).toBe(404);
      expect(((await missing.json()) as { error: string }).error.length).toBeGreaterThan(0);
    }
  });

  it("/healthz reports the search engine and the outbox backlog", async () => {
    const body = (await (await fetch(`${baseUrl}/healthz`)).json()) as {
      search: { engine: string; ok: boolean; documents: number };
      outbox: { backlog: number };
    };
    expect(body.search).toMatchObject({ engine: "embedded", ok: true });
    expect(body.search.documents).toBeGreaterThanOrEqual(12);
    expect(body.outbox.backlog).toBeTypeOf("number");
  });

  it("narrows funding applications by the amount requested", async () => {
    const all = (await (await fetch(`${baseUrl}/api/search?kind=funding_application&per_page=50`)).json()) as { total: number; hits: { slug: string }[] };
    expect(all.total).toBeGreaterThanOrEqual(3);
    const amounts = await Promise.all(
      all.hits.map(
        async (h) =>
          ((await (await fetch(`${baseUrl}/api/posts/${h.slug}`)).json()) as { funding: { amountRequested: number | null } }).funding.amountRequested ?? 0,
      ),
    );
    // The second-smallest distinct amount: other files may add applications with equal amounts.
    const distinct = [...new Set(amounts)].sort((a, b) => a - b);
    expect(distinct.length).toBeGreaterThanOrEqual(2);
    const threshold = distinct[1]!;
    const narrowed = (await (await fetch(`${baseUrl}/api/search?kind=funding_application&per_page=50&amount_min=${threshold}`)).json()) as { total: number };
    expect(narrowed.total).toBe(amounts.filter((a) => a >= threshold).length);
    expect(narrowed.total).toBeLessThan(all.total);
    const bad = await fetch(`${baseUrl}/api/search?amount_min=10&amount_max=5`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain("amount_max");
  });
});
