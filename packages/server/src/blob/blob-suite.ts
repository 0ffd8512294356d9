import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { BlobKeyError, BlobNotFoundError, type BlobStat, type BlobStore } from './blob.js'
import { compareKeys } from './keys.js'

export interface BlobStoreFixture {
  store: BlobStore
  /** Removes everything the store holds and stops whatever make() started. */
  dispose(): Promise<void>
}

/**
 * Keys no adapter may accept: each escapes a folder root, or would once percent-decoded, or can't
 * mean the same thing on every store.
 */
export const ESCAPING_KEYS = [
  '',
  '/abs',
  '/etc/passwd',
  '../x',
  'a/../../x',
  'a/..',
  '..',
  '.',
  './a',
  'a/./b',
  'a//b',
  'a/',
  'a\\b',
  '..\\x',
  'a\0b',
  'a\nb',
  '%2e%2e/x',
  'a/%2E%2E/b',
  '%2e%2e%2fx',
  '..%2fx',
  '%252e%252e/x',
  '%2fetc/passwd',
  'a%5c..%5cb',
  'C:/x',
  'x'.repeat(1025),
]

/**
 * The BlobStore contract as node:test cases; every adapter's test file calls this once.
 * `make` must return an empty store that no other test writes to. The cases share one store and
 * work under their own prefixes, except the one that lists a whole store, which makes a second.
 */
