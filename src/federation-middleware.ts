/**
 * Hands requests to Fedify first; what Fedify does not serve (unknown
 * paths, or a browser asking for HTML at an actor's URL) falls through to
 * the Hono routes.  This is all `@fedify/hono` would do, plus one thing: an
 * inbox POST whose JSON-LD cannot be processed (a remote `@context` that
 * does not load, an invalid one) makes Fedify throw a `jsonld.*` error; that
 * is the sender's fault, so it is answered 400, not 500.
 */
import type { Federation } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import type { MiddlewareHandler } from "hono";
import type { ContextData } from "../federation/context.ts";
import { isDefaultInboxPath } from "./inbound-guard.ts";

const logger = getLogger(["kindred", "http", "guard"]);

export function federationMiddleware(
  federation: Federation<ContextData>,
  contextData: ContextData,
): MiddlewareHandler {
  return async (c, next) => {
    const fallThrough = async () => {
      await next();
      return c.res;
    };
    try {
      return await federation.fetch(c.req.raw, {
        contextData,
        onNotFound: fallThrough,
        onNotAcceptable: fallThrough,
      });
    } catch (error) {
      const name = (error as Error | undefined)?.name ?? "";
      if (c.req.method !== "POST" || !isDefaultInboxPath(c.req.path) || !name.startsWith("jsonld.")) throw error;
      logger.info("Refused POST {path} with 400: {error}", { path: c.req.path, error: name });
      return c.json({ error: "The activity's JSON-LD could not be processed (its @context did not load or is invalid)." }, 400);
    }
  };
}
