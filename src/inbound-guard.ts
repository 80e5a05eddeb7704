/**
 * Cheap checks in front of Fedify.  Fedify parses an inbox POST as JSON-LD
 * before it verifies the HTTP signature, and that parse gets much slower
 * with deeper nesting, so an unauthenticated sender could otherwise hold the
 * event loop.  This middleware refuses such requests with a few byte-level
 * checks before any parser runs.
 */
import { getLogger } from "@logtape/logtape";
import type { Context, MiddlewareHandler } from "hono";

const logger = getLogger(["kindred", "http", "guard"]);

/** Options of {@link inboundGuard}. */
export interface InboundGuardOptions {
  /** Largest request body accepted on any POST, in bytes. */
  maxBodyBytes: number;
  /** Deepest `{`/`[` nesting accepted in an inbox body (`{}` is depth 1). */
  maxJsonDepth: number;
  /**
   * Most JSON values an inbox body may hold (every object, array, scalar
   * and key counts one).  Fedify expands an inbox body as JSON-LD before it
   * verifies the signature, at some 5-20 µs a value, so without this cap a
   * 1 MB body of small values costs an unauthenticated sender seconds of
   * CPU (tests/security/cpu-cost.test.ts).  Default: no cap.
   */
  maxJsonNodes?: number;
  /** Which paths are inboxes; defaults to {@link isDefaultInboxPath}. */
  isInboxPath?: (path: string) => boolean;
  /** Largest body on the paths that take image uploads ({@link isUploadPath}); defaults to `maxBodyBytes`. */
  maxUploadBytes?: number;
}

/**
 * The paths that take image uploads (src/images.ts): a new thread or reply
 * on the web pages and in the JSON API.  Never an inbox.
 */
export function isUploadPath(path: string): boolean {
  return /^\/(?:g\/\d+\/new|p\/\d+\/reply|api\/v1\/groups\/\d+\/threads|api\/v1\/posts\/\d+\/replies)$/.test(path);
}

/**
 * Kindred's inbox paths: the shared inbox `/inbox` and the personal
 * `/@{identifier}/inbox`.  A trailing slash is accepted too, so that the
 * guard covers at least every path Fedify's router could match.
 */
export function isDefaultInboxPath(path: string): boolean {
  return /^\/(?:@[^/]+\/)?inbox\/?$/.test(path);
}

const JSON_MEDIA_TYPES = new Set([
  "application/activity+json",
  "application/ld+json",
  "application/json",
]);

/**
 * Whether `bytes`, read as JSON, nests objects and arrays deeper than
 * `limit`.  One pass, constant memory, no parsing: brackets inside strings
 * are skipped and a backslash skips the byte after it, so `"\""` does not
 * end a string.  Multi-byte UTF-8 sequences never contain ASCII bytes, so
 * scanning bytes is safe.  Invalid JSON gives an arbitrary answer; callers
 * must still parse.
 */
export function jsonDepthExceeds(bytes: Uint8Array, limit: number): boolean {
  return jsonLimitExceeded(bytes, limit, Infinity) === "depth";
}

/**
 * The index of the quote that closes a string whose content starts at
 * `from` (or the end of `bytes`).  Jumps from quote to quote with the
 * native `indexOf` instead of looking at every byte, so a body that is
 * one long string costs next to nothing; a quote counts as closing when an
 * even number of backslashes precedes it.
 */
function stringEnd(bytes: Uint8Array, from: number): number {
  for (let i = from;;) {
    const quote = bytes.indexOf(0x22, i);
    if (quote < 0) return bytes.length;
    let backslashes = 0;
    for (let k = quote - 1; k >= from && bytes[k] === 0x5c; k--) backslashes++;
    if (backslashes % 2 === 0) return quote;
    i = quote + 1;
  }
}

/**
 * Whether `bytes`, read as JSON, holds more than `limit` values: counts
 * the `{`, `[`, `,` and `:` outside strings (an object of n members counts
 * about 2n, keys and values; an array of n items about n).  One pass over
 * the bytes like {@link jsonDepthExceeds}, so that a body of a million
 * small values is refused before JSON.parse spends time on it.
 */
export function jsonValuesExceed(bytes: Uint8Array, limit: number): boolean {
  return jsonLimitExceeded(bytes, Infinity, limit) === "values";
}

/**
 * Both scans in one pass: "depth" when the nesting exceeds `maxDepth`
 * anywhere in the body (checked first, as a refusal of its own), else
 * "values" when it holds more than `maxValues` values, else null.
 */
export function jsonLimitExceeded(bytes: Uint8Array, maxDepth: number, maxValues: number): "depth" | "values" | null {
  let depth = 0;
  let count = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x22) {
      i = stringEnd(bytes, i + 1);
    } else if (b === 0x7b || b === 0x5b) {
      if (++depth > maxDepth) return "depth";
      count++;
    } else if (b === 0x7d || b === 0x5d) {
      depth--;
    } else if (b === 0x2c || b === 0x3a) {
      count++;
    }
  }
  return count > maxValues ? "values" : null;
}

/**
 * Reads a body stream up to `limit` bytes.  Returns `null`, after
 * cancelling the stream, as soon as the running total exceeds the limit, so
 * that a chunked upload without a length is never buffered beyond it.
 */
