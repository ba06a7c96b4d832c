// Issue 9 §9 through the real domain: every path that renders user Markdown (drafts, funder
// decisions, calls, imports) refuses over-budget Markdown by field and writes nothing.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { recordDecisions, saveCall } from "../../src/lib/server/funding.ts";
import { validateImport } from "../../src/lib/server/importer.ts";
import { saveDraft } from "../../src/lib/server/moderation.ts";
import { buildSearchDocument } from "../../src/lib/server/search/documents.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, unique, useTestPocketBase } from "./setup.ts";

// marked needs seconds to minutes on these (issue 9 §9); each fits its field's length limit.
const SLOW_100K = "_a".repeat(50_000);
const SLOW_50K = "*_a".repeat(16_666);
const SLOW_20K = "*_a".repeat(6_666);

let pb: PocketBase;
let editor: Actor;
let editorEmail: string;
let funderEditor: Actor;
let org: { id: string; slug: string };
let funderId: string;

beforeAll(async () => {
  pb = await useTestPocketBase();
  const [e, fe] = await Promise.all([createUser(pb), createUser(pb)]);
  editorEmail = e.email;
  org = await createOrganization(pb, [{ userId: e.id, role: "editor" }], { kind: "hospital", region: "flanders" });
  funderId = (await createOrganization(pb, [{ userId: fe.id, role: "editor" }], { kind: "funder", name: `Fund ${unique("f")}` })).id;
  [editor, funderEditor] = (await Promise.all([loadActor(e.id), loadActor(fe.id)])) as [Actor, Actor];
});

const draft = (overrides: Record<string, unknown>) => ({
  kind: "case_study",
  organization: org.id,
  title: `Budget probe ${unique("b")}`,
  summary: "A case study whose Markdown is far too costly to render.",
  body_md: "A story that is long enough for the form's own minimum length.",
  language: "en",
  outcome: "failure",
  care_settings: ["hospital"],
  ai_types: ["nlp"],
  lifecycle_stage: "pilot",
  ...overrides,
});

async function postsTitled(title: string): Promise<number> {
  return (await pb.collection("posts").getList(1, 1, { filter: pb.filter("title = {:t}", { t: title }) })).totalItems;
}

describe("Markdown budget in the domain", () => {
  // Each Markdown field names itself in the refusal; an application's two are only rendered on its kind.
  const application = { kind: "funding_application", funder_name: "A regional fund", decision: "rejected" };
  it.each([
    ["body_md", SLOW_100K, "The formatting of the story is too complex", {}],
    ["lessons_md", SLOW_50K, "The formatting of the lessons learned is too complex", {}],
    ["funder_feedback_md", SLOW_50K, "The formatting of what the funder said is too complex", application],
    ["reflection_md", SLOW_50K, "The formatting of what you would do differently is too complex", application],
  ])("a draft with slow %s is refused by field and not created", async (field, markdown, message, kind) => {
    const input = draft({ ...kind, [field]: markdown });
    await expect(saveDraft(editor, input)).rejects.toMatchObject({ name: "ValidationError", field, message: expect.stringContaining(message) });
    expect(await postsTitled(input.title as string)).toBe(0);
  });

  it("an edit with a slow story is refused and the draft keeps its text", async () => {
    const input = draft({});
    const { id } = await saveDraft(editor, input);
    await expect(saveDraft(editor, { ...input, body_md: SLOW_100K }, id)).rejects.toMatchObject({ field: "body_md" });
    expect((await pb.collection("posts").getOne(id)).body_md).toBe(input.body_md);
  });

  it("a funder decision with slow feedback is refused and no record is written", async () => {
    const { slug } = await saveCall(funderEditor, funderId, {
      title: `Budget call ${unique("c")}`,
      description: "A call used to test the Markdown budget.",
      status: "closed",
      currency: "EUR",
    });
    const call = await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: slug }));
    const title = `Refused with slow feedback ${unique("d")}`;
    const row = {
      title,
      applicantType: "anonymous",
      applicant: "",
      applicantKind: "hospital",
      applicantRegion: "flanders",
      amountRequested: 1000,
      decision: "rejected",
      decidedOn: "2025-06-30",
      rejectionReasons: ["budget_or_roi"],
      feedback: SLOW_50K,
    };
    await expect(recordDecisions(funderEditor, call.id, [row])).rejects.toMatchObject({
      name: "ValidationError",
      field: "feedback",
      message: expect.stringContaining(`the feedback of "${title}"`),
    });
    expect(await postsTitled(title)).toBe(0);
  });

  it("a call with a slow description is refused by field and not created", async () => {
    const title = `Slow call ${unique("c")}`;
    await expect(saveCall(funderEditor, funderId, { title, description: SLOW_20K, status: "open", currency: "EUR" })).rejects.toMatchObject({
      name: "ValidationError",
      field: "description",
      message: expect.stringContaining("The formatting of the description is too complex"),
    });
    expect((await pb.collection("funding_calls").getList(1, 1, { filter: pb.filter("title = {:t}", { t: title }) })).totalItems).toBe(0);
  });

  it("an import reports the slow record by field among the others", async () => {
    const post = (overrides: Record<string, unknown>) => ({
      ...draft(overrides),
      organization: org.slug,
      author: editorEmail,
      care_settings: ["hospital"],
      ai_types: ["nlp"],
    });
    const result = await validateImport(pb, [post({}), post({ body_md: SLOW_100K })]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.index, e.field])).toEqual([[1, "body_md"]]);
    expect(result.errors[0]?.message).toMatch(/too complex to display/);
  });

  it("search documents are built from the HTML rendered at save time, never by running marked again", async () => {
    const { id } = await saveDraft(editor, draft({ body_md: "## Context\n\nWe **learned** to ask the nurses first.", lessons_md: "- one _lesson_" }));
    const record = await pb.collection("posts").getOne(id);
    // The stored Markdown is replaced by input marked would spend seconds on: the document
    // only has the right text if it came from the stored HTML.
    const doc = buildSearchDocument({ ...record, status: "published", published_at: "2025-01-01 00:00:00Z", body_md: SLOW_100K, lessons_md: SLOW_50K })!;
    expect(doc.body).toBe("Context — We learned to ask the nurses first.");
    expect(doc.lessons).toBe("one lesson");
  });
});
