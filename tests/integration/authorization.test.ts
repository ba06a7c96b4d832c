// Issue 10 §2: the permission checks inside the domain functions, on a real PocketBase.
// A mutation check found that `changeMemberRole`, `dismissFinding` and `getPrivatePost`
// could lose their check without any test noticing, and that every can() subject was
// written by someone else than the actor. Each refusal here also asserts that nothing
// changed; each table has an allowed row, so a check that refuses everyone fails too.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { ForbiddenError } from "../../src/lib/server/can.ts";
import { approvePost, claimPost, dismissFinding, dpoReview, hidePost, restorePost, saveDraft, submitPost } from "../../src/lib/server/moderation.ts";
import { answerConsent, recordDecisions, saveCall } from "../../src/lib/server/funding.ts";
import { changeMemberRole } from "../../src/lib/server/orgs.ts";
import { getPreviewPost, getPrivatePost } from "../../src/lib/server/queues.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, unique, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;

beforeAll(async () => {
  pb = await useTestPocketBase();
});

type World = {
  orgId: string;
  author: Actor;
  editor: Actor;
  dpo: Actor;
  admin: Actor;
  member: Actor;
  otherOrgAdmin: Actor;
  otherOrgEditor: Actor;
  outsider: Actor;
  moderator: Actor;
  platformAdmin: Actor;
  /** A moderator who is an editor of the organisation and writes its posts. */
  modAuthor: Actor;
  memberships: Record<"member" | "editor" | "dpo" | "admin", string>;
};

async function world(options: { requiresDpoReview?: boolean } = {}): Promise<World> {
  const plain = await Promise.all(Array.from({ length: 8 }, () => createUser(pb)));
  const [author, editor, dpo, admin, member, otherAdmin, otherEditor, outsider] = plain.map((u) => u.id) as [string, ...string[]];
  const [moderator, platformAdmin, modAuthor] = await Promise.all([
    createUser(pb, { role: "moderator" }),
    createUser(pb, { role: "admin" }),
    createUser(pb, { role: "moderator" }),
  ]);
  const org = await createOrganization(
    pb,
    [
      { userId: author, role: "editor" },
      { userId: editor!, role: "editor" },
      { userId: dpo!, role: "dpo" },
      { userId: admin!, role: "admin" },
      { userId: member!, role: "member" },
      { userId: modAuthor.id, role: "editor" },
    ],
    { requires_dpo_review: options.requiresDpoReview ?? false },
  );
  await createOrganization(pb, [
    { userId: otherAdmin!, role: "admin" },
    { userId: otherEditor!, role: "editor" },
  ]);
  const membershipOf = async (userId: string) =>
    (await pb.collection("memberships").getFirstListItem(pb.filter("user = {:u} && organization = {:o}", { u: userId, o: org.id }))).id;
  const load = async (id: string) => (await loadActor(id))!;
  return {
    orgId: org.id,
    author: await load(author),
    editor: await load(editor!),
    dpo: await load(dpo!),
    admin: await load(admin!),
    member: await load(member!),
    otherOrgAdmin: await load(otherAdmin!),
    otherOrgEditor: await load(otherEditor!),
    outsider: await load(outsider!),
    moderator: await load(moderator.id),
    platformAdmin: await load(platformAdmin.id),
    modAuthor: await load(modAuthor.id),
    memberships: { member: await membershipOf(member!), editor: await membershipOf(editor!), dpo: await membershipOf(dpo!), admin: await membershipOf(admin!) },
  };
}

function caseStudy(orgId: string, overrides: Record<string, unknown> = {}) {
  return {
    kind: "case_study",
    organization: orgId,
    title: `Sepsis alerts that nobody read ${unique("t")}`,
    summary: "We switched off a sepsis early-warning model after eleven months of alert fatigue.",
    body_md: "## Context\n\nThe patient was seen by Dr. Peeters on the ward, then discharged home safely.",
    language: "en",
    tags: "sepsis",
    anonymous: false,
    outcome: "failure",
    care_settings: ["hospital"],
    ai_types: ["predictive_model"],
    lifecycle_stage: "stopped",
    lessons_md: "- Agree an alert budget first.",
    ...overrides,
  };
}

type Who = Exclude<keyof World, "orgId" | "memberships"> | "anonymous";
const as = (w: World, who: Who): Actor | null => (who === "anonymous" ? null : w[who]);

