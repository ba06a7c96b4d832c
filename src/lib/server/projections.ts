// Public projections (issue 15 §2): what public pages read from PocketBase (a published post, the
// home page's lists, a facet page, the insights aggregates) is kept in this process until
// something public changes, so a page does not wait on PocketBase for what has not changed.
//
// Invalidation is by events, never by time:
// - a write this process sends to PocketBase (pocketbase.ts's write hook) clears the cache as its
//   answer arrives, before the domain function that wrote returns: the moderator who hides a post
//   and every visitor after them see it gone at once;
// - writes by other processes (other site processes, scripts, the PocketBase dashboard) arrive
//   through PocketBase's realtime subscriptions, one per collection that public pages read.
// While the realtime connection is not established (PocketBase down, before the first connect,
// after a disconnect) nothing is cached: a missed event must never leave a stale page.
//
// The cache holds public data only (what an anonymous visitor may see); values are frozen so
// that no page can change what the next visitor gets.
import { randomUUID } from "node:crypto";
import { EventSource } from "eventsource";
import PocketBase from "pocketbase";
import { getConfig, getSuperuserCredentials } from "./config.ts";
import { SHUTDOWN_ORDER, onShutdown } from "./shutdown.ts";

/** Most projections kept at once (least recently used go first). */
export const MAX_PROJECTIONS = 1000;
// How often a process without a live subscription tries to (re)establish it.
const RETRY_MS = 5000;

/**
 * Collections that no public page reads: writes to them (sessions, counters, outboxes, private
 * workflow) must not empty the cache, or every sign-in and drain would. Anything else
 * (including a collection added later) invalidates.
 */
export const PRIVATE_COLLECTIONS: ReadonlySet<string> = new Set([
  "sessions",
  "rate_limits",
  "leases",
  "search_outbox",
  "mail_outbox",
  "mail_preferences",
  "notifications",
  "digest_runs",
  "moderation_events",
  "flags",
  "follows",
  "follow_settings",
  "invitations",
  "preparation_messages",
  "revisions",
]);

/** True when a write to `collection` may change what a public page shows. */
export function isPublicCollection(collection: string): boolean {
  return !collection.startsWith("_") && !PRIVATE_COLLECTIONS.has(collection);
}

type Entry = { version: number; value: Promise<unknown> };
type State = {
  /** Bumped by every invalidation; part of page ETags. */
  version: number;
  /** Random per process start, so versions of two starts never compare equal. */
  boot: string;
  changedAt: number;
  live: boolean;
  entries: Map<string, Entry>;
  /** Invalidations by cause: this process's writes, realtime events, (re)connections. */
  counts: { hit: number; miss: number; bypass: number; writes: number; events: number; connections: number };
  realtime: { client: PocketBase | null; timer: NodeJS.Timeout | null; starting: Promise<void> | null; stopped: boolean };
};

const STATE = Symbol.for("casebook.projections");
const holder = globalThis as { [STATE]?: State };
// On globalThis: Astro may evaluate this module more than once, and all must share one cache.
holder[STATE] ??= {
  version: 0,
  boot: randomUUID().slice(0, 8),
  changedAt: Date.now(),
  live: false,
  entries: new Map(),
  counts: { hit: 0, miss: 0, bypass: 0, writes: 0, events: 0, connections: 0 },
  realtime: { client: null, timer: null, starting: null, stopped: false },
};
const state = holder[STATE];

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    // A frozen Map can still be changed through set(): its values at least are frozen.
    if (value instanceof Map) for (const item of value.values()) deepFreeze(item);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/**
 * The public projection named `key`, from the cache when nothing public changed since it was
 * loaded, else from `load()` (concurrent misses share one load; a failed load is not kept).
 * The value is frozen: callers must copy before changing it.
 */
export function projection<T>(key: string, load: () => Promise<T>): Promise<T> {
  if (!state.live) {
    state.counts.bypass++;
    return load();
  }
  const found = state.entries.get(key);
  if (found && found.version === state.version) {
    state.counts.hit++;
    // Map order is the recency order: move to the end.
    state.entries.delete(key);
    state.entries.set(key, found);
    return found.value as Promise<T>;
  }
  state.counts.miss++;
  const entry: Entry = { version: state.version, value: load().then(deepFreeze) };
  state.entries.set(key, entry);
  entry.value.catch(() => {
    if (state.entries.get(key) === entry) state.entries.delete(key);
  });
  while (state.entries.size > MAX_PROJECTIONS) state.entries.delete(state.entries.keys().next().value!);
  return entry.value as Promise<T>;
}

