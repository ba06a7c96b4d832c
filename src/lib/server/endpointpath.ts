// Astro left an endpoint's `params` empty when the middleware rewrote a language-prefixed URL
// (/en/posts/x/attachments/1) to it (the rewrite now goes through sequence(), which sets them),
// and still does for a route whose file name has an extension after the parameter
// ([session].ics): such endpoints read their segments from the path instead.

/** An endpoint's dynamic segments, in `names` order: Astro's params, else the groups of `pattern` on the path, else "". */
export function endpointParams(params: Record<string, string | undefined>, url: URL, pattern: RegExp, names: readonly string[]): string[] {
  const match = pattern.exec(url.pathname);
  return names.map((name, i) => params[name] ?? match?.[i + 1] ?? "");
}
