// Prometheus metrics (issue 16 §12) for a scraper holding CASEBOOK_METRICS_TOKEN; 404 to anybody else.
import type { APIRoute } from "astro";
import { metricsAllowed, metricsText } from "../lib/server/observability.ts";

export const GET: APIRoute = async ({ request }) => {
  // 404, not 401: without the token the endpoint does not exist, and nothing says it would with one.
  if (!metricsAllowed(request))
    return new Response("Not found", { status: 404, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });
  const { contentType, body } = await metricsText();
  return new Response(body, { status: 200, headers: { "content-type": contentType, "cache-control": "no-store" } });
};
