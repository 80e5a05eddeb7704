/** What Hono handlers find in `c.var`. */
import type { Context as FedifyContext, Federation } from "@fedify/fedify";
import type { Kysely } from "kysely";
import type { Account, Actor, Schema } from "../db/schema.ts";
import type { ContextData } from "../federation/context.ts";
import type { MailConfig } from "./config.ts";
import type { ImageLimits } from "./image-sanitiser.ts";
import type { Instruments } from "./outcome-instruments.ts";
import type { RateLimiter } from "./rate-limits.ts";

export interface AppServices {
  db: Kysely<Schema>;
  instanceName: string;
  origin: URL;
  /** INDEX_PUBLIC_GROUPS: group and thread pages of local public groups may be indexed. */
  indexPublicGroups: boolean;
  /** SMTP_URL is set: notification emails are sent (src/email-notifications.ts). */
  emailEnabled: boolean;
  /** The mail settings, for confirmation links (src/email-address.ts); absent in apps made without them. */
  mail?: MailConfig;
  /** When digests go out (DIGEST_HOUR, DIGEST_WEEKDAY, DIGEST_TIME_ZONE), for the settings page. */
  digestSchedule: { hour: number; weekday: number; timeZone: string };
  /** MIN_AGE: the age sign-up asks members to confirm. */
  minAge: number;
  federation: Federation<ContextData>;
  /** Upload limits of images (src/image-sanitiser.ts). */
  imageLimits: ImageLimits;
  /** Outcome-measure instruments, read from `instruments/` at start-up (src/outcome-instruments.ts). */
  instruments: Instruments;
  /** Rate limits (src/rate-limits.ts). */
  rateLimiter: RateLimiter;
  /** A Fedify context for sending and fetching outside a Fedify route. */
  fedify(): FedifyContext<ContextData>;
}

export interface AppEnv {
  Variables: {
    kindred: AppServices;
    /** Set by the API's bearer-token middleware. */
    account: Account;
    actor: Actor;
    /** Set by the web session middleware (src/sessions.ts) for a logged-in browser. */
    viewer?: Viewer;
  };
}

/** The member using the web pages. */
export interface Viewer {
  account: Account;
  actor: Actor;
  /** Unread notifications, for the header. */
  unread: number;
}
