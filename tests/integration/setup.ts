// Points the domain modules at the run's PocketBase, as a superuser.
import { inject } from "vitest";
import type PocketBase from "pocketbase";
import { connectAsSuperuser, setPocketBase } from "../../src/lib/server/pocketbase.ts";
import { TEST_SUPERUSER } from "../helpers/pocketbase.ts";

/** Connects to the test PocketBase and makes it the app's shared client. */
export async function useTestPocketBase(): Promise<PocketBase> {
  const url = inject("pocketbaseUrl");
  process.env.POCKETBASE_URL = url;
  process.env.PB_SUPERUSER_EMAIL = TEST_SUPERUSER.email;
  process.env.PB_SUPERUSER_PASSWORD = TEST_SUPERUSER.password;
  const pb = await connectAsSuperuser(url, TEST_SUPERUSER);
  setPocketBase(pb);
  return pb;
}

/** A short unique suffix so each test creates its own data. */
export function unique(prefix = "t"): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
