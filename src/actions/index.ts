// Astro Actions: zod input → one domain call (DESIGN.md §6). Forms post here without
// JavaScript; pages read the result with Astro.getActionResult().
import { ActionError, defineAction } from "astro:actions";
import { z } from "astro/zod";
import { MEMBERSHIP_ROLES } from "../lib/codelists.ts";
import { ValidationError } from "../lib/server/errors.ts";
import { setPlatformRole } from "../lib/server/admin.ts";
import { clientIp, clientKey, domainCall, enforceLimits, refuseTooMany, requireActor } from "../lib/server/guard.ts";
import {
  acceptInvitation,
  changeMemberRole,
  decideJoinRequest,
  inviteMember,
  leaveOrganization,
  organizationRequestSchema,
  requestOrganization,
  requestToJoin,
  removeMember,
  JOIN_MESSAGE_MAX,
  revokeInvitation,
  reviewOrganization,
  setRequiresDpoReview,
} from "../lib/server/orgs.ts";
import { FLAG_REASONS, MODERATION_REJECTION_REASONS } from "../lib/codelists.ts";
import { flagPost } from "../lib/server/flags.ts";
import {
  approveDecisions,
  approvePost,
  claimPost,
  dismissFinding,
  dpoReview,
  hidePost,
  rejectPost,
  replyToFeedback,
  requestChanges,
  restorePost,
  saveDraft,
  saveRecordedDecision,
  submitPost,
  unclaimPost,
  withdrawPost,
} from "../lib/server/moderation.ts";
import { decisionEditSchema, dismissalProblems, postFieldsSchema, refinePost, requiredTitle } from "../lib/server/postinput.ts";
import { answerConsent, callFieldsSchema, importDecisionsCsv, recordDecisions, refineCall, saveCall } from "../lib/server/funding.ts";
import { AI_TYPES, CARE_SETTINGS, LANGUAGES, ORG_KINDS, REGIONS, REJECTION_REASONS } from "../lib/codelists.ts";
import { siteLimits } from "../lib/server/sharedlimits.ts";
import { MAX_CSV_BYTES, MAX_LOGO_BYTES, megabytes } from "../lib/limits.ts";
import { rememberParsedForms } from "../lib/server/forms.ts";
import { setLanguageCookie } from "../lib/server/language.ts";
import { followActions } from "./follows.ts";
import { noticeActions } from "./notifications.ts";
import { roundTableActions } from "./roundtables.ts";
import { replyActions } from "./replies.ts";
import { summaryActions } from "./summaries.ts";
import {
  createSession,
  deleteSessionCookie,
  invalidateSession,
  invalidateUserSession,
  invalidateUserSessions,
  setSessionCookie,
} from "../lib/server/session.ts";
import {
  deleteAccount,
  addressField,
  profileSchema,
  resetRequestSchema,
  requestPasswordResetInBackground,
  resetPassword,
  signIn,
  signInSchema,
  signUpInBackground,
  signUpSchema,
  updateProfile,
  type Actor,
} from "../lib/server/users.ts";
import { say } from "../i18n/domain.ts";
import { LOCALES, t } from "../i18n/index.ts";

/** A readable explanation of why a password was refused. */
function passwordProblem(reasons: string[]): string {
  if (reasons.includes("too_short")) return say("domain.password.too_short");
  if (reasons.includes("too_long")) return say("domain.password.too_long");
  return say("domain.password.weak");
}

const id = z.string().regex(/^[a-z0-9]{15}$/, { error: say("domain.unknown_record") });
// Account deletion is confirmed by typing a word: each language's own (the page shows it), DELETE always.
const DELETE_WORDS = new Set(LOCALES.map((locale) => t(locale, "account.delete.word")));

// A post's edit forms (the post form, a funder's decision form): which button was pressed, and the
// "not personal data" declarations typed on the same page, saved with the form (issue 11 §1).
const editFormFields = {
  intent: z.enum(["save", "submit", "preview"]).default("save"),
  dismissIds: z.array(z.string().max(40)).default([]),
  dismissReasons: z.array(z.string().max(500)).default([]),
  dismiss: z.preprocess((v) => v || undefined, z.string().max(40).optional()),
};

