// The rate limits with their counts in PocketBase (issue 16 §7), for several site processes:
// with CASEBOOK_RATE_LIMITS=pocketbase every process books attempts in the same rows, so a
// guesser gets the same allowance however the load balancer spreads their requests. The
// arithmetic is ratelimit.ts's own (bucketConsume, counterAdd, pairAfterFailure,
// signInVerdict); only where the numbers live differs. One site process keeps the in-memory
// limiters (no PocketBase request per attempt).
//
// The atomic increment: a key's state is changed by creating its next version under a unique
// index (rate_limits: key, version). Of two processes changing a key at once, one creates the
// version and the other is refused, reads the new state and books again on top of it, so no
// attempt is lost. Superseded versions are deleted only once they are KEEP_MS old, and a write
// that returns more than STALE_READ_MS after its read books again: see update() for why that
// keeps a slow process from recreating a deleted version on a stale count. Keys are HMACs
// under the app secret: the table holds no address or e-mail.
import { createHmac } from "node:crypto";
import type { RecordModel } from "pocketbase";
import { addressKey } from "./addresses.ts";
import { now as clockNow } from "./clock.ts";
import { getAppSecret, getConfig } from "./config.ts";
import { getPocketBase } from "./pocketbase.ts";
import {
  type AnyRateLimiter,
  LIMIT_SETTINGS,
  type LimitCheck,
  type PairState,
  type RateLimitResult,
  type SignInThrottleOptions,
  bucketConsume,
  counterAdd,
  counterWaitMs,
  pairAfterFailure,
  signInSettings,
  signInThrottle as memorySignInThrottle,
  limits as memoryLimits,
  signInVerdict,
} from "./ratelimit.ts";

/** The limiters the site books with: this process's memory, or PocketBase when CASEBOOK_RATE_LIMITS=pocketbase. */
export type SiteLimits = {
  signUpPerIp: AnyRateLimiter;
  resetPerIp: AnyRateLimiter;
  resetPerAccount: AnyRateLimiter;
  verifyPerIp: AnyRateLimiter;
  verifyPerAccount: AnyRateLimiter;
  signIn: {
    check(account: string, address: string): LimitCheck | Promise<LimitCheck>;
    recordFailure(account: string, address: string): void | Promise<void>;
    recordSuccess(account: string, address: string): void | Promise<void>;
  };
};

let shared: SiteLimits | undefined;

/** The site's limiters for this process's configuration (the same limits either way: ratelimit.ts `limits`). */
export function siteLimits(): SiteLimits {
  if (getConfig().rateLimits === "memory") return { ...memoryLimits, signIn: memorySignInThrottle };
  shared ??= {
    ...(Object.fromEntries(Object.entries(LIMIT_SETTINGS).map(([name, settings]) => [name, createSharedRateLimiter(name, settings)])) as {
      [K in keyof typeof LIMIT_SETTINGS]: SharedRateLimiter;
    }),
    signIn: createSharedSignInThrottle(),
  };
  return shared;
}

/** Attempts to write a key's next version before giving up (each retry means another process just wrote it). */
const MAX_RETRIES = 30;
/** How long a superseded or expired row is kept before it may be deleted. */
const KEEP_MS = 10 * 60_000;
/** A write returning later than this after its read is booked again (far inside KEEP_MS, whatever the clocks' skew). */
const STALE_READ_MS = 30_000;
/** Tests only: runs between an attempt's read and its write, standing for a slow process. */
type PauseBeforeWrite = () => Promise<void>;

/** A limiter whose buckets live in PocketBase; the same answers as createRateLimiter's. */
export type SharedRateLimiter = { consume(key: string): Promise<RateLimitResult> };
/** The sign-in throttle with its counts in PocketBase; the same answers as createSignInThrottle's. */
export type SharedSignInThrottle = {
  check(account: string, address: string): Promise<LimitCheck>;
  recordFailure(account: string, address: string): Promise<void>;
  recordSuccess(account: string, address: string): Promise<void>;
};

