// GET /api/search: the search page's results as JSON, same parameters (q, facets, sort, page, per_page).
// Usually answered before Astro (src/lib/server/fastsearch.ts); this route answers the rest
// (a request with a session cookie, `astro dev`), with the same function.
import type { APIRoute } from "astro";
import { SEARCH_API_TYPE, searchApiAnswer } from "../../lib/server/search/api.ts";

export const GET: APIRoute = async ({ url }) => {
  const { status, body, cacheControl } = await searchApiAnswer(url.searchParams);
  return new Response(body, { status, headers: { "content-type": SEARCH_API_TYPE, "cache-control": cacheControl } });
};
