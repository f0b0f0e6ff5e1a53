import { invalidArgument } from '../errors/index.js';

/** A parsed 3D LUT: `table` holds size^3 RGB triples, red varying fastest, then green, then blue. */
export interface CubeLut {
  title?: string;
  size: number;
  domainMin: [number, number, number];
  domainMax: [number, number, number];
  table: Float32Array;
}

/** The proto's range for LUT_3D_SIZE: 65^3 rows is the largest table (about 3 MB as floats). */
const MIN_CUBE_SIZE = 2;
const MAX_CUBE_SIZE = 65;

const KEYWORDS = 'TITLE, LUT_3D_SIZE, DOMAIN_MIN, DOMAIN_MAX, LUT_3D_INPUT_RANGE';
const HASH = 0x23;
const CR = 0x0d;

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === CR;
}

function lineText(text: string, start: number, end: number): string {
  return text.slice(start, end).trim();
}

/**
 * Reads whitespace-separated numbers of text[start, end) into `out` and returns how many there were
 * (-1 when one is not a number, 4 when there are more than 3). Plain decimals ("0.123456", "-1", ".5")
 * are read digit by digit, which is several times faster than Number() on a slice; anything else (an
 * exponent, say) goes to Number().
 */
function readNumbers(text: string, start: number, end: number, out: Float64Array): number {
  let count = 0;
  let i = start;
  while (i < end) {
    while (i < end && isSpace(text.charCodeAt(i))) i++;
    if (i === end) break;
    if (count === 3) return 4;
    const tokenStart = i;
    while (i < end && !isSpace(text.charCodeAt(i))) i++;
    let value = plainDecimal(text, tokenStart, i);
    if (Number.isNaN(value)) value = Number(text.slice(tokenStart, i));
    if (!Number.isFinite(value)) return -1;
    out[count++] = value;
  }
  return count;
}

/** [-+]digits[.digits] or [-+].digits, or NaN for anything else. */
function plainDecimal(text: string, start: number, end: number): number {
  let i = start;
  let code = text.charCodeAt(i);
  const negative = code === 0x2d;
  if (negative || code === 0x2b) i++;
  let value = 0;
  let digits = 0;
  let scale = 1;
  let point = false;
  for (; i < end; i++) {
    code = text.charCodeAt(i);
    if (code === 0x2e && !point) {
      point = true;
      continue;
    }
    const digit = code - 0x30;
    if (digit < 0 || digit > 9 || digits === 15) return NaN;
    value = value * 10 + digit;
    digits++;
    if (point) scale *= 10;
  }
  if (digits === 0) return NaN;
  return (negative ? -value : value) / scale;
}

/** Keywords start with a letter or underscore; rows with a digit, sign or point. */
function isLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f;
}

/**
 * Parses an Adobe/Resolve `.cube` 3D LUT: keywords (TITLE, LUT_3D_SIZE, DOMAIN_MIN/MAX, or Resolve's
 * LUT_3D_INPUT_RANGE) before the table, `#` comments and blank lines anywhere, then size^3 rows of three
 * numbers. Errors name `field` and the line. It runs in the worker, before the image is decoded (see
 * steps/lut3d.ts): the largest table is a quarter of a second of parsing the main thread does not spend.
 */
