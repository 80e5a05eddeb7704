/**
 * The worker thread that decodes and re-encodes uploaded images
 * (src/image-sanitiser.ts), so that a 25-megapixel JPEG — seconds of pure
 * JavaScript — never blocks the event loop.  Started by
 * src/image-decoder.ts; one image per message.  Loaded by Node's own type
 * stripping when no TypeScript loader is inherited: this file and what it
 * imports use only erasable syntax.
 */
import { parentPort } from "node:worker_threads";
import { type ImageLimits, sanitiseImage } from "./image-sanitiser.ts";
import { ValidationError } from "./names.ts";

export interface ImageJob {
  bytes: Uint8Array;
  limits: ImageLimits;
}

export type ImageResult =
  | { ok: true; data: Uint8Array; contentType: "image/jpeg" | "image/png"; width: number; height: number }
  | { ok: false; invalid: string }
  | { ok: false; failed: string };

parentPort?.on("message", ({ bytes, limits }: ImageJob) => {
  let result: ImageResult;
  try {
    result = { ok: true, ...sanitiseImage(bytes, limits) };
  } catch (error) {
    result = error instanceof ValidationError
      ? { ok: false, invalid: error.message }
      : { ok: false, failed: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(result, result.ok ? [result.data.buffer as ArrayBuffer] : []);
});
