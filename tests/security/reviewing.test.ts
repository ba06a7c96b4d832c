// Issue 11 §7–§11 over real HTTP: the new review actions and pages refuse whoever may not use
// them, and a refusal changes nothing (re-read through PocketBase as a superuser): answering
// someone else's request for changes, bulk-approving funders' records without being a
// moderator (or as one with a stake in the applicant), signing off as someone other than the
// organisation's DPO, rejecting without a reason, reading a sign-off page from outside, a second
// moderator taking over or deciding a post a colleague holds (and who may take over a claim that
// lapsed), and hiding then restoring a post in review to publish it without approval (issue 10).
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { recordDecisions, saveCall } from "../../src/lib/server/funding.ts";
import { claimPost, requestChanges, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { setRequiresDpoReview } from "../../src/lib/server/orgs.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, useTestPocketBase } from "../integration/setup.ts";
import { Client, type Scenario } from "./scenarios.ts";

const RUN = Math.random().toString(36).slice(2, 10);
/** In every unpublished post: must never reach someone who may not see it. */
const MARKER = `zqreview${RUN}`;
const WHO = ["anonymous", "plain", "orgMember", "otherEditor", "editor", "dpo", "orgAdmin", "funder", "moderator", "stakeModerator", "otherModerator"] as const;
type Who = (typeof WHO)[number];

let pb: PocketBase;
const clients = {} as Record<Who, Client>;
const actors = {} as Record<Exclude<Who, "anonymous">, Actor>;
const w = {} as { orgId: string; changes: string; dpoPost: string; inReview: string; inReviewSlug: string; records: string[]; stakeRecord: string };

function story(orgId: string, title: string) {
  return {
    kind: "case_study",
    organization: orgId,
    title,
    summary: `A sepsis model switched off after months of alert fatigue (${MARKER}).`,
    body_md: `## Context\n\nA general hospital tried a sepsis early-warning model (${MARKER}).\n\n## Result\n\nSwitched off.`,
    language: "en",
    tags: "sepsis",
    anonymous: false,
    outcome: "failure",
    care_settings: ["hospital"],
    ai_types: ["predictive_model"],
    lifecycle_stage: "stopped",
    lessons_md: "- Agree an alert budget first.",
  };
}

beforeAll(async () => {
  pb = await useTestPocketBase();
  const ids = {} as Record<Exclude<Who, "anonymous">, { id: string; email: string; password: string }>;
  for (const who of WHO) {
    if (who === "anonymous") continue;
    ids[who] = await createUser(pb, {
      name: `Person ${who} ${RUN}`,
      role: who === "moderator" || who === "stakeModerator" || who === "otherModerator" ? "moderator" : "member",
    });
  }
  const org = await createOrganization(pb, [
    { userId: ids.orgMember.id, role: "member" },
    { userId: ids.editor.id, role: "editor" },
    { userId: ids.dpo.id, role: "dpo" },
    { userId: ids.orgAdmin.id, role: "admin" },
    { userId: ids.stakeModerator.id, role: "member" },
  ]);
  await createOrganization(pb, [{ userId: ids.otherEditor.id, role: "editor" }]);
  const fund = await createOrganization(pb, [{ userId: ids.funder.id, role: "editor" }], { kind: "funder", region: "brussels" });
  for (const who of WHO) if (who !== "anonymous") actors[who] = (await loadActor(ids[who].id))!;
  w.orgId = org.id;
  const { editor, moderator, orgAdmin, funder } = actors;

  w.changes = (await saveDraft(editor, story(org.id, `Changes asked ${MARKER}`))).id;
  await submitPost(editor, w.changes);
  await claimPost(moderator, w.changes);
  await requestChanges(moderator, w.changes, "Please say how many alerts a shift.");
  w.inReview = (await saveDraft(editor, story(org.id, `In review ${MARKER}`))).id;
  await submitPost(editor, w.inReview);
  await claimPost(moderator, w.inReview);
  w.inReviewSlug = (await pb.collection("posts").getOne(w.inReview, { fields: "slug" })).slug;
  await setRequiresDpoReview(orgAdmin, org.id, true);
  w.dpoPost = (await saveDraft(editor, story(org.id, `Sign-off ${MARKER}`))).id;
  await submitPost(editor, w.dpoPost);
  await setRequiresDpoReview(orgAdmin, org.id, false);

  const { slug } = await saveCall(funder, fund.id, {
    title: `Everyday AI ${RUN}`,
    description: "A call for AI projects in everyday care, this year's round.",
    opens_on: "2025-01-01",
    closes_on: "2025-03-31",
    status: "closed",
  });
  const callId = (await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: slug }))).id;
  const award = (title: string, extra: Record<string, unknown> = {}) => ({
    title,
    applicantType: "outside",
    applicant: `Outside Lab ${RUN}`,
    amountRequested: 80_000,
    amountAwarded: 60_000,
    decision: "awarded",
    decidedOn: "2025-06-30",
    language: "en",
    ...extra,
  });
  await recordDecisions(funder, callId, [
    award(`Award one ${RUN}`),
    award(`Award two ${RUN}`),
    // About the organisation the stake moderator belongs to: theirs is never the decision.
    award(`Award to the org ${RUN}`, { applicantType: "platform", applicant: org.slug }),
  ]);
  const records = await pb.collection("posts").getFullList({ filter: pb.filter("call = {:c}", { c: callId }), fields: "id,title" });
  w.records = [`Award one ${RUN}`, `Award two ${RUN}`].map((t) => records.find((r) => r.title === t)!.id);
  w.stakeRecord = records.find((r) => r.title === `Award to the org ${RUN}`)!.id;

  clients.anonymous = new Client();
  for (const who of WHO) if (who !== "anonymous") clients[who] = await new Client().signIn(ids[who].email, ids[who].password);
}, 120_000);

