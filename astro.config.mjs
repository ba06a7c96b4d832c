// @ts-check
import node from "@astrojs/node";
import { defineConfig } from "astro/config";
import { MAX_REQUEST_BYTES } from "./src/lib/limits.ts";

// Server-rendered on Node (standalone). Pages stay at the root; the language prefixes are a
// rewrite in the middleware (see i18n below).
export default defineConfig({
  output: "server",
  // CASEBOOK_OUT_DIR lets parallel test runs build into their own folder (scripts/lib/build-stamp.ts).
  outDir: process.env.CASEBOOK_OUT_DIR || "./dist",
  // Body limits come from src/lib/limits.ts: the largest legitimate request (5 attachments
  // of 10 MB and the form). The middleware refuses smaller per-form limits first, with a 413 page.
  adapter: node({ mode: "standalone", bodySizeLimit: MAX_REQUEST_BYTES }),
  // CSRF is checked by the middleware against PUBLIC_URL and the Host (src/lib/server/csrf.ts):
  // Astro's checkOrigin compares with the adapter's http:// URL and refuses every form behind
  // a TLS-terminating proxy.
  security: { checkOrigin: false, actionBodySizeLimit: MAX_REQUEST_BYTES },
  // No client-side prefetching: content pages ship zero JavaScript.
  prefetch: false,
  // Language in the URL (issue 12 §3): /en/…, /fr/…, /nl/… are served from the same page files.
  // "manual": src/middleware.ts strips the prefix, rewrites to the page and sets locals.locale
  // (src/i18n/routing.ts); Astro's own i18n middleware would want one page folder per language.
  i18n: { locales: ["en", "fr", "nl"], defaultLocale: "en", routing: "manual" },
  devToolbar: { enabled: false },
  server: { host: "127.0.0.1", port: 4321 },
  // Every stylesheet is a file: the CSP allows `style-src 'self'` only (no inline <style>).
  build: { inlineStylesheets: "never" },
  vite: {
    build: {
      sourcemap: false,
      rolldownOptions: {
        output: {
          codeSplitting: {
            // The search hit thread (src/lib/server/search/hitpool.ts) imports its own chunk by
            // URL: this group keeps the snippet code (and what it imports) out of the server's
            // search chunk, so the thread loads neither the PocketBase client nor the index code.
            groups: [{ name: "search-hits", test: /src\/lib\/server\/search\/(snippets|hitworker|words)\.ts$/ }],
          },
        },
      },
    },
  },
});
