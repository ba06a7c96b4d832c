/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    /** The interface language of this request. */
    locale: import("./i18n/index.ts").Locale;
    /** The signed-in user, or null. */
    user: import("./lib/server/users.ts").Actor | null;
    /** The current session, or null. */
    session: { id: string; expiresAt: Date } | null;
    /** The route pattern that answered (`/posts/[slug]`), language prefix resolved; for the request log. */
    routePattern?: string;
    /** The path the visitor asked for, language prefix included (endpoints see the rewritten URL). */
    requestPath?: string;
  }
}
