/**
 * The static list of migrations.  Forward only: never edit a migration that
 * has shipped; add a new one with the next zero-padded number.
 */
import type { Migration } from "kysely/migration";
import * as m0001 from "./0001-initial.ts";
import * as m0002 from "./0002-federation.ts";
import * as m0003 from "./0003-web-accounts.ts";
import * as m0004 from "./0004-mentions.ts";
import * as m0005 from "./0005-moderation.ts";
import * as m0008 from "./0008-reports-dashboard.ts";
import * as m0009 from "./0009-held-activities.ts";
import * as m0010 from "./0010-polls-feedback.ts";
import * as m0011 from "./0011-group-resources.ts";
import * as m0013 from "./0013-federation-policy.ts";
import * as m0014 from "./0014-data-rights.ts";
import * as m0015 from "./0015-group-visibility.ts";
import * as m0016 from "./0016-consent-on-login.ts";
import * as m0017 from "./0017-rate-limits.ts";
import * as m0018 from "./0018-access-log.ts";
import * as m0019 from "./0019-follower-counts.ts";
import * as m0020 from "./0020-media.ts";
import * as m0023 from "./0023-read-indexes.ts";
import * as m0024 from "./0024-onboarding.ts";
import * as m0025 from "./0025-instance-software.ts";
import * as m0026 from "./0026-group-directory.ts";
import * as m0027 from "./0027-email-digests.ts";
import * as m0028 from "./0028-outcomes.ts";
import * as m0029 from "./0029-caregivers.ts";
import * as m0030 from "./0030-directory-audience.ts";
import * as m0032 from "./0032-outcome-counted.ts";
import * as m0034 from "./0034-email-confirmation.ts";

export const migrations: Record<string, Migration> = {
  "0001-initial": m0001,
  "0002-federation": m0002,
  "0003-web-accounts": m0003,
  "0004-mentions": m0004,
  "0005-moderation": m0005,
  "0008-reports-dashboard": m0008,
  "0009-held-activities": m0009,
  "0010-polls-feedback": m0010,
  "0011-group-resources": m0011,
  "0013-federation-policy": m0013,
  "0014-data-rights": m0014,
  "0015-group-visibility": m0015,
  "0016-consent-on-login": m0016,
  "0017-rate-limits": m0017,
  "0018-access-log": m0018,
  "0019-follower-counts": m0019,
  "0020-media": m0020,
  "0023-read-indexes": m0023,
  "0024-onboarding": m0024,
  "0025-instance-software": m0025,
  "0026-group-directory": m0026,
  "0027-email-digests": m0027,
  "0028-outcomes": m0028,
  "0029-caregivers": m0029,
  "0030-directory-audience": m0030,
  "0032-outcome-counted": m0032,
  "0034-email-confirmation": m0034,
};
