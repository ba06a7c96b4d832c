// Issue 9 §18: no transition ever leaves the search index and PocketBase disagreeing. Every
// transition function of the post lifecycle is tried from every state (allowed or not);
// after each, the outbox is drained into a real embedded engine, and the post must be
// findable exactly when its status is `published`. Nothing here writes outbox rows: only
// the domain functions do.
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flagPost } from "../../src/lib/server/flags.ts";
import {
  approvePost,
  claimPost,
  dpoReview,
  hidePost,
  rejectPost,
  requestChanges,
  restorePost,
  saveDraft,
  submitPost,
  unclaimPost,
  withdrawPost,
} from "../../src/lib/server/moderation.ts";
import { makeQuery } from "../../src/lib/server/search/engine.ts";
import { searchPosts } from "../../src/lib/server/search/index.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { caseStudyInput as input, drainAll, trustedReader, useTestSearch, word } from "./search-helpers.ts";
import { createOrganization, createUser, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let search: ReturnType<typeof useTestSearch>;
type World = { editor: Actor; dpo: Actor; admin: Actor; moderator: Actor; orgId: string; dpoOrgId: string };
let w: World;

type Post = { id: string; marker: string };
type Step = (p: Post) => Promise<unknown>;

// Every state a post can be in, reached through the domain functions.
const STATES: Record<string, { dpo?: boolean; revision?: string; steps: Step[] }> = {
  draft: { steps: [] },
  dpo_review: { dpo: true, steps: [(p) => submitPost(w.editor, p.id)] },
  submitted: { steps: [(p) => submitPost(w.editor, p.id)] },
  in_review: { steps: [(p) => submitPost(w.editor, p.id), (p) => claimPost(w.moderator, p.id)] },
  changes_requested: {
    steps: [(p) => submitPost(w.editor, p.id), (p) => claimPost(w.moderator, p.id), (p) => requestChanges(w.moderator, p.id, "Please remove the ward names.")],
  },
  rejected: {
    steps: [(p) => submitPost(w.editor, p.id), (p) => claimPost(w.moderator, p.id), (p) => rejectPost(w.moderator, p.id, "promotional", "Reads as marketing.")],
  },
  published: { steps: [(p) => submitPost(w.editor, p.id), (p) => claimPost(w.moderator, p.id), (p) => approvePost(w.moderator, p.id)] },
  hidden: {
    steps: [
      (p) => submitPost(w.editor, p.id),
      (p) => claimPost(w.moderator, p.id),
      (p) => approvePost(w.moderator, p.id),
      (p) => hidePost(w.moderator, p.id, "Checking a complaint."),
    ],
  },
  withdrawn: { steps: [(p) => submitPost(w.editor, p.id), (p) => withdrawPost(w.editor, p.id)] },
  "published, revision draft": {
    revision: "draft",
    steps: [
      (p) => submitPost(w.editor, p.id),
      (p) => claimPost(w.moderator, p.id),
      (p) => approvePost(w.moderator, p.id),
      (p) => saveDraft(w.editor, input(w.orgId, p.marker, `Revised discharge letters ${p.marker}`), p.id),
    ],
  },
  "published, revision in review": {
    revision: "in_review",
    steps: [
      (p) => submitPost(w.editor, p.id),
      (p) => claimPost(w.moderator, p.id),
      (p) => approvePost(w.moderator, p.id),
      (p) => saveDraft(w.editor, input(w.orgId, p.marker, `Revised discharge letters ${p.marker}`), p.id),
      (p) => submitPost(w.editor, p.id),
      (p) => claimPost(w.moderator, p.id),
    ],
  },
  "published, revision with the DPO": {
    dpo: true,
    revision: "dpo_review",
    steps: [
      (p) => submitPost(w.editor, p.id),
      (p) => dpoReview(w.dpo, p.id, "approve"),
      (p) => claimPost(w.moderator, p.id),
      (p) => approvePost(w.moderator, p.id),
      (p) => saveDraft(w.editor, input(w.dpoOrgId, p.marker, `Revised discharge letters ${p.marker}`), p.id),
      (p) => submitPost(w.editor, p.id),
    ],
  },
};

// Every transition function, by the actor who would normally call it.
const TRANSITIONS: Record<string, (p: Post, orgId: string) => Promise<unknown>> = {
  "save (edit)": (p, orgId) => saveDraft(w.editor, input(orgId, p.marker, `Edited discharge letters ${p.marker}`), p.id),
  submit: (p) => submitPost(w.editor, p.id),
  "DPO approves": (p) => dpoReview(w.dpo, p.id, "approve"),
  "DPO returns": (p) => dpoReview(w.dpo, p.id, "return", "Remove the ward names first."),
  claim: (p) => claimPost(w.moderator, p.id),
  unclaim: (p) => unclaimPost(w.moderator, p.id),
  approve: (p) => approvePost(w.moderator, p.id),
  "request changes": (p) => requestChanges(w.moderator, p.id, "Please add the evaluation."),
  reject: (p) => rejectPost(w.moderator, p.id, "promotional", "Reads as marketing."),
  hide: (p) => hidePost(w.moderator, p.id, "Checking a complaint."),
  restore: (p) => restorePost(w.moderator, p.id, "Checked."),
  "withdraw (author)": (p) => withdrawPost(w.editor, p.id),
  "withdraw (org admin)": (p) => withdrawPost(w.admin, p.id),
  "patient-data flag (trusted reader)": async (p) =>
    flagPost(await trustedReader(pb, w.moderator), p.id, "patient_data", "A patient's initials and date of birth."),
};

const cases = Object.keys(STATES).flatMap((state) => Object.keys(TRANSITIONS).map((transition) => ({ state, transition })));

beforeAll(async () => {
  pb = await useTestPocketBase();
  search = useTestSearch();
  const [editor, dpo, admin, mod] = await Promise.all([createUser(pb), createUser(pb), createUser(pb), createUser(pb, { role: "moderator" })]);
  const members = [
    { userId: editor.id, role: "editor" },
    { userId: dpo.id, role: "dpo" },
    { userId: admin.id, role: "admin" },
  ];
  const org = await createOrganization(pb, members);
  const dpoOrg = await createOrganization(pb, members, { requires_dpo_review: true });
  const load = async (id: string) => (await loadActor(id))!;
  w = {
    editor: await load(editor.id),
    dpo: await load(dpo.id),
    admin: await load(admin.id),
    moderator: await load(mod.id),
    orgId: org.id,
    dpoOrgId: dpoOrg.id,
  };
  await drainAll();
});

afterAll(() => search.dispose());

describe("search index and PocketBase agree after every transition (issue 9 §18)", () => {
  it.each(cases)("$state → $transition", async ({ state, transition }) => {
    const marker = word();
    const orgId = STATES[state]!.dpo ? w.dpoOrgId : w.orgId;
    const { id } = await saveDraft(w.editor, input(orgId, marker));
    const post = { id, marker };
    for (const step of STATES[state]!.steps) await step(post);
    const prepared = await pb.collection("posts").getOne(id);
    expect([prepared.status, prepared.revision_status || null]).toEqual([state.split(",")[0], STATES[state]!.revision ?? null]);
    await TRANSITIONS[transition]!(post, orgId).catch(() => undefined); // refused transitions must change nothing public either
    await drainAll();
    const record = await pb.collection("posts").getOne(id);
    const found = (await searchPosts(makeQuery({ q: marker, perPage: 10 }))).hits.map((h) => h.id);
    expect({ status: record.status, searchable: found.includes(id) }).toEqual({ status: record.status, searchable: record.status === "published" });
  });

  it("the table covers every post status", () => {
    const reached = new Set(Object.keys(STATES).map((s) => s.split(",")[0]));
    for (const status of ["draft", "dpo_review", "submitted", "in_review", "changes_requested", "published", "rejected", "hidden", "withdrawn"])
      expect(reached).toContain(status);
  });
});
