// Organisations: public identity and the pseudonymous descriptor of anonymous posts.
import { createHash, randomBytes } from "node:crypto";
import { optionalHttpUrl, safeHref } from "./urls.ts";
import { t, type Locale } from "../../i18n/index.ts";
import type { MessageKey } from "../../i18n/en.ts";
import type { RecordModel } from "pocketbase";
import { z } from "zod";
import { COUNTRIES, LANGUAGES, ORG_KINDS, REGIONS, MEMBERSHIP_ROLES } from "../codelists.ts";
import { refreshDescriptors } from "./anonymity.ts";
import { assertCan, can } from "./can.ts";
import { currentDate } from "./clock.ts";
import { composeMail, mailLocale, sendMail } from "./mail.ts";
import { siteLink } from "./links.ts";
import { prepareNotices, writeNotices } from "./notify.ts";
import { getPocketBase as pbClient, isNotFound as notFound } from "./pocketbase.ts";
import type { Actor } from "./users.ts";
import { RateLimitedError, ValidationError } from "./errors.ts";
import { randomRecordId, slugifyText } from "./ids.ts";
import { inTurn } from "./leases.ts";
import { say } from "../../i18n/domain.ts";

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
    descriptionLanguage: record.description_language || null,
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
  description_language?: string;
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
  /** The language the description is written in, for its `lang`; null when not said. */
  descriptionLanguage: string | null;
  verified: boolean;
};

/** The directory's query: free text over names, kind and region filters, page. */
export const directoryQuerySchema = z.object({
  q: z.preprocess((v) => (typeof v === "string" ? v : ""), z.string().trim().max(100).catch("")),
  kind: z.enum(ORG_KINDS).optional().catch(undefined),
  region: z.enum(REGIONS).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
/** Organisations per directory page. */
export const DIRECTORY_PER_PAGE = 30;

/**
 * The public directory: verified organisations (name order) with how many posts each has
 * published under its own name. Anonymous posts are never counted: a count that moved when
 * an anonymous post appeared would name its organisation (DESIGN.md §5 invariant 1).
 */
export async function listOrganizationDirectory(query: { q?: string; kind?: string; region?: string; page?: string | number }): Promise<OrganizationDirectory> {
  const { q, kind, region, page } = directoryQuerySchema.parse(query);
  const pb = await pbClient();
  const filters = ["verified = true"];
  if (q) filters.push(pb.filter("name ~ {:q}", { q }));
  if (kind) filters.push(pb.filter("kind = {:kind}", { kind }));
  if (region) filters.push(pb.filter("region = {:region}", { region }));
  const result = await pb.collection("organizations").getList(page, DIRECTORY_PER_PAGE, {
    filter: filters.join(" && "),
    sort: "name",
    fields: "id,slug,name,kind,region,country,website,description,description_language,verified",
  });
  const items = await Promise.all(
    result.items.map(async (record) => ({
      ...toPublicOrganization(record as unknown as OrganizationRecord),
      publicPosts: await countPostsUnderName(record.id),
    })),
  );
  return { items, page: result.page, totalItems: result.totalItems, totalPages: result.totalPages, query: { q, kind: kind ?? null, region: region ?? null } };
}

/** Published posts an organisation signed with its name (its anonymous posts excluded, as on its page). */
export async function countPostsUnderName(organizationId: string): Promise<number> {
  const pb = await pbClient();
  const found = await pb
    .collection("posts")
    .getList(1, 1, { filter: pb.filter("status = 'published' && organization = {:o} && anonymous = false", { o: organizationId }), fields: "id" });
  return found.totalItems;
}

// ---------------------------------------------------------------------------------------
// Write side: requests, verification, membership.

const DAY_MS = 24 * 60 * 60 * 1000;
/** How long an invitation stays valid. */
export const INVITE_TTL_MS = 7 * DAY_MS;

/** The "request a new organisation" form. */
export const organizationRequestSchema = z.object({
  name: z
    .string()
    .trim()
    .min(2, { error: say("domain.org.name") })
    .max(200, { error: say("domain.text.max", { max: 200 }) }),
  kind: z.enum(ORG_KINDS, { error: say("domain.org.kind") }),
  // A code from the list the form offers (callers pass plain strings, so the type stays string).
  country: z.preprocess(
    (v) => (typeof v === "string" && v.trim() ? v.trim().toUpperCase() : "BE"),
    z.string().refine((c) => (COUNTRIES as readonly string[]).includes(c), { error: say("domain.org.country") }),
  ),
  region: z.enum(REGIONS, { error: say("domain.org.region") }),
  // Astro turns empty form fields into null: treat them as "not given".
  website: optionalHttpUrl(say("domain.url.full")),
  description: z.preprocess(
    (v) => v ?? "",
    z
      .string()
      .trim()
      .max(5000, { error: say("domain.text.max", { max: 5000 }) }),
  ),
  // The language the description is written in (issue 12 §4); absent when not said (older records and callers).
  description_language: z.preprocess((v) => v || undefined, z.enum(LANGUAGES, { error: "Choose a language from the list." }).optional()).optional(),
});

/** Turns a name into a URL slug of at most `max` characters, never ending on a hyphen, e.g. "AZ Sint-Jan Brugge" → "az-sint-jan-brugge". */
export function slugify(text: string, max = 100): string {
  return slugifyText(text, max) || "organisation";
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
export async function requestOrganization(
  actor: Actor | null,
  input: z.infer<typeof organizationRequestSchema>,
  logo?: File | null,
): Promise<{ slug: string }> {
  assertCan(actor, "org.request");
  const pb = await pbClient();
  // The day's allowance is read, then spent: one request of this person at a time (leases.ts inTurn).
  return inTurn(
    `org-requests:${actor.id}`,
    async () => {
      const recent = await pb.collection("organizations").getList(1, 1, {
        filter: pb.filter("requested_by = {:u} && created >= {:since}", { u: actor.id, since: new Date(Date.now() - DAY_MS) }),
        fields: "id",
      });
      if (recent.totalItems >= ORG_REQUESTS_PER_DAY) {
        throw new RateLimitedError(say("domain.org.requests_per_day", { count: ORG_REQUESTS_PER_DAY }));
      }
      const slug = await uniqueSlug(slugify(input.name));
      const orgId = randomRecordId();
      const data: Record<string, unknown> = {
        id: orgId,
        ...input,
        slug,
        verified: false,
        verification_status: "pending",
        requires_dpo_review: false,
        requested_by: actor.id,
      };
      const batch = pb.createBatch();
      batch.collection("organizations").create(logo && logo.size > 0 ? { ...data, logo } : data);
      // The requester's membership waits with the organisation: active once it is verified.
      batch.collection("memberships").create({ user: actor.id, organization: orgId, role: "admin", status: "pending" });
      await batch.send();
      return { slug };
    },
    () => new RateLimitedError(say("domain.busy")),
  );
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
    descriptionLanguage: r.description_language || null,
    requestedBy: r.expand?.requested_by ? { name: r.expand.requested_by.name, email: r.expand.requested_by.email } : null,
    created: r.created,
    ownRequest: r.requested_by === actor.id,
  }));
}

