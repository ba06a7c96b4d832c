// What an author cannot do by editing or submitting, and what an edit writes (issue 10, moderation.ts):
// each refusal names its field with the message the form shows, and changes nothing.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { say } from "../../src/i18n/domain.ts";
import { MAX_ATTACHMENTS } from "../../src/lib/server/attachments.ts";
import { flagPost } from "../../src/lib/server/flags.ts";
import {
  approvePost,
  autoHidePost,
  claimPost,
  dismissFinding,
  hidePost,
  rejectPost,
  replyToFeedback,
  requestChanges,
  restorePost,
  saveDraft,
  submitPost,
} from "../../src/lib/server/moderation.ts";
import type { PrivacyFinding } from "../../src/lib/server/privacy.ts";
import { pngWithText } from "../helpers/files.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, refusalIn, unique, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let editor: Actor;
let moderator: Actor;
let orgId: string;
let otherOrgId: string;

beforeAll(async () => {
  pb = await useTestPocketBase();
  const [e, m] = await Promise.all([createUser(pb), createUser(pb, { role: "moderator" })]);
  orgId = (await createOrganization(pb, [{ userId: e.id, role: "editor" }])).id;
  otherOrgId = (await createOrganization(pb, [{ userId: e.id, role: "editor" }])).id;
  editor = (await loadActor(e.id))!;
  moderator = (await loadActor(m.id))!;
});

const complete = (overrides: Record<string, unknown> = {}) => ({
  kind: "case_study",
  organization: orgId,
  title: `Night-shift fall prediction ${unique("t")}`,
  summary: "A fall-risk model for the night shift that the nurses stopped using after two months.",
  body_md: "## Context\n\nTwo geriatric wards tried a fall-risk score at night.\n\n## What happened\n\nThe alerts came too late to help.",
  language: "en",
  outcome: "failure",
  lifecycle_stage: "stopped",
  care_settings: ["hospital"],
  ai_types: ["predictive_model"],
  ...overrides,
});

/** The post's stored state an edit could change, and its moderation history. */
async function state(id: string) {
  const post = await pb.collection("posts").getOne(id);
  const events = await pb.collection("moderation_events").getFullList({ filter: pb.filter("post = {:p}", { p: id }), fields: "action" });
  const revisions = await pb.collection("revisions").getFullList({ filter: pb.filter("post = {:p}", { p: id }), fields: "id,version,status,note" });
  return {
    post: { title: post.title, slug: post.slug, kind: post.kind, organization: post.organization, status: post.status, updated: post.updated },
    events: events.map((e) => e.action),
    revisions,
  };
}

describe("refused edits change nothing", () => {
  it("a draft for an organisation that does not exist is refused and nothing is created", async () => {
    const count = async () => (await pb.collection("posts").getList(1, 1, { filter: pb.filter("author = {:a}", { a: editor.id }) })).totalItems;
    const before = await count();
    expect(await refusalIn(saveDraft(editor, complete({ organization: "abcdefghij12345" })))).toEqual({
      field: "organization",
      message: say("domain.post.organization"),
    });
    expect(await count()).toBe(before);
  });

  it("an edit cannot move a post to another organisation of its editor, nor change its kind", async () => {
    const { id } = await saveDraft(editor, complete());
    const before = await state(id);
    expect(await refusalIn(saveDraft(editor, complete({ organization: otherOrgId, title: "Moved elsewhere entirely" }), id))).toEqual({
      field: "organization",
      message: say("domain.post.move_org"),
    });
    expect(await refusalIn(saveDraft(editor, complete({ kind: "funding_application", title: "Now an application" }), id))).toEqual({
      field: "kind",
      message: say("domain.post.change_kind"),
    });
    expect(await state(id)).toEqual(before);
  });

  it("a submission names how many fields need attention and stays a draft", async () => {
    const { id } = await saveDraft(editor, { kind: "case_study", organization: orgId, title: "Half", language: "en", summary: "Short." });
    const before = await state(id);
    const refused = await refusalIn(submitPost(editor, id));
    expect(refused.message).toMatch(/^7 fields need your attention before you submit: /);
    expect(await state(id)).toEqual(before);
    const { id: nearly } = await saveDraft(editor, complete({ outcome: undefined }));
    expect((await refusalIn(submitPost(editor, nearly))).message).toMatch(/^One field needs your attention before you submit: /);
  });

  it("a text holding a national register number cannot be submitted, and the draft stays as it was", async () => {
    const { id } = await saveDraft(editor, complete({ body_md: "## Context\n\nThe export still carried 85.07.30-033.28 in one of its rows." }));
    const before = await state(id);
    expect(await refusalIn(submitPost(editor, id))).toEqual({ field: "privacy", message: say("domain.privacy.nrn_post") });
    expect(await state(id)).toEqual(before);
  });

  it("an address that is not a post's id (one character more, capitals) is refused as a post that does not exist", async () => {
    const { id } = await saveDraft(editor, complete());
    const before = await state(id);
    const notFound = { field: "post", message: say("domain.post.not_found") };
    expect(await refusalIn(submitPost(editor, `${id}0`))).toEqual(notFound);
    expect(await refusalIn(saveDraft(editor, complete(), `${id}0`))).toEqual(notFound);
    expect(await refusalIn(submitPost(editor, `A${id.slice(1)}`))).toEqual(notFound);
    expect(await state(id)).toEqual(before);
  });
});

