// `npm run import -- FILE.json [--publish --as ADMIN_EMAIL]`: bulk-load posts (format in
// the README). Validates every record first and imports all or nothing.
import { readFileSync } from "node:fs";
import { getConfig, getSuperuserCredentials } from "../src/lib/server/config.ts";
import { validateImport, writeImport } from "../src/lib/server/importer.ts";
import { connectAsSuperuser } from "../src/lib/server/pocketbase.ts";

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith("--") && args[args.indexOf(a) - 1] !== "--as");
const publish = args.includes("--publish");
const adminEmail = args.includes("--as") ? args[args.indexOf("--as") + 1] : undefined;
if (!file) {
  console.error("Usage: npm run import -- FILE.json [--publish --as ADMIN_EMAIL]");
  process.exit(2);
}
let records: unknown;
try {
  records = JSON.parse(readFileSync(file, "utf8"));
} catch (error) {
  console.error(`Cannot read ${file}: ${error instanceof Error ? error.message : error}`);
  process.exit(2);
}
const config = getConfig();
const pb = await connectAsSuperuser(config.pocketbaseUrl, getSuperuserCredentials(config));
let publisher: { id: string; role: string } | undefined;
if (publish) {
  if (!adminEmail) {
    console.error("--publish needs --as ADMIN_EMAIL: the platform administrator recorded as moderator.");
    process.exit(2);
  }
  const admin = (await pb.collection("users").getList(1, 1, { filter: pb.filter("email = {:e}", { e: adminEmail.toLowerCase() }) })).items[0];
  if (!admin || admin.role !== "admin") {
    console.error(`${adminEmail} is not a platform administrator; --publish is refused.`);
    process.exit(2);
  }
  publisher = { id: admin.id, role: admin.role };
}
const started = Date.now();
let last = 0;
const result = await validateImport(pb, records, (done, total) => {
  if (Date.now() - last > 500 || done === total) {
    last = Date.now();
    const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
    process.stdout.write(`\rvalidating ${done}/${total} (${rate.toFixed(0)}/s, ${Math.max(0, (total - done) / Math.max(rate, 1)).toFixed(0)} s left)   `);
  }
});
process.stdout.write("\n");
if (!result.ok) {
  console.error(`Nothing was imported: ${result.errors.length} problem(s).`);
  for (const e of result.errors.slice(0, 100)) console.error(`  record ${e.index + 1}${e.field ? ` (${e.field})` : ""}: ${e.message}`);
  process.exit(1);
}
console.log(`writing ${result.rows.length} post(s) in one transaction…`);
const written = await writeImport(pb, result.rows, { publishAs: publisher });
console.log(
  `Imported ${written.created} post(s) ${publisher ? "and published them" : "into the moderation queue"} in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
);
