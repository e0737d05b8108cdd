/**
 * CUCM code values tollgate reads or writes (shared/protocols/cucm-cdr.md §4.2–4.3).
 * One table for the classifier and the demo generator.
 */

/** `*CallTerminationOnBehalfOf`, `*RedirectOnBehalfOf`, `joinOnBehalfOf`. */
export const ON_BEHALF_OF = { CONFERENCE: 4, FORWARD: 5, TRANSFER: 10, DEVICE: 12, RECORDING: 27, MONITORING: 28 } as const;

/** `origCalledPartyRedirectReason`, `lastRedirectRedirectReason`. */
export const REDIRECT_REASON = { CFB: 1, CFNA: 2, CFA: 15, RECORDING: 354, MONITORING: 370 } as const;

/** `origCause_value`, `destCause_value`. */
export const CAUSE = { UNALLOCATED: 1, NORMAL: 16, BUSY: 17, CALL_SPLIT: 393216 } as const;
