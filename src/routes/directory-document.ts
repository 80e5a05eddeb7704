/**
 * The machine-readable group directory other instances fetch
 * (`GET /directory.json`, advertised in NodeInfo): our public groups whose
 * managers let them be listed (src/directory.ts).  Served before the session
 * middleware: it sets no cookie.  Who may read it follows the instance
 * federation policy, on the request's HTTP signature.
 */
import { Hono } from "hono";
import type { Federation } from "@fedify/fedify";
import type { ContextData } from "../../federation/context.ts";
import { DIRECTORY_PATH } from "../../federation/group-directory.ts";
import type { AppEnv } from "../app-env.ts";
import { directoryDocument, directoryRefusal } from "../directory.ts";
import { positiveInt } from "./web-common.ts";

export function directoryDocumentRoutes(options: {
  federation: Federation<ContextData>;
  contextData: ContextData;
}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get(DIRECTORY_PATH, async (c) => {
    const refusal = await directoryRefusal(c.req.raw, options.federation, options.contextData);
    c.header("cache-control", "no-store");
    if (refusal) return c.json({ error: refusal.error }, refusal.status);
    const { db, origin } = c.var.kindred;
    return c.json(await directoryDocument(db, origin, positiveInt(c.req.query("after"))));
  });
  return app;
}
