/**
 * Writes many lines to stdout in large chunks and waits when the reader is slower, so a
 * million-file listing neither floods memory nor costs a write call per line.
 */
export class LineWriter {
  private buffer = ''

  constructor(
    private readonly stream: NodeJS.WritableStream = process.stdout,
    private readonly chunkChars = 1 << 16,
  ) {}

  async line(text: string): Promise<void> {
    this.buffer += `${text}\n`
    if (this.buffer.length >= this.chunkChars) await this.flush()
  }

  async flush(): Promise<void> {
    if (this.buffer === '') return
    const chunk = this.buffer
    this.buffer = ''
    if (!this.stream.write(chunk)) await new Promise<void>((resolve) => this.stream.once('drain', () => resolve()))
  }
}

/** Streams a JSON array of `items` (one element per line) without building it in memory. */
export async function writeJsonArray<T>(out: LineWriter, items: AsyncIterable<T>, indent = ''): Promise<void> {
  let first = true
  for await (const item of items) {
    await out.line(`${first ? `${indent}[` : ','}${JSON.stringify(item)}`)
    first = false
  }
  await out.line(first ? `${indent}[]` : `${indent}]`)
}
