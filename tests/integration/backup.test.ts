// Issue 16 §9 with real PocketBase processes of this file's own (never the run's shared one):
// a backup made through PocketBase's API is restored into a fresh data folder, where every
// account, post and attached file is found again; the restore refuses, changing nothing, a
// non-empty folder without --force, a file that is not a backup and a running PocketBase;
// --force keeps the old data aside; a copy folder inside DATA_DIR is refused; the schedule
// lands in PocketBase's settings.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { crc32 } from "node:zlib";
import type PocketBase from "pocketbase";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyBackupSchedule, createBackup, pocketBasesOn, restoreBackup } from "../../scripts/lib/backups.ts";
import { ensurePocketBaseBinary } from "../../scripts/lib/pocketbase-binary.ts";
import { freePort, type RunningPocketBase, startPocketBase } from "../../scripts/lib/pocketbase-process.ts";
import { type Config, ConfigError, parseConfig } from "../../src/lib/server/config.ts";
import { connectAsSuperuser } from "../../src/lib/server/pocketbase.ts";
import { startTestPocketBase, TEST_SUPERUSER } from "../helpers/pocketbase.ts";
import { createOrganization, createUser, unique } from "./setup.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const quiet = () => undefined;
const PDF = Buffer.from(`%PDF-1.4\n% evaluation of the triage pilot ${unique("pdf")}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`);

let source: Awaited<ReturnType<typeof startTestPocketBase>>;
let pb: PocketBase;
let sourceConfig: Config;
let base: string;
let fresh: string;
let backupFile: string;
const users: { id: string; email: string }[] = [];
const posts: { id: string; title: string }[] = [];
let attached: { post: string; name: string };

// Every file under a folder with its size and content hash: "nothing was changed" made checkable.
async function fingerprint(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const visit = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) await visit(p);
      else
        out[path.relative(dir, p)] = `${(await stat(p)).size}:${createHash("sha256")
          .update(await readFile(p))
          .digest("hex")}`;
    }
  };
  await visit(dir);
  return out;
}

