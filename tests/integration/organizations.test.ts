// Organisation verification and membership flows, decided by can() on real data.
import type PocketBase from "pocketbase";
import { beforeAll, describe, expect, it } from "vitest";
import { ForbiddenError } from "../../src/lib/server/can.ts";
import { ValidationError } from "../../src/lib/server/errors.ts";
import { findLatestMail } from "../../src/lib/server/mail.ts";
import {
  acceptInvitation,
  changeMemberRole,
  decideJoinRequest,
  getOrganizationPage,
  inviteMember,
  leaveOrganization,
  listPendingOrganizations,
  requestOrganization,
  requestToJoin,
  reviewOrganization,
  setRequiresDpoReview,
} from "../../src/lib/server/orgs.ts";
import { loadActor, type Actor } from "../../src/lib/server/users.ts";
import { createOrganization, createUser, unique, useTestPocketBase } from "./setup.ts";

let pb: PocketBase;
let moderator: Actor;
beforeAll(async () => {
  pb = await useTestPocketBase();
  moderator = (await loadActor((await createUser(pb, { role: "moderator" })).id))!;
});

async function actorOf(id: string): Promise<Actor> {
  return (await loadActor(id))!;
}

const input = (name: string) => ({
  name,
  kind: "home_care" as const,
  country: "BE",
  region: "wallonia" as const,
  website: "https://example.org",
  description: "Home care in the Ardennes.",
});

describe("organisation verification", () => {
  it("a request waits for a moderator; verification makes the requester its admin", async () => {
    const requester = await actorOf((await createUser(pb)).id);
    const name = `Soins ${unique("x")}`;
    const { slug } = await requestOrganization(requester, input(name));
    const org = await pb.collection("organizations").getFirstListItem(pb.filter("slug = {:s}", { s: slug }));
    expect(org).toMatchObject({ verified: false, verification_status: "pending" });
    expect(await getOrganizationPage(null, slug)).toBeNull();
    expect((await listPendingOrganizations(moderator)).map((o) => o.slug)).toContain(slug);
    await expect(listPendingOrganizations(requester)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(reviewOrganization(requester, org.id, "verify")).rejects.toBeInstanceOf(ForbiddenError);

    await reviewOrganization(moderator, org.id, "verify");
    const after = await actorOf(requester.id);
    expect(after.memberships).toEqual([expect.objectContaining({ organizationId: org.id, role: "admin" })]);
    const page = await getOrganizationPage(null, slug);
    expect(page?.organization).toMatchObject({ name, verified: true });
    expect((await findLatestMail(requester.email))?.subject).toContain(name);
    await expect(reviewOrganization(moderator, org.id, "refuse", "too late")).rejects.toBeInstanceOf(ValidationError);
  });

  it("a refusal needs a reason, which the requester sees", async () => {
    const requester = await actorOf((await createUser(pb)).id);
    const { slug } = await requestOrganization(requester, input(`Refused ${unique("r")}`));
    const org = await pb.collection("organizations").getFirstListItem(pb.filter("slug = {:s}", { s: slug }));
    await expect(reviewOrganization(moderator, org.id, "refuse", "")).rejects.toBeInstanceOf(ValidationError);
    expect((await pb.collection("organizations").getOne(org.id)).verification_status).toBe("pending");
    await reviewOrganization(moderator, org.id, "refuse", "We could not find this organisation in the KBO/BCE register.");
    const page = await getOrganizationPage(requester, slug);
    expect(page?.refusalReason).toContain("KBO/BCE");
    expect(await getOrganizationPage(null, slug)).toBeNull();
  });

  it("an unverified account cannot request an organisation", async () => {
    const unverified = await actorOf((await createUser(pb, { verified: false })).id);
    await expect(requestOrganization(unverified, input("Nope"))).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe("membership", () => {
  it("join request → the organisation's admin accepts with a role; others cannot decide", async () => {
    const admin = await createUser(pb);
    const org = await createOrganization(pb, [{ userId: admin.id, role: "admin" }]);
    const joiner = await actorOf((await createUser(pb)).id);
    const bystander = await actorOf((await createUser(pb)).id);
    await requestToJoin(joiner, org.id);
    await expect(requestToJoin(joiner, org.id)).rejects.toBeInstanceOf(ForbiddenError);
    const page = await getOrganizationPage(await actorOf(admin.id), org.slug);
    const request = page!.pendingRequests.find((r) => r.email === joiner.email)!;
    expect(request?.name).toBe(joiner.name);
    expect((await getOrganizationPage(bystander, org.slug))!.pendingRequests).toEqual([]);
    await expect(decideJoinRequest(bystander, request.id, "approve", "editor")).rejects.toBeInstanceOf(ForbiddenError);
    await decideJoinRequest(await actorOf(admin.id), request.id, "approve", "editor");
    expect((await actorOf(joiner.id)).memberships).toEqual([expect.objectContaining({ organizationId: org.id, role: "editor" })]);
  });

  it("the last admin can neither leave nor be demoted; with two admins one can leave", async () => {
    const a = await createUser(pb);
    const b = await createUser(pb);
    const org = await createOrganization(pb, [
      { userId: a.id, role: "admin" },
      { userId: b.id, role: "member" },
    ]);
    await expect(leaveOrganization(await actorOf(a.id), org.id)).rejects.toBeInstanceOf(ForbiddenError);
    const mine = await pb.collection("memberships").getFirstListItem(pb.filter("user = {:u} && organization = {:o}", { u: a.id, o: org.id }));
    await expect(changeMemberRole(await actorOf(a.id), mine.id, "member")).rejects.toBeInstanceOf(ValidationError);
    const theirs = await pb.collection("memberships").getFirstListItem(pb.filter("user = {:u} && organization = {:o}", { u: b.id, o: org.id }));
    await changeMemberRole(await actorOf(a.id), theirs.id, "admin");
    await leaveOrganization(await actorOf(a.id), org.id);
    expect((await actorOf(a.id)).memberships).toEqual([]);
  });

  it("invitations work only for the invited address", async () => {
    const admin = await createUser(pb);
    const org = await createOrganization(pb, [{ userId: admin.id, role: "admin" }]);
    const invitee = await createUser(pb);
    const stranger = await createUser(pb);
    await inviteMember(await actorOf(admin.id), org.id, invitee.email, "dpo");
    const mail = await findLatestMail(invitee.email);
    const link = new URL(mail!.text.match(/https?:\/\/\S+\/invitations\/accept\?\S+/)![0]);
    const params = { token: link.searchParams.get("token")! };
    // The link carries nothing but the token: no address or role an attacker could edit.
    expect([...link.searchParams.keys()]).toEqual(["token"]);
    await expect(acceptInvitation(await actorOf(stranger.id), params)).rejects.toBeInstanceOf(ValidationError);
    await acceptInvitation(await actorOf(invitee.id), params);
    expect((await actorOf(invitee.id)).memberships).toEqual([expect.objectContaining({ organizationId: org.id, role: "dpo" })]);
  });

  it("only the organisation's admins set the DPO sign-off requirement", async () => {
    const admin = await createUser(pb);
    const editor = await createUser(pb);
    const org = await createOrganization(pb, [
      { userId: admin.id, role: "admin" },
      { userId: editor.id, role: "editor" },
    ]);
    await expect(setRequiresDpoReview(await actorOf(editor.id), org.id, true)).rejects.toBeInstanceOf(ForbiddenError);
    await setRequiresDpoReview(await actorOf(admin.id), org.id, true);
    expect((await pb.collection("organizations").getOne(org.id)).requires_dpo_review).toBe(true);
  });
});
