import os from 'node:os'
import type { ModelVersion } from '@railyard/api'
import { registryOf, type RailyardClient } from '@railyard/sdk'
import type { Deployer, Log } from './deployer.js'
import type { FollowStatus } from './follow-status.js'
import { messageOf } from './model-slot.js'
import { registeredTarget, resolveVersion } from './version-target.js'
import { SwapFailure } from './swap-failure.js'

/** The model version tag where a failed swap is reported. */
export const SERVING_ERROR_TAG = 'railyard.serving.error'

// Registry tag values have a size limit (MLflow's is 5000 characters); messages are cut below it.
const TAG_VALUE_MAX = 4000

export interface FollowerOptions {
  client: RailyardClient
  /** A moving model URI: `models:/NAME@ALIAS`, `models:/NAME/latest` or `models:/NAME/STAGE`. */
  uri: string
  deployer: Deployer
  /** Time between polls, in milliseconds. */
  intervalMs: number
  log: Log
}

/**
 * Follows a moving model URI: asks the registry which version it names every `intervalMs` (or at
 * once, on `pollNow()`, e.g. after a webhook), and deploys a new version when it moves. A version
 * that fails to load or fails its check is reported (log, /health, and the
 * `railyard.serving.error` tag on that version) and not tried again until the URI moves; a
 * download that failed for network reasons is tried again at the next poll.
 */
export class AliasFollower {
  private deployed?: string
  private failed?: string
  private status: FollowStatus = {}
  private timer?: NodeJS.Timeout
  private running?: Promise<void>
  private again = false
  private stopped = false

  constructor(private readonly opts: FollowerOptions) {}

  /**
   * The first poll and deploy, then polling in the background. Throws when the URI cannot be
   * resolved (unknown model or alias, unreachable registry); a first version that fails to load is
   * reported like any other, and the process waits for the URI to move.
   */
  async start(): Promise<void> {
    const mv = await resolveVersion(this.opts.client, this.opts.uri)
    await this.serially(() => this.apply(mv))
    this.arm()
  }

  /** Polls now (coalesced with a poll already under way); resolves when that poll is done. */
  pollNow(): Promise<void> {
    return this.serially(() => this.poll())
  }

  // One poll at a time; asking during a poll runs one more poll after it.
  private serially(step: () => Promise<void>): Promise<void> {
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = (async () => {
      try {
        await step()
        while (this.again && !this.stopped) {
          this.again = false
          await this.poll()
        }
      } finally {
        this.running = undefined
      }
    })()
    return this.running
  }

  /** Stops polling and waits for a poll under way. */
  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.running
  }

  private arm(): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      void this.pollNow().finally(() => this.arm())
    }, this.opts.intervalMs)
  }

  private async poll(): Promise<void> {
    let mv: ModelVersion
    try {
      mv = await resolveVersion(this.opts.client, this.opts.uri)
    } catch (err) {
      const message = `cannot resolve ${this.opts.uri}: ${messageOf(err)}`
      if (this.status.pollError !== message) this.opts.log('warn', `${message}; still serving version ${this.deployed ?? '(none)'}`)
      this.report({ pollError: message })
      return
    }
    await this.apply(mv)
  }

  private async apply(mv: ModelVersion): Promise<void> {
    this.report({ wanted: mv.version, pollError: undefined })
    if (mv.version === this.deployed) return
    if (mv.version === this.failed) return
    this.failed = undefined
    // Its files are still being copied into the registry: next poll.
    if (mv.status === 'PENDING_REGISTRATION') return
    try {
      const target = await registeredTarget(this.opts.client, this.opts.uri, mv)
      await this.opts.deployer.deploy(target)
      this.deployed = mv.version
    } catch (err) {
      await this.reportFailure(mv, err)
      return
    }
    // An earlier failure of this version (here, or in another serving process) no longer holds.
    if (mv.tags?.some((t) => t.key === SERVING_ERROR_TAG)) await this.clearFailureTag(mv)
  }

  private async reportFailure(mv: ModelVersion, err: unknown): Promise<void> {
    const failure = err instanceof SwapFailure ? err : new SwapFailure(messageOf(err), { cause: err, transient: true })
    this.report({ lastSwapError: { version: mv.version, message: failure.message, at: new Date().toISOString(), transient: failure.transient } })
    const still = this.deployed ? `still serving version ${this.deployed}` : 'no version is serving'
    if (failure.transient) {
      this.opts.log('warn', `${failure.message}; ${still}; trying again at the next poll`)
      return
    }
    this.failed = mv.version
    this.opts.log('error', `${failure.message}; ${still}`)
    await this.tagFailure(mv, failure.message)
  }

  private async clearFailureTag(mv: ModelVersion): Promise<void> {
    try {
      await registryOf(this.opts.client).call('deleteModelVersionTag', { name: mv.name, version: mv.version, key: SERVING_ERROR_TAG })
    } catch (err) {
      this.opts.log('warn', `cannot remove the stale ${SERVING_ERROR_TAG} tag of ${mv.name} version ${mv.version}: ${messageOf(err)}`)
    }
  }

  private report(change: Partial<FollowStatus>): void {
    this.status = { ...this.status, ...change }
    this.opts.deployer.report(this.status)
  }

  private async tagFailure(mv: ModelVersion, message: string): Promise<void> {
    const value = `${new Date().toISOString()} ${os.hostname()} pid ${process.pid}: ${message}`.slice(0, TAG_VALUE_MAX)
    try {
      await registryOf(this.opts.client).call('setModelVersionTag', { name: mv.name, version: mv.version, key: SERVING_ERROR_TAG, value })
    } catch (err) {
      this.opts.log('warn', `cannot tag ${mv.name} version ${mv.version} with ${SERVING_ERROR_TAG}: ${messageOf(err)}`)
    }
  }
}
