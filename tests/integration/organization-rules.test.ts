// Organisations at their edges (issue 10 §7, survivors of the mutation run over orgs.ts): what the requester, the
// moderator, an organisation's admins, a member, a former member and an invitee each see and are told — the exact
// refusal messages, the mails in the recipient's language, the organisation page's member lists and buttons, and every
// reason an invitation link stops working. Each test makes its own people and organisations.
//
// Mutants left alive on purpose (equivalent, or defence in depth that no request can reach):
// - the slug and token format checks before a lookup (getOrganizationPage, peekInvitation): a malformed value is
//   simply not found by the exact-match filter that follows; they save a request.
// - `fields`, `sort` and `expand` options whose absence returns the same records (fields: "id" → every field).
// - `?.` on expansions PocketBase always returns (a membership's user and organisation, an invitation's inviter).
// - listJoinRequestsFor's narrowing of where to look: every row still passes can() before it is shown.
// - reviewOrganization's `if (org.requested_by)`: without a requester the lookup finds no membership anyway.
// - `message || ""` on a join request: PocketBase returns "" for an empty text field, never nothing.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { say } from "../../src/i18n/domain.ts";
import { RateLimitedError } from "../../src/lib/server/errors.ts";
import { composeMail, findLatestMail } from "../../src/lib/server/mail.ts";
import {
  acceptInvitation,
  changeMemberRole,
  decideJoinRequest,
  describeOrganization,
  getOrganizationPage,
  hashInvitationToken,
  INVITATIONS_PER_DAY,
  inviteMember,
  invitationStatus,
  listJoinRequestsFor,
  listOrganizationDirectory,
  listPendingOrganizations,
  ORG_REQUESTS_PER_DAY,
  organizationRequestSchema,
  peekInvitation,
  removeMember,
  requestOrganization,
  requestToJoin,
  reviewOrganization,
  revokeInvitation,
  toPublicOrganization,
} from "../../src/lib/server/orgs.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, refusal, refusalIn, unique, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let moderator: Actor;
beforeAll(async () => {
  pb = await useTestPocketBase();
  moderator = await actorOf((await createUser(pb, { role: "moderator", name: "Mo Derator" })).id);
});

async function actorOf(id: string): Promise<Actor> {
  return (await loadActor(id))!;
}

/** A person with an account, as the domain sees them. */
async function person(overrides: Record<string, unknown> = {}): Promise<Actor> {
  return actorOf((await createUser(pb, overrides)).id);
}

/** An organisation with one admin (returned as an actor). */
async function orgWithAdmin(adminOverrides: Record<string, unknown> = {}, orgOverrides: Record<string, unknown> = {}) {
  const admin = await person(adminOverrides);
  const org = await createOrganization(pb, [{ userId: admin.id, role: "admin" }], orgOverrides);
  return { org, admin: await actorOf(admin.id) };
}

const membershipOf = (userId: string, orgId: string) =>
  pb.collection("memberships").getFirstListItem(pb.filter("user = {:u} && organization = {:o}", { u: userId, o: orgId }));

const request = (name: string, extra: Record<string, unknown> = {}) =>
  organizationRequestSchema.parse({ name, kind: "home_care", region: "wallonia", website: "", description: "Home care in the Ardennes.", ...extra });

// A 1×1 PNG.
const PNG = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));

