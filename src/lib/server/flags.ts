// Reader flags on published posts. A patient-data flag hides the post at once; three
// distinct flaggers hide it too. The author never learns who flagged.
import { FLAG_REASONS } from "../codelists.ts";
import { assertCan } from "./can.ts";
import { ValidationError } from "./errors.ts";
import { autoHidePost, loadPost, postSubject } from "./moderation.ts";
import { getPocketBase } from "./pocketbase.ts";
import type { Actor } from "./users.ts";

/** Distinct open flags that hide a post without a moderator. */
export const FLAGS_TO_HIDE = 3;

/** Flags a published post; returns whether the post was hidden as a result. */
export async function flagPost(actor: Actor | null, postId: string, reason: string, note = ""): Promise<{ hidden: boolean }> {
  const post = await loadPost(postId);
  assertCan(actor, "post.flag", postSubject(post));
  if (!(FLAG_REASONS as readonly string[]).includes(reason)) throw new ValidationError("reason", "Choose why you flag this post.");
  const pb = await getPocketBase();
  const already = await pb.collection("flags").getList(1, 1, { filter: pb.filter("post = {:p} && reporter = {:r}", { p: post.id, r: actor.id }) });
  if (already.totalItems > 0) throw new ValidationError("reason", "You have already flagged this post; a moderator will look at it.");
  await pb.collection("flags").create({ post: post.id, reporter: actor.id, reason, note: note.trim().slice(0, 2000), status: "open" });
  const open = await pb.collection("flags").getList(1, 1, { filter: pb.filter("post = {:p} && status = 'open'", { p: post.id }) });
  if (reason === "patient_data") {
    await autoHidePost(post, "Hidden automatically: a reader reported patient data.");
    return { hidden: true };
  }
  if (open.totalItems >= FLAGS_TO_HIDE) {
    await autoHidePost(post, `Hidden automatically: ${open.totalItems} readers flagged it.`);
    return { hidden: true };
  }
  return { hidden: false };
}

/** Open flags of a post, for moderators (who may see reporters). */
export async function listFlags(postId: string): Promise<{ id: string; reason: string; note: string; status: string; reporter: string; created: string }[]> {
  const pb = await getPocketBase();
  const flags = await pb.collection("flags").getFullList({ filter: pb.filter("post = {:p}", { p: postId }), expand: "reporter", sort: "created" });
  return flags.map((f) => ({ id: f.id, reason: f.reason, note: f.note, status: f.status, reporter: f.expand?.reporter?.name ?? "", created: f.created }));
}
