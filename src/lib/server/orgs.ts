// Organisations: public identity and the pseudonymous descriptor of anonymous posts.
import { optionalHttpUrl, safeHref } from "./urls.ts";
import { t, type Locale } from "../../i18n/index.ts";
import type { MessageKey } from "../../i18n/en.ts";
import { z } from "zod";
import { ORG_KINDS, REGIONS, MEMBERSHIP_ROLES } from "../codelists.ts";
import { assertCan, can } from "./can.ts";
import { getConfig } from "./config.ts";
import { composeMail, sendMail } from "./mail.ts";
import { getPocketBase as pbClient, isNotFound as notFound } from "./pocketbase.ts";
import { signToken, verifyToken } from "./tokens.ts";
import type { Actor } from "./users.ts";
import { ValidationError } from "./errors.ts";
import { randomRecordId, slugifyText } from "./ids.ts";

/** "a hospital in Flanders": what the public sees instead of an anonymous post's organisation. */
export function describeOrganization(locale: Locale, org: { kind: string; region?: string | null } | null | undefined): string {
  const whoKey = `descriptor.who.${org?.kind ?? "other"}` as MessageKey;
  const who = t(locale, whoKey);
  if (!org?.region) return who;
  return t(locale, "descriptor.in_region", { who, region: t(locale, `code.region.${org.region}` as MessageKey) });
}

/** Public fields of an organisation record (never the record itself). */
export function toPublicOrganization(record: OrganizationRecord): PublicOrganization {
  return {
    slug: record.slug,
    name: record.name,
    kind: record.kind,
    region: record.region || null,
    country: record.country || null,
    website: safeHref(record.website),
    description: record.description || null,
    verified: Boolean(record.verified),
  };
}

/** An organisation as PocketBase stores it. */
export type OrganizationRecord = {
  id: string;
  name: string;
  slug: string;
  kind: string;
  country?: string;
  region?: string;
  website?: string;
  description?: string;
  verified?: boolean;
  requires_dpo_review?: boolean;
};

/** What the public may see of an organisation. */
export type PublicOrganization = {
  slug: string;
  name: string;
  kind: string;
  region: string | null;
  country: string | null;
  website: string | null;
  description: string | null;
  verified: boolean;
};

// ---------------------------------------------------------------------------------------
// Write side: requests, verification, membership.

const INVITE_TTL_MS = 14 * 24 * 60 * 60 * 1000;

/** The "request a new organisation" form. */
export const organizationRequestSchema = z.object({
  name: z.string().trim().min(2, { error: "Enter the organisation's name." }).max(200, { error: "Use at most 200 characters." }),
  kind: z.enum(ORG_KINDS, { error: "Choose what kind of organisation this is." }),
  country: z.preprocess((v) => v || "BE", z.string().trim().toUpperCase().regex(/^[A-Z]{2}$/, { error: "Use a two-letter country code, e.g. BE." })),
  region: z.enum(REGIONS, { error: "Choose a region." }),
  // Astro turns empty form fields into null: treat them as "not given".
  website: optionalHttpUrl("Enter the full address, starting with https://"),
  description: z.preprocess((v) => v ?? "", z.string().trim().max(5000, { error: "Use at most 5000 characters." })),
});

/** Turns a name into a URL slug, e.g. "AZ Sint-Jan Brugge" → "az-sint-jan-brugge". */
export function slugify(text: string): string {
  return slugifyText(text, 100) || "organisation";
}

async function uniqueSlug(base: string): Promise<string> {
  const pb = await pbClient();
  for (let i = 0; i < 50; i++) {
    const slug = i === 0 ? base : `${base}-${i + 1}`;
    const found = await pb.collection("organizations").getList(1, 1, { filter: pb.filter("slug = {:slug}", { slug }), fields: "id" });
    if (found.totalItems === 0) return slug;
  }
  return `${base}-${Date.now().toString(36)}`;
}

/** Records a request for a new organisation; the requester becomes its admin once verified. */
export async function requestOrganization(actor: Actor | null, input: z.infer<typeof organizationRequestSchema>, logo?: File | null): Promise<{ slug: string }> {
  assertCan(actor, "org.request");
  const pb = await pbClient();
  const slug = await uniqueSlug(slugify(input.name));
  const orgId = randomRecordId();
  const data: Record<string, unknown> = { id: orgId, ...input, slug, verified: false, verification_status: "pending", requires_dpo_review: false, requested_by: actor.id };
  const batch = pb.createBatch();
  batch.collection("organizations").create(logo && logo.size > 0 ? { ...data, logo } : data);
  // The requester's membership waits with the organisation: active once it is verified.
  batch.collection("memberships").create({ user: actor.id, organization: orgId, role: "admin", status: "pending" });
  await batch.send();
  return { slug };
}

