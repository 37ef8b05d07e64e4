import { describe, expect, it } from 'vitest';
import { formatCell, formatNumber, formatPercent, formatPrecise, fourDecimals, significant } from '../../format/numbers.js';

describe('number formats', () => {
  it('writes four significant digits in sentences, without trailing zeros', () => {
    expect([0.123456, 1234.5678, 12345678, 1.5, 0, -0.000123456].map(formatNumber)).toEqual(['0.1235', '1235', '12350000', '1.5', '0', '-0.0001235']);
    expect([NaN, Infinity, -Infinity].map(formatNumber)).toEqual(['NaN', 'Infinity', '-Infinity']);
  });

  it('writes a dash in a table for what is missing or not finite', () => {
    expect([undefined, null, NaN, Infinity, 0.98765].map(formatCell)).toEqual(['—', '—', '—', '—', '0.9877']);
  });

  it('keeps six significant digits for values a person looks up in their data', () => {
    expect(formatPrecise(1234.56789)).toBe('1234.57');
    expect(significant(0.1 + 0.2, 6)).toBe(0.3);
  });

  it('keeps four decimals for metrics in CLI lines', () => {
    expect([0.987654, 12.3, 1234.56789].map(fourDecimals)).toEqual([0.9877, 12.3, 1234.5679]);
  });

  it('writes shares as percentages with one decimal', () => {
    expect([0.1234, 0, 1].map(formatPercent)).toEqual(['12.3%', '0.0%', '100.0%']);
  });
});
