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

export const ROLE_ID = 'urn:oasis:names:tc:xacml:1.0:subject:role-id';
export const RESOURCE_ID = 'urn:oasis:names:tc:xacml:1.0:resource:resource-id';
export const ACTION_ID = 'urn:oasis:names:tc:xacml:1.0:action:action-id';
export const XACML_CONTEXT_NS = 'urn:oasis:names:tc:xacml:2.0:context:schema:os';
export const XS_STRING = 'http://www.w3.org/2001/XMLSchema#string';
export const XS_ANY_URI = 'http://www.w3.org/2001/XMLSchema#anyURI';