describe("what a draft stores", () => {
  it("headings start at the second level whatever the author began with, and a field left empty renders to nothing", async () => {
    const { id } = await saveDraft(editor, complete({ body_md: "### Context\n\nTwo wards.\n\n#### Details\n\nAt night.", lessons_md: "" }));
    const post = await pb.collection("posts").getOne(id);
    expect(post.body_html).toMatch(/^<h2[^>]*>Context<\/h2>/);
    expect(post.body_html).toMatch(/<h3[^>]*>Details<\/h3>/);
    expect(post).toMatchObject({ lessons_html: "", funder_feedback_html: "", reflection_html: "" });
    const application = await saveDraft(editor, {
      kind: "funding_application",
      organization: orgId,
      funder_name: "Fonds Zorginnovatie",
      title: `Our refused application ${unique("t")}`,
      summary: "Why our application was refused, and what we changed afterwards.",
      body_md: "## Context\n\nWe applied for a triage assistant and were refused.",
      language: "en",
      decision: "rejected",
      rejection_reasons: ["data_governance"],
      reflection_md: "We had not asked our DPO early enough.",
    });
    const stored = await pb.collection("posts").getOne(application.id);
    expect(stored).toMatchObject({ lessons_html: "", funder_feedback_html: "" });
    expect(stored.reflection_html).toContain("asked our DPO");
  });

  it("each kind stores its own facts and none of another kind's, whatever the form sent", async () => {
    const applicationFacts = {
      funder_name: "Fonds Zorginnovatie",
      amount_requested: "87654",
      amount_awarded: "60000",
      submitted_on: "2025-01-15",
      decided_on: "2025-06-30",
      decision: "awarded",
      funder_feedback_md: "A clear plan; the evaluation was thin.",
      reflection_md: "We had not asked our DPO early enough.",
    };
    const caseStudyFacts = {
      started_on: "2024-01-01",
      ended_on: "2024-06-01",
      dpo_involved: true,
      data_sources: "Nursing notes from the electronic record.",
      lessons_md: "- Agree on an alarm budget first.",
      cost_eur: "12000",
      training_hours: "12",
      staff_view: "The night nurses found the alerts too late to act on.",
      process_change: "Rounds moved to the start of the shift.",
      savings_method: "Hours of nursing time counted over three months.",
      // A governance fact applies to a plan too; data quality is learned by running a project.
      ai_act_risk: "high",
      data_quality: "70_to_84",
    };
    const story = await saveDraft(editor, complete({ ...caseStudyFacts, ...applicationFacts }));
    expect(await pb.collection("posts").getOne(story.id)).toMatchObject({
      data_sources: caseStudyFacts.data_sources,
      dpo_involved: true,
      cost_eur: 12000,
      training_hours: 12,
      ai_act_risk: "high",
      data_quality: "70_to_84",
      staff_view: caseStudyFacts.staff_view,
      process_change: caseStudyFacts.process_change,
      savings_method: caseStudyFacts.savings_method,
      funder_name: "",
      amount_requested: 0,
      amount_awarded: 0,
      submitted_on: "",
      decided_on: "",
      decision: "",
      funder_feedback_md: "",
      funder_feedback_html: "",
      reflection_md: "",
      reflection_html: "",
    });
    const application = await saveDraft(editor, {
      ...complete({ ...caseStudyFacts, ...applicationFacts }),
      kind: "funding_application",
      title: `Our awarded application ${unique("t")}`,
    });
    const stored = await pb.collection("posts").getOne(application.id);
    expect(stored).toMatchObject({
      funder_name: "Fonds Zorginnovatie",
      amount_requested: 87654,
      amount_awarded: 60000,
      decision: "awarded",
      funder_feedback_md: applicationFacts.funder_feedback_md,
      started_on: "",
      ended_on: "",
      dpo_involved: false,
      data_sources: "",
      lessons_md: "",
      lessons_html: "",
      outcome: "",
      lifecycle_stage: "",
      cost_eur: 0,
      training_hours: 0,
      ai_act_risk: "high",
      data_quality: "",
      staff_view: "",
      process_change: "",
      savings_method: "",
    });
    expect([stored.submitted_on.slice(0, 10), stored.decided_on.slice(0, 10)]).toEqual(["2025-01-15", "2025-06-30"]);
  });

  it("an anonymous draft stores the coarsest public descriptor until publication; a named one none", async () => {
    const anonymous = await saveDraft(editor, complete({ anonymous: true }));
    expect((await pb.collection("posts").getOne(anonymous.id)).public_descriptor).toBe("organisation");
    const named = await saveDraft(editor, complete({ anonymous: false }));
    expect((await pb.collection("posts").getOne(named.id)).public_descriptor).toBe("");
  });
});

