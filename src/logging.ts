/**
 * LogTape set-up: readable console output in development, JSON lines in
 * production.  Kindred logs under ["kindred", ...]; Fedify's own categories
 * are routed to the same sink.  The implicit context (request ids) travels
 * through AsyncLocalStorage.  Every record is redacted first
 * (src/log-redaction.ts): no email or IP addresses, passwords, tokens,
 * cookies, session ids or post bodies reach the output.  Logs go to the
 * console only; their retention is the log collector's.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import {
  configure,
  getAnsiColorFormatter,
  getConsoleSink,
  jsonLinesFormatter,
  reset,
  type Sink,
  type TextFormatter,
} from "@logtape/logtape";
import type { Config } from "./config.ts";
import { redacting } from "./log-redaction.ts";

export interface LoggingOptions {
  /** Where formatted lines go instead of the console (tests). */
  write?: (line: string) => void;
}

export async function setupLogging(
  config: Pick<Config, "logLevel" | "logFormat">,
  options: LoggingOptions = {},
): Promise<void> {
  const formatter: TextFormatter = config.logFormat === "json"
    ? jsonLinesFormatter
    : getAnsiColorFormatter({ timestamp: "time" });
  const { write } = options;
  const output: Sink = write ? (record) => write(formatter(record)) : getConsoleSink({ formatter });
  await configure({
    reset: true,
    contextLocalStorage: new AsyncLocalStorage(),
    sinks: { console: redacting(output) },
    loggers: [
      { category: ["kindred"], lowestLevel: config.logLevel, sinks: ["console"] },
      { category: ["fedify"], lowestLevel: config.logLevel, sinks: ["console"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["console"] },
    ],
  });
}

export async function shutdownLogging(): Promise<void> {
  await reset();
}
