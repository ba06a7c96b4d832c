// The pure parts of backups (issue 16 §9): the schedule read from the environment and the rule
// that a copy of a backup never lives inside DATA_DIR.
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackupError, checkCopyDir, parseBackupSchedule } from "../../scripts/lib/backups.ts";
import { ConfigError } from "../../src/lib/server/config.ts";

describe("backup schedule from the environment", () => {
  it("backs up daily at 03:00 UTC and keeps 7 when nothing is set (empty counts as unset)", () => {
    expect(parseBackupSchedule({})).toEqual({ cron: "0 3 * * *", keep: 7 });
    expect(parseBackupSchedule({ CASEBOOK_BACKUP_CRON: "", CASEBOOK_BACKUP_KEEP: " " })).toEqual({ cron: "0 3 * * *", keep: 7 });
  });

  it("takes a cron expression, a macro and a retention; off turns the schedule off", () => {
    expect(parseBackupSchedule({ CASEBOOK_BACKUP_CRON: " 30  2 * * 1 ", CASEBOOK_BACKUP_KEEP: "14" })).toEqual({ cron: "30 2 * * 1", keep: 14 });
    expect(parseBackupSchedule({ CASEBOOK_BACKUP_CRON: "@daily" })).toEqual({ cron: "@daily", keep: 7 });
    expect(parseBackupSchedule({ CASEBOOK_BACKUP_CRON: "off" })).toEqual({ cron: "", keep: 7 });
  });

  it.each([
    [{ CASEBOOK_BACKUP_KEEP: "0" }, /CASEBOOK_BACKUP_KEEP must be at least 1/],
    [{ CASEBOOK_BACKUP_KEEP: "-3" }, /CASEBOOK_BACKUP_KEEP must be at least 1/],
    [{ CASEBOOK_BACKUP_KEEP: "2.5" }, /CASEBOOK_BACKUP_KEEP must be a whole number/],
    [{ CASEBOOK_BACKUP_KEEP: "seven" }, /CASEBOOK_BACKUP_KEEP must be a whole number of backups to keep, e\.g\. CASEBOOK_BACKUP_KEEP=7/],
    [{ CASEBOOK_BACKUP_CRON: "daily" }, /CASEBOOK_BACKUP_CRON must be a five-field cron expression .*"off"/],
    [{ CASEBOOK_BACKUP_CRON: "0 3 * *" }, /CASEBOOK_BACKUP_CRON must be a five-field cron expression/],
    [{ CASEBOOK_BACKUP_CRON: "Off" }, /CASEBOOK_BACKUP_CRON must be/],
  ])("refuses %o with a message naming the variable and the fix", (env, message) => {
    expect(() => parseBackupSchedule(env)).toThrow(ConfigError);
    expect(() => parseBackupSchedule(env)).toThrow(message);
  });
});

describe("the folder for backup copies", () => {
  let base: string;
  let dataDir: string;
  beforeAll(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), "casebook-backup-unit-"));
    dataDir = path.join(base, "data");
    await mkdir(dataDir);
    await symlink(dataDir, path.join(base, "link-to-data"));
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  it("accepts a folder beside DATA_DIR, even one whose name starts like it", () => {
    expect(checkCopyDir(path.join(base, "copies"), dataDir)).toBe(path.join(base, "copies"));
    expect(checkCopyDir(`${dataDir}-copies`, dataDir)).toBe(`${dataDir}-copies`);
  });

  it.each([
    ["DATA_DIR itself", (d: string) => d],
    ["a folder inside it, not yet made", (d: string) => path.join(d, "backups", "copies")],
    ["a path that climbs back into it", (d: string) => path.join(d, "..", "data", "x")],
    ["a symbolic link to it", (d: string) => path.join(path.dirname(d), "link-to-data", "copies")],
  ])("refuses %s and says to choose a folder outside", (_label, folder) => {
    expect(() => checkCopyDir(folder(dataDir), dataDir)).toThrow(BackupError);
    expect(() => checkCopyDir(folder(dataDir), dataDir)).toThrow(/is inside DATA_DIR .* Choose a folder outside DATA_DIR/);
  });
});
