// Issue 10 §1: every transition, driven through the real domain function, leaves exactly the
// rows DESIGN.md §4 promises — the post's new state, one moderation_events row (actor,
// action, from/to, reason), the search_outbox rows where public state changes — and the
// search index, once the outbox is drained, agrees. Each row of the table starts from its
// own post, reached through the domain functions too.
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flagPost } from "../../src/lib/server/flags.ts";
import { answerConsent, recordDecisions, saveCall } from "../../src/lib/server/funding.ts";
import { validateImport, writeImport } from "../../src/lib/server/importer.ts";
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
  withdrawPost,
} from "../../src/lib/server/moderation.ts";
import { deleteAccount, loadActor, type Actor } from "../../src/lib/server/users.ts";
import {
  caseStudyInput,
  drainAll,
  moderationEvents,
  outboxRows,
  publishThroughModeration,
  search,
  trustedReader,
  useTestSearch,
  word,
} from "./search-helpers.ts";
import { createOrganization, createUser, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let engine: ReturnType<typeof useTestSearch>;
type World = { editor: Actor; dpo: Actor; admin: Actor; moderator: Actor; funder: Actor; orgId: string; orgSlug: string; dpoOrgId: string; funderId: string };
let w: World;

/** What one transition leaves behind. `actor` is a key of the world, or "" for the system. */
type Expected = {
  post: Record<string, unknown>;
  events: { actor: keyof World | "moderatorAdmin" | ""; action: string; from_status: string; to_status: string; reason_code?: string; note?: string }[];
  outbox: ("upsert" | "delete")[];
  searchable: boolean;
};

/** The subject of a row: a post (or a call) reached through the domain, and the search word in its title. */
type Subject = { id: string; marker: string; collection: "posts" | "funding_calls"; extra?: Record<string, string> };

type Row = { name: string; arrange: (marker: string) => Promise<Subject>; act: (s: Subject) => Promise<unknown>; expected: (s: Subject) => Expected };

async function draft(marker: string, orgId = w.orgId, user = w.editor): Promise<Subject> {
  const { id } = await saveDraft(user, caseStudyInput(orgId, marker));
  return { id, marker, collection: "posts" };
}
async function submitted(marker: string): Promise<Subject> {
  const s = await draft(marker);
  await submitPost(w.editor, s.id);
  return s;
}
async function inReview(marker: string): Promise<Subject> {
  const s = await submitted(marker);
  await claimPost(w.moderator, s.id);
  return s;
}
async function dpoReviewing(marker: string): Promise<Subject> {
  const s = await draft(marker, w.dpoOrgId);
  await submitPost(w.editor, s.id);
  return s;
}
async function published(marker: string): Promise<Subject> {
  const id = await publishThroughModeration(w.editor, w.moderator, caseStudyInput(w.orgId, marker));
  return { id, marker, collection: "posts" };
}
async function hidden(marker: string): Promise<Subject> {
  const s = await published(marker);
  await hidePost(w.moderator, s.id, "Checking a complaint.");
  return s;
}
/** What deleting an account that withdraws its published posts leaves on one of them (`from`: its status before). */
function withdrawnWithAccount(from: "published" | "hidden"): Expected {
  return {
    post: { status: "withdrawn", author: "" },
    events: [{ actor: "", action: "withdraw", from_status: from, to_status: "withdrawn", note: "Author deleted their account and withdrew their posts." }],
    outbox: ["delete"],
    searchable: false,
  };
}
/** A post published by an account of its own (to be deleted), hidden afterwards if asked; `extra.user` is the account. */
async function ownPublishedPost(marker: string, { hide = false } = {}): Promise<Subject> {
  const user = await createUser(pb);
  const org = await createOrganization(pb, [{ userId: user.id, role: "editor" }]);
  const id = await publishThroughModeration((await loadActor(user.id))!, w.moderator, caseStudyInput(org.id, marker));
  if (hide) await hidePost(w.moderator, id, "Names a ward nurse.");
  return { id, marker, collection: "posts", extra: { user: user.id } };
}
/** A published post whose edit (a new title with its own marker) waits in review. */
async function revisionInReview(marker: string): Promise<Subject> {
  const s = await published(marker);
  const revised = word();
  // The post's own marker stays in the summary, so both versions are found by it.
  const summary = `A model drafted discharge letters (${marker}); the second pilot measured it properly.`;
  await saveDraft(w.editor, caseStudyInput(w.orgId, revised, `Revised discharge letters ${revised}`, { summary }), s.id);
  await submitPost(w.editor, s.id);
  await claimPost(w.moderator, s.id);
  return { ...s, extra: { revised } };
}
/** A funder's refusal naming an applicant on the platform, waiting for its consent. */
async function consentRequested(marker: string): Promise<Subject> {
  const call = await saveCall(w.funder, w.funderId, {
    title: `Call for ${marker}`,
    description: "A call for AI projects in hospitals, this year's round.",
    status: "closed",
  });
  const callId = (await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: call.slug }))).id;
  await recordDecisions(w.funder, callId, [
    {
      title: `Refused application ${marker}`,
      applicantType: "platform",
      applicant: w.orgSlug,
      amountRequested: 90_000,
      decision: "rejected",
      decidedOn: "2025-06-30",
      rejectionReasons: ["budget_or_roi"],
    },
  ]);
  const post = await pb.collection("posts").getFirstListItem(pb.filter("call = {:c}", { c: callId }));
  return { id: post.id, marker, collection: "posts" };
}

