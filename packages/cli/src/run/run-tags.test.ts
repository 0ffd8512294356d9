import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { codeFolderOf, currentUser, sourceName } from './run-tags.js'

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

test('the code folder is the script\'s, so the commit is that of the script\'s repository; else the working folder', () => {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'railyard-code-folder-'))
  try {
    fs.mkdirSync(path.join(repo, 'src'))
    fs.writeFileSync(path.join(repo, 'src', 'train.py'), '')
    const elsewhere = os.tmpdir()
    assert.equal(codeFolderOf(['python', path.join(repo, 'src', 'train.py')], elsewhere), path.join(repo, 'src'))
    assert.equal(codeFolderOf(['node', '--import', 'tsx', 'src/train.py'], repo), path.join(repo, 'src'))
    assert.equal(codeFolderOf(['python', '-m', 'pkg.train'], repo), repo)
    assert.equal(codeFolderOf(['make', 'train'], repo), repo)
  } finally {
    fs.rmSync(repo, { recursive: true, force: true })
  }
})
