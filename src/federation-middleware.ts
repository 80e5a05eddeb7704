/**
 * Hands requests to Fedify first; what Fedify does not serve (unknown
 * paths, or a browser asking for HTML at an actor's URL) falls through to
 * the Hono routes.  This is all `@fedify/hono` would do.
 */
import type { Federation } from "@fedify/fedify";
import type { MiddlewareHandler } from "hono";
import type { ContextData } from "../federation/context.ts";

export function federationMiddleware(
  federation: Federation<ContextData>,
  contextData: ContextData,
): MiddlewareHandler {
  return async (c, next) => {
    const fallThrough = async () => {
      await next();
      return c.res;
    };
    return await federation.fetch(c.req.raw, {
      contextData,
      onNotFound: fallThrough,
      onNotAcceptable: fallThrough,
    });
  };
}
