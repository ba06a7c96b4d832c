// Platform administration: the first administrator, and platform roles of accounts.
import type PocketBase from "pocketbase";
import { PLATFORM_ROLES } from "../codelists.ts";
import { assertCan } from "./can.ts";
import { ValidationError } from "./errors.ts";
import { getPocketBase } from "./pocketbase.ts";
import type { Actor } from "./users.ts";
import { say } from "../../i18n/domain.ts";

/** Makes the account with this address a verified platform admin, creating it if needed. */
export async function ensureAdmin(pb: PocketBase, email: string, name: string, password: string): Promise<{ created: boolean }> {
  const address = email.trim().toLowerCase();
  const found = await pb.collection("users").getList(1, 1, { filter: pb.filter("email = {:e}", { e: address }) });
  if (found.items[0]) {
    await pb.collection("users").update(found.items[0].id, { role: "admin", verified: true });
    return { created: false };
  }
  await pb
    .collection("users")
    .create({ email: address, emailVisibility: false, name, password, passwordConfirm: password, role: "admin", locale: "en", verified: true });
  return { created: true };
}

/** How many platform administrators exist (the start-up script asks, to tell an operator how to appoint the first). */
export async function countAdmins(pb: PocketBase): Promise<number> {
  return (await pb.collection("users").getList(1, 1, { filter: "role = 'admin'", fields: "id" })).totalItems;
}

/**
 * What `npm start` prints about administrators and contact: how to create the first administrator
 * when there is none, and that the moderation policy has no contact address for appeals.
 */
export function startupAdvice(state: { admins: number; contactEmail: string | undefined; publicUrl: string }): string[] {
  const lines: string[] = [];
  if (state.admins === 0) {
    lines.push(
      "no platform administrator yet. Create the first one with:",
      '  npm run admin:create -- you@example.org "Your Name"',
      "  (or start with CASEBOOK_ADMIN_EMAIL=you@example.org); it prints a one-time password.",
      `Then sign in at ${state.publicUrl}/signin, verify organisations under Moderation, and appoint moderators under Admin.`,
    );
  }
  if (!state.contactEmail) {
    lines.push("no CONTACT_EMAIL: the moderation policy cannot tell people where to appeal. Set CONTACT_EMAIL=moderation@your-domain.");
  }
  return lines;
}

/** Accounts with their platform role, for administrators (newest first, optionally filtered by e-mail). */
export async function listAccounts(
  actor: Actor | null,
  query = "",
): Promise<{ id: string; name: string; email: string; role: string; verified: boolean; created: string }[]> {
  assertCan(actor, "user.set_platform_role", { userId: "" });
  const pb = await getPocketBase();
  const q = query.trim().toLowerCase().slice(0, 200);
  const users = await pb.collection("users").getList(1, 100, { sort: "-created", filter: q ? pb.filter("email ~ {:q} || name ~ {:q}", { q }) : "" });
  return users.items.map((u) => ({ id: u.id, name: u.name, email: u.email, role: u.role || "member", verified: Boolean(u.verified), created: u.created }));
}

/** An administrator changes another account's platform role (their sessions are reissued). */
export async function setPlatformRole(actor: Actor | null, userId: string, role: string): Promise<{ name: string; role: string }> {
  assertCan(actor, "user.set_platform_role", { userId });
  if (!(PLATFORM_ROLES as readonly string[]).includes(role)) throw new ValidationError("role", say("domain.admin.role"));
  const pb = await getPocketBase();
  const user = await pb.collection("users").update(userId, { role }, { fields: "name,email" });
  return { name: String(user.name || user.email || ""), role };
}
