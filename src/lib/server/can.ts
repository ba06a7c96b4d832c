// Every permission in one place (DESIGN.md §5, issue 3 §7): pages, actions and JSON
// endpoints ask `can()`, nothing else decides. Pure, so it is tested as a table.
import type { Actor } from "./users.ts";

/** Every action the platform knows. */
export const ACTIONS = [
  "account.manage",
  "org.request",
  "org.review",
  "org.view",
  "org.join",
  "org.leave",
  "org.manage_members",
  "org.remove_member",
  "org.edit_settings",
  "user.set_platform_role",
  "post.create",
  "post.translate",
  "post.view_private",
  "post.edit",
  "post.submit",
  "post.withdraw",
  "post.dpo_review",
  "post.reply",
  "post.moderate",
  "post.hide",
  "post.restore",
  "post.flag",
  "post.view_history",
  "post.import",
  "funding.manage",
  "funding.consent",
  "follow.manage",
  "notification.manage",
  // Issue 14: discussions and replies.
  "discussion.start",
  "discussion.reply",
  "discussion.mark_answer",
  "discussion.moderate",
  "reply.edit",
  "reply.withdraw",
  "reply.moderate",
  "reply.flag",
  // Issue 14: round tables and their summaries.
  "roundtable.host",
  "roundtable.manage",
  "roundtable.respond",
  "roundtable.view_preparation",
  "roundtable.post_preparation",
  "summary.write",
  "summary.consent",
] as const;

const FINAL = new Set(["rejected", "withdrawn"]);
// The posts replies are written under (issue 14 §2): a discussion and a round table's summary.
const REPLIABLE = new Set(["discussion", "round_table_summary"]);