describe("what the public sees of an organisation", () => {
  it("an anonymous post's descriptor names the kind and, when known, the region", () => {
    expect(describeOrganization("en", { kind: "hospital", region: "flanders" })).toBe("a hospital in Flanders");
    expect(describeOrganization("en", { kind: "hospital", region: null })).toBe("a hospital");
    expect(describeOrganization("en", { kind: "hospital" })).toBe("a hospital");
    expect(describeOrganization("en", null)).toBe("an organisation");
    expect(describeOrganization("en", undefined)).toBe("an organisation");
  });

  it("the public profile has no empty strings and no unsafe link", () => {
    const base = { id: "x", name: "AZ Test", slug: "az-test", kind: "hospital" };
    expect(toPublicOrganization({ ...base, country: "", region: "", description: "", description_language: "", website: "javascript:alert(1)" })).toEqual({
      slug: "az-test",
      name: "AZ Test",
      kind: "hospital",
      region: null,
      country: null,
      website: null,
      description: null,
      descriptionLanguage: null,
      verified: false,
    });
    expect(
      toPublicOrganization({
        ...base,
        country: "BE",
        region: "brussels",
        description: "Acute care.",
        description_language: "fr",
        website: "https://az.example",
        verified: true,
      }),
    ).toMatchObject({
      region: "brussels",
      country: "BE",
      description: "Acute care.",
      descriptionLanguage: "fr",
      website: "https://az.example",
      verified: true,
    });
  });

  it("the directory searches names in name order and says which filters it applied", async () => {
    const word = unique("dir");
    await createOrganization(pb, [], { name: `Zeta ${word}`, kind: "hospital" });
    await createOrganization(pb, [], { name: `Alpha ${word}`, kind: "care_home" });
    const all = await listOrganizationDirectory({ q: word });
    expect(all.items.map((o) => o.name)).toEqual([`Alpha ${word}`, `Zeta ${word}`]);
    expect(all.query).toEqual({ q: word, kind: null, region: null });
    const some = await listOrganizationDirectory({ q: word, kind: "hospital", region: "flanders" });
    expect(some.items.map((o) => o.name)).toEqual([`Zeta ${word}`]);
    expect(some.query).toEqual({ q: word, kind: "hospital", region: "flanders" });
  });
});

describe("requesting an organisation", () => {
  it("the form reads the country in any case and takes Belgium when none is given; an empty description is none", () => {
    expect(request("Soins à domicile", { country: " nl " }).country).toBe("NL");
    expect(request("Soins à domicile", { country: "" }).country).toBe("BE");
    expect(request("Soins à domicile").country).toBe("BE");
    expect(request("Soins à domicile", { description: null }).description).toBe("");
  });

  it("a second organisation of the same name gets the next free address", async () => {
    const name = `Thuiszorg ${unique("same")}`;
    const first = await requestOrganization(await person(), request(name));
    const second = await requestOrganization(await person(), request(name));
    const third = await requestOrganization(await person(), request(name));
    expect(second.slug).toBe(`${first.slug}-2`);
    expect(third.slug).toBe(`${first.slug}-3`);
  });

  it("stores the logo when one is sent, nothing for an empty file, and never asks for DPO sign-off by itself", async () => {
    const withLogo = await requestOrganization(await person(), request(`Logo ${unique("l")}`), new File([PNG], "logo.png", { type: "image/png" }));
    const emptyFile = await requestOrganization(await person(), request(`Nologo ${unique("l")}`), new File([], "empty.png", { type: "image/png" }));
    const a = await pb.collection("organizations").getFirstListItem(pb.filter("slug = {:s}", { s: withLogo.slug }));
    const b = await pb.collection("organizations").getFirstListItem(pb.filter("slug = {:s}", { s: emptyFile.slug }));
    expect(a.logo).toMatch(/\.png$/);
    expect(b.logo).toBe("");
    expect([a.requires_dpo_review, b.requires_dpo_review]).toEqual([false, false]);
  });

  it(`an account files at most ${ORG_REQUESTS_PER_DAY} requests a day and is told so`, async () => {
    const busy = await person();
    for (let i = 0; i < ORG_REQUESTS_PER_DAY; i++) await requestOrganization(busy, request(`Busy ${unique("b")}`));
    const name = `Busy ${unique("b")}`;
    expect(await refusal(requestOrganization(busy, request(name)), RateLimitedError)).toBe(say("domain.org.requests_per_day", { count: ORG_REQUESTS_PER_DAY }));
    expect((await pb.collection("organizations").getList(1, 1, { filter: pb.filter("name = {:n}", { n: name }) })).totalItems).toBe(0);
  });

  it(`requests sent at once go no further than ${ORG_REQUESTS_PER_DAY} a day`, async () => {
    const hasty = await person();
    const answers = await Promise.allSettled(
      Array.from({ length: ORG_REQUESTS_PER_DAY + 2 }, () => requestOrganization(hasty, request(`Hasty ${unique("h")}`))),
    );
    expect(answers.filter((a) => a.status === "fulfilled")).toHaveLength(ORG_REQUESTS_PER_DAY);
    for (const a of answers) if (a.status === "rejected") expect(a.reason).toBeInstanceOf(RateLimitedError);
    expect((await pb.collection("organizations").getList(1, 1, { filter: pb.filter("requested_by = {:u}", { u: hasty.id }) })).totalItems).toBe(
      ORG_REQUESTS_PER_DAY,
    );
  });

  it("the moderators' list shows who asked, oldest first, and marks the moderator's own request", async () => {
    const requester = await person({ name: "Rita Requester" });
    const first = await requestOrganization(requester, request(`Pending ${unique("p")}`, { region: "brussels", description: "" }));
    const own = await requestOrganization(moderator, request(`Pending ${unique("p")}`));
    const listed = await listPendingOrganizations(moderator);
    const mine = listed.filter((o) => o.slug === first.slug || o.slug === own.slug);
    expect(mine.map((o) => o.slug)).toEqual([first.slug, own.slug]);
    expect(mine[0]).toMatchObject({ region: "brussels", description: "", requestedBy: { name: "Rita Requester", email: requester.email }, ownRequest: false });
    expect(mine[1]).toMatchObject({ ownRequest: true, requestedBy: { name: "Mo Derator", email: moderator.email } });
  });
});

