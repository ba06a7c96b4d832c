// The site process (`npm start` and the tests spawn this, not dist/server/entry.mjs): Astro's
// standalone server, started here so that SIGTERM or SIGINT stops it gracefully (issue 16 §10):
// no new connections, requests in flight finish (up to CASEBOOK_SHUTDOWN_TIMEOUT_MS, 10 s by
// default), then the shutdown hooks run (scheduled jobs, work after responses, the outbox
// workers' current batch, the search snapshot; src/lib/server/shutdown.ts) and the process
// exits 0. PocketBase is stopped by `npm start` only after this process has exited.
import type { Server } from "node:http";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { beginShutdown, coordinateShutdown, runShutdownHooks } from "../src/lib/server/shutdown.ts";
import { outDir } from "./lib/build-stamp.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const timeoutMs = Number(process.env.CASEBOOK_SHUTDOWN_TIMEOUT_MS ?? "") || 10_000;
const log = (line: string) => console.log(`[casebook] ${line}`);

// Before the bundle loads: its modules register shutdown hooks instead of signal handlers, and
// Astro's entry waits for startServer() below.
coordinateShutdown();
process.env.ASTRO_NODE_AUTOSTART = "disabled";
const entry = (await import(pathToFileURL(path.join(outDir(root), "server", "entry.mjs")).href)) as {
  startServer: () => { server: { server: Server } };
};
const server = entry.startServer().server.server;

let inFlight = 0;
let drained: (() => void) | null = null;
server.on("request", (_req, res) => {
  inFlight++;
  res.once("close", () => {
    inFlight--;
    if (inFlight === 0) drained?.();
  });
});

let stopping = false;
async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  const started = Date.now();
  beginShutdown();
  log(`${signal}: taking no new requests; finishing ${inFlight} in flight (up to ${timeoutMs / 1000} s)`);
  // close() stops listening; idle keep-alive connections are closed at once, busy ones once
  // their response is sent (Node answers with `Connection: close` while closing).
  server.close();
  server.closeIdleConnections();
  if (inFlight > 0) {
    const finished = await new Promise<boolean>((resolve) => {
      drained = () => resolve(true);
      setTimeout(() => resolve(false), timeoutMs).unref();
    });
    if (!finished) log(`${inFlight} request(s) still running after ${timeoutMs / 1000} s: closing their connections`);
  }
  server.closeAllConnections();
  const steps = await runShutdownHooks();
  for (const step of steps) {
    if (step.error) console.error(`[casebook] shutdown: ${step.name} failed: ${step.error}`);
  }
  log(`stopped in ${((Date.now() - started) / 1000).toFixed(1)} s (${steps.map((s) => s.name).join(", ") || "nothing to finish"})`);
  process.exit(steps.some((s) => s.error) ? 1 : 0);
}
process.on("SIGTERM", (signal) => void stop(signal));
process.on("SIGINT", (signal) => void stop(signal));
