// Round-table summaries (issue 14 §4): zod input → one domain call (lib/server/roundtables/summaries.ts).
import { defineAction } from "astro:actions";
import { z } from "astro/zod";
import { say } from "../i18n/domain.ts";
import { domainCall } from "../lib/server/guard.ts";
import { answerNamingRequest } from "../lib/server/roundtables/summaries.ts";

const id = z.string().regex(/^[a-z0-9]{15}$/, { error: say("domain.unknown_record") });

/** The summary actions, merged into the site's actions in index.ts. */
export const summaryActions = {
  answerNamingRequest: defineAction({
    accept: "form",
    input: z.object({ participantId: id, answer: z.enum(["grant", "refuse"]) }),
    handler: async ({ participantId, answer }, context) =>
      domainCall(async () => {
        await answerNamingRequest(context.locals.user, participantId, answer);
        return { participantId, answer };
      }),
  }),
};
