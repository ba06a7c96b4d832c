// Notices and mail preferences (issue 13 §2, §5): zod input → one domain call (lib/server/notifications.ts).
import { defineAction } from "astro:actions";
import { z } from "astro/zod";
import { domainCall } from "../lib/server/guard.ts";
import { markAllNotificationsRead, markNotificationRead, saveMailPreferences } from "../lib/server/notifications.ts";
import { MAIL_CATEGORIES } from "../lib/server/notify.ts";

const id = z.string().regex(/^[a-z0-9]{15}$/, { error: "Unknown notice." });

/** The notice actions, merged into the site's actions in index.ts. */
export const noticeActions = {
  markNotificationRead: defineAction({
    accept: "form",
    input: z.object({ notificationId: id }),
    handler: async ({ notificationId }, context) =>
      domainCall(async () => {
        await markNotificationRead(context.locals.user, notificationId);
        return { ok: true };
      }),
  }),
  markAllNotificationsRead: defineAction({
    accept: "form",
    input: z.object({}),
    handler: async (_input, context) => domainCall(async () => ({ marked: await markAllNotificationsRead(context.locals.user) })),
  }),
  saveMailPreferences: defineAction({
    accept: "form",
    // Unticked boxes send nothing: a missing list means every group off.
    input: z.object({
      enabled: z.array(z.enum(MAIL_CATEGORIES, { error: "Choose from the options shown." })).default([]),
      cadence: z.enum(["immediate", "hourly"], { error: "Choose one e-mail per post or one an hour." }).default("immediate"),
    }),
    handler: async (input, context) => domainCall(() => saveMailPreferences(context.locals.user, input)),
  }),
};
