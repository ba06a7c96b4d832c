// One real PocketBase for the whole integration run (DESIGN.md §7).
import type { TestProject } from "vitest/node";
import { startTestPocketBase } from "../helpers/pocketbase.ts";

export default async function setup(project: TestProject) {
  const pb = await startTestPocketBase();
  project.provide("pocketbaseUrl", pb.url);
  project.provide("pocketbaseBin", pb.bin);
  return async () => {
    await pb.stop();
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
