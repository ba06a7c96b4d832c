// Cross-site request forgery (DESIGN.md §1): a state-changing request must come from one of
// this site's own pages. This replaces Astro's `checkOrigin`, which compares the Origin
// header with the URL the Node adapter builds — always `http://<Host>` — so behind a
// TLS-terminating proxy every form (sign-in included) would be refused with 403.

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The origins a form on this site posts from: the public origin, and the (already allow-listed) Host over http or https. */
export function ownOrigins(publicUrl: string, hostHeader: string | null): Set<string> {
  const origins = new Set([new URL(publicUrl).origin]);
  if (hostHeader) {
    const host = hostHeader.trim().toLowerCase();
    origins.add(`http://${host}`);
    origins.add(`https://${host}`);
  }
  return origins;
}

/** Why a state-changing request is refused as cross-site, or null when it may proceed. */
export function crossSiteRefusal(request: Request, publicUrl: string): string | null {
  if (SAFE_METHODS.has(request.method)) return null;
  // One-click unsubscribe (RFC 8058): the mail provider POSTs from its own servers, without
  // Origin. The signed token in the URL is the only authority (no cookie is used), so a
  // forged request can do nothing the link's holder could not.
  if (isOneClickUnsubscribe(new URL(request.url).pathname)) return null;
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin") return "Cross-site requests are not allowed.";
  // Browsers send Origin with every POST; a request without one is not from our forms.
  const origin = request.headers.get("origin");
  if (origin === null || !ownOrigins(publicUrl, request.headers.get("host")).has(origin.toLowerCase())) {
    return `Cross-site ${request.method} form submissions are forbidden.`;
  }
  return null;
}

/** The unsubscribe page, with or without a language prefix: the one POST target that needs no Origin. */
export function isOneClickUnsubscribe(pathname: string): boolean {
  return /^(?:\/(?:en|fr|nl))?\/unsubscribe\/?$/.test(pathname);
}