describe("what an edit writes", () => {
  it("a never-published draft's address follows its title; a published post's address stays", async () => {
    const first = await saveDraft(editor, complete({ title: `Wound photos sorted at home ${unique("a")}` }));
    const renamed = await saveDraft(editor, complete({ title: "Pressure ulcer photos classified by a model" }), first.id);
    expect(renamed.slug).toMatch(/^pressure-ulcer-photos-classified-by-a-model/);
    // Saving again under the same title keeps the address it has.
    expect((await saveDraft(editor, complete({ title: "Pressure ulcer photos classified by a model" }), first.id)).slug).toBe(renamed.slug);
    // A title cleared from a draft takes its words out of the address too (drafts may have none).
    const untitled = await saveDraft(editor, complete({ title: "" }), first.id);
    expect(untitled.slug).toMatch(/^draft(-[a-z0-9]+)?$/);
    // Saved again still without a title, it keeps that address.
    expect((await saveDraft(editor, complete({ title: "" }), first.id)).slug).toBe(untitled.slug);
    await saveDraft(editor, complete({ title: "Pressure ulcer photos classified by a model" }), first.id);
    await publish(first.id);
    const { slug } = await pb.collection("posts").getOne(first.id);
    expect(slug).toMatch(/^pressure-ulcer-photos-classified-by-a-model/);
    const edit = await saveDraft(editor, complete({ title: "A wholly different title for the edit" }), first.id);
    expect(edit.slug).toBe(slug);
    expect((await pb.collection("posts").getOne(first.id)).slug).toBe(slug);
  });

  it("the first edit of a published post opens one pending revision; later edits update it", async () => {
    const { id } = await saveDraft(editor, complete());
    await publish(id);
    const published = await state(id);
    expect(published.revisions).toHaveLength(1);
    await saveDraft(editor, complete({ summary: "First edit: the alerts came too late and too often for the night nurses." }), id);
    const once = await state(id);
    const post = await pb.collection("posts").getOne(id, { expand: "pending_revision" });
    expect(post.status).toBe("published");
    expect(post.revision_status).toBe("draft");
    expect(post.expand?.pending_revision).toMatchObject({ version: 2, status: "pending", note: "Edit of the published version", author: editor.id });
    expect(post.expand?.pending_revision.data.summary).toBe("First edit: the alerts came too late and too often for the night nurses.");
    expect(once.events.filter((a) => a === "revision_start")).toHaveLength(1);
    expect(once.revisions).toHaveLength(2);

    await saveDraft(editor, complete({ summary: "Second edit: the alerts came too late for the night nurses to act on." }), id);
    const twice = await state(id);
    expect(twice.revisions).toHaveLength(2);
    expect(twice.events.filter((a) => a === "revision_start")).toHaveLength(1);
    const revision = await pb.collection("revisions").getOne(post.pending_revision);
    expect(revision).toMatchObject({ status: "pending", author: editor.id });
    expect(revision.data.summary).toBe("Second edit: the alerts came too late for the night nurses to act on.");
    // The public version is untouched by either edit.
    expect((await pb.collection("posts").getOne(id)).summary).toBe(complete().summary);
  });
});

