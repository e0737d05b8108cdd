/**
 * XACML attribute ids CUCM sends in a CURRI routing request (protocol note §2.3). Matched
 * case-insensitively: DevNet renders them in lower case, the wire form is CamelCase.
 */
export const CISCO_ATTRIBUTE_PREFIX = 'urn:cisco:uc:1.0:';

/** The short names tollgate reads, after `urn:Cisco:uc:1.0:`. */
export const CURRI_ATTRIBUTES = {
  callingnumber: 'callingNumber',
  callednumber: 'calledNumber',
  transformedcgpn: 'transformedCgpn',
  transformedcdpn: 'transformedCdpn',
  callingdevicename: 'callingDeviceName',
  triggerpointtype: 'triggerPointType',
} as const;

export const XS_STRING = 'http://www.w3.org/2001/XMLSchema#string';
