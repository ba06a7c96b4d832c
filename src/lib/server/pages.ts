// Editorial pages (about, guidelines, moderation policy, privacy) from content/pages,
// bundled at build time and rendered once, not per request.
import { renderMarkdown } from "./markdown.ts";

const sources = import.meta.glob<string>("../../../content/pages/*.md", { query: "?raw", import: "default", eager: true });
const rendered = new Map<string, EditorialPage>();

for (const [file, markdown] of Object.entries(sources)) {
  const slug = file.split("/").pop()!.replace(/\.md$/, "");
  const titleLine = markdown.match(/^#\s+(.+)$/m);
  const body = titleLine ? markdown.replace(titleLine[0], "") : markdown;
  rendered.set(slug, { slug, title: titleLine?.[1]?.trim() ?? slug, html: renderMarkdown(body, { headingOffset: 0 }) });
}

/** One editorial page by slug, or null. */
export function getEditorialPage(slug: string): EditorialPage | null {
  return rendered.get(slug) ?? null;
}

/** A rendered editorial page. */
export type EditorialPage = { slug: string; title: string; html: string };