/** A moderator verifies (with the requester becoming admin) or refuses (with a reason) an organisation. */
export async function reviewOrganization(
  actor: Actor | null,
  organizationId: string,
  decision: "verify" | "refuse",
  reason = "",
): Promise<{ name: string; slug: string }> {
  assertCan(actor, "org.review");
  if (decision === "refuse" && reason.trim().length < 5) throw new ValidationError("reason", say("domain.org.refuse_reason"));
  const pb = await pbClient();
  const org = await pb.collection("organizations").getOne(organizationId, { expand: "requested_by" });
  assertCan(actor, "org.review", { organization: { id: org.id, verified: Boolean(org.verified), requestedBy: org.requested_by || null } });
  if (org.verification_status !== "pending") throw new ValidationError("organization", say("domain.org.already_reviewed"));
  const batch = pb.createBatch();
  if (decision === "verify") {
    batch.collection("organizations").update(org.id, { verified: true, verification_status: "verified", refusal_reason: "" });
    if (org.requested_by) {
      const pending = await pb
        .collection("memberships")
        .getList(1, 1, { filter: pb.filter("user = {:u} && organization = {:o}", { u: org.requested_by, o: org.id }) });
      if (pending.items[0]) batch.collection("memberships").update(pending.items[0].id, { status: "active", role: "admin" });
    }
  } else {
    batch.collection("organizations").update(org.id, { verified: false, verification_status: "refused", refusal_reason: reason.trim() });
  }
  // The crowd behind every pseudonym changes: descriptors and their search documents follow in this batch.
  await refreshDescriptors(batch, { id: org.id, verified: decision === "verify" });
  await batch.send();
  const requester = org.expand?.requested_by;
  if (requester) {
    const mail =
      decision === "verify"
        ? composeMail("org_verified", requester.locale || null, { org: org.name })
        : composeMail("org_refused", requester.locale || null, { org: org.name, reason: reason.trim() });
    await sendMail({ to: requester.email, subject: mail.subject, text: mail.text });
  }
  // The moderator is told what was done to which organisation (issue 11 §9).
  return { name: org.name, slug: org.slug };
}