const none: Pick<Expected, "outbox" | "searchable"> = { outbox: [], searchable: false };
const IMPORT_NOTE = "Bulk import published by an administrator";

const ROWS: Row[] = [
  {
    name: "save (new draft)",
    arrange: async (marker) => ({ id: "", marker, collection: "posts" }),
    act: async (s) => {
      s.id = (await saveDraft(w.editor, caseStudyInput(w.orgId, s.marker))).id;
    },
    expected: () => ({
      post: { status: "draft", author: w.editor.id },
      events: [{ actor: "editor", action: "create", from_status: "", to_status: "draft" }],
      ...none,
    }),
  },
  {
    name: "save (edit of a draft)",
    arrange: (marker) => draft(marker),
    act: (s) => saveDraft(w.editor, caseStudyInput(w.orgId, s.marker, `Edited discharge letters ${s.marker}`), s.id),
    expected: (s) => ({
      post: { status: "draft", title: `Edited discharge letters ${s.marker}` },
      events: [{ actor: "editor", action: "save", from_status: "draft", to_status: "draft" }],
      ...none,
    }),
  },
  {
    name: "save (edit of a published post: a pending revision, the live version stays)",
    arrange: (marker) => published(marker),
    act: (s) => saveDraft(w.editor, caseStudyInput(w.orgId, s.marker, `Edited discharge letters ${s.marker}`), s.id),
    expected: () => ({
      post: { status: "published", revision_status: "draft", title: expect.stringMatching(/^Discharge letters summarised/) },
      events: [{ actor: "editor", action: "revision_start", from_status: "published", to_status: "published" }],
      outbox: [],
      searchable: true,
    }),
  },
  {
    name: "submit",
    arrange: (marker) => draft(marker),
    act: (s) => submitPost(w.editor, s.id),
    expected: () => ({ post: { status: "submitted" }, events: [{ actor: "editor", action: "submit", from_status: "draft", to_status: "submitted" }], ...none }),
  },
  {
    name: "submit (organisation with a DPO)",
    arrange: (marker) => draft(marker, w.dpoOrgId),
    act: (s) => submitPost(w.editor, s.id),
    expected: () => ({
      post: { status: "dpo_review" },
      events: [{ actor: "editor", action: "submit", from_status: "draft", to_status: "dpo_review" }],
      ...none,
    }),
  },
  {
    name: "DPO approves",
    arrange: (marker) => dpoReviewing(marker),
    act: (s) => dpoReview(w.dpo, s.id, "approve"),
    expected: () => ({
      post: { status: "submitted" },
      events: [{ actor: "dpo", action: "dpo_approve", from_status: "dpo_review", to_status: "submitted" }],
      ...none,
    }),
  },
  {
    name: "DPO returns",
    arrange: (marker) => dpoReviewing(marker),
    act: (s) => dpoReview(w.dpo, s.id, "return", "Remove the ward names first."),
    expected: () => ({
      post: { status: "changes_requested", feedback: "Remove the ward names first." },
      events: [{ actor: "dpo", action: "dpo_return", from_status: "dpo_review", to_status: "changes_requested", note: "Remove the ward names first." }],
      ...none,
    }),
  },
  {
    name: "claim",
    arrange: (marker) => submitted(marker),
    act: (s) => claimPost(w.moderator, s.id),
    expected: () => ({
      post: { status: "in_review", claimed_by: w.moderator.id },
      events: [{ actor: "moderator", action: "claim", from_status: "submitted", to_status: "in_review" }],
      ...none,
    }),
  },
  {
    name: "approve",
    arrange: (marker) => inReview(marker),
    act: (s) => approvePost(w.moderator, s.id, "Clear and useful."),
    expected: () => ({
      post: { status: "published", claimed_by: "", published_at: expect.stringMatching(/^\d{4}-/) },
      events: [{ actor: "moderator", action: "approve", from_status: "in_review", to_status: "published", note: "Clear and useful." }],
      outbox: ["upsert"],
      searchable: true,
    }),
  },
  {
    name: "request changes",
    arrange: (marker) => inReview(marker),
    act: (s) => requestChanges(w.moderator, s.id, "Please add the evaluation."),
    expected: () => ({
      post: { status: "changes_requested", feedback: "Please add the evaluation.", claimed_by: "" },
      events: [{ actor: "moderator", action: "request_changes", from_status: "in_review", to_status: "changes_requested", note: "Please add the evaluation." }],
      ...none,
    }),
  },
  {
    name: "reject",
    arrange: (marker) => inReview(marker),
    act: (s) => rejectPost(w.moderator, s.id, "promotional", "Reads as marketing."),
    expected: () => ({
      post: { status: "rejected", feedback: "Reads as marketing." },
      events: [
        { actor: "moderator", action: "reject", from_status: "in_review", to_status: "rejected", reason_code: "promotional", note: "Reads as marketing." },
      ],
      ...none,
    }),
  },
  {
    name: "hide (moderator)",
    arrange: (marker) => published(marker),
    act: (s) => hidePost(w.moderator, s.id, "Checking a complaint."),
    expected: () => ({
      post: { status: "hidden" },
      events: [{ actor: "moderator", action: "hide", from_status: "published", to_status: "hidden", note: "Checking a complaint." }],
      outbox: ["delete"],
      searchable: false,
    }),
  },
  {
    name: "patient-data flag by a trusted reader hides at once",
    arrange: (marker) => published(marker),
    act: async (s) =>
      expect(await flagPost(await trustedReader(pb, w.moderator), s.id, "patient_data", "Initials and a birth date.")).toEqual({ hidden: true }),
    expected: () => ({
      post: { status: "hidden" },
      events: [
        {
          actor: "",
          action: "auto_hide",
          from_status: "published",
          to_status: "hidden",
          note: "Hidden automatically: a trusted reader reported patient data.",
        },
      ],
      outbox: ["delete"],
      searchable: false,
    }),
  },
  {
    name: "restore",
    arrange: (marker) => hidden(marker),
    act: (s) => restorePost(w.moderator, s.id, "Checked: nothing identifying."),
    expected: () => ({
      post: { status: "published" },
      events: [{ actor: "moderator", action: "restore", from_status: "hidden", to_status: "published", note: "Checked: nothing identifying." }],
      outbox: ["upsert"],
      searchable: true,
    }),
  },
  {
    name: "withdraw a published post (author)",
    arrange: (marker) => published(marker),
    act: (s) => withdrawPost(w.editor, s.id),
    expected: () => ({
      post: { status: "withdrawn" },
      events: [{ actor: "editor", action: "withdraw", from_status: "published", to_status: "withdrawn" }],
      outbox: ["delete"],
      searchable: false,
    }),
  },
  {
    name: "withdraw a hidden post (organisation admin)",
    arrange: (marker) => hidden(marker),
    act: (s) => withdrawPost(w.admin, s.id),
    expected: () => ({
      post: { status: "withdrawn" },
      events: [{ actor: "admin", action: "withdraw", from_status: "hidden", to_status: "withdrawn" }],
      outbox: ["delete"],
      searchable: false,
    }),
  },
  {
    name: "withdraw a submitted post (nothing public changes)",
    arrange: (marker) => submitted(marker),
    act: (s) => withdrawPost(w.editor, s.id),
    expected: () => ({
      post: { status: "withdrawn" },
      events: [{ actor: "editor", action: "withdraw", from_status: "submitted", to_status: "withdrawn" }],
      ...none,
    }),
  },
  {
    name: "approve a revision (the new version replaces the live one in search)",
    arrange: (marker) => revisionInReview(marker),
    act: (s) => approvePost(w.moderator, s.id),
    expected: (s) => ({
      post: { status: "published", revision_status: "", pending_revision: "", title: `Revised discharge letters ${s.extra!.revised}` },
      events: [{ actor: "moderator", action: "approve_revision", from_status: "in_review", to_status: "published" }],
      outbox: ["upsert"],
      searchable: true,
    }),
  },
  {
    name: "reject a revision (the live version stays)",
    arrange: (marker) => revisionInReview(marker),
    act: (s) => rejectPost(w.moderator, s.id, "promotional", "The new version reads as marketing."),
    expected: (s) => ({
      post: { status: "published", revision_status: "", title: `Discharge letters summarised by a model ${s.marker}` },
      events: [
        {
          actor: "moderator",
          action: "reject_revision",
          from_status: "in_review",
          to_status: "published",
          reason_code: "promotional",
          note: "The new version reads as marketing.",
        },
      ],
      outbox: [],
      searchable: true,
    }),
  },
  {
    name: "account deletion, published posts withdrawn",
    arrange: (marker) => ownPublishedPost(marker),
    act: async (s) => expect(await deleteAccount(s.extra!.user!, "withdraw")).toEqual({ ok: true, kept: 0, withdrawn: 1, deleted: 0 }),
    expected: () => withdrawnWithAccount("published"),
  },
  {
    name: "account deletion, published posts kept as a former member's",
    arrange: (marker) => ownPublishedPost(marker),
    act: async (s) => expect(await deleteAccount(s.extra!.user!, "keep")).toEqual({ ok: true, kept: 1, withdrawn: 0, deleted: 0 }),
    expected: () => ({ post: { status: "published", author: "" }, events: [], outbox: [], searchable: true }),
  },
  {
    // A hidden post was public: it is the author's published work, kept offline or withdrawn, never deleted with the drafts.
    name: "account deletion, a hidden post withdrawn with the published ones",
    arrange: (marker) => ownPublishedPost(marker, { hide: true }),
    act: async (s) => expect(await deleteAccount(s.extra!.user!, "withdraw")).toEqual({ ok: true, kept: 0, withdrawn: 1, deleted: 0 }),
    expected: () => withdrawnWithAccount("hidden"),
  },
  {
    name: "account deletion, a hidden post kept (still hidden) as a former member's",
    arrange: (marker) => ownPublishedPost(marker, { hide: true }),
    act: async (s) => expect(await deleteAccount(s.extra!.user!, "keep")).toEqual({ ok: true, kept: 1, withdrawn: 0, deleted: 0 }),
    expected: () => ({ post: { status: "hidden", author: "" }, events: [], outbox: [], searchable: false }),
  },
  {
    name: "consent granted by the applicant's admin (record still in moderation)",
    arrange: (marker) => consentRequested(marker),
    act: (s) => answerConsent(w.admin, s.id, "grant"),
    expected: () => ({
      post: { status: "submitted", consent: "granted", applicant_anonymous: false },
      events: [{ actor: "admin", action: "consent_granted", from_status: "submitted", to_status: "submitted" }],
      ...none,
    }),
  },
  {
    name: "consent refused: the applicant is anonymised",
    arrange: (marker) => consentRequested(marker),
    act: (s) => answerConsent(w.admin, s.id, "anonymise"),
    expected: () => ({
      post: { status: "submitted", consent: "refused", applicant_anonymous: true },
      events: [{ actor: "admin", action: "consent_anonymise", from_status: "submitted", to_status: "submitted" }],
      ...none,
    }),
  },
  {
    name: "import, published by an administrator",
    arrange: async (marker) => ({ id: "", marker, collection: "posts" }),
    act: async (s) => {
      const slug = `imported-${s.marker}`;
      const prepared = await validateImport(pb, [
        { ...caseStudyInput(w.orgSlug, s.marker, `Imported discharge letters ${s.marker}`), author: w.editor.email, slug, tags: ["discharge"] },
      ]);
      if (!prepared.ok) throw new Error(JSON.stringify(prepared.errors));
      await writeImport(pb, prepared.rows, { publishAs: { id: moderatorAdmin.id, role: "admin" } });
      s.id = (await pb.collection("posts").getFirstListItem(pb.filter("slug = {:s}", { s: slug }))).id;
    },
    expected: () => ({
      post: { status: "published", author: w.editor.id },
      events: [
        { actor: "editor", action: "import", from_status: "", to_status: "submitted" },
        { actor: "moderatorAdmin", action: "claim", from_status: "submitted", to_status: "in_review", note: IMPORT_NOTE },
        { actor: "moderatorAdmin", action: "approve", from_status: "in_review", to_status: "published", note: IMPORT_NOTE },
      ],
      outbox: ["upsert"],
      searchable: true,
    }),
  },
  {
    name: "import, sent to moderation",
    arrange: async (marker) => ({ id: "", marker, collection: "posts" }),
    act: async (s) => {
      const slug = `imported-${s.marker}`;
      const prepared = await validateImport(pb, [
        { ...caseStudyInput(w.orgSlug, s.marker, `Imported discharge letters ${s.marker}`), author: w.editor.email, slug, tags: ["discharge"] },
      ]);
      if (!prepared.ok) throw new Error(JSON.stringify(prepared.errors));
      await writeImport(pb, prepared.rows);
      s.id = (await pb.collection("posts").getFirstListItem(pb.filter("slug = {:s}", { s: slug }))).id;
    },
    expected: () => ({ post: { status: "submitted" }, events: [{ actor: "editor", action: "import", from_status: "", to_status: "submitted" }], ...none }),
  },
];

