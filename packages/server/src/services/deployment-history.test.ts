import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { rollbackTarget, servedVersions, type AliasMove } from './deployment-history.js'

const set = (to: number): AliasMove => ({ action: 'alias.set', to, rollback: false })
const back = (to: number): AliasMove => ({ action: 'alias.set', to, rollback: true })
const del: AliasMove = { action: 'alias.deleted', rollback: false }
const all = async () => true

describe('alias history replay', () => {
  test('deploys stack up; rollbacks pop, so repeated rollbacks walk further back', async () => {
    const moves = [set(1), set(2), set(3)]
    assert.deepEqual(servedVersions(moves), [1, 2, 3])
    assert.equal(await rollbackTarget(servedVersions(moves), 3, all), 2)
    moves.push(back(2))
    assert.deepEqual(servedVersions(moves), [1, 2])
    assert.equal(await rollbackTarget(servedVersions(moves), 2, all), 1)
    moves.push(back(1))
    assert.deepEqual(servedVersions(moves), [1])
    assert.equal(await rollbackTarget(servedVersions(moves), 1, all), undefined)
  })

  test('a deploy after a rollback starts a new branch; a re-set of the same version is not a new entry', async () => {
    const moves = [set(1), set(2), set(3), back(2), set(4), set(4)]
    assert.deepEqual(servedVersions(moves), [1, 2, 4])
    assert.equal(await rollbackTarget(servedVersions(moves), 4, all), 2)
  })

  test('a manual move back to an earlier version is a new entry (only rollbacks undo)', async () => {
    assert.deepEqual(servedVersions([set(1), set(2), set(1)]), [1, 2, 1])
    assert.equal(await rollbackTarget([1, 2, 1], 1, all), 2)
  })

  test('deleted aliases and deleted versions are skipped', async () => {
    const served = servedVersions([set(1), set(2), del, set(3)])
    assert.deepEqual(served, [1, 2, null, 3])
    assert.equal(await rollbackTarget(served, 3, all), 2)
    assert.equal(await rollbackTarget(served, 3, async (v) => v !== 2), 1)
    // Rolling back while the alias is unset restores what it pointed to before the deletion.
    assert.equal(await rollbackTarget(servedVersions([set(1), set(2), del]), undefined, all), 2)
  })

  test('a rollback whose target the replay cannot explain restarts the history there', () => {
    assert.deepEqual(servedVersions([set(1), back(7)]), [7])
    assert.deepEqual(servedVersions([back(7), set(8)]), [7, 8])
  })

  test('nothing to go back to', async () => {
    assert.equal(await rollbackTarget(servedVersions([]), undefined, all), undefined)
    assert.equal(await rollbackTarget(servedVersions([set(5)]), 5, all), undefined)
  })
})
