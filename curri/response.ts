import { SaxesParser } from 'saxes';
import { fragment } from 'xmlbuilder2';
import { XS_STRING } from './attributes.js';

/** Names CUCM may be asked to present instead (CUCM 10.0+; lower-case attributes, note §3.4). */
export interface CixmlModify {
  callingnumber?: string;
  callednumber?: string;
  callingname?: string;
  calledname?: string;
}

/** A routing answer: Permit + continue, Deny + reject, or a decision CUCM treats as failure. */
export type CurriDecision =
  | { decision: 'Permit'; modify?: CixmlModify; greeting?: string }
  | { decision: 'Deny'; announce?: string }
  | { decision: 'Indeterminate' | 'NotApplicable'; message?: string };

/** Builds the CIXML routing directive (before its second escaping into the XACML text node). */
export function encodeCixml(d: CurriDecision): string | undefined {
  if (d.decision === 'Permit') {
    const frag = fragment();
    const c = frag.ele('cixml', { version: '1.0' }).ele('continue');
    if (d.greeting) c.ele('greeting', { identification: d.greeting });
    const modify = Object.entries(d.modify ?? {}).filter(([, v]) => v !== undefined) as Array<[string, string]>;
    if (modify.length > 0) c.ele('modify', Object.fromEntries(modify));
    return closeEmpty(frag.end({ prettyPrint: false }));
  }
  if (d.decision === 'Deny') {
    const frag = fragment();
    const r = frag.ele('cixml', { version: '1.0' }).ele('reject');
    if (d.announce) r.ele('announce', { identification: d.announce });
    return closeEmpty(frag.end({ prettyPrint: false }));
  }
  return undefined;
}

/** `<continue/>` → `<continue></continue>`: the form of every sample CUCM is known to accept. */
function closeEmpty(xml: string): string {
  return xml.replace(/<(continue|reject)\/>/g, '<$1></$1>');
}

/** Escapes text for an XML text node or a double-quoted attribute value. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes a text node: `"` stays as is, as in Cisco's samples (`&lt;cixml version="1.0"&gt;`). */
export function escapeText(s: string): string {
  return s.replace(/[&<>]/g, (c) => ESCAPES[c]!);
}

/**
 * The XACML response body for a decision: the CIXML directive is entity-escaped into
 * `AttributeValue`, so values inside it are escaped twice (note §3.5). Compact, with a standard
 * declaration and obligation ids copied from Cisco's sample code. (xmlbuilder2 builds the CIXML;
 * its text nodes do not re-escape entity references, so the outer escaping is done here.)
 */
export function encodeCurriResponse(d: CurriDecision): string {
  const head = `<?xml version="1.0" encoding="UTF-8"?><Response><Result><Decision>${d.decision}</Decision>`;
  if (d.decision === 'Permit' || d.decision === 'Deny') {
    const permit = d.decision === 'Permit';
    return (
      head +
      `<Status></Status><Obligations><Obligation FulfillOn="${d.decision}" ObligationId="${permit ? 'urn:cisco:xacml:policy-attribute' : 'deny.simple'}">` +
      `<AttributeAssignment AttributeId="${permit ? 'Policy:simplecontinue' : 'Policy:deny.simple'}"><AttributeValue DataType="${XS_STRING}">` +
      escapeText(encodeCixml(d)!) +
      '</AttributeValue></AttributeAssignment></Obligation></Obligations></Result></Response>'
    );
  }
  const message = d.message ? `<StatusMessage>${escapeXml(d.message)}</StatusMessage>` : '';
  return head + `<Status><StatusCode Value="urn:oasis:names:tc:xacml:1.0:status:processing-error"/>${message}</Status></Result></Response>`;
}

/** What a XACML response says, with the CIXML unescaped once and parsed (for tests and tools). */
export interface DecodedCurriResponse {
  decision: string;
  cixml?: string;
  directive?: 'continue' | 'reject' | 'divert';
  announce?: string;
  modify?: Record<string, string>;
}

/**
 * Parses a XACML response strictly (well-formed XML, `<Response><Result><Decision>`; the CIXML,
 * when present, must itself be well-formed with a `<cixml>` root). Throws on anything else.
 */
export function decodeCurriResponse(xml: string): DecodedCurriResponse {
  const out: DecodedCurriResponse = { decision: '' };
  const path: string[] = [];
  let text = '';
  parseStrict(xml, {
    open(name) {
      path.push(name);
      text = '';
    },
    text(t) {
      text += t;
    },
    close(name) {
      const p = path.join('/');
      if (p === 'Response/Result/Decision') out.decision = text;
      if (name === 'AttributeValue' && text.trimStart().startsWith('<cixml')) out.cixml = text;
      path.pop();
      text = '';
    },
  });
  if (path.length !== 0 || !out.decision) throw new Error('no Response/Result/Decision');
  if (out.cixml !== undefined) {
    let depth = 0;
    parseStrict(out.cixml, {
      open(name, attrs) {
        depth++;
        if (depth === 1 && name !== 'cixml') throw new Error(`CIXML root is <${name}>`);
        if (depth === 2 && (name === 'continue' || name === 'reject' || name === 'divert')) out.directive = name;
        if (name === 'announce') out.announce = attrs.identification;
        if (name === 'modify') out.modify = { ...attrs };
      },
      text() {},
      close() {
        depth--;
      },
    });
  }
  return out;
}

function parseStrict(
  xml: string,
  h: { open(name: string, attrs: Record<string, string>): void; text(t: string): void; close(name: string): void },
): void {
  const p = new SaxesParser({ position: false });
  let failure: Error | undefined;
  p.on('error', (e) => {
    failure ??= e;
  });
  p.on('doctype', () => {
    throw new Error('DOCTYPE');
  });
  p.on('opentag', (t) => h.open(t.name, t.attributes as Record<string, string>));
  p.on('text', (t) => h.text(t));
  p.on('closetag', (t) => h.close(t.name));
  p.write(xml).close();
  if (failure) throw failure;
}
