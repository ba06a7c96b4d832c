// The permission table: every actor kind × every action that exists (issue 3 §7).
import { describe, expect, it } from "vitest";
import { ACTIONS, can, type Action, type Subject } from "../../src/lib/server/can.ts";
import type { Actor } from "../../src/lib/server/users.ts";

const ORG = { id: "org000000000001", verified: true };
// Another organisation, hosting a round table ORG is invited to.
const OTHER_HOST = "host00000000001";
const PENDING_ORG = { id: "org000000000002", verified: false, requestedBy: "requester000001" };

function actor(id: string, role: Actor["role"], orgRole?: Actor["memberships"][number]["role"], verified = true): Actor {
  return {
    id,
    name: id,
    email: `${id}@example.test`,
    role,
    locale: "en",
    verified,
    memberships: orgRole
      ? [{ organizationId: ORG.id, organizationSlug: "org", organizationName: "Org", organizationVerified: true, organizationKind: "hospital", role: orgRole }]
      : [],
  };
}

const ACTORS: Record<string, Actor | null> = {
  anonymous: null,
  unverified: actor("unverified00001", "member", undefined, false),
  member: actor("member000000001", "member"),
  org_member: actor("orgmember000001", "member", "member"),
  org_editor: actor("orgeditor000001", "member", "editor"),
  org_dpo: actor("orgdpo000000001", "member", "dpo"),
  org_admin: actor("orgadmin0000001", "member", "admin"),
  moderator: actor("moderator000001", "moderator"),
  admin: actor("admin0000000001", "admin"),
};

// Subjects per action: the organisation page's subject, the actor's own account, etc.
const SUBJECT: Record<Action, (who: string) => Subject> = {
  "account.manage": (who) => ({ userId: ACTORS[who]?.id ?? "someone0000001" }),
  "org.request": () => ({}),
  "org.review": () => ({}),
  "org.view": () => ({ organization: PENDING_ORG }),
  "org.join": () => ({ organization: ORG }),
  "org.leave": () => ({ organization: ORG, activeAdmins: 1 }),
  "org.manage_members": () => ({ organization: ORG }),
  // Removing a plain member (someone else than any actor in the table).
  "org.remove_member": () => ({ organization: ORG, member: { userId: "plainmember0001", role: "member" }, activeAdmins: 1 }),
  "org.edit_settings": () => ({ organization: ORG }),
  "user.set_platform_role": () => ({ userId: "someoneelse0001" }),
  "post.create": () => ({ organization: ORG }),
  "post.translate": () => post("published"),
  "post.view_private": () => post("submitted"),
  "post.edit": () => post("draft"),
  "post.submit": () => post("changes_requested"),
  "post.withdraw": () => post("submitted"),
  "post.dpo_review": () => post("dpo_review"),
  "post.reply": () => post("changes_requested"),
  "post.moderate": () => post("in_review"),
  "post.hide": () => post("published"),
  "post.restore": () => post("hidden"),
  "post.flag": () => post("published"),
  "post.view_history": () => post("published"),
  "post.import": () => ({}),
  "funding.manage": () => ({ organization: ORG, organizationKind: "funder" }),
  "funding.consent": () => ({ organization: ORG }),
  "follow.manage": (who) => ({ userId: ACTORS[who]?.id ?? "someone0000001" }),
  "notification.manage": (who) => ({ userId: ACTORS[who]?.id ?? "someone0000001" }),
  "discussion.start": () => ({ organization: ORG }),
  // Issue 14 §2: a published discussion another member of ORG asked; replies by the actor, or by someone of ORG.
  "discussion.reply": () => askedDiscussion(),
  "discussion.mark_answer": (who) => askedDiscussion(ACTORS[who]?.id ?? "someone0000001"),
  "discussion.moderate": () => askedDiscussion(),
  "reply.edit": (who) => ({ reply: { authorId: ACTORS[who]?.id ?? "someone0000001", organizationId: null, status: "published" } }),
  "reply.withdraw": (who) => ({ reply: { authorId: ACTORS[who]?.id ?? "someone0000001", organizationId: null, status: "pending" } }),
  "reply.moderate": () => ({ reply: { authorId: "replier00000001", organizationId: "org000000000009", status: "pending" } }),
  "reply.flag": () => ({ reply: { authorId: "replier00000001", organizationId: "org000000000009", status: "published" } }),
  // Issue 14 §3: ORG hosts (host, manage) or is invited to another's round table (respond), or
  // accepted one (the preparation space, whose participants are ORG's members of any role).
  "roundtable.host": () => ({ organization: ORG }),
  "roundtable.manage": () => ({ organization: ORG, roundTable: { hostId: ORG.id, status: "open", sessionEnded: false } }),
  "roundtable.respond": () => ({
    organization: ORG,
    participant: { organizationId: ORG.id, status: "invited" },
    roundTable: { hostId: OTHER_HOST, status: "planned", sessionEnded: false },
  }),
  "roundtable.view_preparation": () => ({ roundTable: { hostId: OTHER_HOST, status: "open", sessionEnded: false, acceptedOrganizationIds: [ORG.id] } }),
  "roundtable.post_preparation": () => ({ roundTable: { hostId: OTHER_HOST, status: "open", sessionEnded: false, acceptedOrganizationIds: [ORG.id] } }),
  // Issue 14 §4: ORG hosts a round table whose session has ended; ORG took part (accepted) in another one.
  "summary.write": () => ({ organization: ORG, roundTable: { hostId: ORG.id, status: "open", sessionEnded: true } }),
  "summary.consent": () => ({ organization: ORG, participant: { organizationId: ORG.id, status: "accepted" } }),
};

// A published discussion asked by a member of ORG (issue 14 §2).
function askedDiscussion(authorId = "asker0000000001", extra: { locked?: boolean; status?: string; kind?: string } = {}): Subject {
  return { organization: ORG, post: { kind: extra.kind ?? "discussion", authorId, status: extra.status ?? "published", locked: extra.locked } };
}