/** Marks the declaration whose reason is missing or too short. */
function refineDismissals(v: { dismissIds: string[]; dismissReasons: string[]; dismiss?: string | undefined }, ctx: z.RefinementCtx): void {
  if (dismissalProblems(v.dismissIds, v.dismissReasons, v.dismiss).length > 0)
    ctx.addIssue({ code: "custom", path: ["dismissReasons"], message: say("domain.privacy.dismiss_reason") });
}

/** The typed declarations that carry a reason. */
function typedDismissals(ids: string[], reasons: string[]): { id: string; reason: string }[] {
  return ids.map((id, i) => ({ id, reason: (reasons[i] ?? "").trim() })).filter((d) => d.reason);
}

/**
 * "Save and submit" after the save: submits, and reports rather than throws what stops it — patient
 * data (blocked) or a field the full rules still need (incomplete, a field of `form`) — since the
 * post is saved either way and the page shows why.
 */
async function submitSaved(
  actor: Actor | null,
  postId: string,
  intent: string,
  form: Record<string, unknown>,
): Promise<{ status: string | null; blocked: boolean; incomplete: boolean }> {
  const outcome = { status: null as string | null, blocked: false, incomplete: false };
  if (intent !== "submit") return outcome;
  try {
    outcome.status = (await submitPost(actor, postId)).status;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    if (error.field === "privacy") outcome.blocked = true;
    else if (error.field in form) outcome.incomplete = true;
    else throw error;
  }
  return outcome;
}