type Req = { path: string; form?: Record<string, string> | FormData };
type Expected = { status: number; location?: string; contains?: string[]; lacks?: string[]; changes: boolean };
type Row = Scenario<Req, Expected>;

const events = (post: string) => pb.collection("moderation_events").getFullList({ filter: pb.filter("post = {:p}", { p: post }), fields: "action,actor,note" });
const state = async (post: string) => {
  const p = await pb.collection("posts").getOne(post, { fields: "status,revision_status,claimed_by,feedback,updated" });
  return { post: p, events: await events(post) };
};

async function run(rows: Row[], snapshot: () => Promise<unknown>): Promise<void> {
  // Refusals first: an allowed request changes what the others are refused on.
  for (const row of [...rows].sort((a, b) => Number(a.expected.changes) - Number(b.expected.changes))) {
    const label = `${row.actor}: ${row.name}`;
    const before = await snapshot();
    const client = clients[row.actor as Who];
    const res = row.request.form ? await client.form(row.request.path, row.request.form) : await client.fetch(row.request.path);
    const body = await res.text();
    expect.soft(res.status, `${label} answered ${res.status}`).toBe(row.expected.status);
    if (row.expected.location) expect.soft(res.headers.get("location") ?? "", label).toMatch(new RegExp(`^${row.expected.location}`));
    for (const text of row.expected.contains ?? []) expect.soft(body, `${label} shows ${text}`).toContain(text);
    for (const text of row.expected.lacks ?? []) expect.soft(body.includes(text), `${label} leaks ${text}`).toBe(false);
    const after = await snapshot();
    if (row.expected.changes) expect.soft(after, `${label} changed nothing`).not.toEqual(before);
    else expect.soft(after, `${label} changed something`).toEqual(before);
  }
}

const refused = (status: number, lacks: string[] = [MARKER]): Expected => ({ status, lacks, changes: false });
// Redirects keep the page language's prefix (issue 12 §3): /en/signin for an English request.
const SIGNIN: Expected = { status: 303, location: "(/(en|fr|nl))?/signin", changes: false };

