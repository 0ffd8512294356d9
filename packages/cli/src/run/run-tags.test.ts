import { test } from 'node:test'
import assert from 'node:assert/strict'
import { currentUser, sourceName } from './run-tags.js'

test('sourceName is the script an interpreter or launcher runs, not an option value or the launcher', () => {
  const cases: Array<[string[], string]> = [
    [['node', '--import', 'tsx', 'examples/tweets/train.ts', '--epochs', '3'], 'examples/tweets/train.ts'],
    [['/usr/bin/node', '-r', 'dotenv/config', 'train.js'], 'train.js'],
    [['node', '--import=tsx', 'train.ts'], 'train.ts'],
    [['npx', 'tsx', 'train.ts'], 'train.ts'],
    [['npx', '-y', 'tsx', 'train.ts'], 'train.ts'],
    [['python3', '-W', 'ignore', 'train.py', '--lr', '0.1'], 'train.py'],
    [['python', '-m', 'pkg.train'], 'pkg.train'],
    [['python', '-c', 'print(1)'], 'python'],
    [['uv', 'run', 'python', 'train.py'], 'train.py'],
    [['poetry', 'run', 'python', '-X', 'dev', 'train.py'], 'train.py'],
    [['./train.sh'], './train.sh'],
    [['uv', 'pip', 'list'], 'uv'],
  ]
  for (const [command, expected] of cases) assert.equal(sourceName(command), expected, command.join(' '))
})

test('currentUser is RAILYARD_USER when set, as the registry and audit log name people', () => {
  const before = process.env.RAILYARD_USER
  process.env.RAILYARD_USER = 'reviewer2'
  try {
    assert.equal(currentUser(), 'reviewer2')
  } finally {
    if (before === undefined) delete process.env.RAILYARD_USER
    else process.env.RAILYARD_USER = before
  }
})
