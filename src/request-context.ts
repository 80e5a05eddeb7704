/**
 * Gives every request an id (kept from a proxy's X-Request-Id when sane)
 * that LogTape attaches to each record logged while handling it.
 */
import { getLogger, withContext } from "@logtape/logtape";
import type { MiddlewareHandler } from "hono";

const logger = getLogger(["kindred", "http"]);

export function requestContext(): MiddlewareHandler {
  return async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && /^[\w.-]{8,64}$/.test(incoming) ? incoming : crypto.randomUUID();
    const started = performance.now();
    await withContext({ requestId }, async () => {
      await next();
      c.header("X-Request-Id", requestId);
      logger.debug("{method} {path} {status} {ms} ms", {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
      });
    });
  };
}
