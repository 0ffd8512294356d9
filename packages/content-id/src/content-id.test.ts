import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { BLAKE3_ABOVE, algorithmForSize, contentHasher, contentIdOf, hasherFor, isContentId, parseContentId } from './content-id.js'

test('published test vectors of both algorithms', () => {
  assert.equal(contentIdOf(Buffer.from('abc'), 'sha256'), 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  assert.equal(contentIdOf(Buffer.from('abc'), 'blake3'), 'blake3:6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85')
  assert.equal(contentIdOf(Buffer.alloc(0), 'blake3'), 'blake3:af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262')
})

test('the size rule: SHA-256 up to BLAKE3_ABOVE bytes, BLAKE3 above', () => {
  assert.equal(algorithmForSize(0), 'sha256')
  assert.equal(algorithmForSize(BLAKE3_ABOVE), 'sha256')
  assert.equal(algorithmForSize(BLAKE3_ABOVE + 1), 'blake3')
  assert.match(contentIdOf(Buffer.alloc(BLAKE3_ABOVE)), /^sha256:/)
  assert.match(contentIdOf(Buffer.alloc(BLAKE3_ABOVE + 1)), /^blake3:/)
})

test('incremental hashing in uneven chunks gives the one-shot id', () => {
  const bytes = randomBytes(3 * BLAKE3_ABOVE + 12345)
  for (const algorithm of ['sha256', 'blake3'] as const) {
    const hasher = contentHasher(algorithm)
    for (let at = 0; at < bytes.length; at += 65_537) hasher.update(bytes.subarray(at, at + 65_537))
    assert.equal(hasher.id(), contentIdOf(bytes, algorithm))
  }
  assert.equal(hasherFor(contentIdOf(bytes)).algorithm, 'blake3')
})

test('ids are parsed strictly', () => {
  const hex = 'a'.repeat(64)
  assert.deepEqual(parseContentId(`blake3:${hex}`), { algorithm: 'blake3', hex })
  for (const bad of [`md5:${hex}`, `sha256:${hex.toUpperCase()}`, `sha256:${hex}0`, hex, `blake3:${hex.slice(1)}`, 42, undefined]) {
    assert.equal(isContentId(bad), false, String(bad))
  }
  assert.throws(() => hasherFor('sha1:abc'), /Not a content id/)
})
