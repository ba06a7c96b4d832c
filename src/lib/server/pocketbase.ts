// The one seam to PocketBase. The app talks to it as a superuser over loopback; every
// collection rule is superuser-only (DESIGN.md §1).
import PocketBase from "pocketbase";
import { getConfig, getSuperuserCredentials } from "./config.ts";

let client: PocketBase | undefined;
let authenticating: Promise<void> | undefined;

/** Creates a superuser-authenticated client for the given PocketBase (scripts and tests). */
export async function connectAsSuperuser(url: string, credentials: { email: string; password: string }): Promise<PocketBase> {
  const pb = new PocketBase(url);
  // Server-side: concurrent requests for different visitors must never cancel each other.
  pb.autoCancellation(false);
  await pb.collection("_superusers").authWithPassword(credentials.email, credentials.password);
  return pb;
}

/** The shared superuser client of this server process, (re)authenticated when needed. */
export async function getPocketBase(): Promise<PocketBase> {
  if (client && client.authStore.isValid) return client;
  if (!authenticating) {
    authenticating = (async () => {
      const config = getConfig();
      client = await connectAsSuperuser(config.pocketbaseUrl, getSuperuserCredentials(config));
    })().finally(() => {
      authenticating = undefined;
    });
  }
  await authenticating;
  return client!;
}

/** Replaces the shared client (tests point the domain at their own PocketBase). */
export function setPocketBase(pb: PocketBase): void {
  client = pb;
}

/** A fresh, unauthenticated client: for password checks, which must never touch the shared one. */
export function createThrowawayClient(): PocketBase {
  const pb = new PocketBase(getConfig().pocketbaseUrl);
  pb.autoCancellation(false);
  return pb;
}

/** True when PocketBase answers its health endpoint. */
export async function isPocketBaseHealthy(url = getConfig().pocketbaseUrl): Promise<boolean> {
  try {
    const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** True when the error is PocketBase's 404 (a record that does not exist). */
export function isNotFound(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { status?: number }).status === 404;
}
