// Points the domain modules at the run's PocketBase, as a superuser.
import { inject } from "vitest";
import type PocketBase from "pocketbase";
import { connectAsSuperuser, setPocketBase } from "../../src/lib/server/pocketbase.ts";
import { TEST_SUPERUSER, startTestPocketBase } from "../helpers/pocketbase.ts";

/** Connects to the test PocketBase and makes it the app's shared client. */
export async function useTestPocketBase(): Promise<PocketBase> {
  const url = inject("pocketbaseUrl");
  process.env.POCKETBASE_URL = url;
  process.env.PB_SUPERUSER_EMAIL = TEST_SUPERUSER.email;
  process.env.PB_SUPERUSER_PASSWORD = TEST_SUPERUSER.password;
  process.env.CASEBOOK_SECRET ??= "integration-test-signing-secret-0123456789";
  // The run's own folder (removed by the global teardown), never a DATA_DIR from the environment.
  process.env.DATA_DIR = inject("dataDir");
  process.env.PUBLIC_URL ??= "http://127.0.0.1:4321";
  const pb = await connectAsSuperuser(url, TEST_SUPERUSER);
  setPocketBase(pb);
  return pb;
}

/**
 * Starts a PocketBase of this file's own (migrations applied, nothing else) and makes it the app's
 * client: for tests that drain a whole outbox or count rows, which on the run's shared PocketBase
 * would also meet every earlier file's rows (issue 10 §6). `stop` in afterAll.
 */
export async function useOwnPocketBase(): Promise<{ pb: PocketBase; stop: () => Promise<void> }> {
  const own = await startTestPocketBase();
  process.env.POCKETBASE_URL = own.url;
  process.env.PB_SUPERUSER_EMAIL = TEST_SUPERUSER.email;
  process.env.PB_SUPERUSER_PASSWORD = TEST_SUPERUSER.password;
  process.env.CASEBOOK_SECRET ??= "integration-test-signing-secret-0123456789";
  process.env.DATA_DIR = inject("dataDir");
  process.env.PUBLIC_URL ??= "http://127.0.0.1:4321";
  const pb = await connectAsSuperuser(own.url, TEST_SUPERUSER);
  setPocketBase(pb);
  return {
    pb,
    stop: async () => {
      await own.stop();
    },
  };
}

/** A short unique suffix so each test creates its own data. */
export function unique(prefix = "t"): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Creates a verified user directly in PocketBase (for tests that start signed up). */
export async function createUser(pb: PocketBase, overrides: Record<string, unknown> = {}): Promise<{ id: string; email: string; password: string }> {
  const email = `${unique("user")}@example.test`;
  const password = "a perfectly long passphrase 42";
  const record = await pb
    .collection("users")
    .create({ email, password, passwordConfirm: password, name: "Test Person", role: "member", locale: "en", verified: true, ...overrides });
  return { id: record.id, email: String(record.email), password };
}

/** Creates a verified organisation and gives the listed users active memberships. */
export async function createOrganization(
  pb: PocketBase,
  members: { userId: string; role: string }[] = [],
  overrides: Record<string, unknown> = {},
): Promise<{ id: string; slug: string; name: string }> {
  const slug = unique("org");
  const name = `Org ${slug}`;
  const org = await pb
    .collection("organizations")
    .create({ name, slug, kind: "hospital", region: "flanders", country: "BE", verified: true, verification_status: "verified", ...overrides });
  for (const m of members) await pb.collection("memberships").create({ user: m.userId, organization: org.id, role: m.role, status: "active" });
  return { id: org.id, slug: org.slug, name: org.name };
}
