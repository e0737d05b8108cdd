import { CISCO_ATTRIBUTE_PREFIX, CURRI_ATTRIBUTES } from './attributes.js';

/** What tollgate reads from a CURRI routing request. Absent attributes are undefined. */
export interface CurriRequest {
  callingNumber?: string;
  calledNumber?: string;
  transformedCgpn?: string;
  transformedCdpn?: string;
  callingDeviceName?: string;
  triggerPointType?: string;
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

/** The typed request from the attributes by full AttributeId (lower case); others are dropped. */
export function toRequest(attributes: ReadonlyMap<string, string>): CurriRequest {
  const req: CurriRequest = {};
  for (const [id, field] of FIELDS) {
    const v = attributes.get(id);
    if (v !== undefined) req[field] = v;
  }
  return req;
}
const FIELDS = Object.entries(CURRI_ATTRIBUTES).map(([short, field]) => [CISCO_ATTRIBUTE_PREFIX + short, field] as const);

const ENTITY = /&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z]+);/g;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The value of the `AttributeId` attribute (any prefix and case) in the tag text [from, to), lower case. */
function attributeId(text: string, from: number, to: number): string | undefined {
  for (let i = from; i < to - 11; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 || c === 39) {
      // Skip another attribute's quoted value.
      const close = text.indexOf(c === 34 ? '"' : "'", i + 1);
      if (close < 0 || close >= to) return undefined;
      i = close;
      continue;
    }
    if ((c | 0x20) !== 97) continue;
    const before = text.charCodeAt(i - 1);
    if (!isSpace(before) && before !== 58) continue;
    if (!same(text, i, 'attributeid')) continue;
    let k = i + 11;
    while (k < to && isSpace(text.charCodeAt(k))) k++;
    if (text.charCodeAt(k) !== 61) continue;
    k++;
    while (k < to && isSpace(text.charCodeAt(k))) k++;
    const q = text.charCodeAt(k);
    if (q !== 34 && q !== 39) return undefined;
    const close = text.indexOf(q === 34 ? '"' : "'", k + 1);
    if (close < 0 || close >= to) return undefined;
    // XML attribute-value normalisation: a literal line end or tab is a space.
    const raw = text.slice(k + 1, close);
    return unescape(/[\r\n\t]/.test(raw) ? raw.replace(/\r\n?|[\n\t]/g, ' ').trim() : raw.trim()).toLowerCase();
  }
  return undefined;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** Resolves the predefined entities and character references; any other entity is an error. */
function unescape(s: string): string {
  if (!s.includes('&')) return s;
  if (/&(?!(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z]+);)/.test(s)) throw new CurriParseError('bare & in a value');
  return s.replace(ENTITY, (_, e: string) => {
    if (e.startsWith('#')) {
      const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      if (code > 0x10ffff || code === 0) throw new CurriParseError('bad character reference');
      return String.fromCodePoint(code);
    }
    const v = PREDEFINED[e];
    if (v === undefined) throw new CurriParseError(`undefined entity &${e};`);
    return v;
  });
}

/** Index of the `>` ending the tag that starts at `from` (quoted attribute values may hold `>`). */
function tagEnd(text: string, from: number): number {
  const n = text.length;
  let i = from;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 62) return i;
    if (c === 34 || c === 39) {
      const close = text.indexOf(c === 34 ? '"' : "'", i + 1);
      if (close < 0) break;
      i = close + 1;
      continue;
    }
    if (c === 60) break;
    i++;
  }
  throw new CurriParseError('unterminated tag');
}

const ATTRIBUTE = 1;
const ATTRIBUTE_VALUE = 2;
const REQUEST = 3;
const OTHER = 0;

/**
 * Which of the names tollgate cares about the tag name starting at `from` is, by local name and
 * without case (no string is made: this runs for every tag of every request). Also returns the
 * index just past the name.
 */
function classify(text: string, from: number): { kind: number; end: number } {
  let i = from;
  let local = from;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 62 || c === 47) break;
    if (c === 58) local = i + 1;
    i++;
  }
  if (i === from) throw new CurriParseError('empty tag name');
  const len = i - local;
  const kind = len === 9 && same(text, local, 'attribute') ? ATTRIBUTE
    : len === 14 && same(text, local, 'attributevalue') ? ATTRIBUTE_VALUE
    : len === 7 && same(text, local, 'request') ? REQUEST
    : OTHER;
  return { kind, end: i };
}