// A post written by the organisation's editor.
function post(status: string, revisionStatus: string | null = null): Subject {
  return { organization: ORG, post: { authorId: "orgeditor000001", status, revisionStatus } };
}

// Expected outcome: Y allowed, . refused. Columns follow ACTORS' order.
//                               anon unv mem omem oed odpo oadm mod adm
const TABLE: Record<Action, string> = {
  "account.manage": ".    Y   Y   Y    Y   Y    Y    Y   Y",
  "org.request": ".    .   Y   Y    Y   Y    Y    Y   Y",
  "org.review": ".    .   .   .    .   .    .    Y   Y",
  "org.view": ".    .   .   .    .   .    .    Y   Y",
  "org.join": ".    .   Y   .    .   .    .    Y   Y",
  "org.leave": ".    .   .   Y    Y   Y    .    .   .",
  "org.manage_members": ".    .   .   .    .   .    Y    .   Y",
  "org.remove_member": ".    .   .   .    .   .    Y    .   Y",
  "org.edit_settings": ".    .   .   .    .   .    Y    .   Y",
  "user.set_platform_role": ".    .   .   .    .   .    .    .   Y",
  "post.create": ".    .   .   .    Y   .    Y    .   .",
  "post.translate": ".    .   .   .    Y   .    Y    .   .",
  "post.view_private": ".    .   .   .    Y   Y    Y    Y   Y",
  "post.edit": ".    .   .   .    Y   .    Y    .   .",
  "post.submit": ".    .   .   .    Y   .    Y    .   .",
  "post.withdraw": ".    .   .   .    Y   .    Y    .   .",
  "post.dpo_review": ".    .   .   .    .   Y    .    .   .",
  "post.reply": ".    .   .   .    Y   .    Y    .   .",
  "post.moderate": ".    .   .   .    .   .    .    Y   Y",
  "post.hide": ".    .   .   .    .   .    .    Y   Y",
  "post.restore": ".    .   .   .    .   .    .    Y   Y",
  "post.flag": ".    .   Y   Y    .   Y    Y    Y   Y",
  "post.view_history": ".    .   .   .    .   .    .    Y   Y",
  "post.import": ".    .   .   .    .   .    .    .   Y",
  "funding.manage": ".    .   .   .    Y   .    Y    .   .",
  "funding.consent": ".    .   .   .    .   .    Y    .   .",
  "follow.manage": ".    Y   Y   Y    Y   Y    Y    Y   Y",
  "notification.manage": ".    Y   Y   Y    Y   Y    Y    Y   Y",
  "discussion.start": ".    .   .   Y    Y   Y    Y    .   .",
  "discussion.reply": ".    .   Y   Y    Y   Y    Y    Y   Y",
  "discussion.mark_answer": ".    .   Y   Y    Y   Y    Y    Y   Y",
  "discussion.moderate": ".    .   .   .    .   .    .    Y   Y",
  "reply.edit": ".    .   Y   Y    Y   Y    Y    Y   Y",
  "reply.withdraw": ".    Y   Y   Y    Y   Y    Y    Y   Y",
  "reply.moderate": ".    .   .   .    .   .    .    Y   Y",
  "reply.flag": ".    .   Y   Y    Y   Y    Y    Y   Y",
  "roundtable.host": ".    .   .   .    Y   .    Y    .   .",
  "roundtable.manage": ".    .   .   .    Y   .    Y    .   .",
  "roundtable.respond": ".    .   .   .    .   .    Y    .   .",
  "roundtable.view_preparation": ".    .   .   Y    Y   Y    Y    .   .",
  "roundtable.post_preparation": ".    .   .   Y    Y   Y    Y    .   .",
  "summary.write": ".    .   .   .    Y   .    Y    .   .",
  "summary.consent": ".    .   .   .    .   .    Y    .   .",
};

const names = Object.keys(ACTORS);
const cases = ACTIONS.flatMap((action) => {
  const row = TABLE[action].trim().split(/\s+/);
  return names.map((who, i) => ({ action, who, allowed: row[i] === "Y" }));
});

