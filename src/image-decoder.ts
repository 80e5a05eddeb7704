/**
 * Uploaded images are decoded off the main thread (issue 7): one worker
 * thread (src/image-worker.ts), one image at a time, so that decoding costs
 * the event loop nothing but a copy of the bytes, and at most one core.  A
 * bounded queue (`MAX_WAITING`) and a time limit per image (`TIME_LIMIT_MS`,
 * after which the worker is ended and a new one started) keep one member, or
 * a crafted file, from holding everyone else's images up for long.
 */
import { Worker } from "node:worker_threads";
import { getLogger } from "@logtape/logtape";
import type { CleanImage, ImageLimits } from "./image-sanitiser.ts";
import type { ImageResult } from "./image-worker.ts";
import { ValidationError } from "./names.ts";

const logger = getLogger(["kindred", "images"]);

/** Images waiting for the worker (four posts' worth); more are refused with "busy". */
export const MAX_WAITING = 16;
/** The longest one image may take; a 25-megapixel JPEG takes about 4 s on one core. */
export const TIME_LIMIT_MS = 30_000;

interface Job {
  bytes: Uint8Array;
  limits: ImageLimits;
  timeLimitMs: number;
  resolve: (image: CleanImage) => void;
  reject: (error: Error) => void;
}

const WORKER_URL = new URL("./image-worker.ts", import.meta.url);
const queue: Job[] = [];
let worker: Worker | undefined;
let running: { job: Job; timer: NodeJS.Timeout } | undefined;
let started = 0;

/** How many images were handed to the worker since the process started (for tests and diagnostics). */
export function imagesDecoded(): number {
  return started;
}

function unreadable(message: string) {
  return new ValidationError("images", message);
}

function finish(result: ImageResult | Error) {
  if (!running) return;
  const { job, timer } = running;
  clearTimeout(timer);
  running = undefined;
  if (result instanceof Error) job.reject(result);
  else if (result.ok) job.resolve({ data: result.data, contentType: result.contentType, width: result.width, height: result.height });
  else if ("invalid" in result) job.reject(unreadable(result.invalid));
  else {
    logger.warn("An image could not be re-encoded: {error}", { error: result.failed });
    job.reject(unreadable("the image could not be read: it is damaged or not a JPEG or PNG"));
  }
  // An idle worker never keeps the process alive; a busy one does.
  if (queue.length === 0) worker?.unref();
  next();
}

function startWorker(): Worker {
  const w = new Worker(WORKER_URL);
  w.on("message", (result: ImageResult) => finish(result));
  w.on("error", (error) => {
    logger.error("The image worker failed: {error}", { error });
    if (worker === w) worker = undefined;
    finish(unreadable("the image could not be processed; please try again"));
  });
  w.on("exit", () => {
    if (worker !== w) return;
    worker = undefined;
    finish(unreadable("the image could not be processed; please try again"));
  });
  // After the listeners: adding a "message" listener refs the worker again.
  w.unref();
  return w;
}

function next() {
  if (running) return;
  const job = queue.shift();
  if (!job) return;
  worker ??= startWorker();
  worker.ref();
  const timer = setTimeout(() => {
    logger.warn("An image took more than {ms} ms to re-encode; the worker is restarted", { ms: job.timeLimitMs });
    const w = worker;
    worker = undefined;
    void w?.terminate();
    finish(unreadable(`the image took too long to process (more than ${job.timeLimitMs / 1000} s)`));
  }, job.timeLimitMs);
  timer.unref();
  running = { job, timer };
  started++;
  // A copy of its own, moved (not copied again) to the worker: the caller's
  // bytes may share a buffer with others (Node's Buffer pool).
  const bytes = job.bytes.slice();
  worker.postMessage({ bytes, limits: job.limits }, [bytes.buffer]);
}

/** Checks and re-encodes one image in the worker (src/image-sanitiser.ts#sanitiseImage). */
export function decodeImage(bytes: Uint8Array, limits: ImageLimits, timeLimitMs = TIME_LIMIT_MS): Promise<CleanImage> {
  if (queue.length >= MAX_WAITING) {
    return Promise.reject(unreadable("the server is busy with other images; please try again in a minute"));
  }
  return new Promise((resolve, reject) => {
    queue.push({ bytes, limits, timeLimitMs, resolve, reject });
    next();
  });
}
