import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { CISCO_ATTRIBUTE_PREFIX, CURRI_ATTRIBUTES } from './attributes.js';

/** What tollgate reads from a CURRI routing request. Absent attributes are undefined. */
export interface CurriRequest {
  callingNumber?: string;
  calledNumber?: string;
  transformedCgpn?: string;
  transformedCdpn?: string;
  callingDeviceName?: string;
  triggerPointType?: string;
  /** Every attribute of the request by its full AttributeId (lower case), first value only. */
  attributes: Record<string, string>;
}

/** The body is not a CURRI request tollgate can read (bad XML, DOCTYPE, wrong root, bad charset). */
export class CurriParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CurriParseError';
  }
}

const DECL_ENCODING = /^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/;
const HEADER_CHARSET = /;\s*charset\s*=\s*"?([A-Za-z0-9._:-]+)"?/i;

/**
 * Turns the raw bytes into text. The XML declaration names the real encoding (CUCM's header says
 * ISO-8859-1 while its declaration says UTF-8, protocol note §6.2), so it wins over the header;
 * the header applies only when there is no declaration. A BOM wins over both.
 */
export function decodeBody(body: Uint8Array, contentType?: string): string {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return buf.toString('utf8', 3);
  if (buf.length >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff))) {
    return decodeAs(buf, buf[0] === 0xff ? 'utf-16le' : 'utf-16be');
  }
  const head = buf.toString('latin1', 0, Math.min(buf.length, 200));
  const declared = DECL_ENCODING.exec(head)?.[1];
  const label = declared ?? (head.trimStart().startsWith('<?xml') ? undefined : HEADER_CHARSET.exec(contentType ?? '')?.[1]);
  return decodeAs(buf, label ?? 'utf-8');
}

function decodeAs(buf: Buffer, label: string): string {
  const l = label.toLowerCase();
  if (l === 'utf-8' || l === 'utf8') return buf.toString('utf8');
  if (l === 'iso-8859-1' || l === 'latin1' || l === 'us-ascii' || l === 'ascii') return buf.toString('latin1');
  try {
    return new TextDecoder(l).decode(buf);
  } catch {
    throw new CurriParseError(`unsupported charset ${JSON.stringify(label)}`);
  }
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return (colon < 0 ? name : name.slice(colon + 1)).toLowerCase();
}

function attributeId(tag: SaxesTagPlain): string | undefined {
  for (const key in tag.attributes) {
    if (localName(key) === 'attributeid') return String(tag.attributes[key]).trim().toLowerCase();
  }
  return undefined;
}

/**
 * Parses a CURRI (XACML 2.0) routing request. Tolerant of namespace prefixes, element and
 * attribute case and the charset quirk; never resolves entities beyond the five predefined ones:
 * a DOCTYPE (billion laughs, external entities) is refused before any of it is read.
 * Throws `CurriParseError` on anything it cannot read.
 */
export function decodeCurriRequest(body: Uint8Array | string, contentType?: string): CurriRequest {
  const text = typeof body === 'string' ? body : decodeBody(body, contentType);
  const parser = new SaxesParser({ position: false });
  const attributes: Record<string, string> = {};
  let depth = 0;
  let root: string | undefined;
  let currentId: string | undefined;
  let inValue = false;
  let value = '';
  let failure: Error | undefined;
  parser.on('error', (err) => {
    failure ??= err;
  });
  parser.on('doctype', () => {
    failure ??= new CurriParseError('DOCTYPE is not allowed');
    throw failure;
  });
  parser.on('opentag', (tag) => {
    depth++;
    const name = localName(tag.name);
    if (depth === 1) root = name;
    if (name === 'attribute') currentId = attributeId(tag as SaxesTagPlain);
    else if (name === 'attributevalue' && currentId !== undefined) {
      inValue = true;
      value = '';
    }
  });
  parser.on('text', (t) => {
    if (inValue) value += t;
  });
  parser.on('cdata', (t) => {
    if (inValue) value += t;
  });
  parser.on('closetag', (tag) => {
    depth--;
    const name = localName(tag.name);
    if (name === 'attributevalue' && inValue) {
      inValue = false;
      if (currentId !== undefined && !(currentId in attributes)) attributes[currentId] = value.trim();
    } else if (name === 'attribute') currentId = undefined;
  });
  try {
    parser.write(text).close();
  } catch (err) {
    failure ??= err as Error;
  }
  if (failure) throw failure instanceof CurriParseError ? failure : new CurriParseError(firstLine(failure.message));
  if (root !== 'request') throw new CurriParseError(root === undefined ? 'no root element' : `root element is <${root}>, not <Request>`);
  const req: CurriRequest = { attributes };
  for (const [short, field] of Object.entries(CURRI_ATTRIBUTES)) {
    const v = attributes[CISCO_ATTRIBUTE_PREFIX + short];
    if (v !== undefined) req[field] = v;
  }
  return req;
}

function firstLine(s: string): string {
  const nl = s.indexOf('\n');
  return (nl < 0 ? s : s.slice(0, nl)).slice(0, 200);
}
