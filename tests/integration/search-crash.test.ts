// Issue 15: the embedded index survives a crash mid-write. A real process indexes and saves its
// snapshot in a loop and is killed (SIGKILL, no chance to clean up) while indexing and at
// varying moments of its saves; each time, a new engine either loads a snapshot the process
// finished writing — whole, with one of the fingerprints it announced — or finds none and says
// so (load() false: the caller rebuilds from PocketBase and logs why, tests/integration/search.test.ts).
// Never a torn file read as an index.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createEmbeddedEngine } from "../../src/lib/server/search/embedded.ts";
import { makeQuery } from "../../src/lib/server/search/engine.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

type Writer = { child: ChildProcess; lines: string[]; exited: Promise<void> };

function startWriter(snapshotPath: string, count: number): Writer {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, "../helpers/search-writer.ts"), snapshotPath, String(count)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  let rest = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split("\n");
    rest = parts.pop()!;
    lines.push(...parts);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return { child, lines, exited };
}

async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1200 && !done(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!done()) throw new Error(`timed out waiting for ${what}`);
}

const announced = (lines: string[], verb: "saving" | "saved") => lines.filter((l) => l.startsWith(`${verb} `)).map((l) => l.slice(verb.length + 1));

describe("embedded index, writer killed mid-write", () => {
  it("killed while indexing, before any save: no snapshot, so the next start rebuilds", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "casebook-crash-"));
    dirs.push(dir);
    const file = path.join(dir, "embedded.index");
    const writer = startWriter(file, 3000);
    await until(() => writer.lines.includes("indexing"), "indexing to start");
    writer.child.kill("SIGKILL");
    await writer.exited;
    expect(announced(writer.lines, "saved")).toEqual([]);
    expect(await createEmbeddedEngine({ snapshotPath: file }).load()).toBe(false);
  });

  // Kill points spread over the save: before the first bytes, while writing, around the rename.
  it.each([0, 3, 10, 25, 60])("killed %i ms into a save: the snapshot left is one the writer finished, whole", { timeout: 60_000 }, async (delay) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "casebook-crash-"));
    dirs.push(dir);
    const file = path.join(dir, "embedded.index");
    const writer = startWriter(file, 3000);
    // Past the first save, at the start of a later one.
    await until(() => announced(writer.lines, "saved").length >= 1 && announced(writer.lines, "saving").length >= 2, "a second save to start");
    await new Promise((r) => setTimeout(r, delay));
    writer.child.kill("SIGKILL");
    await writer.exited;

    const engine = createEmbeddedEngine({ snapshotPath: file });
    expect(await engine.load()).toBe(true);
    // Whichever save last reached its rename: announced before it began ("saving"), since the
    // fingerprint is taken then; a torn file would not load at all.
    expect(announced(writer.lines, "saving")).toContain(engine.fingerprint());
    const count = await engine.count();
    expect(count).toBeGreaterThanOrEqual(3000);
    // It answers as an index of that many posts: every post, and a word of the fixture corpus.
    expect((await engine.search(makeQuery({ perPage: 1 }))).total).toBe(count);
    expect((await engine.search(makeQuery({ q: "triage" }))).total).toBeGreaterThan(0);
    // What the killed save left behind is only its temporary file (removed by the next start).
    expect(
      readdirSync(dir)
        .filter((name) => name !== "embedded.index")
        .every((name) => name.endsWith(".tmp")),
    ).toBe(true);
  });
});
