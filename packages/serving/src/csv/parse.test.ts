import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { parseCsv } from './parse.js'

const fields = (text: string) => parseCsv(text).map((r) => r.fields)
const lines = (text: string) => parseCsv(text).map((r) => r.line)

function refuses(text: string, pattern: RegExp) {
  assert.throws(
    () => parseCsv(text),
    (err: any) => err.code === 'BAD_REQUEST' && err.status === 400 && pattern.test(err.message),
    JSON.stringify(text),
  )
}

describe('parseCsv (RFC 4180)', () => {
  test('plain fields, with or without a final line break, LF, CRLF or a lone CR', () => {
    for (const text of ['a,b\n1,2', 'a,b\n1,2\n', 'a,b\r\n1,2\r\n', 'a,b\r1,2\r', 'a,b\r\n1,2']) {
      assert.deepEqual(fields(text), [['a', 'b'], ['1', '2']], JSON.stringify(text))
    }
  })

  test('quoted fields hold commas, doubled quotes and line breaks of every kind', () => {
    assert.deepEqual(fields('t,n\n"a, b",1\n"say ""hi""",2\n"x\ny",3\n"p\r\nq",4\n"r\rs",5\n'), [
      ['t', 'n'],
      ['a, b', '1'],
      ['say "hi"', '2'],
      ['x\ny', '3'],
      ['p\r\nq', '4'],
      ['r\rs', '5'],
    ])
    assert.deepEqual(fields('"",""""\n'), [['', '"']])
    assert.deepEqual(fields('"a"'), [['a']])
    assert.deepEqual(fields('"a","b"'), [['a', 'b']])
  })

  test('empty fields, a trailing comma and an empty last field are fields', () => {
    assert.deepEqual(fields('a,b,c\n,,\n1,,3\n4,5,'), [
      ['a', 'b', 'c'],
      ['', '', ''],
      ['1', '', '3'],
      ['4', '5', ''],
    ])
    assert.deepEqual(fields('a,'), [['a', '']])
  })

  test('a byte-order mark is dropped; empty lines are skipped; spaces are kept', () => {
    assert.deepEqual(fields('\ufeffa,b\n1,2\n'), [['a', 'b'], ['1', '2']])
    assert.deepEqual(fields('\ufeff"a",b\n'), [['a', 'b']])
    assert.deepEqual(fields('\n\na\n\n1\r\n\r\n2\n\n'), [['a'], ['1'], ['2']])
    assert.deepEqual(fields(' a , b \n'), [[' a ', ' b ']])
    assert.deepEqual(fields(''), [])
    assert.deepEqual(fields('\ufeff'), [])
    assert.deepEqual(fields('\n\r\n'), [])
    // A line holding one quoted empty field is a record, not an empty line.
    assert.deepEqual(fields('a\n""\n'), [['a'], ['']])
  })

  test('a quote inside an unquoted field is text (as pandas reads it)', () => {
    assert.deepEqual(fields('a\n5" screen\nab"c"d\n'), [['a'], ['5" screen'], ['ab"c"d']])
    assert.deepEqual(fields(' "x",y\n'), [[' "x"', 'y']])
  })

  test('each record says the physical line it starts on, counting breaks inside quotes and skipped lines', () => {
    assert.deepEqual(lines('a\n"1\n2\n3"\n\nx\r\ny\r"p\r\nq"\nz'), [1, 2, 6, 7, 8, 10])
  })

  test('non-ASCII text and long fields pass through', () => {
    assert.deepEqual(fields('名前,emoji\n"Zoë, ☃",🙂\n'), [['名前', 'emoji'], ['Zoë, ☃', '🙂']])
    const long = 'x'.repeat(200_000)
    assert.deepEqual(fields(`a\n"${long}"\n`), [['a'], [long]])
  })

  test('an unclosed quote or text after a closing quote is BAD_REQUEST naming the line', () => {
    refuses('a,b\n1,"2\n3,4\n', /^CSV line 2: a quoted field starts there and is never closed/)
    refuses('a\n"abc', /CSV line 2: a quoted field starts there and is never closed/)
    refuses('a\n"', /CSV line 2: a quoted field/)
    refuses('a\n"x""', /CSV line 2: a quoted field/)
    refuses('a,b\n"ab"c,1\n', /^CSV line 2: field 1 has text after its closing quote/)
    refuses('a,b\n1,"multi\nline" x\n', /^CSV line 3: field 2 has text after its closing quote/)
  })
})
