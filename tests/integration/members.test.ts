// Issue 11 §19–20 on a real PocketBase: the organisation directory counts only posts signed
// with the organisation's name; join requests carry a message and reach the admins'
// dashboard; an admin removes a member and the member's rights end with the next request.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { can, ForbiddenError } from "../../src/lib/server/can.ts";
import { findLatestMail } from "../../src/lib/server/mail.ts";
import { saveDraft } from "../../src/lib/server/moderation.ts";
import { listJoinRequestsFor, listOrganizationDirectory, removeMember, requestToJoin } from "../../src/lib/server/orgs.ts";
import { createSession, validateSessionToken } from "../../src/lib/server/session.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { caseStudyInput, publishThroughModeration, word } from "./search-helpers.ts";
import { createOrganization, createUser, unique, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let moderator: Actor;

beforeAll(async () => {
  pb = await useTestPocketBase();
  moderator = (await loadActor((await createUser(pb, { role: "moderator" })).id))!;
});

const load = async (id: string) => (await loadActor(id))!;

async function orgWith(roles: string[], overrides: Record<string, unknown> = {}) {
  const users = await Promise.all(roles.map(() => createUser(pb)));
  const org = await createOrganization(
    pb,
    users.map((u, i) => ({ userId: u.id, role: roles[i]! })),
    overrides,
  );
  return { org, users, actors: await Promise.all(users.map((u) => load(u.id))) };
}

async function membershipOf(userId: string, orgId: string) {
  return pb.collection("memberships").getFirstListItem(pb.filter("user = {:u} && organization = {:o}", { u: userId, o: orgId }));
}

describe("organisation directory", () => {
  it("lists verified organisations only, with the posts published under their name", async () => {
    const marker = word("dir");
    const { org, actors } = await orgWith(["editor"], { name: `Directory Hospital ${marker}`, kind: "care_home", region: "wallonia" });
    await createOrganization(pb, [], { name: `Directory Pending ${marker}`, verified: false, verification_status: "pending" });
    await publishThroughModeration(actors[0]!, moderator, caseStudyInput(org.id, word()));

    const found = await listOrganizationDirectory({ q: marker });
    expect(found.items.map((o) => o.name)).toEqual([`Directory Hospital ${marker}`]);
    expect(found.items[0]).toMatchObject({ slug: org.slug, kind: "care_home", region: "wallonia", publicPosts: 1 });
    // Only public fields: no id, no settings.
    expect(Object.keys(found.items[0]!).sort()).toEqual([
      "country",
      "description",
      "descriptionLanguage",
      "kind",
      "name",
      "publicPosts",
      "region",
      "slug",
      "verified",
      "website",
    ]);
  });

  it("filters by kind and region; values outside the lists are ignored, not errors", async () => {
    const marker = word("dirf");
    await orgWith([], { name: `Filter A ${marker}`, kind: "hospital", region: "flanders" });
    await orgWith([], { name: `Filter B ${marker}`, kind: "funder", region: "brussels" });
    const names = async (query: Record<string, string>) => (await listOrganizationDirectory({ q: marker, ...query })).items.map((o) => o.name);
    expect(await names({})).toEqual([`Filter A ${marker}`, `Filter B ${marker}`]);
    expect(await names({ kind: "funder" })).toEqual([`Filter B ${marker}`]);
    expect(await names({ region: "flanders" })).toEqual([`Filter A ${marker}`]);
    expect(await names({ kind: "funder", region: "flanders" })).toEqual([]);
    expect(await names({ kind: "' || 1=1 || '" })).toEqual([`Filter A ${marker}`, `Filter B ${marker}`]);
  });

  it("does not count an anonymous post: publishing one leaves the organisation's count unchanged", async () => {
    const marker = word("anon");
    const { org, actors } = await orgWith(["editor"], { name: `Anonymous Writer ${marker}` });
    await publishThroughModeration(actors[0]!, moderator, caseStudyInput(org.id, word()));
    const before = (await listOrganizationDirectory({ q: marker })).items[0]!.publicPosts;
    const anonymousId = await publishThroughModeration(actors[0]!, moderator, caseStudyInput(org.id, word(), undefined, { anonymous: true }));
    expect((await pb.collection("posts").getOne(anonymousId)).status).toBe("published");
    expect((await listOrganizationDirectory({ q: marker })).items[0]!.publicPosts).toBe(before);
    expect(before).toBe(1);
  });
});

describe("join requests", () => {
  it("carry the message to the admins' dashboard list, and only theirs", async () => {
    const { org, actors } = await orgWith(["admin", "editor"]);
    const other = await orgWith(["admin"]);
    const asker = await load((await createUser(pb, { name: "Asking Person" })).id);
    await requestToJoin(asker, org.id, "  I run the night shift on ward 4.  ");

    const [admin, editor] = actors as [Actor, Actor];
    const requests = await listJoinRequestsFor(admin);
    expect(requests).toEqual([
      expect.objectContaining({
        name: "Asking Person",
        email: asker.email,
        message: "I run the night shift on ward 4.",
        organization: { name: org.name, slug: org.slug },
      }),
    ]);
    expect(await listJoinRequestsFor(editor)).toEqual([]);
    expect(await listJoinRequestsFor(other.actors[0]!)).toEqual([]);
    expect(await listJoinRequestsFor(null)).toEqual([]);
  });

  it("reach a platform admin without any membership too (the organisation page points them to the dashboard), and a moderator not", async () => {
    const { org } = await orgWith(["editor"]);
    const asker = await load((await createUser(pb, { name: "Platform Asker" })).id);
    await requestToJoin(asker, org.id, "Our admin left; please let me in.");
    const platformAdmin = await load((await createUser(pb, { role: "admin" })).id);
    expect(platformAdmin.memberships).toEqual([]);
    const requests = await listJoinRequestsFor(platformAdmin);
    expect(requests.filter((r) => r.organization.slug === org.slug)).toEqual([
      expect.objectContaining({ name: "Platform Asker", message: "Our admin left; please let me in.", organization: { name: org.name, slug: org.slug } }),
    ]);
    expect((await listJoinRequestsFor(moderator)).filter((r) => r.organization.slug === org.slug)).toEqual([]);
  });

  it("refuses a message over 1000 characters and records nothing", async () => {
    const { org } = await orgWith(["admin"]);
    const asker = await load((await createUser(pb)).id);
    await expect(requestToJoin(asker, org.id, "x".repeat(1001))).rejects.toMatchObject({ field: "message" });
    const found = await pb.collection("memberships").getList(1, 1, { filter: pb.filter("user = {:u}", { u: asker.id }) });
    expect(found.totalItems).toBe(0);
  });
});

describe("removing a member", () => {
  it("ends the member's rights at once: next request has no membership, the session is reissued, drafts are closed to them", async () => {
    const { org, users, actors } = await orgWith(["admin", "editor"]);
    const [admin, editor] = actors as [Actor, Actor];
    const session = await createSession(editor.id);
    const { id: draftId } = await saveDraft(editor, caseStudyInput(org.id, word()));
    const membership = await membershipOf(editor.id, org.id);

    expect(await removeMember(admin, membership.id)).toEqual({ name: "Test Person", organization: org.name });

    const after = await load(editor.id);
    expect(after.memberships).toEqual([]);
    expect(can(after, "post.create", { organization: { id: org.id, verified: true } })).toBe(false);
    await expect(saveDraft(after, caseStudyInput(org.id, word()))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(saveDraft(after, caseStudyInput(org.id, word()), draftId)).rejects.toBeInstanceOf(ForbiddenError);
    // The old session does not keep the old privileges: it is replaced by one for the new ones.
    const validated = await validateSessionToken(session.token);
    expect(validated?.actor.memberships).toEqual([]);
    const stored = await membershipOf(editor.id, org.id);
    expect(stored).toMatchObject({ status: "removed", removed_by: admin.id });
    const mail = await findLatestMail(users[1]!.email);
    expect(mail?.subject).toBe(`You are no longer a member of ${org.name} on Casebook`);
  });

  it.each([
    ["a plain member of the organisation", "member"],
    ["an editor", "editor"],
    ["an admin of another organisation", "outsider_admin"],
    ["a moderator", "moderator"],
  ])("is refused to %s, and nothing changes", async (_name, who) => {
    const { org, actors } = await orgWith(["admin", "editor", "member", "editor"]);
    const target = await membershipOf(actors[3]!.id, org.id);
    const attacker = who === "member" ? actors[2]! : who === "editor" ? actors[1]! : who === "moderator" ? moderator : (await orgWith(["admin"])).actors[0]!;
    await expect(removeMember(attacker, target.id)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await membershipOf(actors[3]!.id, org.id)).status).toBe("active");
  });

  it("never removes the last admin (nor lets an admin remove themselves)", async () => {
    const { org, actors } = await orgWith(["admin", "admin"]);
    const [first, second] = actors as [Actor, Actor];
    await expect(removeMember(first, (await membershipOf(first.id, org.id)).id)).rejects.toBeInstanceOf(ForbiddenError);
    await removeMember(first, (await membershipOf(second.id, org.id)).id);
    // A platform admin cannot remove the one admin left either.
    const platformAdmin = await load((await createUser(pb, { role: "admin" })).id);
    await expect(removeMember(platformAdmin, (await membershipOf(first.id, org.id)).id)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await membershipOf(first.id, org.id)).status).toBe("active");
  });

  it("a removed person may ask to join again, and the admins see the new request", async () => {
    const { org, actors } = await orgWith(["admin", "member"]);
    const [admin, member] = actors as [Actor, Actor];
    await removeMember(admin, (await membershipOf(member.id, org.id)).id);
    await requestToJoin(await load(member.id), org.id, `Back from leave ${unique()}`);
    expect((await listJoinRequestsFor(admin)).map((r) => r.email)).toEqual([member.email]);
  });
});