export function testBlobStore(name: string, make: () => Promise<BlobStoreFixture>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let fixture: BlobStoreFixture
    let store: BlobStore
    let counter = 0
    const scope = () => `t${++counter}-${randomBytes(3).toString('hex')}/`

    before(async () => {
      fixture = await make()
      store = fixture.store
    })
    after(() => fixture?.dispose())

    test('round-trips empty, small and multi-MB bodies from streams and buffers', async () => {
      const s = scope()
      await store.put(`${s}empty-stream`, Readable.from([], { objectMode: false }))
      await store.put(`${s}empty-buffer`, Buffer.alloc(0))
      await store.put(`${s}small`, Buffer.from('hello, blobs'))
      await store.put(`${s}small-stream`, Readable.from([Buffer.from('hel'), Buffer.from('lo')]))
      const big = generated(6 * 1024 * 1024 + 123)
      await store.put(`${s}big.bin`, big.stream)

      assert.equal((await readAll(await store.get(`${s}empty-stream`))).length, 0)
      assert.equal((await readAll(await store.get(`${s}empty-buffer`))).length, 0)
      assert.equal((await store.stat(`${s}empty-stream`)).size, 0)
      assert.equal((await readAll(await store.get(`${s}small`))).toString(), 'hello, blobs')
      assert.equal((await readAll(await store.get(`${s}small-stream`))).toString(), 'hello')
      const back = await readAll(await store.get(`${s}big.bin`))
      assert.equal(back.length, big.size)
      assert.equal(sha256(back), big.sha256())
      assert.equal((await store.stat(`${s}big.bin`)).size, big.size)
    })

    test('reads byte ranges [start, end), cut at the end of the object', async () => {
      const s = scope()
      const data = randomBytes(3 * 1024 * 1024 + 7)
      await store.put(`${s}r.bin`, data)
      const read = async (range: { start: number; end?: number }) => readAll(await store.get(`${s}r.bin`, range))
      assert.deepEqual(await read({ start: 0, end: 10 }), data.subarray(0, 10))
      assert.deepEqual(await read({ start: 10, end: 20 }), data.subarray(10, 20))
      assert.deepEqual(await read({ start: data.length - 5 }), data.subarray(data.length - 5))
      const middle = await read({ start: 1024 * 1024 - 3, end: 2 * 1024 * 1024 + 3 })
      assert.equal(sha256(middle), sha256(data.subarray(1024 * 1024 - 3, 2 * 1024 * 1024 + 3)))
      assert.deepEqual(await read({ start: data.length - 2, end: data.length + 100 }), data.subarray(data.length - 2))
      assert.equal((await read({ start: data.length })).length, 0)
      assert.equal((await read({ start: data.length + 10 })).length, 0)
      assert.equal((await read({ start: 5, end: 5 })).length, 0)
      await assert.rejects(store.get(`${s}r.bin`, { start: -1 }), RangeError)
      await assert.rejects(store.get(`${s}r.bin`, { start: 10, end: 5 }), RangeError)
    })

    test('stat reports key, size, mtime and etag', async () => {
      const s = scope()
      const t0 = Date.now()
      await store.put(`${s}dir/file.txt`, Buffer.from('12345'))
      const t1 = Date.now()
      const st = await store.stat(`${s}dir/file.txt`)
      assert.equal(st.key, `${s}dir/file.txt`)
      assert.equal(st.size, 5)
      // Object stores keep whole seconds, and a server's clock may be a little off.
      assert.ok(st.mtime >= t0 - 2000 && st.mtime <= t1 + 2000, `mtime ${st.mtime} not within [${t0}, ${t1}]`)
      assert.equal(typeof st.etag, 'string')
      assert.ok(st.etag.length > 0)
      assert.deepEqual(await store.stat(`${s}dir/file.txt`), st, 'stat is stable while nothing changes')
    })

    test('touch renews the mtime and keeps the bytes; a missing key is BlobNotFoundError', async () => {
      const s = scope()
      const bytes = randomBytes(3000)
      await store.put(`${s}old`, bytes)
      const before = await store.stat(`${s}old`)
      // Object stores keep whole seconds.
      await new Promise((resolve) => setTimeout(resolve, 1100))
      await store.touch(`${s}old`)
      const after = await store.stat(`${s}old`)
      assert.ok(after.mtime > before.mtime, `mtime ${after.mtime} not after ${before.mtime}`)
      assert.equal(after.size, bytes.length)
      assert.deepEqual(await readAll(await store.get(`${s}old`)), bytes)
      assert.equal((await listed(store, s)).find((x) => x.key === `${s}old`)?.mtime, after.mtime, 'listings see the new time')
      await assert.rejects(store.touch(`${s}missing`), BlobNotFoundError)
    })

    test('overwriting replaces the bytes, the size and the etag', async () => {
      const s = scope()
      await store.put(`${s}k`, Buffer.from('aaaa'))
      const first = await store.stat(`${s}k`)
      await store.put(`${s}k`, Buffer.from('bbbb'))
      const second = await store.stat(`${s}k`)
      assert.equal((await readAll(await store.get(`${s}k`))).toString(), 'bbbb')
      assert.notEqual(second.etag, first.etag, 'new content, new etag')
      await store.put(`${s}k`, Readable.from([Buffer.from('longer content now')]))
      assert.equal((await store.stat(`${s}k`)).size, 18)
      assert.deepEqual((await listed(store, s)).map((x) => x.key), [`${s}k`])
    })

    test('a put whose stream fails writes nothing and keeps the previous bytes', async () => {
      const s = scope()
      await store.put(`${s}kept`, Buffer.from('original'))
      await assert.rejects(store.put(`${s}kept`, failingStream(2 * 1024 * 1024)))
      await assert.rejects(store.put(`${s}never`, failingStream(1024 * 1024)))
      assert.equal((await readAll(await store.get(`${s}kept`))).toString(), 'original')
      assert.equal(await store.exists(`${s}never`), false)
      assert.deepEqual((await listed(store, s)).map((x) => x.key), [`${s}kept`])
    })

    test('concurrent puts of one key leave one of the bodies, whole', async () => {
      const s = scope()
      const bodies = Array.from({ length: 4 }, () => randomBytes(512 * 1024))
      await Promise.all(bodies.map((b) => store.put(`${s}race`, Readable.from(chunksOf(b, 64 * 1024)))))
      const back = sha256(await readAll(await store.get(`${s}race`)))
      assert.ok(bodies.some((b) => sha256(b) === back), 'the stored bytes are exactly one of the bodies')
      assert.equal((await listed(store, s)).length, 1)
    })

    test('exists and delete, including missing keys and folder names', async () => {
      const s = scope()
      await store.put(`${s}folder/child`, Buffer.from('x'))
      await store.put(`${s}single`, Buffer.from('y'))
      assert.equal(await store.exists(`${s}single`), true)
      assert.equal(await store.exists(`${s}missing`), false)
      assert.equal(await store.exists(`${s}folder`), false, 'a folder is not an object')
      await store.delete(`${s}missing`)
      await store.delete(`${s}folder`)
      assert.equal(await store.exists(`${s}folder/child`), true, 'deleting a folder name deletes nothing')
      await store.delete(`${s}single`)
      assert.equal(await store.exists(`${s}single`), false)
      await store.delete(`${s}single`)
      await store.delete(`${s}folder/child`)
      assert.deepEqual(await listed(store, s), [])
    })

    test('get and stat of a missing key throw BlobNotFoundError with the key', async () => {
      const s = scope()
      await store.put(`${s}folder/child`, Buffer.from('x'))
      for (const key of [`${s}missing`, `${s}folder`, `${s}folder/child/deeper`]) {
        await assert.rejects(store.get(key), (err: unknown) => err instanceof BlobNotFoundError && err.key === key)
        await assert.rejects(store.get(key, { start: 0, end: 1 }), BlobNotFoundError)
        await assert.rejects(store.stat(key), (err: unknown) => err instanceof BlobNotFoundError && err.key === key)
      }
    })

    test('lists in key order (UTF-8 byte order) under a prefix', async () => {
      const s = scope()
      const names = ['x/b', 'a/b', 'a-c', 'a/a/z', 'ab', 'a.txt', 'a0', 'B', 'a/b2/c']
      for (const [i, n] of names.entries()) await store.put(`${s}${n}`, Buffer.alloc(i + 1, 'z'))
      const all = await listed(store, s)
      const expected = names.map((n) => `${s}${n}`).sort(compareKeys)
      assert.deepEqual(all.map((x) => x.key), expected)
      assert.deepEqual(expected.map((k) => k.slice(s.length)), ['B', 'a-c', 'a.txt', 'a/a/z', 'a/b', 'a/b2/c', 'a0', 'ab', 'x/b'])
      for (const item of all) assert.equal(item.size, names.indexOf(item.key.slice(s.length)) + 1)
      assert.deepEqual((await listed(store, `${s}a/`)).map((x) => x.key.slice(s.length)), ['a/a/z', 'a/b', 'a/b2/c'])
      assert.deepEqual((await listed(store, `${s}a/b`)).map((x) => x.key.slice(s.length)), ['a/b', 'a/b2/c'])
      assert.deepEqual((await listed(store, `${s}a`)).length, 7)
      assert.deepEqual((await listed(store, `${s}x/b`)).map((x) => x.key.slice(s.length)), ['x/b'])
      assert.deepEqual(await listed(store, `${s}nothing`), [])
      assert.deepEqual(await listed(store, `${s}nothing/`), [])
      assert.deepEqual(await store.listPage(`${s}nothing/`), { items: [] })
    })

    test('pages through a listing with tokens', async () => {
      const s = scope()
      const keys: string[] = []
      for (let i = 0; i < 25; i++) keys.push(`${s}d${i % 3}/${i % 2 ? 'sub/' : ''}f${String(i).padStart(2, '0')}`)
      await Promise.all(keys.map((k) => store.put(k, Buffer.from(k))))
      keys.sort(compareKeys)
      const pages: BlobStat[][] = []
      let token: string | undefined
      do {
        const page = await store.listPage(s, { token, limit: 7 })
        assert.ok(page.items.length <= 7, `page of ${page.items.length} items for limit 7`)
        pages.push(page.items)
        token = page.nextToken
        if (token !== undefined) assert.equal(typeof token, 'string')
        assert.ok(pages.length < 30, 'the listing ends')
      } while (token)
      assert.ok(pages.length >= 4, `${pages.length} pages for 25 keys at 7 a page`)
      assert.deepEqual(pages.flat().map((x) => x.key), keys)
      assert.deepEqual((await listed(store, s)).map((x) => x.key), keys)
      const sub = await store.listPage(`${s}d1/`, { limit: 2 })
      assert.equal(sub.items.length, 2)
      assert.ok(sub.nextToken)
      const rest = await store.listPage(`${s}d1/`, { token: sub.nextToken, limit: 100 })
      assert.deepEqual([...sub.items, ...rest.items].map((x) => x.key), keys.filter((k) => k.startsWith(`${s}d1/`)))
      assert.equal(rest.nextToken, undefined)
    })

    test('nested keys: deep paths, and folders vanish with their last object', async () => {
      const s = scope()
      const deep = `${s}a/b/c/d/e/f/g.txt`
      await store.put(deep, Buffer.from('deep'))
      await store.put(`${s}a/b/sibling`, Buffer.from('s'))
      assert.deepEqual((await listed(store, `${s}a/b/c/`)).map((x) => x.key), [deep])
      assert.equal((await readAll(await store.get(deep))).toString(), 'deep')
      await store.delete(deep)
      assert.deepEqual((await listed(store, s)).map((x) => x.key), [`${s}a/b/sibling`])
      await store.put(deep, Buffer.from('again'))
      assert.equal((await readAll(await store.get(deep))).toString(), 'again')
    })

    test('unicode and spaces in keys', async () => {
      const s = scope()
      const names = ['with space.txt', 'ü/naïve file.csv', '日本語/データ.bin', 'emoji 🚀/x', 'percent 100%.txt', 'plus+and=equals&.txt']
      for (const n of names) await store.put(`${s}${n}`, Buffer.from(`body of ${n}`))
      for (const n of names) {
        assert.equal((await readAll(await store.get(`${s}${n}`))).toString(), `body of ${n}`)
        assert.equal((await store.stat(`${s}${n}`)).size, Buffer.byteLength(`body of ${n}`))
        assert.equal(await store.exists(`${s}${n}`), true)
      }
      const keys = (await listed(store, s)).map((x) => x.key.slice(s.length))
      assert.deepEqual([...keys].sort(), [...names].sort())
      assert.deepEqual((await listed(store, `${s}ü/`)).map((x) => x.key), [`${s}ü/naïve file.csv`])
      for (const n of names) await store.delete(`${s}${n}`)
      assert.deepEqual(await listed(store, s), [])
    })

    test('rejects keys that escape the root, or would once decoded, with BlobKeyError', async () => {
      const s = scope()
      await store.put(`${s}x`, Buffer.from('x'))
      for (const bad of ESCAPING_KEYS) {
        const label = JSON.stringify(bad)
        await assert.rejects(store.put(bad, Buffer.from('evil')), BlobKeyError, `put ${label}`)
        await assert.rejects(store.put(bad, Readable.from([Buffer.from('evil')])), BlobKeyError, `put stream ${label}`)
        await assert.rejects(store.get(bad), BlobKeyError, `get ${label}`)
        await assert.rejects(store.stat(bad), BlobKeyError, `stat ${label}`)
        await assert.rejects(store.exists(bad), BlobKeyError, `exists ${label}`)
        await assert.rejects(store.delete(bad), BlobKeyError, `delete ${label}`)
        await assert.rejects(store.touch(bad), BlobKeyError, `touch ${label}`)
      }
      for (const bad of ['../', '/x', 'a/../', '%2e%2e/', 'a\\', 'a\0']) {
        await assert.rejects(store.listPage(bad), BlobKeyError, `listPage ${JSON.stringify(bad)}`)
      }
      assert.deepEqual((await listed(store, s)).map((x) => x.key), [`${s}x`])
      assert.equal((await readAll(await store.get(`${s}x`))).toString(), 'x')
    })

    test('lists a whole fresh store from the empty prefix', async () => {
      const other = await make()
      try {
        assert.deepEqual(await listed(other.store, ''), [])
        const keys = ['z', 'a/b', 'a b', 'm/n/o']
        for (const k of keys) await other.store.put(k, Buffer.from(k))
        assert.deepEqual((await listed(other.store, '')).map((x) => x.key), [...keys].sort(compareKeys))
        const first = await other.store.listPage('', { limit: 3 })
        assert.equal(first.items.length, 3)
        const second = await other.store.listPage('', { limit: 3, token: first.nextToken })
        assert.deepEqual([...first.items, ...second.items].map((x) => x.key), [...keys].sort(compareKeys))
      } finally {
        await other.dispose()
      }
    })
  })
}

async function listed(store: BlobStore, prefix: string): Promise<BlobStat[]> {
  const out: BlobStat[] = []
  for await (const item of store.list(prefix)) out.push(item)
  return out
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks)
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

/** `size` random bytes in chunks of uneven sizes, hashed as they are produced. */
function generated(size: number): { stream: Readable; size: number; sha256(): string } {
  const hash = createHash('sha256')
  let sent = 0
  const stream = new Readable({
    read() {
      if (sent >= size) return void this.push(null)
      const n = Math.min(size - sent, 1 + Math.floor(Math.random() * 256 * 1024))
      const chunk = randomBytes(n)
      hash.update(chunk)
      sent += n
      this.push(chunk)
    },
  })
  return { stream, size, sha256: () => hash.digest('hex') }
}

/** A stream that sends `before` bytes and then fails, like a client that goes away mid-upload. */
function failingStream(before: number): Readable {
  let sent = 0
  return new Readable({
    read() {
      if (sent >= before) return void this.destroy(new Error('the client went away'))
      const chunk = randomBytes(64 * 1024)
      sent += chunk.length
      this.push(chunk)
    },
  })
}

function chunksOf(data: Buffer, size: number): Buffer[] {
  const out: Buffer[] = []
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size))
  return out
}
