// Issue 11 §7–§11, the data rules of reviewing, through the real domain functions: the
// "with privacy findings" filter keeps findings the author dismissed (with the reason);
// a record waiting for the applicant's consent cannot be claimed; several funders' records
// are approved at once, each through its own transition (event + outbox row), those with
// open findings refused; the author answers a request for changes and the moderator reads
// it with the resubmission; the approval note reaches the dashboard.
import type PocketBase from "pocketbase";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { setClock } from "../../src/lib/server/clock.ts";
import { ForbiddenError } from "../../src/lib/server/can.ts";
import { ValidationError } from "../../src/lib/server/errors.ts";
import { answerConsent, recordDecisions, saveCall } from "../../src/lib/server/funding.ts";
import {
  approveDecisions,
  approvePost,
  autoHidePost,
  claimPost,
  dismissFinding,
  dpoReview,
  hidePost,
  loadPost,
  rejectPost,
  replyToFeedback,
  requestChanges,
  restorePost,
  saveDraft,
  submitPost,
  unclaimPost,
} from "../../src/lib/server/moderation.ts";
import { getPublishedPost } from "../../src/lib/server/posts.ts";
import {
  type HistoryActor,
  getPreviewPost,
  getPrivatePost,
  getReviewPost,
  listDpoQueue,
  listHiddenPosts,
  listModerationQueue,
  listMyPosts,
  listPendingDecisions,
  listReviewerNotes,
} from "../../src/lib/server/queues.ts";
import { changeMemberRole, leaveOrganization, setRequiresDpoReview } from "../../src/lib/server/orgs.ts";
import { deleteAccount, loadActor, type Actor } from "../../src/lib/server/users.ts";
import { caseStudyInput, moderationEvents, outboxRows, publishThroughModeration, word } from "./search-helpers.ts";
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

/** A new account with the site role given, loaded as an actor. */
const person = async (name: string, role = "member") => (await loadActor((await createUser(pb, { name, role })).id))!;

/** A new editor of the organisation `orgId`. */
async function editorOf(orgId: string, name: string): Promise<Actor> {
  const user = await person(name);
  await pb.collection("memberships").create({ user: user.id, organization: orgId, role: "editor", status: "active" });
  return (await loadActor(user.id))!;
}

