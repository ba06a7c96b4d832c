// DATA_DIR holds the database, uploaded files, secrets and the mail drop: owner-only
// (DESIGN.md §5.8, issue 9 §7). Folders made before this rule existed are repaired at start.
import { chmod, lstat, mkdir, readdir } from "node:fs/promises";
import path from "node:path";

/** Creates DATA_DIR owner-only, or tightens an existing one (0700 folders, 0600 files); returns how many entries changed. */
export async function secureDataDir(dataDir: string, log?: (line: string) => void): Promise<number> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  let changed = 0;
  const visit = async (entry: string): Promise<void> => {
    const stat = await lstat(entry);
    if (stat.isSymbolicLink()) return;
    if (stat.isDirectory()) {
      if ((stat.mode & 0o777) !== 0o700) {
        await chmod(entry, 0o700);
        changed++;
      }
      for (const name of await readdir(entry)) await visit(path.join(entry, name));
    } else if (stat.isFile() && (stat.mode & 0o077) !== 0) {
      await chmod(entry, (stat.mode & 0o700 & ~0o111) | 0o600);
      changed++;
    }
  };
  await visit(dataDir);
  if (changed > 0)
    log?.(
      `made ${changed} file${changed === 1 ? "" : "s"} and folder${changed === 1 ? "" : "s"} under ${dataDir} readable by their owner only (other local users could read them)`,
    );
  return changed;
}
