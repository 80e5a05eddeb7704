/**
 * Consent before anything else (issue 6, item 7): an account that never
 * consented (`consent_pending`: made by `kindred admin create`, or older
 * than consent records) is sent to `/consent` from every web page until it
 * accepts the current guidelines and the health-data consent.  Reading the
 * guidelines, the crisis resources, "Your data" (download, delete) and
 * logging out stay open.  Service: src/consent.ts.
 */
import { Hono, type MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import { currentGuidelines, giveConsent } from "../consent.ts";
import { renderMarkdown } from "../markdown.ts";
import { ConsentFirstPage } from "../pages/consent.tsx";
import { type C, formFields, pageInfo, safeNext, toLogin } from "./web-common.ts";

const OPEN_PATHS = ["/consent", "/guidelines", "/login", "/logout", "/signup", "/help/crisis"];
const OPEN_PREFIXES = ["/settings/data", "/static/"];

function isOpen(path: string): boolean {
  return OPEN_PATHS.includes(path) || OPEN_PREFIXES.some((p) => path.startsWith(p));
}

/** Mount after the session and CSRF middlewares, before the page routes. */
export function consentFirst(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const viewer = c.var.viewer;
    if (!viewer?.account.consent_pending || isOpen(c.req.path)) return next();
    const back = c.req.method === "GET" ? c.req.path : "/";
    return c.redirect(`/consent?next=${encodeURIComponent(safeNext(back))}`, 303);
  };
}

async function consentPage(c: C, next: string, errors?: string[]) {
  const { version, text } = await currentGuidelines(c.var.kindred.db);
  return <ConsentFirstPage page={pageInfo(c)} version={version} html={renderMarkdown(text)} next={next} errors={errors} />;
}

export function webConsentRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/consent", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const next = safeNext(c.req.query("next"));
    if (!viewer.account.consent_pending) return c.redirect(next, 303);
    return c.html(await consentPage(c, next));
  });

  app.post("/consent", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const f = await formFields(c);
    const next = safeNext(f.next);
    if (!viewer.account.consent_pending) return c.redirect(next, 303);
    if (f.consent !== "yes") {
      return c.html(await consentPage(c, next, ["Tick the box to accept the guidelines and consent, or log out."]), 422);
    }
    await giveConsent(c.var.kindred.db, viewer.account.id);
    return c.redirect(next === "/consent" ? "/" : next, 303);
  });

  return app;
}
