// A published post's attachment, under a neutral file name.
import type { APIRoute } from "astro";
import { attachmentResponse } from "../../../../lib/server/attachments.ts";
import { getPublishedRecord } from "../../../../lib/server/posts.ts";

export const GET: APIRoute = async ({ params }) => {
  const post = await getPublishedRecord(params.slug ?? "");
  return attachmentResponse(post, params.n ?? "", `casebook-${params.slug}`);
};
