// `npm run admin:create -- EMAIL [NAME]`: makes an account a platform administrator,
// creating it (with a one-time password printed once) when it does not exist yet.
import { randomBytes } from "node:crypto";
import { getConfig, getSuperuserCredentials } from "../src/lib/server/config.ts";
import { connectAsSuperuser } from "../src/lib/server/pocketbase.ts";
import { ensureAdmin } from "../src/lib/server/admin.ts";

const [email, ...nameParts] = process.argv.slice(2);
if (!email || !/^[^\s@]+@[^\s@]+$/.test(email)) {
  console.error("Usage: npm run admin:create -- EMAIL [NAME]   (PocketBase must be running: start it with npm start)");
  process.exit(2);
}
const config = getConfig();
const pb = await connectAsSuperuser(config.pocketbaseUrl, getSuperuserCredentials(config)).catch((error: unknown) => {
  console.error(`Cannot reach PocketBase at ${config.pocketbaseUrl} (${error instanceof Error ? error.message : error}). Is npm start running?`);
  process.exit(1);
});
const password = randomBytes(12).toString("base64url");
const result = await ensureAdmin(pb, email, nameParts.join(" ") || "Administrator", password);
console.log(
  result.created
    ? `Created administrator ${email} with the one-time password: ${password}\nSign in and change it (Forgot your password?) right away.`
    : `${email} is now a platform administrator.`,
);
