// The permission table: every actor kind × every action that exists (issue 3 §7).
import { describe, expect, it } from "vitest";
import { ACTIONS, can, type Action, type Subject } from "../../src/lib/server/can.ts";
import type { Actor } from "../../src/lib/server/users.ts";

const ORG = { id: "org000000000001", verified: true };
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
  "org.edit_settings": () => ({ organization: ORG }),
  "user.set_platform_role": () => ({ userId: "someoneelse0001" }),
  "post.create": () => ({ organization: ORG }),
  "post.view_private": () => post("submitted"),
  "post.edit": () => post("draft"),
  "post.submit": () => post("changes_requested"),
  "post.withdraw": () => post("submitted"),
  "post.dpo_review": () => post("dpo_review"),
  "post.moderate": () => post("in_review"),
  "post.hide": () => post("published"),
  "post.restore": () => post("hidden"),
  "post.flag": () => post("published"),
  "post.view_history": () => post("published"),
  "post.import": () => ({}),
  "funding.manage": () => ({ organization: ORG, organizationKind: "funder" }),
  "funding.consent": () => ({ organization: ORG }),
};

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
  "org.edit_settings": ".    .   .   .    .   .    Y    .   Y",
  "user.set_platform_role": ".    .   .   .    .   .    .    .   Y",
  "post.create": ".    .   .   .    Y   .    Y    .   .",
  "post.view_private": ".    .   .   .    Y   Y    Y    Y   Y",
  "post.edit": ".    .   .   .    Y   .    Y    .   .",
  "post.submit": ".    .   .   .    Y   .    Y    .   .",
  "post.withdraw": ".    .   .   .    Y   .    Y    .   .",
  "post.dpo_review": ".    .   .   .    .   Y    .    .   .",
  "post.moderate": ".    .   .   .    .   .    .    Y   Y",
  "post.hide": ".    .   .   .    .   .    .    Y   Y",
  "post.restore": ".    .   .   .    .   .    .    Y   Y",
  "post.flag": ".    .   Y   Y    .   Y    Y    Y   Y",
  "post.view_history": ".    .   .   .    .   .    .    Y   Y",
  "post.import": ".    .   .   .    .   .    .    .   Y",
  "funding.manage": ".    .   .   .    Y   .    Y    .   .",
  "funding.consent": ".    .   .   .    .   .    Y    .   .",
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

  it("the last admin cannot leave, one of two can", () => {
    expect(can(ACTORS.org_admin!, "org.leave", { organization: ORG, activeAdmins: 1 })).toBe(false);
    expect(can(ACTORS.org_admin!, "org.leave", { organization: ORG, activeAdmins: 2 })).toBe(true);
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
