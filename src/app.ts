/**
 * The Hono application: request context and security headers, the inbound
 * guard, Fedify, then the HTML routes.
 */
import type { Federation } from "@fedify/fedify";
import { getLogger } from "@logtape/logtape";
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { ContextData } from "../federation/context.ts";
import type { AppEnv, AppServices } from "./app-env.ts";
import type { Config } from "./config.ts";
import { federationMiddleware } from "./federation-middleware.ts";
import { inboundGuard } from "./inbound-guard.ts";
import { requestContext } from "./request-context.ts";
import { activityPubExtraRoutes } from "./routes/ap-extras.ts";
import { apiRoutes } from "./routes/api.ts";
import { pageRoutes } from "./routes/pages.tsx";

const logger = getLogger(["kindred", "http"]);

export interface AppOptions {
  config: Pick<Config, "origin" | "instanceName" | "maxBodyBytes" | "maxJsonDepth">;
  federation: Federation<ContextData>;
  contextData: ContextData;
  fedify: AppServices["fedify"];
}

export function createApp({ config, federation, contextData, fedify }: AppOptions): Hono<AppEnv> {
  const services: AppServices = {
    db: contextData.db,
    instanceName: config.instanceName,
    origin: config.origin,
    federation,
    fedify,
  };
  const app = new Hono<AppEnv>();
  app.use(requestContext());
  app.use(secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      imgSrc: ["'self'", "data:"],
      styleSrc: ["'self'"],
      scriptSrc: ["'self'"],
      frameAncestors: ["'none'"],
      formAction: ["'self'"],
      baseUri: ["'none'"],
    },
    referrerPolicy: "no-referrer",
  }));
  app.use(async (c, next) => {
    c.set("kindred", services);
    await next();
  });
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.use(inboundGuard({ maxBodyBytes: config.maxBodyBytes, maxJsonDepth: config.maxJsonDepth }));
  app.use(federationMiddleware(federation, contextData));
  app.route("/api/v1", apiRoutes());
  app.route("/", activityPubExtraRoutes());
  app.route("/", pageRoutes());
  app.onError((error, c) => {
    logger.error("Unhandled error on {method} {path}: {error}", {
      method: c.req.method,
      path: c.req.path,
      error,
    });
    return c.text("Something went wrong on our side. Please try again.", 500);
  });
  return app;
}