describe("reviewing a request", () => {
  async function pending(locale = "en") {
    const requester = await person({ locale });
    const name = `Review ${unique("v")}`;
    const { slug } = await requestOrganization(requester, request(name));
    const org = await pb.collection("organizations").getFirstListItem(pb.filter("slug = {:s}", { s: slug }));
    return { requester, org, name, slug };
  }

  it("a refusal needs five characters of reason, spaces not counted, and says so", async () => {
    const { org } = await pending();
    expect(await refusalIn(reviewOrganization(moderator, org.id, "refuse", "  abcd  "))).toEqual({ field: "reason", message: say("domain.org.refuse_reason") });
    expect((await pb.collection("organizations").getOne(org.id)).verification_status).toBe("pending");
    await reviewOrganization(moderator, org.id, "refuse", "  abcde  ");
    expect(await pb.collection("organizations").getOne(org.id)).toMatchObject({ verification_status: "refused", refusal_reason: "abcde" });
    expect(await refusalIn(reviewOrganization(moderator, org.id, "verify"))).toEqual({ field: "organization", message: say("domain.org.already_reviewed") });
  });

  it("the requester is told in their language: verified, or refused with the reason", async () => {
    const a = await pending("fr");
    expect(await reviewOrganization(moderator, a.org.id, "verify")).toEqual({ name: a.name, slug: a.slug });
    expect(await pb.collection("organizations").getOne(a.org.id)).toMatchObject({ verified: true, verification_status: "verified", refusal_reason: "" });
    expect((await findLatestMail(a.requester.email))?.subject).toBe(composeMail("org_verified", "fr", { org: a.name }).subject);

    const b = await pending("nl");
    await reviewOrganization(moderator, b.org.id, "refuse", "  Not in the KBO register.  ");
    const mail = await findLatestMail(b.requester.email);
    expect(mail?.subject).toBe(composeMail("org_refused", "nl", { org: b.name, reason: "Not in the KBO register." }).subject);
    expect(mail?.text).toBe(composeMail("org_refused", "nl", { org: b.name, reason: "Not in the KBO register." }).text);
  });

  it("verifies an organisation that nobody requested (entered by the platform), with no membership and no mail", async () => {
    const org = await createOrganization(pb, [], { verified: false, verification_status: "pending" });
    expect(await reviewOrganization(moderator, org.id, "verify")).toEqual({ name: org.name, slug: org.slug });
    expect(await pb.collection("organizations").getOne(org.id)).toMatchObject({ verified: true, verification_status: "verified" });
    expect((await pb.collection("memberships").getList(1, 1, { filter: pb.filter("organization = {:o}", { o: org.id }) })).totalItems).toBe(0);
    expect((await pb.collection("mail_outbox").getList(1, 1, { filter: pb.filter("params ~ {:n}", { n: org.name }) })).totalItems).toBe(0);
  });

  it("verifies a requested organisation whose requester no longer waits as a member", async () => {
    const { org, requester } = await pending();
    await pb.collection("memberships").delete((await membershipOf(requester.id, org.id)).id);
    await reviewOrganization(moderator, org.id, "verify");
    expect((await pb.collection("organizations").getOne(org.id)).verified).toBe(true);
    expect((await actorOf(requester.id)).memberships).toEqual([]);
  });
});

