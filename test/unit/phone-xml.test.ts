import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INPUT_SOFT_KEYS, phoneExecute, phoneInput, phoneMenu, phoneText } from '../../phone-xml/index.js';

describe('Cisco IP Phone XML builders', () => {
  it('CiscoIPPhoneText escapes text, drops control characters and respects lengths', () => {
    const xml = phoneText({ title: 'A title that is far too long for a phone screen', prompt: 'P', text: 'Tom & Jerry <"x">\u0007\nnext' });
    assert.equal(
      xml,
      '<?xml version="1.0" encoding="UTF-8"?><CiscoIPPhoneText><Title>A title that is far too long fo…</Title><Prompt>P</Prompt>' +
        '<Text>Tom &amp; Jerry &lt;"x"&gt;\nnext</Text></CiscoIPPhoneText>',
    );
  });

  it('CiscoIPPhoneMenu escapes & in URLs', () => {
    const xml = phoneMenu({ title: 'Phone Lock', items: [{ name: 'Status', url: 'http://h/phone/status?device=SEP1&x=1' }] });
    assert.ok(xml.includes('<MenuItem><Name>Status</Name><URL>http://h/phone/status?device=SEP1&amp;x=1</URL></MenuItem>'));
    assert.throws(() => phoneMenu({ items: Array.from({ length: 101 }, () => ({ name: 'x', url: 'http://h/' })) }), RangeError);
  });

  it('CiscoIPPhoneInput for a PIN uses InputFlags NP and at most 5 items', () => {
    const xml = phoneInput({ title: 'Unlock', url: 'http://h/phone/unlock/submit?device=SEP1', items: [{ displayName: 'PIN', queryStringParam: 'pin', inputFlags: 'NP' }], softKeys: INPUT_SOFT_KEYS });
    assert.ok(xml.includes('<InputItem><DisplayName>PIN</DisplayName><QueryStringParam>pin</QueryStringParam><DefaultValue></DefaultValue><InputFlags>NP</InputFlags></InputItem>'));
    assert.ok(xml.includes('<SoftKeyItem><Name>&lt;&lt;</Name><URL>SoftKey:&lt;&lt;</URL><Position>2</Position></SoftKeyItem>'));
    const six = Array.from({ length: 6 }, () => ({ displayName: 'x', queryStringParam: 'x', inputFlags: 'N' as const }));
    assert.throws(() => phoneInput({ url: 'http://h/', items: six }), RangeError);
  });

  it('CiscoIPPhoneExecute: at most 3 items and one HTTP URL; a URL over 256 characters is refused', () => {
    assert.equal(
      phoneExecute([{ url: 'Play:chime.raw' }, { url: 'http://h/x?a=1&b=2', priority: 1 }]),
      '<?xml version="1.0" encoding="UTF-8"?><CiscoIPPhoneExecute><ExecuteItem Priority="0" URL="Play:chime.raw"/><ExecuteItem Priority="1" URL="http://h/x?a=1&amp;b=2"/></CiscoIPPhoneExecute>',
    );
    assert.throws(() => phoneExecute([{ url: 'http://a/' }, { url: 'http://b/' }]), RangeError);
    assert.throws(() => phoneExecute([{ url: 'http://a/' + 'x'.repeat(300) }]), RangeError);
  });
});