/** Decides whether `actor` may do `action` on `subject`. Anonymous visitors are `null`. */
export function can(actor: Actor | null, action: Action, subject: Subject = {}): boolean {
  const platformAdmin = actor?.role === "admin";
  const moderator = actor?.role === "moderator" || platformAdmin;
  const org = subject.organization;
  const membership = org && actor ? actor.memberships.find((m) => m.organizationId === org.id) : undefined;
  // A funder's record is about its applicant too: its people have a stake in it as much as the funder's.
  const applicant = subject.post?.applicantOrganizationId;
  const stake = Boolean(membership || (applicant && actor?.memberships.some((m) => m.organizationId === applicant)));
  switch (action) {
    case "account.manage":
      return actor !== null && actor.id === subject.userId;
    case "org.request":
      return actor !== null && actor.verified;
    case "org.review":
      // Nobody verifies (or refuses) an organisation they asked for themselves (issue 9 §20).
      return actor !== null && actor.verified && moderator && !(org?.requestedBy && org.requestedBy === actor.id);
    case "org.view":
      // Unverified (pending or refused) organisations are visible to their people and moderators only.
      return Boolean(org && (org.verified || membership || moderator || (actor && org.requestedBy === actor.id)));
    case "org.join":
      return Boolean(actor?.verified && org?.verified && !membership && !subject.pendingRequest);
    case "org.leave":
      if (!membership) return false;
      return membership.role !== "admin" || (subject.activeAdmins ?? 0) > 1;
    case "org.remove_member":
      // An admin removes others (leaving is for oneself), never the organisation's last admin.
      if (!(actor?.verified && org && (membership?.role === "admin" || platformAdmin))) return false;
      if (!subject.member || subject.member.userId === actor.id) return false;
      return subject.member.role !== "admin" || (subject.activeAdmins ?? 0) > 1;
    case "org.manage_members":
    case "org.edit_settings":
      return Boolean(actor?.verified && org && (membership?.role === "admin" || platformAdmin));
    case "user.set_platform_role":
      return Boolean(actor?.verified && platformAdmin && subject.userId !== actor.id);
    case "post.create":
      // Editors (and admins) of a verified organisation publish for it.
      return Boolean(actor?.verified && org?.verified && (membership?.role === "editor" || membership?.role === "admin"));
    case "post.translate": {
      // A translation is the organisation's own post in another language: written by its
      // editors or admins, from a published post that is not a funder's record (whose
      // consent covers the record as written), issue 12 §4. A discussion is one member's
      // question in one language: answered in any, never translated as the organisation's.
      const post = subject.post;
      if (!actor?.verified || !org?.verified || !post || post.status !== "published" || post.publishedBy === "funder") return false;
      if (post.kind === "discussion") return false;
      return membership?.role === "editor" || membership?.role === "admin";
    }
    case "post.view_private": {
      const post = subject.post;
      if (!actor || !post) return false;
      if (moderator) return true;
      // Drafts and privacy findings: the author while still an active member, and the
      // organisation's editors, admins and DPO — not its plain members, nor former people
      // (actor.memberships holds active memberships only).
      if (!membership) return false;
      return post.authorId === actor.id || membership.role === "editor" || membership.role === "admin" || membership.role === "dpo";
    }
    case "post.edit":
    case "post.submit": {
      const post = subject.post;
      if (!actor?.verified || !post || !membership) return false;
      // A discussion is its author's own words (issue 14 §1): its author while an active member
      // of any role, and nobody else — not the organisation's editors, who would speak for them.
      if (post.kind === "discussion") {
        if (post.authorId !== actor.id) return false;
      } else if (!(membership.role === "editor" || membership.role === "admin")) return false;
      // Otherwise any current editor or admin of the organisation (not an author who has left it).
      const revisionOpen = post.revisionStatus === "draft" || post.revisionStatus === "changes_requested";
      // Editing a published post opens a revision; submitting needs one: submitting the live
      // version itself would take it offline while search still serves it (issue 9 §18).
      if (post.status === "published") return action === "post.edit" ? !post.revisionStatus || revisionOpen : revisionOpen;
      return post.status === "draft" || post.status === "changes_requested";
    }
    case "post.withdraw": {
      const post = subject.post;
      // Only while an active member: an author who left the organisation no longer speaks for it.
      if (!actor || !post || FINAL.has(post.status) || !membership) return false;
      return post.authorId === actor.id || membership.role === "admin";
    }
    case "post.dpo_review": {
      const post = subject.post;
      const state = post?.revisionStatus ?? post?.status;
      // The sign-off is a second pair of eyes: never on a post the DPO wrote (an editor turned DPO).
      return Boolean(actor?.verified && post && state === "dpo_review" && membership?.role === "dpo" && post.authorId !== actor.id);
    }
    case "post.reply": {
      const post = subject.post;
      const state = post?.revisionStatus ?? post?.status;
      // Whoever may rework the post answers the reviewer's note, and only while it waits for that rework.
      if (!actor?.verified || !post || state !== "changes_requested" || !membership) return false;
      // A discussion is reworked by its author only (post.edit), so only its author answers the note.
      if (post.kind === "discussion") return post.authorId === actor.id;
      return post.authorId === actor.id || membership.role === "editor" || membership.role === "admin";
    }
    case "post.moderate":
      // Moderators never moderate their own posts, nor posts of (or, for a funder's record, about) their organisation.
      return Boolean(actor?.verified && moderator && subject.post && subject.post.authorId !== actor.id && !stake);
    case "post.restore":
      // Putting a hidden post back online overrules a moderator or readers' flags: as for
      // approval, never on one's own post or one's organisation's (without a post: the queue).
      return Boolean(actor?.verified && moderator && !(subject.post && (subject.post.authorId === actor.id || stake)));
    case "post.hide":
    case "post.view_history":
      return Boolean(actor?.verified && moderator);
    case "post.flag": {
      const post = subject.post;
      return Boolean(actor?.verified && post && post.status === "published" && post.authorId !== actor.id);
    }
    case "post.import":
      return Boolean(actor?.verified && platformAdmin);
    case "funding.manage":
      // Editors and admins of a verified funder publish calls, decisions and replies.
      return Boolean(
        actor?.verified && org?.verified && subject.organizationKind === "funder" && (membership?.role === "editor" || membership?.role === "admin"),
      );
    case "funding.consent":
      // The applicant organisation's admins decide whether a refusal may name it.
      return Boolean(actor?.verified && org && membership?.role === "admin");
    case "follow.manage":
      // What one follows (and one's private feed) is one's own: nobody lists or changes another member's, admins included.
      return actor !== null && actor.id === subject.userId;
    case "notification.manage":
      // One's notices and mail preferences are one's own (issue 13 §2, §5), admins included.
      return actor !== null && actor.id === subject.userId;
    case "discussion.start":
      // Any active member (not only editors) of a verified organisation asks in their own name
      // or the organisation's descriptor (issue 14 §1); moderators and admins as members only.
      return Boolean(actor?.verified && org?.verified && membership);
    // Issue 14 §2: replies. Anyone with a verified e-mail replies to a published discussion or
    // summary that is not locked; replies.ts decides whether it waits for a moderator.
    case "discussion.reply": {
      const post = subject.post;
      return Boolean(actor?.verified && post && REPLIABLE.has(post.kind ?? "") && post.status === "published" && !post.locked);
    }
    case "discussion.mark_answer": {
      // The asker chooses the answer to their own question (not a summary's host).
      const post = subject.post;
      return Boolean(actor?.verified && post && post.kind === "discussion" && post.status === "published" && post.authorId === actor.id);
    }
    case "discussion.moderate": {
      // Lock, slow mode, pin: moderators, never on their own discussion or their organisation's.
      const post = subject.post;
      return Boolean(actor?.verified && moderator && post && REPLIABLE.has(post.kind ?? "") && post.authorId !== actor.id && !membership);
    }
    case "reply.edit": {
      // Its author only, while it is live or waiting; the edit window is checked by replies.ts.
      const reply = subject.reply;
      return Boolean(actor?.verified && reply && reply.authorId === actor.id && (reply.status === "published" || reply.status === "pending"));
    }
    case "reply.withdraw": {
      const reply = subject.reply;
      return Boolean(actor && reply && reply.authorId === actor.id && reply.status !== "withdrawn");
    }
    case "reply.moderate": {
      // Approve, reject, hide, restore: never one's own reply nor one spoken for one's organisation.
      const reply = subject.reply;
      if (!(actor?.verified && moderator && reply) || reply.authorId === actor.id) return false;
      return !(reply.organizationId && actor.memberships.some((m) => m.organizationId === reply.organizationId));
    }
    case "reply.flag": {
      const reply = subject.reply;
      return Boolean(actor?.verified && reply && reply.status === "published" && reply.authorId !== actor.id);
    }
    // Issue 14, round tables and summaries (each decided below as it is built).
    case "roundtable.host":
      // Editors and admins of a verified organisation host round tables for it (issue 14 §3).
      return Boolean(actor?.verified && org?.verified && (membership?.role === "editor" || membership?.role === "admin"));
    case "roundtable.manage": {
      // Sessions, invitations and status: the host's editors and admins, on their own round table only.
      const table = subject.roundTable;
      if (!actor?.verified || !org?.verified || !table || table.hostId !== org.id) return false;
      return membership?.role === "editor" || membership?.role === "admin";
    }
    case "roundtable.respond": {
      // An invited organisation's admins answer for it (and may change their answer) while the round table is not over.
      const table = subject.roundTable;
      const participant = subject.participant;
      if (!actor?.verified || !org || !table || !participant || participant.organizationId !== org.id || table.hostId === org.id) return false;
      return membership?.role === "admin" && (table.status === "planned" || table.status === "open");
    }
    case "roundtable.view_preparation":
    case "roundtable.post_preparation": {
      // Participants only: active members (any role) of the host or of an organisation that
      // accepted — never one invited but not yet answering, one that declined, nor moderators as such.
      const table = subject.roundTable;
      if (!actor || !table) return false;
      const taking = actor.memberships.some((m) => m.organizationId === table.hostId || (table.acceptedOrganizationIds ?? []).includes(m.organizationId));
      if (action === "roundtable.view_preparation") return taking;
      // Writing needs a verified address, and stops once the round table is closed or summarised.
      return taking && actor.verified && (table.status === "planned" || table.status === "open");
    }
    case "summary.write": {
      // The host's editors and admins report on their own round table once a session has
      // ended (or it is closed), and only until it is summarised (issue 14 §4).
      const table = subject.roundTable;
      if (!actor?.verified || !org?.verified || !table || table.hostId !== org.id) return false;
      if (!(membership?.role === "editor" || membership?.role === "admin")) return false;
      return table.status !== "summarised" && (table.sessionEnded || table.status === "closed");
    }
    case "summary.consent": {
      // Whether the summary may name an organisation is its admins' decision, and only an
      // organisation that took part (accepted) is asked.
      const participant = subject.participant;
      return Boolean(actor?.verified && org && membership?.role === "admin" && participant?.organizationId === org.id && participant.status === "accepted");
    }
  }
}

