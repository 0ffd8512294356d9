// The child process of s3-server.mjs: runs s3rver with the configuration in S3RVER_CONFIG, prints
// "listening PORT", and exits when its parent closes stdin (or dies).
//
// Two fixes make s3rver 3.7.1 behave as S3 does where our adapter's tests depend on it:
// - It lists keys in the order it walks its folders ('a/b' before 'a-c'), where S3 lists in the
//   byte order of the UTF-8 keys; and it resumes a listing with a plain string comparison, so
//   pages skip keys. Listings are re-sorted and re-paged here.
// - It writes an object in place, answering before the bytes are on disk, so concurrent puts of
//   one key interleave. Objects are written to a temporary file and renamed here, as S3 makes a
//   put visible only whole.
const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')
const { Readable, Transform } = require('node:stream')
const { pipeline } = require('node:stream/promises')
const S3rver = require('s3rver')
const FilesystemStore = require('s3rver/lib/stores/filesystem')

const walkOrderListing = FilesystemStore.prototype.listObjects
FilesystemStore.prototype.listObjects = async function listObjects(bucket, options) {
  const { delimiter = '', startAfter = '', prefix = '', maxKeys = Infinity } = options
  const { objects } = await walkOrderListing.call(this, bucket, { prefix })
  const sorted = objects.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)))
  const kept = []
  const commonPrefixes = new Set()
  let isTruncated = false
  for (const object of sorted) {
    if (startAfter && Buffer.compare(Buffer.from(object.key), Buffer.from(startAfter)) <= 0) continue
    const rest = object.key.slice(prefix.length)
    if (delimiter && rest.includes(delimiter)) {
      commonPrefixes.add(prefix + rest.slice(0, rest.indexOf(delimiter) + delimiter.length))
      continue
    }
    if (kept.length >= maxKeys) {
      isTruncated = true
      break
    }
    kept.push(object)
  }
  return { objects: kept, commonPrefixes: [...commonPrefixes].sort(), isTruncated }
}

FilesystemStore.prototype.putObject = async function putObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object')
  await fs.promises.mkdir(path.dirname(objectPath), { recursive: true })
  const temporary = `${objectPath}.${crypto.randomBytes(8).toString('hex')}.tmp`
  const md5 = crypto.createHash('md5')
  let size = 0
  const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content
  const measure = new Transform({
    transform(chunk, encoding, callback) {
      md5.update(chunk)
      size += chunk.length
      callback(null, chunk)
    },
  })
  try {
    await pipeline(source, measure, fs.createWriteStream(temporary))
    const digest = md5.digest('hex')
    await this.putMetadata(object.bucket, object.key, object.metadata, digest)
    await fs.promises.rename(temporary, objectPath)
    return { size, md5: digest }
  } catch (err) {
    await fs.promises.rm(temporary, { force: true })
    throw err
  }
}

const { directory, buckets, serviceEndpoint } = JSON.parse(process.env.S3RVER_CONFIG)
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  serviceEndpoint,
  configureBuckets: buckets.map((name) => ({ name })),
})

server.run().then(
  (address) => process.stdout.write(`listening ${address.port}\n`),
  (err) => {
    console.error(err && err.stack ? err.stack : String(err))
    process.exit(1)
  },
)
process.stdin.on('end', () => server.close().finally(() => process.exit(0)))
process.stdin.on('error', () => process.exit(0))
process.stdin.resume()