describe("can()", () => {
  it("has a row for every action and a column for every actor", () => {
    expect(Object.keys(TABLE).sort()).toEqual([...ACTIONS].sort());
    for (const action of ACTIONS) expect(TABLE[action].trim().split(/\s+/)).toHaveLength(names.length);
  });

  it.each(cases)("$who → $action: $allowed", ({ action, who, allowed }) => {
    expect(can(ACTORS[who]!, action, SUBJECT[action](who))).toBe(allowed);
  });

  it("nobody manages someone else's account", () => {
    expect(can(ACTORS.admin!, "account.manage", { userId: "member000000001" })).toBe(false);
  });

  it("nobody reads or changes someone else's notices or mail preferences, a platform admin included", () => {
    expect(can(ACTORS.admin!, "notification.manage", { userId: "member000000001" })).toBe(false);
    expect(can(null, "notification.manage", { userId: "member000000001" })).toBe(false);
  });

  it("the last admin cannot leave, one of two can", () => {
    expect(can(ACTORS.org_admin!, "org.leave", { organization: ORG, activeAdmins: 1 })).toBe(false);
    expect(can(ACTORS.org_admin!, "org.leave", { organization: ORG, activeAdmins: 2 })).toBe(true);
  });

  // Issue 11 §20: an admin removes others, never themselves (that is leaving) nor the last admin.
  it.each([
    ["a plain member", { userId: "plainmember0001", role: "member" }, 1, true],
    ["an editor", { userId: "someeditor00001", role: "editor" }, 1, true],
    ["another admin when two are active", { userId: "otheradmin00001", role: "admin" }, 2, true],
    ["the last other admin", { userId: "otheradmin00001", role: "admin" }, 1, false],
    ["themselves", { userId: "orgadmin0000001", role: "admin" }, 2, false],
  ] as const)("an org admin removing %s: %s", (_name, member, activeAdmins, allowed) => {
    expect(can(ACTORS.org_admin!, "org.remove_member", { organization: ORG, member, activeAdmins })).toBe(allowed);
  });

  it("nobody removes without naming the member, nor an admin of another organisation", () => {
    expect(can(ACTORS.org_admin!, "org.remove_member", { organization: ORG, activeAdmins: 2 })).toBe(false);
    const elsewhere = { id: "org000000000009", verified: true };
    expect(can(ACTORS.org_admin!, "org.remove_member", { organization: elsewhere, member: { userId: "plainmember0001", role: "member" } })).toBe(false);
  });

  it("a pending organisation is visible to the person who requested it", () => {
    const requester = { ...ACTORS.member!, id: "requester000001" };
    expect(can(requester, "org.view", { organization: PENDING_ORG })).toBe(true);
    expect(can(null, "org.view", { organization: ORG })).toBe(true);
  });

  it.each([
    ["draft", null, true],
    ["changes_requested", null, true],
    ["submitted", null, false],
    ["in_review", null, false],
    ["published", null, true],
    ["published", "draft", true],
    ["published", "submitted", false],
    ["published", "changes_requested", true],
    ["rejected", null, false],
    ["withdrawn", null, false],
  ] as const)("an editor may edit a post in %s (revision %s): %s", (status, revision, allowed) => {
    expect(can(ACTORS.org_editor!, "post.edit", post(status, revision))).toBe(allowed);
  });

  it("only funders manage calls and decisions", () => {
    expect(can(ACTORS.org_editor!, "funding.manage", { organization: ORG, organizationKind: "hospital" })).toBe(false);
  });

  it("a moderator never moderates a post of their own organisation", () => {
    const modInOrg = { ...ACTORS.moderator!, memberships: ACTORS.org_member!.memberships };
    expect(can(modInOrg, "post.moderate", post("in_review"))).toBe(false);
  });

  it("a final post cannot be withdrawn; the DPO acts only in dpo_review", () => {
    expect(can(ACTORS.org_editor!, "post.withdraw", post("rejected"))).toBe(false);
    expect(can(ACTORS.org_dpo!, "post.dpo_review", post("submitted"))).toBe(false);
    expect(can(ACTORS.org_dpo!, "post.dpo_review", post("published", "dpo_review"))).toBe(true);
  });

  // Issue 11 §11: the answer to a reviewer's note, only while the post waits for rework.
  it.each([
    ["changes_requested", null, true],
    ["published", "changes_requested", true],
    ["draft", null, false],
    ["submitted", null, false],
    ["in_review", null, false],
    ["published", null, false],
    ["published", "submitted", false],
  ] as const)("the author may answer the reviewer on a post in %s (revision %s): %s", (status, revision, allowed) => {
    expect(can(ACTORS.org_editor!, "post.reply", post(status, revision))).toBe(allowed);
  });

  it("a plain member answers the reviewer on their own post only; someone who left, never", () => {
    const own: Subject = { organization: ORG, post: { authorId: ACTORS.org_member!.id, status: "changes_requested" } };
    expect(can(ACTORS.org_member!, "post.reply", own)).toBe(true);
    expect(can(ACTORS.org_member!, "post.reply", post("changes_requested"))).toBe(false);
    expect(can({ ...ACTORS.org_editor!, memberships: [] }, "post.reply", post("changes_requested"))).toBe(false);
  });

  // Issue 9 §17: rights that needed a membership end with it; plain members read no drafts.
  it.each([
    ["post.view_private", "draft"],
    ["post.view_private", "submitted"],
    ["post.withdraw", "published"],
    ["post.withdraw", "submitted"],
  ] as const)("an author who left the organisation loses %s on a %s post", (action, status) => {
    const former = { ...ACTORS.org_editor!, memberships: [] };
    expect(can(ACTORS.org_editor!, action, post(status))).toBe(true);
    expect(can(former, action, post(status))).toBe(false);
  });

  it("a plain member reads neither a colleague's draft nor its findings, but reads and withdraws their own", () => {
    expect(can(ACTORS.org_member!, "post.view_private", post("draft"))).toBe(false);
    expect(can(ACTORS.org_member!, "post.view_private", post("published", "draft"))).toBe(false);
    const own: Subject = { organization: ORG, post: { authorId: ACTORS.org_member!.id, status: "draft" } };
    expect(can(ACTORS.org_member!, "post.view_private", own)).toBe(true);
    expect(can(ACTORS.org_member!, "post.withdraw", own)).toBe(true);
    // A membership elsewhere does not count.
    const elsewhere = { ...ACTORS.org_editor!, memberships: [{ ...ACTORS.org_editor!.memberships[0]!, organizationId: "otherorg0000001" }] };
    expect(can(elsewhere, "post.view_private", post("draft"))).toBe(false);
  });

  // Issue 9 §18: submitting the live version would take it offline behind search's back.
  it.each([
    [null, false, true],
    ["draft", true, true],
    ["changes_requested", true, true],
    ["dpo_review", false, false],
    ["submitted", false, false],
    ["in_review", false, false],
  ] as const)("a published post with revision %s: submit %s, edit %s", (revision, submit, edit) => {
    expect(can(ACTORS.org_editor!, "post.submit", post("published", revision))).toBe(submit);
    expect(can(ACTORS.org_editor!, "post.edit", post("published", revision))).toBe(edit);
  });

  // Issue 9 §20: no moderator reviews their own organisation request.
  it("a moderator cannot verify or refuse an organisation they requested", () => {
    const own = { id: "org000000000003", verified: false, requestedBy: ACTORS.moderator!.id };
    expect(can(ACTORS.moderator!, "org.review", { organization: own })).toBe(false);
    expect(can(ACTORS.admin!, "org.review", { organization: own })).toBe(true);
    expect(can(ACTORS.moderator!, "org.review", { organization: PENDING_ORG })).toBe(true);
  });

  it("one cannot ask twice to join, nor change one's own platform role", () => {
    expect(can(ACTORS.member!, "org.join", { organization: ORG, pendingRequest: true })).toBe(false);
    expect(can(ACTORS.member!, "org.join", { organization: PENDING_ORG })).toBe(false);
    expect(can(ACTORS.admin!, "user.set_platform_role", { userId: ACTORS.admin!.id })).toBe(false);
  });
});