/** Organisations waiting for a moderator, oldest first. */
export async function listPendingOrganizations(actor: Actor | null): Promise<PendingOrganization[]> {
  assertCan(actor, "org.review");
  const pb = await pbClient();
  const records = await pb.collection("organizations").getFullList({ filter: "verification_status = 'pending'", sort: "created", expand: "requested_by" });
  return records.map((r) => ({
    id: r.id,
    slug: r.slug,
    name: r.name,
    kind: r.kind,
    region: r.region || null,
    website: safeHref(r.website),
    description: r.description || "",
    requestedBy: r.expand?.requested_by ? { name: r.expand.requested_by.name, email: r.expand.requested_by.email } : null,
    created: r.created,
    ownRequest: r.requested_by === actor.id,
  }));
}

/** A moderator verifies (with the requester becoming admin) or refuses (with a reason) an organisation. */
export async function reviewOrganization(actor: Actor | null, organizationId: string, decision: "verify" | "refuse", reason = ""): Promise<void> {
  assertCan(actor, "org.review");
  if (decision === "refuse" && reason.trim().length < 5) throw new ValidationError("reason", "Explain why the organisation is refused (at least 5 characters).");
  const pb = await pbClient();
  const org = await pb.collection("organizations").getOne(organizationId, { expand: "requested_by" });
  assertCan(actor, "org.review", { organization: { id: org.id, verified: Boolean(org.verified), requestedBy: org.requested_by || null } });
  if (org.verification_status !== "pending") throw new ValidationError("organization", "This organisation has already been reviewed.");
  const batch = pb.createBatch();
  if (decision === "verify") {
    batch.collection("organizations").update(org.id, { verified: true, verification_status: "verified", refusal_reason: "" });
    if (org.requested_by) {
      const pending = await pb.collection("memberships").getList(1, 1, { filter: pb.filter("user = {:u} && organization = {:o}", { u: org.requested_by, o: org.id }) });
      if (pending.items[0]) batch.collection("memberships").update(pending.items[0].id, { status: "active", role: "admin" });
    }
  } else {
    batch.collection("organizations").update(org.id, { verified: false, verification_status: "refused", refusal_reason: reason.trim() });
  }
  await batch.send();
  const requester = org.expand?.requested_by;
  if (requester) {
    const mail = decision === "verify"
      ? composeMail("org_verified", requester.locale || null, { org: org.name })
      : composeMail("org_refused", requester.locale || null, { org: org.name, reason: reason.trim() });
    await sendMail({ to: requester.email, subject: mail.subject, text: mail.text });
  }
}

/** An organisation page's data: public profile, plus members and requests for its admins. */
export async function getOrganizationPage(actor: Actor | null, slug: string): Promise<OrganizationPage | null> {
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug)) return null;
  const pb = await pbClient();
  let org;
  try {
    org = await pb.collection("organizations").getFirstListItem(pb.filter("slug = {:slug}", { slug }));
  } catch (error) {
    if (notFound(error)) return null;
    throw error;
  }
  const subjectOrg = { id: org.id, verified: Boolean(org.verified), requestedBy: org.requested_by || null };
  if (!can(actor, "org.view", { organization: subjectOrg })) return null;
  const members = await pb.collection("memberships").getFullList({ filter: pb.filter("organization = {:o}", { o: org.id }), expand: "user", sort: "created" });
  const active = members.filter((m) => m.status === "active");
  const activeAdmins = active.filter((m) => m.role === "admin").length;
  const mine = actor ? members.find((m) => m.user === actor.id) : undefined;
  const manage = can(actor, "org.manage_members", { organization: subjectOrg });
  return {
    id: org.id,
    organization: toPublicOrganization(org as unknown as OrganizationRecord),
    verificationStatus: org.verification_status || (org.verified ? "verified" : "pending"),
    refusalReason: manage || (actor && org.requested_by === actor.id) ? org.refusal_reason || null : null,
    requiresDpoReview: Boolean(org.requires_dpo_review),
    myMembership: mine ? { id: mine.id, role: mine.role, status: mine.status } : null,
    canJoin: can(actor, "org.join", { organization: subjectOrg, pendingRequest: mine?.status === "pending" }) && (!mine || mine.status === "left" || mine.status === "rejected"),
    canLeave: Boolean(mine && mine.status === "active") && can(actor, "org.leave", { organization: subjectOrg, activeAdmins }),
    canManage: manage,
    members: manage ? active.map((m) => ({ id: m.id, userId: m.user, name: m.expand?.user?.name ?? "", email: m.expand?.user?.email ?? "", role: m.role })) : [],
    pendingRequests: manage ? members.filter((m) => m.status === "pending").map((m) => ({ id: m.id, name: m.expand?.user?.name ?? "", email: m.expand?.user?.email ?? "", created: m.created })) : [],
  };
}

