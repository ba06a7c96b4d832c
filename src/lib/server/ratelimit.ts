// Rate limits for sign-in, sign-up, password reset and e-mail verification: they slow
// down password guessing and stop us from becoming a mail cannon.
//
// Token buckets kept in this process's memory. Casebook runs as one Node process next to
// PocketBase, so memory is the simplest correct store, and losing the counts on restart
// is harmless. Running several app processes (or containers) behind a load balancer would
// give each its own buckets and multiply the allowance: that setup needs a shared store
// (e.g. a PocketBase collection or Redis) behind the same interface.
//
// A bucket holds `limit` tokens and refills continuously at `limit` per `windowMs`, so a
// burst of `limit` is allowed, then one attempt per `windowMs / limit`. Unlike a fixed
// window, there is no boundary where 2 × limit attempts fit in a short time.

import { addressKey } from "./addresses.ts";

/** Most keys one limiter remembers before forgetting the least recently used. */
export const DEFAULT_MAX_KEYS = 50_000;

/** Creates an in-memory token-bucket limiter; `now` (milliseconds) is injectable for tests. */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { limit, windowMs } = options;
  if (!(Number.isInteger(limit) && limit > 0)) throw new RangeError(`limit must be a positive whole number, got ${limit}`);
  if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${windowMs}`);
  if (options.maxKeys !== undefined && !(options.maxKeys >= 1)) throw new RangeError(`maxKeys must be at least 1, got ${options.maxKeys}`);
  const now = options.now ?? (() => performance.now());
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  // Bookkeeping as in GCRA: instead of a token count, each key stores the time at which
  // its bucket will be full again ("full at"). One attempt pushes that time `interval`
  // further; an attempt is refused if that would put it more than `windowMs` ahead.
  // Working in milliseconds keeps Retry-After exact, where fractional tokens round badly.
  const interval = windowMs / limit;
  // Map iteration follows insertion order; re-inserting a key on every use makes the
  // first entry the least recently used, which is the one to evict.
  const fullAt = new Map<string, number>();
  let lastPrune = now();

  // A bucket that is full again is the same as no bucket, so it can go. Sweeping once per
  // window keeps the work per request constant on average.
  function prune(time: number) {
    for (const [key, full] of fullAt) if (full <= time) fullAt.delete(key);
    lastPrune = time;
  }

  return {
    consume(key) {
      const time = now();
      if (time - lastPrune >= windowMs) prune(time);
      const current = fullAt.get(key);
      const next = Math.max(current ?? time, time) + interval;
      if (current !== undefined && next - time > windowMs) {
        // Refused attempts take nothing: otherwise someone hammering a victim's account
        // would keep it locked for as long as they keep trying. They do count as use, so
        // the locked key is not the next one evicted.
        fullAt.delete(key);
        fullAt.set(key, current);
        const retryAfterSeconds = Math.max(1, Math.ceil((next - windowMs - time) / 1000));
        return { allowed: false, remaining: 0, retryAfterSeconds };
      }
      fullAt.delete(key);
      fullAt.set(key, next);
      while (fullAt.size > maxKeys) {
        const oldest = fullAt.keys().next().value;
        if (oldest === undefined) break;
        fullAt.delete(oldest);
      }
      // The epsilon absorbs float error when windowMs is not a multiple of limit.
      return { allowed: true, remaining: Math.floor((windowMs - (next - time)) / interval + 1e-9), retryAfterSeconds: 0 };
    },
    reset(key) {
      fullAt.delete(key);
    },
    size() {
      return fullAt.size;
    },
  };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

// Callers normalise account keys (trimmed, lower-cased e-mail, or the user id) so that
// "A@x.be" and "a@x.be" share a bucket.
/** The application's ready-made limiters, one per action and key kind. */
export const limits = {
  signUpPerIp: createRateLimiter({ limit: 5, windowMs: HOUR }),
  resetPerIp: createRateLimiter({ limit: 5, windowMs: HOUR }),
  resetPerAccount: createRateLimiter({ limit: 3, windowMs: HOUR }),
  verifyPerIp: createRateLimiter({ limit: 10, windowMs: HOUR }),
  verifyPerAccount: createRateLimiter({ limit: 5, windowMs: HOUR }),
} as const satisfies Record<string, RateLimiter>;

/** Consumes one attempt from every (limiter, key) pair; refused if any is exhausted, with the longest wait. */
export function checkLimits(entries: ReadonlyArray<readonly [RateLimiter, string]>): LimitCheck {
  // Every pair is consumed even after one refuses, so that attempts against a locked
  // account still count towards the per-IP limit.
  let retryAfterSeconds = 0;
  let allowed = true;
  for (const [limiter, key] of entries) {
    const result = limiter.consume(key);
    if (!result.allowed) {
      allowed = false;
      retryAfterSeconds = Math.max(retryAfterSeconds, result.retryAfterSeconds);
    }
  }
  return allowed ? { allowed: true } : { allowed: false, retryAfterSeconds };
}

/**
 * Creates the sign-in throttle (issue 9, finding 16). It counts failures only — a correct
 * password never costs anything — per (account, address): after `freeFailures` wrong
 * passwords from one address, that pair waits `baseDelayMs`, doubling with each further
 * failure up to `maxDelayMs`. Another address is not affected, so nobody can lock an owner
 * out by failing on purpose. Two wider brakes: an address that fails `addressFailures`
 * times per `addressWindowMs` across all accounts is stopped (credential stuffing), and once
 * an account collects `accountFailures` per `accountWindowMs` from everywhere, addresses
 * that already failed on it get no further try until it calms down — a distributed guesser
 * then has one try per address, while an address with no failures (the owner's) still
 * signs in. Addresses are keyed with addressKey (IPv6 per /64).
 */
export function createSignInThrottle(options: SignInThrottleOptions = {}): SignInThrottle {
  const now = options.now ?? (() => performance.now());
  const freeFailures = options.freeFailures ?? 5;
  const baseDelayMs = options.baseDelayMs ?? MINUTE;
  const maxDelayMs = options.maxDelayMs ?? HOUR;
  const forgetAfterMs = options.forgetAfterMs ?? 24 * HOUR;
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  const perAddress = createCounter(options.addressFailures ?? 30, options.addressWindowMs ?? 15 * MINUTE, now, maxKeys);
  const perAccount = createCounter(options.accountFailures ?? 50, options.accountWindowMs ?? HOUR, now, maxKeys);
  const pairs = new Map<string, { failures: number; lastFailure: number; blockedUntil: number }>();
  const pairKey = (account: string, address: string) => `${account}\n${addressKey(address)}`;

  function pair(key: string, time: number) {
    const state = pairs.get(key);
    if (state && time - state.lastFailure > forgetAfterMs) {
      pairs.delete(key);
      return undefined;
    }
    return state;
  }

  return {
    check(account, address) {
      const time = now();
      const state = pair(pairKey(account, address), time);
      const waits = [
        state && state.blockedUntil > time ? state.blockedUntil - time : 0,
        perAddress.waitMs(addressKey(address)),
        state && state.failures > 0 ? perAccount.waitMs(account) : 0,
      ];
      const wait = Math.max(...waits);
      return wait > 0 ? { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) } : { allowed: true };
    },
    recordFailure(account, address) {
      const time = now();
      const key = pairKey(account, address);
      const state = pair(key, time) ?? { failures: 0, lastFailure: time, blockedUntil: 0 };
      state.failures += 1;
      state.lastFailure = time;
      if (state.failures >= freeFailures) {
        state.blockedUntil = time + Math.min(maxDelayMs, baseDelayMs * 2 ** (state.failures - freeFailures));
      }
      pairs.delete(key);
      pairs.set(key, state);
      while (pairs.size > maxKeys) {
        const oldest = pairs.keys().next().value;
        if (oldest === undefined) break;
        pairs.delete(oldest);
      }
      perAddress.add(addressKey(address));
      perAccount.add(account);
    },
    recordSuccess(account, address) {
      // The owner proved themselves from here: this pair starts afresh. Nothing is counted.
      pairs.delete(pairKey(account, address));
    },
  };
}

// A leaky counter (GCRA, as in createRateLimiter) that can be asked without consuming:
// `waitMs` is how long until one more event fits; `add` records one event.
function createCounter(limit: number, windowMs: number, now: () => number, maxKeys: number) {
  const interval = windowMs / limit;
  const fullAt = new Map<string, number>();
  return {
    waitMs(key: string): number {
      const full = fullAt.get(key);
      if (full === undefined) return 0;
      const time = now();
      if (full <= time) {
        fullAt.delete(key);
        return 0;
      }
      return Math.max(0, full + interval - time - windowMs);
    },
    add(key: string): void {
      const time = now();
      const full = Math.min(Math.max(fullAt.get(key) ?? time, time) + interval, time + windowMs);
      fullAt.delete(key);
      fullAt.set(key, full);
      while (fullAt.size > maxKeys) {
        const oldest = fullAt.keys().next().value;
        if (oldest === undefined) break;
        fullAt.delete(oldest);
      }
    },
  };
}

/** The sign-in throttle of this process (in memory, like the limiters above). */
export const signInThrottle = createSignInThrottle();

/** Settings of the sign-in throttle; every number has a default (see createSignInThrottle). */
export type SignInThrottleOptions = {
  freeFailures?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  forgetAfterMs?: number;
  addressFailures?: number;
  addressWindowMs?: number;
  accountFailures?: number;
  accountWindowMs?: number;
  now?: () => number;
  maxKeys?: number;
};

/** Failure-counting sign-in throttle keyed by account and client address. */
export type SignInThrottle = {
  /** May this address try a password for this account now? Consumes nothing. */
  check(account: string, address: string): LimitCheck;
  /** Counts one wrong password (or unknown account) from this address. */
  recordFailure(account: string, address: string): void;
  /** Clears this pair's failures after a correct password; counts nothing. */
  recordSuccess(account: string, address: string): void;
};

/** Settings of one limiter: `limit` attempts per `windowMs`, refilled gradually. */
export type RateLimiterOptions = {
  limit: number;
  windowMs: number;
  /** Clock in milliseconds; defaults to a monotonic clock so wall-clock jumps don't matter. */
  now?: () => number;
  /** Most keys remembered; the least recently used is forgotten beyond it. */
  maxKeys?: number;
};

/** Outcome of one attempt; `retryAfterSeconds` is for the Retry-After header (0 when allowed). */
export type RateLimitResult = { allowed: boolean; remaining: number; retryAfterSeconds: number };

/** An in-memory limiter keyed by IP address, account or anything else. */
export type RateLimiter = {
  /** Takes one attempt for `key`, unless none is left. */
  consume(key: string): RateLimitResult;
  /** Forgets `key`, e.g. after a successful sign-in. */
  reset(key: string): void;
  /** Number of keys currently remembered. */
  size(): number;
};

/** Combined outcome of checkLimits. */
export type LimitCheck = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Names of the ready-made limiters. */
export type LimitName = keyof typeof limits;