/** A draft whose body names two people by title (two findings an author may dismiss). */
async function draftWithNames() {
  const saved = await saveDraft(editor, complete({ body_md: "## Context\n\nDr. Peeters led the pilot with Dr. Janssens on the ward, then it was stopped." }));
  const names = saved.findings.filter((f) => f.kind === "titled_name");
  expect(names).toHaveLength(2);
  return { id: saved.id, names: names as [PrivacyFinding, PrivacyFinding] };
}

const dismissalsOf = async (id: string) => (await pb.collection("posts").getOne(id)).privacy_dismissals;

/** Submits a saved post and has the moderator claim it. */
async function review(id: string): Promise<void> {
  await submitPost(editor, id);
  await claimPost(moderator, id);
}

/** Takes a saved post through review to publication. */
async function publish(id: string): Promise<void> {
  await review(id);
  await approvePost(moderator, id);
}

async function published(): Promise<string> {
  const { id } = await saveDraft(editor, complete());
  await publish(id);
  return id;
}

describe("'not personal data' declarations", () => {
  it("need five characters (trimmed), name their field, and are kept trimmed and at most 500 characters", async () => {
    const { id, names } = await draftWithNames();
    expect(await refusalIn(dismissFinding(editor, id, names[0].id, " lead "))).toEqual({ field: "reason", message: say("domain.privacy.dismiss_reason") });
    expect(await refusalIn(dismissFinding(editor, id, "nosuchfinding", "Our project lead."))).toEqual({
      field: "finding",
      message: say("domain.privacy.finding_gone"),
    });
    expect(await dismissalsOf(id)).toEqual([]);
    await dismissFinding(editor, id, names[0].id, "  lead.  ");
    await dismissFinding(editor, id, names[1].id, `${"A colleague, not a patient. ".repeat(30)}`);
    const stored = await dismissalsOf(id);
    // Both kept: dismissing the second finding does not drop the first.
    expect(stored.map((d: { id: string }) => d.id)).toEqual([names[0].id, names[1].id]);
    expect(stored[0].reason).toBe("lead.");
    expect(stored[1].reason).toHaveLength(500);
  });

  it("a national register number is never dismissed (field 'finding')", async () => {
    const { id, findings } = await saveDraft(editor, complete({ body_md: "## Context\n\nThe export still carried 85.07.30-033.28 in one of its rows." }));
    const number = findings.find((f) => f.blocking)!;
    expect(await refusalIn(dismissFinding(editor, id, number.id, "A test number only."))).toEqual({
      field: "finding",
      message: say("domain.privacy.nrn_never"),
    });
  });

  it("declarations made with a save stay through later saves, and a new one for the same finding replaces the old", async () => {
    const { id, names } = await draftWithNames();
    await saveDraft(editor, complete({ body_md: "## Context\n\nDr. Peeters led the pilot with Dr. Janssens on the ward, then it was stopped." }), id, {}, [
      { id: names[0].id, reason: "Our project lead." },
    ]);
    // A later save without declarations keeps the first one.
    await saveDraft(editor, complete({ body_md: "## Context\n\nDr. Peeters led the pilot with Dr. Janssens on the ward, then it was stopped." }), id);
    expect(await dismissalsOf(id)).toEqual([{ id: names[0].id, reason: "Our project lead." }]);
    await saveDraft(editor, complete({ body_md: "## Context\n\nDr. Peeters led the pilot with Dr. Janssens on the ward, then it was stopped." }), id, {}, [
      { id: names[0].id, reason: "Our project lead, named with her consent." },
      { id: names[1].id, reason: "The ward's head nurse." },
    ]);
    expect(await dismissalsOf(id)).toEqual([
      { id: names[0].id, reason: "Our project lead, named with her consent." },
      { id: names[1].id, reason: "The ward's head nurse." },
    ]);
    // Declaring one finding again leaves the other's declaration as it was.
    await saveDraft(editor, complete({ body_md: "## Context\n\nDr. Peeters led the pilot with Dr. Janssens on the ward, then it was stopped." }), id, {}, [
      { id: names[1].id, reason: "The ward's head nurse, since retired." },
    ]);
    expect(await dismissalsOf(id)).toEqual([
      { id: names[0].id, reason: "Our project lead, named with her consent." },
      { id: names[1].id, reason: "The ward's head nurse, since retired." },
    ]);
  });

  it("on an edit of a published post, a declaration goes to the pending revision, not the live post", async () => {
    const id = await published();
    await saveDraft(editor, complete({ body_md: "## Context\n\nDr. Peeters led the pilot with Dr. Janssens on the ward, then it was stopped." }), id);
    const post = await pb.collection("posts").getOne(id, { expand: "pending_revision" });
    const name = (post.expand!.pending_revision.data.privacy_findings as PrivacyFinding[]).find((f) => f.kind === "titled_name")!;
    await dismissFinding(editor, id, name.id, "Our project lead.");
    const after = await pb.collection("posts").getOne(id, { expand: "pending_revision" });
    expect(after.expand?.pending_revision.data.privacy_dismissals).toEqual([{ id: name.id, reason: "Our project lead." }]);
    expect(after.privacy_dismissals).toEqual([]);
  });
});

