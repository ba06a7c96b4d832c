// Request bodies are refused before anything buffers them (issue 9 §8): a 300 MB body to
// /signin once grew the server to 2.2 GB. The limit depends on what the request can
// legitimately carry (src/lib/limits.ts): the file-carrying actions for signed-in people,
// FORM_TEXT_BYTES for everything else. A declared Content-Length is judged without reading;
// a chunked body is counted as it arrives and abandoned at the limit, so at most `limit`
// bytes are ever held. The Node adapter's bodySizeLimit (astro.config.mjs) stays behind
// this as the server-wide ceiling.
import { t, type Locale } from "../../i18n/index.ts";
import { formatFileSize } from "../../i18n/filesize.ts";
import { FORM_TEXT_BYTES, bodyLimitFor } from "../limits.ts";

const BODYLESS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The byte limit a request's body exceeds, or null when it is within it (or has none). */
export async function oversizeBody(request: Request, url: URL, signedIn: boolean): Promise<number | null> {
  if (BODYLESS.has(request.method) || !request.body) return null;
  // Only a signed-in member can use a file-carrying form; an anonymous visitor never needs more than a text form.
  const limit = signedIn ? bodyLimitFor(url) : FORM_TEXT_BYTES;
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    const length = Number(declared);
    if (Number.isFinite(length) && length <= limit) return null;
    refused.set(request, [request.body.getReader()]);
    return limit;
  }
  // Chunked: count through a clone. The request keeps (in its half of the tee) only what
  // was read here, at most `limit` bytes, for the action that parses it afterwards.
  const counter = request.clone().body!.getReader();
  let received = 0;
  for (;;) {
    const { done, value } = await counter.read();
    if (done) return null;
    received += value.byteLength;
    if (received > limit) {
      refused.set(request, [counter, request.body!.getReader()]);
      return limit;
    }
  }
}

// Readers of refused bodies, for the lingering close below.
const refused = new WeakMap<Request, ReadableStreamDefaultReader<Uint8Array>[]>();

// A client still sending when the server closes gets a reset and may never show the 413
// page it was already sent. So, as web servers do ("lingering close"), read and drop a
// little more of the body before closing: at most LINGER_BYTES or LINGER_MS, never kept.
const LINGER_BYTES = 16 * 1024 * 1024;
const LINGER_MS = 2000;

async function linger(request: Request): Promise<void> {
  const readers = refused.get(request) ?? [];
  const deadline = Date.now() + LINGER_MS;
  await Promise.all(
    readers.map(async (reader) => {
      let dropped = 0;
      try {
        while (dropped < LINGER_BYTES && Date.now() < deadline) {
          const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), Math.max(0, deadline - Date.now())).unref());
          const next = await Promise.race([reader.read(), timeout]);
          if (!next || next.done) break;
          dropped += next.value.byteLength;
        }
      } catch {
        // The client went away: nothing left to drop.
      }
      reader.cancel().catch(() => {});
    }),
  );
}

/** The 413 answer for a refused request: a short HTML page (no script, no inline style) that says what the limit is. */
export function tooLargeResponse(request: Request, limit: number, locale: Locale): Response {
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const title = esc(t(locale, "error.too_large.title"));
  const html = `<!doctype html>
<html lang="${locale}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · Casebook</title></head>
<body>
<main>
<h1>${title}</h1>
<p>${esc(t(locale, "error.too_large.body", { size: formatFileSize(locale, limit) }))}</p>
<p><a href="/">${esc(t(locale, "error.too_large.back"))}</a></p>
</main>
</body>
</html>
`;
  // The page goes out at once; the response (and with it the connection) ends after the linger.
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(html));
      void linger(request).finally(() => controller.close());
    },
  });
  return new Response(body, {
    status: 413,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      // The rest of the body is never read: close the connection rather than drain it all.
      connection: "close",
    },
  });
}
