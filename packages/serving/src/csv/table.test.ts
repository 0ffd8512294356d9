import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ModelManifest } from '@railyard/api'
import { CsvTable } from './table.js'
import { declaredKindsOf, inferKind, type ColumnKind } from './column-kinds.js'

const none = new Map<string, ColumnKind>()
const inputs = (text: string, declared = none) => CsvTable.parse(text).inputs(declared)

function refuses(text: string, pattern: RegExp) {
  assert.throws(
    () => CsvTable.parse(text),
    (err: any) => err.code === 'BAD_REQUEST' && err.status === 400 && pattern.test(err.message),
    JSON.stringify(text),
  )
}

describe('CSV tables as MLflow (pandas read_csv) reads them', () => {
  test('rows become records keyed by the header, like dataframe_split', () => {
    assert.deepEqual(inputs('a,b\n1,x\n2,y\n'), [
      { a: 1, b: 'x' },
      { a: 2, b: 'y' },
    ])
    assert.deepEqual(inputs('a,b\n'), [])
    // One column named 0 is one unnamed column, as in dataframe_split: plain values.
    assert.deepEqual(inputs('0\nhi\nyo\n'), ['hi', 'yo'])
  })

  test('each column is typed on its own: numbers, booleans, else text; missing fields are null', () => {
    const text = [
      'int,float,mixed,bool,word,blank,num_na,spaced',
      '1,1.5,1,True,a,,NaN, 7 ',
      '-2,2,x,false,"b, c",,3,+8',
      '+3,1e3,2.5,TRUE,NA,,NA,9',
      '4,.5,,False,,,,-1',
    ].join('\r\n')
    assert.deepEqual(inputs(text), [
      { int: 1, float: 1.5, mixed: '1', bool: true, word: 'a', blank: null, num_na: null, spaced: 7 },
      { int: -2, float: 2, mixed: 'x', bool: false, word: 'b, c', blank: null, num_na: 3, spaced: 8 },
      { int: 3, float: 1000, mixed: '2.5', bool: true, word: null, blank: null, num_na: null, spaced: 9 },
      { int: 4, float: 0.5, mixed: null, bool: false, word: null, blank: null, num_na: null, spaced: -1 },
    ])
  })

  test("pandas' number and NA spellings", () => {
    assert.equal(inferKind(['1', '2.', '-.5', '1E-3', '+4e+2']), 'number')
    assert.equal(inferKind(['inf', '-Infinity', '+INF', '3']), 'number')
    assert.deepEqual(inputs('x\ninf\n-Infinity\n2\n'), [{ x: Infinity }, { x: -Infinity }, { x: 2 }])
    for (const text of ['0x10', '1_000', '1,5', '1.2.3', 'e5', '.', '-', '12abc', 'nan1', 'True1']) {
      assert.equal(inferKind(['1', text]), 'text', text)
    }
    assert.equal(inferKind(['True', '1']), 'text')
    assert.equal(inferKind(['yes', 'no']), 'text')
    assert.equal(inferKind([null, null]), 'number')
    for (const na of ['', 'NA', 'N/A', 'n/a', 'NULL', 'null', 'NaN', 'nan', '-NaN', 'None', '<NA>', '#N/A', '1.#QNAN']) {
      assert.deepEqual(CsvTable.parse(`x,y\n${na === '' ? '""' : na},1\n`).rows, [[null, '1']], na)
    }
    // Quoting does not make a number text (pandas reads "1" as 1); a NA marker with spaces is text.
    assert.deepEqual(inputs('x,y\n"1"," NA"\n'), [{ x: 1, y: ' NA' }])
  })

  test("a column the signature declares keeps the signature's kind (MLflow passes the schema's dtypes)", () => {
    const declared = new Map<string, ColumnKind>([
      ['zip', 'text'],
      ['n', 'number'],
      ['ok', 'boolean'],
    ])
    assert.deepEqual(inputs('zip,n,ok,other\n02134,5,true,7\n10001,x,maybe,8\n', declared), [
      { zip: '02134', n: 5, ok: true, other: 7 },
      // What does not read as the declared kind stays text, for the signature check to name.
      { zip: '10001', n: 'x', ok: 'maybe', other: 8 },
    ])
  })

  test('declaredKindsOf reads the column signature; tensors and unreadable signatures declare nothing', () => {
    const manifest = (inputs: unknown): ModelManifest =>
      ({ flavors: { railyard_js: { module: 'predict.mjs' } }, signature: { inputs: JSON.stringify(inputs) } }) as unknown as ModelManifest
    const kinds = declaredKindsOf(
      manifest([
        { type: 'string', name: 'zip' },
        { type: 'long', name: 'n' },
        { type: 'double', name: 'd' },
        { type: 'boolean', name: 'ok' },
        { type: 'datetime', name: 'when' },
        { type: 'array', items: 'string', name: 'tags' },
        { type: 'string' },
      ]),
    )
    assert.deepEqual(Object.fromEntries(kinds), { zip: 'text', n: 'number', d: 'number', ok: 'boolean', when: 'text', tags: 'text' })
    assert.equal(declaredKindsOf(manifest([{ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 2] } }])).size, 0)
    assert.equal(declaredKindsOf({ flavors: {}, signature: { inputs: 'not json' } } as unknown as ModelManifest).size, 0)
    assert.equal(declaredKindsOf({ flavors: {} } as unknown as ModelManifest).size, 0)
  })

  test("an empty header name is pandas' 'Unnamed: <index>' (a DataFrame written with its index)", () => {
    assert.deepEqual(inputs(',x\n0,1\n1,2\n'), [
      { 'Unnamed: 0': 0, x: 1 },
      { 'Unnamed: 0': 1, x: 2 },
    ])
  })

  test('a column named __proto__ is a column, not the prototype', () => {
    const [record] = inputs('__proto__,x\n1,2\n') as Array<Record<string, unknown>>
    assert.deepEqual(Object.keys(record), ['__proto__', 'x'])
    assert.equal(Object.getPrototypeOf(record), Object.prototype)
  })

  test('ragged rows, a repeated column and an empty body are BAD_REQUEST naming the line', () => {
    refuses('a,b\n1,2\n3\n', /^CSV line 3 has 1 field, but the header \(line 1\) names 2 columns$/)
    refuses('a,b\n1,2,3\n', /^CSV line 2 has 3 fields, but the header \(line 1\) names 2 columns$/)
    refuses('\n\na\n"1\n2",3\n4\n', /^CSV line 4 has 2 fields, but the header \(line 3\) names 1 column$/)
    refuses('a,b,a\n1,2,3\n', /names the column 'a' twice \(columns 1 and 3\)/)
    refuses('', /The CSV body is empty: send a header row/)
    refuses('\r\n\r\n', /The CSV body is empty/)
  })
})