/** Asks to join an organisation; its admins decide. */
export async function requestToJoin(actor: Actor | null, organizationId: string): Promise<void> {
  const pb = await pbClient();
  const org = await pb.collection("organizations").getOne(organizationId);
  const existing = actor ? (await pb.collection("memberships").getList(1, 1, { filter: pb.filter("user = {:u} && organization = {:o}", { u: actor.id, o: org.id }) })).items[0] : undefined;
  assertCan(actor, "org.join", { organization: { id: org.id, verified: Boolean(org.verified) }, pendingRequest: existing?.status === "pending" });
  if (existing?.status === "active") throw new ValidationError("organization", "You are already a member.");
  if (existing) await pb.collection("memberships").update(existing.id, { status: "pending", role: "member" });
  else await pb.collection("memberships").create({ user: actor.id, organization: org.id, role: "member", status: "pending" });
}

/** An organisation admin accepts (with a role) or rejects a join request. */
export async function decideJoinRequest(actor: Actor | null, membershipId: string, decision: "approve" | "reject", role: string = "member"): Promise<void> {
  const pb = await pbClient();
  const membership = await pb.collection("memberships").getOne(membershipId, { expand: "organization,user" });
  const org = membership.expand?.organization;
  assertCan(actor, "org.manage_members", { organization: { id: membership.organization, verified: Boolean(org?.verified) } });
  if (membership.status !== "pending") throw new ValidationError("membership", "This request has already been answered.");
  const parsedRole = z.enum(MEMBERSHIP_ROLES).safeParse(role);
  if (!parsedRole.success) throw new ValidationError("role", "Choose member, editor, DPO or admin.");
  await pb.collection("memberships").update(membership.id, decision === "approve" ? { status: "active", role: parsedRole.data } : { status: "rejected" });
  const user = membership.expand?.user;
  if (user) {
    const mail = decision === "approve"
      ? composeMail("membership_approved", user.locale || null, { org: org?.name ?? "", role: parsedRole.data })
      : composeMail("membership_rejected", user.locale || null, { org: org?.name ?? "" });
    await sendMail({ to: user.email, subject: mail.subject, text: mail.text });
  }
}

/** Changes a member's role; the last admin cannot be demoted. */
export async function changeMemberRole(actor: Actor | null, membershipId: string, role: string): Promise<void> {
  const pb = await pbClient();
  const membership = await pb.collection("memberships").getOne(membershipId, { expand: "organization" });
  assertCan(actor, "org.manage_members", { organization: { id: membership.organization, verified: Boolean(membership.expand?.organization?.verified) } });
  const parsed = z.enum(MEMBERSHIP_ROLES).safeParse(role);
  if (!parsed.success) throw new ValidationError("role", "Choose member, editor, DPO or admin.");
  if (membership.role === "admin" && parsed.data !== "admin" && (await countActiveAdmins(membership.organization)) <= 1) {
    throw new ValidationError("role", "An organisation needs at least one admin: appoint another admin first.");
  }
  await pb.collection("memberships").update(membership.id, { role: parsed.data });
}

/** Leaves an organisation; refused for its last admin. */
export async function leaveOrganization(actor: Actor | null, organizationId: string): Promise<void> {
  const pb = await pbClient();
  const org = await pb.collection("organizations").getOne(organizationId);
  assertCan(actor, "org.leave", { organization: { id: org.id, verified: Boolean(org.verified) }, activeAdmins: await countActiveAdmins(org.id) });
  const mine = await pb.collection("memberships").getFirstListItem(pb.filter("user = {:u} && organization = {:o}", { u: actor.id, o: org.id }));
  await pb.collection("memberships").update(mine.id, { status: "left" });
}

