// Liveness and dependencies, for operators and the start script.
import type { APIRoute } from "astro";
import { getHealth } from "../lib/server/health.ts";

export const GET: APIRoute = async () => {
  const health = await getHealth();
  return new Response(JSON.stringify(health), {
    status: health.status === "ok" ? 200 : 503,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
};
