/** HTML answers for missing pages and for refusals on the web pages. */
import type { Context } from "hono";
import { CsrfError } from "../csrf.ts";
import { RateLimitedError } from "../rate-limits.ts";
import { ValidationError } from "../names.ts";
import { MessagePage } from "../pages/account.tsx";
import { ForbiddenError } from "../posts.ts";
import { NoQuestionnaireError } from "../outcomes.ts";
import { pageInfo, refererPath } from "./web-common.ts";
import type { AppEnv } from "../app-env.ts";

export function notFoundPage(c: Context<AppEnv>): Response | Promise<Response> {
  if (c.req.path.startsWith("/api/")) return c.json({ error: "not found" }, 404);
  return c.html(
    <MessagePage page={pageInfo(c)} title="Not found" message="There is nothing at this address. It may have been deleted." />,
    404,
  );
}

/** A page for the refusals a member can meet; undefined for real failures. */
export function webErrorPage(c: Context<AppEnv>, error: Error): Response | Promise<Response> | undefined {
  if (c.req.path.startsWith("/api/")) return undefined;
  const page = (status: 403 | 422, title: string, message: string) => {
    const back = refererPath(c);
    return c.html(<MessagePage page={pageInfo(c)} title={title} message={message} back={back} />, status);
  };
  if (error instanceof RateLimitedError) {
    return c.html(
      <MessagePage page={pageInfo(c)} title="Too many attempts"
        message={`Sorry: ${error.message}. This protects members from spam and password guessing.`} back={refererPath(c)} />,
      429,
      { "Retry-After": String(error.retryAfter) },
    );
  }
  if (error instanceof CsrfError) {
    return page(403, "Please try again",
      `This form could not be accepted: ${error.message}. Go back, reload the page and send it again.`);
  }
  if (error instanceof NoQuestionnaireError) return notFoundPage(c);
  if (error instanceof ForbiddenError) return page(403, "Not allowed", `Sorry: ${error.message}.`);
  if (error instanceof ValidationError) return page(422, "Please check this", error.message);
  return undefined;
}