describe("reviewing: who may do what (issue 11 §7–§11)", () => {
  it("only the author's side answers a request for changes (replyToFeedback)", async () => {
    const request = (): Req => ({ path: "/dashboard?_action=replyToFeedback", form: { postId: w.changes, reply: `An answer from outside ${RUN}.` } });
    const rows: Row[] = [
      { name: "anonymous", actor: "anonymous", request: request(), expected: SIGNIN },
      { name: "no organisation", actor: "plain", request: request(), expected: refused(403) },
      { name: "a plain member who did not write it", actor: "orgMember", request: request(), expected: refused(403) },
      { name: "an editor of another organisation", actor: "otherEditor", request: request(), expected: refused(403) },
      { name: "the organisation's DPO", actor: "dpo", request: request(), expected: refused(403) },
      { name: "a moderator", actor: "moderator", request: request(), expected: refused(403) },
      { name: "the author", actor: "editor", request: request(), expected: { status: 200, contains: ["is saved"], changes: true } },
    ];
    await run(rows, () => events(w.changes));
    // A post that is not waiting for changes cannot be answered, even by its author.
    await run(
      [
        {
          name: "answer on a post in review",
          actor: "editor",
          request: { path: "/dashboard?_action=replyToFeedback", form: { postId: w.inReview, reply: "Too early." } },
          expected: refused(403, []),
        },
      ],
      () => events(w.inReview),
    );
  });

  it("only moderators approve funders' records together, never one about their own organisation (approveDecisions)", async () => {
    const request = (ids: string[]): Req => {
      const form = new FormData();
      for (const id of ids) form.append("postIds", id);
      return { path: "/moderation/decisions?_action=approveDecisions", form };
    };
    const snapshot = async () => Promise.all([...w.records, w.stakeRecord].map(state));
    const rows: Row[] = [
      { name: "anonymous", actor: "anonymous", request: request(w.records), expected: SIGNIN },
      { name: "no organisation", actor: "plain", request: request(w.records), expected: refused(403, [`Award one ${RUN}`]) },
      { name: "the funder who recorded them", actor: "funder", request: request(w.records), expected: refused(403) },
      { name: "an organisation admin", actor: "orgAdmin", request: request(w.records), expected: refused(403, [`Award one ${RUN}`]) },
      {
        name: "a moderator who belongs to the applicant",
        actor: "stakeModerator",
        request: request([w.stakeRecord]),
        expected: { status: 200, contains: ["Not approved:", "You cannot decide on this record."], changes: false },
      },
      { name: "a moderator", actor: "moderator", request: request(w.records), expected: { status: 200, contains: ["2 records approved"], changes: true } },
    ];
    await run(rows, snapshot);
    for (const id of w.records) expect((await pb.collection("posts").getOne(id)).status).toBe("published");
    expect((await pb.collection("posts").getOne(w.stakeRecord)).status).toBe("submitted");
  });

  it("the sign-off page and decision are the organisation's DPO's only (dpoReview)", async () => {
    const page: Req = { path: `/dashboard/signoff/${w.dpoPost}` };
    await run(
      [
        { name: "anonymous reads the sign-off page", actor: "anonymous", request: page, expected: SIGNIN },
        { name: "no organisation", actor: "plain", request: page, expected: refused(404) },
        { name: "a plain member", actor: "orgMember", request: page, expected: refused(404) },
        { name: "an editor of another organisation", actor: "otherEditor", request: page, expected: refused(404) },
        {
          name: "the author reads but cannot sign off",
          actor: "editor",
          request: page,
          expected: { status: 200, contains: [MARKER], lacks: ["Approve for moderation"], changes: false },
        },
        { name: "the DPO", actor: "dpo", request: page, expected: { status: 200, contains: [MARKER, "Approve for moderation"], changes: false } },
      ],
      () => state(w.dpoPost),
    );
    const decide = (decision: string): Req => ({ path: `/dashboard/signoff/${w.dpoPost}?_action=dpoReview`, form: { postId: w.dpoPost, decision, note: "" } });
    await run(
      [
        { name: "the author approves their own post", actor: "editor", request: decide("approve"), expected: refused(403, []) },
        { name: "an organisation admin approves", actor: "orgAdmin", request: decide("approve"), expected: refused(403, []) },
        { name: "a moderator approves", actor: "moderator", request: decide("approve"), expected: refused(403, []) },
        {
          name: "the DPO returns without a comment",
          actor: "dpo",
          request: decide("return"),
          expected: { status: 400, contains: ["Tell the author what to change"], changes: false },
        },
        {
          name: "the DPO approves",
          actor: "dpo",
          request: decide("approve"),
          expected: { status: 303, location: `(/(en|fr|nl))?/dashboard/signoff\\?done=approve&post=${w.dpoPost}`, changes: true },
        },
      ],
      () => state(w.dpoPost),
    );
  });

  it("a post one moderator holds cannot be taken over or decided by another (moderatePost)", async () => {
    const decide = (decision: string, extra: Record<string, string> = {}): Req => ({
      path: `/moderation/posts/${w.inReview}?_action=moderatePost`,
      form: { postId: w.inReview, decision, note: `A second opinion ${RUN}.`, ...extra },
    });
    // The refusal names who holds the post, so the second moderator knows whom to ask.
    const holder = `Person moderator ${RUN}`;
    await run(
      [
        {
          name: "a second moderator claims it",
          actor: "otherModerator",
          request: decide("claim"),
          expected: { status: 400, contains: [`${holder} is already reviewing this post.`], changes: false },
        },
        {
          name: "a second moderator gives it back to the queue",
          actor: "otherModerator",
          request: decide("unclaim"),
          expected: { status: 400, contains: [`${holder} is reviewing this post.`], changes: false },
        },
        {
          name: "a second moderator approves it",
          actor: "otherModerator",
          request: decide("approve"),
          expected: { status: 400, contains: [`${holder} is reviewing this post.`], changes: false },
        },
        {
          name: "a second moderator asks for changes",
          actor: "otherModerator",
          request: decide("request_changes"),
          expected: { status: 400, contains: [`${holder} is reviewing this post.`], changes: false },
        },
        {
          name: "a second moderator rejects it",
          actor: "otherModerator",
          request: decide("reject", { reason_code: "not_about_ai" }),
          expected: { status: 400, contains: [`${holder} is reviewing this post.`], changes: false },
        },
      ],
      () => state(w.inReview),
    );
    // Still unpublished: nobody outside reads it.
    const page = await clients.anonymous.fetch(`/posts/${w.inReviewSlug}`);
    expect(page.status).toBe(404);
    expect((await page.text()).includes(MARKER)).toBe(false);
  });

  it("a claim that lapsed is taken over only by another moderator without a stake in the post (moderatePost claim)", async () => {
    const id = (await saveDraft(actors.editor, story(w.orgId, `Lapsed claim ${MARKER}`))).id;
    await submitPost(actors.editor, id);
    await claimPost(actors.moderator, id);
    // Its moderator claimed it two days ago and went on leave.
    await pb.collection("posts").update(id, { claimed_at: new Date(Date.now() - 48 * 3_600_000).toISOString() });
    const claim: Req = { path: `/moderation/posts/${id}?_action=moderatePost`, form: { postId: id, decision: "claim", note: "" } };
    await run(
      [
        { name: "a visitor takes the review over", actor: "anonymous", request: claim, expected: SIGNIN },
        // Not moderators: the review page does not exist for them.
        ...(["plain", "editor", "orgAdmin", "dpo", "funder"] as const).map((actor) => ({
          name: "takes the review over",
          actor,
          request: claim,
          expected: refused(404),
        })),
        // A moderator reads the post in review, but never decides on their own organisation's.
        {
          name: "a moderator of the post's own organisation takes the review over",
          actor: "stakeModerator",
          request: claim,
          expected: { status: 403, changes: false },
        },
        { name: "another moderator takes the review over", actor: "otherModerator", request: claim, expected: { status: 303, changes: true } },
      ],
      () => state(id),
    );
    expect((await pb.collection("posts").getOne(id)).claimed_by).toBe(actors.otherModerator.id);
  });

  it("hiding and restoring never publish a post that was not approved (moderatePost hide/restore)", async () => {
    const decide = (post: string, decision: string): Req => ({
      path: `/moderation/posts/${post}?_action=moderatePost`,
      form: { postId: post, decision, note: `Back online ${RUN}.` },
    });
    // Hide-then-restore would be a way round approval: hidden is only ever a published post's state.
    await run(
      [
        {
          name: "the holder hides a post in review",
          actor: "moderator",
          request: decide(w.inReview, "hide"),
          expected: { status: 400, contains: ["Only a published post can be hidden."], changes: false },
        },
        {
          name: "the holder restores a post in review",
          actor: "moderator",
          request: decide(w.inReview, "restore"),
          expected: { status: 400, contains: ["Only a hidden post can be restored."], changes: false },
        },
      ],
      () => state(w.inReview),
    );
    await run(
      [
        {
          name: "a moderator restores a post waiting for changes",
          actor: "otherModerator",
          request: decide(w.changes, "restore"),
          expected: { status: 400, contains: ["Only a hidden post can be restored."], changes: false },
        },
      ],
      () => state(w.changes),
    );
    const page = await clients.anonymous.fetch(`/posts/${w.inReviewSlug}`);
    expect(page.status).toBe(404);
  });

  it("a rejection without a reason changes nothing and says so next to the field", async () => {
    await run(
      [
        {
          name: "reject without a reason",
          actor: "moderator",
          request: {
            path: `/moderation/posts/${w.inReview}?_action=moderatePost`,
            form: { postId: w.inReview, decision: "reject", note: "Reads as marketing." },
          },
          expected: { status: 400, contains: ["Choose why the post is rejected.", 'aria-invalid="true"', "Reads as marketing."], changes: false },
        },
      ],
      () => state(w.inReview),
    );
  });
});
