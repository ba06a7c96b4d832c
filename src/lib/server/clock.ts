// The domain's clock. Rules that depend on elapsed time — e-mail link expiry, session
// expiry and renewal, invitation expiry, the flag trust rule — read the time here, so
// tests can move it by days without waiting. Nothing in the application replaces it.

// Date.now is looked up at each call, not captured, so vitest's fake timers move it too.
let source: (() => number) | null = null;

/** The current time, in milliseconds since the epoch. */
export function now(): number {
  return source ? source() : Date.now();
}

/** The current time as a Date. */
export function currentDate(): Date {
  return new Date(now());
}

/** Replaces the clock (tests only); `null` restores the system clock. */
export function setClock(next: (() => number) | null): void {
  source = next;
}