type CallRow = { name: string; status: "draft" | "open" | "closed"; from?: "draft" | "open"; op: "upsert" | "delete"; searchable: boolean };
const CALLS: CallRow[] = [
  { name: "a new open call is public", status: "open", op: "upsert", searchable: true },
  { name: "a new draft call is not", status: "draft", op: "delete", searchable: false },
  { name: "an open call put back in draft leaves search", from: "open", status: "draft", op: "delete", searchable: false },
  { name: "a draft call opened enters search", from: "draft", status: "open", op: "upsert", searchable: true },
  { name: "a closed call stays searchable", from: "open", status: "closed", op: "upsert", searchable: true },
];

beforeAll(async () => {
  pb = await useTestPocketBase();
  engine = useTestSearch();
  const [editor, dpo, admin, mod, funder, platformAdmin] = await Promise.all([
    createUser(pb),
    createUser(pb),
    createUser(pb),
    createUser(pb, { role: "moderator" }),
    createUser(pb),
    createUser(pb, { role: "admin" }),
  ]);
  const members = [
    { userId: editor.id, role: "editor" },
    { userId: dpo.id, role: "dpo" },
    { userId: admin.id, role: "admin" },
  ];
  const org = await createOrganization(pb, members);
  const dpoOrg = await createOrganization(pb, members, { requires_dpo_review: true });
  const funderOrg = await createOrganization(pb, [{ userId: funder.id, role: "editor" }], { kind: "funder" });
  const load = async (id: string) => (await loadActor(id))!;
  w = {
    editor: await load(editor.id),
    dpo: await load(dpo.id),
    admin: await load(admin.id),
    moderator: await load(mod.id),
    funder: await load(funder.id),
    orgId: org.id,
    orgSlug: org.slug,
    dpoOrgId: dpoOrg.id,
    funderId: funderOrg.id,
  };
  moderatorAdmin = await load(platformAdmin.id);
  await drainAll();
});

