// What /healthz reports: PocketBase reachability, the search engine, the search and mail outboxes' backlogs, the version.
import pkg from "../../../package.json" with { type: "json" };
import { getConfig } from "./config.ts";
import { isPocketBaseHealthy } from "./pocketbase.ts";
import { getSearchHealth } from "./search/index.ts";
import { getOutboxBacklog } from "./search/outbox.ts";
import { getMailBacklog } from "./mailoutbox.ts";

/** Collects the health report; status "unavailable" only when PocketBase cannot be reached (search is reported, not fatal). */
export async function getHealth(): Promise<Health> {
  const config = getConfig();
  const [pocketbase, search] = await Promise.all([isPocketBaseHealthy(config.pocketbaseUrl), getSearchHealth()]);
  // The backlog lives in PocketBase: unknown while it is down.
  const [backlog, mailBacklog] = pocketbase ? await Promise.all([getOutboxBacklog().catch(() => null), getMailBacklog().catch(() => null)]) : [null, null];
  return {
    status: pocketbase ? "ok" : "unavailable",
    version: pkg.version,
    pocketbase: { reachable: pocketbase },
    search: {
      engine: search.engine,
      ok: search.ok,
      ...(search.detail ? { detail: search.detail } : {}),
      ...(search.documents !== undefined ? { documents: search.documents } : {}),
    },
    outbox: { backlog },
    mailOutbox: { backlog: mailBacklog },
  };
}

/** The /healthz document. */
export type Health = {
  status: "ok" | "unavailable";
  version: string;
  pocketbase: { reachable: boolean };
  search: { engine: "embedded" | "meilisearch"; ok: boolean; detail?: string; documents?: number };
  outbox: { backlog: number | null };
  mailOutbox: { backlog: number | null };
};
