// Issue 9 §4 through the real domain: a national register number disguised by formatting
// still blocks submission, and the new warning classes reach the stored findings.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/lib/server/errors.ts";
import { saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, unique, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let editor: Actor;
let orgId: string;

beforeAll(async () => {
  pb = await useTestPocketBase();
  const e = await createUser(pb);
  orgId = (await createOrganization(pb, [{ userId: e.id, role: "editor" }], { kind: "hospital", region: "flanders" })).id;
  editor = (await loadActor(e.id))!;
});

const draft = (body_md: string, lessons_md = "") => ({
  kind: "case_study",
  organization: orgId,
  title: `Guard probe ${unique("g")}`,
  summary: "A case study that quotes identifiers in disguise.",
  body_md,
  lessons_md,
  language: "en",
  outcome: "failure",
  care_settings: ["hospital"],
  ai_types: ["nlp"],
  lifecycle_stage: "pilot",
});

describe("privacy guard on disguised identifiers", () => {
  it.each([
    ["Markdown emphasis", "## Context\n\nThe export still carried 85.07.**30**-033.28 in one of its rows."],
    ["zero-width spaces and an entity", "## Context\n\nThe export still carried 85.07\u200B.30&#45;033.28 in one of its rows."],
    ["full-width digits", "## Context\n\nThe export still carried ８５.０７.３０-０３３.２８ in one of its rows."],
  ])("%s: the number blocks submission and the draft stays a draft", async (_label, body) => {
    const { id, findings } = await saveDraft(editor, draft(body));
    expect(findings.filter((f) => f.blocking).map((f) => [f.field, f.kind])).toEqual([["body_md", "national_number"]]);
    await expect(submitPost(editor, id)).rejects.toBeInstanceOf(ValidationError);
    expect((await pb.collection("posts").getOne(id)).status).toBe("draft");
  });

  it("an address and a written-out e-mail are stored as warnings that do not block", async () => {
    const { id, findings } = await saveDraft(
      editor,
      draft("## Context\n\nLetters went to Kerkstraat 12, 9000 Gent by mistake.", "- ask jan.peeters [at] azheide [dot] be"),
    );
    expect(findings.map((f) => [f.field, f.kind, f.match, f.blocking])).toEqual([
      ["body_md", "address", "Kerkstraat 12, 9000 Gent", false],
      ["lessons_md", "obfuscated_email", "jan.peeters [at] azheide [dot] be", false],
    ]);
    expect((await pb.collection("posts").getOne(id)).privacy_findings).toHaveLength(2);
    await expect(submitPost(editor, id)).resolves.toMatchObject({ status: expect.any(String) });
  });
});
