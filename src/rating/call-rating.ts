import { createDestinationClassifier, type DestinationClassifier } from './destination.js';
import type { Destination, DestinationType, SiteDialPlan } from './destination-types.js';
import { buildPrefixTable, type PrefixEntry, type PrefixTable } from './prefix-table.js';
import { rateCall } from './rate-call.js';
import type { Tariff } from './tariff.js';
import { maskDigits } from './mask.js';
import { zoneFormatter } from '../time/zone.js';

export { maskDigits } from './mask.js';

/**
 * Classification and rating of one call of a site, as the miner stores it and as recalculation
 * and tariff comparison redo it: destination of the remote number, the tariff of the gateway (or
 * the site's default), the cost, and account codes (cost centre, masking, description). Pure: the
 * site's data comes in as plain values (it crosses to the parser worker), nothing reads a clock,
 * a file or a database.
 */

/** An account code (CMC, or a FAC's description as CUCM writes it) and what it does to a call. */
export interface AccountCodeRule {
  /** 0: every site. */
  siteId: number;
  code: string;
  description: string;
  /** Last digits of the remote number to mask on calls with this code. */
  privacyDigits: number;
  /** Cost centre the call is charged to ('' keeps the user's). */
  costCenter: string;
  replaceWithDescription: boolean;
}

/** What rating knows about a site. */
export interface RatingData {
  siteId: number;
  dialPlan: SiteDialPlan;
  timezone: string;
  /** The site's currency: internal and incoming calls cost 0 of it. */
  currency: string;
  /** The tariffs the site uses (default, internal, gateways'); others are ignored. */
  tariffs: Tariff[];
  defaultTariff: string | null;
  internalTariff: string | null;
  /** The site's prefix table (overrides libphonenumber), or null. */
  prefixes: PrefixEntry[] | null;
  accounts: AccountCodeRule[];
  /** Cost centre per user id, for calls without an account code that sets one. */
  userCostCenters: Array<[number, string]>;
}

/** A call as the classifier made it (or as stored), the input of rating. */
export interface CallFacts {
  direction: string;
  userId: number | null;
  /** The number as dialled (access code included) for outgoing calls; the caller for incoming ones. */
  dialedNumber: string;
  remoteNumber: string;
  /** Tariff code configured on the call's gateway or trunk, or null for the site's default. */
  gatewayTariff: string | null;
  startAt: number;
  durationS: number;
  answered: boolean;
  accountCode: string;
}

/** The classification, cost and account-code effects of a call. */
export interface CallRating {
  destinationType: DestinationType;
  nation: string;
  area: string;
  /** Minor units of `currency`; null when no tariff applies to an outgoing call. */
  cost: number | null;
  currency: string | null;
  carrier: string;
  tariffCode: string;
  costCenter: string;
  accountName: string;
  /** The numbers to store (masked by an account code). */
  remoteNumber: string;
  dialedNumber: string;
  /** An account code that is not in the table. */
  unknownAccount: boolean;
  /** An outgoing call whose destination could not be classified. */
  unknownDestination: boolean;
}

/** A masked number is classified as if its masked digits were 0 (its prefix decides). */
const unmaskForLookup = (n: string): string => (n.includes('X') ? n.replaceAll('X', '0') : n);

export interface CallRater {
  rate(call: CallFacts): CallRating;
  /** The destination of a number as this site sees it (the number as dialled). */
  classify(number: string, direction: string): Destination;
  /** The cost of a call under another tariff (tariff comparison). */
  rateWith(tariff: Tariff, call: Pick<CallFacts, 'startAt' | 'durationS' | 'answered'>, destination: Destination): number;
  readonly timezone: string;
}

let sharedClassifier: DestinationClassifier | null = null;

