import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidParameterError } from '@railyard/api'
import { azureCredentialsFromEnv, parseAzureUrl, parseS3Url, s3CredentialsFromEnv } from './blob-url.js'

const invalid = (pattern: RegExp, hidden?: string) => (err: unknown) => {
  assert.ok(err instanceof InvalidParameterError, String(err))
  assert.match(err.message, pattern)
  if (hidden) assert.ok(!err.message.includes(hidden), `message shows '${hidden}': ${err.message}`)
  return true
}

describe('parseS3Url', () => {
  it('reads bucket, prefix, endpoint, region and path style', () => {
    const loc = parseS3Url(new URL('s3://my-bucket/data/raw%20files/?endpoint=http://127.0.0.1:9000/&region=eu-west-1&path_style=true'))
    assert.deepEqual(loc, {
      bucket: 'my-bucket',
      prefix: 'data/raw files',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-1',
      forcePathStyle: true,
      credentialEnv: { accessKeyId: 'AWS_ACCESS_KEY_ID', secretAccessKey: 'AWS_SECRET_ACCESS_KEY', sessionToken: 'AWS_SESSION_TOKEN' },
    })
    const bare = parseS3Url(new URL('s3://my.bucket'))
    assert.deepEqual([bare.prefix, bare.endpoint, bare.region, bare.forcePathStyle], ['', undefined, undefined, undefined])
    assert.equal(parseS3Url(new URL('s3://b12/x?path_style=0')).forcePathStyle, false)
  })

  it('takes the names of the credential variables, never their values', () => {
    const loc = parseS3Url(new URL('s3://b12/?access_key_id_env=TEAM_KEY&secret_access_key_env=TEAM_SECRET&session_token_env=TEAM_TOKEN'))
    assert.deepEqual(loc.credentialEnv, { accessKeyId: 'TEAM_KEY', secretAccessKey: 'TEAM_SECRET', sessionToken: 'TEAM_TOKEN' })
    assert.throws(() => parseS3Url(new URL('s3://b12/?access_key_id_env=not-a-name!')), invalid(/access_key_id_env must be an environment variable name/))
  })

  it('rejects credentials in the URL without repeating them', () => {
    assert.throws(() => parseS3Url(new URL('s3://AKIAEXAMPLE:topsecret@bucket/x')), invalid(/must not be embedded.*AWS_ACCESS_KEY_ID/, 'topsecret'))
    assert.throws(
      () => parseS3Url(new URL('s3://bucket/x?endpoint=http://key:topsecret@127.0.0.1:9000')),
      invalid(/endpoint must not carry credentials/, 'topsecret'),
    )
    assert.throws(() => parseS3Url(new URL('s3://bucket/x?secret_key=topsecret')), invalid(/Unknown parameter\(s\) 'secret_key'/, 'topsecret'))
  })

  it('rejects malformed URLs with the reason', () => {
    assert.throws(() => parseS3Url(new URL('s3://Bad_Bucket/x')), invalid(/Invalid S3 bucket name 'Bad_Bucket'/))
    assert.throws(() => parseS3Url(new URL('s3://ab/x')), invalid(/Invalid S3 bucket name/))
    assert.throws(() => parseS3Url(new URL('s3://bucket:9000/x')), invalid(/takes no port/))
    assert.throws(() => parseS3Url(new URL('s3://bucket/x?path_style=yes')), invalid(/path_style must be true or false/))
    assert.throws(() => parseS3Url(new URL('s3://bucket/x?endpoint=ftp://host')), invalid(/expected http or https/))
    assert.throws(() => parseS3Url(new URL('s3://bucket/x?endpoint=nope')), invalid(/Invalid endpoint/))
    assert.throws(() => parseS3Url(new URL('s3://bucket/a/%252E%252E/b')), invalid(/Invalid prefix 'a\/%2E%2E\/b'.*'\.\.'/))
    assert.equal(parseS3Url(new URL('s3://bucket/../../x')).prefix, 'x', 'the URL parser keeps `..` inside the bucket')
    assert.throws(() => parseS3Url(new URL('azure://acct/container')), invalid(/Not an s3:\/\/ URL/))
  })
})

describe('parseAzureUrl', () => {
  it('reads account, container, prefix and endpoint', () => {
    const loc = parseAzureUrl(new URL('azure://devstoreaccount1/my-data/a/b/?endpoint=http://127.0.0.1:10000/devstoreaccount1'))
    assert.deepEqual(loc, {
      account: 'devstoreaccount1',
      container: 'my-data',
      prefix: 'a/b',
      endpoint: 'http://127.0.0.1:10000/devstoreaccount1',
      credentialEnv: {
        connectionString: 'AZURE_STORAGE_CONNECTION_STRING',
        accountKey: 'AZURE_STORAGE_KEY',
        sasToken: 'AZURE_STORAGE_SAS_TOKEN',
      },
    })
    assert.equal(parseAzureUrl(new URL('azure://acct1/box')).prefix, '')
    assert.equal(parseAzureUrl(new URL('azure://acct1/box?sas_token_env=TEAM_SAS')).credentialEnv.sasToken, 'TEAM_SAS')
  })

  it('rejects malformed URLs and embedded secrets', () => {
    assert.throws(() => parseAzureUrl(new URL('azure://acct1')), invalid(/missing Azure container ''/))
    assert.throws(() => parseAzureUrl(new URL('azure://acct1/Bad_Container')), invalid(/Invalid or missing Azure container 'Bad_Container'/))
    assert.throws(() => parseAzureUrl(new URL('azure://Acct-1/box')), invalid(/Invalid Azure storage account/))
    assert.throws(() => parseAzureUrl(new URL('azure://acct1/box?sig=abcdef')), invalid(/Unknown parameter\(s\) 'sig'/, 'abcdef'))
    assert.throws(() => parseAzureUrl(new URL('azure://acct1:key@acct1/box')), invalid(/must not be embedded/, 'key@'))
  })
})

describe('credentials from the environment', () => {
  const s3 = parseS3Url(new URL('s3://bucket/x'))
  it('S3: both variables, or none to leave it to the SDK chain; one alone is an error naming the other', () => {
    assert.deepEqual(s3CredentialsFromEnv(s3, { AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 's' }), { accessKeyId: 'id', secretAccessKey: 's' })
    assert.deepEqual(s3CredentialsFromEnv(s3, { AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 's', AWS_SESSION_TOKEN: 't' }), {
      accessKeyId: 'id', secretAccessKey: 's', sessionToken: 't',
    })
    assert.equal(s3CredentialsFromEnv(s3, {}), undefined)
    assert.throws(() => s3CredentialsFromEnv(s3, { AWS_ACCESS_KEY_ID: 'id' }), invalid(/set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/))
  })

  it('Azure: connection string, else account key, else SAS; none is an error naming all three', () => {
    const az = parseAzureUrl(new URL('azure://acct1/box'))
    const all = { AZURE_STORAGE_CONNECTION_STRING: 'cs', AZURE_STORAGE_KEY: 'k', AZURE_STORAGE_SAS_TOKEN: 'sas' }
    assert.deepEqual(azureCredentialsFromEnv(az, all), { connectionString: 'cs' })
    assert.deepEqual(azureCredentialsFromEnv(az, { ...all, AZURE_STORAGE_CONNECTION_STRING: '' }), { accountKey: 'k' })
    assert.deepEqual(azureCredentialsFromEnv(az, { AZURE_STORAGE_SAS_TOKEN: 'sas' }), { sasToken: 'sas' })
    assert.throws(() => azureCredentialsFromEnv(az, {}), invalid(/AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN/))
  })
})