/** Thrown by `assertCan`; routes turn it into a 403 page or response. */
export class ForbiddenError extends Error {
  constructor(action: Action) {
    super(`Not allowed: ${action}`);
    this.name = "ForbiddenError";
  }
}

/** Throws ForbiddenError unless `can()` allows the action. */
export function assertCan(actor: Actor | null, action: Action, subject: Subject = {}): asserts actor is Actor {
  if (!can(actor, action, subject)) throw new ForbiddenError(action);
}

/** A permission name. */
export type Action = (typeof ACTIONS)[number];
/** What an action applies to. */
export type Subject = {
  userId?: string;
  organization?: { id: string; verified: boolean; requestedBy?: string | null };
  /** Active admins of the organisation (for leaving). */
  activeAdmins?: number;
  /** The member an admin acts on (removal). */
  member?: { userId: string; role: string };
  /** The actor already asked to join and waits for an answer. */
  pendingRequest?: boolean;
  /** The kind of the subject organisation (funders manage calls and decisions). */
  organizationKind?: string;
  /** A post, with the facts permissions depend on. */
  post?: {
    /** The post's kind: a discussion is written (edited, submitted) by its author only. */
    kind?: string;
    authorId: string | null;
    status: string;
    revisionStatus?: string | null;
    applicantOrganizationId?: string | null;
    /** "funder" for a funder's decision record. */
    publishedBy?: string | null;
    /** A discussion a moderator locked takes no new replies. */
    locked?: boolean;
  };
  /** The round table a summary reports on (issue 14 §4): its host, status, whether a session has ended. */
  roundTable?: {
    hostId: string;
    status: string;
    sessionEnded: boolean;
    /** Organisations that accepted the invitation (participants with the host, issue 14 §3). */
    acceptedOrganizationIds?: string[];
  };
  /** An organisation's participation in a round table (naming consent). */
  participant?: { organizationId: string; status: string };
  /** A reply to a discussion (issue 14 §2). */
  reply?: { authorId: string | null; organizationId: string | null; status: string };
};
