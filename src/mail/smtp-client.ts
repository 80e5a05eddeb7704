/**
 * A small SMTP client (RFC 5321) over node:net and node:tls, so that
 * Kindred sends email without a dependency, on Node and Deno: EHLO,
 * STARTTLS when offered (or required), AUTH PLAIN or LOGIN, MAIL FROM,
 * RCPT TO, DATA with dot-stuffing, QUIT.  One connection per message,
 * with a time limit per answer and one for the whole exchange.
 */
import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { getLogger } from "@logtape/logtape";
import type { StartTls } from "../config.ts";

const logger = getLogger(["kindred", "mail", "smtp"]);

export interface SmtpOptions {
  url: URL;
  startTls: StartTls;
  /** The name we give in EHLO (the instance's host). */
  clientName: string;
  /** Per reply, and for connecting; milliseconds (default 30 s). */
  timeoutMs?: number;
  /** For the whole exchange, from connecting to the answer to the message; milliseconds (default 120 s). */
  deadlineMs?: number;
  /** Certificates (PEM) trusted instead of the default CAs (tests; a private CA). */
  ca?: string;
}

export interface Envelope {
  from: string;
  to: string;
  /** The whole message, CRLF line ends, headers and body (src/mail/message.ts). */
  data: string;
}

/** A refusal or failure; `temporary` (4xx, network, time-out) is worth retrying. */
export class SmtpError extends Error {
  override name = "SmtpError";
  constructor(message: string, readonly code: number | null, readonly temporary: boolean) {
    super(message);
  }
}

const ADDRESS = /^[^\s<>@"(),;:\\]+@[A-Za-z0-9.-]+$/;

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "127.0.0.1" || host === "::1" || host === "[::1]" ||
    (isIP(host) === 4 && host.startsWith("127."));
}

/** The default for the whole exchange: well within the email job's claim on a member (5 minutes). */
export const SEND_DEADLINE_MS = 120_000;

/** The whole exchange ran out of time (`deadlineMs`). */
function overDeadline(deadlineMs: number): SmtpError {
  return new SmtpError(`the exchange with the mail server took longer than ${deadlineMs} ms`, null, true);
}

/** A per-step time limit that never runs past the whole exchange's deadline. */
class Clock {
  readonly endsAt: number;

  constructor(readonly stepMs: number, readonly deadlineMs: number) {
    this.endsAt = Date.now() + deadlineMs;
  }

  /** Milliseconds for the next step, and the error to throw when they run out. */
  step(what: () => SmtpError): { ms: number; error: () => SmtpError } {
    const left = this.endsAt - Date.now();
    if (left <= 0) throw overDeadline(this.deadlineMs);
    return left < this.stepMs ? { ms: left, error: () => overDeadline(this.deadlineMs) } : { ms: this.stepMs, error: what };
  }
}

/** Reads SMTP replies (possibly multi-line) off a socket, one at a time. */
class ReplyReader {
  #buffer = "";
  #lines: string[] = [];
  #waiting?: { resolve: () => void };
  #error?: Error;

  constructor(private socket: Socket | TLSSocket, private clock: Clock) {
    this.attach(socket);
  }

  /** Whether anything (a line, or part of one) has arrived that no reply has taken yet. */
  get pending(): boolean {
    return this.#lines.length > 0 || this.#buffer.length > 0;
  }

  /** Reads from `socket` from now on, with nothing kept from before (RFC 3207: after STARTTLS, start afresh). */
  attach(socket: Socket | TLSSocket): void {
    this.socket = socket;
    this.#buffer = "";
    this.#lines = [];
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      this.#buffer += chunk;
      let at;
      while ((at = this.#buffer.indexOf("\n")) !== -1) {
        this.#lines.push(this.#buffer.slice(0, at).replace(/\r$/, ""));
        this.#buffer = this.#buffer.slice(at + 1);
      }
      if (this.#buffer.length > 64 * 1024) this.fail(new SmtpError("the server sent an over-long line", null, true));
      this.#wake();
    });
    socket.on("error", (e) => this.fail(new SmtpError(`connection failed: ${e.message}`, null, true)));
    socket.on("close", () => this.fail(new SmtpError("the server closed the connection", null, true)));
  }

  detach(): void {
    this.socket.removeAllListeners("data");
    this.socket.removeAllListeners("error");
    this.socket.removeAllListeners("close");
  }

  fail(error: Error): void {
    this.#error ??= error;
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiting;
    this.#waiting = undefined;
    w?.resolve();
  }

  /** The next complete reply: its code and text lines. */
  async read(): Promise<{ code: number; lines: string[] }> {
    const step = this.clock.step(() => new SmtpError(`no answer from the server within ${this.clock.stepMs} ms`, null, true));
    const deadline = Date.now() + step.ms;
    const lines: string[] = [];
    for (;;) {
      while (this.#lines.length > 0) {
        const line = this.#lines.shift()!;
        const m = /^(\d{3})([ -])(.*)$/.exec(line);
        if (!m) throw new SmtpError(`unexpected answer from the server: ${line.slice(0, 100)}`, null, true);
        lines.push(m[3]);
        if (m[2] === " ") return { code: Number(m[1]), lines };
      }
      if (this.#error) throw this.#error;
      const left = deadline - Date.now();
      if (left <= 0) throw step.error();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiting = {
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      });
    }
  }
}

