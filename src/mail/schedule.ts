/**
 * When daily and weekly digests are due: at DIGEST_HOUR (and, weekly, on
 * DIGEST_WEEKDAY) in the instance's time zone (DIGEST_TIME_ZONE, UTC by
 * default), whatever daylight saving does.
 */
import type { EmailFrequency } from "../../db/schema.ts";

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
}

const WEEKDAY_INDEX: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function wallClock(at: Date, timeZone: string): WallClock {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      weekday: "short",
    }).formatToParts(at).map((p) => [p.type, p.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: WEEKDAY_INDEX[parts.weekday],
  };
}

/** How far the zone's clock is ahead of UTC at `at`, in milliseconds. */
function offsetMs(at: Date, timeZone: string): number {
  const w = wallClock(at, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - Math.floor(at.getTime() / 60_000) * 60_000;
}

/** The instant the zone's clocks show year-month-day hour:00. */
function instantOf(year: number, month: number, day: number, hour: number, timeZone: string): Date {
  const asUtc = Date.UTC(year, month - 1, day, hour);
  const first = asUtc - offsetMs(new Date(asUtc), timeZone);
  return new Date(asUtc - offsetMs(new Date(first), timeZone));
}

export interface DigestSchedule {
  hour: number;
  weekday: number;
  timeZone: string;
}

/** The latest digest time at or before `now` for a daily or weekly member. */
export function lastDigestTime(now: Date, frequency: Extract<EmailFrequency, "daily" | "weekly">, s: DigestSchedule): Date {
  const w = wallClock(now, s.timeZone);
  let back = frequency === "weekly" ? (w.weekday - s.weekday + 7) % 7 : 0;
  if (back === 0 && w.hour < s.hour) back = frequency === "weekly" ? 7 : 1;
  const at = instantOf(w.year, w.month, w.day - back, s.hour, s.timeZone);
  // A digest time that daylight saving pushed past `now` belongs to the period before.
  return at.getTime() > now.getTime() ? lastDigestTime(new Date(at.getTime() - 3600_000), frequency, s) : at;
}