describe("what a submission writes", () => {
  it("the first submission keeps the submitted version; a resubmission clears the moderator's earlier feedback", async () => {
    const { id } = await saveDraft(editor, complete());
    await submitPost(editor, id);
    const [version] = (await state(id)).revisions;
    expect(version).toMatchObject({ version: 1, status: "superseded", note: "Submitted version" });
    await claimPost(moderator, id);
    await requestChanges(moderator, id, "Say how many patients were involved.");
    expect((await pb.collection("posts").getOne(id)).feedback).toBe("Say how many patients were involved.");
    await submitPost(editor, id);
    const post = await pb.collection("posts").getOne(id);
    expect(post).toMatchObject({ status: "submitted", feedback: "", claimed_by: "" });
  });

  it("submitting an edit of a published post puts the revision (with its findings) up for review", async () => {
    const id = await published();
    await saveDraft(editor, complete({ body_md: "## Context\n\nDr. Peeters led the pilot, then it was stopped." }), id);
    await submitPost(editor, id);
    const post = await pb.collection("posts").getOne(id, { expand: "pending_revision" });
    expect(post.status).toBe("published");
    expect(post.revision_status).toBe("submitted");
    expect(post.expand?.pending_revision.status).toBe("pending");
    expect((post.expand!.pending_revision.data.privacy_findings as PrivacyFinding[]).map((f) => f.kind)).toContain("titled_name");
  });

  it("a submission scans again: a finding the saved version lacks (saved before a rule existed) is stored with it, for a draft and for an edit", async () => {
    const names = "## Context\n\nDr. Peeters led the pilot, then it was stopped.";
    const kinds = (findings: unknown) => (findings as PrivacyFinding[]).map((f) => f.kind);
    const { id: draft } = await saveDraft(editor, complete({ body_md: names }));
    await pb.collection("posts").update(draft, { privacy_findings: [] });
    await submitPost(editor, draft);
    expect(kinds((await pb.collection("posts").getOne(draft)).privacy_findings)).toContain("titled_name");

    const live = await published();
    await saveDraft(editor, complete({ body_md: names }), live);
    const { pending_revision: revisionId } = await pb.collection("posts").getOne(live);
    const revision = await pb.collection("revisions").getOne(revisionId);
    await pb.collection("revisions").update(revisionId, { data: { ...revision.data, privacy_findings: [] } });
    await submitPost(editor, live);
    expect(kinds((await pb.collection("revisions").getOne(revisionId)).data.privacy_findings)).toContain("titled_name");
  });
});