/** An organisation page's data: public profile, plus members and requests for its admins. */
export async function getOrganizationPage(actor: Actor | null, slug: string): Promise<OrganizationPage | null> {
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug)) return null;
  const pb = await pbClient();
  let org: RecordModel;
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
    canJoin:
      can(actor, "org.join", { organization: subjectOrg, pendingRequest: mine?.status === "pending" }) &&
      (!mine || mine.status === "left" || mine.status === "rejected" || mine.status === "removed"),
    canLeave: Boolean(mine && mine.status === "active") && can(actor, "org.leave", { organization: subjectOrg, activeAdmins }),
    canManage: manage,
    members: manage
      ? active.map((m) => ({
          id: m.id,
          userId: m.user,
          name: m.expand?.user?.name ?? "",
          email: m.expand?.user?.email ?? "",
          role: m.role,
          removable: can(actor, "org.remove_member", { organization: subjectOrg, member: { userId: m.user, role: m.role }, activeAdmins }),
        }))
      : [],
    pendingRequests: manage
      ? members
          .filter((m) => m.status === "pending")
          .map((m) => ({ id: m.id, name: m.expand?.user?.name ?? "", email: m.expand?.user?.email ?? "", message: m.message || "", created: m.created }))
      : [],
    invitations: manage ? await listInvitations(org.id) : [],
  };
}

/** Longest message a join request may carry. */
export const JOIN_MESSAGE_MAX = 1000;

/** Asks to join an organisation, with a message for its admins (who you are, your role there); its admins decide. */
export async function requestToJoin(actor: Actor | null, organizationId: string, message = ""): Promise<void> {
  const text = message.trim();
  if (text.length > JOIN_MESSAGE_MAX) throw new ValidationError("message", say("domain.org.join_message_max", { max: JOIN_MESSAGE_MAX, length: text.length }));
  const pb = await pbClient();
  const org = await pb.collection("organizations").getOne(organizationId);
  const existing = actor
    ? (await pb.collection("memberships").getList(1, 1, { filter: pb.filter("user = {:u} && organization = {:o}", { u: actor.id, o: org.id }) })).items[0]
    : undefined;
  assertCan(actor, "org.join", { organization: { id: org.id, verified: Boolean(org.verified) }, pendingRequest: existing?.status === "pending" });
  if (existing?.status === "active") throw new ValidationError("organization", say("domain.org.already_member"));
  // The organisation's admins decide: they are told in the same batch as the request (issue 13 §1).
  const notices = await prepareNotices("join_request", { organizationId: org.id, actorId: actor.id, authorId: null }, () => ({
    params: { org: org.name, member: actor.name, message: text },
    path: "/dashboard#join-requests",
  }));
  const batch = pb.createBatch();
  if (existing) batch.collection("memberships").update(existing.id, { status: "pending", role: "member", message: text, removed_by: "" });
  else batch.collection("memberships").create({ user: actor.id, organization: org.id, role: "member", status: "pending", message: text });
  writeNotices(batch, notices);
  await batch.send();
}