/** `text` at `at` equals the lower-case ASCII `word`, without case. */
function same(text: string, at: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) if ((text.charCodeAt(at + k) | 0x20) !== word.charCodeAt(k)) return false;
  return true;
}

function skip(text: string, from: number, until: string, what: string): number {
  const at = text.indexOf(until, from);
  if (at < 0) throw new CurriParseError(`unterminated ${what}`);
  return at + until.length;
}

/** The general path: walks every tag (comments, CDATA, any layout). */
function walkTags(text: string): CurriRequest {
  const attributes = new Map<string, string>();
  let depth = 0;
  let seenRoot = false;
  let closedAt = -1;
  let currentId: string | undefined;
  let pos = text.indexOf('<');
  if (pos < 0 || text.slice(0, pos).trim() !== '') throw new CurriParseError('no root element');
  while (pos >= 0) {
    const c1 = text.charCodeAt(pos + 1);
    if (c1 === 33) {
      if (text.startsWith('<!--', pos)) pos = skip(text, pos + 4, '-->', 'comment');
      else throw new CurriParseError(text.startsWith('<![CDATA[', pos) ? 'CDATA outside a value' : 'DOCTYPE and declarations are not allowed');
    } else if (c1 === 63) {
      if (seenRoot) throw new CurriParseError('processing instruction inside the request');
      pos = skip(text, pos + 2, '?>', 'processing instruction');
    } else if (closedAt >= 0) {
      throw new CurriParseError('content after the root element');
    } else if (c1 === 47) {
      // An end tag has no attributes: its first `>` ends it.
      const end = text.indexOf('>', pos + 2);
      if (end < 0) throw new CurriParseError('unterminated tag');
      if (currentId !== undefined && classify(text, pos + 2).kind === ATTRIBUTE) currentId = undefined;
      if (--depth === 0) closedAt = end;
      if (depth < 0) throw new CurriParseError('unbalanced end tag');
      pos = end + 1;
    } else {
      const end = tagEnd(text, pos + 1);
      const { kind, end: nameEnd } = classify(text, pos + 1);
      const selfClosing = text.charCodeAt(end - 1) === 47;
      if (depth === 0) {
        if (seenRoot) throw new CurriParseError('two root elements');
        if (kind !== REQUEST) throw new CurriParseError(`root element is <${text.slice(pos + 1, nameEnd)}>, not <Request>`);
        seenRoot = true;
        if (selfClosing) closedAt = end;
      }
      if (!selfClosing) depth++;
      pos = end + 1;
      if (kind === ATTRIBUTE) {
        currentId = selfClosing ? undefined : attributeId(text, nameEnd, end);
      } else if (kind === ATTRIBUTE_VALUE && !selfClosing && currentId !== undefined) {
        // The value runs to the next end tag; CDATA sections in it are taken as they are.
        let value = '';
        let at = end + 1;
        for (;;) {
          const lt = text.indexOf('<', at);
          if (lt < 0) throw new CurriParseError('unterminated value');
          value += unescape(text.slice(at, lt));
          if (text.startsWith('<![CDATA[', lt)) {
            const close = text.indexOf(']]>', lt + 9);
            if (close < 0) throw new CurriParseError('unterminated CDATA');
            value += text.slice(lt + 9, close);
            at = close + 3;
          } else if (text.charCodeAt(lt + 1) === 47) {
            pos = lt;
            break;
          } else throw new CurriParseError('markup inside an attribute value');
        }
        if (!attributes.has(currentId)) attributes.set(currentId, (value.includes('\r') ? value.replace(/\r\n?/g, '\n') : value).trim());
        continue;
      }
    }
    pos = text.indexOf('<', pos);
  }
  if (!seenRoot) throw new CurriParseError('no root element');
  if (closedAt < 0) throw new CurriParseError('the request is truncated (no </Request>)');
  if (text.slice(closedAt + 1).replace(/<!--[\s\S]*?-->/g, '').trim() !== '') throw new CurriParseError('text after the root element');
  return toRequest(attributes);
}

