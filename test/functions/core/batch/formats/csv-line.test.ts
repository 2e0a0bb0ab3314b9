import { describe, expect, it } from 'vitest';
import { csvValues, parseCsvHeader, splitCsvLine, valuesFactory } from '../../../../../functions/core/batch/formats/csv-line.ts';

describe('splitCsvLine', () => {
  it('splits plain lines on commas, keeping empty fields as empty strings', () => {
    expect(splitCsvLine('1,,3.5,')).toEqual({ fields: ['1', '', '3.5', ''] });
  });

  it('parses quoted fields with commas and doubled quotes', () => {
    expect(splitCsvLine('7,"Smith, J.","say ""hi"""')).toEqual({ fields: ['7', 'Smith, J.', 'say "hi"'] });
  });

  it('rejects an unclosed quote, naming the unsupported multi-line field', () => {
    expect(splitCsvLine('1,"opened,2')).toEqual({ error: expect.stringMatching(/^broken quoting: a quoted field is not closed on this line \(quoted fields spanning lines are not supported\)$/) });
  });

  it('rejects a quote inside an unquoted field and text after a closing quote', () => {
    expect(splitCsvLine('1,ab"c,2')).toEqual({ error: expect.stringMatching(/^broken quoting: Invalid Opening Quote/) });
    expect(splitCsvLine('1,"ab"c,2')).toEqual({ error: expect.stringMatching(/^broken quoting: Invalid Closing Quote/) });
  });
});

describe('csvValues', () => {
  const header = ['id', 'x', 'y'];
  it('maps fields to the header names', () => {
    expect(csvValues(header, 'a,1,2')).toEqual({ values: { id: 'a', x: '1', y: '2' } });
  });
  it('rejects missing and extra fields, saying expected vs got', () => {
    expect(csvValues(header, 'a,1')).toEqual({ error: 'expected 3 fields (as the header), got 2' });
    expect(csvValues(header, 'a,1,2,3')).toEqual({ error: 'expected 3 fields (as the header), got 4' });
  });
});

describe('parseCsvHeader', () => {
  it('names the columns, quoted or not', () => {
    expect(parseCsvHeader('id,"mean radius",x', 's3://b/k')).toEqual(['id', 'mean radius', 'x']);
  });
  it('takes the names without the spaces around them, and refuses two that are one name then', () => {
    expect(parseCsvHeader('id, mean radius ,\tx', 's3://b/k')).toEqual(['id', 'mean radius', 'x']);
    expect(parseCsvHeader('id, "mean radius" , "x"', 's3://b/k')).toEqual(['id', 'mean radius', 'x']);
    expect(() => parseCsvHeader('a, a', 's3://b/k')).toThrow('s3://b/k: the CSV header names column "a" twice');
  });
  it('refuses a file whose lines end with CR alone, which would read as a header and no row', () => {
    expect(() => parseCsvHeader('id,x\r1,2\r3,4\r', 's3://b/k')).toThrow(
      's3://b/k: the header line holds a carriage return: lines ended by CR alone (classic Mac OS) are not read; convert them to LF or CRLF',
    );
    expect(parseCsvHeader('id,x\r', 's3://b/k')).toEqual(['id', 'x']);
  });
  it('refuses a header naming a column twice, or with broken quoting', () => {
    expect(() => parseCsvHeader('a,b,a', 's3://b/k')).toThrow('s3://b/k: the CSV header names column "a" twice');
    expect(() => parseCsvHeader('a,"b', 's3://b/k')).toThrow(/^s3:\/\/b\/k: the CSV header line cannot be parsed: broken quoting/);
  });
});

describe('valuesFactory', () => {
  it('makes own properties of any header name, __proto__ and quotes included', () => {
    const build = valuesFactory(['__proto__', 'constructor', 'a "quoted" \\ name', '']);
    const values = build(['p', 'c', 'q', 'e']);
    expect(Object.getPrototypeOf(values)).toBe(Object.prototype);
    expect(Object.entries(values)).toEqual([
      ['__proto__', 'p'],
      ['constructor', 'c'],
      ['a "quoted" \\ name', 'q'],
      ['', 'e'],
    ]);
  });
});