// Issue 10 §2: every subject above is written by the organisation's editor, so a rule that
// forgot "not on one's own" passed. Here the subject belongs to the actor: own post, own
// organisation, own request, own account.
describe("can() on subjects the actor wrote, belongs to or asked for", () => {
  const inOrg = (base: Actor, role: Actor["memberships"][number]["role"]): Actor => ({ ...base, memberships: ACTORS[`org_${role}`]!.memberships });
  const by = (author: Actor | null, status: string, revisionStatus: string | null = null): Subject => ({
    organization: ORG,
    post: { authorId: author?.id ?? null, status, revisionStatus },
  });
  const moderator = ACTORS.moderator!;
  const admin = ACTORS.admin!;
  const OTHER_EDITOR: Actor = { ...ACTORS.org_editor!, id: "otheredit000001" };
  const rows: { name: string; actor: Actor; action: Action; subject: Subject; allowed: boolean }[] = [
    { name: "a moderator approves their own post", actor: moderator, action: "post.moderate", subject: by(moderator, "in_review"), allowed: false },
    {
      name: "a moderator who is the organisation's editor approves the post they wrote",
      actor: inOrg(moderator, "editor"),
      action: "post.moderate",
      subject: by(moderator, "in_review"),
      allowed: false,
    },
    { name: "a platform admin approves their own post", actor: admin, action: "post.moderate", subject: by(admin, "in_review"), allowed: false },
    {
      name: "a platform admin who is the organisation's admin approves a colleague's post",
      actor: inOrg(admin, "admin"),
      action: "post.moderate",
      subject: by(ACTORS.org_editor!, "in_review"),
      allowed: false,
    },
    {
      name: "a moderator approves another organisation's post",
      actor: moderator,
      action: "post.moderate",
      subject: by(OTHER_EDITOR, "in_review"),
      allowed: true,
    },
    { name: "a moderator restores their own hidden post", actor: moderator, action: "post.restore", subject: by(moderator, "hidden"), allowed: false },
    {
      name: "a moderator restores a hidden post of their organisation",
      actor: inOrg(moderator, "member"),
      action: "post.restore",
      subject: by(ACTORS.org_editor!, "hidden"),
      allowed: false,
    },
    { name: "a platform admin restores their own hidden post", actor: admin, action: "post.restore", subject: by(admin, "hidden"), allowed: false },
    {
      name: "a moderator restores another organisation's hidden post",
      actor: moderator,
      action: "post.restore",
      subject: by(OTHER_EDITOR, "hidden"),
      allowed: true,
    },
    {
      name: "a moderator member of the organisation opens the hidden queue",
      actor: inOrg(moderator, "member"),
      action: "post.restore",
      subject: {},
      allowed: true,
    },
    // Taking something offline serves no one's interest in their own post; it stays open.
    { name: "a moderator hides their own post", actor: moderator, action: "post.hide", subject: by(moderator, "published"), allowed: true },
    {
      name: "a moderator who belongs to the applicant organisation decides on the funder's record about it",
      actor: { ...moderator, memberships: ACTORS.org_member!.memberships },
      action: "post.moderate",
      subject: {
        organization: { id: "funder000000001", verified: true },
        post: { authorId: "funderedit00001", status: "in_review", applicantOrganizationId: ORG.id },
      },
      allowed: false,
    },
    {
      name: "a moderator who belongs to the applicant organisation restores the funder's record about it",
      actor: { ...moderator, memberships: ACTORS.org_member!.memberships },
      action: "post.restore",
      subject: {
        organization: { id: "funder000000001", verified: true },
        post: { authorId: "funderedit00001", status: "hidden", applicantOrganizationId: ORG.id },
      },
      allowed: false,
    },
    {
      name: "a moderator with no stake decides on a funder's record",
      actor: moderator,
      action: "post.moderate",
      subject: {
        organization: { id: "funder000000001", verified: true },
        post: { authorId: "funderedit00001", status: "in_review", applicantOrganizationId: ORG.id },
      },
      allowed: true,
    },
    {
      name: "an editor turned DPO signs off the post they wrote",
      actor: ACTORS.org_dpo!,
      action: "post.dpo_review",
      subject: by(ACTORS.org_dpo!, "dpo_review"),
      allowed: false,
    },
    {
      name: "the DPO signs off a revision they wrote",
      actor: ACTORS.org_dpo!,
      action: "post.dpo_review",
      subject: by(ACTORS.org_dpo!, "published", "dpo_review"),
      allowed: false,
    },
    { name: "the DPO signs off a colleague's post", actor: ACTORS.org_dpo!, action: "post.dpo_review", subject: by(OTHER_EDITOR, "dpo_review"), allowed: true },
    {
      name: "a plain member dismisses findings on a colleague's draft",
      actor: ACTORS.org_member!,
      action: "post.edit",
      subject: by(OTHER_EDITOR, "draft"),
      allowed: false,
    },
    {
      name: "a plain member (an editor demoted) dismisses findings on their own draft",
      actor: ACTORS.org_member!,
      action: "post.edit",
      subject: by(ACTORS.org_member!, "draft"),
      allowed: false,
    },
    {
      name: "an editor dismisses findings on a colleague's draft",
      actor: ACTORS.org_editor!,
      action: "post.edit",
      subject: by(OTHER_EDITOR, "draft"),
      allowed: true,
    },
    { name: "the DPO edits the draft they review", actor: ACTORS.org_dpo!, action: "post.edit", subject: by(OTHER_EDITOR, "draft"), allowed: false },
    { name: "an author flags their own post", actor: ACTORS.org_editor!, action: "post.flag", subject: by(ACTORS.org_editor!, "published"), allowed: false },
    { name: "a moderator flags their own post", actor: moderator, action: "post.flag", subject: by(moderator, "published"), allowed: false },
    {
      name: "a plain member withdraws their own submitted post",
      actor: ACTORS.org_member!,
      action: "post.withdraw",
      subject: by(ACTORS.org_member!, "submitted"),
      allowed: true,
    },
    {
      name: "a plain member withdraws a colleague's post",
      actor: ACTORS.org_member!,
      action: "post.withdraw",
      subject: by(OTHER_EDITOR, "submitted"),
      allowed: false,
    },
    {
      name: "a plain member views their own draft",
      actor: ACTORS.org_member!,
      action: "post.view_private",
      subject: by(ACTORS.org_member!, "draft"),
      allowed: true,
    },
    {
      name: "a member makes themselves admin of their own organisation",
      actor: ACTORS.org_member!,
      action: "org.manage_members",
      subject: { organization: ORG },
      allowed: false,
    },
    {
      name: "an editor changes roles in their own organisation",
      actor: ACTORS.org_editor!,
      action: "org.manage_members",
      subject: { organization: ORG },
      allowed: false,
    },
    {
      name: "the DPO changes roles in their own organisation",
      actor: ACTORS.org_dpo!,
      action: "org.manage_members",
      subject: { organization: ORG },
      allowed: false,
    },
    {
      name: "an org admin changes roles in their own organisation",
      actor: ACTORS.org_admin!,
      action: "org.manage_members",
      subject: { organization: ORG },
      allowed: true,
    },
    {
      name: "an org admin changes roles in another organisation",
      actor: ACTORS.org_admin!,
      action: "org.manage_members",
      subject: { organization: { id: "otherorg0000001", verified: true } },
      allowed: false,
    },
    {
      name: "an org admin changes the settings of an organisation they do not belong to",
      actor: ACTORS.org_admin!,
      action: "org.edit_settings",
      subject: { organization: PENDING_ORG },
      allowed: false,
    },
    { name: "a platform admin changes their own platform role", actor: admin, action: "user.set_platform_role", subject: { userId: admin.id }, allowed: false },
    {
      name: "a moderator changes their own platform role",
      actor: moderator,
      action: "user.set_platform_role",
      subject: { userId: moderator.id },
      allowed: false,
    },
    {
      name: "a platform admin verifies an organisation they requested",
      actor: admin,
      action: "org.review",
      subject: { organization: { id: "org000000000003", verified: false, requestedBy: admin.id } },
      allowed: false,
    },
    {
      name: "a member views the unverified organisation they requested",
      actor: { ...ACTORS.member!, id: PENDING_ORG.requestedBy },
      action: "org.view",
      subject: { organization: PENDING_ORG },
      allowed: true,
    },
    {
      name: "an editor of a funder records decisions for it",
      actor: ACTORS.org_editor!,
      action: "funding.manage",
      subject: { organization: ORG, organizationKind: "funder" },
      allowed: true,
    },
    { name: "a member joins the organisation they belong to", actor: ACTORS.org_member!, action: "org.join", subject: { organization: ORG }, allowed: false },
    {
      name: "the last admin leaves their organisation",
      actor: ACTORS.org_admin!,
      action: "org.leave",
      subject: { organization: ORG, activeAdmins: 1 },
      allowed: false,
    },
    // Translations (issue 12 §4): of the organisation's published posts only, never a funder's record.
    {
      name: "an editor translates a draft of their organisation",
      actor: ACTORS.org_editor!,
      action: "post.translate",
      subject: by(ACTORS.org_editor!, "draft"),
      allowed: false,
    },
    {
      name: "an editor translates a hidden post",
      actor: ACTORS.org_editor!,
      action: "post.translate",
      subject: by(ACTORS.org_editor!, "hidden"),
      allowed: false,
    },
    {
      name: "an editor translates a colleague's published post",
      actor: ACTORS.org_editor!,
      action: "post.translate",
      subject: by(OTHER_EDITOR, "published"),
      allowed: true,
    },
    {
      name: "an editor translates a funder's published decision record",
      actor: ACTORS.org_editor!,
      action: "post.translate",
      subject: { organization: ORG, post: { authorId: OTHER_EDITOR.id, status: "published", publishedBy: "funder" } },
      allowed: false,
    },
    {
      name: "an editor of a pending organisation translates",
      actor: ACTORS.org_editor!,
      action: "post.translate",
      subject: { organization: { ...ORG, verified: false }, post: { authorId: OTHER_EDITOR.id, status: "published" } },
      allowed: false,
    },
    {
      name: "an editor of another organisation translates",
      actor: ACTORS.org_editor!,
      action: "post.translate",
      subject: { organization: { id: "org000000000009", verified: true }, post: { authorId: "someone0000001", status: "published" } },
      allowed: false,
    },
    { name: "someone manages their own account", actor: ACTORS.member!, action: "account.manage", subject: { userId: ACTORS.member!.id }, allowed: true },
    // Follows (issue 13 §3): one's own only; a platform admin or moderator does not see or change another member's.
    {
      name: "a member changes another member's follows",
      actor: ACTORS.org_member!,
      action: "follow.manage",
      subject: { userId: ACTORS.member!.id },
      allowed: false,
    },
    { name: "a platform admin lists a member's follows", actor: admin, action: "follow.manage", subject: { userId: ACTORS.member!.id }, allowed: false },
    { name: "a moderator lists a member's follows", actor: ACTORS.moderator!, action: "follow.manage", subject: { userId: ACTORS.member!.id }, allowed: false },
    { name: "a platform admin manages someone else's account", actor: admin, action: "account.manage", subject: { userId: ACTORS.member!.id }, allowed: false },
  ];

  it.each(rows)("$name: $allowed", ({ actor, action, subject, allowed }) => {
    expect(can(actor, action, subject)).toBe(allowed);
  });
});

