import { createRng, type Rng } from './rng.js';

/**
 * The dial plan a generated CUCM cluster uses: its phones (line, partition, device), its trunks
 * and gateways, the outside-line access code and how outside numbers look. `usDialPlan` builds a
 * North American one (NANP numbers, `011` international) deterministically from a seed.
 */

/** One phone line: directory number, its partition and the phone (`SEP` + MAC) it rings. */
export interface PlanExtension {
  line: string;
  partition: string;
  device: string;
  /** The owner's login, written in callingPartyUnicodeLoginUserID. */
  login: string;
  /** The phone's IPv4 address. */
  ip: string;
}

/** An outside number as dialled after the access code, with the route pattern that matched it. */
export interface DialledNumber {
  digits: string;
  /** Route pattern as CUCM writes it in finalCalledPartyPattern, access code included (`9.1[2-9]XX…`). */
  pattern: string;
  /** The number in E.164, as a SIP trunk would send it. */
  e164: string;
}

export interface DialPlan {
  extensions: readonly PlanExtension[];
  /** Gateway and trunk device names: SIP trunk names or MGCP endpoints (`S0/SU0/DS1-1@gw1.example.com`). */
  trunks: readonly string[];
  /** Outside-line access code dialled before external numbers (`9`). */
  accessCode: string;
  /** Country calling code of the site (`1`). */
  countryCode: string;
  /** Partition of the PSTN route patterns (`PT-PSTN`). */
  routePartition: string;
  /** A national number (long distance, local or toll free). */
  nationalNumber(rng: Rng): DialledNumber;
  /** An international number (`011` + country code + number). */
  internationalNumber(rng: Rng): DialledNumber;
  /** Calling number of an incoming call as CUCM writes it (10-digit national, or `+` E.164 from abroad). */
  callerId(rng: Rng): string;
  /** The E.164 number (DID) that reaches an extension from outside. */
  did(line: string): string;
}

/** Cisco phone MAC prefixes (OUIs) seen on real phones. */
const OUIS = ['CC7F75', 'CC8E71', '6CFA89', '84B517', 'BC16F5', '00EBD5', '2C3124', '70E422'];

const FOREIGN: ReadonlyArray<{ cc: string; areas: readonly string[]; len: number }> = [
  { cc: '44', areas: ['20', '161', '131'], len: 10 },
  { cc: '49', areas: ['30', '89', '69'], len: 10 },
  { cc: '33', areas: ['1', '4', '6'], len: 9 },
  { cc: '52', areas: ['55', '81', '33'], len: 10 },
  { cc: '91', areas: ['22', '80', '11'], len: 10 },
  { cc: '81', areas: ['3', '6', '90'], len: 10 },
  { cc: '39', areas: ['02', '06', '347'], len: 10 },
];

const FAR_AREAS = ['212', '213', '312', '415', '617', '702', '713', '305', '404', '206', '503', '602', '303', '512'];
const TOLL_FREE = ['800', '888', '877', '866'];

export interface UsDialPlanOptions {
  seed: number;
  /** Number of phone lines. */
  users: number;
  /** First directory number; lines are consecutive (`2001`, `2002`, …). */
  firstExtension: number;
  /** Partition of the phone lines. */
  partition?: string;
  trunks: readonly string[];
  accessCode?: string;
  /** Area codes of the site (local calls, DIDs); the first one is the DID range. */
  homeAreaCodes?: readonly string[];
  /** Login of line i (0-based); defaults to `user<line>`. */
  login?: (index: number, line: string) => string;
}

/** A deterministic North American dial plan (NANP, access code 9 by default). */
export function usDialPlan(o: UsDialPlanOptions): DialPlan {
  const rng = createRng(o.seed ^ 0x5eed);
  const partition = o.partition ?? 'PT-Internal';
  const home = o.homeAreaCodes ?? ['212', '646'];
  const homeArea = home[0] ?? '212';
  const accessCode = o.accessCode ?? '9';
  const extensions: PlanExtension[] = [];
  const macs = new Set<string>();
  for (let i = 0; i < o.users; i++) {
    const line = String(o.firstExtension + i);
    let mac: string;
    do mac = rng.pick(OUIS) + rng.hex(6).toUpperCase();
    while (macs.has(mac));
    macs.add(mac);
    const ip = `10.20.${10 + Math.floor(i / 250)}.${1 + (i % 250)}`;
    extensions.push({ line, partition, device: `SEP${mac}`, login: o.login ? o.login(i, line) : `user${line}`, ip });
  }
  const subscriber = (r: Rng): string => `${r.range(2, 9)}${r.digits(2)}${r.digits(4)}`;
  return {
    extensions,
    trunks: o.trunks,
    accessCode,
    countryCode: '1',
    routePartition: 'PT-PSTN',
    nationalNumber(r) {
      const roll = r.next();
      if (roll < 0.3) {
        const n = r.pick(home) + subscriber(r);
        return { digits: n, pattern: `${accessCode}.[2-9]XX[2-9]XXXXXX`, e164: `+1${n}` };
      }
      if (roll < 0.4) {
        const n = r.pick(TOLL_FREE) + subscriber(r);
        return { digits: `1${n}`, pattern: `${accessCode}.1${n.slice(0, 3)}[2-9]XXXXXX`, e164: `+1${n}` };
      }
      const n = r.pick(FAR_AREAS) + subscriber(r);
      return { digits: `1${n}`, pattern: `${accessCode}.1[2-9]XX[2-9]XXXXXX`, e164: `+1${n}` };
    },
    internationalNumber(r) {
      const c = r.pick(FOREIGN);
      const area = r.pick(c.areas);
      const n = c.cc + area + r.range(2, 9) + r.digits(c.len - area.length - 1);
      return { digits: `011${n}`, pattern: `${accessCode}.011!`, e164: `+${n}` };
    },
    callerId(r) {
      if (r.chance(0.05)) {
        const c = r.pick(FOREIGN);
        const area = r.pick(c.areas);
        return `+${c.cc}${area}${r.range(2, 9)}${r.digits(c.len - area.length - 1)}`;
      }
      return (r.chance(0.5) ? r.pick(home) : r.pick(FAR_AREAS)) + subscriber(r);
    },
    did(line) {
      return `+1${homeArea}555${line.padStart(4, '0').slice(-4)}`;
    },
  };
}
