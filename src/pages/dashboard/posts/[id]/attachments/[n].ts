// An attachment of a post not (yet) public, for those allowed to see the post privately.
import type { APIRoute } from "astro";
import { attachmentResponse } from "../../../../../lib/server/attachments.ts";
import { canViewPrivately, loadPost } from "../../../../../lib/server/moderation.ts";

export const GET: APIRoute = async ({ params, locals }) => {
  const post = await loadPost(params.id ?? "").catch(() => null);
  return attachmentResponse(post && canViewPrivately(locals.user, post) ? post : null, params.n ?? "", "casebook-draft");
};
