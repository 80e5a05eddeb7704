/** The community guidelines' admin page (/admin/guidelines): instance admins only.  Service: src/consent.ts. */
import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { guidelinesHistory, publishGuidelines } from "../consent.ts";
import { renderMarkdown } from "../markdown.ts";
import { ValidationError } from "../names.ts";
import { GuidelinesAdminPage } from "../pages/guidelines-admin.tsx";
import { ForbiddenError } from "../posts.ts";
import { type C, formFields, pageInfo, toLogin } from "./web-common.ts";

/** Longer than any sensible set of guidelines; keeps a pasted mistake out. */
const MAX_LENGTH = 50_000;

async function adminPage(c: C, extra: { draft?: string; preview?: string; errors?: string[]; notice?: string } = {}) {
  const history = (await guidelinesHistory(c.var.kindred.db)).map((v) => ({ ...v, html: renderMarkdown(v.text) }));
  const page = <GuidelinesAdminPage page={pageInfo(c)} history={history} draft={extra.draft ?? history[0].text} {...extra} />;
  return c.html(page, extra.errors ? 422 : 200);
}

export function webGuidelinesAdminRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("/admin/guidelines", async (c, next) => {
    if (!c.var.viewer) return toLogin(c);
    if (c.var.viewer.account.role !== "admin") throw new ForbiddenError("this page is for the instance's admins");
    await next();
  });

  app.get("/admin/guidelines", (c) => {
    const published = Number(c.req.query("published"));
    return adminPage(c, { notice: published > 0 ? `Version ${published} is published. Members are asked to consent again.` : undefined });
  });

  app.post("/admin/guidelines", async (c) => {
    const f = await formFields(c);
    const text = (f.text ?? "").replace(/\r\n/g, "\n");
    try {
      if (text.length > MAX_LENGTH) throw new ValidationError("text", `the guidelines must be at most ${MAX_LENGTH} characters`);
      if (!text.trim()) throw new ValidationError("text", "the guidelines must not be empty");
      if (f.action === "preview") return await adminPage(c, { draft: text, preview: renderMarkdown(text) });
      const [current] = await guidelinesHistory(c.var.kindred.db);
      if (text.trim() === current.text.trim()) {
        throw new ValidationError("text", `this is the text of version ${current.version}: change it before publishing`);
      }
      const version = await publishGuidelines(c.var.kindred.db, text);
      return c.redirect(`/admin/guidelines?published=${version}`, 303);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return await adminPage(c, { draft: text, errors: [error.message] });
    }
  });
  return app;
}
