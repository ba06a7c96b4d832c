// Replies (issue 14 §2): zod input → one domain call (lib/server/discussions/replies.ts).
import { defineAction } from "astro:actions";
import { z } from "astro/zod";
import { say } from "../i18n/domain.ts";
import { FLAG_REASONS } from "../lib/codelists.ts";
import { domainCall } from "../lib/server/guard.ts";
import {
  approveReply,
  editReply,
  flagReply,
  hideReply,
  markAnswer,
  postReply,
  rejectReply,
  restoreReply,
  setThreadSettings,
  withdrawReply,
} from "../lib/server/discussions/replies.ts";

const id = z.string().regex(/^[a-z0-9]{15}$/, { error: say("domain.unknown_record") });
const text = (max: number) => z.preprocess((v) => v ?? "", z.string().max(max));
const checkbox = z.preprocess((v) => v === "on" || v === "true" || v === true, z.boolean());

/** The reply actions, merged into the site's actions in index.ts. */
export const replyActions = {
  postReply: defineAction({
    accept: "form",
    // The reply's own fields are checked by the domain (replyInputSchema), which names the field at fault.
    input: z.object({
      postId: id,
      body: text(40_000),
      language: text(5),
      organization: text(15),
      anonymous: checkbox,
      in_reply_to: text(15),
    }),
    handler: async ({ postId, ...input }, context) => domainCall(() => postReply(context.locals.user, postId, input)),
  }),
  editReply: defineAction({
    accept: "form",
    input: z.object({ replyId: id, body: text(40_000) }),
    handler: async ({ replyId, body }, context) => domainCall(() => editReply(context.locals.user, replyId, body)),
  }),
  withdrawReply: defineAction({
    accept: "form",
    input: z.object({ replyId: id }),
    handler: async ({ replyId }, context) =>
      domainCall(async () => {
        await withdrawReply(context.locals.user, replyId);
        return { ok: true };
      }),
  }),
  markAnswer: defineAction({
    accept: "form",
    input: z.object({ postId: id, replyId: z.preprocess((v) => v ?? "", z.union([id, z.literal("")])) }),
    handler: async ({ postId, replyId }, context) =>
      domainCall(async () => {
        await markAnswer(context.locals.user, postId, replyId);
        return { ok: true, replyId };
      }),
  }),
  flagReply: defineAction({
    accept: "form",
    input: z.object({
      replyId: id,
      reason: z.enum(FLAG_REASONS, { error: say("domain.flag.reason") }),
      note: z.preprocess((v) => v ?? "", z.string().trim().max(2000)),
    }),
    handler: async ({ replyId, reason, note }, context) => domainCall(() => flagReply(context.locals.user, replyId, reason, note)),
  }),
  moderateReply: defineAction({
    accept: "form",
    input: z.object({
      replyId: id,
      decision: z.enum(["approve", "reject", "hide", "restore"], { error: say("domain.reply.decision") }),
      note: z.preprocess((v) => v ?? "", z.string().trim().max(2000)),
    }),
    handler: async ({ replyId, decision, note }, context) =>
      domainCall(async () => {
        const user = context.locals.user;
        if (decision === "approve") await approveReply(user, replyId, note);
        else if (decision === "reject") await rejectReply(user, replyId, note);
        else if (decision === "hide") await hideReply(user, replyId, note);
        else await restoreReply(user, replyId, note);
        return { ok: true, decision };
      }),
  }),
  setThreadSettings: defineAction({
    accept: "form",
    input: z.object({
      postId: id,
      locked: checkbox,
      pinned: checkbox,
      slow_mode_minutes: z.preprocess((v) => (v === "" || v == null ? 0 : v), z.coerce.number({ error: say("domain.reply.slow_mode_range", { max: 1440 }) })),
    }),
    handler: async ({ postId, locked, pinned, slow_mode_minutes }, context) =>
      domainCall(async () => {
        await setThreadSettings(context.locals.user, postId, { locked, pinned, slowModeMinutes: slow_mode_minutes });
        return { ok: true };
      }),
  }),
};
