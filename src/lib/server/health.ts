// What /healthz reports: PocketBase reachability, the search engine in use, the version.
import pkg from "../../../package.json" with { type: "json" };
import { getConfig } from "./config.ts";
import { isPocketBaseHealthy } from "./pocketbase.ts";

/** Collects the health report; status "unavailable" when PocketBase cannot be reached. */
export async function getHealth(): Promise<Health> {
  const config = getConfig();
  const pocketbase = await isPocketBaseHealthy(config.pocketbaseUrl);
  return {
    status: pocketbase ? "ok" : "unavailable",
    version: pkg.version,
    pocketbase: { reachable: pocketbase },
    search: { engine: config.meili ? "meilisearch" : "embedded" },
  };
}

/** The /healthz document. */
export type Health = {
  status: "ok" | "unavailable";
  version: string;
  pocketbase: { reachable: boolean };
  search: { engine: "embedded" | "meilisearch" };
};
