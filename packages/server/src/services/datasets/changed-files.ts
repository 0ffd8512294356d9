import { ApiError, type ChangedFile } from '@railyard/api'

const NAMED = 20

/**
 * Files of an unpinned version that no longer hold the bytes it recorded. A 409 whose message
 * names them, because the caller must know exactly which data moved under them.
 */
export class FilesChangedError extends ApiError {
  constructor(
    readonly dataset: string,
    readonly versionId: string,
    readonly files: ChangedFile[],
    total = files.length,
  ) {
    const named = files.slice(0, NAMED).map(describe).join(', ')
    const more = total > NAMED ? ` and ${total - NAMED} more` : ''
    super(
      'RESOURCE_CONFLICT',
      `Dataset '${dataset}' version ${versionId.slice(7, 19)}: ${total} file${total === 1 ? '' : 's'} changed since the version was taken: ` +
        `${named}${more}. The version was not pinned, so Railyard holds no copy of the bytes it recorded: a new snapshot records the files ` +
        'as they are now, and a pinned one (--pin) keeps a copy for later reads.',
    )
  }
}

export function describe(f: ChangedFile): string {
  switch (f.problem) {
    case 'missing':
      return `${f.path} (missing)`
    case 'size':
      return `${f.path} (size ${f.expected_size} → ${f.actual_size})`
    default:
      return `${f.path} (content changed)`
  }
}
