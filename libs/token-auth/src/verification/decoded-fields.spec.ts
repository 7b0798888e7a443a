import { describe, expect, it } from '@jest/globals';
import { ParsedClaimsTable } from './decoded-fields.js';

const claimsText = (i: number) => Buffer.from(JSON.stringify({ tenant: `t${i}`, roles: ['user'] }));
const viewOf = (bytes: Buffer) => new DataView(bytes.buffer, bytes.byteOffset, bytes.length);

describe('ParsedClaimsTable', () => {
  it('answers bytes only with what was stored for those exact bytes, never for a text that shares a slot', () => {
    const table = new ParsedClaimsTable();
    const values = Array.from({ length: 5000 }, (_, i) => ({ i }));
    for (let i = 0; i < values.length; i++) {
      const text = claimsText(i);
      table.set(viewOf(text), 0, text.length, values[i]!);
      // The latest text always answers, from any offset of a larger buffer.
      const inside = Buffer.concat([Buffer.from('xx'), text, Buffer.from('yy')]);
      expect(table.get(viewOf(inside), 2, text.length)).toBe(values[i]);
    }
    // 5000 texts in 1024 slots: many were replaced, and every answer is its own text's or none.
    let held = 0;
    for (let i = 0; i < values.length; i++) {
      const text = claimsText(i);
      const answer = table.get(viewOf(text), 0, text.length);
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
    table.set(viewOf(shared), 0, shared.length, { a: 1 });
    shared.write('{"a":2}');
    expect(table.get(viewOf(shared), 0, shared.length)).toBeUndefined();
    expect(table.get(viewOf(Buffer.from('{"a":1}')), 0, 7)).toEqual({ a: 1 });
  });

  it('tells apart texts that differ only in their last, partial word or in their length', () => {
    const table = new ParsedClaimsTable();
    const padded = Buffer.from('{"a":12}\0\0');
    table.set(viewOf(padded), 0, 8, { a: 12 });
    // The same first 8 bytes, then bytes that match the zero padding of the held copy: a different, longer text.
    expect(table.get(viewOf(padded), 0, 9)).toBeUndefined();
    expect(table.get(viewOf(padded), 0, 10)).toBeUndefined();
    expect(table.get(viewOf(Buffer.from('{"a":13}')), 0, 8)).toBeUndefined();
    expect(table.get(viewOf(padded), 0, 8)).toEqual({ a: 12 });
  });
});
