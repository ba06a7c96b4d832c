// Editorial pages (about, guidelines, moderation policy, privacy) from content/pages,
// bundled at build time and rendered once per process, not per request.
import { getConfig } from "./config.ts";
import { renderMarkdown } from "./markdown.ts";

const sources = import.meta.glob<string>("../../../content/pages/*.md", { query: "?raw", import: "default", eager: true });
// /moderation is the moderators' queue, so the public policy lives at /moderation-policy.
const URL_SLUGS: Record<string, string> = { moderation: "moderation-policy" };
/** Where the moderation policy is published. */
export const MODERATION_POLICY_PATH = "/moderation-policy";
const rendered = new Map<string, EditorialPage>();

/** The text that stands for the platform's contact address in content/pages (configured at run time, not build time). */
export const CONTACT_PLACEHOLDER = "{{contact_email}}";

function renderAll(): void {
  const contact = getConfig().contactEmail;
  for (const [file, source] of Object.entries(sources)) {
    const name = file.split("/").pop()!.replace(/\.md$/, "");
    const slug = URL_SLUGS[name] ?? name;
    // An address becomes an autolink; without one, the page says so rather than pointing nowhere.
    const markdown = source.replaceAll(CONTACT_PLACEHOLDER, contact ? `<${contact}>` : "the platform's operator (no contact address is configured yet)");
    const titleLine = markdown.match(/^#\s+(.+)$/m);
    const body = titleLine ? markdown.replace(titleLine[0], "") : markdown;
    rendered.set(slug, { slug, title: titleLine?.[1]?.trim() ?? slug, html: renderMarkdown(body, { headingOffset: 0 }) });
  }
}

/** One editorial page by its URL slug, or null. */
export function getEditorialPage(slug: string): EditorialPage | null {
  if (rendered.size === 0) renderAll();
  return rendered.get(slug) ?? null;
}

/** A rendered editorial page. */
export type EditorialPage = { slug: string; title: string; html: string };
