import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { closedPort, runCli, startServer, type TestServer } from '../testing/cli.js'

const READER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../testing/children/read-dataset-files.mjs')

function writeFiles(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true })
    fs.writeFileSync(path.join(root, rel), content)
  }
}

// The SDK's tests cover both dialects end to end; these check the command line on SQLite.
describe('railyard datastores, datasets and run --dataset', () => {
  let server: TestServer
  let lake: string
  let scratch: string
  let cli: (...args: string[]) => ReturnType<typeof runCli>
  const versions: string[] = []

  before(async () => {
    server = await startServer('sqlite')
    lake = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-cli-lake-'))
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-cli-scratch-'))
    writeFiles(path.join(lake, 'tweets'), { 'jan/1.json': '{"t":"a"}\n', 'jan/2.json': '{"t":"bb"}\n', 'feb/1.json': '{"t":"ccc"}\n' })
    cli = (...args) => runCli(args, { env: { RAILYARD_TRACKING_URI: server.url } })
  })
  after(async () => {
    await server.close()
    fs.rmSync(lake, { recursive: true, force: true })
    fs.rmSync(scratch, { recursive: true, force: true })
  })

  test('datastores add/ls, datasets create/snapshot/versions/show', async () => {
    const add = await cli('datastores', 'add', 'lake', '--kind', 'local', '--root', lake, '--json')
    assert.equal(add.code, 0, add.stderr)
    assert.equal(JSON.parse(add.stdout).uri, `file://${lake}`)
    const ls = await cli('datastores', 'ls')
    assert.match(ls.stdout, /^NAME\s+KIND\s+LOCATION\s+CREDENTIALS\s+CREATED\nlake\s+local\s+file:\/\/\S+\s+none\s/)

    const create = await cli('datasets', 'create', 'tweets', '--datastore', 'lake', '--path', 'tweets', '--tag', 'team=nlp')
    assert.equal(create.code, 0, create.stderr)
    assert.match(create.stdout, /Created dataset tweets/)

    const snap = await cli('datasets', 'snapshot', 'tweets', '--message', 'first', '--json')
    assert.equal(snap.code, 0, snap.stderr)
    const { version, reused } = JSON.parse(snap.stdout)
    assert.equal(reused, false)
    assert.equal(version.file_count, 3)
    assert.equal(version.message, 'first')
    versions.push(version.id)
    // Not a terminal: progress comes as plain lines on stderr, no control characters.
    assert.match(snap.stderr, /^railyard: (listing|hashing) \d+\/\d+ files, /m)
    assert.doesNotMatch(snap.stderr, /\r|\x1b/)

    writeFiles(path.join(lake, 'tweets'), { 'feb/2.json': '{"t":"dddd"}\n', 'jan/2.json': '{"t":"BBB"}\n' })
    fs.rmSync(path.join(lake, 'tweets/jan/1.json'))
    const second = await cli('datasets', 'snapshot', 'tweets', '-m', 'second')
    assert.equal(second.code, 0, second.stderr)
    assert.match(second.stderr, /railyard: took version [0-9a-f]{12} in /)
    assert.match(second.stdout, /Version of tweets:\n\s+id\s+sha256:[0-9a-f]{64}\n\s+files\s+3\n/)
    const listed = JSON.parse((await cli('datasets', 'versions', 'tweets', '--json')).stdout)
    assert.deepEqual(listed.map((v: any) => v.message), ['second', 'first'])
    versions.push(listed[0].id)

    const table = await cli('datasets', 'versions', 'tweets')
    assert.match(table.stdout.split('\n')[0], /^VERSION\s+FILES\s+SIZE\s+PINNED\s+TAKEN\s+BY\s+MESSAGE$/)
    const show = await cli('datasets', 'show', 'tweets')
    assert.match(show.stdout, /source\s+lake:tweets\//)
    assert.match(show.stdout, /tag team\s+nlp/)
    assert.match(show.stdout, new RegExp(`id\\s+${listed[0].id}`))
  })

  test('datasets diff and files, plain and --json', async () => {
    const [from, to] = versions
    const diff = await cli('datasets', 'diff', 'tweets', from.slice(7, 19), to)
    assert.equal(diff.code, 0, diff.stderr)
    assert.deepEqual(diff.stdout.trimEnd().split('\n'), [
      '+ feb/2.json  (13 B)',
      '- jan/1.json  (10 B)',
      '~ jan/2.json  (11 B → 12 B)',
      '1 added, 1 removed, 1 modified, 1 unchanged (+25 B in new or changed files, -21 B in removed or replaced ones)',
    ])
    const json = JSON.parse((await cli('datasets', 'diff', 'tweets', from, 'latest', '--json')).stdout)
    assert.deepEqual(json.added, [{ path: 'feb/2.json', size: 13 }])
    assert.deepEqual(json.modified, [{ path: 'jan/2.json', size: 12, old_size: 11 }])
    assert.equal(json.summary.unchanged, 1)

    const files = await cli('datasets', 'files', 'tweets', from)
    assert.equal(files.stdout, 'feb/1.json\njan/1.json\njan/2.json\n')
    const prefixed = JSON.parse((await cli('datasets', 'files', 'tweets', '--prefix', 'feb/', '--json')).stdout)
    assert.deepEqual(prefixed.map((f: any) => f.path), ['feb/1.json', 'feb/2.json'])
    assert.match(prefixed[0].oid, /^sha256:/)
  })

  test('datasets use freezes per experiment; run --dataset exports the frozen file list to the command', async () => {
    assert.equal((await cli('experiments', 'create', 'sentiment')).code, 0)
    const used = await cli('datasets', 'use', 'tweets', '--experiment', 'sentiment', '--version', versions[0], '--json')
    assert.equal(used.code, 0, used.stderr)
    const frozen = JSON.parse(used.stdout)
    assert.equal(frozen.created, true)
    assert.equal(frozen.version.id, versions[0])
    assert.deepEqual(frozen.files.map((f: any) => f.path), ['feb/1.json', 'jan/1.json', 'jan/2.json'])
    assert.match(used.stderr, /tweets is at version [0-9a-f]{12} for experiment 'sentiment', id \d+ \(3 files, frozen now\)/)

    // Later uses in the experiment get the same files, whatever the newest data is.
    const plain = await cli('datasets', 'use', 'tweets', '-e', 'sentiment')
    assert.equal(plain.stdout, 'feb/1.json\njan/1.json\njan/2.json\n')

    const run = await runCli(['run', '-e', 'sentiment', '--dataset', 'tweets', '--', process.execPath, READER, 'tweets'], {
      env: { RAILYARD_TRACKING_URI: server.url },
    })
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, new RegExp(`dataset tweets version=${versions[0]} list=`))
    assert.deepEqual(run.stdout.split('\n').filter((l) => l.startsWith('file ')), [
      'file tweets feb/1.json',
      'file tweets jan/1.json',
      'file tweets jan/2.json',
    ])
    assert.match(run.stderr, /railyard: dataset tweets at version [0-9a-f]{12} \(3 files\)/)
    const listPath = /list=(\S+)/.exec(run.stdout)![1]
    assert.equal(fs.existsSync(listPath), false, 'the file list is removed once the command has ended')
    const runId = /railyard: run ([0-9a-f]{32}) /.exec(run.stderr)![1]
    const inputs = (await server.api('GET', '/api/2.0/mlflow/runs/get', { run_id: runId })).run.inputs.dataset_inputs
    assert.deepEqual(inputs.map((i: any) => [i.dataset.name, i.dataset.digest]), [['tweets', versions[0].slice(7, 19)]])

    // A new experiment takes the newest data.
    const fresh = await runCli(['run', '-e', 'sentiment-v2', '-d', 'tweets', '--', process.execPath, READER, 'tweets'], {
      env: { RAILYARD_TRACKING_URI: server.url },
    })
    assert.equal(fresh.code, 0, fresh.stderr)
    assert.match(fresh.stdout, new RegExp(`version=${versions[1]} `))
    assert.match(fresh.stdout, /file tweets feb\/2\.json/)

    // The dataset says which experiments are frozen on which of its versions.
    const show = await cli('datasets', 'show', 'tweets')
    assert.match(show.stdout, /Frozen in experiments/)
    assert.match(show.stdout, new RegExp(`sentiment\\s+${versions[0].slice(7, 19)} since `))
    assert.match(show.stdout, new RegExp(`sentiment-v2\\s+${versions[1].slice(7, 19)} since `))
    const json = JSON.parse((await cli('datasets', 'show', 'tweets', '--json')).stdout)
    assert.deepEqual(json.freezes.map((f: any) => [f.experiment_name, f.version.id]).sort(), [['sentiment', versions[0]], ['sentiment-v2', versions[1]]])
  })

  test('experiments refresh-data moves the freeze and the history says who and why', async () => {
    const refreshed = await cli('experiments', 'refresh-data', 'sentiment', 'tweets', '--reason', 'February is labelled')
    assert.equal(refreshed.code, 0, refreshed.stderr)
    assert.match(refreshed.stdout, new RegExp(`tweets: moved from ${versions[0].slice(7, 19)} to ${versions[1].slice(7, 19)} \\(3 files\\)`))
    const after = await cli('datasets', 'use', 'tweets', '-e', 'sentiment', '-q')
    assert.equal(after.stdout, 'feb/1.json\nfeb/2.json\njan/2.json\n')
    assert.equal(after.stderr, '')
    const history = JSON.parse((await cli('experiments', 'data', 'sentiment', '--history', '--json')).stdout)
    assert.deepEqual(history.map((e: any) => e.action), ['refresh', 'freeze'])
    assert.equal(history[0].reason, 'February is labelled')
    assert.equal(history[0].who, os.userInfo().username)
    const noReason = await cli('experiments', 'refresh-data', 'sentiment')
    assert.equal(noReason.code, 2)
    assert.match(noReason.stderr, /--reason/)
  })

  test('datasets materialize writes the version into a folder', async () => {
    const dir = path.join(scratch, 'mat')
    const res = await cli('datasets', 'materialize', 'tweets', versions[1], dir)
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /Materialized 3 files .* 3 downloaded, 0 already present/)
    assert.equal(fs.readFileSync(path.join(dir, 'jan/2.json'), 'utf8'), '{"t":"BBB"}\n')
    const again = JSON.parse((await cli('datasets', 'materialize', 'tweets', versions[1], dir, '--json')).stdout)
    assert.deepEqual([again.downloaded, again.skipped], [0, 3])
  })

  test('bad input: clear one-line errors and non-zero exits', async () => {
    const [kind, parquet] = await Promise.all([
      cli('datastores', 'add', 'ftp-store', '--kind', 'ftp', '--root', lake),
      cli('datasets', 'create', 'parquet', '--datastore', 'lake', '--glob', 'tweets/**/*.parquet'),
    ])
    assert.equal(parquet.code, 0, parquet.stderr)
    assert.equal(kind.code, 2)
    assert.match(kind.stderr, /argument 'ftp' is invalid\. Allowed choices are local, s3, azure-blob/)

    process.env.RY_TEST_S3_KEY = 'key'
    process.env.RY_TEST_S3_SECRET = 'secret'
    const port = await closedPort()
    const s3 = await cli(
      'datastores', 'add', 'far', '--kind', 's3', '--bucket', 'data', '--region', 'us-east-1', '--path-style',
      '--endpoint', `http://127.0.0.1:${port}`,
      '--credential-env', 'access_key_id=RY_TEST_S3_KEY', '--credential-env', 'secret_access_key=RY_TEST_S3_SECRET',
    )
    // The server rejects the datastore as described (an endpoint that does not answer): a bad value.
    assert.equal(s3.code, 2)
    assert.match(s3.stderr, /^railyard: .*127\.0\.0\.1:\d+.*\(INVALID_PARAMETER_VALUE\)\n$/s)
    const stores = JSON.parse((await cli('datastores', 'ls', '--json')).stdout)
    assert.deepEqual(stores.map((d: any) => d.name), ['lake'], 'nothing stored for the unreachable datastore')

    const empty = await cli('datasets', 'snapshot', 'parquet')
    assert.equal(empty.code, 2)
    assert.match(empty.stderr, /railyard: .*selects no files.*tweets\/\*\*\/\*\.parquet.*\(INVALID_PARAMETER_VALUE\)/)
    assert.deepEqual(JSON.parse((await cli('datasets', 'versions', 'parquet', '--json')).stdout), [], 'no half-written version')

    // Independent of each other: run side by side.
    const [unknownFiles, unknownDiff, badRun, clash, noExperiment] = await Promise.all([
      cli('datasets', 'files', 'tweets', 'deadbeef00'),
      cli('datasets', 'diff', 'tweets', 'deadbeef00', 'latest'),
      cli('run', '-e', 'sentiment', '--dataset', 'nope', '--', process.execPath, READER, 'nope'),
      cli('run', '-e', 'sentiment', '--dataset', 'a-b,a_b', '--', 'true'),
      cli('datasets', 'use', 'tweets'),
    ])
    for (const unknown of [unknownFiles, unknownDiff]) {
      assert.equal(unknown.code, 1, unknown.stderr)
      assert.match(unknown.stderr, /^railyard: .*deadbeef00.*\(RESOURCE_DOES_NOT_EXIST\)\n$/)
    }
    assert.equal(badRun.code, 1)
    assert.match(badRun.stderr, /nope.*\(RESOURCE_DOES_NOT_EXIST\)/)
    assert.doesNotMatch(badRun.stdout, /dataset nope/, 'the command never started')
    assert.doesNotMatch(badRun.stderr, /railyard: run [0-9a-f]{32} /, 'checked before a run was created')
    assert.equal(clash.code, 2)
    assert.match(clash.stderr, /'a-b' and 'a_b' would both export RAILYARD_DATASET_A_B_/)
    assert.equal(noExperiment.code, 2)
    assert.match(noExperiment.stderr, /give --experiment/)
  })
})