async function readAtMost(
  body: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array<ArrayBuffer> | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      // Not awaited: the refusal must not wait on a slow or stalled sender.
      reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  // Always copied: the result owns a plain ArrayBuffer rather than views
  // into the transport's buffers.
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Why an inbox request's draft-cavage `Signature` header (or its `Date`)
 * cannot be verified, or null when it may be.  Fedify throws on some of
 * these (a signature that is not base64, a `Date` that is not a date),
 * which would answer 500 instead of 401.  RFC 9421 requests
 * (`Signature-Input`) are left to Fedify.
 */
export function malformedSignature(headers: Headers): string | null {
  const date = headers.get("date");
  if (date != null && Number.isNaN(Date.parse(date))) return "The Date header is not a date.";
  if (headers.has("signature-input")) return null;
  const signature = headers.get("signature") ?? "";
  const params = new Map<string, string>();
  for (const match of signature.matchAll(/(?:^|,)\s*([A-Za-z]+)\s*=\s*"([^"]*)"/g)) {
    params.set(match[1].toLowerCase(), match[2]);
  }
  const keyId = params.get("keyid");
  if (keyId == null || !URL.canParse(keyId) || !/^https?:$/.test(new URL(keyId).protocol)) {
    return "The HTTP signature has no http(s) keyId.";
  }
  const value = params.get("signature");
  if (value == null || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
    return "The HTTP signature's signature is not base64.";
  }
  return null;
}

function refuse(c: Context, status: 400 | 401 | 413 | 415, error: string): Response {
  logger.info("Refused {method} {path} with {status}: {error}", {
    method: c.req.method,
    path: c.req.path,
    status,
    error,
  });
  return c.json({ error }, status);
}

/**
 * Hono middleware that caps every POST body at `maxBodyBytes` (413) and, on
 * inbox POSTs, also requires a `Signature` or `Signature-Input` header
 * that can be verified at all (401, see {@link malformedSignature}), a JSON content type (415) and well-formed JSON no deeper than
 * `maxJsonDepth` (400).  Everything is refused before any JSON parser runs.
 * A body it had to read is handed on, byte for byte and with the original
 * headers, in a replacement `c.req.raw`, so signature digests still verify.
 * Other methods pass through untouched.  Mount it before the Fedify
 * middleware.
 */
export function inboundGuard(options: InboundGuardOptions): MiddlewareHandler {
  const { maxBodyBytes, maxJsonDepth } = options;
  const maxJsonNodes = options.maxJsonNodes ?? Infinity;
  const isInboxPath = options.isInboxPath ?? isDefaultInboxPath;
  const decoder = new TextDecoder("utf-8", { fatal: true });

  return async (c, next) => {
    if (c.req.method !== "POST") return next();
    const raw = c.req.raw;
    const inbox = isInboxPath(c.req.path);

    // Unsigned inbox traffic can never be accepted, so it is refused before
    // a single body byte is read.
    if (inbox && !raw.headers.has("signature") && !raw.headers.has("signature-input")) {
      return refuse(c, 401, "An inbox request must carry an HTTP signature.");
    }
    const malformed = inbox ? malformedSignature(raw.headers) : null;
    if (malformed != null) return refuse(c, 401, malformed);

    const maxBytes = !inbox && isUploadPath(c.req.path) ? Math.max(maxBodyBytes, options.maxUploadBytes ?? 0) : maxBodyBytes;
    const lengthHeader = raw.headers.get("content-length");
    const declared = lengthHeader == null ? null : Number(lengthHeader);
    if (declared != null && declared > maxBytes) {
      return refuse(c, 413, `The request body exceeds ${maxBytes} bytes.`);
    }

    if (inbox) {
      const mediaType = (raw.headers.get("content-type") ?? "").split(";")[0].trim()
        .toLowerCase();
      if (!JSON_MEDIA_TYPES.has(mediaType)) {
        return refuse(c, 415, "An inbox request must have a JSON content type.");
      }
    }

    // Outside inboxes a declared, acceptable length is enough: Node's HTTP
    // parser will not deliver more bytes than declared, so no need to buffer.
    if (!inbox && (raw.body == null || (declared != null && Number.isFinite(declared)))) {
      return next();
    }

    const bytes = raw.body == null ? new Uint8Array(0) : await readAtMost(raw.body, maxBytes);
    if (bytes == null) {
      return refuse(c, 413, `The request body exceeds ${maxBytes} bytes.`);
    }

    if (inbox) {
      const exceeded = jsonLimitExceeded(bytes, maxJsonDepth, maxJsonNodes);
      if (exceeded === "depth") {
        return refuse(c, 400, `The JSON body nests deeper than ${maxJsonDepth} levels.`);
      }
      if (exceeded === "values") {
        return refuse(c, 413, `The JSON body holds more than ${maxJsonNodes} values.`);
      }
      let parsed: unknown;
      let text: string;
      try {
        text = decoder.decode(bytes);
        parsed = JSON.parse(text);
      } catch {
        return refuse(c, 400, "The request body is not valid JSON.");
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        return refuse(c, 400, "The request body must be a JSON object.");
      }
      // PostgreSQL cannot store NUL in text or jsonb: refused here rather
      // than failing (500) halfway through the handler.
      if (/\\u0000/i.test(text)) {
        return refuse(c, 400, "The JSON body contains a NUL character.");
      }
    }

    // Same method, URL, headers and bytes: Fedify checks the signature's
    // Digest / Content-Digest over exactly this body.
    c.req.raw = new Request(raw.url, {
      method: raw.method,
      headers: raw.headers,
      body: bytes,
      signal: raw.signal,
    });
    return next();
  };
}
