// An attachment of a preparation message: for the round table's participants only (404 otherwise).
import type { APIRoute } from "astro";
import { preparationAttachmentResponse } from "../../../../../lib/server/roundtables/preparation.ts";

export const GET: APIRoute = async ({ params, locals }) => preparationAttachmentResponse(locals.user, params.slug ?? "", params.message ?? "", params.n ?? "");
