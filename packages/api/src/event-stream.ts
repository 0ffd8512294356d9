/** One server-sent event, as the EventSource spec dispatches it. */
export interface ServerSentEvent {
  event: string
  data: string
  id?: string
}

/**
 * The server-sent events of a fetch Response (the fields our streams use: event, data, id;
 * comments and blocks without data are skipped, as EventSource skips them). Ends when the server
 * ends the response or `signal` aborts; the body is cancelled either way.
 */
export async function* readServerSentEvents(res: Response, signal?: AbortSignal): AsyncGenerator<ServerSentEvent> {
  if (!res.body) return
  const reader = res.body.getReader()
  const cancel = () => void reader.cancel().catch(() => {})
  signal?.addEventListener('abort', cancel, { once: true })
  const decoder = new TextDecoder()
  let buffer = ''
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += decoder.decode(value, { stream: true })
      let end: number
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const event = eventOf(block)
        if (event) yield event
      }
    }
  } finally {
    signal?.removeEventListener('abort', cancel)
    cancel()
  }
}

function eventOf(block: string): ServerSentEvent | undefined {
  const event: ServerSentEvent = { event: 'message', data: '' }
  const data: string[] = []
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
    if (field === 'event') event.event = value
    else if (field === 'data') data.push(value)
    else if (field === 'id') event.id = value
  }
  if (data.length === 0) return undefined
  event.data = data.join('\n')
  return event
}