describe("the organisation page", () => {
  it("the last admin among several members can neither leave nor be removed; with a second admin, either can", async () => {
    const { org, admin } = await orgWithAdmin();
    for (const role of ["editor", "editor"])
      await pb.collection("memberships").create({ user: (await person()).id, organization: org.id, role, status: "active" });
    let page = (await getOrganizationPage(admin, org.slug))!;
    expect(page.canLeave).toBe(false);
    expect(page.members.find((m) => m.userId === admin.id)?.removable).toBe(false);
    const second = await person();
    await pb.collection("memberships").create({ user: second.id, organization: org.id, role: "admin", status: "active" });
    page = (await getOrganizationPage(await actorOf(admin.id), org.slug))!;
    expect(page.canLeave).toBe(true);
    expect(page.members.find((m) => m.userId === second.id)?.removable).toBe(true);
  });

  it("its admins see the active members, the requests and the invitations; others see none of them", async () => {
    const { org, admin } = await orgWithAdmin({ name: "Ada Admin" });
    const editor = await person({ name: "Ed Editor" });
    const former = await person({ name: "Fay Former" });
    await pb.collection("memberships").create({ user: editor.id, organization: org.id, role: "editor", status: "active" });
    await pb.collection("memberships").create({ user: former.id, organization: org.id, role: "member", status: "left" });
    const joiner = await person({ name: "Jo Joiner" });
    await requestToJoin(joiner, org.id);
    await inviteMember(admin, org.id, "someone@example.test", "dpo");

    const page = (await getOrganizationPage(admin, org.slug))!;
    expect(page.canManage).toBe(true);
    expect(page.members.map((m) => [m.name, m.email, m.role, m.removable])).toEqual([
      ["Ada Admin", admin.email, "admin", false],
      ["Ed Editor", editor.email, "editor", true],
    ]);
    expect(page.pendingRequests).toEqual([expect.objectContaining({ name: "Jo Joiner", email: joiner.email, message: "" })]);
    expect(page.invitations).toEqual([expect.objectContaining({ email: "someone@example.test", role: "dpo", status: "pending", invitedBy: "Ada Admin" })]);
    expect(page.myMembership).toMatchObject({ role: "admin", status: "active" });
    // The only admin cannot leave.
    expect(page.canLeave).toBe(false);

    for (const who of [null, await actorOf(editor.id), joiner]) {
      const seen = (await getOrganizationPage(who, org.slug))!;
      expect([seen.canManage, seen.members, seen.pendingRequests, seen.invitations]).toEqual([false, [], [], []]);
    }
  });

  it("offers joining to people outside it and to former members, leaving to members who may leave", async () => {
    const { org } = await orgWithAdmin();
    const member = await person();
    await pb.collection("memberships").create({ user: member.id, organization: org.id, role: "member", status: "active" });
    const buttons = async (who: Actor | null) => {
      const page = (await getOrganizationPage(who ? await actorOf(who.id) : null, org.slug))!;
      return { join: page.canJoin, leave: page.canLeave };
    };
    expect(await buttons(member)).toEqual({ join: false, leave: true });
    expect(await buttons(await person())).toEqual({ join: true, leave: false });
    expect(await buttons(null)).toEqual({ join: false, leave: false });
    for (const status of ["left", "rejected", "removed"]) {
      const former = await person();
      await pb.collection("memberships").create({ user: former.id, organization: org.id, role: "member", status });
      expect(await buttons(former)).toEqual({ join: true, leave: false });
    }
    const waiting = await person();
    await requestToJoin(waiting, org.id);
    expect(await buttons(waiting)).toEqual({ join: false, leave: false });
  });

  it("shows a refusal reason to the organisation's admins and requester only; a missing status reads from `verified`", async () => {
    const { org, admin } = await orgWithAdmin({}, { refusal_reason: "Internal: duplicate of another record." });
    expect((await getOrganizationPage(admin, org.slug))!.refusalReason).toBe("Internal: duplicate of another record.");
    expect((await getOrganizationPage(null, org.slug))!.refusalReason).toBeNull();
    expect((await getOrganizationPage(await person(), org.slug))!.refusalReason).toBeNull();
    const old = await createOrganization(pb, [], { verification_status: "" });
    expect((await getOrganizationPage(null, old.slug))!.verificationStatus).toBe("verified");
    expect(await getOrganizationPage(null, unique("nothing-here"))).toBeNull();
  });
});

