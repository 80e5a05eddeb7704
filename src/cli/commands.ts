/**
 * The admin commands, independent of where they run: in the `kindred`
 * process on its own database, or inside a running server that was asked
 * over its admin socket (embedded PGlite allows one process only).
 * Validation happens before any write, so a bad command changes nothing.
 */
import { parseArgs } from "node:util";
import type { Context } from "@fedify/fedify";
import type { Kysely } from "kysely";
import { findActorByUri } from "../../db/actors.ts";
import { listPendingFollowers } from "../../db/follows.ts";

/** The CLI lists every pending request, however many (pages show the oldest 200). */
const CLI_ALL = 1_000_000;
import type { ContextData } from "../../federation/context.ts";
import { localGroupBySlug } from "../../federation/local-groups.ts";
import { describeServers, followersOutsidePartners } from "../../federation/private-groups.ts";
import { decideJoinRequest, newServerWarning } from "../membership.ts";
import { NameTakenError, listGroups } from "../../db/groups.ts";
import type { Group, Schema } from "../../db/schema.ts";
import { createAccount } from "../accounts.ts";
import { changeGroup, checkAudience, checkJoinPolicy, checkVisibility, createGroup } from "../groups.ts";
import { ValidationError } from "../names.ts";
import { describeRefresh, runDirectoryRefresh } from "../directory-refresh.ts";
import { CliUsage, runAdminCommand } from "./admin-commands.ts";
import { FEDERATION_USAGE, runFederationCommand } from "./federation-commands.ts";
import { runSeed, SEED_USAGE, SeedUsage } from "./seed-command.ts";
import type { MailConfig } from "../config.ts";

export interface CliIo {
  db: Kysely<Schema>;
  origin: URL;
  /** Fedify context: what a command sends goes through the queue. */
  fedify(): Context<ContextData>;
  out(line: string): void;
  err(line: string): void;
  /** RETENTION_INACTIVE_DAYS, for `retention run` (null: off). */
  retentionInactiveDays?: number | null;
  /** SMTP and digest settings, and the instance's name, for `digests send`. */
  mail?: MailConfig;
  instanceName?: string;
  /** Password read from stdin, for `--password-stdin`. */
  readPassword?(): Promise<string>;
  /** Redraws one progress line (a terminal's stderr); without it, progress goes to err() line by line. */
  progress?(line: string): void;
}

export const USAGE = `Usage: kindred <command> [options]

Commands:
  admin create --username NAME (--password-stdin | --password PW) [--display-name TEXT] [--email ADDR]
      Create an instance administrator account.
  group create --slug SLUG --name TEXT [--description MARKDOWN] [--join-policy open|approval] [--visibility public|private|local] [--owner USERNAME]
        [--audience everyone|patients|caregivers] [--tags "CODE [label]; ..."] [--languages "en, fr"] [--unlisted]
      Create a support group.  --tags: condition codes, ICD-10 (ICD10:C50.9) or Orphanet (ORPHA:558), each with an
      optional label, separated by ";" or ","; --unlisted: never in other instances' directories.  private: members only, content only to partner servers; local: never federated.  Its handle is @SLUG@<your host>.
  group list [--json]
      List the groups on this instance.
  group update SLUG [--name TEXT] [--description MARKDOWN] [--join-policy open|approval] [--visibility public|private|local]
        [--audience everyone|patients|caregivers] [--tags "CODE [label]; ..."] [--languages "en, fr"] [--listed | --unlisted]
      Change a group (--tags "" removes every tag).
  directory refresh [--host HOST]
      Fetch now the group directories of the servers this one federates with (or of HOST only).
  group requests SLUG
      List pending requests to join an approval group.
  group approve SLUG ACTOR
  group reject SLUG ACTOR
      Decide on a request to join (ACTOR as listed by "group requests": @name@host or its URL).
  account suspend USERNAME --reason TEXT
  account unsuspend USERNAME
      Suspend a local account (no log-in; sessions and API tokens end), or reinstate it.
  account clinician USERNAME (--grant | --revoke)
      Grant or revoke the "Verified clinician" badge after your own check (only the date is kept).
  block add ACTOR [--reason TEXT]
  block remove ACTOR
  block list
      Block a remote actor instance-wide (@name@host or URL): nothing from it is accepted or shown, nothing sent to it.
  retention run [--days N]
      Delete member accounts unused for more than N days (default RETENTION_INACTIVE_DAYS), as if they
      deleted themselves: their posts become tombstones and other servers are asked to delete them.
  digests send [--now ISO-TIME]
      Send the notification emails due now (or as if at ISO-TIME): immediate ones, and daily and weekly
      digests; worker nodes do this every DIGEST_INTERVAL_SECONDS.  A notification is emailed once
      (again only if the process stops, or the database fails, between the send and its record).
  access-log purge --days N
      Delete access-log entries (admins' and moderators' reads of private content) older than N days
      (at least 30); the only way entries are ever deleted.
${FEDERATION_USAGE}
${SEED_USAGE}
  db:migrate
      Apply pending database migrations (the server also does this on start).
  help
      Show this text.

Settings come from the environment (DATABASE_URL, DATA_DIR, ORIGIN, ...): see README.md.`;