/** Builds the rater of a site. Throws a RangeError for a bad prefix table or time zone. */
export function buildCallRater(data: RatingData): CallRater {
  sharedClassifier ??= createDestinationClassifier();
  const classifier = sharedClassifier;
  const tariffs = new Map(data.tariffs.map((t) => [t.code, t]));
  const table: PrefixTable | null = data.prefixes && data.prefixes.length > 0 ? buildPrefixTable(data.prefixes) : null;
  const accounts = new Map<string, AccountCodeRule>();
  // Site codes win over multisite ones.
  for (const a of data.accounts) if (a.siteId === 0) accounts.set(a.code, a);
  for (const a of data.accounts) if (a.siteId === data.siteId) accounts.set(a.code, a);
  const costCenters = new Map(data.userCostCenters);
  const plan = data.dialPlan;
  const noAccess: SiteDialPlan = { ...plan, accessCodes: [] };
  zoneFormatter(data.timezone); // throws a RangeError for an unknown zone
  /** Every internal call's destination (read only). */
  const internalDestination: Destination = Object.freeze({ type: 'internal', e164: null, nation: plan.country, area: null, prefix: null, line: null, label: null });

  function classify(number: string, direction: string): Destination {
    // Incoming callers are not dialled through an access code.
    return classifier.classify(unmaskForLookup(number), direction === 'incoming' ? noAccess : plan, table, { internal: direction === 'internal' });
  }

  function rate(call: CallFacts): CallRating {
    const userCenter = call.userId !== null ? costCenters.get(call.userId) ?? '' : '';
    const out: CallRating = {
      destinationType: 'unknown', nation: '', area: '', cost: null, currency: null, carrier: '', tariffCode: '',
      costCenter: userCenter, accountName: '', remoteNumber: call.remoteNumber, dialedNumber: call.dialedNumber,
      unknownAccount: false, unknownDestination: false,
    };
    const outgoing = call.direction === 'outgoing' || call.direction === 'tandem';
    let tariff: Tariff | undefined;
    let dest: Destination;
    if (call.direction === 'internal') {
      dest = internalDestination;
      tariff = data.internalTariff !== null ? tariffs.get(data.internalTariff) : undefined;
      out.cost = 0;
      out.currency = data.currency;
    } else if (call.direction === 'incoming') {
      dest = classify(call.remoteNumber, 'incoming');
      out.cost = 0;
      out.currency = data.currency;
    } else {
      // Tandem rows keep the caller in dialed_number: the remote number is what went out.
      dest = classify(call.direction === 'tandem' ? call.remoteNumber : call.dialedNumber, call.direction);
      const code = call.gatewayTariff ?? data.defaultTariff;
      tariff = code !== null ? tariffs.get(code) : undefined;
      out.unknownDestination = dest.type === 'unknown';
    }
    out.destinationType = dest.type;
    out.nation = dest.nation ?? '';
    out.area = dest.area ?? dest.label ?? '';
    if (tariff) {
      const r = rateCall({ startUtc: call.startAt, durationS: call.durationS, answered: call.answered, destination: dest }, tariff, data.timezone);
      out.cost = r.cost;
      out.currency = tariff.currency;
      out.carrier = tariff.carrier;
      out.tariffCode = tariff.code;
    }
    if (outgoing && call.accountCode !== '') {
      const rule = accounts.get(call.accountCode);
      if (!rule) out.unknownAccount = true;
      else {
        out.accountName = rule.replaceWithDescription && rule.description !== '' ? rule.description : rule.code;
        if (rule.costCenter !== '') out.costCenter = rule.costCenter;
        out.remoteNumber = maskDigits(call.remoteNumber, rule.privacyDigits);
        out.dialedNumber = maskDigits(call.dialedNumber, rule.privacyDigits);
      }
    }
    return out;
  }

  function rateWith(tariff: Tariff, call: Pick<CallFacts, 'startAt' | 'durationS' | 'answered'>, destination: Destination): number {
    return rateCall({ startUtc: call.startAt, durationS: call.durationS, answered: call.answered, destination }, tariff, data.timezone).cost;
  }

  return { rate, classify, rateWith, timezone: data.timezone };
}
