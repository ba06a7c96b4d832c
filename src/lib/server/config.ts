// Runtime configuration, read once from process.env and validated (DESIGN.md §2). Never
// from import.meta.env: Astro inlines that at build time, and secrets must not be baked in.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { parseProxyList, type ProxyRange } from "./addresses.ts";

const port = (name: string, fallback: number) =>
  z.coerce
    .number({ error: `${name} must be a port number, e.g. ${name}=${fallback}` })
    .int({ error: `${name} must be a whole number between 1 and 65535` })
    .min(1, { error: `${name} must be between 1 and 65535` })
    .max(65535, { error: `${name} must be between 1 and 65535` })
    .default(fallback);

const optionalUrl = (name: string, example: string) =>
  z
    .url({ error: `${name} must be a full URL such as ${example}` })
    .refine((u) => /^https?:\/\//.test(u), { error: `${name} must start with http:// or https://, e.g. ${example}` })
    .optional();

const envSchema = z.object({
  HOST: z.string().min(1, { error: "HOST must not be empty; use 127.0.0.1 or 0.0.0.0" }).default("127.0.0.1"),
  PORT: port("PORT", 4321),
  PUBLIC_URL: optionalUrl("PUBLIC_URL", "https://casebook.example.org"),
  DATA_DIR: z.string().min(1, { error: "DATA_DIR must not be empty; unset it to use .data" }).default(".data"),
  POCKETBASE_URL: optionalUrl("POCKETBASE_URL", "http://127.0.0.1:8090"),
  POCKETBASE_PORT: port("POCKETBASE_PORT", 8090),
  POCKETBASE_BIN: z.string().min(1).optional(),
  PB_SUPERUSER_EMAIL: z.email({ error: "PB_SUPERUSER_EMAIL must be an e-mail address (or unset it to generate one)" }).optional(),
  PB_SUPERUSER_PASSWORD: z.string().min(10, { error: "PB_SUPERUSER_PASSWORD must have at least 10 characters (or unset it to generate one)" }).optional(),
  TRUSTED_PROXIES: z
    .string()
    .transform((value, ctx) => {
      const parsed = parseProxyList(value);
      if (parsed.ok) return parsed.ranges;
      ctx.addIssue({
        code: "custom",
        message: `TRUSTED_PROXIES: ${parsed.message}; list the reverse proxies in front of the site, e.g. TRUSTED_PROXIES=127.0.0.1,10.0.0.0/8`,
      });
      return z.NEVER;
    })
    .optional(),
  MEILI_URL: optionalUrl("MEILI_URL", "http://127.0.0.1:7700"),
  MEILI_MASTER_KEY: z.string().optional(),
  SMTP_URL: z
    .string()
    .refine((u) => /^smtps?:\/\//.test(u), { error: "SMTP_URL must look like smtp://user:pass@host:587 or smtps://…" })
    .optional(),
  CASEBOOK_SECRET: z.string().min(32, { error: "CASEBOOK_SECRET must have at least 32 characters (or unset it to generate one)" }).optional(),
  CASEBOOK_ADMIN_EMAIL: z.email({ error: "CASEBOOK_ADMIN_EMAIL must be an e-mail address (the first platform administrator)" }).optional(),
  CONTACT_EMAIL: z.email({ error: "CONTACT_EMAIL must be an e-mail address (where people write to the moderators, e.g. to appeal)" }).optional(),
  CASEBOOK_DEMO: z.enum(["0", "1"], { error: "CASEBOOK_DEMO must be 0 (no demo content) or 1" }).default("1"),
  ALLOWED_HOSTS: z
    .string()
    .regex(/^\s*[a-z0-9.\-[\]:]+(\s*,\s*[a-z0-9.\-[\]:]+)*\s*$/i, {
      error: "ALLOWED_HOSTS must be host names with optional ports, separated by commas, e.g. casebook.example.org,www.casebook.example.org",
    })
    .optional(),
  CASEBOOK_ANONYMITY_K: z.coerce
    .number({ error: "CASEBOOK_ANONYMITY_K must be a whole number of organisations, e.g. CASEBOOK_ANONYMITY_K=5" })
    .int({ error: "CASEBOOK_ANONYMITY_K must be a whole number, e.g. 5" })
    .min(2, { error: "CASEBOOK_ANONYMITY_K must be at least 2: a descriptor shared by one organisation is its name" })
    .max(1000, { error: "CASEBOOK_ANONYMITY_K must be at most 1000" })
    .default(5),
  CASEBOOK_RATE_LIMITS: z
    .enum(["memory", "pocketbase"], {
      error: "CASEBOOK_RATE_LIMITS must be memory (one site process) or pocketbase (several site processes share the counts)",
    })
    .default("memory"),
  CASEBOOK_SEARCH_THREADS: z.coerce
    .number({ error: "CASEBOOK_SEARCH_THREADS must be a whole number of threads, e.g. CASEBOOK_SEARCH_THREADS=1 (0: none)" })
    .int({ error: "CASEBOOK_SEARCH_THREADS must be a whole number, e.g. 1" })
    .min(0, { error: "CASEBOOK_SEARCH_THREADS must be 0 (hits built on the request thread) or more" })
    .max(16, { error: "CASEBOOK_SEARCH_THREADS must be at most 16" })
    .optional(),
  CASEBOOK_LOG: z.enum(["json", "off"], { error: "CASEBOOK_LOG must be json (one JSON line per request and job on stdout) or off" }).default("json"),
  CASEBOOK_METRICS_TOKEN: z
    .string()
    .min(24, { error: "CASEBOOK_METRICS_TOKEN must be at least 24 characters: it is the only thing between /metrics and anybody" })
    .optional(),
});

/** Thrown when the environment is invalid; its message names each variable and the fix. */
export class ConfigError extends Error {}

/** Parses an environment into the typed configuration, or throws a ConfigError. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  // Treat empty strings as unset: `FOO= npm start` should mean "no FOO".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  if ((e.PB_SUPERUSER_EMAIL === undefined) !== (e.PB_SUPERUSER_PASSWORD === undefined)) {
    throw new ConfigError("Invalid configuration:\n  PB_SUPERUSER_EMAIL and PB_SUPERUSER_PASSWORD must be set together (or both left unset to generate them)");
  }
  if (e.MEILI_MASTER_KEY !== undefined && e.MEILI_URL === undefined) {
    throw new ConfigError("Invalid configuration:\n  MEILI_MASTER_KEY is set but MEILI_URL is not; set MEILI_URL=http://host:7700");
  }
  const dataDir = path.resolve(e.DATA_DIR);
  const displayHost = e.HOST === "0.0.0.0" ? "localhost" : e.HOST;
  return {
    host: e.HOST,
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://${displayHost}:${e.PORT}`).replace(/\/$/, ""),
    dataDir,
    pocketbaseUrl: e.POCKETBASE_URL?.replace(/\/$/, "") ?? `http://127.0.0.1:${e.POCKETBASE_PORT}`,
    pocketbaseExternal: e.POCKETBASE_URL !== undefined,
    pocketbasePort: e.POCKETBASE_PORT,
    pocketbaseBin: e.POCKETBASE_BIN,
    trustedProxies: e.TRUSTED_PROXIES ?? [],
    superuser: e.PB_SUPERUSER_EMAIL && e.PB_SUPERUSER_PASSWORD ? { email: e.PB_SUPERUSER_EMAIL, password: e.PB_SUPERUSER_PASSWORD } : undefined,
    meili: e.MEILI_URL ? { url: e.MEILI_URL, apiKey: e.MEILI_MASTER_KEY } : undefined,
    smtpUrl: e.SMTP_URL,
    appSecret: e.CASEBOOK_SECRET,
    adminEmail: e.CASEBOOK_ADMIN_EMAIL,
    contactEmail: e.CONTACT_EMAIL ?? e.CASEBOOK_ADMIN_EMAIL,
    demo: e.CASEBOOK_DEMO === "1",
    allowedHosts: (e.ALLOWED_HOSTS ?? "")
      .split(",")
      .map((h) => h.trim())
      .filter(Boolean),
    anonymityK: e.CASEBOOK_ANONYMITY_K,
    rateLimits: e.CASEBOOK_RATE_LIMITS,
    log: e.CASEBOOK_LOG,
    metricsToken: e.CASEBOOK_METRICS_TOKEN,
    searchThreads: e.CASEBOOK_SEARCH_THREADS,
  };
}

let cached: Config | undefined;

/** The process configuration, parsed on first use. */
export function getConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/** Path of the generated secrets file inside DATA_DIR. */
export function secretsPath(dataDir: string): string {
  return path.join(dataDir, "secrets.json");
}

/** Superuser credentials from the environment, else from DATA_DIR/secrets.json. */
export function getSuperuserCredentials(config: Config = getConfig()): { email: string; password: string } {
  if (config.superuser) return config.superuser;
  const file = secretsPath(config.dataDir);
  if (!existsSync(file)) {
    throw new ConfigError(
      `No PocketBase superuser credentials: set PB_SUPERUSER_EMAIL and PB_SUPERUSER_PASSWORD, or run \`npm start\` once so it generates ${file}`,
    );
  }
  const secrets = z.object({ pbSuperuserEmail: z.email(), pbSuperuserPassword: z.string().min(10) }).safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!secrets.success) throw new ConfigError(`${file} is damaged: delete it and restart to generate new credentials`);
  return { email: secrets.data.pbSuperuserEmail, password: secrets.data.pbSuperuserPassword };
}

/** The key that signs e-mail links: CASEBOOK_SECRET, else the one generated into DATA_DIR/secrets.json. */
export function getAppSecret(config: Config = getConfig()): string {
  if (config.appSecret) return config.appSecret;
  const file = secretsPath(config.dataDir);
  const parsed = existsSync(file) ? z.object({ appSecret: z.string().min(32) }).safeParse(JSON.parse(readFileSync(file, "utf8"))) : undefined;
  if (!parsed?.success) {
    throw new ConfigError(`No signing secret: set CASEBOOK_SECRET (32+ characters), or run \`npm start\` once so it generates ${file}`);
  }
  return parsed.data.appSecret;
}

/** Typed, validated configuration. */
export type Config = {
  host: string;
  port: number;
  publicUrl: string;
  dataDir: string;
  pocketbaseUrl: string;
  pocketbaseExternal: boolean;
  pocketbasePort: number;
  pocketbaseBin: string | undefined;
  /** Reverse proxies whose X-Forwarded-For is believed (none by default). */
  trustedProxies: ProxyRange[];
  superuser: { email: string; password: string } | undefined;
  meili: { url: string; apiKey: string | undefined } | undefined;
  smtpUrl: string | undefined;
  appSecret: string | undefined;
  adminEmail: string | undefined;
  /** Where people write to the moderators (appeals): CONTACT_EMAIL, else CASEBOOK_ADMIN_EMAIL. */
  contactEmail: string | undefined;
  demo: boolean;
  /** Extra Host header values the site answers to (besides PUBLIC_URL's host and loopback). */
  allowedHosts: string[];
  /** How many verified organisations must share a public descriptor before it is used. */
  anonymityK: number;
  /** Where the rate limits keep their counts: this process's memory, or PocketBase (shared by every site process). */
  rateLimits: "memory" | "pocketbase";
  /** Request and job log lines on stdout: JSON, or none. */
  log: "json" | "off";
  /** The bearer token /metrics asks for; without one /metrics answers 404. */
  metricsToken: string | undefined;
  /** Threads that build search hits (embedded engine); undefined: one per core beyond the first. */
  searchThreads: number | undefined;
};