export class UsageError extends Error {}

function options<T extends Record<string, { type: "string" | "boolean" }>>(args: string[], spec: T) {
  try {
    return parseArgs({ args, options: spec, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function required(value: string | boolean | undefined, flag: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new UsageError(`${flag} is required`);
  return value;
}

function describeGroup(g: Group, origin: URL): string {
  const tags = g.condition_tags.map((t) => t.code).join(",");
  return `${g.slug}\t${g.name}\t${g.join_policy}\t${g.visibility}\t${new URL(`/@${g.slug}`, origin).href}` +
    (tags || g.languages.length ? `\t${tags || "-"}\t${g.languages.join(",") || "-"}` : "");
}

/** Runs one command; returns the process exit code (0 ok, 1 refused, 2 usage). */
export async function runCommand(argv: string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof CliUsage || error instanceof SeedUsage) {
      io.err(`kindred: ${error.message}`);
      io.err(`Run "kindred help" for the list of commands.`);
      return 2;
    }
    if (error instanceof ValidationError || error instanceof NameTakenError) {
      io.err(`kindred: ${error.message}; nothing was changed.`);
      return 1;
    }
    throw error;
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [command, sub, ...rest] = argv;
  if (command === "federation") return await runFederationCommand(sub ?? "", argv.slice(2), io);
  const families = ["admin", "group", "account", "block", "retention", "access-log", "digests", "directory"];
  const key = families.includes(command ?? "") ? `${command} ${sub ?? ""}` : command;
  const args = families.includes(command ?? "") ? rest : argv.slice(1);
  switch (key) {
    case undefined:
    case "help":
    case "--help":
    case "-h":
      io.out(USAGE);
      return 0;
    case "db:migrate":
      io.out("Database schema is up to date.");
      return 0;
    case "seed": {
      const { values, positionals } = options(args, {
        groups: { type: "string" },
        threads: { type: "string" },
        replies: { type: "string" },
        members: { type: "string" },
      });
      if (positionals.length > 0) throw new UsageError(`seed takes no ${positionals[0]}`);
      return await runSeed(values, io);
    }
    case "admin create": {
      const { values } = options(args, {
        username: { type: "string" },
        password: { type: "string" },
        "password-stdin": { type: "boolean" },
        "display-name": { type: "string" },
        email: { type: "string" },
      });
      const username = required(values.username, "--username");
      let password = values.password;
      if (values["password-stdin"]) {
        if (!io.readPassword) throw new UsageError("--password-stdin is not available here");
        password = (await io.readPassword()).replace(/\r?\n$/, "");
      }
      if (!password) throw new UsageError("--password-stdin or --password is required");
      const account = await createAccount(io.db, io.origin, {
        username,
        password,
        displayName: values["display-name"],
        email: values.email,
        role: "admin",
        // No consent was given here: the first web log-in asks for it.
        consentPending: true,
      });
      io.out(`Created admin @${account.username}@${io.origin.host}.`);
      return 0;
    }
    case "group create": {
      const { values } = options(args, {
        slug: { type: "string" },
        name: { type: "string" },
        description: { type: "string" },
        "join-policy": { type: "string" },
        visibility: { type: "string" },
        audience: { type: "string" },
        owner: { type: "string" },
        tags: { type: "string" },
        languages: { type: "string" },
        unlisted: { type: "boolean" },
      });
      const group = await createGroup(io.db, io.origin, {
        slug: required(values.slug, "--slug"),
        name: required(values.name, "--name"),
        description: values.description,
        joinPolicy: values["join-policy"] == null ? undefined : checkJoinPolicy(values["join-policy"]),
        visibility: values.visibility == null ? undefined : checkVisibility(values.visibility),
        audience: values.audience == null ? undefined : checkAudience(values.audience),
        owner: values.owner,
        conditionTags: values.tags,
        languages: values.languages,
        listedElsewhere: values.unlisted ? false : undefined,
      });
      io.out(`Created group @${group.slug}@${io.origin.host}`);
      io.out(describeGroup(group, io.origin));
      return 0;
    }
    case "group list": {
      const { values } = options(args, { json: { type: "boolean" } });
      const groups = await listGroups(io.db);
      if (values.json) {
        io.out(JSON.stringify(groups.map((g) => ({
          slug: g.slug,
          name: g.name,
          joinPolicy: g.join_policy,
          visibility: g.visibility,
          audience: g.audience,
          conditionTags: g.condition_tags,
          languages: g.languages,
          listedElsewhere: g.listed_elsewhere,
          id: new URL(`/@${g.slug}`, io.origin).href,
        })), null, 2));
      } else if (groups.length === 0) {
        io.out("No groups yet. Create one with: kindred group create --slug SLUG --name NAME");
      } else {
        for (const g of groups) io.out(describeGroup(g, io.origin));
      }
      return 0;
    }
    case "group update": {
      const { values, positionals } = options(args, {
        name: { type: "string" },
        description: { type: "string" },
        "join-policy": { type: "string" },
        visibility: { type: "string" },
        audience: { type: "string" },
        tags: { type: "string" },
        languages: { type: "string" },
        listed: { type: "boolean" },
        unlisted: { type: "boolean" },
      });
      if (positionals.length !== 1) throw new UsageError("group update takes one SLUG");
      if (values.listed && values.unlisted) throw new UsageError("--listed and --unlisted exclude each other");
      const before = values.visibility === "private" ? await localGroupBySlug(io.fedify(), positionals[0]) : undefined;
      const outside = before ? await followersOutsidePartners(io.db, before.actor) : [];
      const group = await changeGroup(io.db, positionals[0], {
        name: values.name,
        description: values.description,
        joinPolicy: values["join-policy"],
        visibility: values.visibility,
        audience: values.audience,
        conditionTags: values.tags,
        languages: values.languages,
        listedElsewhere: values.listed ? true : values.unlisted ? false : undefined,
      }, io.fedify());
      io.out(`Updated group @${group.slug}@${io.origin.host}`);
      if (outside.length > 0) io.out(`Removed ${outside.length} members on servers that are not partners: ${describeServers(outside)}`);
      io.out(describeGroup(group, io.origin));
      return 0;
    }
    case "group requests": {
      const { positionals } = options(args, {});
      if (positionals.length !== 1) throw new UsageError("group requests takes one SLUG");
      const group = await localGroupBySlug(io.fedify(), positionals[0]);
      if (!group) throw new ValidationError("slug", `no group "${positionals[0]}"`);
      const pending = await listPendingFollowers(io.db, group.actor.id, CLI_ALL);
      if (pending.length === 0) io.out("No pending requests.");
      for (const a of pending) {
        const warning = await newServerWarning(io.db, group.actor, a);
        io.out(`@${a.username}@${a.host}\t${a.name ?? ""}\t${a.uri}${warning ? `\t${warning}` : ""}`);
      }
      return 0;
    }
    case "group approve":
    case "group reject": {
      const { positionals } = options(args, {});
      if (positionals.length !== 2) throw new UsageError(`${key} takes a SLUG and an ACTOR`);
      const [slug, who] = positionals;
      const ctx = io.fedify();
      const group = await localGroupBySlug(ctx, slug);
      if (!group) throw new ValidationError("slug", `no group "${slug}"`);
      const pending = await listPendingFollowers(io.db, group.actor.id, CLI_ALL);
      const actor = pending.find((a) => a.uri === who || `@${a.username}@${a.host}` === who.replace(/^@?/, "@"))
        ?? (/^https?:/.test(who) ? await findActorByUri(io.db, who) : undefined);
      if (!actor) throw new ValidationError("actor", `no pending request from ${who}`);
      const approve = key === "group approve";
      await decideJoinRequest(ctx, group.actor, actor.id, approve);
      io.out(`${approve ? "Approved" : "Rejected"} @${actor.username}@${actor.host} in ${slug}.`);
      return 0;
    }
    case "account suspend":
    case "account unsuspend":
    case "account clinician":
    case "block add":
    case "block remove":
    case "block list":
    case "retention run":
    case "access-log purge":
    case "digests send":
      return await runAdminCommand(key, args, io);
    case "directory refresh": {
      const { values, positionals } = options(args, { host: { type: "string" } });
      if (positionals.length > 0) throw new UsageError("directory refresh takes no argument but --host");
      const report = await runDirectoryRefresh(io.fedify(), "cli", values.host);
      for (const line of describeRefresh(report)) io.out(line);
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${argv.join(" ")}"`);
  }
}
