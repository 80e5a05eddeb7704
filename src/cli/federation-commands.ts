/** `kindred federation ...`: the instance federation policy (src/federation-policy.ts). */
import { parseArgs } from "node:util";
import { readFederationPolicy, removeDomain, setDomainRule, setFederationMode } from "../federation-policy.ts";
import { CliUsage } from "./admin-commands.ts";
import type { CliIo } from "./commands.ts";

export const FEDERATION_USAGE = `  federation mode open|allowlist|closed
      Federate with everyone but blocked domains, only with allowed ones, or with no one.
  federation block|allow|limit|reject-media|partner DOMAIN [--reason TEXT]
      Add a rule for DOMAIN ("host": that host, its subdomains, any port; "host:port": exactly that).
  federation remove DOMAIN
      Remove every rule of DOMAIN.
  federation list [--json]
      Show the mode and the rules.`;

const ACTIONS = ["block", "allow", "limit", "reject-media", "partner"];

function parse(args: string[], withReason: boolean, positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: withReason ? { reason: { type: "string" } } : { json: { type: "boolean" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new CliUsage((error as Error).message);
  }
  if (parsed.positionals.length !== positionals) throw new CliUsage(`expected ${positionals} argument(s)`);
  return parsed as { values: Record<string, string | boolean | undefined>; positionals: string[] };
}

/** Runs `federation SUB args...`. */
export async function runFederationCommand(sub: string, args: string[], io: CliIo): Promise<number> {
  if (sub === "mode") {
    const { positionals } = parse(args, false, 1);
    const mode = await setFederationMode(io.db, null, positionals[0]);
    io.out(`Federation mode is now ${mode}.`);
    return 0;
  }
  if (ACTIONS.includes(sub)) {
    const { values, positionals } = parse(args, true, 1);
    const rule = await setDomainRule(io.db, null, positionals[0], sub, values.reason);
    io.out(`${rule.domain}: ${rule.action}.`);
    return 0;
  }
  if (sub === "remove") {
    const { positionals } = parse(args, false, 1);
    const n = await removeDomain(io.db, null, positionals[0]);
    io.out(n === 0 ? `No rules for ${positionals[0]}.` : `Removed ${n} rule(s) for ${positionals[0]}.`);
    return 0;
  }
  if (sub === "list") {
    const { values } = parse(args, false, 0);
    const policy = await readFederationPolicy(io.db);
    if (values.json) {
      io.out(JSON.stringify({
        mode: policy.mode,
        rules: policy.rules.map((r) => ({ domain: r.domain, action: r.action, reason: r.reason })),
      }, null, 2));
      return 0;
    }
    io.out(`Mode: ${policy.mode}`);
    if (policy.rules.length === 0) io.out("No domain rules.");
    for (const r of policy.rules) io.out(`${r.domain}\t${r.action}\t${r.reason}`);
    return 0;
  }
  throw new CliUsage(`unknown command "federation ${sub}"`);
}
