// Global setup of the unit project: a Meilisearch for the Meilisearch half of the search
// contract, found as `npm start` finds one (scripts/lib/meilisearch-process.ts). A binary is
// started on a free loopback port with a temporary data folder and a generated master key,
// and stopped (its folder removed) after the run. Without one, the tests say why they skip.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { freePort } from "../../scripts/lib/pocketbase-process.ts";
import { locateMeilisearch, newMasterKey, startMeilisearch } from "../../scripts/lib/meilisearch-process.ts";

export default async function setup(project: TestProject) {
  return provideMeilisearch(project);
}

/** Finds or starts a Meilisearch and provides it as `meili` (or why there is none); returns the teardown. */
export async function provideMeilisearch(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const source = locateMeilisearch();
  if (source.kind === "none") {
    project.provide("meili", { skip: source.reason });
    return;
  }
  if (source.kind === "url") {
    project.provide("meili", { url: source.url, apiKey: source.apiKey, origin: `MEILI_URL=${source.url}` });
    return;
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "casebook-test-meili-"));
  const running = await startMeilisearch({ bin: source.bin, dataDir, port: await freePort(), masterKey: newMasterKey() });
  console.log(`[meilisearch] ${source.bin} started on ${running.url} for this run`);
  project.provide("meili", { url: running.url, apiKey: running.masterKey, origin: source.bin });
  return async () => {
    await running.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}

/** What the Meilisearch half of a suite runs against, or why it is skipped. */
export type ProvidedMeili = { url: string; apiKey?: string; origin: string } | { skip: string };

declare module "vitest" {
  export interface ProvidedContext {
    meili: ProvidedMeili;
  }
}
