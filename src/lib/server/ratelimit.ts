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
  signInPerIp: createRateLimiter({ limit: 20, windowMs: 15 * MINUTE }),
  signInPerAccount: createRateLimiter({ limit: 5, windowMs: 15 * MINUTE }),
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