/** A token bucket named `name` (part of every key) with `limit` attempts per `windowMs`, shared by every process. */
export function createSharedRateLimiter(
  name: string,
  options: { limit: number; windowMs: number; now?: () => number; pauseBeforeWrite?: PauseBeforeWrite },
): SharedRateLimiter {
  const now = options.now ?? clockNow;
  return {
    async consume(key) {
      let result: RateLimitResult | undefined;
      try {
        await update(
          `bucket\n${name}\n${key}`,
          (fullAt: number | undefined) => {
            const time = now();
            const booked = bucketConsume(fullAt !== undefined && fullAt > time ? fullAt : undefined, time, options.limit, options.windowMs);
            result = booked.result;
            return { state: booked.fullAt, expires: booked.fullAt };
          },
          options.pauseBeforeWrite,
        );
      } catch (error) {
        // So many processes booking this key at once is itself a burst: refuse rather than let it through uncounted.
        if (error instanceof ContentionError) return { allowed: false, remaining: 0, retryAfterSeconds: 1 };
        throw error;
      }
      return result!;
    },
  };
}

/** The sign-in throttle (ratelimit.ts createSignInThrottle) over PocketBase, for several processes. */
export function createSharedSignInThrottle(options: SignInThrottleOptions = {}): SharedSignInThrottle {
  const now = options.now ?? clockNow;
  const settings = signInSettings(options);
  const pairKey = (account: string, address: string) => `signin-pair\n${account}\n${addressKey(address)}`;
  const addressCounter = (address: string) => `signin-address\n${addressKey(address)}`;
  const accountCounter = (account: string) => `signin-account\n${account}`;
  const live = (state: PairState | undefined, time: number) => (state && time - state.lastFailure <= settings.forgetAfterMs ? state : undefined);
  return {
    async check(account, address) {
      const time = now();
      const [pair, byAddress, byAccount] = await readMany<[PairState, number, number]>([
        pairKey(account, address),
        addressCounter(address),
        accountCounter(account),
      ]);
      return signInVerdict(
        live(pair, time),
        time,
        counterWaitMs(byAddress, time, settings.addressFailures, settings.addressWindowMs),
        counterWaitMs(byAccount, time, settings.accountFailures, settings.accountWindowMs),
      );
    },
    async recordFailure(account, address) {
      await update(pairKey(account, address), (state: PairState | undefined) => {
        const time = now();
        const next = pairAfterFailure(live(state, time), time, settings);
        return { state: next, expires: time + settings.forgetAfterMs };
      });
      await update(addressCounter(address), (fullAt: number | undefined) => {
        const next = counterAdd(fullAt, now(), settings.addressFailures, settings.addressWindowMs);
        return { state: next, expires: next };
      });
      await update(accountCounter(account), (fullAt: number | undefined) => {
        const next = counterAdd(fullAt, now(), settings.accountFailures, settings.accountWindowMs);
        return { state: next, expires: next };
      });
    },
    async recordSuccess(account, address) {
      // The owner proved themselves from here: the pair starts afresh (an expired row says nothing).
      await update(pairKey(account, address), () => ({ state: null, expires: now() }));
    },
  };
}

// The HMAC of a key under the app secret: rows cannot be matched to an address or account
// by someone who reads the table without the secret.
function hashKey(key: string): string {
  return createHmac("sha256", getAppSecret()).update(`rate-limit\n${key}`).digest("hex");
}

type Row = RecordModel & { key: string; version: number; state: unknown; expires: string };

async function latest(hashed: string): Promise<Row | undefined> {
  const pb = await getPocketBase();
  const page = await pb.collection("rate_limits").getList(1, 1, {
    filter: pb.filter("key = {:key}", { key: hashed }),
    sort: "-version",
    fields: "id,key,version,state,expires",
    skipTotal: true,
  });
  return page.items[0] as Row | undefined;
}

