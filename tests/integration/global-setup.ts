// One real PocketBase for the whole integration run (DESIGN.md §7), and one DATA_DIR for the
// files the domain writes (mail drop with live links, search snapshots), both removed at the end.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startTestPocketBase } from "../helpers/pocketbase.ts";
import { provideMeilisearch } from "../helpers/meili-setup.ts";

export default async function setup(project: TestProject) {
  const pb = await startTestPocketBase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "casebook-it-data-"));
  project.provide("pocketbaseUrl", pb.url);
  project.provide("pocketbaseBin", pb.bin);
  project.provide("dataDir", dataDir);
  // CASEBOOK_TEST_ENGINE=meilisearch runs the search-backed integration tests on a real
  // Meilisearch (search-helpers.ts useTestSearch); without one that run cannot mean anything.
  let stopMeili: (() => Promise<void>) | undefined;
  if (process.env.CASEBOOK_TEST_ENGINE === "meilisearch") {
    stopMeili = await provideMeilisearch(project);
    const meili = project.getProvidedContext().meili;
    if (meili && "skip" in meili) throw new Error(`CASEBOOK_TEST_ENGINE=meilisearch, but ${meili.skip}`);
  }
  return async () => {
    await stopMeili?.();
    await pb.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    pocketbaseUrl: string;
    pocketbaseBin: string;
    baseUrl: string;
    dataDir: string;
  }
}
