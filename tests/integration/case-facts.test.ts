// Issue 17 §1 through the real domain against a real PocketBase: a case study's governance and
// data facts round-trip through draft, submission, moderation and publication into the public
// projection (the post page and /api/posts read it); an edit of a published post changes them only
// when its revision is approved; bad codes and numbers are refused by field, storing nothing; an
// anonymous case study keeps every fact and never its organisation; other kinds store none.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { approvePost, claimPost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { getPublishedPost } from "../../src/lib/server/posts.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { caseStudyInput, publishThroughModeration, word } from "./search-helpers.ts";
import { createOrganization, createUser, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let editor: Actor;
let moderator: Actor;
let org: { id: string; slug: string; name: string };

const FACTS = {
  human_oversight: "every_output",
  dpo_involvement: "from_idea",
  dpia: "yes",
  ethics_review: "unknown",
  data_location: "at_source",
  data_sharing: "network",
  data_quality: "70_to_84",
  coding_corrected: "yes",
  medical_device: "class_iia",
  ai_act_risk: "high",
  nis2: "no",
  changed_roles: ["nurses", "physicians"],
  training_hours: "6",
  staff_view: "The night nurses trusted it after two weeks.",
  process_change: "Triage moved from the morning round to the evening.",
  cost_eur: "120000",
  cost_yearly_eur: "18000",
  savings_eur: "45000",
  savings_method: "Hours counted before and after, over three months.",
  payback_months: "30",
};

const slugOf = async (id: string) => String((await pb.collection("posts").getOne(id)).slug);

beforeAll(async () => {
  pb = await useTestPocketBase();
  const [e, m] = await Promise.all([createUser(pb), createUser(pb, { role: "moderator" })]);
  org = await createOrganization(pb, [{ userId: e.id, role: "editor" }]);
  editor = (await loadActor(e.id))!;
  moderator = (await loadActor(m.id))!;
});

describe("a case study's facts", () => {
  it("go from the draft to the published post's public projection, each as the author answered it", async () => {
    const id = await publishThroughModeration(editor, moderator, caseStudyInput(org.id, word(), undefined, FACTS));
    const post = await getPublishedPost("en", await slugOf(id));
    expect(post?.caseFacts).toEqual({
      codes: {
        human_oversight: "every_output",
        dpo_involvement: "from_idea",
        dpia: "yes",
        ethics_review: "unknown",
        data_location: "at_source",
        data_sharing: "network",
        data_quality: "70_to_84",
        coding_corrected: "yes",
        medical_device: "class_iia",
        ai_act_risk: "high",
        nis2: "no",
      },
      changedRoles: ["nurses", "physicians"],
      trainingHours: 6,
      staffView: "The night nurses trusted it after two weeks.",
      processChange: "Triage moved from the morning round to the evening.",
      costYearlyEur: 18000,
      savingsEur: 45000,
      savingsMethod: "Hours counted before and after, over three months.",
      paybackMonths: 30,
    });
    expect(post?.costEur).toBe(120000);
    // The old yes/no follows the stage: involved from the idea is involved.
    expect((await pb.collection("posts").getOne(id)).dpo_involved).toBe(true);
  });

  it("the old DPO yes/no follows the stage when one is chosen, and the checkbox when the stage is left open or unknown", async () => {
    const rows: [string | undefined, boolean, boolean][] = [
      ["before_pilot", false, true],
      ["not_involved", true, false],
      [undefined, true, true],
      [undefined, false, false],
      ["unknown", true, true],
      ["unknown", false, false],
    ];
    const stored: boolean[] = [];
    for (const [stage, checked] of rows) {
      const { id } = await saveDraft(editor, caseStudyInput(org.id, word(), undefined, { dpo_involvement: stage, dpo_involved: checked ? "on" : "" }));
      stored.push((await pb.collection("posts").getOne(id)).dpo_involved);
    }
    expect(stored).toEqual(rows.map(([, , involved]) => involved));
  });

  it("left unanswered are absent, not “no” or 0", async () => {
    const id = await publishThroughModeration(editor, moderator, caseStudyInput(org.id, word()));
    const post = await getPublishedPost("en", await slugOf(id));
    expect(post?.caseFacts).toEqual({
      codes: {},
      changedRoles: [],
      trainingHours: null,
      staffView: null,
      processChange: null,
      costYearlyEur: null,
      savingsEur: null,
      savingsMethod: null,
      paybackMonths: null,
    });
  });

  it("change on the public page only when the edit's revision is approved", async () => {
    const id = await publishThroughModeration(editor, moderator, caseStudyInput(org.id, word(), undefined, FACTS));
    const slug = await slugOf(id);
    const live = await pb.collection("posts").getOne(id);
    await saveDraft(editor, caseStudyInput(org.id, word(), live.title, { ...FACTS, dpo_involvement: "after_go_live", human_oversight: "none" }), id);
    await submitPost(editor, id);
    expect((await getPublishedPost("en", slug))?.caseFacts?.codes).toMatchObject({ dpo_involvement: "from_idea", human_oversight: "every_output" });
    await claimPost(moderator, id);
    await approvePost(moderator, id);
    expect((await getPublishedPost("en", slug))?.caseFacts?.codes).toMatchObject({ dpo_involvement: "after_go_live", human_oversight: "none" });
  });

  it.each([
    ["a code outside its list", { human_oversight: "mostly" }, "human_oversight"],
    ["a role outside the list", { changed_roles: ["nurses", "ceo"] }, "changed_roles"],
    ["negative training hours", { training_hours: "-3" }, "training_hours"],
    ["a payback beyond 50 years", { payback_months: "601" }, "payback_months"],
    ["savings in words", { savings_eur: "a lot" }, "savings_eur"],
  ])("refuse %s by its field and store nothing", async (_name, bad, field) => {
    const marker = word();
    const before = (await pb.collection("posts").getList(1, 1, { filter: pb.filter("organization = {:o}", { o: org.id }) })).totalItems;
    await expect(saveDraft(editor, caseStudyInput(org.id, marker, undefined, bad))).rejects.toMatchObject({ field });
    expect((await pb.collection("posts").getList(1, 1, { filter: pb.filter("organization = {:o}", { o: org.id }) })).totalItems).toBe(before);
  });

  it("stay on an anonymous case study, amounts to two figures, and its projection still names no organisation", async () => {
    const exact = { cost_eur: "123456", cost_yearly_eur: "18250", savings_eur: "9449" };
    const id = await publishThroughModeration(editor, moderator, caseStudyInput(org.id, word(), undefined, { ...FACTS, ...exact, anonymous: true }));
    const post = await getPublishedPost("en", await slugOf(id));
    // Every fact stays: they describe the project, not who ran it.
    expect(Object.keys(post?.caseFacts?.codes ?? {})).toHaveLength(11);
    expect(post?.caseFacts?.codes.dpo_involvement).toBe("from_idea");
    // An exact figure could be matched to a tender or budget line that names the organisation.
    expect([post?.costEur, post?.caseFacts?.costYearlyEur, post?.caseFacts?.savingsEur]).toEqual([120000, 18000, 9400]);
    expect(post?.caseFacts?.trainingHours).toBe(6);
    expect(post?.organization).toBeNull();
    const json = JSON.stringify(post);
    for (const secret of [org.name, org.slug, org.id, editor.name]) expect(json).not.toContain(secret);
  });

  it("on a funding application are those of its plan only", async () => {
    const { id } = await saveDraft(editor, {
      kind: "funding_application",
      organization: org.id,
      title: `Refused application ${word()}`,
      summary: "Our application for a sepsis model was refused.",
      body_md: "## The project\n\nA model for sepsis.\n\n## Why it was refused\n\nBudget.",
      language: "en",
      tags: "sepsis",
      anonymous: false,
      funder_name: "A regional fund",
      decision: "rejected",
      amount_requested: "90000",
      rejection_reasons: ["budget_or_roi"],
      ...FACTS,
    });
    const stored = await pb.collection("posts").getOne(id);
    // The plan's governance is kept; what is learned by running a project is not.
    expect([stored.human_oversight, stored.dpo_involvement, stored.data_location, stored.ai_act_risk]).toEqual([
      "every_output",
      "from_idea",
      "at_source",
      "high",
    ]);
    expect([stored.data_quality, stored.nis2, stored.changed_roles, stored.training_hours, stored.staff_view, stored.savings_eur]).toEqual([
      "",
      "",
      [],
      0,
      "",
      0,
    ]);
  });
});