/** Join requests waiting in the organisations the actor may answer for (its own as admin; every one for a platform admin), oldest first (for the dashboard). */
export async function listJoinRequestsFor(actor: Actor | null): Promise<JoinRequest[]> {
  if (!actor) return [];
  const administered = actor.memberships.filter((m) =>
    can(actor, "org.manage_members", { organization: { id: m.organizationId, verified: m.organizationVerified } }),
  );
  // A platform admin answers for any organisation (also one without an admin of its own), so
  // the organisation page's pointer to the dashboard must find the requests there too.
  const everyOrganisation = actor.role === "admin";
  if (administered.length === 0 && !everyOrganisation) return [];
  const pb = await pbClient();
  const orgFilter = administered.map((m, i) => pb.filter(`organization = {:o${i}}`, { [`o${i}`]: m.organizationId })).join(" || ");
  const records = await pb
    .collection("memberships")
    .getFullList({ filter: everyOrganisation ? "status = 'pending'" : `status = 'pending' && (${orgFilter})`, sort: "created", expand: "user,organization" });
  // Each request still passes can(): the query only narrows where to look.
  const answerable = records.filter((r) =>
    can(actor, "org.manage_members", { organization: { id: r.organization as string, verified: Boolean(r.expand?.organization?.verified) } }),
  );
  return answerable.map((r) => ({
    id: r.id,
    organization: { name: r.expand?.organization?.name ?? "", slug: r.expand?.organization?.slug ?? "" },
    name: r.expand?.user?.name ?? "",
    email: r.expand?.user?.email ?? "",
    message: r.message || "",
    created: r.created,
  }));
}

/**
 * An admin removes a member. Their rights end at once: every request loads the actor's
 * active memberships afresh, and their session is reissued because its privilege stamp no
 * longer matches. Never oneself (that is leaving) nor the last admin.
 */
export async function removeMember(actor: Actor | null, membershipId: string): Promise<{ name: string; organization: string }> {
  const pb = await pbClient();
  const membership = await pb.collection("memberships").getOne(membershipId, { expand: "organization,user" });
  const org = membership.expand?.organization;
  assertCan(actor, "org.remove_member", {
    organization: { id: membership.organization, verified: Boolean(org?.verified) },
    member: { userId: membership.user, role: membership.role },
    activeAdmins: await countActiveAdmins(membership.organization),
  });
  if (membership.status !== "active") throw new ValidationError("membership", say("domain.membership.not_member"));
  await pb.collection("memberships").update(membership.id, { status: "removed", removed_by: actor.id });
  const user = membership.expand?.user;
  if (user?.email) {
    const mail = composeMail("membership_removed", user.locale || null, { org: org?.name ?? "" });
    await sendMail({ to: user.email, subject: mail.subject, text: mail.text });
  }
  return { name: membership.expand?.user?.name ?? "", organization: org?.name ?? "" };
}

/** An organisation admin accepts (with a role) or rejects a join request. */
export async function decideJoinRequest(
  actor: Actor | null,
  membershipId: string,
  decision: "approve" | "reject",
  role: string = "member",
): Promise<{ decision: "approve" | "reject"; name: string; organization: string }> {
  const pb = await pbClient();
  const membership = await pb.collection("memberships").getOne(membershipId, { expand: "organization,user" });
  const org = membership.expand?.organization;
  assertCan(actor, "org.manage_members", { organization: { id: membership.organization, verified: Boolean(org?.verified) } });
  if (membership.status !== "pending") throw new ValidationError("membership", say("domain.membership.answered"));
  const parsedRole = z.enum(MEMBERSHIP_ROLES).safeParse(role);
  if (!parsedRole.success) throw new ValidationError("role", say("domain.membership.role"));
  await pb.collection("memberships").update(membership.id, decision === "approve" ? { status: "active", role: parsedRole.data } : { status: "rejected" });
  const user = membership.expand?.user;
  if (user) {
    const mail =
      decision === "approve"
        ? composeMail("membership_approved", user.locale || null, { org: org?.name ?? "", role: parsedRole.data })
        : composeMail("membership_rejected", user.locale || null, { org: org?.name ?? "" });
    await sendMail({ to: user.email, subject: mail.subject, text: mail.text });
  }
  return { decision, name: user?.name || user?.email || "", organization: org?.name ?? "" };
}

/** Changes a member's role; the last admin cannot be demoted. Returns who and the new role, for the page to say. */
export async function changeMemberRole(actor: Actor | null, membershipId: string, role: string): Promise<{ name: string; role: string }> {
  const pb = await pbClient();
  const membership = await pb.collection("memberships").getOne(membershipId, { expand: "organization,user" });
  assertCan(actor, "org.manage_members", { organization: { id: membership.organization, verified: Boolean(membership.expand?.organization?.verified) } });
  const parsed = z.enum(MEMBERSHIP_ROLES).safeParse(role);
  if (!parsed.success) throw new ValidationError("role", say("domain.membership.role"));
  if (membership.role === "admin" && parsed.data !== "admin" && (await countActiveAdmins(membership.organization)) <= 1) {
    throw new ValidationError("role", say("domain.membership.last_admin"));
  }
  await pb.collection("memberships").update(membership.id, { role: parsed.data });
  return { name: membership.expand?.user?.name || membership.expand?.user?.email || "", role: parsed.data };
}

