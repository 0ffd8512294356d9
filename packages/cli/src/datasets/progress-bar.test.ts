import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { ProgressBar, describe as describeProgress } from './progress-bar.js'

/** A stream that keeps what is written, posing as a terminal of `columns` columns or as a pipe. */
function fakeStream(tty: boolean, columns = 120) {
  const written: string[] = []
  const stream = new Writable({
    write(chunk, _enc, done) {
      written.push(String(chunk))
      done()
    },
  }) as unknown as NodeJS.WriteStream
  Object.assign(stream, { isTTY: tty, columns })
  return { stream, written }
}

test('in a terminal: one line redrawn in place with bar, counts, bytes, rate and ETA, cleared at the end', async () => {
  const { stream, written } = fakeStream(true)
  const bar = new ProgressBar({ stream })
  bar.update({ phase: 'listing', files_done: 0, files_total: 10, bytes_done: 0, bytes_total: 0 })
  bar.update({ phase: 'hashing', files_done: 0, files_total: 100, bytes_done: 0, bytes_total: 4_000_000 })
  await new Promise((r) => setTimeout(r, 700))
  bar.update({ phase: 'hashing', files_done: 50, files_total: 100, bytes_done: 2_000_000, bytes_total: 4_000_000 })
  bar.done('finished')
  assert.match(written[0], /^\r\x1b\[2Klisting 0\/10 files, 0 B\/0 B$/, 'no bar while the totals still grow')
  const last = written.at(-3)!
  assert.match(last, /^\r\x1b\[2K\[#{12}-{12}\]  50% hashing 50\/100 files, 2\.00 MB\/4\.00 MB, \d\.\d+ MB\/s, ETA \d/)
  assert.equal(written.at(-2), '\r\x1b[2K')
  assert.equal(written.at(-1), 'finished\n')
})

test('in a terminal: lines are cut to the width, and redraws are throttled', () => {
  const { stream, written } = fakeStream(true, 30)
  const bar = new ProgressBar({ stream })
  for (let i = 0; i < 100; i++) bar.update({ phase: 'hashing', files_done: i, files_total: 100, bytes_done: i, bytes_total: 100 })
  assert.equal(written.length, 1)
  assert.ok(written[0].length <= '\r\x1b[2K'.length + 29, written[0])
})

test('not a terminal: plain lines at phase changes and then at most every interval; quiet prints nothing', () => {
  const { stream, written } = fakeStream(false)
  const bar = new ProgressBar({ stream, lineIntervalMs: 60_000 })
  bar.update({ phase: 'listing', files_done: 0, files_total: 0, bytes_done: 0, bytes_total: 0 })
  bar.update({ phase: 'listing', files_done: 0, files_total: 5, bytes_done: 0, bytes_total: 0 })
  bar.update({ phase: 'listing', files_done: 0, files_total: 9, bytes_done: 0, bytes_total: 0 })
  bar.update({ phase: 'hashing', files_done: 3, files_total: 9, bytes_done: 1500, bytes_total: 9000, note: '2 unchanged' })
  bar.done()
  // The all-zero first event printed nothing; the first with counts starts the phase's lines.
  assert.deepEqual(written, ['railyard: listing 0/5 files, 0 B/0 B\n', 'railyard: hashing 3/9 files, 1.50 kB/9.00 kB, 2 unchanged\n'])

  const quiet = fakeStream(false)
  const silent = new ProgressBar({ stream: quiet.stream, quiet: true })
  silent.update({ phase: 'hashing', files_done: 1, files_total: 1, bytes_done: 1, bytes_total: 1 })
  silent.done('x')
  assert.deepEqual(quiet.written, [])
})

test('describe: ETA from the rate; none when nothing is left', () => {
  const state = { phase: 'downloading', files_done: 1_000, files_total: 100_000, bytes_done: 1e9, bytes_total: 3e9 }
  assert.equal(describeProgress(state, 100e6), 'downloading 1,000/100,000 files, 1.00 GB/3.00 GB, 100 MB/s, ETA 20.0s')
  assert.equal(describeProgress({ ...state, bytes_done: 3e9 }, 100e6), 'downloading 1,000/100,000 files, 3.00 GB/3.00 GB, 100 MB/s')
})
