// Decides whether the Astro build in dist/ is older than the sources it was built from.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const INPUTS = ["src", "content/pages", "public", "astro.config.mjs", "package-lock.json", "tsconfig.json"];

function walk(root: string, out: string[]): void {
  if (!existsSync(root)) return;
  const stat = statSync(root);
  if (stat.isFile()) {
    out.push(root);
    return;
  }
  for (const entry of readdirSync(root).sort()) walk(path.join(root, entry), out);
}

/** A hash of every file the build reads, so edits and checkouts both count. */
export function sourceHash(projectRoot: string): string {
  const files: string[] = [];
  for (const input of INPUTS) walk(path.join(projectRoot, input), files);
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(path.relative(projectRoot, file));
    hash.update(readFileSync(file));
  }
  return hash.digest("hex");
}

/** The build folder: dist/, or CASEBOOK_OUT_DIR (so parallel test runs do not rebuild each other's site). */
export function outDir(projectRoot: string): string {
  return path.resolve(projectRoot, process.env.CASEBOOK_OUT_DIR || "dist");
}

/** Path of the stamp written next to a successful build. */
export function stampPath(projectRoot: string): string {
  return path.join(outDir(projectRoot), ".casebook-build-stamp");
}

/** True when the build folder is missing or was built from other sources. */
export function isBuildStale(projectRoot: string): boolean {
  const stamp = stampPath(projectRoot);
  if (!existsSync(stamp) || !existsSync(path.join(outDir(projectRoot), "server", "entry.mjs"))) return true;
  return readFileSync(stamp, "utf8").trim() !== sourceHash(projectRoot);
}
