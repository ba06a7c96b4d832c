// An attachment of a post not (yet) public, for those allowed to see the post privately.
import type { APIRoute } from "astro";
import { attachmentResponse } from "../../../../../lib/server/attachments.ts";
import { endpointParams } from "../../../../../lib/server/endpointpath.ts";
import { canViewPrivately, loadPost } from "../../../../../lib/server/moderation.ts";

export const GET: APIRoute = async ({ params, url, locals }) => {
  const [id, n] = endpointParams(params, url, /\/dashboard\/posts\/([^/]+)\/attachments\/([^/]+)$/, ["id", "n"]);
  const post = await loadPost(id!).catch(() => null);
  return attachmentResponse(post && canViewPrivately(locals.user, post) ? post : null, n!, "casebook-draft");
};
