// A published post's attachment, under a neutral file name.
import type { APIRoute } from "astro";
import { attachmentResponse } from "../../../../lib/server/attachments.ts";
import { endpointParams } from "../../../../lib/server/endpointpath.ts";
import { getPublishedRecord } from "../../../../lib/server/posts.ts";

export const GET: APIRoute = async ({ params, url }) => {
  const [slug, n] = endpointParams(params, url, /\/posts\/([^/]+)\/attachments\/([^/]+)$/, ["slug", "n"]);
  const post = await getPublishedRecord(slug!);
  return attachmentResponse(post, n!, `casebook-${slug}`);
};