/** Leaves an organisation; refused for its last admin. Returns the organisation's name. */
export async function leaveOrganization(actor: Actor | null, organizationId: string): Promise<{ organization: string }> {
  const pb = await pbClient();
  const org = await pb.collection("organizations").getOne(organizationId);
  assertCan(actor, "org.leave", { organization: { id: org.id, verified: Boolean(org.verified) }, activeAdmins: await countActiveAdmins(org.id) });
  const mine = await pb.collection("memberships").getFirstListItem(pb.filter("user = {:u} && organization = {:o}", { u: actor.id, o: org.id }));
  await pb.collection("memberships").update(mine.id, { status: "left" });
  return { organization: org.name };
}

/** Sets whether the organisation's posts need its DPO's sign-off; returns the setting. */
export async function setRequiresDpoReview(actor: Actor | null, organizationId: string, required: boolean): Promise<{ required: boolean }> {
  const pb = await pbClient();
  const org = await pb.collection("organizations").getOne(organizationId);
  assertCan(actor, "org.edit_settings", { organization: { id: org.id, verified: Boolean(org.verified) } });
  await pb.collection("organizations").update(org.id, { requires_dpo_review: required });
  return { required };
}

/** Invitations one person may send per 24 hours (issue 9 §20). */
export const INVITATIONS_PER_DAY = 20;
/** Organisation requests one account may file per 24 hours (issue 9 §20). */
export const ORG_REQUESTS_PER_DAY = 3;

/** SHA-256 of an invitation token: the only form in which the token is stored. */
export function hashInvitationToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * Invites someone by e-mail to join with a role. The invitation is a record: single use,
 * revocable, valid for INVITE_TTL_MS; the mail carries a random token whose hash alone is
 * stored. A new invitation to the same address replaces a pending one. Returns the address.
 */
export async function inviteMember(actor: Actor | null, organizationId: string, email: string, role: string, pageLocale?: Locale): Promise<{ email: string }> {
  const pb = await pbClient();
  const org = await pb.collection("organizations").getOne(organizationId);
  assertCan(actor, "org.manage_members", { organization: { id: org.id, verified: Boolean(org.verified) } });
  const address = z.email().safeParse(email.trim().toLowerCase());
  if (!address.success) throw new ValidationError("email", say("domain.email.invalid_short"));
  const parsedRole = z.enum(MEMBERSHIP_ROLES).safeParse(role);
  if (!parsedRole.success) throw new ValidationError("role", say("domain.membership.role"));
  // The day's allowance is read, then spent: one invitation of this admin at a time (leases.ts inTurn).
  const token = await inTurn(
    `invitations:${actor.id}`,
    async () => {
      const now = currentDate();
      const sent = await pb.collection("invitations").getList(1, 1, {
        filter: pb.filter("invited_by = {:u} && created >= {:since}", { u: actor.id, since: new Date(now.getTime() - DAY_MS) }),
        fields: "id",
      });
      if (sent.totalItems >= INVITATIONS_PER_DAY) {
        throw new RateLimitedError(say("domain.invitation.per_day", { count: INVITATIONS_PER_DAY }));
      }
      const token = randomBytes(32).toString("base64url");
      // An invitee who already has an account also sees it in the app; the mail itself goes
      // directly (below): it carries the one-time token, which is never stored in clear.
      const account = await pb.collection("users").getList(1, 1, { filter: pb.filter("email = {:e}", { e: address.data }), fields: "id" });
      const notices = account.items[0]
        ? await prepareNotices("invitation", { userId: account.items[0].id, actorId: actor.id, authorId: null }, () => ({
            params: { org: org.name, inviter: actor.name, role: parsedRole.data },
            path: `/organizations/${org.slug}`,
          }))
        : [];
      const pending = await pb.collection("invitations").getFullList({
        filter: pb.filter("organization = {:o} && email = {:e} && accepted_at = '' && revoked_at = ''", { o: org.id, e: address.data }),
        fields: "id",
      });
      const batch = pb.createBatch();
      for (const old of pending) batch.collection("invitations").update(old.id, { revoked_at: now.toISOString(), revoked_by: actor.id });
      batch.collection("invitations").create({
        organization: org.id,
        email: address.data,
        role: parsedRole.data,
        invited_by: actor.id,
        token_hash: hashInvitationToken(token),
        expires_at: new Date(now.getTime() + INVITE_TTL_MS).toISOString(),
      });
      writeNotices(batch, notices);
      await batch.send();
      return token;
    },
    () => new RateLimitedError(say("domain.busy")),
  );
  // In the invitee's language: their account's setting if they have one, else the language of the page the invitation was sent from.
  const invitee = await pb.collection("users").getList(1, 1, { filter: pb.filter("email = {:e}", { e: address.data }), fields: "locale" });
  const locale = mailLocale(invitee.items[0]?.locale, pageLocale);
  const link = siteLink(locale, `/invitations/accept?${new URLSearchParams({ token })}`);
  const mail = composeMail("org_invitation", locale, { org: org.name, inviter: actor.name, link });
  await sendMail({ to: address.data, subject: mail.subject, text: mail.text });
  return { email: address.data };
}

