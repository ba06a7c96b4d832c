// The answer of GET /api/search (the search page's results as JSON, same parameters: q, facets,
// sort, page, per_page), shared by the Astro route and by the answer before Astro (fastsearch.ts),
// so the two cannot drift apart.
import { parseSearchParams } from "./engine.ts";
import { searchPosts } from "./index.ts";

/** What /api/search answers to these query parameters: status, JSON body and Cache-Control. */
export async function searchApiAnswer(params: URLSearchParams): Promise<{ status: number; body: string; cacheControl: string }> {
  const parsed = parseSearchParams(params);
  if (!parsed.ok) return { status: 400, body: JSON.stringify({ error: parsed.message, param: parsed.param }), cacheControl: "no-store" };
  let result: Awaited<ReturnType<typeof searchPosts>>;
  try {
    result = await searchPosts(parsed.query);
  } catch (error) {
    console.error(`[search] /api/search failed: ${error instanceof Error ? error.message : String(error)}`);
    return { status: 503, body: JSON.stringify({ error: "Search is temporarily unavailable. Please try again in a moment." }), cacheControl: "no-store" };
  }
  const { hits, total, page, perPage, totalPages, facets, suggestion } = result;
  // Public data, identical for every visitor: a short shared cache is fine.
  return { status: 200, body: JSON.stringify({ hits, total, page, perPage, totalPages, facets, suggestion }), cacheControl: "public, max-age=30" };
}

/** The body of an /api/search answer that failed for a reason of ours (a bug): the JSON API speaks English, as its other errors. */
export const SEARCH_API_FAILED = JSON.stringify({ error: "Something went wrong on our side." });

/** The Content-Type of every /api/search answer. */
export const SEARCH_API_TYPE = "application/json; charset=utf-8";
