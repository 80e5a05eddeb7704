/**
 * A small SMTP server for tests, over node:net on 127.0.0.1: it speaks
 * enough ESMTP (EHLO, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA, RSET, NOOP,
 * QUIT), records each message's envelope and raw text, and can be told to
 * refuse the next message with a 4xx (to test retries), to answer slowly
 * (`replyDelayMs`), or to act as a man in the middle who appends text
 * after its plaintext answer to STARTTLS (`afterStartTls`).
 */
import { createServer, type Server, type Socket } from "node:net";
import { TLSSocket } from "node:tls";

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  /** The user name of AUTH, if the client logged in. */
  user?: string;
  /** The session had switched to TLS (STARTTLS) before the message. */
  secure: boolean;
}

export interface TestSmtpServer {
  port: number;
  url: string;
  received: ReceivedMail[];
  /** The next `count` messages get `451` at the end of DATA. */
  failNext(count?: number): void;
  /** Waits until at least `n` messages have arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export async function startSmtpServer(
  options: {
    user?: string;
    password?: string;
    /** What EHLO offers; default "PLAIN LOGIN". */
    authMechanisms?: string;
    /** A key and certificate (PEM): STARTTLS is offered. */
    tls?: { key: string; cert: string };
    /** Every answer after the greeting is sent this many milliseconds late (not with `tls`). */
    replyDelayMs?: number;
    /** Sent raw, in the same packet, right after the plaintext `220` to STARTTLS (an injection). */
    afterStartTls?: string;
  } = {},
): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  let failures = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((plain) => {
    sockets.add(plain);
    plain.on("close", () => sockets.delete(plain));
    plain.setEncoding("utf8");
    let socket: Socket | TLSSocket = plain;
    let secure = false;
    let buffer = "";
    let inData = false;
    let data: string[] = [];
    let from = "";
    let to: string[] = [];
    let user: string | undefined;
    let authLogin: "user" | "password" | undefined;
    let loginUser = "";
    const reply = (line: string) => {
      const to = socket;
      if (options.replyDelayMs) setTimeout(() => to.writable && to.write(`${line}\r\n`), options.replyDelayMs);
      else to.write(`${line}\r\n`);
    };
    socket.write("220 test-smtp ESMTP ready\r\n");
    const checkCredentials = (u: string, p: string) => {
      if (options.user && (u !== options.user || p !== options.password)) {
        reply("535 5.7.8 authentication failed");
        return;
      }
      user = u;
      reply("235 2.7.0 authenticated");
    };
    const handle = (line: string) => {
      if (inData) {
        if (line === ".") {
          inData = false;
          if (failures > 0) {
            failures--;
            reply("451 4.3.0 try again later");
          } else {
            received.push({ from, to, raw: data.map((l) => (l.startsWith("..") ? l.slice(1) : l)).join("\r\n"), user, secure });
            reply("250 2.0.0 queued");
          }
          data = [];
          return;
        }
        data.push(line);
        return;
      }
      if (authLogin) {
        const value = Buffer.from(line, "base64").toString("utf8");
        if (authLogin === "user") {
          loginUser = value;
          authLogin = "password";
          reply("334 UGFzc3dvcmQ6");
        } else {
          authLogin = undefined;
          checkCredentials(loginUser, value);
        }
        return;
      }
      const [verb] = line.split(" ", 1);
      switch (verb.toUpperCase()) {
        case "EHLO":
          reply("250-test-smtp greets you");
          reply("250-8BITMIME");
          reply(`250-AUTH ${options.authMechanisms ?? "PLAIN LOGIN"}`);
          if (options.tls && !secure) reply("250-STARTTLS");
          reply("250 SIZE 10485760");
          return;
        case "STARTTLS": {
          if (!options.tls || secure) {
            reply("502 5.5.1 not available");
            return;
          }
          // One write: the 220 and whatever an attacker appends arrive together.
          plain.write(`220 2.0.0 ready to start TLS\r\n${options.afterStartTls ?? ""}`);
          plain.removeAllListeners("data");
          const upgraded = new TLSSocket(plain, { isServer: true, key: options.tls.key, cert: options.tls.cert });
          upgraded.setEncoding("utf8");
          upgraded.on("data", onData);
          upgraded.on("error", () => {});
          socket = upgraded;
          secure = true;
          // RFC 3207: everything known before TLS is forgotten.
          buffer = "";
          from = "";
          to = [];
          user = undefined;
          return;
        }
        case "HELO":
          reply("250 test-smtp");
          return;
        case "AUTH": {
          const [, mech, initial] = line.split(" ");
          const offered = (options.authMechanisms ?? "PLAIN LOGIN").split(" ");
          if (!offered.includes(mech?.toUpperCase() ?? "")) {
            reply("504 5.5.4 unrecognised authentication type");
          } else if (mech?.toUpperCase() === "PLAIN" && initial) {
            const [, u, p] = Buffer.from(initial, "base64").toString("utf8").split("\0");
            checkCredentials(u, p);
          } else if (mech?.toUpperCase() === "LOGIN") {
            authLogin = "user";
            reply("334 VXNlcm5hbWU6");
          } else {
            reply("504 5.5.4 unrecognised authentication type");
          }
          return;
        }
        case "MAIL": {
          if (options.user && !user) {
            reply("530 5.7.0 authentication required");
            return;
          }
          from = /<([^>]*)>/.exec(line)?.[1] ?? "";
          to = [];
          reply("250 2.1.0 ok");
          return;
        }
        case "RCPT":
          to.push(/<([^>]*)>/.exec(line)?.[1] ?? "");
          reply("250 2.1.5 ok");
          return;
        case "DATA":
          if (to.length === 0) {
            reply("503 5.5.1 no recipients");
            return;
          }
          inData = true;
          reply("354 end with <CRLF>.<CRLF>");
          return;
        case "RSET":
          from = "";
          to = [];
          reply("250 ok");
          return;
        case "NOOP":
          reply("250 ok");
          return;
        case "QUIT":
          reply("221 bye");
          socket.end();
          return;
        default:
          reply("502 5.5.2 command not recognised");
      }
    };
    const onData = (chunk: string) => {
      buffer += chunk;
      let at;
      while ((at = buffer.indexOf("\r\n")) !== -1) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        handle(line);
      }
    };
    plain.on("data", onData);
    plain.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const credentials = options.user ? `${encodeURIComponent(options.user)}:${encodeURIComponent(options.password ?? "")}@` : "";
  return {
    port,
    url: `smtp://${credentials}127.0.0.1:${port}`,
    received,
    failNext(count = 1) {
      failures += count;
    },
    async waitFor(n, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} message(s), got ${received.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return received;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export interface ParsedMail {
  headers: Map<string, string>;
  subject: string;
  text: string;
  html: string;
}

/** Decodes RFC 2047 encoded-words (B and Q). */
function decodeWords(value: string): string {
  return value.replace(/\r\n[ \t]/g, " ").replace(/\?=\s+=\?/g, "?==?").replace(
    /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g,
    (_, _charset, enc: string, text: string) =>
      enc.toUpperCase() === "B"
        ? Buffer.from(text, "base64").toString("utf8")
        : Buffer.from(text.replace(/_/g, " ").replace(/=([0-9A-F]{2})/gi, (_m, h) => String.fromCharCode(parseInt(h, 16))), "latin1")
          .toString("utf8"),
  );
}

/** Splits a raw multipart/alternative message into headers, subject, text and HTML. */
export function parseMail(raw: string): ParsedMail {
  const [head, ...rest] = raw.split("\r\n\r\n");
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]/g, " ").split("\r\n")) {
    const at = line.indexOf(":");
    headers.set(line.slice(0, at).toLowerCase(), line.slice(at + 1).trim());
  }
  const body = rest.join("\r\n\r\n");
  const boundary = /boundary="([^"]+)"/.exec(headers.get("content-type") ?? "")?.[1];
  const parts = boundary ? body.split(`--${boundary}`).slice(1, -1) : [];
  const decoded = (type: string) => {
    const part = parts.find((p) => new RegExp(`Content-Type: ${type}`, "i").test(p));
    if (!part) return "";
    const [, ...content] = part.split("\r\n\r\n");
    return Buffer.from(content.join("").replace(/\s+/g, ""), "base64").toString("utf8");
  };
  return { headers, subject: decodeWords(headers.get("subject") ?? ""), text: decoded("text/plain"), html: decoded("text/html") };
}