export function parseCube(text: string, field: string): CubeLut {
  const fail = (expected: string, line: number, received: unknown) => invalidArgument(field, `${expected} on line ${line}`, received);
  let title: string | undefined;
  let size: number | undefined;
  let domainMin: [number, number, number] | undefined;
  let domainMax: [number, number, number] | undefined;
  let table: Float32Array | undefined;
  let rows = 0;
  // Classic Mac line ends.
  if (!text.includes('\n')) text = text.replaceAll('\r', '\n');
  // Up to 65^3 rows: scanned in place, without a string per line or per number until one is needed.
  const row = new Float64Array(3);
  let lineNumber = 0;
  for (let lineStart = 0; lineStart <= text.length; ) {
    lineNumber++;
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    const next = lineEnd + 1;
    if (lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === CR) lineEnd--;
    let first = lineStart;
    while (first < lineEnd && isSpace(text.charCodeAt(first))) first++;
    const code = text.charCodeAt(first);
    const startOfLine = lineStart;
    lineStart = next;
    if (first === lineEnd || code === HASH) continue;
    if (!isLetter(code)) {
      if (size === undefined || table === undefined) throw fail('LUT_3D_SIZE before the table', lineNumber, lineText(text, startOfLine, lineEnd));
      if (readNumbers(text, first, lineEnd, row) !== 3) throw fail('a row of 3 numbers', lineNumber, lineText(text, startOfLine, lineEnd));
      if (rows === size ** 3) throw fail(`${size ** 3} rows (LUT_3D_SIZE ${size}), not more`, lineNumber, lineText(text, startOfLine, lineEnd));
      table[rows * 3] = row[0];
      table[rows * 3 + 1] = row[1];
      table[rows * 3 + 2] = row[2];
      rows++;
      continue;
    }
    const line = lineText(text, startOfLine, lineEnd);
    const keyword = /^[A-Za-z_][A-Za-z0-9_]*/.exec(line)![0];
    if (rows > 0) throw fail('only table rows after the first one', lineNumber, line);
    const rest = line.slice(keyword.length).trim();
    switch (keyword) {
      case 'TITLE': {
        const quoted = /^"(.*)"$/.exec(rest);
        if (quoted === null) throw fail('TITLE "text"', lineNumber, line);
        title = quoted[1];
        break;
      }
      case 'LUT_3D_SIZE': {
        if (size !== undefined) throw fail('one LUT_3D_SIZE', lineNumber, line);
        const n = Number(rest);
        if (!Number.isInteger(n) || n < MIN_CUBE_SIZE || n > MAX_CUBE_SIZE) {
          throw fail(`LUT_3D_SIZE with an integer from ${MIN_CUBE_SIZE} to ${MAX_CUBE_SIZE}`, lineNumber, line);
        }
        size = n;
        table = new Float32Array(n ** 3 * 3);
        break;
      }
      case 'DOMAIN_MIN':
      case 'DOMAIN_MAX': {
        const values = rest.split(/\s+/).map(Number);
        if (values.length !== 3 || !values.every(Number.isFinite)) throw fail(`${keyword} with 3 numbers`, lineNumber, line);
        if (keyword === 'DOMAIN_MIN') domainMin = values as [number, number, number];
        else domainMax = values as [number, number, number];
        break;
      }
      case 'LUT_3D_INPUT_RANGE': {
        const values = rest.split(/\s+/).map(Number);
        if (values.length !== 2 || !values.every(Number.isFinite)) throw fail('LUT_3D_INPUT_RANGE with 2 numbers', lineNumber, line);
        domainMin = [values[0], values[0], values[0]];
        domainMax = [values[1], values[1], values[1]];
        break;
      }
      case 'LUT_1D_SIZE':
        throw fail('a 3D LUT (LUT_3D_SIZE); 1D LUTs are not supported', lineNumber, line);
      default:
        throw fail(`a keyword (${KEYWORDS}), a comment or a row of 3 numbers`, lineNumber, line);
    }
  }
  if (size === undefined || table === undefined) throw invalidArgument(field, 'a .cube 3D LUT with a LUT_3D_SIZE line', text);
  if (rows !== size ** 3) throw invalidArgument(field, `${size ** 3} table rows (LUT_3D_SIZE ${size})`, `${rows} rows`);
  const min = domainMin ?? [0, 0, 0];
  const max = domainMax ?? [1, 1, 1];
  if (min.some((v, c) => v >= max[c])) {
    throw invalidArgument(field, 'DOMAIN_MAX above DOMAIN_MIN in every channel', `DOMAIN_MIN ${min.join(' ')}, DOMAIN_MAX ${max.join(' ')}`);
  }
  return { ...(title !== undefined ? { title } : {}), size, domainMin: min, domainMax: max, table };
}
