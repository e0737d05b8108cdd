import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CurriParseError, decodeCurriRequest, decodeCurriRequestStrict, decodeCurriResponse, encodeCurriResponse } from '../../curri/index.js';
import { CAMEL_REQUEST, DEVNET_REQUEST, curriRequest } from '../support/curri.js';

describe('CURRI request codec', () => {
  it('reads the CamelCase capture with callingdevicename (protocol note §4.2)', () => {
    const r = decodeCurriRequest(Buffer.from(CAMEL_REQUEST), 'text/xml; charset=ISO-8859-1');
    assert.equal(r.callingNumber, '+12028055054');
    assert.equal(r.calledNumber, '88109');
    assert.equal(r.transformedCgpn, '+12028055054');
    assert.equal(r.transformedCdpn, '88109');
    assert.equal(r.callingDeviceName, 'CSR1000v');
    assert.equal(r.triggerPointType, 'directorynumber');
  });

  it('reads the lower-case DevNet rendering without callingdevicename (§4.1)', () => {
    const r = decodeCurriRequest(Buffer.from(DEVNET_REQUEST), 'text/xml; charset=ISO-8859-1');
    assert.deepEqual(
      [r.callingNumber, r.calledNumber, r.transformedCgpn, r.transformedCdpn, r.triggerPointType, r.callingDeviceName],
      ['9725550101', '50102', '+19725550101', '+19725550102', 'translationpattern', undefined],
    );
  });

  it('accepts a namespace prefix, mixed case and attributes in any order', () => {
    const body = CAMEL_REQUEST.replace(/<(\/?)(\w)/g, '<$1x:$2').replace('xmlns=', 'xmlns:x=').replace(/AttributeId/g, 'ATTRIBUTEID');
    const r = decodeCurriRequest(body);
    assert.equal(r.callingNumber, '+12028055054');
    assert.equal(r.callingDeviceName, 'CSR1000v');
  });

  it('lets the XML declaration win over the ISO-8859-1 header, and the header apply without one', () => {
    const utf8 = Buffer.from(curriRequest({ calling: '1001', called: '2002', device: 'SEPÉCOLE01' }), 'utf8');
    assert.equal(decodeCurriRequest(utf8, 'text/xml; charset=ISO-8859-1').callingDeviceName, 'SEPÉCOLE01');
    const latin1 = Buffer.from(curriRequest({ calling: '1001', called: '2002', device: 'SEPÉCOLE01' }).replace(/^<\?xml[^>]*>/, ''), 'latin1');
    assert.equal(decodeCurriRequest(latin1, 'text/xml; charset=ISO-8859-1').callingDeviceName, 'SEPÉCOLE01');
    const declaredLatin1 = Buffer.from(curriRequest({ calling: '1', device: 'Ü' }).replace('encoding="UTF-8"', 'encoding="ISO-8859-1"'), 'latin1');
    assert.equal(decodeCurriRequest(declaredLatin1, 'text/xml; charset=UTF-8').callingDeviceName, 'Ü');
  });

  it('keeps numbers with letters, # and + as sent; missing attributes are undefined', () => {
    const r = decodeCurriRequest(curriRequest({ calling: '+1A#*', called: undefined }));
    assert.equal(r.callingNumber, '+1A#*');
    assert.equal(r.calledNumber, undefined);
  });

  it('reads an AttributeId written with a character reference or spaces as the full parser does', () => {
    const base = curriRequest({ calling: '1001', called: '2002', device: 'SEP1' });
    for (const body of [
      base.replace('uc:1.0:callingnumber', 'uc:1.0:calling&#110;umber'),
      base.replace('"urn:Cisco:uc:1.0:callingnumber"', '" urn:Cisco:uc:1.0:callingnumber\t"'),
      base.replace('"urn:Cisco:uc:1.0:callingnumber"', "'urn:Cisco:uc:1.0:callingnumber'"),
    ]) {
      assert.equal(decodeCurriRequest(body).callingNumber, '1001', body);
      assert.deepEqual(decodeCurriRequest(body), decodeCurriRequestStrict(body));
    }
  });

  it('refuses a DOCTYPE: billion laughs and external entities are never expanded', () => {
    const laughs = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
      '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><Request><Subject><Attribute AttributeId="urn:Cisco:uc:1.0:callingnumber"><AttributeValue>&lol3;</AttributeValue></Attribute></Subject></Request>';
    assert.throws(() => decodeCurriRequest(laughs), CurriParseError);
    const xxe = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><Request><Subject><Attribute AttributeId="urn:Cisco:uc:1.0:callingnumber"><AttributeValue>&x;</AttributeValue></Attribute></Subject></Request>';
    assert.throws(() => decodeCurriRequest(xxe), /DOCTYPE/);
    const undefinedEntity = '<Request><Subject><Attribute AttributeId="urn:Cisco:uc:1.0:callingnumber"><AttributeValue>&undefined;</AttributeValue></Attribute></Subject></Request>';
    assert.throws(() => decodeCurriRequest(undefinedEntity), CurriParseError);
    assert.throws(() => decodeCurriRequest(undefinedEntity.replace('<Request>', '<Request><!-- walked -->')), CurriParseError);
  });

  it('throws CurriParseError on truncated XML, random bytes and a wrong root', () => {
    assert.throws(() => decodeCurriRequest(CAMEL_REQUEST.slice(0, 300)), CurriParseError);
    assert.throws(() => decodeCurriRequest(Buffer.from([0, 1, 2, 255, 254, 60, 62])), CurriParseError);
    assert.throws(() => decodeCurriRequest('<Response/>'), /not <Request>/);
    assert.throws(() => decodeCurriRequest(''), CurriParseError);
  });
});