/** Withdraws a pending invitation; its link stops working at once. Returns its address. */
export async function revokeInvitation(actor: Actor | null, invitationId: string): Promise<{ email: string }> {
  const pb = await pbClient();
  const invitation = await pb.collection("invitations").getOne(invitationId, { expand: "organization" });
  assertCan(actor, "org.manage_members", { organization: { id: invitation.organization, verified: Boolean(invitation.expand?.organization?.verified) } });
  if (invitation.accepted_at) throw new ValidationError("invitation", say("domain.invitation.accepted_already"));
  if (invitation.revoked_at) throw new ValidationError("invitation", say("domain.invitation.revoked_already"));
  await pb.collection("invitations").update(invitation.id, { revoked_at: new Date().toISOString(), revoked_by: actor.id });
  return { email: String(invitation.email) };
}

/** Where an invitation stands, as its organisation's admins see it. */
export function invitationStatus(record: Record<string, unknown>, now = currentDate()): InvitationStatus {
  if (record.accepted_at) return "accepted";
  if (record.revoked_at) return "revoked";
  const expires = typeof record.expires_at === "string" ? new Date(record.expires_at.replace(" ", "T")).getTime() : NaN;
  if (!(expires > now.getTime())) return "expired";
  return "pending";
}

/** The invitation a token opens, for the acceptance page (only its holder has the token). */
export async function peekInvitation(token: string): Promise<{ email: string; organization: string; role: string; status: InvitationStatus } | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const pb = await pbClient();
  const record = await pb
    .collection("invitations")
    .getFirstListItem(pb.filter("token_hash = {:h}", { h: hashInvitationToken(token) }), { expand: "organization" })
    .catch(() => null);
  if (!record) return null;
  return { email: record.email, organization: record.expand?.organization?.name ?? "", role: record.role, status: invitationStatus(record) };
}

async function isActiveMember(userId: string, organizationId: string): Promise<boolean> {
  const pb = await pbClient();
  const found = await pb.collection("memberships").getList(1, 1, {
    filter: pb.filter("user = {:u} && organization = {:o} && status = 'active'", { u: userId, o: organizationId }),
    fields: "id",
  });
  return found.totalItems > 0;
}

/**
 * Accepts an invitation for the signed-in account whose address it was sent to. Checked
 * now, not when it was sent: unused, unrevoked, unexpired; the inviter still an active
 * admin (or platform admin) and the organisation still verified; and the invitee's
 * membership unchanged since it was sent, so a demotion or removal is never undone by an
 * old invitation.
 */
