// Where a `next`/return parameter may send the browser: only a path on this site. Browsers
// read `/\host`, `//host`, `/\t/host` and similar as another origin, so anything that is
// not plainly a same-origin path falls back to a fixed page (issue 9, finding 11).

// C0 controls, space, DEL and the C1 block: browsers strip or reinterpret them in URLs.
const UNSAFE_CHARS = /[\u0000-\u0020\u007f-\u009f\\]/;
const MAX_LENGTH = 2000;

/**
 * A same-origin path (path, query and hash) to redirect to after `next`, or `fallback`
 * when `next` is missing, points elsewhere or could be read as another origin.
 */
export function safeRedirectPath(next: unknown, siteOrigin: string, fallback = "/account"): string {
  if (typeof next !== "string" || next === "" || next.length > MAX_LENGTH) return fallback;
  // Check the value as given and as it would read after further rounds of decoding, so
  // that `%5C`, `%2F%2F` or `%09` cannot turn into `\`, `//` or a tab somewhere downstream.
  let layer = next;
  for (let round = 0; round < 3; round++) {
    if (!isPlainPath(layer)) return fallback;
    let decoded: string;
    try {
      decoded = decodeURIComponent(layer);
    } catch {
      return fallback; // malformed escapes: not something our own pages ever produce
    }
    if (decoded === layer) break;
    layer = decoded;
  }
  let origin: URL;
  let target: URL;
  try {
    origin = new URL(siteOrigin);
    target = new URL(next, origin);
  } catch {
    return fallback;
  }
  if (target.origin !== origin.origin) return fallback;
  // Emit the parsed form, so the browser receives exactly what was checked.
  const path = `${target.pathname}${target.search}${target.hash}`;
  return isPlainPath(path) ? path : fallback;
}

function isPlainPath(value: string): boolean {
  return value.startsWith("/") && !value.startsWith("//") && !UNSAFE_CHARS.test(value);
}
