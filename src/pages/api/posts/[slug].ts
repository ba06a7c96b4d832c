// GET /api/posts/{slug}: one published post's public fields as JSON; anything else is a 404.
import type { APIRoute } from "astro";
import { getPublishedPost } from "../../../lib/server/posts.ts";

export const GET: APIRoute = async ({ params }) => {
  // English descriptors, so the document is the same for every visitor (and cacheable).
  const post = await getPublishedPost("en", params.slug ?? "");
  if (!post) return json({ error: "No published post has this address." }, 404, "no-store");
  // toPublicPost already leaves out the organisation and author of anonymous posts.
  return json(post, 200, "public, max-age=30");
};

function json(body: unknown, status: number, cacheControl: string): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": cacheControl },
  });
}
