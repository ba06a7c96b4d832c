// Issue 9 §12, §13, §17, §18, §20 on a real PocketBase, through the real domain functions:
// invitations as single-use records checked at acceptance, flags that only trusted readers
// can turn into a hide (with daily caps), rights that end with membership, no resubmission
// of a live post, and per-account daily allowances.
import { createHash } from "node:crypto";
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { ForbiddenError } from "../../src/lib/server/can.ts";
import { RateLimitedError, ValidationError } from "../../src/lib/server/errors.ts";
import { FLAGS_PER_DAY, HIDES_PER_DAY, TRUST_MEMBERSHIP_DAYS, flagPost, isTrustedReporter, listReportedPosts } from "../../src/lib/server/flags.ts";
import { findLatestMail } from "../../src/lib/server/mail.ts";
import { approvePost, claimPost, saveDraft, submitPost, withdrawPost } from "../../src/lib/server/moderation.ts";
import {
  INVITATIONS_PER_DAY,
  INVITE_TTL_MS,
  ORG_REQUESTS_PER_DAY,
  acceptInvitation,
  changeMemberRole,
  decideJoinRequest,
  getOrganizationPage,
  invitationStatus,
  inviteMember,
  leaveOrganization,
  requestOrganization,
  requestToJoin,
  reviewOrganization,
  revokeInvitation,
} from "../../src/lib/server/orgs.ts";
import { getPreviewPost, getPrivatePost, listMyPosts } from "../../src/lib/server/queues.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, unique, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let moderator: Actor;

beforeAll(async () => {
  pb = await useTestPocketBase();
  moderator = (await loadActor((await createUser(pb, { role: "moderator" })).id))!;
});

const actorOf = async (id: string): Promise<Actor> => (await loadActor(id))!;

function caseStudy(orgId: string) {
  return {
    kind: "case_study",
    organization: orgId,
    title: `Triage model we stopped ${unique("t")}`,
    summary: "We stopped a triage model after a six-month pilot in the emergency department.",
    body_md: "## Context\n\nA triage model in the emergency department.\n\n## What happened\n\nNurses did not trust it.",
    language: "en",
    tags: "triage",
    anonymous: false,
    outcome: "failure",
    care_settings: ["hospital"],
    ai_types: ["predictive_model"],
    lifecycle_stage: "stopped",
    lessons_md: "- Involve the nurses first.",
  };
}

async function publishAs(editor: Actor, orgId: string): Promise<string> {
  const { id } = await saveDraft(editor, caseStudy(orgId));
  await submitPost(editor, id);
  await claimPost(moderator, id);
  await approvePost(moderator, id);
  return id;
}

const statusOf = async (id: string) => (await pb.collection("posts").getOne(id)).status as string;

async function inviteLink(admin: Actor, orgId: string, email: string, role: string): Promise<string> {
  await inviteMember(admin, orgId, email, role);
  const mail = await findLatestMail(email);
  expect(mail!.text).toContain("It works once, for 7 days");
  const link = new URL(mail!.text.match(/https?:\/\/\S+\/invitations\/accept\?\S+/)![0]);
  return link.searchParams.get("token")!;
}