/** Sets whether the organisation's posts need its DPO's sign-off. */
export async function setRequiresDpoReview(actor: Actor | null, organizationId: string, required: boolean): Promise<void> {
  const pb = await pbClient();
  const org = await pb.collection("organizations").getOne(organizationId);
  assertCan(actor, "org.edit_settings", { organization: { id: org.id, verified: Boolean(org.verified) } });
  await pb.collection("organizations").update(org.id, { requires_dpo_review: required });
}

/** Invites someone by e-mail to join with a role; the link works for the account with that address. */
export async function inviteMember(actor: Actor | null, organizationId: string, email: string, role: string): Promise<void> {
  const pb = await pbClient();
  const org = await pb.collection("organizations").getOne(organizationId);
  assertCan(actor, "org.manage_members", { organization: { id: org.id, verified: Boolean(org.verified) } });
  const address = z.email().safeParse(email.trim().toLowerCase());
  if (!address.success) throw new ValidationError("email", "Enter a valid e-mail address.");
  const parsedRole = z.enum(MEMBERSHIP_ROLES).safeParse(role);
  if (!parsedRole.success) throw new ValidationError("role", "Choose member, editor, DPO or admin.");
  const token = signToken("org_invitation", org.id, `${address.data}|${parsedRole.data}`, INVITE_TTL_MS);
  const link = `${getConfig().publicUrl}/invitations/accept?${new URLSearchParams({ token, email: address.data, role: parsedRole.data })}`;
  const mail = composeMail("org_invitation", null, { org: org.name, inviter: actor.name, link });
  await sendMail({ to: address.data, subject: mail.subject, text: mail.text });
}

/** Accepts an invitation for the signed-in account whose address it was sent to. */
export async function acceptInvitation(actor: Actor | null, params: { token: string; email: string; role: string }): Promise<{ slug: string }> {
  if (!actor) throw new ValidationError("account", "Sign in (or create an account) with the invited address first.");
  const subject = params.token.split(".")[0] ?? "";
  const check = verifyToken("org_invitation", params.token, `${params.email}|${params.role}`);
  if (!check.ok || check.subject !== subject) throw new ValidationError("token", check.ok ? "This invitation link is not valid." : check.reason === "expired" ? "This invitation has expired; ask for a new one." : "This invitation link is not valid.");
  if (actor.email.toLowerCase() !== params.email.toLowerCase()) throw new ValidationError("account", `This invitation was sent to ${params.email}; sign in with that address to accept it.`);
  const pb = await pbClient();
  const org = await pb.collection("organizations").getOne(check.subject);
  const existing = (await pb.collection("memberships").getList(1, 1, { filter: pb.filter("user = {:u} && organization = {:o}", { u: actor.id, o: org.id }) })).items[0];
  if (existing) await pb.collection("memberships").update(existing.id, { status: "active", role: params.role });
  else await pb.collection("memberships").create({ user: actor.id, organization: org.id, role: params.role, status: "active" });
  return { slug: org.slug };
}

async function countActiveAdmins(organizationId: string): Promise<number> {
  const pb = await pbClient();
  const admins = await pb.collection("memberships").getList(1, 1, { filter: pb.filter("organization = {:o} && role = 'admin' && status = 'active'", { o: organizationId }) });
  return admins.totalItems;
}


/** An organisation waiting for review. */
export type PendingOrganization = {
  id: string;
  slug: string;
  name: string;
  kind: string;
  region: string | null;
  website: string | null;
  description: string;
  requestedBy: { name: string; email: string } | null;
  created: string;
  /** The reviewing moderator asked for it: another moderator must decide. */
  ownRequest: boolean;
};

/** What the organisation page shows to this actor. */
export type OrganizationPage = {
  id: string;
  organization: PublicOrganization;
  verificationStatus: string;
  refusalReason: string | null;
  requiresDpoReview: boolean;
  myMembership: { id: string; role: string; status: string } | null;
  canJoin: boolean;
  canLeave: boolean;
  canManage: boolean;
  members: { id: string; userId: string; name: string; email: string; role: string }[];
  pendingRequests: { id: string; name: string; email: string; created: string }[];
};
