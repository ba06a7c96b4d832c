// Issue 17 §1–2 in Chromium: a home-care editor describes a project on the canvas in French —
// eight numbered steps, each fact with its help text — a moderator publishes it, and the French
// post page shows the governance and data facts as answered (and nothing for what was not).
// axe on the form and the page at 1280 and 390 px; screenshots of both.
import AxeBuilder from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/lib/seed.ts";
import { fr } from "../../src/i18n/fr.ts";
import { launchBrowser, shoot, signedInPage } from "../helpers/browser.ts";

const baseUrl = inject("baseUrl");
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

describe("the case-study canvas", () => {
  it("an editor answers it in French; the published post shows the facts in its panel", async () => {
    const stamp = Date.now();
    const tag = `canevas-${stamp}`;
    const title = `Tournées planifiées par optimisation, deuxième essai ${stamp}`;
    const editor = await signedInPage(browser, baseUrl, "editor.homecare@casebook.example", DEMO_PASSWORD);
    await editor.goto(`${baseUrl}/fr/write?kind=case_study`);

    // The eight steps of the canvas, in order, each a group with its legend.
    const steps = await editor.locator("fieldset.canvas-step > legend").allTextContents();
    expect(steps.map((s) => s.trim())).toEqual(
      (["problem", "tasks", "it_fit", "impact", "people", "governance", "money", "outcome"] as const).map((k) => fr[`facts.canvas.${k}`]),
    );
    // Every fact has its help text tied to its control.
    await expect(editor.getByLabel(fr["facts.label.dpo_involvement"], { exact: true }).getAttribute("aria-describedby")).resolves.toBe(
      "f-dpo_involvement-hint",
    );
    await expect(editor.locator("#f-dpo_involvement-hint").textContent()).resolves.toBe(fr["facts.help.dpo_involvement"]);

    for (const width of [1280, 390]) {
      await editor.setViewportSize({ width, height: 900 });
      expect.soft(await seriousViolations(editor), `axe on the canvas at ${width} px`).toEqual([]);
      const overflow = await editor.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect.soft(overflow, `horizontal scroll at ${width} px`).toBeLessThanOrEqual(0);
    }
    await editor.setViewportSize({ width: 1280, height: 900 });

    await editor.getByLabel(fr["write.title"], { exact: true }).fill(title);
    await editor
      .getByLabel(fr["write.summary"], { exact: true })
      .fill("Nous avons repris la planification des tournées avec une autre méthode, et cette fois avec les infirmières.");
    await editor.getByLabel(fr["write.language"], { exact: true }).selectOption("fr");
    await editor.getByLabel(fr["post.fact.tags"], { exact: true }).fill(tag);
    await editor.getByLabel(fr["code.care_setting.home_care"], { exact: true }).check();
    await editor.getByLabel(fr["code.ai_type.optimisation"], { exact: true }).check();
    await editor.getByLabel(fr["facts.label.human_oversight"], { exact: true }).selectOption("every_output");
    await editor.getByLabel(fr["facts.label.data_quality"], { exact: true }).selectOption("85_to_94");
    await editor.locator("#f-changed_roles").getByLabel(fr["code.changed_roles.nurses"], { exact: true }).check();
    await editor.getByLabel(fr["facts.label.training_hours"], { exact: true }).fill("4");
    await editor.getByLabel(fr["facts.label.dpo_involvement"], { exact: true }).selectOption("from_idea");
    await editor.getByLabel(fr["facts.label.data_location"], { exact: true }).selectOption("at_source");
    await editor.getByLabel(fr["facts.label.cost_eur"], { exact: true }).fill("50000");
    await editor.getByLabel(fr["facts.label.cost_yearly_eur"], { exact: true }).fill("6000");
    await editor.getByLabel(fr["post.fact.outcome"], { exact: true }).selectOption("success");
    await editor.getByLabel(fr["post.fact.lifecycle_stage"], { exact: true }).selectOption("production");
    await editor
      .getByLabel(fr["write.body"], { exact: true })
      .fill(
        "## Contexte\n\nLes tournées étaient refaites chaque matin à la main.\n\n## Ce qui s’est passé\n\nLe planning proposé est validé par l’infirmière en chef chaque soir.",
      );
    await shoot(editor, "case-study-canvas", 1280);
    await editor.getByRole("button", { name: fr["write.submit"] }).click();
    await editor.waitForURL(/\?submitted=1$/);

    const moderator = await signedInPage(browser, baseUrl, "moderator@casebook.example", DEMO_PASSWORD);
    await moderator.goto(`${baseUrl}/en/moderation`);
    await moderator.getByRole("link", { name: title }).click();
    await moderator.getByRole("button", { name: "Claim for review" }).click();
    await moderator.getByRole("button", { name: "Approve and publish" }).click();
    await moderator.waitForURL(/\/moderation\?done=approve&post=[a-z0-9]{15}$/);

    const visitor = await (await browser.newContext({ extraHTTPHeaders: { "Accept-Language": "fr-BE" } })).newPage();
    await visitor.goto(`${baseUrl}/fr/tags/${tag}`);
    await visitor.getByRole("link", { name: title }).click();
    const panel = visitor.locator("aside.facts dl[aria-labelledby=governance-title]");
    await expect(visitor.locator("#governance-title").textContent()).resolves.toBe(fr["facts.panel.governance"]);
    const shown = Object.fromEntries(
      await panel
        .locator(":scope > div")
        .evaluateAll((rows) => rows.map((r) => [r.querySelector("dt")?.textContent?.trim(), r.querySelector("dd")?.textContent?.trim()])),
    );
    expect(shown[fr["facts.label.dpo_involvement"]]).toBe(fr["code.dpo_involvement.from_idea"]);
    expect(shown[fr["facts.label.human_oversight"]]).toBe(fr["code.human_oversight.every_output"]);
    expect(shown[fr["facts.label.data_location"]]).toBe(fr["code.data_location.at_source"]);
    expect(shown[fr["facts.label.data_quality"]]).toBe(fr["code.data_quality.85_to_94"]);
    expect(shown[fr["facts.label.changed_roles"]]).toBe(fr["code.changed_roles.nurses"]);
    expect(shown[fr["facts.show.training"]]).toBe("4 heures");
    expect(shown[fr["post.fact.cost"]]).toMatch(/^50\s000\s€ une fois, puis 6\s000\s€ par an$/);
    // What was not answered is not shown at all (no "non" or "0").
    for (const unanswered of ["dpia", "ethics_review", "medical_device", "ai_act_risk", "nis2", "data_sharing"] as const)
      expect(shown[fr[`facts.label.${unanswered}`]], unanswered).toBeUndefined();
    expect(shown[fr["facts.show.payback"]]).toBeUndefined();
    for (const width of [1280, 390]) {
      await visitor.setViewportSize({ width, height: 900 });
      expect.soft(await seriousViolations(visitor), `axe on the post page at ${width} px`).toEqual([]);
      await shoot(visitor, "case-study-facts", width);
    }
    await Promise.all([editor.context().close(), moderator.context().close(), visitor.context().close()]);
  });
});
