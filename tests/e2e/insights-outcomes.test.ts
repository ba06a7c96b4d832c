// Issue 17 §4 in Chromium: "What separates successes from failures". Ten laboratory case
// studies using speech recognition (a combination no demo post has) are published through the
// real moderation steps with their governance facts; a visitor filters the comparison page to
// them and reads, beside each share, the counts it comes from — every output validated by a
// person: 1 failure of 5; no oversight: 3 of 5 — and "too few to compare" for a group of two.
// The largest-differences table names the gap; outcomes.csv carries the same figures. axe at
// 1280 and 390 px, no sideways scroll at 390 px; the French page. The screenshots show the page on
// the demo content alone, before the test publishes anything.
import AxeBuilder from "@axe-core/playwright";
import type PocketBase from "pocketbase";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { en } from "../../src/i18n/en.ts";
import { fr } from "../../src/i18n/fr.ts";
import { approvePost, claimPost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { launchBrowser, preferEnglish, shoot } from "../helpers/browser.ts";
import { createOrganization, createUser, unique, useTestPocketBase } from "../integration/setup.ts";

const baseUrl = inject("baseUrl");
const FILTER = "care_setting=laboratory&ai_type=speech";
let browser: Browser;
let pb: PocketBase;
let before: { overall: { projects: number } };

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

// Five projects with every output validated (one failed), five without oversight (three failed
// or were abandoned); two of the ten say they are an MDR class III device.
const PLAN: { outcome: string; human_oversight: string; medical_device?: string }[] = [
  { outcome: "success", human_oversight: "every_output", medical_device: "class_iii" },
  { outcome: "success", human_oversight: "every_output" },
  { outcome: "partial", human_oversight: "every_output" },
  { outcome: "success", human_oversight: "every_output" },
  { outcome: "failure", human_oversight: "every_output" },
  { outcome: "failure", human_oversight: "none", medical_device: "class_iii" },
  { outcome: "abandoned", human_oversight: "none" },
  { outcome: "failure", human_oversight: "none" },
  { outcome: "success", human_oversight: "none" },
  { outcome: "partial", human_oversight: "none" },
];

beforeAll(async () => {
  browser = await launchBrowser();
  pb = await useTestPocketBase();
});
afterAll(async () => {
  await browser?.close();
});

// Publishes the PLAN through the real moderation steps (called once, by the second test, so
// that the first sees the demo content alone).
async function publishPlan(): Promise<void> {
  before = (await (await fetch(`${baseUrl}/open-data/outcomes.json?${FILTER}`)).json()) as typeof before;
  const moderatorRecord = await pb.collection("users").getFirstListItem(pb.filter("email = {:e}", { e: "moderator@casebook.example" }));
  const moderator = (await loadActor(moderatorRecord.id))!;
  const user = await createUser(pb);
  const org = await createOrganization(pb, [{ userId: user.id, role: "editor" }]);
  const editor = (await loadActor(user.id)) as Actor;
  const marker = unique("lab").replace(/[^a-z0-9]/g, "");
  for (const [index, step] of PLAN.entries()) {
    const { id } = await saveDraft(editor, {
      kind: "case_study",
      organization: org.id,
      title: `Dictated lab reports, site ${index + 1} ${marker}`,
      summary: "Speech recognition for dictated laboratory reports.",
      body_md: "## Context\n\nTechnologists dictated their reports.\n\n## Result\n\nSee the outcome.",
      language: "en",
      tags: "dictation",
      anonymous: false,
      outcome: step.outcome,
      care_settings: ["laboratory"],
      ai_types: ["speech"],
      lifecycle_stage: "pilot",
      human_oversight: step.human_oversight,
      medical_device: step.medical_device ?? "",
    });
    await submitPost(editor, id);
    await claimPost(moderator, id);
    await approvePost(moderator, id);
  }
}

// The cells of the table row whose header is `answer`, in the table captioned for `fact`.
async function rowCells(page: Page, fact: string, answer: string): Promise<string[]> {
  const table = page.locator("table", { has: page.locator("caption", { hasText: `${fact}, outcomes of the case studies by answer` }) });
  const row = table.locator("tbody tr", { has: page.getByRole("rowheader", { name: answer, exact: true }) });
  return (await row.locator("th, td").allTextContents()).map((text) => text.trim());
}

// One story: the first test reads the demo content alone, the second publishes the PLAN, the third
// reads its figures in French, so the tests keep their order under --sequence.shuffle (the files
// still shuffle).
describe("what separates successes from failures", { shuffle: false }, () => {
  it("on the demo content: a table for every answered fact, the rest listed as not answered, axe clean at 1280 and 390 px, no sideways scroll", async () => {
    const context = await browser.newContext();
    await preferEnglish(context, baseUrl);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/en/insights/outcomes`);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(en["comparison.title"]);
    // Every fact is either a section with its table or listed as not answered, never both.
    const sections = await page.locator("section[id^='fact-'] h2").allTextContents();
    const notAnswered = await page
      .locator("section", { has: page.locator("#h-unanswered") })
      .getByRole("listitem")
      .allTextContents();
    expect(sections.length + notAnswered.length).toBe(12);
    await expect(page.locator("section[id^='fact-'] table").count()).resolves.toBe(sections.length);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      expect.soft(await seriousViolations(page), `axe at ${width} px`).toEqual([]);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect.soft(overflow, `sideways scroll at ${width} px`).toBeLessThanOrEqual(0);
      await shoot(page, "insights-outcomes", width);
    }
    await context.close();
  });

  it("shows, for human oversight, each answer's failure share with its counts, and a small group as too few", async () => {
    await publishPlan();
    // The filter is this test's own: nothing else published matches it.
    expect(before.overall.projects).toBe(0);
    const context = await browser.newContext();
    await preferEnglish(context, baseUrl);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/insights`);
    await page.getByRole("link", { name: en["comparison.title"] }).click();
    await page.waitForURL(/\/en\/insights\/outcomes$/);
    const filters = page.getByRole("form", { name: en["comparison.filters"] });
    await filters.getByLabel(en["post.fact.care_settings"]).selectOption("laboratory");
    await filters.getByLabel(en["post.fact.ai_types"]).selectOption("speech");
    await filters.getByRole("button", { name: en["mod.filter"] }).click();
    await page.waitForURL(/\/en\/insights\/outcomes\?care_setting=laboratory&ai_type=speech$/);

    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("What separates successes from failures");
    await expect(page.locator("main").textContent()).resolves.toContain(
      "10 case studies with a final outcome in this selection. 4 of them failed or were abandoned (40%).",
    );
    const oversight = en["facts.label.human_oversight"];
    await expect(rowCells(page, oversight, en["code.human_oversight.every_output"])).resolves.toEqual([
      en["code.human_oversight.every_output"],
      "5",
      "20% (1 of 5)",
      "4",
      "1",
    ]);
    await expect(rowCells(page, oversight, en["code.human_oversight.none"])).resolves.toEqual([en["code.human_oversight.none"], "5", "60% (3 of 5)", "2", "3"]);
    // Two projects: their number, and no share.
    await expect(rowCells(page, en["facts.label.medical_device"], en["code.medical_device.class_iii"])).resolves.toEqual([
      en["code.medical_device.class_iii"],
      "2",
      "Too few to compare",
    ]);
    // The chart draws the two comparable answers, with their counts in the labels.
    const chart = page.locator(".chart-wide").getByRole("img", { name: `${oversight}, share of projects that failed` });
    await expect(chart.count()).resolves.toBe(1);
    await expect(chart.textContent()).resolves.toContain("Every output validated by a person (5 projects) 20%");
    await expect(chart.textContent()).resolves.toContain("None (5 projects) 60%");
    // No answer to the device question is comparable: no chart, a line that says so.
    const device = page.locator("section", { has: page.getByRole("heading", { name: en["facts.label.medical_device"], exact: true }) });
    await expect(device.getByRole("img").count()).resolves.toBe(0);
    await expect(device.textContent()).resolves.toContain(en["comparison.chart_empty"]);
    // Questions nobody in the selection answered are listed once, not as empty sections.
    const unanswered = page.locator("section", { has: page.getByRole("heading", { name: en["comparison.unanswered_title"] }) });
    await expect(unanswered.getByRole("listitem").allTextContents()).resolves.toContain(en["facts.label.dpo_involvement"]);
    await expect(page.getByRole("heading", { level: 2, name: en["facts.label.dpo_involvement"], exact: true }).count()).resolves.toBe(0);
    // The widest gap, with both answers' counts.
    const contrasts = page.locator("table", { has: page.locator("caption", { hasText: "Largest differences" }) });
    await expect(contrasts.locator("tbody tr").first().locator("th, td").allTextContents()).resolves.toEqual([
      oversight,
      "Every output validated by a person, 20% failed (1 of 5)",
      "None, 60% failed (3 of 5)",
      "40 percentage points",
    ]);

    // The same figures in the open data, with the same filter.
    const csv = await (await page.request.get(`${baseUrl}/open-data/outcomes.csv?${FILTER}`)).text();
    const lines = csv
      .replace(/^\uFEFF/, "")
      .trimEnd()
      .split("\r\n");
    expect(lines[0]).toBe("fact,value,not_known,projects,successes,failures,failure_share,ongoing,too_few,fact_unanswered");
    expect(lines).toContain("human_oversight,every_output,0,5,4,1,0.2,0,0,0");
    expect(lines).toContain("human_oversight,none,0,5,2,3,0.6,0,0,0");
    expect(lines).toContain("medical_device,class_iii,0,2,,,,0,1,8");

    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      expect.soft(await seriousViolations(page), `axe at ${width} px`).toEqual([]);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect.soft(overflow, `sideways scroll at ${width} px`).toBeLessThanOrEqual(0);
    }
    await context.close();
  });

  it("reads in French, its figures in the Belgian format, and is listed on the open-data page", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${baseUrl}/fr/insights/outcomes?${FILTER}`);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(fr["comparison.title"]);
    const table = page.locator("table", { has: page.locator("caption", { hasText: fr["facts.label.human_oversight"] }) });
    const row = table.locator("tbody tr", { has: page.getByRole("rowheader", { name: fr["code.human_oversight.none"], exact: true }) });
    // fr-BE writes a (narrow) no-break space before the per cent sign.
    await expect(row.locator("td").nth(1).textContent()).resolves.toMatch(/^60\s%\s\(3 sur 5\)$/u);
    expect.soft(await seriousViolations(page), "axe on the French page").toEqual([]);
    await page.goto(`${baseUrl}/fr/open-data`);
    await expect(page.getByRole("link", { name: "outcomes.csv" }).getAttribute("href")).resolves.toBe("/open-data/outcomes.csv");
    await expect(page.getByRole("link", { name: "outcomes.json" }).count()).resolves.toBe(1);
    await context.close();
  });
});
