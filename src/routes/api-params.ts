/** Reading API requests: the JSON body and integer path parameters, with clear errors. */
import type { Context } from "hono";
import { findActorById } from "../../db/actors.ts";
import type { AppEnv } from "../app-env.ts";
import { ValidationError } from "../names.ts";
import { MAX_ID } from "./web-common.ts";

type C = Context<AppEnv>;

export async function body(c: C): Promise<Record<string, unknown>> {
  try {
    const json = await c.req.json();
    if (json && typeof json === "object" && !Array.isArray(json)) return json as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new ValidationError("body", "the request body must be a JSON object");
}

export function intParam(c: C, name: string): number {
  const value = Number(c.req.param(name));
  if (!Number.isSafeInteger(value) || value <= 0 || value > MAX_ID) {
    throw new ValidationError(name, `${name} must be a positive integer`);
  }
  return value;
}

export async function groupParam(c: C) {
  const group = await findActorById(c.var.kindred.db, intParam(c, "groupId"));
  if (group?.type !== "Group") return undefined;
  return group;
}