describe("attachments through an edit", () => {
  const png = async (name: string) => new File([await pngWithText()], name, { type: "image/png" });

  it("an empty file field (no file chosen) adds nothing; at the limit, removing one makes room for one", async () => {
    const files = await Promise.all(Array.from({ length: MAX_ATTACHMENTS }, (_, i) => png(`chart-${i}.png`)));
    const { id } = await saveDraft(editor, complete(), undefined, { add: files });
    const stored = (await pb.collection("posts").getOne(id)).attachments as string[];
    expect(stored).toHaveLength(MAX_ATTACHMENTS);
    await saveDraft(editor, complete(), id, { add: [new File([], "", { type: "application/octet-stream" })] });
    expect((await pb.collection("posts").getOne(id)).attachments).toEqual(stored);
    expect((await refusalIn(saveDraft(editor, complete(), id, { add: [await png("one-more.png")] }))).field).toBe("attachments");
    await saveDraft(editor, complete(), id, { add: [await png("replacement.png")], remove: [stored[0]!] });
    const after = (await pb.collection("posts").getOne(id)).attachments as string[];
    expect(after).toHaveLength(MAX_ATTACHMENTS);
    expect(after).not.toContain(stored[0]);
  });

  it("an edit of a published post neither adds nor removes the live post's files unreviewed", async () => {
    const { id } = await saveDraft(editor, complete(), undefined, { add: [await png("chart.png")] });
    await publish(id);
    const live = (await pb.collection("posts").getOne(id)).attachments as string[];
    expect(live).toHaveLength(1);
    await saveDraft(editor, complete(), id, { add: [await png("late-chart.png")], remove: live });
    expect((await pb.collection("posts").getOne(id)).attachments).toEqual(live);
  });

  it("files sent with an edit of a published post are not even read: one a draft would refuse does not stop the edit", async () => {
    const { id } = await saveDraft(editor, complete());
    await publish(id);
    const notAnImage = new File([new TextEncoder().encode("MZ\x90 not an image at all")], "chart.png", { type: "image/png" });
    // The same file on a draft is refused for what it is.
    await expect(saveDraft(editor, complete(), undefined, { add: [notAnImage] })).rejects.toThrow(/“chart.png” is not a PDF, PNG or JPEG/);
    await saveDraft(editor, complete({ summary: "An edit sent along with a file that is not an image." }), id, { add: [notAnImage] });
    const post = await pb.collection("posts").getOne(id, { expand: "pending_revision" });
    expect([post.attachments, post.expand?.pending_revision?.data?.summary]).toEqual([[], "An edit sent along with a file that is not an image."]);
  });
});

