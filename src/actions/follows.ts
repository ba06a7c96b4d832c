// Follows and the private feed (issue 13 §3): zod input → one domain call (lib/server/follows.ts).
import { defineAction } from "astro:actions";
import { z } from "astro/zod";
import { domainCall } from "../lib/server/guard.ts";
import { CADENCES, FOLLOW_KINDS, follow, regenerateFeedToken, removeFollow, setFollowCadence, unfollow } from "../lib/server/follows.ts";

const id = z.string().regex(/^[a-z0-9]{15}$/, { error: "Unknown record." });
const cadence = z.enum(CADENCES, { error: "Choose how often: immediately, daily, weekly or off." });
const ref = { kind: z.enum(FOLLOW_KINDS, { error: "Unknown kind of follow." }), value: z.string().trim().min(1).max(1000) };

/** The follow actions, merged into the site's actions in index.ts. */
export const followActions = {
  follow: defineAction({
    accept: "form",
    input: z.object({ ...ref, cadence: cadence.optional() }),
    handler: async ({ kind, value, cadence: chosen }, context) => domainCall(() => follow(context.locals.user, { kind, value }, chosen)),
  }),
  unfollow: defineAction({
    accept: "form",
    input: z.object(ref),
    handler: async ({ kind, value }, context) => domainCall(() => unfollow(context.locals.user, { kind, value })),
  }),
  setFollowCadence: defineAction({
    accept: "form",
    input: z.object({ followId: id, cadence }),
    handler: async (input, context) => domainCall(() => setFollowCadence(context.locals.user, input.followId, input.cadence)),
  }),
  removeFollow: defineAction({
    accept: "form",
    input: z.object({ followId: id }),
    handler: async (input, context) => domainCall(() => removeFollow(context.locals.user, input.followId)),
  }),
  regenerateFeedToken: defineAction({
    accept: "form",
    input: z.object({}),
    handler: async (_input, context) => domainCall(async () => ({ token: await regenerateFeedToken(context.locals.user) })),
  }),
};
