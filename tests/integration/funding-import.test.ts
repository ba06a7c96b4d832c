// A funder's CSV of decisions through importDecisionsCsv (issue 10 §7, survivors of the mutation run over
// funding.ts): what each row becomes, and the one message a refused file gets — every problem on a line of its own,
// the file's, a column's, a row's, capped at fifty — with nothing written.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { ForbiddenError } from "../../src/lib/server/can.ts";
import { ValidationError } from "../../src/lib/server/errors.ts";
import { importDecisionsCsv, saveCall } from "../../src/lib/server/funding.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, refusal, unique, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let editor: Actor;
let outsider: Actor;
let funderId: string;
let hospital: { id: string; slug: string; name: string };
let unverified: { id: string; slug: string; name: string };

beforeAll(async () => {
  pb = await useTestPocketBase();
  const [fe, ou] = await Promise.all([createUser(pb), createUser(pb)]);
  funderId = (await createOrganization(pb, [{ userId: fe.id, role: "editor" }], { kind: "funder", name: `Fonds ${unique("f")}` })).id;
  hospital = await createOrganization(pb, [], { kind: "hospital", region: "brussels", name: `Hôpital ${unique("h")}` });
  unverified = await createOrganization(pb, [], { name: `Pending ${unique("p")}`, verified: false, verification_status: "pending" });
  [editor, outsider] = (await Promise.all([fe, ou].map((u) => loadActor(u.id)))) as [Actor, Actor];
});

async function newCall(opensOn = ""): Promise<string> {
  const { slug } = await saveCall(editor, funderId, {
    title: `Imaging call ${unique("c")}`,
    description: "A call for AI projects in medical imaging.",
    status: "closed",
    opens_on: opensOn,
  });
  return (await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: slug }))).id;
}

const HEADER = "title,applicant_type,applicant,amount_requested,amount_awarded,decision,decided_on,rejection_reasons,reason_text,feedback,consent_obtained";
const file = (...lines: string[]) => new TextEncoder().encode(`${[HEADER, ...lines].join("\n")}\n`);
const recordsOf = (callId: string) => pb.collection("posts").getFullList({ filter: pb.filter("call = {:c}", { c: callId }), sort: "title" });

/** The message a refused import carries, checked to be on the file field. */
async function refusedFile(callId: string, bytes: Uint8Array): Promise<string> {
  const error = await importDecisionsCsv(editor, callId, bytes).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).field).toBe("file");
  return (error as ValidationError).message;
}

const FAILED = "Nothing was imported. Fix these rows and upload the file again:";

describe("an accepted file", () => {
  it("turns each row into the record the form would write: applicant by slug or by name, outside applicants, texts", async () => {
    const callId = await newCall();
    const result = await importDecisionsCsv(
      editor,
      callId,
      file(
        `A by slug ${unique("a")},platform,${hospital.slug},1000,,rejected,2026-05-01,eligibility,Out of scope.,Try the **next** call.,no`,
        `B by name ${unique("b")},platform,${hospital.name},2000,1500,awarded,2026-05-02,,,,no`,
        `C outside ${unique("c")},outside,Kliniek Oost,3000,,rejected,2026-05-03,budget_or_roi,,,yes`,
      ),
    );
    expect(result).toEqual({ created: 3, consentRequests: 1 });
    const [a, b, c] = await recordsOf(callId);
    expect(a).toMatchObject({
      applicant_organization: hospital.id,
      applicant_name: "",
      rejection_note: "Out of scope.",
      funder_feedback_md: "Try the **next** call.",
    });
    expect(a!.funder_feedback_html).toContain("<strong>next</strong>");
    expect(b).toMatchObject({ applicant_organization: hospital.id, decision: "awarded", amount_awarded: 1500, rejection_note: "", funder_feedback_md: "" });
    expect(c).toMatchObject({ applicant_organization: "", applicant_name: "Kliniek Oost", applicant_anonymous: false, consent: "granted" });
  });
});

describe("a refused file: one message, every problem on its own line, nothing written", () => {
  it("an unknown call, or someone who does not edit for the funder", async () => {
    expect(await refusal(importDecisionsCsv(editor, "nosuchcall12345", file()))).toBe("Unknown call.");
    const callId = await newCall();
    await expect(importDecisionsCsv(outsider, callId, file(`Fine title ${unique("t")},anonymous,,1000,,withdrawn,2026-05-01,,,,no`))).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    expect(await recordsOf(callId)).toEqual([]);
  });

  it("problems of the file, of a column, of a row's cell and of a whole row", async () => {
    const callId = await newCall();
    expect(await refusedFile(callId, new Uint8Array())).toBe(`${FAILED}\nFile: The file is empty: it needs a header row and at least one data row.`);
    const noTitle = new TextEncoder().encode("applicant_type,applicant,amount_requested,decision,decided_on\nanonymous,,1000,withdrawn,2026-05-01\n");
    expect(await refusedFile(callId, noTitle)).toBe(`${FAILED}\nFile, title: The required column "title" is missing from the header row.`);
    const title = `Same row twice ${unique("t")}`;
    const message = await refusedFile(
      callId,
      file(
        `${title},anonymous,,1000,,withdrawn,2026-05-01,,,,no`,
        `${title},anonymous,,1000,,withdrawn,2026-05-01,,,,no`,
        `Short,anonymous,,1000,,withdrawn,2026-05-01,,,,no`,
      ),
    );
    expect(message.split("\n")).toEqual([
      FAILED,
      "Row 1: Duplicate of row 2: same title, applicant and decided_on.",
      "Row 2: Duplicate of row 1: same title, applicant and decided_on.",
      "Row 3, title: The title is 5 characters long; it needs at least 8.",
    ]);
    expect(await recordsOf(callId)).toEqual([]);
  });

  it("an organisation that is not verified is not an applicant on the platform", async () => {
    const callId = await newCall();
    const message = await refusedFile(
      callId,
      file(`Unverified applicant ${unique("u")},platform,${unverified.slug},1000,,rejected,2026-05-01,eligibility,,,no`),
    );
    expect(message).toContain(`Row 1, applicant: No organisation called "${unverified.slug}" (name or slug) is on Casebook.`);
  });

  it("a decision before the call opened is caught in the file, with the call's opening day", async () => {
    const callId = await newCall("2026-06-01");
    const message = await refusedFile(callId, file(`Too early ${unique("e")},anonymous,,1000,,withdrawn,2026-05-31,,,,no`));
    expect(message).toContain("Row 1, decided_on: The decision date 2026-05-31 is before the call opened (2026-06-01)");
  });

  it("fifty problems are listed, and how many more there are", async () => {
    const callId = await newCall();
    const rows = Array.from({ length: 52 }, (_, i) => `Bad amount ${i} ${unique("x")},anonymous,,-${i + 1},,withdrawn,2026-05-01,,,,no`);
    const lines = (await refusedFile(callId, file(...rows))).split("\n");
    expect(lines).toHaveLength(1 + 50 + 1);
    expect(lines[1]).toMatch(/^Row 1, amount_requested: /);
    expect(lines[50]).toMatch(/^Row 50, amount_requested: /);
    expect(lines[51]).toBe("… and 2 more.");
    const fifty = (await refusedFile(callId, file(...rows.slice(0, 50)))).split("\n");
    expect(fifty).toHaveLength(51);
    expect(fifty.at(-1)).toMatch(/^Row 50, /);
  });
});
