// Issue 11 §7–§11, the data rules of reviewing, through the real domain functions: the
// "with privacy findings" filter keeps findings the author dismissed (with the reason);
// a record waiting for the applicant's consent cannot be claimed; several funders' records
// are approved at once, each through its own transition (event + outbox row), those with
// open findings refused; the author answers a request for changes and the moderator reads
// it with the resubmission; the approval note reaches the dashboard.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { ForbiddenError } from "../../src/lib/server/can.ts";
import { ValidationError } from "../../src/lib/server/errors.ts";
import { answerConsent, recordDecisions, saveCall } from "../../src/lib/server/funding.ts";
import {
  approveDecisions,
  approvePost,
  claimPost,
  dismissFinding,
  dpoReview,
  replyToFeedback,
  requestChanges,
  saveDraft,
  submitPost,
} from "../../src/lib/server/moderation.ts";
import { getPrivatePost, listDpoQueue, listModerationQueue, listMyPosts, listPendingDecisions, listReviewerNotes } from "../../src/lib/server/queues.ts";
import { setRequiresDpoReview } from "../../src/lib/server/orgs.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { caseStudyInput, moderationEvents, outboxRows, word } from "./search-helpers.ts";
import { createOrganization, createUser, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
type World = {
  editor: Actor;
  colleague: Actor;
  outsider: Actor;
  dpo: Actor;
  orgAdmin: Actor;
  moderator: Actor;
  funder: Actor;
  orgId: string;
  orgSlug: string;
  funderId: string;
};
let w: World;

beforeAll(async () => {
  pb = await useTestPocketBase();
  const [editor, colleague, outsider, dpo, orgAdmin, moderator, funder] = await Promise.all([
    createUser(pb),
    createUser(pb),
    createUser(pb),
    createUser(pb),
    createUser(pb),
    createUser(pb, { role: "moderator" }),
    createUser(pb),
  ]);
  const org = await createOrganization(pb, [
    { userId: editor.id, role: "editor" },
    { userId: colleague.id, role: "member" },
    { userId: dpo.id, role: "dpo" },
    { userId: orgAdmin.id, role: "admin" },
  ]);
  await createOrganization(pb, [{ userId: outsider.id, role: "editor" }]);
  const fund = await createOrganization(pb, [{ userId: funder.id, role: "editor" }], { kind: "funder", region: "brussels" });
  const actor = async (id: string) => (await loadActor(id))!;
  w = {
    editor: await actor(editor.id),
    colleague: await actor(colleague.id),
    outsider: await actor(outsider.id),
    dpo: await actor(dpo.id),
    orgAdmin: await actor(orgAdmin.id),
    moderator: await actor(moderator.id),
    funder: await actor(funder.id),
    orgId: org.id,
    orgSlug: org.slug,
    funderId: fund.id,
  };
}, 60_000);

async function newCall(marker: string): Promise<string> {
  const { slug } = await saveCall(w.funder, w.funderId, {
    title: `Everyday AI ${marker}`,
    description: "A call for AI projects in everyday care, this year's round.",
    opens_on: "2025-01-01",
    closes_on: "2025-03-31",
    status: "closed",
  });
  return (await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: slug }))).id;
}

/** Records funders' decisions on a new call and returns their ids by title. */
async function decisions(rows: Record<string, unknown>[]): Promise<string[]> {
  const callId = await newCall(word());
  await recordDecisions(w.funder, callId, rows);
  const posts = await pb.collection("posts").getFullList({ filter: pb.filter("call = {:c}", { c: callId }), fields: "id,title" });
  return rows.map((r) => posts.find((p) => p.title === r.title)!.id);
}

const awarded = (title: string, extra: Record<string, unknown> = {}) => ({
  title,
  applicantType: "outside",
  applicant: `Outside Lab ${title}`,
  amountRequested: 80_000,
  amountAwarded: 60_000,
  decision: "awarded",
  decidedOn: "2025-06-30",
  language: "en",
  ...extra,
});