// Issue 14 §1: a discussion is its author's own words. Any active member of a verified
// organisation starts one; only its author edits, submits and answers the reviewer; the
// organisation's editors do not speak for them, and case studies keep their editor rule.
describe("can() on discussions", () => {
  const discussion = (status: string, authorId: string, revisionStatus: string | null = null): Subject => ({
    organization: ORG,
    post: { kind: "discussion", authorId, status, revisionStatus },
  });
  const MEMBER = ACTORS.org_member!;
  const rows: { name: string; actor: Actor | null; action: Action; subject: Subject; allowed: boolean }[] = [
    {
      name: "a plain member starts a discussion for their verified organisation",
      actor: MEMBER,
      action: "discussion.start",
      subject: { organization: ORG },
      allowed: true,
    },
    {
      name: "a plain member of a pending organisation starts one",
      actor: MEMBER,
      action: "discussion.start",
      subject: { organization: { ...ORG, verified: false } },
      allowed: false,
    },
    {
      name: "a member starts one for an organisation they do not belong to",
      actor: MEMBER,
      action: "discussion.start",
      subject: { organization: { id: "org000000000009", verified: true } },
      allowed: false,
    },
    {
      name: "an account with an unconfirmed address starts one",
      actor: { ...MEMBER, verified: false },
      action: "discussion.start",
      subject: { organization: ORG },
      allowed: false,
    },
    { name: "a plain member edits their own discussion draft", actor: MEMBER, action: "post.edit", subject: discussion("draft", MEMBER.id), allowed: true },
    { name: "a plain member submits their own discussion draft", actor: MEMBER, action: "post.submit", subject: discussion("draft", MEMBER.id), allowed: true },
    {
      name: "a plain member resubmits after changes were asked",
      actor: MEMBER,
      action: "post.submit",
      subject: discussion("changes_requested", MEMBER.id),
      allowed: true,
    },
    {
      name: "a plain member answers the reviewer's note on their discussion",
      actor: MEMBER,
      action: "post.reply",
      subject: discussion("changes_requested", MEMBER.id),
      allowed: true,
    },
    {
      name: "a plain member withdraws their own submitted discussion",
      actor: MEMBER,
      action: "post.withdraw",
      subject: discussion("submitted", MEMBER.id),
      allowed: true,
    },
    {
      name: "a plain member sees their own discussion's private view",
      actor: MEMBER,
      action: "post.view_private",
      subject: discussion("submitted", MEMBER.id),
      allowed: true,
    },
    {
      name: "a plain member edits their discussion while it is in review",
      actor: MEMBER,
      action: "post.edit",
      subject: discussion("in_review", MEMBER.id),
      allowed: false,
    },
    {
      name: "a plain member edits their published discussion (a revision)",
      actor: MEMBER,
      action: "post.edit",
      subject: discussion("published", MEMBER.id),
      allowed: true,
    },
    {
      name: "a plain member submits the live version of a published discussion",
      actor: MEMBER,
      action: "post.submit",
      subject: discussion("published", MEMBER.id),
      allowed: false,
    },
    {
      name: "a plain member edits another member's discussion",
      actor: MEMBER,
      action: "post.edit",
      subject: discussion("draft", "someone0000001"),
      allowed: false,
    },
    {
      name: "a plain member withdraws another member's discussion",
      actor: MEMBER,
      action: "post.withdraw",
      subject: discussion("draft", "someone0000001"),
      allowed: false,
    },
    {
      name: "an editor edits a plain member's discussion",
      actor: ACTORS.org_editor!,
      action: "post.edit",
      subject: discussion("draft", MEMBER.id),
      allowed: false,
    },
    {
      name: "an editor submits a plain member's discussion",
      actor: ACTORS.org_editor!,
      action: "post.submit",
      subject: discussion("draft", MEMBER.id),
      allowed: false,
    },
    {
      name: "an admin answers the reviewer on a member's discussion",
      actor: ACTORS.org_admin!,
      action: "post.reply",
      subject: discussion("changes_requested", MEMBER.id),
      allowed: false,
    },
    {
      name: "the organisation's admin withdraws a member's discussion",
      actor: ACTORS.org_admin!,
      action: "post.withdraw",
      subject: discussion("submitted", MEMBER.id),
      allowed: true,
    },
    {
      name: "the DPO signs off a member's discussion",
      actor: ACTORS.org_dpo!,
      action: "post.dpo_review",
      subject: discussion("dpo_review", MEMBER.id),
      allowed: true,
    },
    {
      name: "an author who left the organisation edits their discussion",
      actor: { ...MEMBER, memberships: [] },
      action: "post.edit",
      subject: discussion("draft", MEMBER.id),
      allowed: false,
    },
    {
      name: "an author whose address is unconfirmed edits their discussion",
      actor: { ...MEMBER, verified: false },
      action: "post.edit",
      subject: discussion("draft", MEMBER.id),
      allowed: false,
    },
    { name: "a moderator edits a member's discussion", actor: ACTORS.moderator!, action: "post.edit", subject: discussion("draft", MEMBER.id), allowed: false },
    {
      name: "a moderator approves a discussion",
      actor: ACTORS.moderator!,
      action: "post.moderate",
      subject: discussion("in_review", MEMBER.id),
      allowed: true,
    },
    {
      name: "an editor translates a published discussion",
      actor: ACTORS.org_editor!,
      action: "post.translate",
      subject: discussion("published", "orgeditor000001"),
      allowed: false,
    },
    // The case-study rule is unchanged: a plain member who wrote one still cannot edit it.
    {
      name: "a plain member edits a case study they wrote",
      actor: MEMBER,
      action: "post.edit",
      subject: { organization: ORG, post: { kind: "case_study", authorId: MEMBER.id, status: "draft" } },
      allowed: false,
    },
    {
      name: "an editor edits another editor's case study",
      actor: ACTORS.org_editor!,
      action: "post.edit",
      subject: { organization: ORG, post: { kind: "case_study", authorId: "someone0000001", status: "draft" } },
      allowed: true,
    },
  ];

  it.each(rows)("$name: $allowed", ({ actor, action, subject, allowed }) => {
    expect(can(actor, action, subject)).toBe(allowed);
  });
});

