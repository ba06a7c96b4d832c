// The public text of a discussion's replies, indexed with the discussion (issue 14 §5): a
// reply's words find its thread. Only published replies: pending, hidden and withdrawn ones
// never reach the index, and no author or organisation is read here, so an anonymous reply's
// speaker is never in the document either.
import { renderedHtmlToPlainText } from "../markdown.ts";
import { getPocketBase } from "../pocketbase.ts";

// What a thread's document holds of its replies at most (the engines index bodies of this order).
const MAX_REPLY_TEXT = 60_000;
const REPLIED_KINDS = new Set(["discussion", "round_table_summary"]);

/** Published replies' plain text per post id, for the posts among `posts` that take replies. */
export async function publishedReplyText(posts: readonly { id: string; kind?: unknown; status?: unknown }[]): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  const ids = posts.filter((p) => REPLIED_KINDS.has(String(p.kind)) && p.status === "published").map((p) => p.id);
  if (ids.length === 0) return texts;
  const pb = await getPocketBase();
  for (let i = 0; i < ids.length; i += 50) {
    const chunk = ids.slice(i, i + 50);
    const params = Object.fromEntries(chunk.map((id, k) => [`p${k}`, id]));
    const rows = await pb.collection("replies").getFullList({
      filter: pb.filter(`status = 'published' && (${chunk.map((_, k) => `post = {:p${k}}`).join(" || ")})`, params),
      fields: "post,body_html",
      sort: "created",
      batch: 500,
    });
    for (const row of rows) {
      const before = texts.get(row.post) ?? "";
      if (before.length >= MAX_REPLY_TEXT) continue;
      texts.set(row.post, `${before} ${renderedHtmlToPlainText(String(row.body_html ?? ""))}`.trim().slice(0, MAX_REPLY_TEXT));
    }
  }
  return texts;
}