describe('CURRI request scanner against the full XML parser', () => {
  it('gives the same result as saxes on every well-formed body, over thousands of mutations', () => {
    const seeds = [CAMEL_REQUEST, DEVNET_REQUEST, curriRequest({ calling: '1001', called: '2&3', device: 'SEP1' })];
    let rnd = 42;
    const next = (n: number) => ((rnd = (rnd * 1103515245 + 12345) & 0x7fffffff), rnd % n);
    const alphabet = '<>/="&;#x!?[]-: \n\tabcAZ09';
    let compared = 0;
    for (let i = 0; i < 5000; i++) {
      const chars = seeds[next(seeds.length)]!.split('');
      for (let k = 0, n = next(4); k < n; k++) chars.splice(next(chars.length), next(2), alphabet[next(alphabet.length)]!);
      const body = chars.join('');
      let strict;
      try {
        strict = decodeCurriRequestStrict(body);
      } catch {
        continue;
      }
      compared++;
      assert.deepEqual(decodeCurriRequest(body), strict, body);
      // The route passes bytes: the same, unless a mutation broke the declared charset's name.
      if (/^<\?xml[^>]*encoding="UTF-8"/.test(body) || !body.startsWith('<?xml')) {
        assert.deepEqual(decodeCurriRequest(Buffer.from(body), 'text/xml; charset=ISO-8859-1'), strict, body);
      }
    }
    assert.ok(compared > 1000, `only ${compared} well-formed bodies`);
  });
});

describe('CURRI response codec', () => {
  it('Permit + continue and Deny + reject, CIXML escaped into AttributeValue', () => {
    const permit = encodeCurriResponse({ decision: 'Permit' });
    assert.match(permit, /^<\?xml version="1.0" encoding="UTF-8"\?><Response><Result><Decision>Permit<\/Decision>/);
    assert.ok(permit.includes('&lt;cixml version="1.0"&gt;&lt;continue&gt;&lt;/continue&gt;&lt;/cixml&gt;'));
    assert.deepEqual(decodeCurriResponse(permit), { decision: 'Permit', cixml: '<cixml version="1.0"><continue></continue></cixml>', directive: 'continue' });
    const deny = decodeCurriResponse(encodeCurriResponse({ decision: 'Deny', announce: 'VCA_00121' }));
    assert.equal(deny.decision, 'Deny');
    assert.equal(deny.directive, 'reject');
    assert.equal(deny.announce, 'VCA_00121');
    assert.equal(decodeCurriResponse(encodeCurriResponse({ decision: 'Deny' })).announce, undefined);
  });

  it('escapes values inside the CIXML twice (a calling name with & and ")', () => {
    const xml = encodeCurriResponse({ decision: 'Permit', modify: { callingname: 'Smith & "Sons" <HQ>' } });
    assert.ok(xml.includes('callingname="Smith &amp;amp; &amp;quot;Sons&amp;quot; &amp;lt;HQ&amp;gt;"'), xml);
    const decoded = decodeCurriResponse(xml);
    assert.equal(decoded.modify?.callingname, 'Smith & "Sons" <HQ>');
    assert.match(decoded.cixml!, /callingname="Smith &amp; &quot;Sons&quot; &lt;HQ&gt;"/);
  });

  it('Indeterminate carries no obligation', () => {
    const d = decodeCurriResponse(encodeCurriResponse({ decision: 'Indeterminate', message: 'a & b' }));
    assert.equal(d.decision, 'Indeterminate');
    assert.equal(d.cixml, undefined);
  });
});