// Issue 14 §2: replies, with subjects written by the actor (or their organisation) and the states that refuse.
describe("can() on replies", () => {
  const MOD = ACTORS.moderator!;
  const MEMBER = ACTORS.org_member!;
  const modOfOrg = actor("modorgmember001", "moderator", "member");
  const reply = (authorId: string, status = "published", organizationId: string | null = null): Subject => ({ reply: { authorId, organizationId, status } });
  const rows: { name: string; actor: Actor | null; action: Action; subject: Subject; allowed: boolean }[] = [
    {
      name: "a member replies to a locked discussion",
      actor: MEMBER,
      action: "discussion.reply",
      subject: askedDiscussion(undefined, { locked: true }),
      allowed: false,
    },
    {
      name: "a member replies to a hidden discussion",
      actor: MEMBER,
      action: "discussion.reply",
      subject: askedDiscussion(undefined, { status: "hidden" }),
      allowed: false,
    },
    {
      name: "a member replies to a draft discussion",
      actor: MEMBER,
      action: "discussion.reply",
      subject: askedDiscussion(undefined, { status: "draft" }),
      allowed: false,
    },
    {
      name: "a member replies under a case study",
      actor: MEMBER,
      action: "discussion.reply",
      subject: askedDiscussion(undefined, { kind: "case_study" }),
      allowed: false,
    },
    {
      name: "a member replies under a published round-table summary",
      actor: MEMBER,
      action: "discussion.reply",
      subject: askedDiscussion(undefined, { kind: "round_table_summary" }),
      allowed: true,
    },
    {
      name: "a member marks the answer to someone else's question",
      actor: MEMBER,
      action: "discussion.mark_answer",
      subject: askedDiscussion(),
      allowed: false,
    },
    {
      name: "a summary's author marks an answer (summaries have none)",
      actor: MEMBER,
      action: "discussion.mark_answer",
      subject: askedDiscussion(MEMBER.id, { kind: "round_table_summary" }),
      allowed: false,
    },
    { name: "a moderator locks their own discussion", actor: MOD, action: "discussion.moderate", subject: askedDiscussion(MOD.id), allowed: false },
    { name: "a moderator locks their organisation's discussion", actor: modOfOrg, action: "discussion.moderate", subject: askedDiscussion(), allowed: false },
    { name: "a member edits someone else's reply", actor: MEMBER, action: "reply.edit", subject: reply("someone0000001"), allowed: false },
    { name: "an author edits their withdrawn reply", actor: MEMBER, action: "reply.edit", subject: reply(MEMBER.id, "withdrawn"), allowed: false },
    { name: "an author edits their hidden reply", actor: MEMBER, action: "reply.edit", subject: reply(MEMBER.id, "hidden"), allowed: false },
    {
      name: "an org admin withdraws a member's reply",
      actor: ACTORS.org_admin!,
      action: "reply.withdraw",
      subject: reply(MEMBER.id, "published", ORG.id),
      allowed: false,
    },
    { name: "an author withdraws a withdrawn reply", actor: MEMBER, action: "reply.withdraw", subject: reply(MEMBER.id, "withdrawn"), allowed: false },
    { name: "a moderator approves their own reply", actor: MOD, action: "reply.moderate", subject: reply(MOD.id, "pending"), allowed: false },
    {
      name: "a moderator approves a reply spoken for their organisation",
      actor: modOfOrg,
      action: "reply.moderate",
      subject: reply("someone0000001", "pending", ORG.id),
      allowed: false,
    },
    {
      name: "a moderator hides another organisation's reply",
      actor: modOfOrg,
      action: "reply.moderate",
      subject: reply("someone0000001", "published", "org000000000009"),
      allowed: true,
    },
    { name: "a member flags their own reply", actor: MEMBER, action: "reply.flag", subject: reply(MEMBER.id), allowed: false },
    { name: "a member flags a pending reply", actor: MEMBER, action: "reply.flag", subject: reply("someone0000001", "pending"), allowed: false },
  ];
  it.each(rows)("$name: $allowed", ({ actor: who, action, subject, allowed }) => {
    expect(can(who, action, subject)).toBe(allowed);
  });
});

