// The world of the e2e and security projects: the built site on a free port, against a real
// PocketBase loaded with the demo content (as a visitor or an attacker finds `npm start`).
import type { TestProject } from "vitest/node";
import { seedDemo } from "../../scripts/lib/seed.ts";
import { connectAsSuperuser } from "../../src/lib/server/pocketbase.ts";
import { TEST_SUPERUSER, startTestPocketBase } from "./pocketbase.ts";
import { buildIfStale, startSite } from "./site.ts";
import { startSmtpDrop } from "./smtp-drop.ts";

/**
 * Starts PocketBase with the demo data and the site, provides their addresses to the tests, and returns the teardown.
 * With `mailOverSmtp`, the site sends its mail over SMTP to a sink that files it where the .eml drop would be (issue 13 §7).
 */
export async function startDemoWorld(
  project: TestProject,
  env: Record<string, string>,
  options: { mailOverSmtp?: boolean } = {},
): Promise<() => Promise<void>> {
  const [pb] = await Promise.all([startTestPocketBase(), buildIfStale()]);
  await seedDemo(await connectAsSuperuser(pb.url, TEST_SUPERUSER));
  const smtp = options.mailOverSmtp ? await startSmtpDrop(pb.dataDir) : undefined;
  const site = await startSite({
    ...(smtp ? { SMTP_URL: smtp.url } : {}),
    POCKETBASE_URL: pb.url,
    PB_SUPERUSER_EMAIL: TEST_SUPERUSER.email,
    PB_SUPERUSER_PASSWORD: TEST_SUPERUSER.password,
    DATA_DIR: pb.dataDir,
    NODE_ENV: "production",
    ...env,
  });
  project.provide("baseUrl", site.baseUrl);
  project.provide("pocketbaseUrl", pb.url);
  project.provide("pocketbaseBin", pb.bin);
  project.provide("dataDir", pb.dataDir);
  project.provide("sitePid", site.child.pid ?? 0);
  return async () => {
    await site.stop();
    await smtp?.stop();
    await pb.stop();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    sitePid: number;
  }
}
