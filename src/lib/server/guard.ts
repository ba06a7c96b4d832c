// The one shared guard for routes and actions: who is asking, and what to do when they
// may not (DESIGN.md §9: one guard, not the same check pasted in every route).
import { randomBytes } from "node:crypto";
import { ActionError } from "astro:actions";
import type { ActionAPIContext } from "astro:actions";
import { ForbiddenError } from "./can.ts";
import { RateLimitedError, ValidationError } from "./errors.ts";
import { type AnyRateLimiter, checkAnyLimits } from "./ratelimit.ts";
import type { Actor } from "./users.ts";
import { addressKey, proxyMatcher, resolveClientIp } from "./addresses.ts";
import { getConfig } from "./config.ts";
import { say } from "../../i18n/domain.ts";

const retryAfterByRequest = new WeakMap<Request, number>();
// Also by locals: a page under /fr/… renders a rewritten copy of the request the action saw (forms.ts).
const retryAfterByLocals = new WeakMap<object, number>();

/** The signed-in actor, or an UNAUTHORIZED ActionError. */
export function requireActor(context: ActionAPIContext): Actor {
  const user = context.locals.user;
  if (!user) throw new ActionError({ code: "UNAUTHORIZED", message: say("domain.sign_in_first") });
  return user;
}

/** Consumes the given rate limits; over a limit, remembers Retry-After for the page and throws 429. */
export async function enforceLimits(context: ActionAPIContext, entries: [AnyRateLimiter, string][]): Promise<void> {
  const verdict = await checkAnyLimits(entries);
  if (!verdict.allowed) refuseTooMany(context, verdict.retryAfterSeconds);
}

/** Seconds to put in Retry-After when an action of this request (or the request these locals belong to) hit a rate limit. */
export function retryAfterFor(request: Request, locals?: object): number | undefined {
  return retryAfterByRequest.get(request) ?? (locals ? retryAfterByLocals.get(locals) : undefined);
}

let trusted: { ranges: unknown; matches: (ip: string) => boolean } | undefined;

/**
 * The client's IP (for rate limits and the session list): the connection's peer, or, when
 * that peer is one of TRUSTED_PROXIES, the right-most X-Forwarded-For address that is not.
 * Relies on Astro's clientAddress being the socket peer, which holds while
 * `security.allowedDomains` is unset (with it, Astro would hand over the first,
 * client-chosen X-Forwarded-For entry; the security suite checks this).
 */
export function clientIp(context: { clientAddress: string; request: Request }): string {
  let peer: string;
  try {
    peer = context.clientAddress;
  } catch {
    return "unknown";
  }
  const ranges = getConfig().trustedProxies;
  if (trusted?.ranges !== ranges) trusted = { ranges, matches: proxyMatcher(ranges) };
  return resolveClientIp(peer, context.request.headers.get("x-forwarded-for"), trusted.matches);
}

/** The key the client's address is rate-limited under (IPv6 per /64). */
export function clientKey(context: { clientAddress: string; request: Request }): string {
  return addressKey(clientIp(context));
}

/** Refuses the request with 429; the page reads the wait through retryAfterFor. */
export function refuseTooMany(context: ActionAPIContext, retryAfterSeconds: number): never {
  retryAfterByRequest.set(context.request, retryAfterSeconds);
  retryAfterByLocals.set(context.locals, retryAfterSeconds);
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  throw new ActionError({ code: "TOO_MANY_REQUESTS", message: say("domain.too_many_attempts", { minutes }) });
}

/** Runs a domain call, turning its expected refusals into ActionErrors the page can show. */
export async function domainCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ValidationError) throw new ActionError({ code: "BAD_REQUEST", message: error.message });
    if (error instanceof RateLimitedError) throw new ActionError({ code: "TOO_MANY_REQUESTS", message: error.message });
    if (error instanceof ForbiddenError) throw new ActionError({ code: "FORBIDDEN", message: say("domain.forbidden") });
    if ((error as { status?: number }).status === 404) throw new ActionError({ code: "NOT_FOUND", message: say("domain.gone") });
    if (error instanceof ActionError) throw error;
    throw internalError(error);
  }
}

/** Logs an unexpected failure with a reference and turns it into a readable ActionError. */
export function internalError(error: unknown): ActionError {
  const reference = randomBytes(4).toString("hex");
  console.error(`[casebook] unexpected error ${reference}:`, error);
  return new ActionError({ code: "INTERNAL_SERVER_ERROR", message: say("domain.internal_reference", { reference }) });
}
