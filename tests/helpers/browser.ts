// Debian's Chromium driven by Playwright (no downloaded browsers on these machines).
import { chromium, type Browser } from "playwright-core";

/** Launches headless Chromium from /usr/bin/chromium (or CHROMIUM_PATH). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
}