export const server = rememberParsedForms({
  ...followActions,
  ...noticeActions,
  ...roundTableActions,
  ...replyActions,
  ...summaryActions,
  signUp: defineAction({
    accept: "form",
    input: signUpSchema,
    handler: async (input, context) => {
      await enforceLimits(context, [[siteLimits().signUpPerIp, clientKey(context)]]);
      const result = signUpInBackground(input, context.locals.locale);
      if (!result.ok) {
        throw new ActionError({ code: "BAD_REQUEST", message: passwordProblem(result.reasons) });
      }
      return { email: input.email };
    },
  }),

  signIn: defineAction({
    accept: "form",
    input: signInSchema,
    handler: async (input, context) => {
      // Only failures count, per (account, address) with growing waits (ratelimit.ts).
      const address = clientIp(context);
      const throttle = siteLimits().signIn;
      const verdict = await throttle.check(input.email, address);
      if (!verdict.allowed) refuseTooMany(context, verdict.retryAfterSeconds);
      const result = await signIn(input);
      if (result.ok) await throttle.recordSuccess(input.email, address);
      else if (result.reason === "invalid") await throttle.recordFailure(input.email, address);
      if (!result.ok) {
        throw new ActionError({
          code: "UNAUTHORIZED",
          message: result.reason === "unverified" ? say("domain.signin.unverified") : say("domain.signin.mismatch"),
        });
      }
      // Always a new session on sign-in: an old cookie can never be promoted (no fixation).
      if (context.locals.session) await invalidateSession(context.locals.session.id);
      const session = await createSession(result.userId, { userAgent: context.request.headers.get("user-agent"), ip: clientIp(context) });
      setSessionCookie(context.cookies, context.url, session.token, session.expiresAt);
      return { ok: true };
    },
  }),

  signOut: defineAction({
    accept: "form",
    handler: async (_input, context) => {
      if (context.locals.session) await invalidateSession(context.locals.session.id);
      deleteSessionCookie(context.cookies, context.url);
      return { ok: true };
    },
  }),

  requestReset: defineAction({
    accept: "form",
    input: resetRequestSchema,
    handler: async (input, context) => {
      await enforceLimits(context, [
        [siteLimits().resetPerIp, clientKey(context)],
        [siteLimits().resetPerAccount, input.email],
      ]);
      requestPasswordResetInBackground(input.email);
      return { email: input.email };
    },
  }),

  resetPassword: defineAction({
    accept: "form",
    input: z.object({ token: z.string().min(10).max(300), password: z.string().min(1, { error: say("domain.password.choose_new") }) }),
    handler: async (input, context) => {
      await enforceLimits(context, [[siteLimits().resetPerIp, clientKey(context)]]);
      const result = await resetPassword(input.token, input.password);
      if (!result.ok) {
        if (result.reason === "weak") throw new ActionError({ code: "BAD_REQUEST", message: passwordProblem(result.reasons) });
        throw new ActionError({
          code: "BAD_REQUEST",
          message: result.reason === "expired" ? say("domain.reset.expired") : say("domain.reset.invalid"),
        });
      }
      deleteSessionCookie(context.cookies, context.url);
      return { ok: true };
    },
  }),

  updateProfile: defineAction({
    accept: "form",
    input: profileSchema,
    handler: async (input, context) => {
      const actor = requireActor(context);
      await updateProfile(actor.id, input);
      // The switcher's cookie outranks the setting for `/`: a freshly saved setting replaces it (issue 12 §3).
      setLanguageCookie(context.cookies, context.url, input.locale);
      return { ok: true };
    },
  }),

  revokeSession: defineAction({
    accept: "form",
    input: z.object({ sessionId: id }),
    handler: async (input, context) => {
      const actor = requireActor(context);
      const done = await invalidateUserSession(actor.id, input.sessionId);
      if (!done) throw new ActionError({ code: "NOT_FOUND", message: say("domain.account.session_ended") });
      if (input.sessionId === context.locals.session?.id) deleteSessionCookie(context.cookies, context.url);
      return { ok: true };
    },
  }),

  revokeAllSessions: defineAction({
    accept: "form",
    handler: async (_input, context) => {
      const actor = requireActor(context);
      const count = await invalidateUserSessions(actor.id);
      deleteSessionCookie(context.cookies, context.url);
      return { count };
    },
  }),

  deleteAccount: defineAction({
    accept: "form",
    input: z.object({
      publishedPosts: z.enum(["keep", "withdraw"], { error: say("domain.account.published_posts") }),
      // The word the page asks for in its language (SUPPRIMER, VERWIJDEREN), or DELETE in any language.
      confirm: z
        .string({ error: say("domain.account.delete_confirm") })
        .refine((word) => DELETE_WORDS.has(word.trim()), { error: say("domain.account.delete_confirm") }),
    }),
    handler: async (input, context) => {
      const actor = requireActor(context);
      const result = await deleteAccount(actor.id, input.publishedPosts, context.locals.locale);
      if (!result.ok) {
        throw new ActionError({ code: "CONFLICT", message: say("domain.account.last_admin", { organizations: result.organizations.join(", ") }) });
      }
      deleteSessionCookie(context.cookies, context.url);
      return { kept: result.kept, withdrawn: result.withdrawn, deleted: result.deleted };
    },
  }),

  requestOrganization: defineAction({
    accept: "form",
    input: organizationRequestSchema.extend({
      logo: z
        .instanceof(File)
        .nullish()
        .refine((f) => !f || f.size <= MAX_LOGO_BYTES, { error: say("domain.file.logo_too_large", { megabytes: megabytes(MAX_LOGO_BYTES) }) }),
    }),
    handler: async ({ logo, ...input }, context) => domainCall(() => requestOrganization(context.locals.user, input, logo)),
  }),

  reviewOrganization: defineAction({
    accept: "form",
    input: z
      .object({ organizationId: id, decision: z.enum(["verify", "refuse"]), reason: z.preprocess((v) => v ?? "", z.string().trim().max(2000)) })
      .superRefine((v, ctx) => {
        if (v.decision === "refuse" && v.reason.length < 5) ctx.addIssue({ code: "custom", path: ["reason"], message: say("domain.org.refuse_reason") });
      }),
    handler: async (input, context) =>
      domainCall(async () => ({
        decision: input.decision,
        ...(await reviewOrganization(context.locals.user, input.organizationId, input.decision, input.reason)),
      })),
  }),

  requestToJoin: defineAction({
    accept: "form",
    input: z.object({
      organizationId: id,
      message: z.preprocess(
        (v) => v ?? "",
        z
          .string()
          .trim()
          .max(JOIN_MESSAGE_MAX, { error: say("domain.text.max", { max: JOIN_MESSAGE_MAX }) }),
      ),
    }),
    handler: async (input, context) => domainCall(() => requestToJoin(context.locals.user, input.organizationId, input.message)),
  }),

  removeMember: defineAction({
    accept: "form",
    input: z.object({ membershipId: id }),
    handler: async (input, context) => domainCall(() => removeMember(context.locals.user, input.membershipId)),
  }),

  decideJoinRequest: defineAction({
    accept: "form",
    input: z.object({ membershipId: id, decision: z.enum(["approve", "reject"]), role: z.enum(MEMBERSHIP_ROLES).default("member") }),
    handler: async (input, context) => domainCall(() => decideJoinRequest(context.locals.user, input.membershipId, input.decision, input.role)),
  }),

  changeMemberRole: defineAction({
    accept: "form",
    input: z.object({ membershipId: id, role: z.enum(MEMBERSHIP_ROLES, { error: say("domain.membership.role") }) }),
    handler: async (input, context) => domainCall(() => changeMemberRole(context.locals.user, input.membershipId, input.role)),
  }),

  leaveOrganization: defineAction({
    accept: "form",
    input: z.object({ organizationId: id }),
    handler: async (input, context) => domainCall(() => leaveOrganization(context.locals.user, input.organizationId)),
  }),

  setDpoReview: defineAction({
    accept: "form",
    input: z.object({ organizationId: id, required: z.enum(["yes", "no"]) }),
    handler: async (input, context) => domainCall(() => setRequiresDpoReview(context.locals.user, input.organizationId, input.required === "yes")),
  }),

  inviteMember: defineAction({
    accept: "form",
    input: z.object({
      organizationId: id,
      email: addressField(say("domain.email.invalid_short")),
      role: z.enum(MEMBERSHIP_ROLES),
    }),
    handler: async (input, context) =>
      domainCall(() => inviteMember(context.locals.user, input.organizationId, input.email, input.role, context.locals.locale)),
  }),

  acceptInvitation: defineAction({
    accept: "form",
    input: z.object({ token: z.string().max(300) }),
    handler: async (input, context) => domainCall(() => acceptInvitation(context.locals.user, input)),
  }),

  revokeInvitation: defineAction({
    accept: "form",
    input: z.object({ invitationId: id }),
    handler: async (input, context) => domainCall(() => revokeInvitation(context.locals.user, input.invitationId)),
  }),

  savePost: defineAction({
    accept: "form",
    input: postFieldsSchema
      .extend({
        postId: z.preprocess((v) => v || undefined, id.optional()),
        attachments: z.array(z.instanceof(File)).default([]),
        removeAttachments: z.array(z.string().max(200)).default([]),
        ...editFormFields,
      })
      .superRefine((v, ctx) => {
        refinePost(v, ctx);
        refineDismissals(v, ctx);
      }),
    handler: async ({ postId, intent, attachments, removeAttachments, dismissIds, dismissReasons, dismiss: _clicked, ...input }, context) =>
      domainCall(async () => {
        const dismissals = typedDismissals(dismissIds, dismissReasons);
        const saved = await saveDraft(context.locals.user, input, postId, { add: attachments, remove: removeAttachments }, dismissals);
        return { ...saved, intent, ...(await submitSaved(context.locals.user, saved.id, intent, postFieldsSchema.shape)) };
      }),
  }),

  // A funder's recorded decision, edited on the dashboard (sent back for changes): its own
  // form, so the call and applicant it was recorded with are kept (moderation.ts).
  saveDecision: defineAction({
    accept: "form",
    input: decisionEditSchema.extend({ postId: id, ...editFormFields }).superRefine(refineDismissals),
    handler: async ({ postId, intent, dismissIds, dismissReasons, dismiss: _clicked, ...input }, context) =>
      domainCall(async () => {
        const saved = await saveRecordedDecision(context.locals.user, postId, input, typedDismissals(dismissIds, dismissReasons));
        return { ...saved, intent, ...(await submitSaved(context.locals.user, saved.id, intent, decisionEditSchema.shape)) };
      }),
  }),

  dismissFinding: defineAction({
    accept: "form",
    input: z.object({
      postId: id,
      findingId: z.string().min(1).max(40),
      reason: z.preprocess(
        (v) => v ?? "",
        z
          .string()
          .trim()
          .min(5, { error: say("domain.privacy.dismiss_reason") })
          .max(500),
      ),
    }),
    handler: async (input, context) => domainCall(() => dismissFinding(context.locals.user, input.postId, input.findingId, input.reason)),
  }),

  submitPost: defineAction({
    accept: "form",
    input: z.object({ postId: id }),
    handler: async (input, context) => domainCall(() => submitPost(context.locals.user, input.postId)),
  }),

  withdrawPost: defineAction({
    accept: "form",
    input: z.object({ postId: id }),
    handler: async (input, context) => domainCall(() => withdrawPost(context.locals.user, input.postId)),
  }),

  dpoReview: defineAction({
    accept: "form",
    input: z
      .object({ postId: id, decision: z.enum(["approve", "return"]), note: z.preprocess((v) => v ?? "", z.string().trim().max(10_000)) })
      .superRefine((v, ctx) => {
        if (v.decision === "return" && v.note.length < 5) ctx.addIssue({ code: "custom", path: ["note"], message: say("domain.review.return_note") });
      }),
    handler: async (input, context) => domainCall(() => dpoReview(context.locals.user, input.postId, input.decision, input.note)),
  }),

  moderatePost: defineAction({
    accept: "form",
    input: z
      .object({
        postId: id,
        decision: z.enum(["claim", "unclaim", "approve", "request_changes", "reject", "hide", "restore"]),
        reason_code: z.preprocess((v) => v || undefined, z.enum(MODERATION_REJECTION_REASONS, { error: say("domain.review.reason_list") }).optional()),
        note: z.preprocess((v) => v ?? "", z.string().trim().max(10_000)),
      })
      .superRefine((v, ctx) => {
        // Said next to the field at fault, before anything changes (issue 11 §9).
        if (v.decision === "reject" && !v.reason_code) ctx.addIssue({ code: "custom", path: ["reason_code"], message: say("domain.review.reject_reason") });
        if ((v.decision === "reject" || v.decision === "request_changes" || v.decision === "hide") && v.note.length < 5)
          ctx.addIssue({
            code: "custom",
            path: ["note"],
            message:
              v.decision === "request_changes"
                ? say("domain.review.return_note")
                : v.decision === "hide"
                  ? say("domain.review.hide_note")
                  : say("domain.review.explain"),
          });
      }),
    handler: async ({ postId, decision, reason_code, note }, context) =>
      domainCall(async () => {
        const actor = context.locals.user;
        if (decision === "claim") await claimPost(actor, postId);
        else if (decision === "unclaim") await unclaimPost(actor, postId);
        else if (decision === "approve") await approvePost(actor, postId, note);
        else if (decision === "request_changes") await requestChanges(actor, postId, note);
        else if (decision === "reject") await rejectPost(actor, postId, reason_code ?? "", note);
        else if (decision === "hide") await hidePost(actor, postId, note);
        else await restorePost(actor, postId, note);
        return { decision };
      }),
  }),

  approveDecisions: defineAction({
    accept: "form",
    input: z.object({
      postIds: z
        .array(id, { error: say("domain.review.approve_choose") })
        .min(1, { error: say("domain.review.approve_at_least_one") })
        .max(200),
      note: z.preprocess((v) => v ?? "", z.string().trim().max(10_000)),
    }),
    handler: async ({ postIds, note }, context) => domainCall(() => approveDecisions(context.locals.user, postIds, note)),
  }),

  replyToFeedback: defineAction({
    accept: "form",
    input: z.object({
      postId: id,
      reply: z.preprocess(
        (v) => v ?? "",
        z
          .string()
          .trim()
          .min(2, { error: say("domain.review.reply_empty") })
          .max(5000, { error: say("domain.review.reply_max", { max: 5000 }) }),
      ),
    }),
    handler: async (input, context) => domainCall(() => replyToFeedback(context.locals.user, input.postId, input.reply)),
  }),

  flagPost: defineAction({
    accept: "form",
    input: z.object({
      postId: id,
      reason: z.enum(FLAG_REASONS, { error: say("domain.flag.reason") }),
      note: z.preprocess((v) => v ?? "", z.string().trim().max(2000)),
    }),
    handler: async (input, context) => domainCall(() => flagPost(context.locals.user, input.postId, input.reason, input.note)),
  }),

  saveCall: defineAction({
    accept: "form",
    input: callFieldsSchema.extend({ funderId: id, callId: z.preprocess((v) => v || undefined, id.optional()) }).superRefine((v, ctx) => refineCall(v, ctx)),
    handler: async ({ funderId, callId, ...input }, context) => domainCall(() => saveCall(context.locals.user, funderId, input, callId)),
  }),

  recordDecision: defineAction({
    accept: "form",
    input: z.object({
      callId: id,
      title: requiredTitle,
      applicantType: z.enum(["platform", "outside", "anonymous"], { error: say("domain.funding.who_applied") }),
      applicant: z.preprocess((v) => v ?? "", z.string().trim().max(300)),
      applicantRegion: z.preprocess((v) => v || null, z.enum(REGIONS).nullable()),
      applicantKind: z.preprocess((v) => v || null, z.enum(ORG_KINDS).nullable()),
      amountRequested: z.preprocess(
        (v) => (v == null || v === "" ? undefined : Number(String(v).replace(/[\s.]/g, "").replace(",", "."))),
        z.number({ error: say("domain.funding.amount_requested_digits") }).min(0, { error: say("domain.amount.negative") }),
      ),
      amountAwarded: z.preprocess(
        (v) => (v == null || v === "" ? null : Number(String(v).replace(/[\s.]/g, "").replace(",", "."))),
        z
          .number({ error: say("domain.funding.amount_awarded_digits") })
          .min(0, { error: say("domain.amount.negative") })
          .nullable(),
      ),
      decision: z.enum(["awarded", "rejected", "withdrawn"], { error: say("domain.funding.decision") }),
      decidedOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: say("domain.funding.decided_on") }),
      // Absent (an older form, a script): the recording funder's interface language, as before.
      language: z.preprocess((v) => v || null, z.enum(LANGUAGES, { error: say("domain.funding.language") }).nullable()),
      rejectionReasons: z.array(z.enum(REJECTION_REASONS)).default([]),
      reasonText: z.preprocess((v) => v ?? "", z.string().trim().max(5000)),
      feedback: z.preprocess((v) => v ?? "", z.string().trim().max(50000)),
      consentObtained: z.preprocess((v) => v === true || v === "on", z.boolean()),
      careSettings: z.array(z.enum(CARE_SETTINGS)).default([]),
      aiTypes: z.array(z.enum(AI_TYPES)).default([]),
    }),
    handler: async ({ callId, ...row }, context) => domainCall(() => recordDecisions(context.locals.user, callId, [{ ...row, currency: "EUR" }])),
  }),

  answerConsent: defineAction({
    accept: "form",
    input: z.object({ postId: id, answer: z.enum(["grant", "anonymise"]) }),
    handler: async (input, context) => domainCall(() => answerConsent(context.locals.user, input.postId, input.answer)),
  }),

  importDecisions: defineAction({
    accept: "form",
    input: z.object({
      callId: id,
      file: z
        .instanceof(File, { error: say("domain.file.csv_choose") })
        .refine((f) => f.size > 0, { error: say("domain.file.empty") })
        .refine((f) => f.size <= MAX_CSV_BYTES, { error: say("domain.file.too_large", { megabytes: megabytes(MAX_CSV_BYTES) }) }),
    }),
    handler: async ({ callId, file }, context) =>
      domainCall(async () => importDecisionsCsv(context.locals.user, callId, new Uint8Array(await file.arrayBuffer()))),
  }),

  setPlatformRole: defineAction({
    accept: "form",
    input: z.object({ userId: id, role: z.enum(["member", "moderator", "admin"], { error: say("domain.admin.role") }) }),
    handler: async (input, context) => domainCall(() => setPlatformRole(context.locals.user, input.userId, input.role)),
  }),
});