describe("claiming", () => {
  it("only a submitted post is claimed, and one another moderator holds names them; the form shows both on the post", async () => {
    const { id } = await saveDraft(editor, complete());
    expect(await refusalIn(claimPost(moderator, id))).toEqual({ field: "post", message: say("domain.review.claim_submitted_only") });
    await review(id);
    const other = (await loadActor((await createUser(pb, { role: "moderator", name: "Olga Other" })).id))!;
    expect(await refusalIn(claimPost(other, id))).toEqual({ field: "post", message: say("domain.review.claimed_by", { name: moderator.name }) });
    expect((await pb.collection("posts").getOne(id)).claimed_by).toBe(moderator.id);
    expect(await refusalIn(approvePost(other, id))).toEqual({ field: "post", message: say("domain.review.reviewing_by", { name: moderator.name }) });
  });

  it("a post nobody claimed is not approved: the moderator is asked to claim it first", async () => {
    const { id } = await saveDraft(editor, complete());
    await submitPost(editor, id);
    expect(await refusalIn(approvePost(moderator, id))).toEqual({ field: "post", message: say("domain.review.claim_first") });
    expect((await pb.collection("posts").getOne(id)).status).toBe("submitted");
  });
});

describe("approval notes", () => {
  it("a moderator's note on an approval (and on an edit's approval) is kept trimmed as the author's feedback", async () => {
    const { id } = await saveDraft(editor, complete());
    await review(id);
    await approvePost(moderator, id, "  Clear and useful.  ");
    expect((await pb.collection("posts").getOne(id)).feedback).toBe("Clear and useful.");
    await saveDraft(editor, complete({ summary: "An edit: the alerts came too late for the night nurses to act on them." }), id);
    await review(id);
    await approvePost(moderator, id, "\tThanks for the update.\n");
    expect(await pb.collection("posts").getOne(id)).toMatchObject({
      feedback: "Thanks for the update.",
      summary: "An edit: the alerts came too late for the night nurses to act on them.",
      pending_revision: "",
      revision_status: "",
    });
  });
});

describe("what a moderator and an author must write", () => {
  async function claimed(): Promise<string> {
    const { id } = await saveDraft(editor, complete());
    await review(id);
    return id;
  }

  it("a return needs five characters (trimmed), on the note's field; five are enough", async () => {
    const id = await claimed();
    expect(await refusalIn(requestChanges(moderator, id, "  Fixe  "))).toEqual({ field: "note", message: say("domain.review.return_note") });
    expect((await pb.collection("posts").getOne(id)).status).toBe("in_review");
    await requestChanges(moderator, id, " Why?! ");
    expect(await pb.collection("posts").getOne(id)).toMatchObject({ status: "changes_requested", feedback: "Why?!" });
  });

  it("a refusal needs a reason from the list and an explanation of five characters, each on its field", async () => {
    const id = await claimed();
    expect(await refusalIn(rejectPost(moderator, id, "too_boring", "Nothing new in it."))).toEqual({
      field: "reason_code",
      message: say("domain.review.reason_list"),
    });
    expect(await refusalIn(rejectPost(moderator, id, "not_about_ai", " Nope "))).toEqual({ field: "note", message: say("domain.review.explain") });
    expect((await pb.collection("posts").getOne(id)).status).toBe("in_review");
    await rejectPost(moderator, id, "not_about_ai", "Nope.");
    expect((await pb.collection("posts").getOne(id)).status).toBe("rejected");
  });

  it("an author's answer to feedback is 2 to 5,000 characters, on the answer's field", async () => {
    const id = await claimed();
    await requestChanges(moderator, id, "Say how many patients were involved.");
    expect(await refusalIn(replyToFeedback(editor, id, "  a "))).toEqual({ field: "reply", message: say("domain.review.reply_empty") });
    expect(await refusalIn(replyToFeedback(editor, id, "x".repeat(5001)))).toEqual({ field: "reply", message: say("domain.review.reply_max", { max: 5000 }) });
    await replyToFeedback(editor, id, "ok");
    const events = await pb.collection("moderation_events").getFullList({ filter: pb.filter("post = {:p} && action = 'author_reply'", { p: id }) });
    expect(events.map((e) => e.note)).toEqual(["ok"]);
  });
});