/** Opens a connection: TLS from the start for smtps://. */
function open(url: URL, clock: Clock, ca?: string): Promise<Socket | TLSSocket> {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const tls = url.protocol === "smtps:";
  const port = Number(url.port) || (tls ? 465 : 587);
  const { ms: timeoutMs, error } = clock.step(() =>
    new SmtpError(`could not connect to ${host}:${port} within ${clock.stepMs} ms`, null, true)
  );
  return new Promise((resolve, reject) => {
    const socket = tls
      ? tlsConnect({ host, port, servername: isIP(host) ? undefined : host, ca })
      : netConnect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(error());
    }, timeoutMs);
    socket.once(tls ? "secureConnect" : "connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (e) => {
      clearTimeout(timer);
      reject(new SmtpError(`could not connect to ${host}:${port}: ${e.message}`, null, true));
    });
  });
}

function upgrade(socket: Socket, host: string, clock: Clock, ca?: string): Promise<TLSSocket> {
  const { ms: timeoutMs, error } = clock.step(() =>
    new SmtpError(`STARTTLS did not complete within ${clock.stepMs} ms`, null, true)
  );
  return new Promise((resolve, reject) => {
    const secure = tlsConnect({ socket, servername: isIP(host) ? undefined : host, ca });
    const timer = setTimeout(() => {
      secure.destroy();
      reject(error());
    }, timeoutMs);
    secure.once("secureConnect", () => {
      clearTimeout(timer);
      secure.removeAllListeners("error");
      resolve(secure);
    });
    secure.once("error", (e) => {
      clearTimeout(timer);
      reject(new SmtpError(`STARTTLS failed: ${e.message}`, null, true));
    });
  });
}

/** Doubles a leading dot on every line (RFC 5321, 4.5.2) and ends with CRLF.CRLF. */
export function dotStuff(data: string): string {
  const body = data.replace(/\r?\n/g, "\r\n").replace(/(^|\r\n)\./g, "$1..");
  return `${body.endsWith("\r\n") ? body : `${body}\r\n`}.\r\n`;
}

/**
 * Sends one message; throws SmtpError when the server refuses it, cannot be
 * reached, or the exchange takes longer than `deadlineMs` in all.
 */
export async function sendMail(options: SmtpOptions, envelope: Envelope): Promise<void> {
  for (const [what, address] of [["sender", envelope.from], ["recipient", envelope.to]]) {
    if (!ADDRESS.test(address)) throw new SmtpError(`the ${what} address is not a plain address`, null, false);
  }
  const clock = new Clock(options.timeoutMs ?? 30_000, options.deadlineMs ?? SEND_DEADLINE_MS);
  const url = options.url;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let socket = await open(url, clock, options.ca);
  const reader = new ReplyReader(socket, clock);
  const write = (line: string) => socket.write(`${line}\r\n`);
  const expect = async (what: string, ok: (code: number) => boolean) => {
    const reply = await reader.read();
    if (!ok(reply.code)) {
      throw new SmtpError(`${what}: ${reply.code} ${reply.lines.join(" ").slice(0, 200)}`, reply.code, reply.code < 500);
    }
    return reply;
  };
  const command = async (line: string, what: string, ok = (c: number) => c >= 200 && c < 300) => {
    write(line);
    return await expect(what, ok);
  };
  try {
    await expect("greeting", (c) => c === 220);
    let ehlo = await command(`EHLO ${options.clientName}`, "EHLO");
    let extensions = ehlo.lines.slice(1).map((l) => l.toUpperCase());
    let secure = url.protocol === "smtps:";
    if (!secure && options.startTls !== "off") {
      if (extensions.some((e) => e === "STARTTLS")) {
        await command("STARTTLS", "STARTTLS", (c) => c === 220);
        // Anything after the 220 came in clear, possibly from a man in the middle, and
        // would otherwise be read as the first answers over TLS (CVE-2011-0411 and kin).
        if (reader.pending) {
          throw new SmtpError("the server sent more after its answer to STARTTLS, before TLS began; not continuing", null, false);
        }
        reader.detach();
        socket = await upgrade(socket as Socket, host, clock, options.ca);
        reader.attach(socket);
        secure = true;
        ehlo = await command(`EHLO ${options.clientName}`, "EHLO after STARTTLS");
        extensions = ehlo.lines.slice(1).map((l) => l.toUpperCase());
      } else if (options.startTls === "required") {
        throw new SmtpError("the server does not offer STARTTLS, and SMTP_STARTTLS=required", null, false);
      }
    }
    const user = decodeURIComponent(url.username);
    if (user) {
      // Credentials never cross the network in clear, except to this machine.
      if (!secure && !isLoopback(host)) {
        throw new SmtpError("refusing to send the SMTP password without TLS (use smtps:// or STARTTLS)", null, false);
      }
      const pass = decodeURIComponent(url.password);
      const auth = extensions.find((e) => e.startsWith("AUTH")) ?? "";
      if (/\bPLAIN\b/.test(auth)) {
        await command(`AUTH PLAIN ${Buffer.from(`\0${user}\0${pass}`).toString("base64")}`, "AUTH PLAIN");
      } else if (/\bLOGIN\b/.test(auth)) {
        await command("AUTH LOGIN", "AUTH LOGIN", (c) => c === 334);
        await command(Buffer.from(user).toString("base64"), "AUTH LOGIN (user)", (c) => c === 334);
        await command(Buffer.from(pass).toString("base64"), "AUTH LOGIN (password)");
      } else {
        throw new SmtpError("the server offers neither AUTH PLAIN nor AUTH LOGIN", null, false);
      }
    }
    await command(`MAIL FROM:<${envelope.from}>`, "MAIL FROM");
    await command(`RCPT TO:<${envelope.to}>`, "RCPT TO");
    await command("DATA", "DATA", (c) => c === 354);
    socket.write(dotStuff(envelope.data));
    await expect("message", (c) => c >= 200 && c < 300);
    write("QUIT");
    await reader.read().catch(() => undefined);
    logger.debug("Message handed to {host}", { host });
  } finally {
    reader.detach();
    socket.on("error", () => {});
    socket.destroy();
  }
}
