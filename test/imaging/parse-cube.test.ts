import { describe, expect, it } from 'vitest';
import { parseCube } from '../../src/imaging/parse-cube.js';
import { isAppError } from '../../src/errors/index.js';

/** Rows of a size-2 table whose entry is its own (r, g, b) position, red varying fastest. */
const IDENTITY_ROWS = ['0 0 0', '1 0 0', '0 1 0', '1 1 0', '0 0 1', '1 0 1', '0 1 1', '1 1 1'];

function messageOf(text: string): string {
  try {
    parseCube(text, 'lut.cube');
  } catch (error) {
    if (isAppError(error) && error.kind === 'invalid_argument') return error.message;
    throw error;
  }
  throw new Error('expected parseCube to throw');
}

describe('parseCube', () => {
  it('reads the size, title, domain and the table with red varying fastest', () => {
    const text = ['# a comment', 'TITLE "Warm look"', '', 'DOMAIN_MIN 0 0 0', 'DOMAIN_MAX 1 1 2', 'LUT_3D_SIZE 2', ...IDENTITY_ROWS.map((r) => `  ${r}  `), ''].join('\r\n');
    const lut = parseCube(text, 'lut.cube');
    expect(lut).toMatchObject({ title: 'Warm look', size: 2, domainMin: [0, 0, 0], domainMax: [1, 1, 2] });
    expect(lut.table).toBeInstanceOf(Float32Array);
    expect([...lut.table.subarray(3, 6)]).toEqual([1, 0, 0]);
    expect([...lut.table.subarray(6, 9)]).toEqual([0, 1, 0]);
    expect([...lut.table.subarray(12, 15)]).toEqual([0, 0, 1]);
  });

  it('defaults the domain to 0..1 and takes Resolve\'s LUT_3D_INPUT_RANGE', () => {
    expect(parseCube(`LUT_3D_SIZE 2\n${IDENTITY_ROWS.join('\n')}`, 'f')).toMatchObject({ domainMin: [0, 0, 0], domainMax: [1, 1, 1] });
    expect(parseCube(`LUT_3D_INPUT_RANGE 0.1 0.9\nLUT_3D_SIZE 2\n${IDENTITY_ROWS.join('\n')}\n# end`, 'f')).toMatchObject({
      domainMin: [0.1, 0.1, 0.1],
      domainMax: [0.9, 0.9, 0.9],
    });
  });

  it('takes CRLF and classic Mac (CR) line ends', () => {
    expect(parseCube(`LUT_3D_SIZE 2\r\n${IDENTITY_ROWS.join('\r\n')}\r\n`, 'f').size).toBe(2);
    expect(parseCube(`LUT_3D_SIZE 2\r${IDENTITY_ROWS.join('\r')}\r`, 'f').size).toBe(2);
  });

  it('reads numbers in any notation, comments between rows included', () => {
    const rows = ['0 0 0', '1.0e0 0 0', '# mid-table comment', '0 .5E+1 0', '1 1 0', '0 0 1', '1 0 1', '0 1 1', '-0.25 1 1'];
    const lut = parseCube(`LUT_3D_SIZE 2\n${rows.join('\n')}`, 'f');
    expect([...lut.table.subarray(6, 9)]).toEqual([0, 5, 0]);
    expect(lut.table[21]).toBe(-0.25);
  });

  it.each([
    ['an empty text', '', 'lut.cube: expected a .cube 3D LUT with a LUT_3D_SIZE line, received ""'],
    ['no size', '# nothing here\nTITLE "x"\n', 'lut.cube: expected a .cube 3D LUT with a LUT_3D_SIZE line, received "# nothing here\\nTITLE \\"x\\"\\n"'],
    ['a size too small', 'LUT_3D_SIZE 1\n0 0 0', 'lut.cube: expected LUT_3D_SIZE with an integer from 2 to 65 on line 1, received "LUT_3D_SIZE 1"'],
    ['a size too large', '# big\nLUT_3D_SIZE 66', 'lut.cube: expected LUT_3D_SIZE with an integer from 2 to 65 on line 2, received "LUT_3D_SIZE 66"'],
    ['a fractional size', 'LUT_3D_SIZE 2.5', 'lut.cube: expected LUT_3D_SIZE with an integer from 2 to 65 on line 1, received "LUT_3D_SIZE 2.5"'],
    ['two sizes', 'LUT_3D_SIZE 2\nLUT_3D_SIZE 3', 'lut.cube: expected one LUT_3D_SIZE on line 2, received "LUT_3D_SIZE 3"'],
    ['too few rows', `LUT_3D_SIZE 2\n${IDENTITY_ROWS.slice(0, 7).join('\n')}`, 'lut.cube: expected 8 table rows (LUT_3D_SIZE 2), received "7 rows"'],
    ['too many rows', `LUT_3D_SIZE 2\n${IDENTITY_ROWS.join('\n')}\n1 1 1`, 'lut.cube: expected 8 rows (LUT_3D_SIZE 2), not more on line 10, received "1 1 1"'],
    ['a short row', 'LUT_3D_SIZE 2\n0 0 0\n1 0', 'lut.cube: expected a row of 3 numbers on line 3, received "1 0"'],
    ['a row that is not numbers', 'LUT_3D_SIZE 2\n0 0 0\n1 0 0x', 'lut.cube: expected a row of 3 numbers on line 3, received "1 0 0x"'],
    ['a row before the size', '0 0 0\nLUT_3D_SIZE 2', 'lut.cube: expected LUT_3D_SIZE before the table on line 1, received "0 0 0"'],
    ['a keyword after the table', 'LUT_3D_SIZE 2\n0 0 0\nDOMAIN_MIN 0 0 0', 'lut.cube: expected only table rows after the first one on line 3, received "DOMAIN_MIN 0 0 0"'],
    ['an unknown keyword', 'LUT_3D_SIZE 2\nCOLOR_SPACE sRGB', 'lut.cube: expected a keyword (TITLE, LUT_3D_SIZE, DOMAIN_MIN, DOMAIN_MAX, LUT_3D_INPUT_RANGE), a comment or a row of 3 numbers on line 2, received "COLOR_SPACE sRGB"'],
    ['a 1D LUT', 'LUT_1D_SIZE 1024', 'lut.cube: expected a 3D LUT (LUT_3D_SIZE); 1D LUTs are not supported on line 1, received "LUT_1D_SIZE 1024"'],
    ['an unquoted title', 'TITLE warm', 'lut.cube: expected TITLE "text" on line 1, received "TITLE warm"'],
    ['a short domain', 'DOMAIN_MIN 0 0', 'lut.cube: expected DOMAIN_MIN with 3 numbers on line 1, received "DOMAIN_MIN 0 0"'],
    ['a bad input range', 'LUT_3D_INPUT_RANGE 0', 'lut.cube: expected LUT_3D_INPUT_RANGE with 2 numbers on line 1, received "LUT_3D_INPUT_RANGE 0"'],
    ['an empty domain', `DOMAIN_MIN 0 0.5 0\nDOMAIN_MAX 1 0.5 1\nLUT_3D_SIZE 2\n${IDENTITY_ROWS.join('\n')}`, 'lut.cube: expected DOMAIN_MAX above DOMAIN_MIN in every channel, received "DOMAIN_MIN 0 0.5 0, DOMAIN_MAX 1 0.5 1"'],
  ])('refuses %s, naming the line', (_name, text, message) => {
    expect(messageOf(text)).toBe(message);
  });
});
