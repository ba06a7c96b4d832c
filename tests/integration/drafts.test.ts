// Writing without losing work (issue 11 §1–§3, §6): a draft saves with whatever is there,
// the full rules apply on submit, a template alone is no story, "not personal data"
// declarations travel with a save, findings carry their sentence, a draft preview has no date.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/lib/server/errors.ts";
import { approvePost, claimPost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { submissionProblems } from "../../src/lib/server/postinput.ts";
import { getPreviewPost, getPrivatePost } from "../../src/lib/server/queues.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { storyTemplate } from "../../src/lib/templates.ts";
import { createOrganization, createUser, titleBreakingAt, unique, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let editor: Actor;
let moderator: Actor;
let orgId: string;

beforeAll(async () => {
  pb = await useTestPocketBase();
  const [e, m] = await Promise.all([createUser(pb), createUser(pb, { role: "moderator" })]);
  orgId = (await createOrganization(pb, [{ userId: e.id, role: "editor" }])).id;
  editor = (await loadActor(e.id))!;
  moderator = (await loadActor(m.id))!;
});

const complete = () => ({
  kind: "case_study",
  organization: orgId,
  title: `Discharge letters drafted by a language model ${unique("t")}`,
  summary: "We let a language model draft discharge letters for two wards and stopped after a quarter.",
  body_md: "## Context\n\nTwo internal medicine wards tried drafted discharge letters for three months.\n\n## What happened\n\nDoctors rewrote most of them.",
  language: "en",
  outcome: "failure",
  lifecycle_stage: "stopped",
  care_settings: ["hospital"],
  ai_types: ["llm"],
});

async function refusal(call: () => Promise<unknown>): Promise<ValidationError> {
  const error = await call().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe("a draft saves with whatever is there", () => {
  it("an almost empty case study is saved, cannot be submitted, and is submitted once complete", async () => {
    const saved = await saveDraft(editor, { kind: "case_study", organization: orgId, title: "Half", language: "en" });
    const stored = await pb.collection("posts").getOne(saved.id);
    expect(stored.status).toBe("draft");
    expect(stored.title).toBe("Half");
    expect(stored.outcome).toBe("");

    const refused = await refusal(() => submitPost(editor, saved.id));
    expect(refused.field).toBe("title");
    expect(refused.message).toMatch(/fields need your attention before you submit: Give a title of at least 8 characters/);
    expect((await pb.collection("posts").getOne(saved.id)).status).toBe("draft");
    const problems = submissionProblems(stored, { kind: "case_study", organization: orgId, publishedBy: null });
    expect(Object.keys(problems).sort()).toEqual(["ai_types", "body_md", "care_settings", "lifecycle_stage", "outcome", "summary", "title"]);

    await saveDraft(editor, complete(), saved.id);
    await expect(submitPost(editor, saved.id)).resolves.toEqual({ status: "submitted" });
  });

  it("a funding application without decision or amount saves; submitting names what is missing", async () => {
    const saved = await saveDraft(editor, { kind: "funding_application", organization: orgId, title: "Application to a regional fund", language: "en" });
    const stored = await pb.collection("posts").getOne(saved.id);
    const problems = submissionProblems(stored, { kind: "funding_application", organization: orgId, publishedBy: null });
    expect(problems).toMatchObject({ funder_name: expect.any(String), decision: expect.any(String), amount_requested: expect.any(String) });
    await refusal(() => submitPost(editor, saved.id));
  });

  it("contradictory dates are refused even in a draft, and nothing is written", async () => {
    const before = (await pb.collection("posts").getList(1, 1, { filter: pb.filter("author = {:a}", { a: editor.id }) })).totalItems;
    const refused = await refusal(() => saveDraft(editor, { ...complete(), started_on: "2025-05-01", ended_on: "2025-01-01" }));
    expect(refused.field).toBe("ended_on");
    const after = (await pb.collection("posts").getList(1, 1, { filter: pb.filter("author = {:a}", { a: editor.id }) })).totalItems;
    expect(after).toBe(before);
  });

  it("a draft without a title gets an address once it has one", async () => {
    const saved = await saveDraft(editor, { kind: "case_study", organization: orgId, language: "en" });
    expect(saved.slug).toMatch(/^draft/);
    const title = `Wound photos classified at home ${unique("w")}`;
    const again = await saveDraft(editor, { kind: "case_study", organization: orgId, language: "en", title }, saved.id);
    expect(again.slug.startsWith("wound-photos-classified-at-home")).toBe(true);
    expect((await pb.collection("posts").getOne(saved.id)).slug).toBe(again.slug);
  });

  it("a long title whose words break where the address is cut saves, under an address without a trailing hyphen", async () => {
    const { title, slug } = titleBreakingAt(80);
    const saved = await saveDraft(editor, { ...complete(), title });
    expect(saved.slug).toBe(slug);
    const twice = await saveDraft(editor, { ...complete(), title });
    expect(twice.slug).toBe(`${slug}-2`);
  });
});

describe("a story that is only the template headings", () => {
  it("saves, but cannot be submitted", async () => {
    const saved = await saveDraft(editor, { ...complete(), body_md: storyTemplate("case_study", "en") });
    const refused = await refusal(() => submitPost(editor, saved.id));
    expect(refused.field).toBe("body_md");
    expect(refused.message).toMatch(/only headings/);
    expect((await pb.collection("posts").getOne(saved.id)).status).toBe("draft");
  });

  it("one sentence under the headings is a story", async () => {
    const saved = await saveDraft(editor, { ...complete(), body_md: `${storyTemplate("case_study", "en")}It failed.` });
    await expect(submitPost(editor, saved.id)).resolves.toEqual({ status: "submitted" });
  });

  it("an untouched template follows the post's language when it is saved", async () => {
    const saved = await saveDraft(editor, { ...complete(), language: "fr", body_md: storyTemplate("case_study", "en") });
    expect((await pb.collection("posts").getOne(saved.id)).body_md).toBe(storyTemplate("case_study", "fr"));
    const written = `${storyTemplate("case_study", "en")}Our own words.`;
    const kept = await saveDraft(editor, { ...complete(), language: "nl", body_md: written });
    expect((await pb.collection("posts").getOne(kept.id)).body_md).toBe(written);
  });
});

describe("not personal data, declared with a save", () => {
  it("applies the reason to the finding the same save produced, and never to a national number", async () => {
    const body = "## Context\n\nThe ward's **shared line** is 02 555 12 34, not a patient's. Patient 85.07.30-033.28 was mentioned by mistake.";
    const saved = await saveDraft(editor, { ...complete(), body_md: body });
    const phone = saved.findings.find((f) => f.kind === "phone");
    const national = saved.findings.find((f) => f.kind === "national_number");
    if (!phone || !national) throw new Error(`expected a phone and a national-number finding, got ${saved.findings.map((f) => f.kind).join(", ")}`);
    const again = await saveDraft(editor, { ...complete(), body_md: body }, saved.id, {}, [
      { id: phone.id, reason: "The ward's switchboard number, public on our website." },
      { id: national.id, reason: "It is not a real person." },
    ]);
    expect(again.findings.find((f) => f.id === phone.id)?.dismissed?.reason).toBe("The ward's switchboard number, public on our website.");
    expect(again.findings.find((f) => f.id === national.id)?.dismissed).toBeUndefined();
    const stored = await pb.collection("posts").getOne(saved.id);
    expect(stored.privacy_dismissals).toEqual(expect.arrayContaining([expect.objectContaining({ id: phone.id })]));
  });
});

describe("findings say where they are", () => {
  it("each finding carries its field and its sentence", async () => {
    const saved = await saveDraft(editor, {
      ...complete(),
      summary: "We tested it with Dr. Peeters on two wards. It did not go well at all.",
      body_md: "## Context\n\nNurses called 0470 12 34 56 at night. Then it stopped.",
    });
    const phone = saved.findings.find((f) => f.kind === "phone")!;
    expect(phone.field).toBe("body_md");
    expect(phone.sentence).toBe("Nurses called 0470 12 34 56 at night.");
    const name = saved.findings.find((f) => f.kind === "titled_name")!;
    expect(name.field).toBe("summary");
    expect(name.sentence).toBe("We tested it with Dr. Peeters on two wards.");
  });
});

describe("the preview of a draft", () => {
  it("carries no publication date; a published post keeps its real one", async () => {
    const saved = await saveDraft(editor, complete());
    expect((await getPreviewPost(editor, "en", saved.id))?.publishedAt).toBeNull();
    await submitPost(editor, saved.id);
    await claimPost(moderator, saved.id);
    await approvePost(moderator, saved.id);
    const published = await pb.collection("posts").getOne(saved.id);
    await saveDraft(editor, { ...complete(), title: published.title, summary: "A revised summary of what we tried and how it ended." }, saved.id);
    expect((await getPreviewPost(editor, "en", saved.id))?.publishedAt).toBe(published.published_at);
    // A revision is checked against the full rules too, with the kind of its post.
    const view = await getPrivatePost(editor, saved.id);
    expect(submissionProblems(view!.data, { kind: "case_study", organization: orgId, publishedBy: null })).toEqual({});
  });
});
