import { describe, expect, it } from 'vitest';
import { quote, quoteClientMessage, quoteForScript } from '../src/index.js';

const hex = (code: number) => '\\u' + code.toString(16).padStart(4, '0');

describe('server-side quoting', () => {
  it('escapes the characters the protocol suite requires, lower-case hex', () => {
    const ranges: Array<[number, number]> = [
      [0x200c, 0x200f],
      [0x2028, 0x202f],
      [0x2060, 0x206f],
      [0xfff0, 0xffff],
    ];
    let input = '';
    let expected = '"';
    for (const [from, to] of ranges) {
      for (let c = from; c <= to; c++) {
        input += String.fromCharCode(c);
        expected += hex(c);
      }
    }
    expect(quote(input)).toBe(expected + '"');
  });

  it('leaves ordinary text, including paired surrogates, alone', () => {
    expect(quote('héllo wörld ✓')).toBe('"héllo wörld ✓"');
    expect(quote('\ud83d\ude00')).toBe('"\ud83d\ude00"');
  });

  it('escapes lone surrogates (JSON.stringify does) and controls', () => {
    expect(quote('\ud800')).toBe('"\\ud800"');
    expect(quote('\u0000\n')).toBe('"\\u0000\\n"');
  });

  it('always round-trips through JSON.parse', () => {
    let all = '';
    for (let c = 0; c < 0x10000; c++) all += String.fromCharCode(c);
    expect(JSON.parse(quote(all))).toBe(all);
    expect(JSON.parse(quoteClientMessage(all))).toBe(all);
    expect(JSON.parse(quoteForScript(all))).toBe(all);
  });
});

describe('client-side quoting', () => {
  it('escapes controls, C1, format characters and specials', () => {
    expect(quoteClientMessage('\u007f\u0085\u00ad\u0600\u2000\u20ff\ufeff\uffff')).toBe(
      '"' + [0x7f, 0x85, 0xad, 0x600, 0x2000, 0x20ff, 0xfeff, 0xffff].map(hex).join('') + '"',
    );
    expect(quoteClientMessage('abc é')).toBe('"abc é"');
  });
});

describe('script-safe quoting', () => {
  it('cannot close a script element', () => {
    const quoted = quoteForScript('</script><!--&');
    expect(quoted).not.toMatch(/[<>&]/);
    expect(JSON.parse(quoted)).toBe('</script><!--&');
  });
});
