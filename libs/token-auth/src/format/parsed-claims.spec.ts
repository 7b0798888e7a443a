import { describe, expect, it } from '@jest/globals';
import { ParsedClaimsTable } from './parsed-claims.js';

const claimsText = (i: number) => Buffer.from(JSON.stringify({ tenant: `t${i}`, roles: ['user'] }));

describe('ParsedClaimsTable', () => {
  it('answers bytes only with what was stored for those exact bytes, never for a text that shares a slot', () => {
    const table = new ParsedClaimsTable();
    const values = Array.from({ length: 5000 }, (_, i) => ({ i }));
    for (let i = 0; i < values.length; i++) {
      const text = claimsText(i);
      table.set(text, 0, text.length, values[i]!);
      // The latest text always answers, from any offset of a larger buffer.
      const inside = Buffer.concat([Buffer.from('xx'), text, Buffer.from('yy')]);
      expect(table.get(inside, 2, 2 + text.length)).toBe(values[i]);
    }
    // 5000 texts in 1024 slots: many were replaced, and every answer is its own text's or none.
    let held = 0;
    for (let i = 0; i < values.length; i++) {
      const text = claimsText(i);
      const answer = table.get(text, 0, text.length);
      if (answer !== undefined) {
        expect(answer).toBe(values[i]);
        held++;
      }
    }
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(1024);
  });

  it('keeps its own copy of the bytes', () => {
    const table = new ParsedClaimsTable();
    const shared = Buffer.from('{"a":1}');
    table.set(shared, 0, shared.length, { a: 1 });
    shared.write('{"a":2}');
    expect(table.get(shared, 0, shared.length)).toBeUndefined();
    expect(table.get(Buffer.from('{"a":1}'), 0, 7)).toEqual({ a: 1 });
  });
});
