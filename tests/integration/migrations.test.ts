// Migrations go up, really come down, and go up again (DESIGN.md §9: downs that reverse).
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { MIGRATIONS_DIR, freePort, migrateUp, startPocketBase, upsertSuperuser } from "../../scripts/lib/pocketbase-process.ts";
import { connectAsSuperuser } from "../../src/lib/server/pocketbase.ts";

const OURS = [
  "sessions",
  "organizations",
  "memberships",
  "funding_calls",
  "posts",
  "revisions",
  "moderation_events",
  "flags",
  "search_outbox",
  "notifications",
  "mail_outbox",
  "mail_preferences",
];
const SU = { email: "mig@casebook.test", password: "migration-test-password" };
let dataDir = "";

async function collectionsAndUsers(bin: string, dir: string) {
  // Started without our migrations folder: `serve` would otherwise re-apply them.
  const noMigrations = await mkdtemp(path.join(os.tmpdir(), "casebook-none-"));
  const running = await startPocketBase({ bin, dataDir: dir, port: await freePort(), migrationsDir: noMigrations });
  try {
    const pb = await connectAsSuperuser(running.url, SU);
    const names = (await pb.collections.getFullList()).map((c) => c.name);
    const users = await pb.collections.getOne("users");
    const settings = await pb.settings.getAll();
    return { names, users, batchEnabled: Boolean((settings.batch as { enabled?: boolean }).enabled) };
  } finally {
    await running.stop();
    await rm(noMigrations, { recursive: true, force: true });
  }
}

async function migrateDown(bin: string, dir: string, count: number) {
  // `migrate down` asks for confirmation on stdin.
  const child = execFile(bin, [
    "migrate",
    "down",
    String(count),
    `--dir=${path.join(dir, "pb_data")}`,
    `--migrationsDir=${MIGRATIONS_DIR}`,
    "--automigrate=false",
    "--dev=false",
  ]);
  let output = "";
  child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
  child.stdin?.end("y\n");
  await new Promise<void>((resolve, reject) =>
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`migrate down exited ${code}: ${output}`)))),
  );
  return output;
}

afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("migrations", () => {
  it("go up, down and up again", async () => {
    const bin = inject("pocketbaseBin");
    dataDir = await mkdtemp(path.join(os.tmpdir(), "casebook-migrations-"));
    await migrateUp(bin, dataDir, { systemFirst: true });
    await upsertSuperuser(bin, dataDir, SU.email, SU.password);

    const up = await collectionsAndUsers(bin, dataDir);
    for (const name of OURS) expect(up.names).toContain(name);
    expect(up.users.listRule).toBeNull();
    expect(up.users.fields.map((f: { name: string }) => f.name)).toEqual(expect.arrayContaining(["role", "locale"]));
    expect(up.batchEnabled).toBe(true);

    const ours = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith(".js"));
    const reverted = await migrateDown(bin, dataDir, ours.length);
    for (const file of ours) expect(reverted).toContain(`Reverted ${file}`);
    const down = await collectionsAndUsers(bin, dataDir);
    for (const name of OURS) expect(down.names).not.toContain(name);
    expect(down.users.listRule).toBe("id = @request.auth.id");
    expect(down.users.fields.map((f: { name: string }) => f.name)).not.toContain("role");
    expect(down.batchEnabled).toBe(false);

    await migrateUp(bin, dataDir);
    const again = await collectionsAndUsers(bin, dataDir);
    for (const name of OURS) expect(again.names).toContain(name);
    expect(again.users.listRule).toBeNull();
  });
});
