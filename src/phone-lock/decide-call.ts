import type { CurriRequest } from '../../curri/index.js';
import type { LineKey } from '../db/queries/line-locks.js';
import type { LineOwner, LockDirectory } from './directory.js';
import type { LockSet } from './lock-set.js';

/** The configured part of the decision. */
export interface CallPolicy {
  /** Exact numbers a locked line may call. */
  allowNumbers: ReadonlySet<string>;
  /** Prefixes a locked line may call (configured as `123*`). */
  allowPrefixes: readonly string[];
  /** Default for sites without their own choice. */
  allowInternal: boolean;
}

export type CallVerdict =
  | { action: 'continue'; why: 'emergency' | 'not-locked' | 'internal' | 'allow-list'; line?: LineKey }
  | { action: 'reject'; why: 'locked'; line: LineKey };

/** Builds the policy from the configured allow-list (`123*` is a prefix). */
export function callPolicy(allow: readonly string[], allowInternal: boolean): CallPolicy {
  return {
    allowNumbers: new Set(allow.filter((a) => !a.endsWith('*'))),
    allowPrefixes: allow.filter((a) => a.endsWith('*')).map((a) => a.replace(/\*+$/, '')).filter((a) => a !== ''),
    allowInternal,
  };
}

function isEmergency(n: string, dir: LockDirectory): boolean {
  if (n.length > 12) return false;
  const digits = n.startsWith('+') ? n.slice(1) : n;
  if (dir.emergency.has(digits)) return true;
  for (const code of dir.accessCodes) {
    // Only a number short enough to be one with its access code is cut (no string otherwise).
    if (digits.length - code.length <= dir.emergencyMaxLength && digits.startsWith(code) && dir.emergency.has(digits.slice(code.length))) return true;
  }
  return false;
}

/** The locked line the call comes from, if any (no allocation on the common path: not locked). */
function lockedCallingLine(req: CurriRequest, locks: LockSet, dir: LockDirectory): { line: LineKey; owner?: LineOwner } | undefined {
  const a = req.callingNumber || undefined;
  const b = req.transformedCgpn !== a ? req.transformedCgpn || undefined : undefined;
  const device = req.callingDeviceName ? dir.devices.get(req.callingDeviceName.toUpperCase()) : undefined;
  if (device) {
    // The device names the partition: a same extension in another partition is another line.
    const { partition, extension } = device.owner;
    if (a !== undefined && locks.isLocked(partition, a)) return { line: { partition, extension: a }, owner: device.owner };
    if (b !== undefined && locks.isLocked(partition, b)) return { line: { partition, extension: b }, owner: device.owner };
    if ((a?.endsWith(extension) || b?.endsWith(extension)) && locks.isLocked(partition, extension)) return { line: device.owner, owner: device.owner };
    return undefined;
  }
  return lockedAnywhere(a, locks, dir) ?? lockedAnywhere(b, locks, dir);
}

/** The line of `extension` when it is locked in some partition (the device is unknown). */
function lockedAnywhere(extension: string | undefined, locks: LockSet, dir: LockDirectory): { line: LineKey; owner?: LineOwner } | undefined {
  const parts = extension === undefined ? undefined : locks.lockedPartitions(extension);
  if (extension === undefined || !parts || parts.size === 0) return undefined;
  const partition = parts.values().next().value as string;
  return { line: { partition, extension }, owner: dir.byExtension.get(extension)?.find((o) => o.partition === partition) };
}

// The verdicts without a line, made once (nearly every call gets one of them).
const EMERGENCY: CallVerdict = Object.freeze({ action: 'continue', why: 'emergency' });
const NOT_LOCKED: CallVerdict = Object.freeze({ action: 'continue', why: 'not-locked' });

/**
 * Decides a call from memory only: (a) emergency numbers continue, whether the line is locked or
 * not; (b) a line that is not locked continues; (c) a locked line may still call internal numbers
 * (when its site allows it) and the allow-list; (d) otherwise the call is rejected.
 */
export function decideCall(req: CurriRequest, locks: LockSet, dir: LockDirectory, policy: CallPolicy): CallVerdict {
  const { calledNumber: cdpn, transformedCdpn: tcdpn } = req;
  if ((cdpn && isEmergency(cdpn, dir)) || (tcdpn && isEmergency(tcdpn, dir))) return EMERGENCY;
  if (locks.size === 0) return NOT_LOCKED;
  const locked = lockedCallingLine(req, locks, dir);
  if (!locked) return NOT_LOCKED;
  const called = [cdpn, tcdpn].filter((n): n is string => n !== undefined && n !== '');
  const siteChoice = locked.owner?.siteId == null ? null : dir.siteAllowInternal.get(locked.owner.siteId);
  if ((siteChoice ?? policy.allowInternal) && called.some((n) => dir.byExtension.has(n))) {
    return { action: 'continue', why: 'internal', line: locked.line };
  }
  for (const n of called) {
    const bare = n.startsWith('+') ? n.slice(1) : n;
    if (policy.allowNumbers.has(n) || policy.allowNumbers.has(bare)) return { action: 'continue', why: 'allow-list', line: locked.line };
    if (policy.allowPrefixes.some((p) => n.startsWith(p) || bare.startsWith(p))) return { action: 'continue', why: 'allow-list', line: locked.line };
  }
  return { action: 'reject', why: 'locked', line: locked.line };
}
