import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES } from './pipeline.js';

/** The CamelCase capture of the protocol note §4.2 (with callingdevicename `CSR1000v`). */
export const CAMEL_REQUEST = readFileSync(path.join(FIXTURES, 'curri/request-camelcase-device.xml'), 'utf8');
/** DevNet's Hello World request as the page renders it (§4.1): lower case, no device name. */
export const DEVNET_REQUEST = readFileSync(path.join(FIXTURES, 'curri/request-devnet-lowercase.xml'), 'utf8');

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** A CamelCase request shaped like the §4.2 capture with the given numbers. */
export function curriRequest(o: { calling?: string; called?: string; cgpn?: string; cdpn?: string; device?: string; trigger?: string }): string {
  const attr = (id: string, v: string | undefined) =>
    v === undefined ? '' : `<Attribute AttributeId="urn:Cisco:uc:1.0:${id}" DataType="http://www.w3.org/2001/XMLSchema#string"><AttributeValue>${esc(v)}</AttributeValue></Attribute>`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?><Request xmlns="urn:oasis:names:tc:xacml:2.0:context:schema:os">' +
    '<Subject SubjectCategory="urn:oasis:names:tc:xacml:1.0:subject-category:access-subject">' +
    '<Attribute AttributeId="urn:oasis:names:tc:xacml:1.0:subject:role-id" DataType="http://www.w3.org/2001/XMLSchema#string" Issuer="requestor"><AttributeValue>CISCO:UC:UCMPolicy</AttributeValue></Attribute>' +
    attr('callingnumber', o.calling) + attr('callednumber', o.called) + attr('transformedcgpn', o.cgpn ?? o.calling) +
    attr('transformedcdpn', o.cdpn ?? o.called) + attr('callingdevicename', o.device) +
    '</Subject><Resource><Attribute AttributeId="urn:oasis:names:tc:xacml:1.0:resource:resource-id" DataType="http://www.w3.org/2001/XMLSchema#anyURI"><AttributeValue>CISCO:UC:VoiceOrVideoCall</AttributeValue></Attribute></Resource>' +
    '<Action><Attribute AttributeId="urn:oasis:names:tc:xacml:1.0:action:action-id" DataType="http://www.w3.org/2001/XMLSchema#anyURI"><AttributeValue>any</AttributeValue></Attribute></Action>' +
    `<Environment>${attr('triggerpointtype', o.trigger ?? 'translationpattern')}</Environment></Request>`
  );
}

/** CUCM's request headers (DevNet "Read Call Routing Request"). */
export const CUCM_HEADERS = {
  'Content-Type': 'text/xml; charset=ISO-8859-1',
  methodName: 'isRoleAccessAllowed',
  'User-Agent': 'CiscoUCM-HttpClient/1.0',
};