/** Forgets every projection: something public changed (or may have), through a write of this process, a realtime event or a (re)connection. */
export function invalidateProjections(cause: "writes" | "events" | "connections"): void {
  state.version++;
  state.changedAt = Date.now();
  state.counts[cause]++;
  state.entries.clear();
}

/** Called for each write this process sends to PocketBase; clears the cache when it touches a public collection. */
export function noteWrite(collections: readonly string[]): void {
  if (collections.some(isPublicCollection)) invalidateProjections("writes");
}

/** The current version of public content in this process: changes with every invalidation; null while not caching. */
export function projectionVersion(): { tag: string; changedAt: Date } | null {
  return state.live ? { tag: `${state.boot}.${state.version}`, changedAt: new Date(state.changedAt) } : null;
}

/** Cache figures since the process started: hits, misses, loads while not caching, invalidations by cause. */
export function projectionCounts(): State["counts"] & { entries: number; live: boolean } {
  return { ...state.counts, entries: state.entries.size, live: state.live };
}

function setLive(live: boolean): void {
  // Either way the entries go: before going live nothing was watched, after a disconnect
  // events may have been missed.
  state.live = live;
  invalidateProjections("connections");
}

/**
 * Subscribes to PocketBase's realtime events of every public collection (once per process) and
 * keeps trying while the subscription is down. Until it is up, projection() does not cache.
 */
export function startProjectionInvalidation(): void {
  const rt = state.realtime;
  if (rt.timer || rt.stopped) return;
  // CASEBOOK_PROJECTION_CACHE=off: every page reads PocketBase (the test suites' default: their
  // fixtures write to PocketBase from outside the site, whose events arrive a moment later).
  if (process.env.CASEBOOK_PROJECTION_CACHE === "off") {
    rt.stopped = true;
    return;
  }
  const attempt = () => {
    if (state.live || rt.starting || rt.stopped) return;
    rt.starting = subscribe()
      .catch(() => {
        // PocketBase not reachable yet: the timer tries again; nothing is cached meanwhile.
      })
      .finally(() => {
        rt.starting = null;
      });
  };
  rt.timer = setInterval(attempt, RETRY_MS);
  rt.timer.unref();
  attempt();
  onShutdown("projection cache", SHUTDOWN_ORDER.workers, stopProjectionInvalidation);
}

/** Stops listening to PocketBase and stops caching (shutdown, tests). */
export async function stopProjectionInvalidation(): Promise<void> {
  const rt = state.realtime;
  rt.stopped = true;
  if (rt.timer) clearInterval(rt.timer);
  rt.timer = null;
  await rt.starting;
  const client = rt.client;
  rt.client = null;
  if (state.live) setLive(false);
  await client?.realtime.unsubscribe().catch(() => undefined);
}

/** Lets startProjectionInvalidation() run again after a stop (tests). */
export function resetProjectionsForTests(): void {
  state.realtime.stopped = false;
  state.counts = { hit: 0, miss: 0, bypass: 0, writes: 0, events: 0, connections: 0 };
}

async function subscribe(): Promise<void> {
  // The PocketBase SDK opens its realtime connection with the global EventSource, which Node lacks.
  (globalThis as { EventSource?: unknown }).EventSource ??= EventSource;
  const rt = state.realtime;
  await rt.client?.realtime.unsubscribe().catch(() => undefined);
  const config = getConfig();
  // A client of its own: the shared one is replaced when its token runs out, which would drop the subscriptions.
  const client = new PocketBase(config.pocketbaseUrl);
  client.autoCancellation(false);
  const credentials = getSuperuserCredentials(config);
  await client.collection("_superusers").authWithPassword(credentials.email, credentials.password);
  // Views have no writes of their own (their tables' events cover them).
  const collections = (await client.collections.getFullList({ fields: "name,type" }))
    .filter((c) => c.type !== "view")
    .map((c) => c.name as string)
    .filter(isPublicCollection);
  rt.client = client;
  client.realtime.onDisconnect = () => {
    if (rt.client !== client) return;
    if (state.live) setLive(false);
  };
  for (const name of collections) await client.collection(name).subscribe("*", () => invalidateProjections("events"));
  // Fires after every (re)connect once the subscriptions are sent again (the SDK reconnects by itself).
  await client.realtime.subscribe("PB_CONNECT", () => {
    if (rt.client === client && !rt.stopped) setLive(true);
  });
  if (rt.stopped) {
    await client.realtime.unsubscribe().catch(() => undefined);
    return;
  }
  setLive(true);
}
