import http from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A stand-in for the three comment APIs the CI templates post the gate report through, keeping
 * the conversations so a test can see whether a report was added or updated in place:
 *
 * - GitHub issue comments: list (`per_page`, `page`; 30 a page by default, 100 at most), create,
 *   `PATCH /repos/O/R/issues/comments/ID`.
 * - GitLab merge-request notes under `/api/v4`: list (newest first, as GitLab sorts by default;
 *   `per_page`, `page`, 20 a page by default), create, `PUT …/notes/ID`.
 * - Azure DevOps pull-request threads: list (all at once, as `{ value }`), create a thread, `PATCH
 *   …/threads/ID/comments/ID`. A thread is kept as its first comment.
 *
 * Requests without credentials get 401, unknown paths 404, as the real services answer.
 */

export interface Comment {
  id: number
  body: string
}

interface Request {
  method: string
  url: string
  auth?: string
  body: any
}

type Route = [method: string, path: RegExp, handle: (m: string[], body: any, query: URLSearchParams) => [number, unknown]]

export async function startFakeCommentApis() {
  const requests: Request[] = []
  const conversations = new Map<string, Comment[]>()
  let nextId = 1000
  const conversation = (key: string) => conversations.get(key) ?? conversations.set(key, []).get(key)!
  const add = (key: string, body: string) => {
    const comment = { id: nextId++, body }
    conversation(key).push(comment)
    return comment
  }
  const find = (prefix: string, id: number) =>
    [...conversations].filter(([key]) => key.startsWith(prefix)).flatMap(([, list]) => list).find((c) => c.id === id)
  const page = <T>(list: T[], query: URLSearchParams, perPageDefault: number) => {
    const perPage = Math.min(Number(query.get('per_page') ?? perPageDefault), 100)
    const at = (Number(query.get('page') ?? 1) - 1) * perPage
    return list.slice(at, at + perPage)
  }
  const update = (comment: Comment | undefined, body: string): [number, unknown] => {
    if (!comment) return [404, { message: 'Not Found' }]
    comment.body = body
    return [200, comment]
  }

  const routes: Route[] = [
    ['GET', /^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/comments$/, (m, _, q) => [200, page(conversation(`github:${m[1]}#${m[2]}`), q, 30)]],
    ['POST', /^\/repos\/([^/]+\/[^/]+)\/issues\/(\d+)\/comments$/, (m, b) => [201, add(`github:${m[1]}#${m[2]}`, b.body)]],
    ['PATCH', /^\/repos\/([^/]+\/[^/]+)\/issues\/comments\/(\d+)$/, (m, b) => update(find(`github:${m[1]}#`, Number(m[2])), b.body)],
    ['GET', /^\/api\/v4\/projects\/([^/]+)\/merge_requests\/(\d+)\/notes$/, (m, _, q) => [200, page(conversation(`gitlab:${m[1]}!${m[2]}`).slice().reverse(), q, 20)]],
    ['POST', /^\/api\/v4\/projects\/([^/]+)\/merge_requests\/(\d+)\/notes$/, (m, b) => [201, add(`gitlab:${m[1]}!${m[2]}`, b.body)]],
    ['PUT', /^\/api\/v4\/projects\/([^/]+)\/merge_requests\/(\d+)\/notes\/(\d+)$/, (m, b) => update(conversation(`gitlab:${m[1]}!${m[2]}`).find((c) => c.id === Number(m[3])), b.body)],
    ['GET', /^\/(.+)\/_apis\/git\/repositories\/([^/]+)\/pullRequests\/(\d+)\/threads$/, (m) => {
      const threads = conversation(`azure:${m[1]}/${m[2]}#${m[3]}`).map((t) => ({ id: t.id, status: 'active', comments: [{ id: 1, parentCommentId: 0, content: t.body }] }))
      return [200, { value: threads, count: threads.length }]
    }],
    ['POST', /^\/(.+)\/_apis\/git\/repositories\/([^/]+)\/pullRequests\/(\d+)\/threads$/, (m, b) => [200, add(`azure:${m[1]}/${m[2]}#${m[3]}`, b.comments[0].content)]],
    ['PATCH', /^\/(.+)\/_apis\/git\/repositories\/([^/]+)\/pullRequests\/(\d+)\/threads\/(\d+)\/comments\/1$/, (m, b) =>
      update(conversation(`azure:${m[1]}/${m[2]}#${m[3]}`).find((t) => t.id === Number(m[4])), b.content)],
  ]

  const server = http.createServer((req, res) => {
    let text = ''
    req.on('data', (c) => (text += c))
    req.on('end', () => {
      const url = new URL(req.url!, 'http://fake')
      const auth = req.headers.authorization ?? (req.headers['private-token'] ? `PRIVATE-TOKEN ${req.headers['private-token']}` : undefined)
      const body = text ? JSON.parse(text) : undefined
      requests.push({ method: req.method!, url: req.url!, auth, body })
      const route = routes.find(([method, re]) => method === req.method && re.test(url.pathname))
      const [status, answer] = !auth
        ? [401, { message: '401 Unauthorized' }]
        : !route
          ? [404, { message: 'Not Found' }]
          : route[2]([...route[1].exec(url.pathname)!], body, url.searchParams)
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    /** A conversation's comments, oldest first: `github:O/R#N`, `gitlab:PROJECT!IID`, `azure:ORG/PROJECT/REPO#N`. */
    comments: (key: string) => conversation(key).slice(),
    /** Comments others wrote before the pipeline ran. */
    seed: (key: string, bodies: string[]) => bodies.forEach((b) => add(key, b)),
    close: () => new Promise((resolve) => server.close(resolve)),
  }
}

export type FakeCommentApis = Awaited<ReturnType<typeof startFakeCommentApis>>
