// The one seam to PocketBase. The app talks to it as a superuser over loopback; every
// collection rule is superuser-only (DESIGN.md §1).
import PocketBase from "pocketbase";
import type { SendOptions } from "pocketbase";
import { getConfig, getSuperuserCredentials } from "./config.ts";
import { noteWrite } from "./projections.ts";
import { recordPocketBaseRequest } from "./observability.ts";

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
      client = watchWrites(await connectAsSuperuser(config.pocketbaseUrl, getSuperuserCredentials(config)));
    })().finally(() => {
      authenticating = undefined;
    });
  }
  await authenticating;
  return client!;
}

/** Replaces the shared client (tests point the domain at their own PocketBase). */
export function setPocketBase(pb: PocketBase): void {
  client = watchWrites(pb);
}

const COLLECTION_PATH = /\/api\/collections\/([^/?]+)\/records/;

/** The collections a request to PocketBase writes to: none for reads; a batch's from its requests. */
export function writtenCollections(url: string, options: Pick<SendOptions, "method" | "body">): string[] {
  const method = (options.method ?? "GET").toUpperCase();
  if (method === "GET" || method === "HEAD") return [];
  if (/\/api\/batch(\?|$)/.test(url)) {
    const requests = batchRequests(options.body);
    // A batch whose body cannot be read could write anything: count it as a write everywhere.
    if (!Array.isArray(requests)) return ["*"];
    return requests.map((r) => COLLECTION_PATH.exec(r.url ?? "")?.[1] ?? "*");
  }
  // Record writes only: auth flows (auth-with-password and the like) are POSTs outside /records.
  const name = COLLECTION_PATH.exec(url)?.[1];
  if (name) return [decodeURIComponent(name)];
  return [];
}

// The SDK sends a batch as FormData whose "@jsonPayload" field holds {requests: [{method, url, body}]}.
function batchRequests(body: unknown): { url?: string }[] | undefined {
  try {
    const payload = body instanceof FormData ? JSON.parse(String(body.get("@jsonPayload"))) : body;
    return (payload as { requests?: { url?: string }[] } | undefined)?.requests;
  } catch {
    return undefined;
  }
}

// Every write the site sends tells the projection cache (projections.ts) once PocketBase has
// answered, so the writer's next page and every visitor's already see the change.
function watchWrites(pb: PocketBase): PocketBase {
  // The SDK types the hook as an overload of a 2- and a 3-argument function; it always passes the options.
  const afterSend = (response: Response, data: unknown, options?: SendOptions) => {
    if (response.ok) noteWrite(writtenCollections(response.url, options ?? {}));
    return data;
  };
  pb.afterSend = afterSend as NonNullable<PocketBase["afterSend"]>;
  pb.beforeSend = (url, options) => {
    recordPocketBaseRequest(options.method ?? "GET");
    return { url, options };
  };
  return pb;
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
