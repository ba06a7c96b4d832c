// Round tables (issue 14 §3): zod input → one domain call (lib/server/roundtables/).
import { defineAction } from "astro:actions";
import { z } from "astro/zod";
import { say } from "../i18n/domain.ts";
import { LANGUAGES } from "../lib/codelists.ts";
import { domainCall } from "../lib/server/guard.ts";
import { postPreparationMessage } from "../lib/server/roundtables/preparation.ts";
import {
  createRoundTable,
  refineRoundTable,
  respondToInvitation,
  roundTableFieldsSchema,
  updateRoundTable,
  withdrawInvitation,
} from "../lib/server/roundtables/roundtables.ts";

const id = z.string().regex(/^[a-z0-9]{15}$/, { error: say("domain.unknown_record") });

/** The round-table actions, merged into the site's actions in index.ts. */
export const roundTableActions = {
  saveRoundTable: defineAction({
    accept: "form",
    input: roundTableFieldsSchema
      // Plain arrays (Astro reads every value of a field only for a z.array), checked in refineRoundTable.
      .extend({
        hostId: id,
        tableId: z.preprocess((v) => v || undefined, id.optional()),
        languages: z.array(z.enum(LANGUAGES, { error: say("domain.roundtable.languages") })).default([]),
        invite: z.array(id).max(50).default([]),
      })
      .superRefine((v, ctx) => refineRoundTable(v, ctx)),
    handler: async (input, context) => {
      // The session rows' fields are built in a loop, so their names are not in the inferred type.
      const { hostId, tableId, ...fields } = input as { hostId: string; tableId?: string | undefined } & Record<string, unknown>;
      return domainCall(() => (tableId ? updateRoundTable(context.locals.user, tableId, fields) : createRoundTable(context.locals.user, hostId, fields)));
    },
  }),
  answerRoundTable: defineAction({
    accept: "form",
    input: z.object({
      participantId: id,
      answer: z.enum(["accepted", "declined"], { error: say("domain.roundtable.answer") }),
      attendees: z
        .array(id)
        .max(20, { error: say("domain.roundtable.attendees") })
        .default([]),
    }),
    handler: async (input, context) => domainCall(() => respondToInvitation(context.locals.user, input.participantId, input.answer, input.attendees)),
  }),
  withdrawRoundTableInvitation: defineAction({
    accept: "form",
    input: z.object({ participantId: id }),
    handler: async (input, context) => domainCall(() => withdrawInvitation(context.locals.user, input.participantId)),
  }),
  postPreparation: defineAction({
    accept: "form",
    input: z.object({
      tableId: id,
      organizationId: z.preprocess((v) => v || undefined, id.optional()),
      body: z.preprocess((v) => v ?? "", z.string().max(20000, { error: say("domain.roundtable.message_long") })),
      attachments: z.array(z.instanceof(File)).default([]),
    }),
    handler: async (input, context) =>
      domainCall(() =>
        postPreparationMessage(context.locals.user, input.tableId, { body: input.body, organizationId: input.organizationId, attachments: input.attachments }),
      ),
  }),
};
