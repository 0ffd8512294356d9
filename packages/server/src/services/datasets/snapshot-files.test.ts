import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { SnapshotEvent } from '@railyard/api'
import { DIALECTS } from '../../testing/databases.js'
import { createTestApp, type TestApp } from '../../testing/test-app.js'
import { ManifestWriter, compareUtf8, manifestLine } from '../../objects/manifest.js'
import type { DatastoreRow } from '../../store/datasets-repo.js'
import type { DataSource, SourceFile } from './data-source.js'
import type { DatastoresService } from './datastores.js'
import { LocalFolderSource, markerOf } from './local-source.js'
import { Progress } from './progress.js'
import { SnapshotEngine } from './snapshot.js'
import { hashSelection, type SelectedFile } from './snapshot-files.js'

const FILES = 2345

/** Files in nested folders, with names whose byte order differs from a naive sort (`a-c` before `a/b`). */
function writeFiles(root: string): void {
  for (let i = 0; i < FILES; i++) {
    const file = path.join(root, `d${i % 5}`, i % 3 ? `f${i}.txt` : `g/${i}-é.txt`)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, `file ${i}\n`.repeat(i % 13))
  }
  fs.mkdirSync(path.join(root, 'a', 'b'), { recursive: true })
  fs.writeFileSync(path.join(root, 'a', 'b', 'x.txt'), 'under a/b')
  fs.writeFileSync(path.join(root, 'a-c'), 'a dash sorts before a slash')
}

/** The version id computed here from the files on disk, independently of the snapshot code. */
function expectedVersionId(root: string): string {
  const entries: string[] = []
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name)
      if (e.isDirectory()) walk(full)
      else {
        const bytes = fs.readFileSync(full)
        const st = fs.lstatSync(full, { bigint: true })
        const rel = path.relative(root, full).split(path.sep).join('/')
        entries.push(rel)
        oids.set(rel, { size: bytes.length, oid: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, marker: markerOf(st) })
      }
    }
  }
  const oids = new Map<string, { size: number; oid: string; marker: string }>()
  walk(root)
  entries.sort(compareUtf8)
  const text = '{"type":"railyard.dataset-manifest","version":1}\n' + entries.map((p) => manifestLine({ path: p, ...oids.get(p)! })).join('')
  return `sha256:${createHash('sha256').update(text).digest('hex')}`
}

/** The same datastore, listed by `list` instead: another page size or order, as another adapter might. */
function relisted(inner: DataSource, list: (all: SourceFile[]) => SourceFile[][]): DataSource {
  return {
    blobs: inner.blobs,
    stat: (key) => inner.stat(key),
    open: (key) => inner.open(key),
    hash: (file, keep, onBytes) => inner.hash(file, keep, onBytes),
    hashBatch: inner.hashBatch && ((files, keep, onBytes) => inner.hashBatch!(files, keep, onBytes)),
    close: () => inner.close(),
    async *list(folder) {
      const all: SourceFile[] = []
      for await (const page of inner.list(folder)) all.push(...page)
      yield* list(all)
    },
  }
}

const pagesOf = (files: SourceFile[], size: (i: number) => number) => {
  const pages: SourceFile[][] = []
  for (let at = 0, i = 0; at < files.length; i++) {
    pages.push(files.slice(at, at + size(i)))
    at += size(i)
  }
  return pages
}

for (const dialect of DIALECTS) {
  describe(`streamed snapshots (${dialect})`, () => {
    let t: TestApp
    let root: string
    let expected: string
    before(async () => {
      t = await createTestApp(dialect)
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-stream-'))
      writeFiles(root)
      expected = expectedVersionId(root)
    })
    after(async () => {
      await t.dispose()
      fs.rmSync(root, { recursive: true, force: true })
    })

    /** A first snapshot (own datastore, so an empty stat cache) whose listing goes through `list`. */
    const snapshotListedAs = async (name: string, list?: (all: SourceFile[]) => SourceFile[][]) => {
      await t.services.datasets.datastores.create({ name, kind: 'local', config: { root } }, 'tester')
      await t.services.datasets.definitions.create({ name, datastore: name, path: '' }, 'tester')
      const real = t.services.datasets.datastores
      const datastores = Object.create(real) as DatastoresService
      datastores.open = async (row: DatastoreRow) => (list ? relisted(await real.open(row), list) : real.open(row))
      const engine = new SnapshotEngine(t.store, datastores, t.services.registry.objects, t.services.datasets.manifests)
      const job = await engine.prepare(await t.services.datasets.definitions.row(name), { who: 'tester' })
      const events: SnapshotEvent[] = []
      const result = await job.run((e) => events.push(e))
      const phases = events.map((e) => e.phase).filter((p, i, all) => p !== all[i - 1])
      return { ...result, phases, last: events.at(-1)! }
    }

    test('listing and hashing at once give the canonical manifest, in pages of any size', async () => {
      const plain = await snapshotListedAs('plain')
      assert.equal(plain.version.file_count, FILES + 2)
      assert.equal(plain.version.id, expected)
      // Pages of 1 to 17 files: batches and pages never line up.
      const ragged = await snapshotListedAs('ragged', (all) => pagesOf(all, (i) => 1 + (i % 17)))
      assert.equal(ragged.version.id, expected)
      // The phase says 'hashing' only once the listing is complete.
      assert.deepEqual(ragged.phases, ['listing', 'hashing', 'writing'])
    })

    test('a listing out of path order is listed again whole and sorted: same version id', async () => {
      const reversed = await snapshotListedAs('reversed', (all) => pagesOf(all.reverse(), () => 100))
      assert.equal(reversed.version.id, expected)
      assert.equal(reversed.version.file_count, FILES + 2)
      // Out of order within one page, late in the listing (after batches were written).
      const swapped = await snapshotListedAs('swapped', (all) => {
        ;[all[2000], all[2001]] = [all[2001], all[2000]]
        return pagesOf(all, () => 1000)
      })
      assert.equal(swapped.version.id, expected)
      // Counted once: the second listing starts the totals afresh.
      assert.deepEqual(swapped.phases, ['listing', 'hashing', 'writing'])
      assert.equal(swapped.last.files_total, FILES + 2)
      assert.equal(swapped.last.files_done, FILES + 2)
    })

    test('the listing is read only a few batches ahead of the manifest, however long it is', async () => {
      await t.services.datasets.datastores.create({ name: 'bounded', kind: 'local', config: { root } }, 'tester')
      const datastoreId = (await t.services.datasets.datastores.row('bounded')).datastore_id
      const source = new LocalFolderSource(root)
      const progress = new Progress()
      let pulled = 0
      let mostAhead = 0
      // Batches of 10 files: far more batches than are ever in flight.
      async function* batches(): AsyncGenerator<SelectedFile[]> {
        let batch: SelectedFile[] = []
        for await (const page of source.list('')) {
          for (const f of page) {
            batch.push({ ...f, path: f.key })
            if (batch.length < 10) continue
            mostAhead = Math.max(mostAhead, pulled - progress.files_done)
            pulled += batch.length
            yield batch
            batch = []
          }
        }
        if (batch.length) yield batch
      }
      const writer = ManifestWriter.create()
      try {
        const files = await hashSelection(source, batches(), t.store.datasets.statCache, writer, { datastoreId, pin: false, objects: t.services.registry.objects }, progress)
        assert.equal(files, FILES + 2)
        assert.equal((await writer.finish()).oid, expected)
      } finally {
        await writer.discard()
      }
      // Three batches in flight and the one being written; never the whole listing.
      assert.ok(mostAhead <= 40, `listing ran ${mostAhead} files ahead`)
    })
  })
}
