// GET /api/search answered before Astro (issue 15 §1: throughput at 16 connections). Through
// Astro, each search also paid for a Web Request built from Node's, three middleware layers, the
// router (which stats the client folder) and a Response streamed back — about a tenth of a
// search's time on the request thread, the one core searches queue on. This answers exactly as
// the middleware and src/pages/api/search.ts would (same status, JSON, Cache-Control, security
// headers, X-Request-Id, count and log line under the route `/api/search`), only where they would
// answer without anything this path lacks:
//   - GET without a body, for `/api/search` with any query (a HEAD, a trailing slash or a
//     language prefix goes to Astro, which answers or refuses it as before);
//   - no session cookie (the middleware would check it, refresh it or clear it);
//   - a Host the site answers to (a foreign one gets Astro's 421).
import type { IncomingMessage, ServerResponse } from "node:http";
import { getConfig } from "./config.ts";
import { registerEarlyAnswer } from "./earlyanswers.ts";
import { SECURITY_HEADERS, allowedHosts, isAllowedHost } from "./headers.ts";
import { recordRequest, requestIdFrom } from "./observability.ts";
import { SEARCH_API_FAILED, SEARCH_API_TYPE, searchApiAnswer } from "./search/api.ts";
import { SESSION_COOKIE } from "./session.ts";
import { startBackgroundWork } from "./workers.ts";

const SEARCH_API_URL = /^\/api\/search(?:\?[^#]*)?$/;
const ROUTE = "/api/search";
const SECURITY_WIRE = Object.entries(SECURITY_HEADERS).flat();
let hosts: Set<string> | undefined;

/** Answers a search API request as the route would and returns true; false (nothing written) to let Astro answer. */
export function answerSearchApi(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== "GET") return false;
  if (req.headers["content-length"] !== undefined || req.headers["transfer-encoding"] !== undefined) return false;
  const raw = req.url ?? "";
  if (!SEARCH_API_URL.test(raw)) return false;
  if (req.headers.cookie?.includes(SESSION_COOKIE)) return false;
  hosts ??= allowedHosts(getConfig());
  if (!isAllowedHost(req.headers.host ?? null, hosts)) return false;
  const started = performance.now();
  const id = requestIdFrom(req.headers["x-request-id"]);
  startBackgroundWork();
  const params = new URL(raw, "http://casebook.invalid").searchParams;
  const send = (status: number, body: string, cacheControl: string) => {
    res.writeHead(status, [
      "content-type",
      SEARCH_API_TYPE,
      "content-length",
      String(Buffer.byteLength(body)),
      "cache-control",
      cacheControl,
      ...SECURITY_WIRE,
      "x-request-id",
      id,
    ]);
    res.end(body);
    recordRequest({ id, method: "GET", route: ROUTE, status, ms: performance.now() - started });
  };
  searchApiAnswer(params).then(
    (answer) => send(answer.status, answer.body, answer.cacheControl),
    (error: unknown) => {
      // searchApiAnswer answers the search's own failures (503); anything else is a bug.
      console.error(`[search] /api/search failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (res.headersSent) res.destroy();
      else send(500, SEARCH_API_FAILED, "no-store");
    },
  );
  return true;
}

registerEarlyAnswer("search API", answerSearchApi);