describe("joining", () => {
  it("a message of up to 1000 characters goes to the admins; a longer one is refused with its length", async () => {
    const { org, admin } = await orgWithAdmin();
    const long = await person();
    expect(await refusalIn(requestToJoin(long, org.id, "m".repeat(1001)))).toEqual({
      field: "message",
      message: say("domain.org.join_message_max", { max: 1000, length: 1001 }),
    });
    await requestToJoin(long, org.id, ` ${"m".repeat(1000)} `);
    const listed = (await listJoinRequestsFor(admin)).filter((r) => r.organization.slug === org.slug);
    expect(listed).toEqual([expect.objectContaining({ message: "m".repeat(1000), organization: { name: org.name, slug: org.slug } })]);
  });

  it("someone who became a member meanwhile (another tab) is told so and nothing changes", async () => {
    const { org } = await orgWithAdmin();
    const stale = await person();
    await pb.collection("memberships").create({ user: stale.id, organization: org.id, role: "editor", status: "active" });
    expect(await refusalIn(requestToJoin(stale, org.id, "let me in"))).toEqual({ field: "organization", message: say("domain.org.already_member") });
    expect(await membershipOf(stale.id, org.id)).toMatchObject({ status: "active", role: "editor", message: "" });
  });

  it("a refused request is rejected, not approved; the person is told; an answered request cannot be answered again", async () => {
    const { org, admin } = await orgWithAdmin();
    const joiner = await person({ locale: "nl", name: "Noor" });
    await requestToJoin(joiner, org.id);
    const m = await membershipOf(joiner.id, org.id);
    expect(await refusalIn(decideJoinRequest(admin, m.id, "approve", "owner"))).toEqual({ field: "role", message: say("domain.membership.role") });
    expect(await decideJoinRequest(admin, m.id, "reject")).toEqual({ decision: "reject", name: "Noor", organization: org.name });
    expect((await membershipOf(joiner.id, org.id)).status).toBe("rejected");
    expect((await findLatestMail(joiner.email))?.subject).toBe(composeMail("membership_rejected", "nl", { org: org.name }).subject);
    expect(await refusalIn(decideJoinRequest(admin, m.id, "approve"))).toEqual({ field: "membership", message: say("domain.membership.answered") });
  });

  it("an approved person learns their role in their language", async () => {
    const { org, admin } = await orgWithAdmin();
    const joiner = await person({ locale: "fr", name: "Flore" });
    await requestToJoin(joiner, org.id);
    const m = await membershipOf(joiner.id, org.id);
    expect(await decideJoinRequest(admin, m.id, "approve", "dpo")).toEqual({ decision: "approve", name: "Flore", organization: org.name });
    expect(await membershipOf(joiner.id, org.id)).toMatchObject({ status: "active", role: "dpo" });
    const mail = await findLatestMail(joiner.email);
    expect(mail?.subject).toBe(composeMail("membership_approved", "fr", { org: org.name, role: "dpo" }).subject);
  });
});

