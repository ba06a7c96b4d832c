// A real SMTP server in the test process (issue 13 §7): nodemailer's authors' `smtp-server`
// on a free loopback port, keeping every message it receives parsed by `mailparser`. It can
// be stopped and started again on the same port to stand for an outage of the mail server.
import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

/** Starts an SMTP server on `port` (0: a free one). */
export async function startSmtpServer(port = 0): Promise<TestSmtpServer> {
  const messages: ReceivedMail[] = [];
  let server: SMTPServer | null = null;
  let boundPort = port;

  const listen = async () => {
    const instance = new SMTPServer({
      // Plain SMTP on loopback: no TLS certificate to fake, no account to log in with.
      disabledCommands: ["STARTTLS", "AUTH"],
      authOptional: true,
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          const raw = Buffer.concat(chunks);
          simpleParser(raw).then(
            (parsed) => {
              messages.push({ raw: raw.toString("utf8"), parsed, rcptTo: session.envelope.rcptTo.map((r) => r.address.toLowerCase()) });
              callback();
            },
            (error: Error) => callback(error),
          );
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      instance.once("error", reject);
      instance.listen(boundPort, "127.0.0.1", () => resolve());
    });
    boundPort = (instance.server.address() as AddressInfo).port;
    server = instance;
  };

  await listen();
  return {
    get port() {
      return boundPort;
    },
    get url() {
      return `smtp://127.0.0.1:${boundPort}`;
    },
    messages,
    to: (address: string) => messages.filter((m) => m.rcptTo.includes(address.toLowerCase())),
    async stop() {
      const current = server;
      server = null;
      if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
    },
    async start() {
      if (!server) await listen();
    },
  };
}

/** A message the test server received: raw source, parsed parts and envelope recipients. */
export type ReceivedMail = { raw: string; parsed: ParsedMail; rcptTo: string[] };

/** The running test server. */
export type TestSmtpServer = {
  readonly port: number;
  readonly url: string;
  messages: ReceivedMail[];
  to(address: string): ReceivedMail[];
  stop(): Promise<void>;
  start(): Promise<void>;
};
