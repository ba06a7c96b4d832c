// can() at its edges (issue 10 §7, from the mutants `npm run mutate` left alive): accounts whose
// e-mail is not verified but hold a role, subjects that are missing, posts in states the main
// table does not visit, and assertCan's refusal.
import { describe, expect, it } from "vitest";
import { type Action, assertCan, can, ForbiddenError, type Subject } from "../../src/lib/server/can.ts";
import type { Actor } from "../../src/lib/server/users.ts";

const ORG = { id: "org000000000001", verified: true };

function actor(id: string, role: Actor["role"], orgRole?: Actor["memberships"][number]["role"], verified = true): Actor {
  return {
    id,
    name: id,
    email: `${id}@example.test`,
    role,
    locale: "en",
    verified,
    memberships: orgRole
      ? [{ organizationId: ORG.id, organizationSlug: "org", organizationName: "Org", organizationVerified: true, organizationKind: "funder", role: orgRole }]
      : [],
  };
}

const editor = actor("orgeditor000001", "member", "editor");
const colleague = actor("orgeditor000002", "member", "editor");
const dpo = actor("orgdpo000000001", "member", "dpo");
const admin = actor("orgadmin0000001", "member", "admin");
const moderator = actor("moderator000001", "moderator");
const platformAdmin = actor("admin0000000001", "admin");

function post(status: string, revisionStatus: string | null = null, authorId = "orgauthor000001"): Subject {
  return { organization: ORG, organizationKind: "funder", post: { authorId, status, revisionStatus } };
}

describe("an account whose e-mail is not verified", () => {
  // Each case is allowed for the verified account; the same person unverified is refused.
  it.each([
    ["org admin", "org.manage_members", admin, { organization: ORG }],
    ["org admin", "org.edit_settings", admin, { organization: ORG }],
    ["org admin", "funding.consent", admin, { organization: ORG }],
    ["org editor", "post.create", editor, { organization: ORG }],
    ["org editor", "post.edit", editor, post("draft")],
    ["org editor", "funding.manage", editor, { organization: ORG, organizationKind: "funder" }],
    ["org DPO", "post.dpo_review", dpo, post("dpo_review")],
    ["moderator", "org.review", moderator, {}],
    ["moderator", "post.moderate", moderator, post("in_review")],
    ["moderator", "post.hide", moderator, post("published")],
    ["moderator", "post.restore", moderator, post("hidden")],
    ["platform admin", "org.manage_members", platformAdmin, { organization: ORG }],
    ["platform admin", "user.set_platform_role", platformAdmin, { userId: "someoneelse0001" }],
    ["platform admin", "post.import", platformAdmin, {}],
    ["member", "post.flag", editor, { post: { authorId: "someoneelse0001", status: "published" } }],
  ] as [string, Action, Actor, Subject][])("%s: %s is refused once unverified", (_who, action, who, subject) => {
    expect(can(who, action, subject)).toBe(true);
    expect(can({ ...who, verified: false }, action, subject)).toBe(false);
  });
});

describe("a missing subject is refused, not an error", () => {
  it.each([
    ["org.join", editor],
    ["org.manage_members", platformAdmin],
    ["org.edit_settings", platformAdmin],
    ["post.create", editor],
    ["post.view_private", moderator],
    ["post.edit", editor],
    ["post.submit", editor],
    ["post.withdraw", editor],
    ["post.dpo_review", dpo],
    ["post.moderate", moderator],
    ["post.flag", editor],
    ["funding.manage", editor],
    ["funding.consent", admin],
  ] as [Action, Actor][])("%s without an organisation or post is refused", (action, who) => {
    expect(can(who, action, {})).toBe(false);
    expect(can(null, action, {})).toBe(false);
  });
});

describe("posts in states the main table does not visit", () => {
  it("an editor reads a colleague's draft and its findings; a DPO and an admin too", () => {
    const draft = post("draft", null, colleague.id);
    expect(can(editor, "post.view_private", draft)).toBe(true);
    expect(can(dpo, "post.view_private", draft)).toBe(true);
    expect(can(admin, "post.view_private", draft)).toBe(true);
  });

  it("nobody withdraws a post twice, nor one that was rejected", () => {
    expect(can(editor, "post.withdraw", post("withdrawn", null, editor.id))).toBe(false);
    expect(can(admin, "post.withdraw", post("withdrawn"))).toBe(false);
    expect(can(admin, "post.withdraw", post("rejected"))).toBe(false);
    expect(can(admin, "post.withdraw", post("submitted"))).toBe(true);
  });

  it.each(["draft", "submitted", "in_review", "hidden", "rejected", "withdrawn"])("nobody flags a post in %s", (status) => {
    expect(can(editor, "post.flag", { post: { authorId: "someoneelse0001", status } })).toBe(false);
  });
});

describe("assertCan", () => {
  it("throws ForbiddenError naming the action when can() refuses", () => {
    expect(() => assertCan(null, "post.import")).toThrow(ForbiddenError);
    expect(() => assertCan(editor, "post.import")).toThrow("Not allowed: post.import");
    const thrown = (() => {
      try {
        assertCan(moderator, "post.import");
      } catch (error) {
        return error;
      }
    })();
    expect(thrown).toBeInstanceOf(ForbiddenError);
    expect((thrown as Error).name).toBe("ForbiddenError");
  });

  it("returns quietly when can() allows", () => {
    expect(() => assertCan(platformAdmin, "post.import")).not.toThrow();
  });
});

describe("a funder's record about an applicant", () => {
  const record = (applicantOrganizationId: string): Subject => ({
    organization: { id: "funder000000001", verified: true },
    post: { authorId: "funderedit00001", status: "in_review", applicantOrganizationId },
  });

  it("a moderator who belongs to some other organisation still moderates it", () => {
    const elsewhere = { ...moderator, memberships: [{ ...admin.memberships[0]!, organizationId: "unrelated000001" }] };
    expect(can(elsewhere, "post.moderate", record("applicant000001"))).toBe(true);
  });

  it("an anonymous visitor is refused, not an error", () => {
    expect(can(null, "post.moderate", record("applicant000001"))).toBe(false);
    expect(can(null, "post.flag", record("applicant000001"))).toBe(false);
  });
});