describe("can() on round-table summaries", () => {
  const table = (extra: Partial<{ hostId: string; status: string; sessionEnded: boolean }> = {}): Subject => ({
    organization: ORG,
    roundTable: { hostId: ORG.id, status: "open", sessionEnded: true, ...extra },
  });
  const EDITOR = ACTORS.org_editor!;
  const ADMIN = ACTORS.org_admin!;
  const rows: { name: string; actor: Actor | null; action: Action; subject: Subject; allowed: boolean }[] = [
    { name: "the host's editor writes it after a session", actor: EDITOR, action: "summary.write", subject: table(), allowed: true },
    {
      name: "the host's editor writes it before any session ended",
      actor: EDITOR,
      action: "summary.write",
      subject: table({ sessionEnded: false }),
      allowed: false,
    },
    {
      name: "the host's editor writes it when the round table is closed, whatever the sessions",
      actor: EDITOR,
      action: "summary.write",
      subject: table({ sessionEnded: false, status: "closed" }),
      allowed: true,
    },
    {
      name: "the host's admin writes a second one once it is summarised",
      actor: ADMIN,
      action: "summary.write",
      subject: table({ status: "summarised" }),
      allowed: false,
    },
    {
      name: "an editor writes it for a round table another organisation hosts",
      actor: EDITOR,
      action: "summary.write",
      subject: table({ hostId: "org000000000009" }),
      allowed: false,
    },
    {
      name: "an editor of a pending host writes it",
      actor: EDITOR,
      action: "summary.write",
      subject: { ...table(), organization: { ...ORG, verified: false } },
      allowed: false,
    },
    { name: "an editor writes it without a round table", actor: EDITOR, action: "summary.write", subject: { organization: ORG }, allowed: false },
    { name: "the host's DPO writes it", actor: ACTORS.org_dpo!, action: "summary.write", subject: table(), allowed: false },
    {
      name: "an editor with an unconfirmed address writes it",
      actor: { ...EDITOR, verified: false },
      action: "summary.write",
      subject: table(),
      allowed: false,
    },
    {
      name: "a participant's admin consents for their organisation",
      actor: ADMIN,
      action: "summary.consent",
      subject: { organization: ORG, participant: { organizationId: ORG.id, status: "accepted" } },
      allowed: true,
    },
    {
      name: "an admin answers for an organisation that declined the invitation",
      actor: ADMIN,
      action: "summary.consent",
      subject: { organization: ORG, participant: { organizationId: ORG.id, status: "declined" } },
      allowed: false,
    },
    {
      name: "an admin answers for another organisation's participation",
      actor: ADMIN,
      action: "summary.consent",
      subject: { organization: ORG, participant: { organizationId: "org000000000009", status: "accepted" } },
      allowed: false,
    },
    {
      name: "an admin of another organisation answers",
      actor: ADMIN,
      action: "summary.consent",
      subject: { organization: { id: "org000000000009", verified: true }, participant: { organizationId: "org000000000009", status: "accepted" } },
      allowed: false,
    },
    {
      name: "the participant's editor answers",
      actor: EDITOR,
      action: "summary.consent",
      subject: { organization: ORG, participant: { organizationId: ORG.id, status: "accepted" } },
      allowed: false,
    },
    {
      name: "a platform admin answers for an organisation they do not belong to",
      actor: ACTORS.admin!,
      action: "summary.consent",
      subject: { organization: ORG, participant: { organizationId: ORG.id, status: "accepted" } },
      allowed: false,
    },
  ];
  it.each(rows)("$name: $allowed", ({ actor: who, action, subject, allowed }) => {
    expect(can(who, action, subject)).toBe(allowed);
  });
});