describe("hiding and restoring", () => {
  const decisions = async (title: string) =>
    (await pb.collection("notifications").getFullList({ filter: pb.filter("user = {:u} && kind = 'post_decision'", { u: editor.id }), sort: "created,@rowid" }))
      .filter((n) => n.params.title === title)
      .map((n) => ({ decision: n.params.decision, note: n.params.note, link: n.link }));

  it("only a published post is hidden, with a note of five characters; the author is told why, and of the restoration", async () => {
    const input = complete();
    const { id, slug } = await saveDraft(editor, input);
    expect(await refusalIn(hidePost(moderator, id, "Named a patient."))).toEqual({ field: "post", message: say("domain.review.hide_published_only") });
    await publish(id);
    expect(await refusalIn(restorePost(moderator, id))).toEqual({ field: "post", message: say("domain.review.restore_hidden_only") });
    expect(await refusalIn(hidePost(moderator, id, " Why "))).toEqual({ field: "note", message: say("domain.review.hide_note") });
    expect((await pb.collection("posts").getOne(id)).status).toBe("published");
    await hidePost(moderator, id, "  It names a ward and a date.  ");
    await restorePost(moderator, id, "Checked: no patient can be recognised.");
    const told = (await decisions(input.title)).filter((n) => n.decision === "hidden" || n.decision === "restored");
    expect(told).toEqual([
      { decision: "hidden", note: "It names a ward and a date.", link: `/dashboard/posts/${id}` },
      { decision: "restored", note: "Checked: no patient can be recognised.", link: `/posts/${slug}` },
    ]);
  });

  it("restoring a post dismisses its own open flags and no other post's", async () => {
    const reader = (await loadActor((await createUser(pb, { name: "Rita Reader" })).id))!;
    const [hidden, other] = [await published(), await published()];
    await flagPost(reader, hidden, "spam");
    await flagPost(reader, other, "spam");
    await hidePost(moderator, hidden, "Looks like an advert.");
    await restorePost(moderator, hidden, "It is not an advert.");
    const flagOf = async (post: string) => (await pb.collection("flags").getFirstListItem(pb.filter("post = {:p}", { p: post }))).status;
    expect(await flagOf(hidden)).toBe("dismissed");
    expect(await flagOf(other)).toBe("open");
  });

  it("a restoration without a note records none and tells the author without one", async () => {
    const id = await published();
    const { title } = await pb.collection("posts").getOne(id);
    await hidePost(moderator, id, "Looks like an advert.");
    await restorePost(moderator, id);
    const restore = await pb.collection("moderation_events").getFirstListItem(pb.filter("post = {:p} && action = 'restore'", { p: id }));
    expect(restore.note).toBe("");
    expect((await decisions(title)).filter((n) => n.decision === "restored").map((n) => n.note)).toEqual([""]);
  });

  it("hiding by the system (flags) applies to a published post only, and tells its author where to look", async () => {
    const input = complete();
    const { id } = await saveDraft(editor, input);
    await autoHidePost(await pb.collection("posts").getOne(id), "Three readers flagged it.");
    expect((await pb.collection("posts").getOne(id)).status).toBe("draft");
    await publish(id);
    await autoHidePost(await pb.collection("posts").getOne(id), "Three readers flagged it.");
    expect((await pb.collection("posts").getOne(id)).status).toBe("hidden");
    const flagged = await pb.collection("notifications").getFullList({ filter: pb.filter("user = {:u} && kind = 'post_flagged'", { u: editor.id }) });
    expect(flagged.filter((n) => n.params.title === input.title).map((n) => n.link)).toEqual([`/dashboard/posts/${id}`]);
  });

  it("the author's notice of a published edit links to the public page", async () => {
    const id = await published();
    const { slug, title } = await pb.collection("posts").getOne(id);
    await saveDraft(editor, complete({ title, summary: "An edit of the summary, long enough to pass." }), id);
    await publish(id);
    const told = (await decisions(title)).filter((n) => n.decision === "revision_published").map((n) => n.link);
    expect(told).toEqual([`/posts/${slug}`]);
  });

  it("a refusal's explanation is kept trimmed as the author's feedback", async () => {
    const { id } = await saveDraft(editor, complete());
    await review(id);
    await rejectPost(moderator, id, "not_about_ai", "  This is about billing, not care.  ");
    expect((await pb.collection("posts").getOne(id)).feedback).toBe("This is about billing, not care.");
  });
});