// The platform administrator who publishes an import (kept apart from World's organisation roles).
let moderatorAdmin: Actor;

afterAll(() => engine.dispose());

function actorId(key: keyof World | "moderatorAdmin" | ""): string {
  if (key === "") return "";
  if (key === "moderatorAdmin") return moderatorAdmin.id;
  return (w[key] as Actor).id;
}

describe("every transition writes its state, its moderation event and its outbox rows, and search agrees (issue 10 §1)", () => {
  it.each(ROWS)("$name", async (row) => {
    const subject = await row.arrange(word());
    const before = subject.id
      ? { events: new Set((await moderationEvents(pb, subject.id)).map((e) => e.id)), outbox: new Set((await outboxRows(pb, subject.id)).map((r) => r.id)) }
      : { events: new Set<string>(), outbox: new Set<string>() };
    await drainAll();
    await row.act(subject);
    const expected = row.expected(subject);

    const post = await pb.collection("posts").getOne(subject.id);
    expect(post).toMatchObject(expected.post);
    const events = (await moderationEvents(pb, subject.id)).filter((e) => !before.events.has(e.id));
    expect(
      events.map((e) => ({ actor: e.actor, action: e.action, from_status: e.from_status, to_status: e.to_status, reason_code: e.reason_code, note: e.note })),
    ).toEqual(expected.events.map((e) => ({ reason_code: "", note: "", ...e, actor: actorId(e.actor) })));
    const rows = (await outboxRows(pb, subject.id)).filter((r) => !before.outbox.has(r.id));
    expect(rows.map((r) => `${r.collection_name}:${r.op}`)).toEqual(expected.outbox.map((op) => `posts:${op}`));

    await drainAll();
    const found = (await search(subject.marker)).hits.map((h) => h.id);
    expect(found.includes(subject.id), "searchable by its marker").toBe(expected.searchable);
    // An approved revision is found by its new words; a refused one never.
    if (subject.extra?.revised)
      expect((await search(subject.extra.revised)).hits.map((h) => h.id).includes(subject.id)).toBe(post.title.includes(subject.extra.revised));
  });

  it.each(CALLS)("call save: $name", async ({ status, from, op, searchable }) => {
    const marker = word();
    const form = (s: string) => ({
      title: `Scaling ${marker} in care homes`,
      description: "Grants for pilots that relieve care staff, with an evaluation plan.",
      status: s,
    });
    let callId: string | undefined;
    if (from) {
      const { slug } = await saveCall(w.funder, w.funderId, form(from));
      callId = (await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: slug }))).id;
      await drainAll();
    }
    const before = callId ? new Set((await outboxRows(pb, callId)).map((r) => r.id)) : new Set<string>();
    const { slug } = await saveCall(w.funder, w.funderId, form(status), callId);
    const call = await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: slug }));
    expect(call).toMatchObject({ status, funder: w.funderId });
    const rows = (await outboxRows(pb, call.id)).filter((r) => !before.has(r.id));
    expect(rows.map((r) => `${r.collection_name}:${r.op}`)).toEqual([`funding_calls:${op}`]);
    await drainAll();
    const hits = (await search(marker)).hits;
    expect(hits.some((h) => h.id === call.id && h.kind === "funding_call")).toBe(searchable);
  });
});