describe("members and roles", () => {
  it("a removed member is told in their language; someone no longer a member cannot be removed", async () => {
    const { org, admin } = await orgWithAdmin();
    const member = await person({ locale: "nl", name: "Mies" });
    const gone = await person();
    await pb.collection("memberships").create({ user: member.id, organization: org.id, role: "editor", status: "active" });
    const left = await pb.collection("memberships").create({ user: gone.id, organization: org.id, role: "member", status: "left" });
    const m = await membershipOf(member.id, org.id);
    expect(await removeMember(admin, m.id)).toEqual({ name: "Mies", organization: org.name });
    expect(await membershipOf(member.id, org.id)).toMatchObject({ status: "removed", removed_by: admin.id });
    expect((await findLatestMail(member.email))?.subject).toBe(composeMail("membership_removed", "nl", { org: org.name }).subject);
    expect(await refusalIn(removeMember(admin, left.id))).toEqual({ field: "membership", message: say("domain.membership.not_member") });
    expect((await pb.collection("memberships").getOne(left.id)).status).toBe("left");
  });

  it("a role must be one of the four; the last admin may stay admin but not step down", async () => {
    const { org, admin } = await orgWithAdmin();
    const mine = await membershipOf(admin.id, org.id);
    expect(await refusalIn(changeMemberRole(admin, mine.id, "owner"))).toEqual({ field: "role", message: say("domain.membership.role") });
    await changeMemberRole(admin, mine.id, "admin");
    expect(await refusalIn(changeMemberRole(admin, mine.id, "editor"))).toEqual({ field: "role", message: say("domain.membership.last_admin") });
    expect((await membershipOf(admin.id, org.id)).role).toBe("admin");
  });
});

