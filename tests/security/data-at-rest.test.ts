// Findings 7 and 10 (issue 9): data at rest is the owner's only, and the superuser's password
// is never in a process's arguments nor mistaken for a flag.
import { readdirSync, readFileSync } from "node:fs";
import { chmod, lstat, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { secureDataDir } from "../../scripts/lib/datadir.ts";
import { generateSecret } from "../../scripts/lib/platform.ts";
import { freePort, migrateUp, startPocketBase, upsertSuperuser } from "../../scripts/lib/pocketbase-process.ts";
import { connectAsSuperuser } from "../../src/lib/server/pocketbase.ts";
import { Client } from "./scenarios.ts";

/** Every entry under `root` whose mode lets another local user read, write or enter it. */
async function openToOthers(root: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (entry: string) => {
    const stat = await lstat(entry);
    if (stat.isSymbolicLink()) return;
    if ((stat.mode & 0o077) !== 0) found.push(`${path.relative(root, entry) || "."} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const name of await readdir(entry)) await visit(path.join(entry, name));
  };
  await visit(root);
  return found;
}

describe("data at rest", () => {
  it("a local user finds nothing readable in the running platform's data folder (database, files, mail, search)", async () => {
    // Make the site write what it writes: a sign-up mail into the mail drop.
    const res = await new Client().form("/signup?_action=signUp", {
      name: "Mode Check",
      email: `modes-${Date.now()}@example.test`,
      password: "granite orchard velvet lantern",
    });
    expect([200, 303]).toContain(res.status);
    const dataDir = inject("dataDir");
    const entries = readdirSync(path.join(dataDir, "pb_data"));
    expect(entries).toContain("data.db");
    expect(await openToOthers(dataDir)).toEqual([]);
  });

  it("an existing data folder made world-readable is repaired at start, once, and says so", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "casebook-modes-"));
    try {
      await mkdir(path.join(dir, "pb_data", "storage"), { recursive: true });
      await writeFile(path.join(dir, "pb_data", "data.db"), "sqlite");
      await writeFile(path.join(dir, "secrets.json"), "{}");
      await chmod(path.join(dir, "pb_data", "data.db"), 0o644);
      await chmod(path.join(dir, "secrets.json"), 0o666);
      await chmod(path.join(dir, "pb_data"), 0o755);
      await chmod(path.join(dir, "pb_data", "storage"), 0o777);
      await chmod(dir, 0o755);
      expect((await openToOthers(dir)).length).toBe(5);
      const lines: string[] = [];
      expect(await secureDataDir(dir, (l) => lines.push(l))).toBe(5);
      expect(await openToOthers(dir)).toEqual([]);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain("owner only");
      // Nothing left to do: nothing said.
      expect(await secureDataDir(dir, (l) => lines.push(l))).toBe(0);
      expect(lines).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Every process command line on this machine, as any local user can read them. */
function commandLines(): string[] {
  const lines: string[] = [];
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      lines.push(readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " "));
    } catch {
      // the process ended meanwhile
    }
  }
  return lines;
}

describe("the superuser password", () => {
  it("generated secrets never start with '-' and use a safe alphabet", () => {
    for (let i = 0; i < 2000; i++) expect(generateSecret(24)).toMatch(/^[0-9a-f]{48}$/);
  });

  it("a password starting with '-' works, and no process's arguments ever show it", async () => {
    const bin = inject("pocketbaseBin");
    const dir = await mkdtemp(path.join(os.tmpdir(), "casebook-su-"));
    const password = `-${generateSecret(12)}`;
    const seen: string[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        for (const line of commandLines()) if (line.includes(password)) seen.push(line);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    try {
      await migrateUp(bin, dir);
      await upsertSuperuser(bin, dir, "dash@casebook.test", password);
      const running = await startPocketBase({ bin, dataDir: dir, port: await freePort() });
      try {
        const pb = await connectAsSuperuser(running.url, { email: "dash@casebook.test", password });
        expect(pb.authStore.isValid).toBe(true);
      } finally {
        await running.stop();
      }
    } finally {
      watching = false;
      await watcher;
      await rm(dir, { recursive: true, force: true });
    }
    expect(seen).toEqual([]);
  });

  it("a failed upsert is reported, not taken for success", async () => {
    const bin = inject("pocketbaseBin");
    const dir = await mkdtemp(path.join(os.tmpdir(), "casebook-su-"));
    try {
      await migrateUp(bin, dir);
      await expect(upsertSuperuser(bin, dir, "not-an-email", "long-enough-password-1")).rejects.toThrow(/did not save the superuser/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