describe("the moderation queue (issue 11 §10)", () => {
  it("the 'with privacy findings' filter keeps a post whose only finding the author dismissed, with the reason", async () => {
    const marker = word();
    const { id, findings } = await saveDraft(
      w.editor,
      caseStudyInput(w.orgId, marker, undefined, { body_md: "## Context\n\nDr. Peeters led the pilot on the ward, then it was stopped." }),
    );
    const name = findings.find((f) => f.kind === "titled_name")!;
    expect(name).toBeDefined();
    await dismissFinding(w.editor, id, name.id, "Dr. Peeters is our project lead, not a patient.");
    await submitPost(w.editor, id);
    const filtered = await listModerationQueue(w.moderator, { withFindings: true });
    const item = filtered.find((i) => i.id === id);
    expect(item, "a dismissed finding still counts for the filter").toBeDefined();
    expect(item!.openFindings).toBe(0);
    expect(item!.dismissedFindings).toEqual([{ kind: "titled_name", excerpt: name.excerpt, reason: "Dr. Peeters is our project lead, not a patient." }]);
    // A post without any finding stays out of the filtered list.
    const { id: clean } = await saveDraft(w.editor, caseStudyInput(w.orgId, word()));
    await submitPost(w.editor, clean);
    expect((await listModerationQueue(w.moderator, { withFindings: true })).map((i) => i.id)).not.toContain(clean);
    expect((await listModerationQueue(w.moderator)).map((i) => i.id)).toContain(clean);
  });

  it("a funder's record waiting for the applicant's consent shows that state and cannot be claimed until answered", async () => {
    const [id] = await decisions([
      {
        title: `Refused triage pilot ${word()}`,
        applicantType: "platform",
        applicant: w.orgSlug,
        amountRequested: 90_000,
        decision: "rejected",
        decidedOn: "2025-06-30",
        language: "en",
        rejectionReasons: ["data_governance"],
      },
    ]);
    const item = (await listModerationQueue(w.moderator)).find((i) => i.id === id!);
    expect(item?.consent).toBe("requested");
    const before = await pb.collection("posts").getOne(id!);
    await expect(claimPost(w.moderator, id!)).rejects.toThrow(/consent/);
    const after = await pb.collection("posts").getOne(id!);
    expect(after.status).toBe("submitted");
    expect(after.updated).toBe(before.updated);
    expect((await listPendingDecisions(w.moderator, "en")).find((d) => d.item.id === id)?.approvable).toBe(false);
    await answerConsent(w.orgAdmin, id!, "grant");
    await claimPost(w.moderator, id!);
    expect((await pb.collection("posts").getOne(id!)).status).toBe("in_review");
  });
});

describe("bulk approval of imported decisions (issue 11 §10)", () => {
  it("each approved record goes through its own transition with its events and outbox row; one with open findings is refused and left alone", async () => {
    const titles = [`Sepsis alerts award ${word()}`, `Fall detection award ${word()}`, `Voice notes award ${word()}`];
    const [a, b, withFinding] = await decisions([
      awarded(titles[0]!),
      awarded(titles[1]!),
      awarded(titles[2]!, { feedback: "Call the ward manager on +32 470 98 76 54 for the details of the evaluation." }),
    ]);
    const listed = await listPendingDecisions(w.moderator, "en");
    expect(listed.find((d) => d.item.id === a)?.approvable).toBe(true);
    expect(listed.find((d) => d.item.id === withFinding)?.approvable).toBe(false);
    const findingEventsBefore = (await moderationEvents(pb, withFinding!)).length;

    const results = await approveDecisions(w.moderator, [a!, b!, withFinding!], "Checked together.");
    expect(results.map((r) => [r.id, r.approved])).toEqual([
      [a, true],
      [b, true],
      [withFinding, false],
    ]);
    expect(results[2]!.message).toMatch(/privacy guard/);
    for (const id of [a!, b!]) {
      const post = await pb.collection("posts").getOne(id);
      expect(post.status).toBe("published");
      expect(post.feedback).toBe("Checked together.");
      const events = (await moderationEvents(pb, id)).map((e) => [e.action, e.actor, e.from_status, e.to_status]);
      expect(events.slice(-2)).toEqual([
        ["claim", w.moderator.id, "submitted", "in_review"],
        ["approve", w.moderator.id, "in_review", "published"],
      ]);
      expect((await outboxRows(pb, id)).map((r) => r.op)).toEqual(["upsert"]);
    }
    const refused = await pb.collection("posts").getOne(withFinding!);
    expect(refused.status).toBe("submitted");
    expect(await moderationEvents(pb, withFinding!)).toHaveLength(findingEventsBefore);
    expect(await outboxRows(pb, withFinding!)).toHaveLength(0);
  });

  it("a non-moderator approves nothing, and a case study is never approved in bulk", async () => {
    const [id] = await decisions([awarded(`Wound photos award ${word()}`)]);
    await expect(approveDecisions(w.funder, [id!])).rejects.toBeInstanceOf(ForbiddenError);
    await expect(approveDecisions(w.editor, [id!])).rejects.toBeInstanceOf(ForbiddenError);
    expect((await pb.collection("posts").getOne(id!)).status).toBe("submitted");
    const { id: story } = await saveDraft(w.editor, caseStudyInput(w.orgId, word()));
    await submitPost(w.editor, story);
    const [result] = await approveDecisions(w.moderator, [story]);
    expect(result).toMatchObject({ id: story, approved: false });
    expect((await pb.collection("posts").getOne(story)).status).toBe("submitted");
  });
});

