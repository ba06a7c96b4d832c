// Issue 17 §4 through the real domain against a real PocketBase: case studies with governance
// and data facts are written, submitted, claimed and approved (saveDraft, submitPost, claimPost,
// approvePost); loadInsightData hands their facts to the comparison exactly as stored, and
// outcomesByFact over them gives the figures counted by hand below. A draft and a post still
// waiting for moderation carry facts too and must count nowhere. Other test files publish case
// studies in the same PocketBase, so the figures are taken over this file's posts only.
import { beforeAll, describe, expect, it } from "vitest";
import { loadInsightData } from "../../src/lib/server/funding.ts";
import { filterCases, outcomesByFact, type InsightCase } from "../../src/lib/server/insights.ts";
import { approvePost, claimPost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { caseStudyInput, word } from "./search-helpers.ts";
import { createOrganization, createUser, useTestPocketBase } from "./setup.ts";

let editor: Actor;
let moderator: Actor;
let orgId = "";
const marker = word();
const published = new Map<string, string>(); // id → label of the plan below
const unpublished: string[] = [];

// The plan: when the DPO came in, where the data lived, and how each project ended.
// From the idea: 5 finished (4 ended well, 1 failed) + 1 ongoing → 20 % failed.
// After go-live: 5 finished (3 failed or abandoned) → 60 % failed.
// "Not known": 1 finished → too few to compare. No answer: 1 finished → unanswered.
const PLAN: { label: string; outcome: string; facts: Record<string, unknown>; careSettings?: string[]; anonymous?: boolean }[] = [
  { label: "idea-1", outcome: "success", facts: { dpo_involvement: "from_idea", data_location: "at_source", changed_roles: ["nurses", "nurses"] } },
  { label: "idea-2", outcome: "success", facts: { dpo_involvement: "from_idea", data_location: "at_source", human_oversight: "every_output" } },
  { label: "idea-3", outcome: "partial", facts: { dpo_involvement: "from_idea", data_location: "at_source" }, careSettings: ["home_care"] },
  { label: "idea-4", outcome: "partial", facts: { dpo_involvement: "from_idea", data_location: "unknown" }, anonymous: true },
  { label: "idea-5", outcome: "failure", facts: { dpo_involvement: "from_idea", data_location: "at_source", changed_roles: ["nurses"] } },
  { label: "idea-ongoing", outcome: "ongoing", facts: { dpo_involvement: "from_idea" } },
  { label: "late-1", outcome: "failure", facts: { dpo_involvement: "after_go_live", data_location: "vendor_cloud_eu" }, careSettings: ["home_care"] },
  { label: "late-2", outcome: "abandoned", facts: { dpo_involvement: "after_go_live", data_location: "vendor_cloud_eu" } },
  { label: "late-3", outcome: "failure", facts: { dpo_involvement: "after_go_live", data_location: "vendor_cloud_eu", changed_roles: ["physicians"] } },
  { label: "late-4", outcome: "success", facts: { dpo_involvement: "after_go_live", data_location: "vendor_cloud_eu" } },
  { label: "late-5", outcome: "partial", facts: { dpo_involvement: "after_go_live", data_location: "at_source" }, anonymous: true },
  { label: "not-known", outcome: "failure", facts: { dpo_involvement: "unknown" } },
  { label: "silent", outcome: "failure", facts: {} },
];

async function publish(input: Record<string, unknown>): Promise<string> {
  const { id } = await saveDraft(editor, input);
  await submitPost(editor, id);
  await claimPost(moderator, id);
  await approvePost(moderator, id);
  return id;
}

beforeAll(async () => {
  const pb = await useTestPocketBase();
  const [e, m] = await Promise.all([createUser(pb), createUser(pb, { role: "moderator" })]);
  orgId = (await createOrganization(pb, [{ userId: e.id, role: "editor" }])).id;
  editor = (await loadActor(e.id))!;
  moderator = (await loadActor(m.id))!;
  for (const step of PLAN) {
    const input = caseStudyInput(orgId, marker, `Outcome comparison ${step.label} ${marker}`, {
      outcome: step.outcome,
      care_settings: step.careSettings ?? ["hospital"],
      anonymous: step.anonymous ?? false,
      ...step.facts,
    });
    published.set(await publish(input), step.label);
  }
  // A draft and a submitted post with the same facts: not published, so not counted.
  const facts = { outcome: "failure", dpo_involvement: "from_idea", data_location: "at_source" };
  unpublished.push((await saveDraft(editor, caseStudyInput(orgId, marker, `Draft comparison ${marker}`, facts))).id);
  const waiting = (await saveDraft(editor, caseStudyInput(orgId, marker, `Waiting comparison ${marker}`, facts))).id;
  await submitPost(editor, waiting);
  unpublished.push(waiting);
}, 120_000);

async function ours(): Promise<InsightCase[]> {
  const { cases } = await loadInsightData();
  return cases.filter((c) => published.has(c.id) || unpublished.includes(c.id));
}

describe("the outcomes comparison over published case studies", () => {
  it("loads every published case study with its facts as stored, and none that is not published", async () => {
    const cases = await ours();
    expect(cases.map((c) => published.get(c.id)).sort()).toEqual(PLAN.map((p) => p.label).sort());
    const byLabel = new Map(cases.map((c) => [published.get(c.id), c]));
    expect(byLabel.get("idea-2")?.facts).toMatchObject({ dpo_involvement: "from_idea", data_location: "at_source", human_oversight: "every_output", dpia: "" });
    // An anonymous case study keeps its facts.
    expect(byLabel.get("idea-4")?.facts).toMatchObject({ dpo_involvement: "from_idea", data_location: "unknown" });
    expect(byLabel.get("silent")?.facts?.dpo_involvement).toBe("");
    expect(byLabel.get("late-3")?.changedRoles).toEqual(["physicians"]);
    expect(byLabel.get("idea-ongoing")?.outcome).toBe("ongoing");
  });

  it("gives the failure share when the DPO came in from the idea and after go-live, with their counts; “not known” too few", async () => {
    const result = outcomesByFact(await ours(), "dpo_involvement");
    const row = (value: string) => result.rows.find((r) => r.value === value)!;
    expect(row("from_idea")).toMatchObject({ projects: 5, successes: 4, failures: 1, ongoing: 1, tooFew: false, failureShare: 0.2 });
    expect(row("after_go_live")).toMatchObject({ projects: 5, successes: 2, failures: 3, ongoing: 0, tooFew: false, failureShare: 0.6 });
    expect(row("unknown")).toMatchObject({ projects: 1, notKnown: true, tooFew: true, successes: null, failures: null, failureShare: null });
    expect(row("before_pilot")).toMatchObject({ projects: 0, tooFew: true });
    expect(result.unanswered).toBe(1);
    expect(result.overall).toMatchObject({ projects: 12, successes: 6, failures: 6, ongoing: 1, failureShare: 0.5 });
  });

  it("compares data at the source with a vendor cloud, and suppresses both once filtered to home care", async () => {
    const cases = await ours();
    const location = outcomesByFact(cases, "data_location");
    const row = (value: string) => location.rows.find((r) => r.value === value)!;
    // At the source: idea-1, -2, -3, -5 and late-5 → 1 failure of 5. Vendor cloud: 3 of 4 → too few.
    expect(row("at_source")).toMatchObject({ projects: 5, failures: 1, failureShare: 0.2 });
    expect(row("vendor_cloud_eu")).toMatchObject({ projects: 4, tooFew: true, failureShare: null });
    expect(row("unknown")).toMatchObject({ projects: 1, notKnown: true });
    // "not-known" and "silent" left it unanswered (the ongoing one is left out of every count).
    expect(location.unanswered).toBe(2);
    const homeCare = outcomesByFact(filterCases(cases, { careSetting: "home_care" }), "data_location");
    expect(homeCare.overall).toMatchObject({ projects: 2, tooFew: true });
    expect(homeCare.rows.filter((r) => r.projects > 0).map((r) => [r.value, r.projects])).toEqual([
      ["at_source", 1],
      ["vendor_cloud_eu", 1],
    ]);
  });

  it("counts a role named twice once", async () => {
    const roles = outcomesByFact(await ours(), "changed_roles");
    expect(roles.rows.find((r) => r.value === "nurses")).toMatchObject({ projects: 2, tooFew: true });
    expect(roles.rows.find((r) => r.value === "physicians")).toMatchObject({ projects: 1 });
    expect(roles.unanswered).toBe(9);
  });
});
