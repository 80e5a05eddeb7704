/** "Your data" (/settings/data): export, consent, account deletion; and the guidelines page.  Services in src/data-rights.ts and src/consent.ts. */
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { consentState, currentGuidelines, giveConsent, withdrawConsent } from "../consent.ts";
import { deleteAccount, exportAccount, exportFileName } from "../data-rights.ts";
import { renderMarkdown } from "../markdown.ts";
import { ValidationError } from "../names.ts";
import { AccountDeletedPage, DataRightsPage, GuidelinesPage } from "../pages/data-rights.tsx";
import { endSession } from "../sessions.ts";
import { type C, formFields, pageInfo, toLogin } from "./web-common.ts";

async function dataPage(c: C, extra: { saved?: string; deleteErrors?: string[] } = {}) {
  const { account } = c.var.viewer!;
  const consent = await consentState(c.var.kindred.db, account.id);
  return <DataRightsPage page={pageInfo(c)} consent={consent} {...extra} />;
}

const SAVED: Record<string, string> = {
  consent: "Thank you: your consent is recorded.",
  withdrawn: "Your consent is withdrawn. You can still read, download your data or delete your account.",
};

export function webDataRightsRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/guidelines", async (c) => {
    const { version, text } = await currentGuidelines(c.var.kindred.db);
    return c.html(<GuidelinesPage page={pageInfo(c)} version={version} html={renderMarkdown(text)} />);
  });

  app.get("/settings/data", async (c) => {
    if (!c.var.viewer) return toLogin(c);
    return c.html(await dataPage(c, { saved: SAVED[c.req.query("saved") ?? ""] }));
  });

  app.post("/settings/data/export", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const data = await exportAccount(c.var.kindred, viewer.account, viewer.actor);
    return c.body(JSON.stringify(data, null, 2), 200, {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Disposition": `attachment; filename="${exportFileName(viewer.account)}"`,
      "Cache-Control": "no-store",
    });
  });

  app.post("/settings/data/consent", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const f = await formFields(c);
    if (f.consent === "yes") await giveConsent(c.var.kindred.db, viewer.account.id);
    return c.redirect(f.consent === "yes" ? "/settings/data?saved=consent" : "/settings/data", 303);
  });

  app.post("/settings/data/consent/withdraw", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    await withdrawConsent(c.var.kindred.db, viewer.account.id);
    return c.redirect("/settings/data?saved=withdrawn", 303);
  });

  app.post("/settings/data/delete", async (c) => {
    const viewer = c.var.viewer;
    if (!viewer) return toLogin(c);
    const f = await formFields(c);
    try {
      if (f.confirm !== "yes") throw new ValidationError("confirm", "tick the box to confirm that you want your account deleted");
      await deleteAccount(c.var.kindred, viewer.account, viewer.actor, f.password ?? "");
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return c.html(await dataPage(c, { deleteErrors: [error.message] }), 422);
    }
    await endSession(c);
    return c.html(<AccountDeletedPage page={{ ...pageInfo(c), viewer: undefined, csrf: "" }} />);
  });

  return app;
}