// The states of several keys in one request (undefined for a key without a live row).
async function readMany<T extends unknown[]>(keys: string[]): Promise<{ [K in keyof T]: T[K] | undefined }> {
  const pb = await getPocketBase();
  const hashed = keys.map(hashKey);
  const params: Record<string, string> = Object.fromEntries(hashed.map((h, i) => [`k${i}`, h]));
  const rows = (await pb.collection("rate_limits").getFullList({
    filter: pb.filter(hashed.map((_, i) => `key = {:k${i}}`).join(" || "), params),
    sort: "-version",
    fields: "key,version,state,expires",
  })) as Row[];
  const time = clockNow();
  return hashed.map((h) => {
    const row = rows.find((r) => r.key === h);
    return row && Date.parse(row.expires) > time ? (row.state ?? undefined) : undefined;
  }) as { [K in keyof T]: T[K] | undefined };
}

/**
 * Changes one key's state: `change` gets the current state (undefined when none or expired)
 * and returns the next one and when it stops mattering. Retried on top of another process's
 * write when that process wrote the same version first.
 *
 * Why a write that succeeds was booked on the latest state: say this attempt read version v
 * (or none) at time t. Any later version v+1 was created after t, and rows are deleted only
 * once KEEP_MS old (forget), so until t + KEEP_MS the unique index refuses this attempt's
 * v+1 whenever another process wrote one. The attempt's write returned before
 * t + STALE_READ_MS, or it books again on what it reads then (counting the attempt twice at
 * worst, never letting one through uncounted).
 */
async function update<S>(
  key: string,
  change: (state: S | undefined) => { state: S | null; expires: number },
  pauseBeforeWrite?: PauseBeforeWrite,
): Promise<void> {
  const pb = await getPocketBase();
  const hashed = hashKey(key);
  for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
    // Another process wrote first: wait a little (longer each time, with jitter) before reading again.
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (attempt + 1)));
    // Date.now, not the domain clock: this is about real elapsed time, as PocketBase's `created` is.
    const readAt = Date.now();
    const current = await latest(hashed);
    const live = current && Date.parse(current.expires) > clockNow() ? ((current.state ?? undefined) as S | undefined) : undefined;
    const next = change(live);
    const version = current ? current.version + 1 : 0;
    await pauseBeforeWrite?.();
    try {
      await pb.collection("rate_limits").create({ key: hashed, version, state: next.state, expires: new Date(next.expires).toISOString() });
    } catch (error) {
      // The unique index refused the version: another process booked first. Read and book again.
      const winner = await latest(hashed);
      if (winner && winner.version >= version) continue;
      throw error;
    }
    if (Date.now() - readAt > STALE_READ_MS) continue;
    if (current) await forget(hashed, version);
    return;
  }
  throw new ContentionError(`rate limit ${hashed.slice(0, 8)}…: written by others ${MAX_RETRIES} times in a row`);
}

/** A key changed by so many processes at once that this one could not book its attempt. */
class ContentionError extends Error {}

// Earlier versions of a key, and rows of any key that no longer say anything, are deleted once
// KEEP_MS old (update() says why they are kept that long); best effort (another process may
// have deleted them first).
async function forget(hashed: string, version: number): Promise<void> {
  try {
    const pb = await getPocketBase();
    const old = await pb.collection("rate_limits").getList(1, 50, {
      filter: pb.filter("(key = {:key} && version < {:version} && created < {:kept}) || expires < {:cutoff}", {
        key: hashed,
        version,
        kept: new Date(Date.now() - KEEP_MS),
        cutoff: new Date(clockNow() - KEEP_MS),
      }),
      fields: "id",
      skipTotal: true,
    });
    if (old.items.length === 0) return;
    const batch = pb.createBatch();
    for (const row of old.items) batch.collection("rate_limits").delete(row.id);
    await batch.send();
  } catch {
    // Deleted by another process already, or PocketBase busy: the next write tries again.
  }
}
