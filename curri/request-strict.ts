import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { CurriParseError, decodeBody, toRequest, type CurriRequest } from './request.js';

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
 * The reference decoder: a full XML parse with saxes (well-formedness checked, no DTD
 * processing: a DOCTYPE is refused). Same result as `decodeCurriRequest` on every well-formed
 * request; about 10x slower, so the route uses the scanner and tests compare the two.
 */
export function decodeCurriRequestStrict(body: Uint8Array | string, contentType?: string): CurriRequest {
  const text = typeof body === 'string' ? body : decodeBody(body, contentType);
  const parser = new SaxesParser({ position: false });
  const attributes = new Map<string, string>();
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
      if (currentId !== undefined && !attributes.has(currentId)) attributes.set(currentId, value.trim());
    } else if (name === 'attribute') currentId = undefined;
  });
  try {
    parser.write(text).close();
  } catch (err) {
    failure ??= err as Error;
  }
  if (failure) throw failure instanceof CurriParseError ? failure : new CurriParseError(firstLine(failure.message));
  if (root !== 'request') throw new CurriParseError(root === undefined ? 'no root element' : `root element is <${root}>, not <Request>`);
  return toRequest(attributes);
}

function firstLine(s: string): string {
  const nl = s.indexOf('\n');
  return (nl < 0 ? s : s.slice(0, nl)).slice(0, 200);
}
