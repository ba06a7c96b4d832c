// Rate limits for sign-in, sign-up, password reset and e-mail verification: they slow
// down password guessing and stop us from becoming a mail cannon.
//
// Token buckets kept in this process's memory. One site process next to PocketBase is the
// default, where memory is the simplest correct store and losing the counts on restart is
// harmless. Several site processes behind a load balancer would each have their own buckets
// and multiply the allowance: they run with CASEBOOK_RATE_LIMITS=pocketbase, which books with
// the same arithmetic (the pure functions below) into PocketBase (sharedlimits.ts).
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
      const { result, fullAt: next } = bucketConsume(fullAt.get(key), time, limit, windowMs);
      // A refused attempt counts as use too, so the locked key is not the next one evicted.
      fullAt.delete(key);
      fullAt.set(key, next);
      while (fullAt.size > maxKeys) {
        const oldest = fullAt.keys().next().value;
        if (oldest === undefined) break;
        fullAt.delete(oldest);
      }
      return result;
    },
    reset(key) {
      fullAt.delete(key);
    },
    size() {
      return fullAt.size;
    },
  };
}

/**
 * One attempt on a token bucket, as GCRA books it: instead of a token count, a key stores the
 * time at which its bucket is full again (`fullAt`, undefined when full). One attempt pushes
 * that time `windowMs / limit` further; it is refused if that would put it more than `windowMs`
 * ahead. Milliseconds keep Retry-After exact, where fractional tokens round badly. Pure: the
 * in-memory limiter and the shared one (sharedlimits.ts) both book with it.
 */
export function bucketConsume(fullAt: number | undefined, time: number, limit: number, windowMs: number): { result: RateLimitResult; fullAt: number } {
  const interval = windowMs / limit;
  const next = Math.max(fullAt ?? time, time) + interval;
  if (fullAt !== undefined && next - time > windowMs) {
    // Refused attempts take nothing: otherwise someone hammering a victim's account would
    // keep it locked for as long as they keep trying.
    const retryAfterSeconds = Math.max(1, Math.ceil((next - windowMs - time) / 1000));
    return { result: { allowed: false, remaining: 0, retryAfterSeconds }, fullAt };
  }
  // The epsilon absorbs float error when windowMs is not a multiple of limit.
  return { result: { allowed: true, remaining: Math.floor((windowMs - (next - time)) / interval + 1e-9), retryAfterSeconds: 0 }, fullAt: next };
}

/** How long until one more event fits a leaky counter full again at `fullAt` (0: now). */
export function counterWaitMs(fullAt: number | undefined, time: number, limit: number, windowMs: number): number {
  if (fullAt === undefined || fullAt <= time) return 0;
  return Math.max(0, fullAt + windowMs / limit - time - windowMs);
}

/** A leaky counter's `fullAt` after one more event at `time`. */
export function counterAdd(fullAt: number | undefined, time: number, limit: number, windowMs: number): number {
  return Math.min(Math.max(fullAt ?? time, time) + windowMs / limit, time + windowMs);
}

/** What the sign-in throttle remembers of one (account, address) pair. */
export type PairState = { failures: number; lastFailure: number; blockedUntil: number };

/** A pair's state after one more wrong password at `time`: blocked from the `freeFailures`-th on, the wait doubling. */
export function pairAfterFailure(
  state: PairState | undefined,
  time: number,
  settings: { freeFailures: number; baseDelayMs: number; maxDelayMs: number },
): PairState {
  const next = { failures: (state?.failures ?? 0) + 1, lastFailure: time, blockedUntil: state?.blockedUntil ?? 0 };
  if (next.failures >= settings.freeFailures) {
    next.blockedUntil = time + Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (next.failures - settings.freeFailures));
  }
  return next;
}

/** The sign-in verdict from a pair's state and the two wider brakes' waits. */
export function signInVerdict(state: PairState | undefined, time: number, addressWaitMs: number, accountWaitMs: number): LimitCheck {
  const wait = Math.max(state && state.blockedUntil > time ? state.blockedUntil - time : 0, addressWaitMs, state && state.failures > 0 ? accountWaitMs : 0);
  return wait > 0 ? { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) } : { allowed: true };
}

/** The sign-in throttle's settings with their defaults filled in. */
export function signInSettings(options: SignInThrottleOptions = {}) {
  return {
    freeFailures: options.freeFailures ?? 5,
    baseDelayMs: options.baseDelayMs ?? MINUTE,
    maxDelayMs: options.maxDelayMs ?? HOUR,
    forgetAfterMs: options.forgetAfterMs ?? 24 * HOUR,
    addressFailures: options.addressFailures ?? 30,
    addressWindowMs: options.addressWindowMs ?? 15 * MINUTE,
    accountFailures: options.accountFailures ?? 50,
    accountWindowMs: options.accountWindowMs ?? HOUR,
  };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

// Callers normalise account keys (trimmed, lower-cased e-mail, or the user id) so that
// "A@x.be" and "a@x.be" share a bucket.
/** The application's limits, one per action and key kind (in memory here, in PocketBase in sharedlimits.ts). */
export const LIMIT_SETTINGS = {
  signUpPerIp: { limit: 5, windowMs: HOUR },
  resetPerIp: { limit: 5, windowMs: HOUR },
  resetPerAccount: { limit: 3, windowMs: HOUR },
  verifyPerIp: { limit: 10, windowMs: HOUR },
  verifyPerAccount: { limit: 5, windowMs: HOUR },
} as const satisfies Record<string, { limit: number; windowMs: number }>;

/** The application's ready-made limiters for one process, one per action and key kind. */
export const limits = Object.fromEntries(Object.entries(LIMIT_SETTINGS).map(([name, settings]) => [name, createRateLimiter(settings)])) as {
  [K in keyof typeof LIMIT_SETTINGS]: RateLimiter;
};

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

/** A limiter whose counts may live elsewhere (sharedlimits.ts): consume may answer later. */
export type AnyRateLimiter = { consume(key: string): RateLimitResult | Promise<RateLimitResult> };

/** checkLimits for limiters in memory or in PocketBase: every pair is booked, refused if any is exhausted. */
export async function checkAnyLimits(entries: ReadonlyArray<readonly [AnyRateLimiter, string]>): Promise<LimitCheck> {
  let retryAfterSeconds = 0;
  let allowed = true;
  for (const [limiter, key] of entries) {
    const result = await limiter.consume(key);
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
  const settings = signInSettings(options);
  const forgetAfterMs = settings.forgetAfterMs;
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  const perAddress = createCounter(settings.addressFailures, settings.addressWindowMs, now, maxKeys);
  const perAccount = createCounter(settings.accountFailures, settings.accountWindowMs, now, maxKeys);
  const pairs = new Map<string, PairState>();
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
      return signInVerdict(state, time, perAddress.waitMs(addressKey(address)), perAccount.waitMs(account));
    },
    recordFailure(account, address) {
      const time = now();
      const key = pairKey(account, address);
      const state = pairAfterFailure(pair(key, time), time, settings);
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
  const fullAt = new Map<string, number>();
  return {
    waitMs(key: string): number {
      const full = fullAt.get(key);
      const time = now();
      if (full !== undefined && full <= time) fullAt.delete(key);
      return counterWaitMs(full, time, limit, windowMs);
    },
    add(key: string): void {
      const time = now();
      const full = counterAdd(fullAt.get(key), time, limit, windowMs);
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