describe("invitations (issue 9 §12)", () => {
  it("are stored as a hash, work once, and a replay after a demotion gives nothing back", async () => {
    const admin = await createUser(pb);
    const org = await createOrganization(pb, [{ userId: admin.id, role: "admin" }]);
    const invitee = await createUser(pb);
    const token = await inviteLink(await actorOf(admin.id), org.id, invitee.email, "editor");
    const record = await pb.collection("invitations").getFirstListItem(pb.filter("organization = {:o}", { o: org.id }));
    expect(record.token_hash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(JSON.stringify(record)).not.toContain(token);
    const ttl = new Date(record.expires_at.replace(" ", "T")).getTime() - new Date(record.created.replace(" ", "T")).getTime();
    expect(Math.abs(ttl - INVITE_TTL_MS)).toBeLessThan(60_000);
    expect(INVITE_TTL_MS).toBe(7 * 24 * 3600_000);

    await acceptInvitation(await actorOf(invitee.id), { token });
    const membership = await pb.collection("memberships").getFirstListItem(pb.filter("user = {:u} && organization = {:o}", { u: invitee.id, o: org.id }));
    expect(membership.role).toBe("editor");
    await changeMemberRole(await actorOf(admin.id), membership.id, "member");
    await expect(acceptInvitation(await actorOf(invitee.id), { token })).rejects.toThrow(/already been used/);
    // Even after leaving, the used link brings nothing back.
    await leaveOrganization(await actorOf(invitee.id), org.id);
    await expect(acceptInvitation(await actorOf(invitee.id), { token })).rejects.toThrow(/already been used/);
    expect((await actorOf(invitee.id)).memberships).toEqual([]);
  });

  it("a membership that ended after the invitation was sent outranks it", async () => {
    const admin = await createUser(pb);
    const org = await createOrganization(pb, [{ userId: admin.id, role: "admin" }]);
    const person = await createUser(pb);
    const token = await inviteLink(await actorOf(admin.id), org.id, person.email, "admin");
    // They join another way, are made editor, then leave: the old invitation no longer holds.
    await requestToJoin(await actorOf(person.id), org.id);
    const m = await pb.collection("memberships").getFirstListItem(pb.filter("user = {:u} && organization = {:o}", { u: person.id, o: org.id }));
    await decideJoinRequest(await actorOf(admin.id), m.id, "approve", "editor");
    await expect(acceptInvitation(await actorOf(person.id), { token })).rejects.toThrow(/already a member/);
    await leaveOrganization(await actorOf(person.id), org.id);
    await expect(acceptInvitation(await actorOf(person.id), { token })).rejects.toThrow(/changed after this invitation/);
    expect((await actorOf(person.id)).memberships).toEqual([]);
  });

  it("are checked against the inviter's current rights and the organisation's verification", async () => {
    const admin = await createUser(pb);
    const admin2 = await createUser(pb);
    const org = await createOrganization(pb, [
      { userId: admin.id, role: "admin" },
      { userId: admin2.id, role: "admin" },
    ]);
    const a = await createUser(pb);
    const b = await createUser(pb);
    const tokenA = await inviteLink(await actorOf(admin.id), org.id, a.email, "admin");
    const tokenB = await inviteLink(await actorOf(admin2.id), org.id, b.email, "editor");
    // The first inviter is demoted: their pending invitation dies with their rights.
    const adminMembership = await pb.collection("memberships").getFirstListItem(pb.filter("user = {:u} && organization = {:o}", { u: admin.id, o: org.id }));
    await changeMemberRole(await actorOf(admin2.id), adminMembership.id, "member");
    await expect(acceptInvitation(await actorOf(a.id), { token: tokenA })).rejects.toThrow(/no longer an admin/);
    expect((await actorOf(a.id)).memberships).toEqual([]);
    // The organisation loses its verification: nobody joins it by invitation.
    await pb.collection("organizations").update(org.id, { verified: false, verification_status: "refused" });
    await expect(acceptInvitation(await actorOf(b.id), { token: tokenB })).rejects.toThrow(/not verified/);
    expect((await actorOf(b.id)).memberships).toEqual([]);
  });

  it("are revocable by the organisation's admins only, listed for them with their status, and expire", async () => {
    const admin = await createUser(pb);
    const editor = await createUser(pb);
    const org = await createOrganization(pb, [
      { userId: admin.id, role: "admin" },
      { userId: editor.id, role: "editor" },
    ]);
    const invitee = await createUser(pb);
    const token = await inviteLink(await actorOf(admin.id), org.id, invitee.email, "dpo");
    const page = await getOrganizationPage(await actorOf(admin.id), org.slug);
    expect(page!.invitations).toEqual([expect.objectContaining({ email: invitee.email, role: "dpo", status: "pending" })]);
    expect((await getOrganizationPage(await actorOf(editor.id), org.slug))!.invitations).toEqual([]);
    const id = page!.invitations[0]!.id;
    await expect(revokeInvitation(await actorOf(editor.id), id)).rejects.toBeInstanceOf(ForbiddenError);
    await revokeInvitation(await actorOf(admin.id), id);
    await expect(acceptInvitation(await actorOf(invitee.id), { token })).rejects.toThrow(/withdrawn/);
    expect((await getOrganizationPage(await actorOf(admin.id), org.slug))!.invitations[0]!.status).toBe("revoked");
    await expect(revokeInvitation(await actorOf(admin.id), id)).rejects.toBeInstanceOf(ValidationError);

    const created = new Date();
    const record = { expires_at: new Date(created.getTime() + INVITE_TTL_MS).toISOString() };
    expect(invitationStatus(record, new Date(created.getTime() + INVITE_TTL_MS - 1000))).toBe("pending");
    expect(invitationStatus(record, new Date(created.getTime() + INVITE_TTL_MS + 1000))).toBe("expired");
  });

  it("a new invitation to the same address replaces the pending one", async () => {
    const admin = await createUser(pb);
    const org = await createOrganization(pb, [{ userId: admin.id, role: "admin" }]);
    const invitee = await createUser(pb);
    const first = await inviteLink(await actorOf(admin.id), org.id, invitee.email, "admin");
    const second = await inviteLink(await actorOf(admin.id), org.id, invitee.email, "member");
    await expect(acceptInvitation(await actorOf(invitee.id), { token: first })).rejects.toThrow(/withdrawn/);
    await acceptInvitation(await actorOf(invitee.id), { token: second });
    expect((await actorOf(invitee.id)).memberships).toEqual([expect.objectContaining({ organizationId: org.id, role: "member" })]);
  });

  it(`one person sends at most ${INVITATIONS_PER_DAY} a day`, async () => {
    const admin = await createUser(pb);
    const org = await createOrganization(pb, [{ userId: admin.id, role: "admin" }]);
    const actor = await actorOf(admin.id);
    for (let i = 0; i < INVITATIONS_PER_DAY; i++) await inviteMember(actor, org.id, `${unique("inv")}@example.test`, "member");
    const extra = `${unique("inv")}@example.test`;
    await expect(inviteMember(actor, org.id, extra, "member")).rejects.toBeInstanceOf(RateLimitedError);
    expect(await findLatestMail(extra)).toBeUndefined();
    expect((await pb.collection("invitations").getList(1, 1, { filter: pb.filter("invited_by = {:u}", { u: admin.id }) })).totalItems).toBe(
      INVITATIONS_PER_DAY,
    );
  });
});

describe("flags (issue 9 §13)", () => {
  async function publishedPost(): Promise<string> {
    const editor = await createUser(pb);
    const org = await createOrganization(pb, [{ userId: editor.id, role: "editor" }]);
    return publishAs(await actorOf(editor.id), org.id);
  }
  // Trusted: the author of a published post of a verified organisation.
  async function trustedReader(): Promise<Actor> {
    const editor = await createUser(pb);
    const org = await createOrganization(pb, [{ userId: editor.id, role: "editor" }]);
    await publishAs(await actorOf(editor.id), org.id);
    return actorOf(editor.id);
  }

  it("a brand-new account's patient-data flag does not hide the post but tops the moderators' queue", async () => {
    const id = await publishedPost();
    const fresh = await actorOf((await createUser(pb)).id);
    expect(await flagPost(fresh, id, "patient_data", "I think I recognise a patient")).toEqual({ hidden: false });
    expect(await statusOf(id)).toBe("published");
    const other = await publishedPost();
    await flagPost(fresh, other, "spam");
    const queue = await listReportedPosts(moderator);
    const mine = queue.filter((r) => r.id === id || r.id === other);
    expect(mine.map((r) => [r.id, r.patientData, r.trustedFlags])).toEqual([
      [id, true, 0],
      [other, false, 0],
    ]);
    // Every patient-data report sorts before every other report.
    const firstOther = queue.findIndex((r) => !r.patientData);
    expect(firstOther === -1 || queue.slice(firstOther).every((r) => !r.patientData)).toBe(true);
    await expect(listReportedPosts(fresh)).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("the trust rule: active member of a verified organisation for 30 days, or author of a published post", async () => {
    const fresh = await createUser(pb);
    await createOrganization(pb, [{ userId: fresh.id, role: "member" }]);
    const newcomer = await actorOf(fresh.id);
    expect(await isTrustedReporter(newcomer)).toBe(false);
    expect(await isTrustedReporter(newcomer, new Date(Date.now() + (TRUST_MEMBERSHIP_DAYS + 1) * 86400_000))).toBe(true);
    const unverified = await createUser(pb);
    await createOrganization(pb, [{ userId: unverified.id, role: "admin" }], { verified: false, verification_status: "pending" });
    expect(await isTrustedReporter(await actorOf(unverified.id), new Date(Date.now() + 365 * 86400_000))).toBe(false);
    expect(await isTrustedReporter(await actorOf((await createUser(pb)).id), new Date(Date.now() + 365 * 86400_000))).toBe(false);
    expect(await isTrustedReporter(await trustedReader())).toBe(true);
  });

  it("three untrusted flaggers hide nothing", async () => {
    const id = await publishedPost();
    for (let i = 0; i < 3; i++) expect(await flagPost(await actorOf((await createUser(pb)).id), id, "offensive")).toEqual({ hidden: false });
    expect(await statusOf(id)).toBe("published");
  });

  it(`one trusted account's flags hide at most ${HIDES_PER_DAY} posts a day`, async () => {
    const reader = await trustedReader();
    const posts = await Promise.all(Array.from({ length: HIDES_PER_DAY + 1 }, () => publishedPost()));
    for (const id of posts.slice(0, HIDES_PER_DAY)) expect(await flagPost(reader, id, "patient_data")).toEqual({ hidden: true });
    const last = posts[HIDES_PER_DAY]!;
    expect(await flagPost(reader, last, "patient_data")).toEqual({ hidden: false });
    expect(await statusOf(last)).toBe("published");
    expect((await listReportedPosts(moderator)).find((r) => r.id === last)).toMatchObject({ patientData: true, trustedFlags: 1 });
  });

  it(`one account sends at most ${FLAGS_PER_DAY} flags a day`, async () => {
    const reader = await actorOf((await createUser(pb)).id);
    const posts = await Promise.all(Array.from({ length: FLAGS_PER_DAY + 1 }, () => publishedPost()));
    for (const id of posts.slice(0, FLAGS_PER_DAY)) await flagPost(reader, id, "spam");
    await expect(flagPost(reader, posts[FLAGS_PER_DAY]!, "spam")).rejects.toBeInstanceOf(RateLimitedError);
    // The reporter is told why and when they may report again.
    await expect(flagPost(reader, posts[FLAGS_PER_DAY]!, "spam")).rejects.toThrow(
      `You have sent ${FLAGS_PER_DAY} reports in the last 24 hours, the most one account may send. Please try again tomorrow; moderators are already looking at your earlier reports.`,
    );
    expect((await pb.collection("flags").getList(1, 1, { filter: pb.filter("post = {:p}", { p: posts[FLAGS_PER_DAY]! }) })).totalItems).toBe(0);
  });
});

describe("rights end with membership (issue 9 §17)", () => {
  async function team() {
    const [author, colleague, dpo, admin] = await Promise.all([createUser(pb), createUser(pb), createUser(pb), createUser(pb)]);
    const org = await createOrganization(pb, [
      { userId: author.id, role: "editor" },
      { userId: colleague.id, role: "member" },
      { userId: dpo.id, role: "dpo" },
      { userId: admin.id, role: "admin" },
    ]);
    return { org, author: await actorOf(author.id), colleague: await actorOf(colleague.id), dpo: await actorOf(dpo.id), admin: await actorOf(admin.id) };
  }

  it("a plain member reads neither a colleague's draft nor its privacy findings; the DPO and admin do", async () => {
    const t = await team();
    const { id } = await saveDraft(t.author, {
      ...caseStudy(t.org.id),
      body_md: "For the details of the pilot, call the ward manager on +32 470 12 34 56 any weekday.",
    });
    expect(await getPrivatePost(t.colleague, id)).toBeNull();
    expect(await getPreviewPost(t.colleague, "en", id)).toBeNull();
    expect((await getPrivatePost(t.dpo, id))?.item.id).toBe(id);
    expect((await getPrivatePost(t.admin, id))?.findings.length).toBeGreaterThan(0);
    expect((await getPrivatePost(t.author, id))?.item.id).toBe(id);
  });

  it("an author who left can neither view the organisation's private posts nor withdraw its published ones", async () => {
    const t = await team();
    const published = await publishAs(t.author, t.org.id);
    const { id: draft } = await saveDraft(t.author, caseStudy(t.org.id));
    await leaveOrganization(t.author, t.org.id);
    const former = await actorOf(t.author.id);
    expect(former.memberships).toEqual([]);
    expect(await getPrivatePost(former, draft)).toBeNull();
    expect(await getPrivatePost(former, published)).toBeNull();
    expect((await listMyPosts(t.author)).map((p) => p.id).sort()).toEqual([draft, published].sort());
    expect(await listMyPosts(former)).toEqual([]);
    await expect(withdrawPost(former, published)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await statusOf(published)).toBe("published");
    // The organisation's admin still can.
    await withdrawPost(t.admin, published);
    expect(await statusOf(published)).toBe("withdrawn");
  });
});

describe("no resubmission of a live post (issue 9 §18)", () => {
  it("submit on a published post without a pending revision is refused and changes nothing", async () => {
    const editor = await createUser(pb);
    const org = await createOrganization(pb, [{ userId: editor.id, role: "editor" }]);
    const actor = await actorOf(editor.id);
    const id = await publishAs(actor, org.id);
    const before = await pb.collection("posts").getOne(id);
    await expect(submitPost(actor, id)).rejects.toBeInstanceOf(ForbiddenError);
    const after = await pb.collection("posts").getOne(id);
    expect(after.status).toBe("published");
    expect(after.updated).toBe(before.updated);
  });
});

describe("organisation requests (issue 9 §20)", () => {
  const input = (name: string) => ({ name, kind: "research" as const, country: "BE", region: "brussels" as const, website: "", description: "" });

  it("a moderator cannot verify or refuse an organisation they requested; another moderator can", async () => {
    const own = await actorOf((await createUser(pb, { role: "moderator" })).id);
    const { slug } = await requestOrganization(own, input(`Lab ${unique("l")}`));
    const org = await pb.collection("organizations").getFirstListItem(pb.filter("slug = {:s}", { s: slug }));
    await expect(reviewOrganization(own, org.id, "verify")).rejects.toBeInstanceOf(ForbiddenError);
    await expect(reviewOrganization(own, org.id, "refuse", "changed my mind")).rejects.toBeInstanceOf(ForbiddenError);
    expect((await pb.collection("organizations").getOne(org.id)).verification_status).toBe("pending");
    await reviewOrganization(moderator, org.id, "verify");
    expect((await pb.collection("organizations").getOne(org.id)).verified).toBe(true);
  });

  it(`one account requests at most ${ORG_REQUESTS_PER_DAY} organisations a day`, async () => {
    const requester = await actorOf((await createUser(pb)).id);
    for (let i = 0; i < ORG_REQUESTS_PER_DAY; i++) await requestOrganization(requester, input(`Lab ${unique("q")}`));
    const name = `Lab ${unique("q")}`;
    await expect(requestOrganization(requester, input(name))).rejects.toBeInstanceOf(RateLimitedError);
    expect((await pb.collection("organizations").getList(1, 1, { filter: pb.filter("name = {:n}", { n: name }) })).totalItems).toBe(0);
  });
});