/** A refusal of an application by the platform's organisation `w`: its admins are asked for consent to publish it. */
const refusedOnPlatform = () => ({
  title: `Refused triage pilot ${word()}`,
  applicantType: "platform",
  applicant: w.orgSlug,
  amountRequested: 90_000,
  decision: "rejected",
  decidedOn: "2025-06-30",
  language: "en",
  rejectionReasons: ["data_governance"],
});

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
    const [id] = await decisions([refusedOnPlatform()]);
    const item = (await listModerationQueue(w.moderator)).find((i) => i.id === id!);
    expect(item?.consent).toBe("requested");
    const before = await pb.collection("posts").getOne(id!);
    await expect(claimPost(w.moderator, id!)).rejects.toMatchObject({
      field: "consent",
      message: "The applicant organisation has not yet answered the consent request; this record can be reviewed once it has.",
    });
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

  it("a record withdrawn since it was ticked is reported as gone; the others are still approved", async () => {
    const [gone, kept] = await decisions([awarded(`Withdrawn award ${word()}`), awarded(`Kept award ${word()}`)]);
    await pb.collection("posts").delete(gone!);
    expect(await approveDecisions(w.moderator, [gone!, kept!])).toEqual([
      { id: gone, title: "", approved: false, message: "This post does not exist." },
      { id: kept, title: expect.stringContaining("Kept award"), approved: true, message: null },
    ]);
    expect((await pb.collection("posts").getOne(kept!)).status).toBe("published");
  });

  it("records approved in bulk without a note carry none, as feedback or on their approval", async () => {
    const [id] = await decisions([awarded(`Unannotated award ${word()}`)]);
    expect(await approveDecisions(w.moderator, [id!])).toEqual([{ id, title: expect.stringContaining("Unannotated award"), approved: true, message: null }]);
    const post = await pb.collection("posts").getOne(id!);
    expect([post.status, post.feedback]).toEqual(["published", ""]);
    expect((await moderationEvents(pb, id!)).filter((e) => e.action === "approve").map((e) => e.note)).toEqual([""]);
  });

  it("a non-moderator approves nothing, and a case study is never approved in bulk", async () => {
    const [id] = await decisions([awarded(`Wound photos award ${word()}`)]);
    await expect(approveDecisions(w.funder, [id!])).rejects.toBeInstanceOf(ForbiddenError);
    await expect(approveDecisions(w.editor, [id!])).rejects.toBeInstanceOf(ForbiddenError);
    expect((await pb.collection("posts").getOne(id!)).status).toBe("submitted");
    const { id: story } = await saveDraft(w.editor, caseStudyInput(w.orgId, word()));
    await submitPost(w.editor, story);
    const onlyFunders = "Only funders' decision records are approved together; review this post on its own.";
    const [result] = await approveDecisions(w.moderator, [story]);
    expect(result).toMatchObject({ id: story, approved: false, message: onlyFunders });
    expect((await pb.collection("posts").getOne(story)).status).toBe("submitted");
    // Nor is an applicant's own account of its application: it is not a funder's record.
    const own = await saveDraft(w.editor, {
      kind: "funding_application",
      organization: w.orgId,
      funder_name: "Fonds Zorginnovatie",
      title: `Our own application ${word()}`,
      summary: "Why our application was refused, and what we changed afterwards.",
      body_md: "## Context\n\nWe applied for a triage assistant for our outpatient service and were refused.",
      language: "en",
      tags: "",
      anonymous: false,
      decision: "rejected",
      rejection_reasons: ["data_governance"],
      amount_requested: "87654",
    });
    await submitPost(w.editor, own.id);
    expect(await approveDecisions(w.moderator, [own.id])).toEqual([
      { id: own.id, title: expect.stringContaining("Our own application"), approved: false, message: onlyFunders },
    ]);
    expect((await pb.collection("posts").getOne(own.id)).status).toBe("submitted");
  });

  it("a record the moderator has a stake in, or an address that is no record, is refused with its reason, and nothing is written", async () => {
    const insider = await person(`Ines ${word()}`, "moderator");
    await pb.collection("memberships").create({ user: insider.id, organization: w.funderId, role: "member", status: "active" });
    const [ours] = await decisions([awarded(`Insider award ${word()}`)]);
    const eventsBefore = (await moderationEvents(pb, ours!)).length;
    const results = await approveDecisions(await loadActor(insider.id), [ours!, "not-a-record"]);
    expect(results).toEqual([
      { id: ours, title: expect.stringContaining("Insider award"), approved: false, message: "You cannot decide on this record." },
      { id: "not-a-record", title: "", approved: false, message: "This post does not exist." },
    ]);
    expect((await pb.collection("posts").getOne(ours!)).status).toBe("submitted");
    expect(await moderationEvents(pb, ours!)).toHaveLength(eventsBefore);
  });

  it("a record the moderator already holds is approved in bulk as it is; one another moderator holds is refused with who holds it", async () => {
    const omar = await person(`Omar ${word()}`, "moderator");
    const [mine, theirs] = await decisions([awarded(`Held award ${word()}`), awarded(`Other award ${word()}`)]);
    await claimPost(w.moderator, mine!);
    await claimPost(omar, theirs!);
    const results = await approveDecisions(w.moderator, [mine!, theirs!, mine!]);
    expect(results.map((r) => [r.id, r.approved, r.message])).toEqual([
      [mine, true, null],
      [theirs, false, `${omar.name} is reviewing this post.`],
    ]);
    expect((await pb.collection("posts").getOne(mine!)).status).toBe("published");
    expect((await pb.collection("posts").getOne(theirs!)).status).toBe("in_review");
  });

  it("a post held by a moderator whose account has no name is refused to another without an empty name in the message", async () => {
    const nameless = await person("", "moderator");
    const [held] = await decisions([awarded(`Nameless hold ${word()}`)]);
    await claimPost(nameless, held!);
    await expect(claimPost(w.moderator, held!)).rejects.toThrow(/^Another moderator is already reviewing this post\.$/);
    await expect(approvePost(w.moderator, held!)).rejects.toThrow(/^Another moderator is reviewing this post\.$/);
    expect(await approveDecisions(w.moderator, [held!])).toEqual([
      { id: held, title: expect.stringContaining("Nameless hold"), approved: false, message: "Another moderator is reviewing this post." },
    ]);
    const post = await pb.collection("posts").getOne(held!);
    expect([post.status, post.claimed_by]).toEqual(["in_review", nameless.id]);
  });
});

