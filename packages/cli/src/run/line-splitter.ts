import { StringDecoder } from 'node:string_decoder'

/**
 * Cuts a byte stream into lines as a terminal shows them: UTF-8 characters split across chunks are
 * joined, a trailing `\r` is dropped, and a line redrawn with `\r` (a progress bar) keeps only its
 * last state. A line that never ends is cut at `maxLength` so memory stays bounded.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8')
  private partial = ''

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLength = 64 * 1024,
  ) {}

  push(chunk: Buffer | string): void {
    const text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk))
    const parts = text.split('\n')
    this.partial = parts.pop()!
    for (const p of parts) this.onLine(visible(p))
    if (this.partial.length > this.maxLength) {
      // A progress bar redraws itself; only its last state matters.
      const lastCr = this.partial.lastIndexOf('\r', this.partial.length - 2)
      if (lastCr >= 0) this.partial = this.partial.slice(lastCr + 1)
      if (this.partial.length > this.maxLength) {
        this.onLine(visible(this.partial))
        this.partial = ''
      }
    }
  }

  /** Emits what is left (a last line without a newline). */
  end(): void {
    const rest = this.partial + this.decoder.end()
    this.partial = ''
    if (rest.length > 0) this.onLine(visible(rest))
  }
}

function visible(line: string): string {
  const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line
  const lastCr = trimmed.lastIndexOf('\r')
  return lastCr >= 0 ? trimmed.slice(lastCr + 1) : trimmed
}