export async function acceptInvitation(actor: Actor | null, params: { token: string }): Promise<{ slug: string }> {
  if (!actor) throw new ValidationError("account", say("domain.invitation.sign_in"));
  const invalid = say("domain.invitation.invalid");
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(params.token)) throw new ValidationError("token", invalid);
  const pb = await pbClient();
  const invitation = await pb
    .collection("invitations")
    .getFirstListItem(pb.filter("token_hash = {:h}", { h: hashInvitationToken(params.token) }), { expand: "organization,invited_by" })
    .catch((error) => {
      if (notFound(error)) return null;
      throw error;
    });
  if (!invitation) throw new ValidationError("token", invalid);
  const status = invitationStatus(invitation);
  if (status === "accepted") throw new ValidationError("token", say("domain.invitation.used"));
  if (status === "revoked") throw new ValidationError("token", say("domain.invitation.withdrawn"));
  if (status === "expired") throw new ValidationError("token", say("domain.invitation.expired"));
  if (actor.email.toLowerCase() !== String(invitation.email).toLowerCase())
    throw new ValidationError("account", say("domain.invitation.other_address", { email: String(invitation.email) }));
  const org = invitation.expand?.organization;
  if (!org?.verified) throw new ValidationError("token", say("domain.invitation.org_unverified"));
  const inviter = invitation.expand?.invited_by;
  const inviterAdmin =
    inviter &&
    (inviter.role === "admin" ||
      (
        await pb.collection("memberships").getList(1, 1, {
          filter: pb.filter("user = {:u} && organization = {:o} && role = 'admin' && status = 'active'", { u: inviter.id, o: org.id }),
          fields: "id",
        })
      ).totalItems > 0);
  if (!inviterAdmin) throw new ValidationError("token", say("domain.invitation.inviter_not_admin"));
  const existing = (await pb.collection("memberships").getList(1, 1, { filter: pb.filter("user = {:u} && organization = {:o}", { u: actor.id, o: org.id }) }))
    .items[0];
  if (existing?.status === "active") throw new ValidationError("account", say("domain.invitation.member_already"));
  // A membership that ended (left, refused) after the invitation was sent outranks it.
  if (existing && existing.status !== "pending" && existing.updated > invitation.created) {
    throw new ValidationError("account", say("domain.invitation.membership_changed"));
  }
  const batch = pb.createBatch();
  batch.collection("invitations").update(invitation.id, { accepted_at: new Date().toISOString(), accepted_by: actor.id });
  if (existing) batch.collection("memberships").update(existing.id, { status: "active", role: invitation.role });
  else batch.collection("memberships").create({ user: actor.id, organization: org.id, role: invitation.role, status: "active" });
  try {
    await batch.send();
  } catch (error) {
    // The same invitation accepted at once by this account (a double click, two tabs): the other
    // request made the membership (the unique index refused a second), so this one has nothing left to do.
    const accepted = await pb
      .collection("invitations")
      .getOne(invitation.id, { fields: "accepted_by" })
      .catch(() => null);
    if (accepted?.accepted_by === actor.id && (await isActiveMember(actor.id, org.id))) return { slug: org.slug };
    throw error;
  }
  return { slug: org.slug };
}

async function listInvitations(organizationId: string): Promise<InvitationSummary[]> {
  const pb = await pbClient();
  const records = await pb
    .collection("invitations")
    .getList(1, 50, { filter: pb.filter("organization = {:o}", { o: organizationId }), sort: "-created", expand: "invited_by" });
  return records.items.map((r) => ({
    id: r.id,
    email: r.email,
    role: r.role,
    status: invitationStatus(r),
    invitedBy: r.expand?.invited_by?.name ?? "",
    created: r.created,
    expiresAt: r.expires_at,
  }));
}

async function countActiveAdmins(organizationId: string): Promise<number> {
  const pb = await pbClient();
  const admins = await pb
    .collection("memberships")
    .getList(1, 1, { filter: pb.filter("organization = {:o} && role = 'admin' && status = 'active'", { o: organizationId }) });
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
  descriptionLanguage: string | null;
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
  members: { id: string; userId: string; name: string; email: string; role: string; removable: boolean }[];
  pendingRequests: { id: string; name: string; email: string; message: string; created: string }[];
  /** The organisation's invitations, newest first (admins only). */
  invitations: InvitationSummary[];
};

/** One page of the organisation directory. */
export type OrganizationDirectory = {
  items: (PublicOrganization & { publicPosts: number })[];
  page: number;
  totalItems: number;
  totalPages: number;
  query: { q: string; kind: string | null; region: string | null };
};

/** A request to join, as an admin sees it on the dashboard. */
export type JoinRequest = { id: string; organization: { name: string; slug: string }; name: string; email: string; message: string; created: string };

/** Where an invitation stands. */
export type InvitationStatus = "pending" | "accepted" | "revoked" | "expired";
/** One invitation as the organisation's admins see it. */
export type InvitationSummary = { id: string; email: string; role: string; status: InvitationStatus; invitedBy: string; created: string; expiresAt: string };