/**
 * Parses a CURRI (XACML 2.0) routing request with a small scanner that walks the tags and reads
 * `Attribute`/`AttributeValue` pairs by local name and `AttributeId`, as Cisco's own sample
 * parser matches them: tolerant of namespace prefixes, element and attribute case and the
 * charset quirk. It reads no DTD: any `<!` other than a comment or CDATA (so every DOCTYPE,
 * billion laughs or external entity) is refused, and only the five predefined entities and
 * character references are resolved. The root must be `Request` and its end tag present (a
 * truncated body is refused). Throws `CurriParseError` on anything it cannot read.
 * Why not the full parser on the hot path: saxes (`decodeCurriRequestStrict`) measured ~28 µs
 * a request, most of the route's budget; tests check both give the same answer.
 */
export function decodeCurriRequest(body: Uint8Array | string, contentType?: string): CurriRequest {
  const text = typeof body === 'string' ? body : decodeBody(body, contentType);
  return findAttributes(text) ?? walkTags(text);
}

const FRAME_START = /^(?:<\?xml[^<>]*\?>)?\s*<(?:[A-Za-z_][\w.-]*:)?request[\s/>]/i;
const FRAME_END = /<\/(?:[A-Za-z_][\w.-]*:)?request\s*>\s*$/i;

function isBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(text.charCodeAt(i))) return false;
  return true;
}

/** The short names (lower case) and the request fields, in the same order. */
const SHORT_NAMES = FIELDS.map(([id]) => id.slice(CISCO_ATTRIBUTE_PREFIX.length));
const FIELD_NAMES = FIELDS.map(([, field]) => field);

/** Which short name the letters `text[from, from + length)` are (without case), or -1. */
function shortName(text: string, from: number, length: number): number {
  for (let f = 0; f < SHORT_NAMES.length; f++) {
    const name = SHORT_NAMES[f]!;
    if (name.length === length && same(text, from, name)) return f;
  }
  return -1;
}

function isLetter(c: number): boolean {
  const l = c | 0x20;
  return l >= 97 && l <= 122;
}

/**
 * Index of the opening quote of the value of the tag's `AttributeId` attribute (any prefix and
 * case), scanning the tag text from `from` (just past the tag name) up to `limit`; -1 if there is
 * none before `limit` or the tag ends first.
 */
function attributeIdQuote(text: string, from: number, limit: number): number {
  for (let i = from; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 || c === 39) {
      // Skip another attribute's quoted value.
      const close = text.indexOf(c === 34 ? '"' : "'", i + 1);
      if (close < 0) return -1;
      i = close;
      continue;
    }
    if (c === 62 || c === 60) return -1;
    if ((c | 0x20) !== 97) continue;
    const before = text.charCodeAt(i - 1);
    if ((!isSpace(before) && before !== 58) || !same(text, i, 'attributeid')) continue;
    let k = i + 11;
    while (isSpace(text.charCodeAt(k))) k++;
    if (text.charCodeAt(k) !== 61) continue;
    k++;
    while (isSpace(text.charCodeAt(k))) k++;
    const q = text.charCodeAt(k);
    return q === 34 || q === 39 ? k : -1;
  }
  return -1;
}

/** `urn:cisco:uc` before `:1.0:`: the quote of an id written exactly as CUCM writes it is 13 before. */
const PREFIX_HEAD = CISCO_ATTRIBUTE_PREFIX.slice(0, -':1.0:'.length);

/**
 * The fast path, for requests laid out as CUCM sends them (no comment, CDATA, DOCTYPE, entity or
 * character reference, processing instruction inside; each `Attribute` start tag directly
 * followed by its `AttributeValue` text). One pass: it jumps from one `uc:1.0:<name>` to the next
 * (a native string search), tells which of the attributes tollgate reads it names by comparing
 * characters (no string is made), checks in place that it is the `AttributeId` of an `Attribute`
 * start tag, and slices the value. It returns undefined, and the tags are walked, on any other
 * shape: an id with spaces or entities, a value with markup, anything unusual; both give the
 * same answer (tested against saxes).
 */
