// The security suite's world: the built site on a free port, against a real PocketBase
// loaded with the demo content (as an attacker would find `npm start`).
import type { TestProject } from "vitest/node";
import { connectAsSuperuser } from "../../src/lib/server/pocketbase.ts";
import { seedDemo } from "../../scripts/lib/seed.ts";
import { TEST_SUPERUSER, startTestPocketBase } from "../helpers/pocketbase.ts";
import { buildIfStale, startSite } from "../helpers/site.ts";

export default async function setup(project: TestProject) {
  const [pb] = await Promise.all([startTestPocketBase(), buildIfStale()]);
  await seedDemo(await connectAsSuperuser(pb.url, TEST_SUPERUSER));
  const site = await startSite({
    POCKETBASE_URL: pb.url,
    PB_SUPERUSER_EMAIL: TEST_SUPERUSER.email,
    PB_SUPERUSER_PASSWORD: TEST_SUPERUSER.password,
    DATA_DIR: pb.dataDir,
    CASEBOOK_SECRET: "security-test-signing-secret-0123456789abcdef",
    NODE_ENV: "production",
    // The test client plays a reverse proxy: X-Forwarded-For from loopback is believed, so
    // scenarios can come "from" distinct addresses (issue 9, #16 and #20).
    TRUSTED_PROXIES: "127.0.0.1,::1",
  });
  project.provide("baseUrl", site.baseUrl);
  project.provide("pocketbaseUrl", pb.url);
  project.provide("pocketbaseBin", pb.bin);
  project.provide("dataDir", pb.dataDir);
  project.provide("sitePid", site.child.pid ?? 0);
  return async () => {
    await site.stop();
    await pb.stop();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    sitePid: number;
  }
}
