// Starts a throwaway PocketBase (temp dir, free port, migrations applied) for test runs.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ensurePocketBaseBinary } from "../../scripts/lib/pocketbase-binary.ts";
import { freePort, migrateUp, startPocketBase, upsertSuperuser } from "../../scripts/lib/pocketbase-process.ts";

/** Credentials of the superuser every test PocketBase gets. */
export const TEST_SUPERUSER = { email: "superuser@casebook.test", password: "test-superuser-password" };

/** Starts a fresh PocketBase and returns how to reach and stop it. */
export async function startTestPocketBase(): Promise<{ url: string; bin: string; dataDir: string; stop: () => Promise<void> }> {
  const bin = await ensurePocketBaseBinary((line) => console.log(`[pocketbase] ${line}`));
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "casebook-test-pb-"));
  await migrateUp(bin, dataDir);
  await upsertSuperuser(bin, dataDir, TEST_SUPERUSER.email, TEST_SUPERUSER.password);
  const running = await startPocketBase({ bin, dataDir, port: await freePort() });
  return {
    url: running.url,
    bin,
    dataDir,
    async stop() {
      await running.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