// A well-formed zip (one stored entry) that is not a PocketBase backup.
function zipOf(name: string, content: Buffer, crc = crc32(content)): Buffer {
  const n = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(content.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(content.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(n.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + n.length, 12);
  end.writeUInt32LE(30 + n.length + content.length, 16);
  return Buffer.concat([local, n, content, central, n, end]);
}

function configFor(dataDir: string, port: number): Config {
  return parseConfig({ DATA_DIR: dataDir, POCKETBASE_PORT: String(port) });
}

async function startOn(dataDir: string): Promise<RunningPocketBase> {
  return startPocketBase({ bin: await ensurePocketBaseBinary(quiet), dataDir, port: await freePort() });
}

beforeAll(async () => {
  source = await startTestPocketBase();
  pb = await connectAsSuperuser(source.url, TEST_SUPERUSER);
  sourceConfig = parseConfig({
    DATA_DIR: source.dataDir,
    POCKETBASE_PORT: new URL(source.url).port,
    PB_SUPERUSER_EMAIL: TEST_SUPERUSER.email,
    PB_SUPERUSER_PASSWORD: TEST_SUPERUSER.password,
  });
  base = await mkdtemp(path.join(os.tmpdir(), "casebook-backup-test-"));
  fresh = path.join(base, "fresh");
  for (let i = 0; i < 3; i++) users.push(await createUser(pb));
  const org = await createOrganization(pb, [{ userId: users[0]!.id, role: "editor" }]);
  for (const [i, status] of ["published", "draft", "submitted"].entries()) {
    const title = `Backed-up post ${i} ${unique("title")}`;
    const record = await pb.collection("posts").create({
      kind: "case_study",
      slug: unique("post"),
      title,
      language: "en",
      status,
      organization: org.id,
      author: users[i]!.id,
      ...(i === 0 ? { attachments: [new File([PDF], "evaluation.pdf", { type: "application/pdf" })] } : {}),
    });
    posts.push({ id: record.id, title });
    if (i === 0) attached = { post: record.id, name: record.attachments[0] };
  }
});

afterAll(async () => {
  await source?.stop();
  if (base) await rm(base, { recursive: true, force: true });
});

// One story in steps: the backup the first test makes is restored, refused over, forced over and
// damaged by the next ones (each a PocketBase start or two), so its tests keep their order under
// --sequence.shuffle (the files still shuffle).
describe("backup and restore", { shuffle: false }, () => {
  it("npm run backup's logic makes a zip in DATA_DIR/pb_data/backups and an identical 0600 copy outside DATA_DIR", async () => {
    const copies = path.join(base, "copies");
    const result = await createBackup(sourceConfig, { copyDir: copies, log: quiet });
    expect(result.file).toBe(path.join(source.dataDir, "pb_data", "backups", result.key));
    expect(result.copy).toBe(path.join(copies, result.key));
    const [original, copy] = await Promise.all([readFile(result.file!), readFile(result.copy!)]);
    expect(copy.equals(original)).toBe(true);
    expect(original.length).toBe(result.size);
    expect((await stat(result.copy!)).mode & 0o777).toBe(0o600);
    backupFile = result.copy!;
  });

  it("backs up a stopped platform through a PocketBase it starts on DATA_DIR and stops afterwards", async () => {
    const stopped = path.join(base, "stopped");
    const first = await restoreBackup(configFor(stopped, await freePort()), backupFile, { force: false, log: quiet });
    expect(first.keptAside).toBeUndefined();
    const port = await freePort();
    const result = await createBackup(configFor(stopped, port), { log: quiet });
    expect(result.file).toBe(path.join(stopped, "pb_data", "backups", result.key));
    expect((await stat(result.file!)).size).toBe(result.size);
    const health = await fetch(`http://127.0.0.1:${port}/api/health`).then(
      () => "answers",
      () => "stopped",
    );
    expect(health).toBe("stopped");
    expect(await pocketBasesOn(stopped)).toEqual([]);
  });

  it("refuses a copy folder inside DATA_DIR before making any backup", async () => {
    const before = await pb.backups.getFullList();
    await expect(createBackup(sourceConfig, { copyDir: path.join(source.dataDir, "copies"), log: quiet })).rejects.toThrow(
      /CASEBOOK_BACKUP_COPY_DIR=.* is inside DATA_DIR .*Choose a folder outside DATA_DIR/,
    );
    expect(await pb.backups.getFullList()).toHaveLength(before.length);
    expect(existsSync(path.join(source.dataDir, "copies"))).toBe(false);
  });

  it("restores into a fresh data folder where every account, post and file is found again, and drops the old search snapshot", async () => {
    expect(backupFile, "the backup test above must run first").toBeTruthy();
    // A search snapshot left in the folder describes other data: the restore removes it.
    await mkdir(path.join(fresh, "search"), { recursive: true });
    await writeFile(path.join(fresh, "search", "embedded.index"), "{}");
    const result = await restoreBackup(configFor(fresh, await freePort()), backupFile, { force: false, log: quiet });
    expect(result).toEqual({ keptAside: undefined, searchRemoved: true });
    expect(existsSync(path.join(fresh, "search"))).toBe(false);

    const restored = await startOn(fresh);
    try {
      // The restored database carries the source's superuser too.
      const client = await connectAsSuperuser(restored.url, TEST_SUPERUSER);
      for (const user of users) expect((await client.collection("users").getOne(user.id)).email).toBe(user.email);
      for (const post of posts) expect((await client.collection("posts").getOne(post.id)).title).toBe(post.title);
      const record = await client.collection("posts").getOne(attached.post);
      expect(record.attachments).toEqual([attached.name]);
      const token = await client.files.getToken();
      const res = await fetch(client.files.getURL(record, attached.name, { token }));
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(PDF)).toBe(true);
    } finally {
      await restored.stop();
    }
  });

  it("refuses, changing nothing, to restore over a folder that holds data without --force", async () => {
    expect(existsSync(path.join(fresh, "pb_data", "data.db")), "the restore test above must run first").toBe(true);
    const before = await fingerprint(base);
    await expect(restoreBackup(configFor(fresh, await freePort()), backupFile, { force: false, log: quiet })).rejects.toThrow(
      /already holds PocketBase data, which the restore would replace; nothing was changed\. To restore anyway, run again with --force/,
    );
    expect(await fingerprint(base)).toEqual(before);
  });

  it("refuses, changing nothing, a missing file, a file that is not a zip and a zip that is not a PocketBase backup", async () => {
    const text = path.join(base, "notes.zip");
    const foreign = path.join(base, "photos.zip");
    await writeFile(text, "these are not the droids you are looking for\n");
    await writeFile(foreign, zipOf("holiday.jpg", Buffer.from("not really a photo")));
    const before = await fingerprint(base);
    const config = configFor(fresh, await freePort());
    await expect(restoreBackup(config, path.join(base, "missing.zip"), { force: true, log: quiet })).rejects.toThrow(/missing\.zip does not exist/);
    await expect(restoreBackup(config, text, { force: true, log: quiet })).rejects.toThrow(/notes\.zip is not a zip file, so not a PocketBase backup/);
    await expect(restoreBackup(config, foreign, { force: true, log: quiet })).rejects.toThrow(
      /photos\.zip is a zip but not a PocketBase backup \(it holds no data\.db\)/,
    );
    expect(await fingerprint(base)).toEqual(before);
  });

  it("refuses while PocketBase runs on the data folder, whether on the configured port or another one", async () => {
    const running = await startOn(fresh);
    try {
      const entries = await readdir(fresh);
      const secrets = await readFile(path.join(fresh, "secrets.json"));
      const onItsPort = configFor(fresh, Number(new URL(running.url).port));
      const elsewhere = configFor(fresh, await freePort());
      for (const config of [onItsPort, elsewhere]) {
        await expect(restoreBackup(config, backupFile, { force: true, log: quiet })).rejects.toThrow(
          /PocketBase is running on this platform .*Stop `npm start` \(Ctrl-C\) first, then run the restore again; nothing was changed/,
        );
      }
      expect(await readdir(fresh)).toEqual(entries);
      expect((await readFile(path.join(fresh, "secrets.json"))).equals(secrets)).toBe(true);
      const client = await connectAsSuperuser(running.url, TEST_SUPERUSER);
      expect((await client.collection("posts").getOne(posts[0]!.id)).title).toBe(posts[0]!.title);
    } finally {
      await running.stop();
    }
  });

  it("with --force keeps the current data aside, untouched, and restores", async () => {
    const running = await startOn(fresh);
    const client = await connectAsSuperuser(running.url, TEST_SUPERUSER);
    const lateUser = await createUser(client);
    await running.stop();
    const current = await fingerprint(path.join(fresh, "pb_data"));
    const result = await restoreBackup(configFor(fresh, await freePort()), backupFile, { force: true, log: quiet });
    expect(result.keptAside).toMatch(new RegExp(`^${path.join(fresh, "pb_data")}\\.before-restore-\\d{8}-\\d{6}$`));
    expect(await fingerprint(result.keptAside!)).toEqual(current);

    const restored = await startOn(fresh);
    try {
      const after = await connectAsSuperuser(restored.url, TEST_SUPERUSER);
      for (const post of posts) expect((await after.collection("posts").getOne(post.id)).title).toBe(post.title);
      // The account made after the backup is in the kept-aside data only.
      await expect(after.collection("users").getOne(lateUser.id)).rejects.toMatchObject({ status: 404 });
    } finally {
      await restored.stop();
    }
  });

  it("a backup PocketBase cannot open fails the restore and puts the data folder back as it was", async () => {
    const damaged = path.join(base, "damaged.zip");
    await writeFile(damaged, zipOf("data.db", Buffer.from("this is not an SQLite database, only its name is right\n".repeat(100))));
    const before = await fingerprint(fresh);
    await expect(restoreBackup(configFor(fresh, await freePort()), damaged, { force: true, log: quiet })).rejects.toThrow(
      /damaged\.zip.*\n(.*\n)*DATA_DIR was put back as it was before the restore\./,
    );
    expect(await fingerprint(fresh)).toEqual(before);
  });

  it("a backup PocketBase cannot unpack fails the restore with PocketBase's reason and leaves a new data folder as it was", async () => {
    const corrupt = path.join(base, "corrupt.zip");
    const data = Buffer.from("SQLite format 3\0 but damaged on the way\n");
    await writeFile(corrupt, zipOf("data.db", data, (crc32(data) + 1) >>> 0));
    const folder = path.join(base, "new-machine");
    await expect(restoreBackup(configFor(folder, await freePort()), corrupt, { force: false, log: quiet })).rejects.toThrow(
      /PocketBase could not restore .*corrupt\.zip: .*checksum.*\nDATA_DIR was put back as it was before the restore\./s,
    );
    expect(existsSync(folder)).toBe(false);
  });

  it("the restore command says what is wrong and exits 1 when the file is not there", async () => {
    const run = promisify(execFile);
    const failure = await run(process.execPath, [path.join(root, "scripts/restore.ts"), path.join(base, "nowhere.zip")], {
      cwd: root,
      env: { ...process.env, DATA_DIR: fresh, POCKETBASE_URL: "", POCKETBASE_PORT: String(await freePort()) },
    }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(/\[restore\] .*nowhere\.zip does not exist\. Give the path of a backup zip/);
  });
});

describe("scheduled backups", () => {
  it("writes the schedule and the retention into PocketBase's settings; off empties the schedule", async () => {
    await applyBackupSchedule(pb, quiet, { CASEBOOK_BACKUP_CRON: "30 2 * * *", CASEBOOK_BACKUP_KEEP: "3" });
    expect((await pb.settings.getAll()).backups).toMatchObject({ cron: "30 2 * * *", cronMaxKeep: 3 });
    await applyBackupSchedule(pb, quiet, {});
    expect((await pb.settings.getAll()).backups).toMatchObject({ cron: "0 3 * * *", cronMaxKeep: 7 });
    await applyBackupSchedule(pb, quiet, { CASEBOOK_BACKUP_CRON: "off" });
    expect((await pb.settings.getAll()).backups).toMatchObject({ cron: "" });
  });

  it("a cron expression PocketBase rejects stops start-up with a configuration error naming the variable", async () => {
    const attempt = applyBackupSchedule(pb, quiet, { CASEBOOK_BACKUP_CRON: "61 3 * * *" });
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(applyBackupSchedule(pb, quiet, { CASEBOOK_BACKUP_CRON: "61 3 * * *" })).rejects.toThrow(
      /CASEBOOK_BACKUP_CRON: PocketBase rejects "61 3 \* \* \*"/,
    );
  });
});
