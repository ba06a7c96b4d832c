// Issue 17 §3 in Chromium: a visitor narrows a search by a governance and data fact. The twelve
// facts sit folded in one “Governance and data” panel among the filters; the visitor opens it,
// chooses “When the DPO was involved: From the idea” and finds the case study this test
// published with that answer (through the real domain), not the one whose DPO came after go-live.
import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { approvePost, claimPost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { useTestPocketBase } from "../integration/setup.ts";
import { launchBrowser, shoot } from "../helpers/browser.ts";

const baseUrl = inject("baseUrl");
const run = Date.now().toString(36);
// A word of letters only, so the search finds this file's posts and nothing else.
const marker = `facetprobe${run.replace(/\d/g, (d) => "abcdefghij"[Number(d)]!)}`;
const EARLY = `Ward rounds planned with the DPO from day one ${marker}`;
const LATE = `A scheduling model the DPO saw only after go-live ${marker}`;
let browser: Browser;

async function publish(editor: Actor, moderator: Actor, organization: string, title: string, facts: Record<string, unknown>): Promise<void> {
  const { id } = await saveDraft(editor, {
    kind: "case_study",
    organization,
    title,
    summary: "A model proposed the order of ward rounds; the nurses kept the parts that saved them walking.",
    body_md: "## Context\n\nTwo wards tried model-planned rounds for three months.\n\n## What happened\n\nThe nurses kept half of the proposals.",
    language: "en",
    tags: "rounds",
    anonymous: false,
    outcome: "partial",
    care_settings: ["care_home"],
    ai_types: ["optimisation"],
    lifecycle_stage: "pilot",
    ...facts,
  });
  await submitPost(editor, id);
  await claimPost(moderator, id);
  await approvePost(moderator, id);
}

beforeAll(async () => {
  browser = await launchBrowser();
  const pb = await useTestPocketBase();
  const actor = async (email: string): Promise<Actor> =>
    (await loadActor((await pb.collection("users").getFirstListItem(pb.filter("email = {:e}", { e: email }))).id))!;
  const [editor, moderator] = await Promise.all([actor("editor.carehome@casebook.example"), actor("moderator@casebook.example")]);
  const org = await pb.collection("organizations").getFirstListItem(pb.filter("slug = {:s}", { s: "residences-linde-tilleul" }));
  await publish(editor, moderator, org.id, EARLY, { dpo_involvement: "from_idea", data_location: "at_source", changed_roles: ["nurses"] });
  await publish(editor, moderator, org.id, LATE, { dpo_involvement: "after_go_live", data_location: "vendor_cloud_eu" });
  // The site's outbox worker indexes both shortly after.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await fetch(`${baseUrl}/api/search?q=${marker}`).catch(() => undefined);
    const body = res?.ok ? ((await res.json()) as { total: number }) : null;
    if (body?.total === 2) break;
    if (Date.now() > deadline) throw new Error(`the test's posts not searchable after 15 s (last: ${res?.status} ${JSON.stringify(body)?.slice(0, 200)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
});
afterAll(async () => {
  await browser?.close();
});

const resultTitles = (page: Page) => page.locator(".result-list h3").allTextContents();

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
}

describe("search by governance and data facts", () => {
  it("a visitor opens “Governance and data”, filters on “When the DPO was involved: From the idea” and finds the case study that says so", async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${baseUrl}/en/search?q=${marker}`);
    expect((await resultTitles(page)).sort()).toEqual([EARLY, LATE].sort());

    // Folded at first: the fact's values are on the page but not shown.
    const panel = page.locator("details.facet-panel");
    const dpo = page.getByRole("region", { name: "When the DPO was involved" });
    const fromIdea = dpo.getByRole("link", { name: /^From the idea/ });
    await expect(fromIdea.isVisible()).resolves.toBe(false);
    await panel.getByText("Governance and data", { exact: true }).click();
    await expect(fromIdea.isVisible()).resolves.toBe(true);
    // Each answer with its count among the results; an answer nobody gave shows 0.
    await expect(fromIdea.locator(".facet-count").textContent()).resolves.toBe("1");
    await expect(
      dpo
        .getByRole("link", { name: /^After go-live/ })
        .locator(".facet-count")
        .textContent(),
    ).resolves.toBe("1");
    await expect(
      dpo
        .getByRole("link", { name: /^Before the pilot/ })
        .locator(".facet-count")
        .textContent(),
    ).resolves.toBe("0");
    expect(await seriousViolations(page)).toEqual([]);

    await fromIdea.click();
    await page.waitForURL((url) => url.searchParams.get("dpo_involvement") === "from_idea");
    expect(await resultTitles(page)).toEqual([EARLY]);
    // The panel stays open while one of its facts filters, the choice marked, the other answer still counted.
    await expect(panel.getAttribute("open")).resolves.not.toBeNull();
    await expect(fromIdea.textContent()).resolves.toContain("select to remove");
    await expect(
      dpo
        .getByRole("link", { name: /^After go-live/ })
        .locator(".facet-count")
        .textContent(),
    ).resolves.toBe("1");
    // Another fact narrows within the choice.
    await expect(
      page
        .getByRole("region", { name: "Where the data lived" })
        .getByRole("link", { name: /^Stayed at the source/ })
        .locator(".facet-count")
        .textContent(),
    ).resolves.toBe("1");
    await shoot(page, "search-facts", 1280);
    expect(await seriousViolations(page)).toEqual([]);

    // The chip names the fact and removes the filter.
    await page.getByRole("link", { name: "Remove: When the DPO was involved: From the idea" }).click();
    await page.waitForURL((url) => !url.searchParams.has("dpo_involvement"));
    expect((await resultTitles(page)).sort()).toEqual([EARLY, LATE].sort());
    await expect(page.locator("details.facet-panel").getAttribute("open")).resolves.toBeNull();
    await page.context().close();
  });

  it("the French page names the panel, the fact and its answer in French", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${baseUrl}/fr/search?q=${marker}&dpo_involvement=from_idea`);
    expect(await resultTitles(page)).toEqual([EARLY]);
    await expect(page.locator("details.facet-panel > summary").textContent()).resolves.toBe("Gouvernance et données");
    await expect(page.getByRole("link", { name: /^Retirer.*Quand le DPD a été associé.*Dès l’idée$/ }).count()).resolves.toBe(1);
    await page.context().close();
  });
});