describe("changeMemberRole refuses everyone but the organisation's admins (and platform admins)", () => {
  const rows: { name: string; actor: Who; target: keyof World["memberships"]; role: string; allowed: boolean }[] = [
    { name: "a plain member makes themselves admin", actor: "member", target: "member", role: "admin", allowed: false },
    { name: "an editor makes themselves admin", actor: "editor", target: "editor", role: "admin", allowed: false },
    { name: "the DPO makes themselves admin", actor: "dpo", target: "dpo", role: "admin", allowed: false },
    { name: "an editor demotes the admin", actor: "editor", target: "admin", role: "member", allowed: false },
    { name: "the admin of another organisation promotes a member", actor: "otherOrgAdmin", target: "member", role: "admin", allowed: false },
    { name: "someone outside any organisation promotes a member", actor: "outsider", target: "member", role: "admin", allowed: false },
    { name: "a platform moderator promotes a member", actor: "moderator", target: "member", role: "admin", allowed: false },
    { name: "an anonymous caller promotes a member", actor: "anonymous", target: "member", role: "admin", allowed: false },
    { name: "the organisation's admin makes the member an editor", actor: "admin", target: "member", role: "editor", allowed: true },
    { name: "a platform admin makes the DPO an editor", actor: "platformAdmin", target: "dpo", role: "editor", allowed: true },
  ];
  // One organisation for the table: refusals change nothing, and the allowed rows come last.
  let w: World;
  beforeAll(async () => {
    w = await world();
  });
  it.each(rows)("$name: $allowed", async ({ actor, target, role, allowed }) => {
    const id = w.memberships[target];
    const before = await pb.collection("memberships").getOne(id);
    const call = changeMemberRole(as(w, actor), id, role);
    if (!allowed) {
      await expect(call).rejects.toBeInstanceOf(ForbiddenError);
      const after = await pb.collection("memberships").getOne(id);
      expect({ role: after.role, status: after.status, updated: after.updated }).toEqual({ role: before.role, status: before.status, updated: before.updated });
    } else {
      await call;
      expect((await pb.collection("memberships").getOne(id)).role).toBe(role);
    }
  });
});

describe("dismissFinding refuses everyone who may not edit the post", () => {
  const rows: { name: string; actor: Who; allowed: boolean }[] = [
    { name: "a plain member dismisses a finding on a colleague's draft", actor: "member", allowed: false },
    { name: "the DPO dismisses a finding it should weigh", actor: "dpo", allowed: false },
    { name: "an editor of another organisation", actor: "otherOrgEditor", allowed: false },
    { name: "the admin of another organisation", actor: "otherOrgAdmin", allowed: false },
    { name: "a platform moderator (who judges findings, not dismisses them)", actor: "moderator", allowed: false },
    { name: "an account without organisation", actor: "outsider", allowed: false },
    { name: "an anonymous caller", actor: "anonymous", allowed: false },
    { name: "another editor of the organisation", actor: "editor", allowed: true },
    { name: "the author", actor: "author", allowed: true },
  ];
  let w: World;
  beforeAll(async () => {
    w = await world();
  });
  it.each(rows)("$name: $allowed", async ({ actor, allowed }) => {
    const { id, findings } = await saveDraft(w.author, caseStudy(w.orgId));
    const finding = findings.find((f) => f.kind === "titled_name");
    expect(finding, "the draft has a finding to dismiss").toBeDefined();
    const call = dismissFinding(as(w, actor), id, finding!.id, "Dr. Peeters is the fictional name of our project lead.");
    if (!allowed) {
      await expect(call).rejects.toBeInstanceOf(ForbiddenError);
      const after = await pb.collection("posts").getOne(id);
      expect(after.privacy_dismissals ?? []).toEqual([]);
      expect((after.privacy_findings as { id: string; dismissed?: unknown }[]).find((f) => f.id === finding!.id)?.dismissed).toBeFalsy();
    } else {
      await call;
      const after = await pb.collection("posts").getOne(id);
      expect((after.privacy_dismissals as { id: string }[]).map((d) => d.id)).toEqual([finding!.id]);
    }
  });
});

describe("getPrivatePost and getPreviewPost show a draft and its findings only to those allowed", () => {
  const rows: { name: string; actor: Who; allowed: boolean }[] = [
    { name: "an anonymous caller", actor: "anonymous", allowed: false },
    { name: "an account without organisation", actor: "outsider", allowed: false },
    { name: "a plain member of the organisation", actor: "member", allowed: false },
    { name: "an editor of another organisation", actor: "otherOrgEditor", allowed: false },
    { name: "the admin of another organisation", actor: "otherOrgAdmin", allowed: false },
    { name: "the author", actor: "author", allowed: true },
    { name: "another editor of the organisation", actor: "editor", allowed: true },
    { name: "the organisation's DPO", actor: "dpo", allowed: true },
    { name: "the organisation's admin", actor: "admin", allowed: true },
    { name: "a platform moderator", actor: "moderator", allowed: true },
    { name: "a platform admin", actor: "platformAdmin", allowed: true },
  ];
  let w: World;
  beforeAll(async () => {
    w = await world();
  });
  it.each(rows)("$name: $allowed", async ({ actor, allowed }) => {
    const marker = unique("privatemarker");
    const { id } = await saveDraft(w.author, caseStudy(w.orgId, { title: `Draft ${marker} about sepsis` }));
    const view = await getPrivatePost(as(w, actor), id);
    const preview = await getPreviewPost(as(w, actor), "en", id);
    if (!allowed) {
      expect(view).toBeNull();
      expect(preview).toBeNull();
    } else {
      expect(view?.item.title).toContain(marker);
      expect(view?.findings.some((f) => f.kind === "titled_name")).toBe(true);
      expect(preview?.title).toContain(marker);
    }
  });
});

