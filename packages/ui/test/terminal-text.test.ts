import { test } from 'node:test'
import assert from 'node:assert/strict'
import { plainText } from '../src/lib/terminal-text.js'

test('colours, cursor moves and window titles are taken out of a log line; its text stays', () => {
  assert.equal(plainText('\x1b[1;32mgreen bold\x1b[0m normal'), 'green bold normal')
  assert.equal(plainText('\x1b[38;5;196mred 256\x1b[39m and \x1b[48;2;0;0;255mtrue colour\x1b[m'), 'red 256 and true colour')
  // tqdm redraws its bar with "erase line" and cursor-up sequences.
  assert.equal(plainText('\x1b[2K\x1b[1A 42%|████▏     | 42/100 [00:04<00:05]'), ' 42%|████▏     | 42/100 [00:04<00:05]')
  assert.equal(plainText('\x1b]0;training\x07epoch 1'), 'epoch 1')
  assert.equal(plainText('\x1b]8;;https://example.com\x1b\\link\x1b]8;;\x1b\\ text'), 'link text')
  // `tput sgr0`, which shell scripts use to reset colours.
  assert.equal(plainText('\x1b[31merror\x1b(B\x1b[m: disk full'), 'error: disk full')
})

test('a line without escapes is returned as it is, tabs and unicode included', () => {
  const line = 'epoch\t3  loss=0.25  ✓ ünïcode [not an escape]'
  assert.equal(plainText(line), line)
  assert.equal(plainText('bell\x07 and NUL\x00 dropped'), 'bell and NUL dropped')
})