describe("invitations", () => {
  async function invited(opts: { role?: string; inviteeLocale?: string } = {}) {
    const { org, admin } = await orgWithAdmin({ name: "Ines Inviter" });
    const invitee = await person({ locale: opts.inviteeLocale ?? "en" });
    await inviteMember(admin, org.id, invitee.email, opts.role ?? "editor");
    const mail = (await findLatestMail(invitee.email))!;
    const token = new URL(mail.text.match(/https?:\/\/\S+\/invitations\/accept\?\S+/)![0]).searchParams.get("token")!;
    const record = await pb.collection("invitations").getFirstListItem(pb.filter("token_hash = {:h}", { h: hashInvitationToken(token) }));
    return { org, admin, invitee, token, record, mail };
  }

  it("stores only the token's SHA-256, in hex", () => {
    expect(hashInvitationToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("goes to the address in lower case, with a notice for an existing account pointing to the organisation", async () => {
    const { org, admin } = await orgWithAdmin({ name: "Ines Inviter" });
    const invitee = await person();
    await inviteMember(admin, org.id, `  ${invitee.email.toUpperCase()}  `, "member");
    const rows = await pb.collection("invitations").getFullList({ filter: pb.filter("organization = {:o}", { o: org.id }) });
    expect(rows.map((r) => r.email)).toEqual([invitee.email]);
    const notices = await pb.collection("notifications").getFullList({ filter: pb.filter("user = {:u}", { u: invitee.id }) });
    expect(notices.map((n) => [n.kind, n.link])).toEqual([["invitation", `/organizations/${org.slug}`]]);
  });

  it("refuses a bad address or role with its message and writes nothing", async () => {
    const { org, admin } = await orgWithAdmin();
    expect(await refusalIn(inviteMember(admin, org.id, "not an address", "member"))).toEqual({ field: "email", message: say("domain.email.invalid_short") });
    expect(await refusalIn(inviteMember(admin, org.id, "ok@example.test", "owner"))).toEqual({ field: "role", message: say("domain.membership.role") });
    expect((await pb.collection("invitations").getList(1, 1, { filter: pb.filter("organization = {:o}", { o: org.id }) })).totalItems).toBe(0);
  });

  it(`one person sends at most ${INVITATIONS_PER_DAY} a day and is told so`, async () => {
    const { org, admin } = await orgWithAdmin();
    for (let i = 0; i < INVITATIONS_PER_DAY; i++) await inviteMember(admin, org.id, `${unique("inv")}@example.test`, "member");
    expect(await refusal(inviteMember(admin, org.id, "one-more@example.test", "member"), RateLimitedError)).toBe(
      say("domain.invitation.per_day", { count: INVITATIONS_PER_DAY }),
    );
  });

  it(`invitations sent at once go no further than ${INVITATIONS_PER_DAY} a day`, async () => {
    const { org, admin } = await orgWithAdmin();
    const answers = await Promise.allSettled(
      Array.from({ length: INVITATIONS_PER_DAY + 2 }, () => inviteMember(admin, org.id, `${unique("rush")}@example.test`, "member")),
    );
    expect(answers.filter((a) => a.status === "fulfilled")).toHaveLength(INVITATIONS_PER_DAY);
    for (const a of answers) if (a.status === "rejected") expect(a.reason).toBeInstanceOf(RateLimitedError);
    expect((await pb.collection("invitations").getList(1, 1, { filter: pb.filter("invited_by = {:u}", { u: admin.id }) })).totalItems).toBe(
      INVITATIONS_PER_DAY,
    );
  });

  it("a revoked or accepted invitation cannot be revoked again, each with its reason", async () => {
    const a = await invited();
    await revokeInvitation(a.admin, a.record.id);
    expect(await refusalIn(revokeInvitation(a.admin, a.record.id))).toEqual({ field: "invitation", message: say("domain.invitation.revoked_already") });
    const b = await invited();
    await acceptInvitation(b.invitee, { token: b.token });
    expect(await refusalIn(revokeInvitation(b.admin, b.record.id))).toEqual({ field: "invitation", message: say("domain.invitation.accepted_already") });
    expect((await pb.collection("invitations").getOne(b.record.id)).revoked_at).toBe("");
  });

  it("accepted twice at once (a double click, two tabs): one membership, and no answer is an internal error", async () => {
    const { token, invitee, org } = await invited();
    const answers = await Promise.allSettled([acceptInvitation(invitee, { token }), acceptInvitation(invitee, { token })]);
    // Both in at once: both land in the organisation. Otherwise the second is told why: the link was used, or it is a member already.
    const told = [
      { field: "token", message: say("domain.invitation.used") },
      { field: "account", message: say("domain.invitation.member_already") },
    ];
    for (const answer of answers)
      if (answer.status === "rejected") expect(told).toContainEqual({ field: answer.reason.field, message: answer.reason.message });
      else expect(answer.value).toEqual({ slug: org.slug });
    expect(answers.some((a) => a.status === "fulfilled")).toBe(true);
    const memberships = await pb
      .collection("memberships")
      .getFullList({ filter: pb.filter("user = {:u} && organization = {:o}", { u: invitee.id, o: org.id }) });
    expect(memberships.map((m) => m.status)).toEqual(["active"]);
  });

  it("expires at its expiry time exactly, and reads as expired without one", () => {
    const now = new Date("2026-12-05T12:00:00Z");
    expect(invitationStatus({ expires_at: "2026-12-05 12:00:00.001Z" }, now)).toBe("pending");
    expect(invitationStatus({ expires_at: "2026-12-05 12:00:00.000Z" }, now)).toBe("expired");
    expect(invitationStatus({ expires_at: 1_900_000_000_000 }, now)).toBe("expired");
    expect(invitationStatus({}, now)).toBe("expired");
    expect(invitationStatus({ accepted_at: "x", revoked_at: "y" }, now)).toBe("accepted");
    expect(invitationStatus({ revoked_at: "y", expires_at: "2099-01-01 00:00:00.000Z" }, now)).toBe("revoked");
  });

  it("the acceptance page shows the organisation's name and the role; an unknown token shows nothing", async () => {
    const { token, invitee, org } = await invited({ role: "dpo" });
    expect(await peekInvitation(token)).toEqual({ email: invitee.email, organization: org.name, role: "dpo", status: "pending" });
    expect(await peekInvitation("A".repeat(43))).toBeNull();
    expect(await peekInvitation("short")).toBeNull();
  });

  it("accepting says exactly why a link does not work", async () => {
    const a = await invited();
    expect(await refusalIn(acceptInvitation(null, { token: a.token }))).toEqual({ field: "account", message: say("domain.invitation.sign_in") });
    expect(await refusalIn(acceptInvitation(a.invitee, { token: "bad token!" }))).toEqual({ field: "token", message: say("domain.invitation.invalid") });
    expect(await refusalIn(acceptInvitation(a.invitee, { token: "A".repeat(43) }))).toEqual({ field: "token", message: say("domain.invitation.invalid") });
    const stranger = await person();
    expect(await refusalIn(acceptInvitation(stranger, { token: a.token }))).toEqual({
      field: "account",
      message: say("domain.invitation.other_address", { email: a.invitee.email }),
    });
    expect(await acceptInvitation(a.invitee, { token: a.token })).toEqual({ slug: a.org.slug });
    expect(await refusalIn(acceptInvitation(a.invitee, { token: a.token }))).toEqual({ field: "token", message: say("domain.invitation.used") });

    const b = await invited();
    await revokeInvitation(b.admin, b.record.id);
    expect(await refusalIn(acceptInvitation(b.invitee, { token: b.token }))).toEqual({ field: "token", message: say("domain.invitation.withdrawn") });

    const c = await invited();
    await pb.collection("invitations").update(c.record.id, { expires_at: "2020-01-01 00:00:00.000Z" });
    expect(await refusalIn(acceptInvitation(c.invitee, { token: c.token }))).toEqual({ field: "token", message: say("domain.invitation.expired") });

    const d = await invited();
    await pb.collection("organizations").update(d.org.id, { verified: false });
    expect(await refusalIn(acceptInvitation(d.invitee, { token: d.token }))).toEqual({ field: "token", message: say("domain.invitation.org_unverified") });

    const e = await invited();
    await pb.collection("memberships").update((await membershipOf(e.admin.id, e.org.id)).id, { role: "member" });
    expect(await refusalIn(acceptInvitation(e.invitee, { token: e.token }))).toEqual({ field: "token", message: say("domain.invitation.inviter_not_admin") });
  });

  it("an invitation from a platform admin works without their being a member", async () => {
    const org = await createOrganization(pb);
    const platformAdmin = await person({ role: "admin" });
    const invitee = await person();
    await inviteMember(platformAdmin, org.id, invitee.email, "editor");
    const token = new URL((await findLatestMail(invitee.email))!.text.match(/https?:\/\/\S+\/invitations\/accept\?\S+/)![0]).searchParams.get("token")!;
    await acceptInvitation(invitee, { token });
    expect(await membershipOf(invitee.id, org.id)).toMatchObject({ status: "active", role: "editor" });
  });

  it("an existing member is told so; a pending request becomes the invited membership; a membership ended after the invitation wins", async () => {
    const a = await invited();
    await pb.collection("memberships").create({ user: a.invitee.id, organization: a.org.id, role: "member", status: "active" });
    expect(await refusalIn(acceptInvitation(a.invitee, { token: a.token }))).toEqual({ field: "account", message: say("domain.invitation.member_already") });

    const b = await invited({ role: "editor" });
    await requestToJoin(b.invitee, b.org.id, "hello");
    await acceptInvitation(b.invitee, { token: b.token });
    const memberships = await pb
      .collection("memberships")
      .getFullList({ filter: pb.filter("user = {:u} && organization = {:o}", { u: b.invitee.id, o: b.org.id }) });
    expect(memberships.map((m) => [m.status, m.role])).toEqual([["active", "editor"]]);

    // Removed before the invitation was sent: the invitation is the newer word.
    const { org, admin } = await orgWithAdmin();
    const back = await person();
    await pb.collection("memberships").create({ user: back.id, organization: org.id, role: "member", status: "removed" });
    await new Promise((r) => setTimeout(r, 5));
    await inviteMember(admin, org.id, back.email, "member");
    const token = new URL((await findLatestMail(back.email))!.text.match(/https?:\/\/\S+\/invitations\/accept\?\S+/)![0]).searchParams.get("token")!;
    await acceptInvitation(back, { token });
    expect((await membershipOf(back.id, org.id)).status).toBe("active");

    // Left after it was sent: the later choice stands.
    const c = await invited();
    await pb.collection("memberships").create({ user: c.invitee.id, organization: c.org.id, role: "member", status: "left" });
    expect(await refusalIn(acceptInvitation(c.invitee, { token: c.token }))).toEqual({
      field: "account",
      message: say("domain.invitation.membership_changed"),
    });
  });
});