describe("nobody decides on their own post", () => {
  it("a moderator who wrote the post can neither claim nor approve it; another moderator can", async () => {
    const w = await world();
    const { id } = await saveDraft(w.modAuthor, caseStudy(w.orgId));
    await submitPost(w.modAuthor, id);
    await expect(claimPost(w.modAuthor, id)).rejects.toBeInstanceOf(ForbiddenError);
    await claimPost(w.moderator, id);
    await expect(approvePost(w.modAuthor, id)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await pb.collection("posts").getOne(id)).status).toBe("in_review");
    await approvePost(w.moderator, id);
    expect((await pb.collection("posts").getOne(id)).status).toBe("published");
  });

  it("a moderator cannot restore their own (or their organisation's) hidden post; another moderator can", async () => {
    const w = await world();
    const { id } = await saveDraft(w.modAuthor, caseStudy(w.orgId));
    await submitPost(w.modAuthor, id);
    await claimPost(w.moderator, id);
    await approvePost(w.moderator, id);
    await hidePost(w.moderator, id, "Names a patient, says a reader.");
    const events = async () => (await pb.collection("moderation_events").getFullList({ filter: pb.filter("post = {:p}", { p: id }) })).length;
    const before = await events();
    await expect(restorePost(w.modAuthor, id, "It is fine, trust me.")).rejects.toBeInstanceOf(ForbiddenError);
    const colleague = await createUser(pb, { role: "moderator" });
    await pb.collection("memberships").create({ user: colleague.id, organization: w.orgId, role: "member", status: "active" });
    await expect(restorePost(await loadActor(colleague.id), id)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await pb.collection("posts").getOne(id)).status).toBe("hidden");
    expect(await events()).toBe(before);
    await restorePost(w.moderator, id, "Checked: no patient is named.");
    expect((await pb.collection("posts").getOne(id)).status).toBe("published");
  });

  it("a moderator who belongs to the applicant organisation cannot decide on a funder's record about it", async () => {
    const w = await world();
    const funderEditor = await createUser(pb);
    const funder = await createOrganization(pb, [{ userId: funderEditor.id, role: "editor" }], { kind: "funder", region: "brussels" });
    const fe = (await loadActor(funderEditor.id))!;
    const { slug } = await saveCall(fe, funder.id, {
      title: `Everyday AI ${unique("call")}`,
      description: "A call for AI projects in everyday care, for the stake test.",
      eligibility: "",
      budget: null,
      currency: "EUR",
      opens_on: null,
      closes_on: null,
      url: "",
      status: "open",
      programme: "",
    });
    const call = await pb.collection("funding_calls").getFirstListItem(pb.filter("slug = {:s}", { s: slug }));
    const title = `Refused pilot ${unique("rec")}`;
    const org = await pb.collection("organizations").getOne(w.orgId);
    await recordDecisions(fe, call.id, [
      {
        title,
        applicantType: "platform",
        applicant: org.slug,
        amountRequested: 50000,
        decision: "rejected",
        decidedOn: "2025-06-30",
        rejectionReasons: ["data_governance"],
        reasonText: "No impact assessment.",
      },
    ]);
    const record = await pb.collection("posts").getFirstListItem(pb.filter("title = {:t}", { t: title }));
    await answerConsent(w.admin, record.id, "grant");
    // modAuthor is an editor of the applicant organisation, not of the funder.
    await expect(claimPost(w.modAuthor, record.id)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await pb.collection("posts").getOne(record.id)).status).toBe("submitted");
    await claimPost(w.moderator, record.id);
    await approvePost(w.moderator, record.id);
    expect((await pb.collection("posts").getOne(record.id)).status).toBe("published");
    await hidePost(w.moderator, record.id, "A reader says the amount is wrong.");
    await expect(restorePost(w.modAuthor, record.id)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await pb.collection("posts").getOne(record.id)).status).toBe("hidden");
  });

  it("an editor who became the DPO cannot sign off the post they wrote; the organisation's other DPO can", async () => {
    const w = await world({ requiresDpoReview: true });
    const { id } = await saveDraft(w.editor, caseStudy(w.orgId));
    expect((await submitPost(w.editor, id)).status).toBe("dpo_review");
    await changeMemberRole(w.admin, w.memberships.editor, "dpo");
    const turned = (await loadActor(w.editor.id))!;
    await expect(dpoReview(turned, id, "approve")).rejects.toBeInstanceOf(ForbiddenError);
    expect((await pb.collection("posts").getOne(id)).status).toBe("dpo_review");
    await dpoReview(w.dpo, id, "approve");
    expect((await pb.collection("posts").getOne(id)).status).toBe("submitted");
  });
});