describe("a claim that lapsed", () => {
  afterEach(() => setClock(null));

  async function claimedBy(moderator: Actor): Promise<string> {
    const { id } = await saveDraft(w.editor, caseStudyInput(w.orgId, word()));
    await submitPost(w.editor, id);
    await claimPost(moderator, id);
    return id;
  }

  it("holds for a day; after that another moderator takes the review over, and the first may no longer decide", async () => {
    const away = (await loadActor((await createUser(pb, { role: "moderator" })).id))!;
    const start = Date.now();
    setClock(() => start);
    const id = await claimedBy(away);
    setClock(() => start + 23 * 3_600_000);
    expect((await getPrivatePost(w.moderator, id))?.item.claimLapsed).toBe(false);
    await expect(claimPost(w.moderator, id)).rejects.toThrow(`${away.name} is already reviewing this post.`);
    setClock(() => start + 25 * 3_600_000);
    expect((await getPrivatePost(w.moderator, id))?.item.claimLapsed).toBe(true);
    await claimPost(w.moderator, id);
    const post = await pb.collection("posts").getOne(id);
    expect([post.status, post.claimed_by]).toEqual(["in_review", w.moderator.id]);
    const takeover = (await moderationEvents(pb, id)).at(-1)!;
    expect([takeover.action, takeover.actor, takeover.from_status, takeover.to_status]).toEqual(["take_over", w.moderator.id, "in_review", "in_review"]);
    await expect(approvePost(away, id)).rejects.toThrow(/is reviewing this post/);
    await approvePost(w.moderator, id);
    expect((await pb.collection("posts").getOne(id)).status).toBe("published");
  });

  it("is free at once when the moderator who claimed the post no longer has an account", async () => {
    const leaving = (await loadActor((await createUser(pb, { role: "moderator" })).id))!;
    const id = await claimedBy(leaving);
    await pb.collection("users").delete(leaving.id);
    const post = await pb.collection("posts").getOne(id);
    expect([post.status, post.claimed_by]).toEqual(["in_review", ""]);
    expect((await getPrivatePost(w.moderator, id))?.item.claimLapsed).toBe(true);
    await claimPost(w.moderator, id);
    expect((await pb.collection("posts").getOne(id)).claimed_by).toBe(w.moderator.id);
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
    // The answer is measured trimmed: one letter is too short, two are enough; past 5,000 characters it is refused.
    const replyLengths = async () => (await moderationEvents(pb, id)).filter((e) => e.action === "author_reply").map((e) => e.note.length);
    await expect(replyToFeedback(w.editor, id, "   a   ")).rejects.toThrow("Write your answer to the reviewer.");
    await expect(replyToFeedback(w.editor, id, "x".repeat(5001))).rejects.toThrow(/under 5,000 characters/);
    expect(await replyLengths()).toEqual([]);
    await replyToFeedback(w.editor, id, "ok");
    await replyToFeedback(w.editor, id, ` ${"x".repeat(5000)} `);
    expect(await replyLengths()).toEqual([2, 5000]);
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
    // A return needs a note of five characters or more; it reaches the author trimmed.
    await expect(dpoReview(dpo, id, "return", "  fix  ")).rejects.toThrow("Tell the author what to change");
    expect((await pb.collection("posts").getOne(id)).status).toBe("dpo_review");
    await dpoReview(dpo, id, "return", "  Names ");
    expect(await pb.collection("posts").getOne(id)).toMatchObject({ status: "changes_requested", feedback: "Names" });
    await submitPost(editor, id);
    // The DPO returns it; the author answers and resubmits; the DPO reads the answer (not the whole history).
    await dpoReview(dpo, id, "return", "Remove the ward names first.");
    await replyToFeedback(editor, id, "Ward names removed; the wards are now numbered.");
    await submitPost(editor, id);
    const dpoView = await getPrivatePost(dpo, id);
    expect(dpoView?.authorReply?.note).toBe("Ward names removed; the wards are now numbered.");
    expect(dpoView?.history).toEqual([]);
    expect((await getPrivatePost(editor, id))?.authorReply).toBeNull();
    // Returned again: the earlier answer no longer answers anything.
    await dpoReview(dpo, id, "return", "Remove the dates as well.");
    expect((await listReviewerNotes(editor)).find((n) => n.item.id === id)).toMatchObject({ kind: "changes", reply: null, canReply: true });

    const [record] = await decisions([awarded(`Named award ${word()}`)]);
    const view = await getPrivatePost(w.moderator, record!);
    expect(view?.identity).toMatchObject({ publishedBy: "funder", applicant: { name: expect.stringMatching(/^Outside Lab /), consent: "not_needed" } });
  });
});