describe("answering the reviewer (issue 11 §11)", () => {
  it("the author answers a request for changes; the moderator reads it with the resubmission; a new request clears it", async () => {
    const { id } = await saveDraft(w.editor, caseStudyInput(w.orgId, word()));
    await submitPost(w.editor, id);
    // Nothing to answer yet.
    await expect(replyToFeedback(w.editor, id, "Too early.")).rejects.toBeInstanceOf(ForbiddenError);
    await claimPost(w.moderator, id);
    await requestChanges(w.moderator, id, "Say how many letters were checked.");
    await expect(replyToFeedback(w.editor, id, " ")).rejects.toBeInstanceOf(ValidationError);
    // Someone of another organisation, and a plain member who did not write it, may not answer.
    await expect(replyToFeedback(w.outsider, id, "Not mine to answer.")).rejects.toBeInstanceOf(ForbiddenError);
    await expect(replyToFeedback(w.colleague, id, "Not mine to answer.")).rejects.toBeInstanceOf(ForbiddenError);
    await replyToFeedback(w.editor, id, "We checked 412 letters; the count is now in the results section.");
    const events = await moderationEvents(pb, id);
    expect(events.at(-1)).toMatchObject({
      action: "author_reply",
      actor: w.editor.id,
      from_status: "changes_requested",
      to_status: "changes_requested",
      note: "We checked 412 letters; the count is now in the results section.",
    });
    const note = (await listReviewerNotes(w.editor)).find((n) => n.item.id === id);
    expect(note).toMatchObject({ kind: "changes", canReply: true, reply: { note: expect.stringContaining("412 letters") } });

    await submitPost(w.editor, id);
    const view = await getPrivatePost(w.moderator, id);
    expect(view?.authorReply?.note).toContain("412 letters");
    await claimPost(w.moderator, id);
    await requestChanges(w.moderator, id, "Now add the time saved per letter.");
    expect((await getPrivatePost(w.moderator, id))?.authorReply).toBeNull();
  });

  it("the moderator's note on approval is shown on the author's dashboard", async () => {
    const { id } = await saveDraft(w.editor, caseStudyInput(w.orgId, word()));
    await submitPost(w.editor, id);
    await claimPost(w.moderator, id);
    await approvePost(w.moderator, id, "Thank you: a clear account of what did not work.");
    expect((await listMyPosts(w.editor)).find((i) => i.id === id)?.feedback).toBe("Thank you: a clear account of what did not work.");
    expect((await listReviewerNotes(w.editor)).find((n) => n.item.id === id)).toMatchObject({ kind: "approved", canReply: false });
  });
});

describe("the DPO's sign-off list and review (issue 11 §7, §8)", () => {
  it("lists colleagues' posts waiting for sign-off, not the DPO's own, and the review names who is behind a funder's record", async () => {
    const dpoOrg = await createOrganization(pb, [
      { userId: w.editor.id, role: "editor" },
      { userId: w.orgAdmin.id, role: "admin" },
    ]);
    const dpoUser = await createUser(pb);
    await pb.collection("memberships").create({ user: dpoUser.id, organization: dpoOrg.id, role: "dpo", status: "active" });
    const editor = (await loadActor(w.editor.id))!;
    const admin = (await loadActor(w.orgAdmin.id))!;
    const dpo = (await loadActor(dpoUser.id))!;
    await setRequiresDpoReview(admin, dpoOrg.id, true);
    const { id } = await saveDraft(editor, caseStudyInput(dpoOrg.id, word()));
    await submitPost(editor, id);
    const queue = await listDpoQueue(dpo);
    expect(queue.map((q) => q.id)).toEqual([id]);
    expect(queue[0]!.author).toBe("Test Person");
    // The DPO returns it; the author answers and resubmits; the DPO reads the answer (not the whole history).
    await dpoReview(dpo, id, "return", "Remove the ward names first.");
    await replyToFeedback(editor, id, "Ward names removed; the wards are now numbered.");
    await submitPost(editor, id);
    const dpoView = await getPrivatePost(dpo, id);
    expect(dpoView?.authorReply?.note).toBe("Ward names removed; the wards are now numbered.");
    expect(dpoView?.history).toEqual([]);
    expect((await getPrivatePost(editor, id))?.authorReply).toBeNull();

    const [record] = await decisions([awarded(`Named award ${word()}`)]);
    const view = await getPrivatePost(w.moderator, record!);
    expect(view?.identity).toMatchObject({ publishedBy: "funder", applicant: { name: expect.stringMatching(/^Outside Lab /), consent: "not_needed" } });
  });
});
