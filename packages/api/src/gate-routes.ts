import Type, { type Static, type TSchema } from 'typebox'
import { Int64, opt } from './schema-helpers.js'
import type { Endpoint } from './tracking-routes.js'
import { RUN_LOGS_PREFIXES } from './run-logs.js'

const endpoint = <S extends TSchema>(e: Endpoint<S>) => e

/** MLflow sends version numbers as strings; a number is accepted too. */
const Version = Type.Union([Type.String(), Type.Integer()])

/** Where the continuous delivery endpoints live: Railyard's prefix, and its ajax twin for the UI. */
export const CD_PREFIXES = RUN_LOGS_PREFIXES

export const GATE_LIMITS = {
  /** Bytes of a result's JSON report, serialized. */
  reportBytes: 4 * 1024 * 1024,
  /** Characters of a result's Markdown report. */
  markdownLength: 1024 * 1024,
  summaryLength: 1000,
  /** Results per page of `gates/list`: default and most. */
  listDefault: 100,
  listMax: 1000,
  /** Deployment history entries per page: default and most. */
  historyDefault: 100,
  historyMax: 1000,
} as const

/**
 * Continuous delivery endpoints, paths below `/api/2.0/railyard`: gate results recorded on
 * candidate versions, and deploy / rollback / history of an alias. Every alias move goes through
 * the registry, so it is audited (who, when, from → to, why) and announced to webhooks once.
 *
 * Errors: RESOURCE_DOES_NOT_EXIST (404) for an unknown model, version or gate result;
 * INVALID_PARAMETER_VALUE (400) for bad input, a deploy without a passing gate (unless forced with
 * a reason), a gate result that compared against another version than the alias points to now,
 * and a rollback with no earlier version to go back to.
 */
export const cdEndpoints = {
  /**
   * Records a gate result on the candidate version and announces `gate.recorded` to webhooks. The
   * version also gets the tag `railyard.gate.<against_alias>` = verdict, so registry views show it.
   * Response: `{ gate_result: GateResult }` (without report and markdown).
   */
  recordGateResult: endpoint({
    method: 'POST',
    path: '/gates/record',
    request: Type.Object({
      name: Type.String(),
      version: Version,
      against_alias: Type.String(),
      verdict: Type.String(),
      /** The version the gate compared against; absent for a first deployment. */
      champion_version: opt(Version),
      summary: opt(Type.String()),
      report: opt(Type.Unknown()),
      markdown: opt(Type.String()),
    }),
  }),
  /** Response: `{ gate_result: GateResult }` with its report and markdown. */
  getGateResult: endpoint({
    method: 'GET',
    path: '/gates/get',
    request: Type.Object({ id: Type.String() }),
  }),
  /**
   * A model's gate results, newest first, optionally for one version and one alias (without report
   * and markdown). Response: `{ gate_results?: GateResult[], next_page_token?: string }`.
   */
  listGateResults: endpoint({
    method: 'GET',
    path: '/gates/list',
    request: Type.Object({
      name: Type.String(),
      version: opt(Version),
      against_alias: opt(Type.String()),
      max_results: opt(Int64),
      page_token: opt(Type.String()),
    }),
  }),
  /**
   * Points `alias` (default `production`) at the version, when its newest gate result for that
   * alias passed against the version the alias points to now; or, with `force`, whatever the
   * gate said, given a non-empty `reason`. Deploying the version the alias already points to
   * changes nothing (`changed: false`). Response: `{ deployment: Deployment, changed: boolean }`.
   */
  deploy: endpoint({
    method: 'POST',
    path: '/deployments/deploy',
    request: Type.Object({
      name: Type.String(),
      version: Version,
      alias: opt(Type.String()),
      force: opt(Type.Boolean()),
      reason: opt(Type.String()),
    }),
  }),
  /**
   * Moves the alias (default `production`) back to the version it pointed to before the current
   * one, read from the audit log; a second rollback goes one further back. Versions deleted since
   * are skipped. Response: `{ deployment: Deployment }`.
   */
  rollback: endpoint({
    method: 'POST',
    path: '/deployments/rollback',
    request: Type.Object({ name: Type.String(), alias: opt(Type.String()), reason: opt(Type.String()) }),
  }),
  /**
   * Every move of the alias (of every alias when none is named), newest first.
   * Response: `{ deployments?: Deployment[], next_page_token?: string }`.
   */
  listDeployments: endpoint({
    method: 'GET',
    path: '/deployments',
    request: Type.Object({
      name: Type.String(),
      alias: opt(Type.String()),
      max_results: opt(Int64),
      page_token: opt(Type.String()),
    }),
  }),
} as const

export type CdEndpoints = typeof cdEndpoints
export type CdRequestOf<K extends keyof CdEndpoints> = Static<CdEndpoints[K]['request']>