// Each line of each queue, asserted whole (issue 10: the queues' surviving mutants): the pages
// show these fields as they are, so a wrong one is a wrong dashboard, queue or review.
describe("what each queue says (issue 10)", () => {
  let mona: Actor;
  let org: { id: string; slug: string; name: string };
  /** A new author, editor of `org` (and of the organisations given). */
  const author = async (name: string, ...others: string[]) => {
    const a = await person(name);
    for (const id of [org.id, ...others]) await pb.collection("memberships").create({ user: a.id, organization: id, role: "editor", status: "active" });
    return (await loadActor(a.id))!;
  };
  const submitted = async (who: Actor, input: Record<string, unknown>) => {
    const { id } = await saveDraft(who, input);
    await submitPost(who, id);
    return id;
  };

  beforeAll(async () => {
    mona = await person("Mona Reviewer", "moderator");
    org = await createOrganization(pb);
  });
  afterEach(() => {
    setClock(null);
    vi.useRealTimers();
  });

  it("the author's dashboard: their own posts in organisations they still belong to, newest change first, each line saying where it stands", async () => {
    const left = await createOrganization(pb);
    let ada = await author("Ada Author", left.id);
    const draft = await saveDraft(ada, caseStudyInput(org.id, word(), undefined, { language: "fr" }));
    await saveDraft(ada, caseStudyInput(left.id, word()));
    await saveDraft(await author("Colin Colleague"), caseStudyInput(org.id, word()));
    const title = `Sent for review ${word()}`;
    const sent = await submitted(ada, caseStudyInput(org.id, word(), title));
    await claimPost(mona, sent);
    await leaveOrganization(ada, left.id);
    ada = (await loadActor(ada.id))!;

    const items = await listMyPosts(ada);
    expect(items.map((i) => i.id)).toEqual([sent, draft.id]);
    expect(items[0]).toEqual({
      id: sent,
      slug: expect.any(String),
      kind: "case_study",
      title,
      language: "en",
      status: "in_review",
      reviewState: "in_review",
      isRevision: false,
      organization: org.name,
      organizationId: org.id,
      author: null,
      anonymous: false,
      submittedAt: expect.stringMatching(/^\d{4}-/),
      updated: expect.stringMatching(/^\d{4}-/),
      feedback: "",
      openFindings: 0,
      dismissedFindings: [],
      consent: "not_needed",
      publishedBy: "applicant",
      claimedBy: "Mona Reviewer",
      claimedById: mona.id,
      claimLapsed: false,
    });
    expect(items[1]).toMatchObject({
      status: "draft",
      reviewState: "draft",
      language: "fr",
      submittedAt: null,
      claimedBy: null,
      claimedById: null,
      claimLapsed: false,
    });
    expect(await listMyPosts(null)).toEqual([]);
  });

  it("an open finding counts as open, not as dismissed", async () => {
    const ada = await author("Ada Author");
    const { id } = await saveDraft(ada, caseStudyInput(org.id, word(), undefined, { body_md: "## Context\n\nDr. Peeters led the pilot on the ward." }));
    const [line] = (await listMyPosts(ada)).filter((i) => i.id === id);
    expect(line).toMatchObject({ openFindings: 1, dismissedFindings: [] });
    await submitPost(ada, id);
    expect((await listModerationQueue(mona, { withFindings: true })).find((i) => i.id === id)).toMatchObject({ openFindings: 1 });
  });

  it("a published post's pending edit shows the edit's title and language, marked as an edit, with a word diff against the live version", async () => {
    const ada = await author("Ada Author");
    const [m1, m2] = [word(), word()];
    const before = `Discharge letters as published ${m1}`;
    const id = await publishThroughModeration(ada, mona, caseStudyInput(org.id, word(), before));
    const after = `Discharge letters, revised after a year ${m2}`;
    await saveDraft(ada, caseStudyInput(org.id, word(), after, { language: "nl", anonymous: true }), id);
    await submitPost(ada, id);
    const line = (await listModerationQueue(mona)).find((i) => i.id === id);
    expect(line).toMatchObject({ title: after, language: "nl", isRevision: true, status: "published", reviewState: "submitted" });
    const view = (await getPrivatePost(mona, id))!;
    expect(view.live?.title).toBe(before);
    expect(view.data.title).toBe(after);
    // The edit would publish it under a pseudonym: the review says so, though the live version is signed.
    expect(view.identity.anonymous).toBe(true);
    const titleDiff = view.diff.find((d) => d.field === "title")!;
    expect(titleDiff.parts).toEqual([
      { text: "Discharge letters", change: "same" },
      { text: ` as published ${m1}`, change: "removed" },
      { text: `, revised after a year ${m2}`, change: "added" },
    ]);
    // Exactly the fields the edit changed: an untouched one (a case study's unset amounts included) is not in the diff; a post without an edit has none.
    expect(view.diff.map((d) => d.field).sort()).toEqual(["anonymous", "language", "title"]);
    const plain = await submitted(ada, caseStudyInput(org.id, word()));
    expect((await getPrivatePost(mona, plain))!.diff).toEqual([]);
    expect((await getPrivatePost(mona, plain))!.live).toBeNull();
  });

  it("the author's reviewer notes: a request for changes while it stands, the note of an approval and of a rejection, for a post and for an edit", async () => {
    const left = await createOrganization(pb);
    let ada = await author("Ada Author", left.id);
    const claimed = async (input: Record<string, unknown>, id?: string) => {
      const saved = id ? (await saveDraft(ada, input, id)).id : (await saveDraft(ada, input)).id;
      await submitPost(ada, saved);
      await claimPost(mona, saved);
      return saved;
    };
    const changes = await claimed(caseStudyInput(org.id, word()));
    await requestChanges(mona, changes, "Say how many letters were checked.");
    const answered = await claimed(caseStudyInput(org.id, word()));
    await requestChanges(mona, answered, "Say how many letters were checked.");
    await submitPost(ada, answered);
    const rejected = await claimed(caseStudyInput(org.id, word()));
    await rejectPost(mona, rejected, "not_about_ai", "This one is about a spreadsheet, not AI.");
    const editApproved = await publishThroughModeration(ada, mona, caseStudyInput(org.id, word()));
    await claimed(caseStudyInput(org.id, word(), `Edited and approved ${word()}`), editApproved);
    await requestChanges(mona, editApproved, "Keep the original figures in the edit.");
    // Answered by resubmitting the edit: the request no longer stands (an edit keeps its feedback meanwhile).
    await submitPost(ada, editApproved);
    expect((await listReviewerNotes(ada)).map((n) => n.item.id)).not.toContain(editApproved);
    await claimPost(mona, editApproved);
    await approvePost(mona, editApproved, "The edit reads well.");
    // A rejection in an organisation the author has since left is no longer theirs to read.
    const elsewhere = await claimed(caseStudyInput(left.id, word()));
    await rejectPost(mona, elsewhere, "not_about_ai", "This one is about a spreadsheet, not AI.");
    await leaveOrganization(ada, left.id);
    ada = (await loadActor(ada.id))!;
    const editRejected = await publishThroughModeration(ada, mona, caseStudyInput(org.id, word()));
    await claimed(caseStudyInput(org.id, word(), `Edited and refused ${word()}`), editRejected);
    await rejectPost(mona, editRejected, "not_about_ai", "The edit removed what the post was about.");

    const notes = await listReviewerNotes(ada);
    expect(Object.fromEntries(notes.map((n) => [n.item.id, n.kind]))).toEqual({
      [changes]: "changes",
      [rejected]: "rejected",
      [editApproved]: "approved",
      [editRejected]: "rejected",
    });
    expect(notes.find((n) => n.item.id === changes)).toMatchObject({ canReply: true, reply: null, item: { feedback: "Say how many letters were checked." } });
    expect(await listReviewerNotes(await author("Colin Colleague"))).toEqual([]);
    expect(await listReviewerNotes(null)).toEqual([]);
  });

  it("the DPO's sign-off list holds only their own organisations' posts waiting for it, oldest first, with the author's name", async () => {
    const [dpo, eve, admin, otherAdmin, otherEditor] = await Promise.all([
      person("Dora Dpo"),
      person("Eve Editor"),
      person("Alma Admin"),
      person("Otto Admin"),
      person("Olga Editor"),
    ]);
    const mine = await createOrganization(pb, [
      { userId: dpo.id, role: "dpo" },
      { userId: eve.id, role: "editor" },
      { userId: admin.id, role: "admin" },
    ]);
    // Where Dora is only an editor, its posts waiting for its own DPO are not hers to sign off.
    const theirs = await createOrganization(pb, [
      { userId: dpo.id, role: "editor" },
      { userId: otherEditor.id, role: "editor" },
      { userId: otherAdmin.id, role: "admin" },
    ]);
    await setRequiresDpoReview((await loadActor(admin.id))!, mine.id, true);
    await setRequiresDpoReview((await loadActor(otherAdmin.id))!, theirs.id, true);
    const editor = (await loadActor(eve.id))!;
    const { id: second } = await saveDraft(editor, caseStudyInput(mine.id, word()));
    const first = await submitted(editor, caseStudyInput(mine.id, word()));
    await submitPost(editor, second);
    await submitted((await loadActor(otherEditor.id))!, caseStudyInput(theirs.id, word()));
    const queue = await listDpoQueue((await loadActor(dpo.id))!);
    expect(queue.map((i) => i.id)).toEqual([first, second]);
    // DPO of a second organisation as well: both organisations' posts, in one list.
    const [thirdAdmin, thirdEditor] = await Promise.all([person("Tom Admin"), person("Tess Editor")]);
    const third = await createOrganization(pb, [
      { userId: dpo.id, role: "dpo" },
      { userId: thirdEditor.id, role: "editor" },
      { userId: thirdAdmin.id, role: "admin" },
    ]);
    await setRequiresDpoReview((await loadActor(thirdAdmin.id))!, third.id, true);
    const fromThird = await submitted((await loadActor(thirdEditor.id))!, caseStudyInput(third.id, word()));
    expect((await listDpoQueue((await loadActor(dpo.id))!)).map((i) => i.id)).toEqual([first, second, fromThird]);
    expect(queue[0]).toMatchObject({ author: "Eve Editor", status: "dpo_review", organization: mine.name });
    expect(await listDpoQueue(editor)).toEqual([]);
    expect(await listDpoQueue(null)).toEqual([]);
    // Eve becomes a DPO too: her own two posts are not hers to sign off.
    const membership = await pb.collection("memberships").getFirstListItem(pb.filter("user = {:u} && organization = {:o}", { u: eve.id, o: mine.id }));
    await changeMemberRole((await loadActor(admin.id))!, membership.id, "dpo");
    expect(await listDpoQueue((await loadActor(eve.id))!)).toEqual([]);
  });

  it("the moderation queue's filters: by kind, by organisation, and waiting longer than so many hours", async () => {
    const ada = await author("Ada Author");
    const own = await createOrganization(pb, [{ userId: ada.id, role: "editor" }]);
    const me = (await loadActor(ada.id))!;
    // Written first, submitted last: the queue is in order of submission, not of writing.
    const { id: late } = await saveDraft(me, caseStudyInput(own.id, word()));
    const { id: early } = await saveDraft(me, caseStudyInput(own.id, word()));
    // Submitted three hours ago (the submission's time is the site's clock).
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() - 3 * 3600_000);
    await submitPost(me, early);
    vi.useRealTimers();
    await submitPost(me, late);
    const elsewhere = await submitted(ada, caseStudyInput(org.id, word()));
    const [record] = await decisions([awarded(`Queued award ${word()}`)]);
    const ids = async (filters: Parameters<typeof listModerationQueue>[1]) => (await listModerationQueue(mona, filters)).map((i) => i.id);

    expect(await ids({ organization: own.id })).toEqual([early, late]);
    expect(await ids({ organization: own.id, minWaitHours: 2 })).toEqual([early]);
    expect(await ids({ organization: own.id, minWaitHours: 4 })).toEqual([]);
    const funding = await ids({ kind: "funding_application" });
    expect(funding).toContain(record);
    expect(funding).not.toContain(early);
    expect(await ids({ kind: "case_study" })).not.toContain(record);
    expect(await ids({})).toEqual(expect.arrayContaining([early, late, elsewhere, record]));
    await expect(listModerationQueue(me)).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("funders' records waiting for a moderator name their applicant, and one another moderator holds is not offered for bulk approval", async () => {
    const other = await person("Omar Reviewer", "moderator");
    const applicantOrg = await pb.collection("organizations").getFirstListItem(pb.filter("slug = {:s}", { s: w.orgSlug }));
    const outsideTitle = `Outside award ${word()}`;
    const [outside, onPlatform] = await decisions([
      awarded(outsideTitle),
      awarded(`Platform award ${word()}`, { applicantType: "platform", applicant: w.orgSlug }),
    ]);
    await claimPost(other, outside!);
    const pending = async (who: Actor) => new Map((await listPendingDecisions(who, "en")).map((d) => [d.item.id, d]));
    const forMona = await pending(mona);
    expect(forMona.get(outside!)).toMatchObject({
      applicant: `Outside Lab ${outsideTitle}`,
      approvable: false,
      // Its applicant was never asked for consent (outside the platform): nothing lapsed.
      item: { publishedBy: "funder", claimedBy: "Omar Reviewer", consent: "not_needed" },
    });
    expect(forMona.get(onPlatform!)).toMatchObject({ applicant: applicantOrg.name, approvable: true, post: { publishedAt: null } });
    expect((await pending(other)).get(outside!)?.approvable).toBe(true);
    // A case study waiting in the same queue is not a funder's record.
    const story = await submitted(w.editor, caseStudyInput(w.orgId, word()));
    expect((await pending(mona)).has(story)).toBe(false);
    // An applicant outside the platform, given without region or kind, is named without them.
    expect((await getPrivatePost(mona, outside!))!.identity.applicant).toMatchObject({ name: `Outside Lab ${outsideTitle}`, region: null, kind: null });
  });

  it("the hidden list holds hidden posts only, for moderators only", async () => {
    const ada = await author("Ada Author");
    const hidden = await publishThroughModeration(ada, mona, caseStudyInput(org.id, word()));
    const shown = await publishThroughModeration(ada, mona, caseStudyInput(org.id, word()));
    await hidePost(mona, hidden, "It names a ward nurse.");
    const list = await listHiddenPosts(mona);
    expect(list.find((i) => i.id === hidden)).toMatchObject({ status: "hidden", organization: org.name });
    expect(list.map((i) => i.id)).not.toContain(shown);
    await expect(listHiddenPosts(ada)).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("a moderator's private view has the whole history with who did what, and the author's name; the organisation's admin sees neither", async () => {
    const ada = await author("Ada Author");
    const adminUser = await person("Alma Admin");
    await pb.collection("memberships").create({ user: adminUser.id, organization: org.id, role: "admin", status: "active" });
    const admin = (await loadActor(adminUser.id))!;
    const id = await publishThroughModeration(ada, mona, caseStudyInput(org.id, word()));
    await hidePost(mona, id, "It names a ward nurse.");
    await restorePost(mona, id, "The name was the project lead's.");
    await autoHidePost(await loadPost(id), "Hidden automatically: a trusted reader reported patient data.");

    const view = (await getPrivatePost(mona, id))!;
    const who = (a: HistoryActor) => (a.kind === "person" ? a.name : a.kind);
    expect(view.history.map((h) => [h.action, h.from, h.to, who(h.actor)])).toEqual([
      ["create", "", "draft", "Ada Author"],
      ["submit", "draft", "submitted", "Ada Author"],
      ["claim", "submitted", "in_review", "Mona Reviewer"],
      ["approve", "in_review", "published", "Mona Reviewer"],
      ["hide", "published", "hidden", "Mona Reviewer"],
      ["restore", "hidden", "published", "Mona Reviewer"],
      ["auto_hide", "published", "hidden", "system"],
    ]);
    expect(view.history[4]).toMatchObject({ note: "It names a ward nurse.", at: expect.stringMatching(/^\d{4}-/) });
    expect(view.authorName).toBe("Ada Author");
    // The platform's admin reads it as the moderators do.
    const platformAdmin = await person("Pia Platform", "admin");
    expect((await getPrivatePost(platformAdmin, id))!).toMatchObject({ authorName: "Ada Author", history: view.history });
    const adminView = (await getPrivatePost(admin, id))!;
    expect(adminView.history).toEqual([]);
    expect(adminView.authorName).toBeNull();
    expect(await getPrivatePost(mona, "nosuchpost00000")).toBeNull();
    // The author deletes their account, keeping the post: the moderator reads "a former member", in their language.
    expect(await deleteAccount(ada.id, "keep")).toMatchObject({ ok: true });
    const after = (await getPrivatePost(mona, id))!;
    expect(after).toMatchObject({ authorName: null, authorGone: true });
    expect(after.history.map((h) => who(h.actor))).toEqual(["former", "former", "Mona Reviewer", "Mona Reviewer", "Mona Reviewer", "Mona Reviewer", "system"]);
  });

  it("the review rendering is the post as the public will see it, under its pseudonym, and only for those who review it", async () => {
    const ada = await author("Ada Author");
    const title = `Anonymous account for review ${word()}`;
    const id = await submitted(ada, caseStudyInput(org.id, word(), title, { anonymous: true }));
    const seen = (await getReviewPost(mona, "en", id))!;
    expect(seen).toMatchObject({ title, anonymous: true, organization: null, publishedAt: null });
    expect(seen.byline).not.toBe(org.name);
    expect(seen.byline).not.toBe("");
    // Under the descriptor approval publishes it under, not the placeholder stored until then.
    await claimPost(mona, id);
    await approvePost(mona, id);
    const slug = (await pb.collection("posts").getOne(id)).slug;
    expect((await getPublishedPost("en", slug))?.byline).toBe(seen.byline);
    // A signed post's preview and review carry its organisation, as its page will.
    const signed = await submitted(ada, caseStudyInput(org.id, word()));
    expect((await getReviewPost(mona, "en", signed))?.organization).toMatchObject({ name: org.name, slug: org.slug });
    expect((await getPreviewPost(ada, "en", signed))?.organization).toMatchObject({ name: org.name, slug: org.slug });
    expect(await getReviewPost(await person("Nora Nobody"), "en", id)).toBeNull();
    expect(await getReviewPost(null, "en", id)).toBeNull();
    expect(await getReviewPost(mona, "en", "nosuchpost00000")).toBeNull();
  });

  it("the review of a funder's record names its applicant as it will be shown, and says when the applicant's consent lapsed", async () => {
    const [id] = await decisions([refusedOnPlatform()]);
    const applicantOrg = await pb.collection("organizations").getFirstListItem(pb.filter("slug = {:s}", { s: w.orgSlug }));
    const identity = (await getPrivatePost(mona, id!))!.identity;
    expect(identity).toMatchObject({
      publishedBy: "funder",
      applicant: { name: applicantOrg.name, region: "flanders", kind: "hospital", consent: "requested" },
    });
    const deadline = Date.parse((await pb.collection("posts").getOne(id!)).consent_deadline);
    setClock(() => deadline + 24 * 3600_000);
    expect((await getPrivatePost(mona, id!))!.identity.applicant?.consent).toBe("lapsed");
    expect((await listModerationQueue(mona)).find((i) => i.id === id)?.consent).toBe("lapsed");
    // A case study names no applicant and no publisher.
    const story = await submitted(w.editor, caseStudyInput(w.orgId, word()));
    expect((await getPrivatePost(mona, story))!.identity).toMatchObject({ publishedBy: null, applicant: null, organization: expect.stringMatching(/^Org /) });
  });
});

// The moderation survivors (issue 10): decisions on a post another moderator holds, reasons
// outside the list, and the author's dismissal of a finding, each refused with its message and
// leaving the post, its events and its findings as they were.
describe("what a decision refuses (issue 10)", () => {
  let org: { id: string; slug: string; name: string };
  let ada: Actor;
  const moderator = (name: string) => person(name, "moderator");
  const state = async (id: string) => {
    const p = await pb.collection("posts").getOne(id);
    return { status: p.status, claimed_by: p.claimed_by, feedback: p.feedback, events: (await moderationEvents(pb, id)).length };
  };

  beforeAll(async () => {
    org = await createOrganization(pb);
    ada = await editorOf(org.id, "Ada Author");
  });

  it("a post one moderator holds cannot be claimed, returned, rejected, approved or given back by another; the refusal names who holds it", async () => {
    const [mona, omar] = [await moderator(`Mona ${word()}`), await moderator(`Omar ${word()}`)];
    const { id } = await saveDraft(ada, caseStudyInput(org.id, word()));
    await submitPost(ada, id);
    await claimPost(mona, id);
    const before = await state(id);
    const held = new RegExp(`${mona.name} is (already )?reviewing this post`);
    await expect(claimPost(omar, id)).rejects.toThrow(held);
    await expect(requestChanges(omar, id, "Please remove the ward names.")).rejects.toThrow(held);
    await expect(rejectPost(omar, id, "not_about_ai", "This is not about an AI project.")).rejects.toThrow(held);
    await expect(approvePost(omar, id)).rejects.toThrow(held);
    await expect(unclaimPost(omar, id)).rejects.toThrow(held);
    expect(await state(id)).toEqual(before);
    // The one who holds it may give it back; then anyone may take it.
    await unclaimPost(mona, id);
    expect(await state(id)).toMatchObject({ status: "submitted", claimed_by: "", events: before.events + 1 });
    await claimPost(omar, id);
    expect((await pb.collection("posts").getOne(id)).claimed_by).toBe(omar.id);
  });

  it("the author (not a moderator) is refused as forbidden, and a post not yet claimed must be claimed first", async () => {
    const mona = await moderator(`Mona ${word()}`);
    const { id } = await saveDraft(ada, caseStudyInput(org.id, word()));
    await submitPost(ada, id);
    await expect(requestChanges(mona, id, "Please remove the ward names.")).rejects.toThrow("Claim the post");
    await expect(rejectPost(mona, id, "not_about_ai", "This is not about an AI project.")).rejects.toThrow("Claim the post");
    await claimPost(mona, id);
    const before = await state(id);
    await expect(requestChanges(ada, id, "Please remove the ward names.")).rejects.toBeInstanceOf(ForbiddenError);
    await expect(rejectPost(ada, id, "not_about_ai", "This is not about an AI project.")).rejects.toBeInstanceOf(ForbiddenError);
    await expect(unclaimPost(ada, id)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await state(id)).toEqual(before);
  });

  it("a rejection needs a reason from the list and an explanation; a return needs a note; nothing changes otherwise", async () => {
    const mona = await moderator(`Mona ${word()}`);
    const { id } = await saveDraft(ada, caseStudyInput(org.id, word()));
    await submitPost(ada, id);
    await claimPost(mona, id);
    const before = await state(id);
    await expect(rejectPost(mona, id, "because", "This is not about an AI project.")).rejects.toThrow("Choose a reason from the list.");
    await expect(rejectPost(mona, id, "not_about_ai", "  no  ")).rejects.toThrow("Explain the decision to the author");
    await expect(requestChanges(mona, id, "  fix ")).rejects.toThrow(ValidationError);
    expect(await state(id)).toEqual(before);
    // Five characters are enough, and the note is stored trimmed.
    await requestChanges(mona, id, "  Fix it  ");
    expect(await state(id)).toMatchObject({ status: "changes_requested", claimed_by: "", feedback: "Fix it" });
  });

  it("the author's dismissal of a finding needs a reason, a finding that still exists, and is never allowed for a national number", async () => {
    const { id, findings } = await saveDraft(
      ada,
      caseStudyInput(org.id, word(), undefined, { body_md: "## Context\n\nDr. Peeters led the pilot on the ward, then it was stopped." }),
    );
    const name = findings.find((f) => f.kind === "titled_name")!;
    const stored = async () => (await pb.collection("posts").getOne(id)).privacy_dismissals;
    await expect(dismissFinding(ada, id, name.id, " lead ")).rejects.toThrow("at least 5 characters");
    await expect(dismissFinding(ada, id, "nosuchfinding", "Dr. Peeters is our project lead.")).rejects.toThrow("That finding no longer exists");
    expect(await stored()).toEqual([]);
    // Dismissed twice (a second reason replaces the first), stored trimmed.
    await dismissFinding(ada, id, name.id, "  Our project lead.  ");
    await dismissFinding(ada, id, name.id, "Dr. Peeters is our project lead, not a patient.");
    expect(await stored()).toEqual([{ id: name.id, reason: "Dr. Peeters is our project lead, not a patient." }]);
    expect((await pb.collection("posts").getOne(id)).privacy_findings.find((f: { id: string }) => f.id === name.id)).toMatchObject({
      dismissed: { reason: "Dr. Peeters is our project lead, not a patient." },
    });
    // A national register number is never "not personal data".
    const nrn = await saveDraft(
      ada,
      caseStudyInput(org.id, word(), undefined, { body_md: "## Context\n\nThe export still carried 85.07.30-033.28 in one of its rows." }),
    );
    const number = nrn.findings.find((f) => f.blocking)!;
    await expect(dismissFinding(ada, nrn.id, number.id, "It is a test number, not a patient's.")).rejects.toThrow("can never be published");
    expect((await pb.collection("posts").getOne(nrn.id)).privacy_dismissals).toEqual([]);
  });
});

describe("what hiding and an edit's decision change (issue 10)", () => {
  let org: { id: string; slug: string; name: string };
  let ada: Actor;
  let mona: Actor;

  beforeAll(async () => {
    org = await createOrganization(pb);
    ada = await editorOf(org.id, "Ada Author");
    mona = await person("Mona Reviewer", "moderator");
  });

  it("only a published post is hidden, with a reason of five characters or more; a post in review is not taken out of it", async () => {
    const { id } = await saveDraft(ada, caseStudyInput(org.id, word()));
    await submitPost(ada, id);
    await expect(hidePost(mona, id, "It names a ward nurse.")).rejects.toThrow("Only a published post can be hidden.");
    expect((await pb.collection("posts").getOne(id)).status).toBe("submitted");
    const live = await publishThroughModeration(ada, mona, caseStudyInput(org.id, word()));
    const events = (await moderationEvents(pb, live)).length;
    await expect(hidePost(mona, live, "  ward ")).rejects.toThrow("Say why the post is hidden");
    await expect(restorePost(mona, live)).rejects.toThrow("Only a hidden post can be restored.");
    expect((await pb.collection("posts").getOne(live)).status).toBe("published");
    expect(await moderationEvents(pb, live)).toHaveLength(events);
    await hidePost(mona, live, "Names");
    expect((await pb.collection("posts").getOne(live)).status).toBe("hidden");
  });

  it("an edit approved or refused marks its revision so, and the live post carries the moderator's trimmed note", async () => {
    const edit = async (id: string, title: string) => {
      await saveDraft(ada, caseStudyInput(org.id, word(), title), id);
      await submitPost(ada, id);
      await claimPost(mona, id);
      return (await pb.collection("posts").getOne(id)).pending_revision as string;
    };
    const id = await publishThroughModeration(ada, mona, caseStudyInput(org.id, word()));
    const refused = await edit(id, `A refused edit ${word()}`);
    await rejectPost(mona, id, "not_about_ai", "  The new version is not about the AI project.  ");
    expect((await pb.collection("revisions").getOne(refused)).status).toBe("rejected");
    expect(await pb.collection("posts").getOne(id)).toMatchObject({
      status: "published",
      pending_revision: "",
      feedback: "The new version is not about the AI project.",
    });
    const title = `An approved edit ${word()}`;
    const approved = await edit(id, title);
    await approvePost(mona, id, "  Thank you for the clearer results.  ");
    expect((await pb.collection("revisions").getOne(approved)).status).toBe("approved");
    expect(await pb.collection("posts").getOne(id)).toMatchObject({
      status: "published",
      title,
      pending_revision: "",
      feedback: "Thank you for the clearer results.",
    });
    // The history keeps the note as the author was sent it, trimmed, for the refusal as for the approval.
    const history = await moderationEvents(pb, id);
    expect(history.at(-1)).toMatchObject({ action: "approve_revision", note: "Thank you for the clearer results." });
    expect(history.filter((e) => e.note === "The new version is not about the AI project.")).toHaveLength(1);
  });
});
