// GET /api/search: the search page's results as JSON, same parameters (q, facets, sort, page, per_page).
import type { APIRoute } from "astro";
import { parseSearchParams } from "../../lib/server/search/engine.ts";
import { searchPosts } from "../../lib/server/search/index.ts";

export const GET: APIRoute = async ({ url }) => {
  const parsed = parseSearchParams(url.searchParams);
  if (!parsed.ok) return json({ error: parsed.message, param: parsed.param }, 400);
  let result: Awaited<ReturnType<typeof searchPosts>>;
  try {
    result = await searchPosts(parsed.query);
  } catch (error) {
    console.error(`[search] /api/search failed: ${error instanceof Error ? error.message : String(error)}`);
    return json({ error: "Search is temporarily unavailable. Please try again in a moment." }, 503);
  }
  const { hits, total, page, perPage, totalPages, facets, suggestion } = result;
  // Public data, identical for every visitor: a short shared cache is fine.
  return json({ hits, total, page, perPage, totalPages, facets, suggestion }, 200, "public, max-age=30");
};

function json(body: unknown, status: number, cacheControl = "no-store"): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": cacheControl },
  });
}
