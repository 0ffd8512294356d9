import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { MemoryBlobStore } from '../blob/memory.js'
import { ObjectStore } from './object-store.js'
import { DatasetManifests } from './dataset-manifests.js'
import { InvalidManifestError, MANIFEST_INDEX_STRIDE, ManifestWriter, compareUtf8, manifestLine, type ManifestEntry } from './manifest.js'

const oid = (n: number) => `sha256:${createHash('sha256').update(String(n)).digest('hex')}`

async function build(entries: ManifestEntry[]) {
  const writer = ManifestWriter.create()
  for (const e of entries) await writer.add(e)
  const built = await writer.finish()
  const bytes = fs.readFileSync(built.file)
  await writer.discard()
  return { built, bytes }
}

describe('dataset manifests', () => {
  test('canonical bytes: header, one line per file with fixed key order; the id is their SHA-256', async () => {
    const { built, bytes } = await build([
      { path: 'a b/"q".csv', size: 3, oid: oid(1), marker: 'm1' },
      { path: 'z.csv', size: 0, oid: oid(2), marker: '' },
    ])
    const expected =
      '{"type":"railyard.dataset-manifest","version":1}\n' +
      `{"path":"a b/\\"q\\".csv","size":3,"oid":"${oid(1)}","marker":"m1"}\n` +
      `{"path":"z.csv","size":0,"oid":"${oid(2)}","marker":""}\n`
    assert.equal(bytes.toString(), expected)
    assert.equal(built.oid, `sha256:${createHash('sha256').update(expected).digest('hex')}`)
    assert.deepEqual([built.count, built.totalBytes, built.size], [2, 3, Buffer.byteLength(expected)])
  })

  test('entries must come sorted by UTF-8 bytes, without duplicates', async () => {
    const writer = ManifestWriter.create()
    await writer.add({ path: 'b', size: 1, oid: oid(1), marker: '' })
    await assert.rejects(writer.add({ path: 'a', size: 1, oid: oid(1), marker: '' }), /out of order/)
    await assert.rejects(writer.add({ path: 'b', size: 1, oid: oid(1), marker: '' }), /out of order/)
    await writer.discard()
  })

  test('compareUtf8 orders like Buffer.compare, astral and high-BMP characters included', () => {
    const alphabet = ['a', 'Z', '/', '-', 'é', '\u{e000}', '\u{ffee}', '\u{1f600}', '\u{10000}', '\u{d7ff}']
    const words: string[] = []
    for (const x of alphabet) for (const y of alphabet) words.push(x + y, x)
    for (const a of words) {
      for (const b of words) {
        assert.equal(Math.sign(compareUtf8(a, b)), Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))), `${a} vs ${b}`)
      }
    }
  })

  test('the index finds any file and any page start without reading from the top', async () => {
    const objects = new ObjectStore(new MemoryBlobStore())
    const manifests = new DatasetManifests(objects)
    const entries = Array.from({ length: 3 * MANIFEST_INDEX_STRIDE + 17 }, (_, i) => ({
      path: `part-${String(i).padStart(5, '0')}.csv`,
      size: i,
      oid: oid(i),
      marker: `m${i}`,
    }))
    const writer = ManifestWriter.create()
    for (const e of entries) await writer.add(e)
    const built = await writer.finish()
    const { indexOid } = await manifests.store(built)
    await writer.discard()
    assert.equal((await manifests.index(indexOid)).entries.length, 4)

    for (const i of [0, 1, MANIFEST_INDEX_STRIDE - 1, MANIFEST_INDEX_STRIDE, 2 * MANIFEST_INDEX_STRIDE + 5, entries.length - 1]) {
      assert.deepEqual(await manifests.find(built.oid, indexOid, entries[i].path), entries[i])
    }
    assert.equal(await manifests.find(built.oid, indexOid, 'part-00001.csvx'), undefined)
    assert.equal(await manifests.find(built.oid, indexOid, 'a'), undefined)

    // Reading on from a line's offset continues exactly there.
    const located = []
    for await (const e of manifests.entries(built.oid)) located.push(e)
    assert.equal(located.length, entries.length)
    const middle = located[2000]
    const next = await manifests.entries(built.oid, middle.offset).next()
    assert.deepEqual(next.value!.entry, entries[2000])
    await assert.rejects(manifests.entries(built.oid, middle.offset + 3).next(), InvalidManifestError)

    // The whole stream is verified against the id.
    const chunks: Buffer[] = []
    for await (const c of await manifests.stream(built.oid)) chunks.push(c as Buffer)
    assert.equal(`sha256:${createHash('sha256').update(Buffer.concat(chunks)).digest('hex')}`, built.oid)
  })

  test('append without awaiting writes the canonical bytes, and index offsets count UTF-8 bytes', async () => {
    // Multi-byte paths (é is 2 bytes, 😀 is 4) and long lines, so bytes and characters differ and
    // the lines pass the write chunk size between index points.
    const entries = Array.from({ length: 2 * MANIFEST_INDEX_STRIDE + 300 }, (_, i) => ({
      path: `é/${String(i).padStart(5, '0')}-${'😀'.repeat(i % 3)}${'x'.repeat(i % 400)}.csv`,
      size: i,
      oid: oid(i),
      marker: `m"${i}`,
    }))
    const writer = ManifestWriter.create()
    for (const e of entries) writer.append(e)
    await writer.drained()
    const built = await writer.finish()
    const bytes = fs.readFileSync(built.file)
    await writer.discard()
    const expected = Buffer.from('{"type":"railyard.dataset-manifest","version":1}\n' + entries.map(manifestLine).join(''))
    assert.ok(bytes.equals(expected))
    assert.equal(built.oid, `sha256:${createHash('sha256').update(expected).digest('hex')}`)
    assert.equal(built.size, expected.length)
    // Each index point is the byte offset of its entry's line.
    assert.equal(built.index.entries.length, 3)
    for (const [p, offset] of built.index.entries) {
      const line = expected.subarray(offset, expected.indexOf(10, offset)).toString()
      assert.equal(JSON.parse(line).path, p)
    }
    assert.deepEqual((await build(entries)).bytes, bytes, 'add gives the same bytes')
    const out = ManifestWriter.create()
    out.append(entries[1])
    assert.throws(() => out.append(entries[0]), /out of order/)
    await out.discard()
  })
})
