// The rules replies follow (issue 14 §2), pure so that each is tested as a table: when a reply
// waits for a moderator, how long slow mode makes someone wait, and how long its author may edit it.

/** Published replies an account needs before its replies appear without a moderator. */
export const TRUSTED_AFTER_REPLIES = 3;
/**
 * Minutes after posting during which the author may edit a reply. An hour lets its author fix
 * what they notice once others answer, while a reply others quoted and built on days later can
 * no longer be rewritten under them (earlier versions are kept in its history either way).
 */
export const EDIT_WINDOW_MINUTES = 60;
/** Characters of an earlier reply quoted above a reply "in reply to" it. */
export const QUOTE_CHARS = 200;

/** Why a reply waits for a moderator; none means it is published at once. */
export const HOLD_REASONS = ["no_verified_organization", "new_account", "privacy_finding"] as const;
/** A reason a reply waits for a moderator. */
export type HoldReason = (typeof HOLD_REASONS)[number];

/**
 * The reasons a new (or edited) reply waits for a moderator: the author is no active member of
 * a verified organisation, has fewer than three published earlier replies, or the privacy guard
 * found anything at all (not only blocking identifiers: a reply is live at once, so a doubtful
 * one is looked at first).
 */
export function holdReasons(facts: { verifiedMember: boolean; publishedReplies: number; privacyFindings: number }): HoldReason[] {
  const reasons: HoldReason[] = [];
  if (!facts.verifiedMember) reasons.push("no_verified_organization");
  if (facts.publishedReplies < TRUSTED_AFTER_REPLIES) reasons.push("new_account");
  if (facts.privacyFindings > 0) reasons.push("privacy_finding");
  return reasons;
}

/**
 * Whole minutes (rounded up) someone must still wait before replying again under slow mode:
 * 0 when slow mode is off, they have not replied yet, or the interval has passed.
 */
export function slowModeMinutesLeft(slowModeMinutes: number, lastReplyAt: Date | null, now: Date): number {
  if (!(slowModeMinutes > 0) || !lastReplyAt) return 0;
  const readyAt = lastReplyAt.getTime() + slowModeMinutes * 60_000;
  const left = readyAt - now.getTime();
  return left > 0 ? Math.ceil(left / 60_000) : 0;
}

/** True while a reply created at `createdAt` may still be edited by its author. */
export function editWindowOpen(createdAt: Date, now: Date, windowMinutes = EDIT_WINDOW_MINUTES): boolean {
  const age = now.getTime() - createdAt.getTime();
  return age >= 0 && age < windowMinutes * 60_000;
}

/** A short excerpt of an earlier reply's plain text, cut at a word when it is longer than `max`. */
export function quoteExcerpt(plain: string, max = QUOTE_CHARS): string {
  const text = plain.replace(/\s+/g, " ").trim();
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(" ");
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
