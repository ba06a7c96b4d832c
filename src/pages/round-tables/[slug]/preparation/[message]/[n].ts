// An attachment of a preparation message: for the round table's participants only (404 otherwise).
import type { APIRoute } from "astro";
import { endpointParams } from "../../../../../lib/server/endpointpath.ts";
import { preparationAttachmentResponse } from "../../../../../lib/server/roundtables/preparation.ts";

export const GET: APIRoute = async ({ params, url, locals }) => {
  const [slug, message, n] = endpointParams(params, url, /\/round-tables\/([a-z0-9-]+)\/preparation\/([a-z0-9]+)\/([0-9]+)$/, ["slug", "message", "n"]);
  return preparationAttachmentResponse(locals.user, slug!, message!, n!);
};