describe("can() on round tables (issue 14 §3)", () => {
  const MEMBER = ACTORS.org_member!;
  const EDITOR = ACTORS.org_editor!;
  const ADMIN = ACTORS.org_admin!;
  const hosted = (extra: Partial<{ hostId: string; status: string }> = {}): Subject => ({
    organization: ORG,
    roundTable: { hostId: ORG.id, status: "open", sessionEnded: false, ...extra },
  });
  const invited = (status: string, tableStatus = "open", participantOrg = ORG.id): Subject => ({
    organization: ORG,
    participant: { organizationId: participantOrg, status },
    roundTable: { hostId: OTHER_HOST, status: tableStatus, sessionEnded: false },
  });
  const space = (accepted: string[], status = "open", hostId = OTHER_HOST): Subject => ({
    roundTable: { hostId, status, sessionEnded: false, acceptedOrganizationIds: accepted },
  });
  const rows: { name: string; actor: Actor | null; action: Action; subject: Subject; allowed: boolean }[] = [
    {
      name: "an editor hosts for a pending organisation",
      actor: EDITOR,
      action: "roundtable.host",
      subject: { organization: { ...ORG, verified: false } },
      allowed: false,
    },
    { name: "a plain member hosts", actor: MEMBER, action: "roundtable.host", subject: { organization: ORG }, allowed: false },
    {
      name: "ORG's editor manages another host's round table",
      actor: EDITOR,
      action: "roundtable.manage",
      subject: hosted({ hostId: OTHER_HOST }),
      allowed: false,
    },
    {
      name: "the host's admin manages a closed one (to reopen it)",
      actor: ADMIN,
      action: "roundtable.manage",
      subject: hosted({ status: "closed" }),
      allowed: true,
    },
    {
      name: "an admin answers for an organisation whose participation this is not",
      actor: ADMIN,
      action: "roundtable.respond",
      subject: invited("invited", "open", "org000000000009"),
      allowed: false,
    },
    { name: "an admin changes an accepted answer", actor: ADMIN, action: "roundtable.respond", subject: invited("accepted"), allowed: true },
    {
      name: "an admin answers once the round table is closed",
      actor: ADMIN,
      action: "roundtable.respond",
      subject: invited("invited", "closed"),
      allowed: false,
    },
    {
      name: "the host's admin answers an invitation of its own round table",
      actor: ADMIN,
      action: "roundtable.respond",
      subject: {
        organization: ORG,
        participant: { organizationId: ORG.id, status: "invited" },
        roundTable: { hostId: ORG.id, status: "open", sessionEnded: false },
      },
      allowed: false,
    },
    { name: "an editor (not admin) answers", actor: EDITOR, action: "roundtable.respond", subject: invited("invited"), allowed: false },
    {
      name: "a member of an organisation invited but not yet answering sees the space",
      actor: MEMBER,
      action: "roundtable.view_preparation",
      subject: space([]),
      allowed: false,
    },
    {
      name: "a member of an organisation that declined sees the space",
      actor: ADMIN,
      action: "roundtable.view_preparation",
      subject: space(["org000000000009"]),
      allowed: false,
    },
    {
      name: "a plain member of the host sees the space",
      actor: MEMBER,
      action: "roundtable.view_preparation",
      subject: space([], "open", ORG.id),
      allowed: true,
    },
    {
      name: "a platform moderator (no membership) sees the space",
      actor: ACTORS.moderator!,
      action: "roundtable.view_preparation",
      subject: space([ORG.id]),
      allowed: false,
    },
    {
      name: "a participant writes once the round table is closed",
      actor: MEMBER,
      action: "roundtable.post_preparation",
      subject: space([ORG.id], "closed"),
      allowed: false,
    },
    {
      name: "a participant reads once the round table is summarised",
      actor: MEMBER,
      action: "roundtable.view_preparation",
      subject: space([ORG.id], "summarised"),
      allowed: true,
    },
    {
      name: "a participant with an unverified address writes",
      actor: { ...MEMBER, verified: false },
      action: "roundtable.post_preparation",
      subject: space([ORG.id]),
      allowed: false,
    },
    { name: "anyone sees a space without its round table", actor: MEMBER, action: "roundtable.view_preparation", subject: {}, allowed: false },
  ];
  it.each(rows)("$name: $allowed", ({ actor: who, action, subject, allowed }) => {
    expect(can(who, action, subject)).toBe(allowed);
  });
});