function findAttributes(text: string): CurriRequest | undefined {
  // `!` and `?` are rare in a request: a search for one character is one memchr, where a search
  // for `<!` stops at every `<`. So the exact searches run only when the character is there.
  if (text.includes('&') || (text.includes('!') && text.includes('<!'))) return undefined;
  let afterDecl = 0;
  if (text.startsWith('<?')) {
    afterDecl = text.indexOf('?>', 2);
    if (afterDecl < 0) return undefined;
    afterDecl += 2;
  }
  if (text.includes('?', afterDecl) && text.includes('<?', afterDecl)) return undefined;
  if (!FRAME_START.test(text) || !FRAME_END.test(text.slice(-80))) return undefined;
  const values: Array<string | undefined> = new Array<string | undefined>(SHORT_NAMES.length).fill(undefined);
  for (let pos = text.indexOf(':1.0:'); pos >= 0; pos = text.indexOf(':1.0:', pos)) {
    const at = pos;
    pos += 5;
    if ((text.charCodeAt(at - 1) | 0x20) !== 99 || (text.charCodeAt(at - 2) | 0x20) !== 117) continue; // "uc"
    let e = pos;
    while (isLetter(text.charCodeAt(e))) e++;
    // Another id of Cisco's (its letters are not one of the names read), or one read already.
    const f = shortName(text, pos, e - pos);
    if (f < 0 || values[f] !== undefined) continue;
    // It must be the whole AttributeId of an Attribute start tag, followed by <AttributeValue>text</.
    const quote = at - PREFIX_HEAD.length - 1;
    // The tag's `<` is a few characters back (a loop: lastIndexOf is a runtime call in V8).
    let lt = at;
    while (lt >= 0 && text.charCodeAt(lt) !== 60) lt--;
    if (lt < 0 || text.charCodeAt(lt + 1) === 47) return undefined;
    const name = classify(text, lt + 1);
    if (name.kind !== ATTRIBUTE || attributeIdQuote(text, name.end, at) !== quote) return undefined;
    if (text.charCodeAt(e) !== text.charCodeAt(quote) || !same(text, quote + 1, PREFIX_HEAD)) return undefined;
    const end = tagEnd(text, e + 1);
    if (text.charCodeAt(end - 1) === 47) return undefined;
    const v = text.indexOf('<', end + 1);
    if (v < 0 || text.charCodeAt(v + 1) === 47 || !isBlank(text, end + 1, v)) return undefined;
    const valueName = classify(text, v + 1);
    if (valueName.kind !== ATTRIBUTE_VALUE) return undefined;
    const vEnd = tagEnd(text, valueName.end);
    if (text.charCodeAt(vEnd - 1) === 47) return undefined;
    const close = text.indexOf('<', vEnd + 1);
    if (close < 0 || text.charCodeAt(close + 1) !== 47) return undefined;
    const raw = text.slice(vEnd + 1, close);
    values[f] = (raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw).trim();
    pos = close;
  }
  return requestFrom(values);
}

const AT = {
  callingNumber: FIELD_NAMES.indexOf('callingNumber'), calledNumber: FIELD_NAMES.indexOf('calledNumber'),
  transformedCgpn: FIELD_NAMES.indexOf('transformedCgpn'), transformedCdpn: FIELD_NAMES.indexOf('transformedCdpn'),
  callingDeviceName: FIELD_NAMES.indexOf('callingDeviceName'), triggerPointType: FIELD_NAMES.indexOf('triggerPointType'),
};

/**
 * The request from the values by field index, fields in the order `toRequest` gives them (named
 * stores: one object shape for every CUCM request, where `req[field] = v` goes through a generic
 * keyed store).
 */
function requestFrom(v: ReadonlyArray<string | undefined>): CurriRequest {
  const req: CurriRequest = {};
  const callingNumber = v[AT.callingNumber];
  const calledNumber = v[AT.calledNumber];
  const transformedCgpn = v[AT.transformedCgpn];
  const transformedCdpn = v[AT.transformedCdpn];
  const callingDeviceName = v[AT.callingDeviceName];
  const triggerPointType = v[AT.triggerPointType];
  if (callingNumber !== undefined) req.callingNumber = callingNumber;
  if (calledNumber !== undefined) req.calledNumber = calledNumber;
  if (transformedCgpn !== undefined) req.transformedCgpn = transformedCgpn;
  if (transformedCdpn !== undefined) req.transformedCdpn = transformedCdpn;
  if (callingDeviceName !== undefined) req.callingDeviceName = callingDeviceName;
  if (triggerPointType !== undefined) req.triggerPointType = triggerPointType;
  return req;
}
