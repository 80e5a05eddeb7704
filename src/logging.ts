/**
 * LogTape set-up: readable console output in development, JSON lines in
 * production.  Kindred logs under ["kindred", ...]; Fedify's own categories
 * are routed to the same sink.  The implicit context (request ids) travels
 * through AsyncLocalStorage.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import {
  configure,
  getAnsiColorFormatter,
  getConsoleSink,
  jsonLinesFormatter,
  reset,
} from "@logtape/logtape";
import type { Config } from "./config.ts";

export async function setupLogging(config: Pick<Config, "logLevel" | "logFormat">): Promise<void> {
  await configure({
    reset: true,
    contextLocalStorage: new AsyncLocalStorage(),
    sinks: {
      console: getConsoleSink({
        formatter: config.logFormat === "json" ? jsonLinesFormatter : getAnsiColorFormatter({
          timestamp: "time",
        }),
      }),
    },
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
