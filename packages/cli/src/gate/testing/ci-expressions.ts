/**
 * Just enough of the three CI expression languages to run our templates' conditions faithfully:
 * GitHub Actions' `${{ … }}` (`==`, `!=`, `&&`, `||`, `!`, parentheses, context paths such as
 * `steps.register.outputs.version`, and `always()`, `success()`, `failure()`, `cancelled()`),
 * Azure Pipelines' `and(…)`, `or(…)`, `not(…)`, `eq(…)`, `ne(…)`, `variables['X']`,
 * `succeeded()`, `failed()`, `succeededOrFailed()`, `always()`, and GitLab's `rules: if:`
 * (`$VAR`, quoted strings, `null`, `==`, `!=`, `=~`, `!~` with `/regex/`, `&&`, `||`,
 * parentheses). Anything else throws, so a template using a construct this does not know fails
 * the test instead of being misread.
 */

type Token = { kind: 'str' | 'num' | 'id' | 'var' | 're' | 'op'; text: string }

// GitHub and Azure: 'single-quoted' strings ('' escapes a quote), numbers, names and paths.
const ACTIONS_TOKEN = /\s*(?:'((?:[^']|'')*)'|(-?\d+(?:\.\d+)?)|([A-Za-z_][\w.\-]*)|(==|!=|&&|\|\||[!(),[\]]))/y
// GitLab: "double" or 'single' quoted strings, $VARIABLES, /regex/flags, null; no numbers or functions.
const GITLAB_TOKEN = /\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|\$(\w+)|(\/(?:[^/\\]|\\.)*\/[a-z]*)|(==|!=|=~|!~|&&|\|\||[()])|(null)\b)/y

function tokenize(src: string, dialect: 'actions' | 'gitlab'): Token[] {
  const tokens: Token[] = []
  const re = dialect === 'actions' ? ACTIONS_TOKEN : GITLAB_TOKEN
  let at = 0
  while (at < src.length) {
    if (/^\s*$/.test(src.slice(at))) break
    re.lastIndex = at
    const m = re.exec(src)
    if (!m) throw new Error(`cannot read the expression at '${src.slice(at)}' in: ${src}`)
    at = re.lastIndex
    if (dialect === 'actions') {
      if (m[1] !== undefined) tokens.push({ kind: 'str', text: m[1].replace(/''/g, "'") })
      else if (m[2] !== undefined) tokens.push({ kind: 'num', text: m[2] })
      else if (m[3] !== undefined) tokens.push({ kind: 'id', text: m[3] })
      else tokens.push({ kind: 'op', text: m[4] })
    } else {
      if (m[1] !== undefined) tokens.push({ kind: 'str', text: m[1].replace(/\\(.)/g, '$1') })
      else if (m[2] !== undefined) tokens.push({ kind: 'str', text: m[2] })
      else if (m[3] !== undefined) tokens.push({ kind: 'var', text: m[3] })
      else if (m[4] !== undefined) tokens.push({ kind: 're', text: m[4] })
      else if (m[5] !== undefined) tokens.push({ kind: 'op', text: m[5] })
      else tokens.push({ kind: 'id', text: m[6] })
    }
  }
  return tokens
}

type Value = string | number | boolean | null | RegExp

interface Dialect {
  /** A context path (GitHub, Azure) or a variable name (GitLab). */
  lookup: (path: string) => Value
  call: (name: string, args: Value[]) => Value
  equal: (a: Value, b: Value) => boolean
}

class Parser {
  private i = 0
  constructor(
    private readonly tokens: Token[],
    private readonly dialect: Dialect,
  ) {}

  parse(): Value {
    const v = this.or()
    if (this.i < this.tokens.length) throw new Error(`unexpected '${this.tokens[this.i].text}'`)
    return v
  }

  private peek(text: string): boolean {
    return this.tokens[this.i]?.kind === 'op' && this.tokens[this.i].text === text
  }

  private expect(text: string): void {
    if (!this.peek(text)) throw new Error(`expected '${text}'`)
    this.i++
  }

  private or(): Value {
    let v = this.and()
    while (this.peek('||')) {
      this.i++
      const r = this.and()
      v = truthy(v) ? v : r
    }
    return v
  }

  private and(): Value {
    let v = this.compare()
    while (this.peek('&&')) {
      this.i++
      const r = this.compare()
      v = truthy(v) ? r : v
    }
    return v
  }

  private compare(): Value {
    let v = this.unary()
    while (this.peek('==') || this.peek('!=') || this.peek('=~') || this.peek('!~')) {
      const op = this.tokens[this.i++].text
      const r = this.unary()
      if (op === '==' || op === '!=') v = this.dialect.equal(v, r) === (op === '==')
      else v = matches(v, r) === (op === '=~')
    }
    return v
  }

  private unary(): Value {
    if (this.peek('!')) {
      this.i++
      return !truthy(this.unary())
    }
    return this.primary()
  }

  private primary(): Value {
    const t = this.tokens[this.i++]
    if (!t) throw new Error('the expression ends too early')
    if (t.kind === 'str') return t.text
    if (t.kind === 'num') return Number(t.text)
    if (t.kind === 'var') return this.dialect.lookup(t.text)
    if (t.kind === 're') return regexOf(t.text)
    if (t.kind === 'op' && t.text === '(') {
      const v = this.or()
      this.expect(')')
      return v
    }
    if (t.kind !== 'id') throw new Error(`unexpected '${t.text}'`)
    if (t.text === 'true' || t.text === 'false') return t.text === 'true'
    if (t.text === 'null') return null
    if (this.peek('(')) {
      this.i++
      const args: Value[] = []
      while (!this.peek(')')) {
        args.push(this.or())
        if (this.peek(',')) this.i++
      }
      this.expect(')')
      return this.dialect.call(t.text, args)
    }
    let path = t.text
    while (this.peek('[')) {
      this.i++
      const key = this.tokens[this.i++]
      if (key?.kind !== 'str') throw new Error(`expected a quoted key after '${path}['`)
      this.expect(']')
      path += `.${key.text}`
    }
    return this.dialect.lookup(path)
  }
}

function truthy(v: Value): boolean {
  return v !== null && v !== false && v !== 0 && v !== ''
}

function looseEqual(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase()
  return a === b
}

/** `/pattern/flags`, written in the expression or held by a variable (GitLab allows both). */
function regexOf(text: string): RegExp {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(text)
  if (!m) throw new Error(`expected a /regex/ on the right of =~ or !~, got '${text}'`)
  return new RegExp(m[1], m[2])
}

function matches(v: Value, pattern: Value): boolean {
  const re = pattern instanceof RegExp ? pattern : regexOf(String(pattern ?? ''))
  // An undefined variable matches nothing.
  return v !== null && re.test(String(v))
}

/** A GitHub Actions expression (without `${{ }}`), evaluated against the run's contexts. */
export function evalGithub(expr: string, ctx: { lookup: (path: string) => Value; status: { failed: boolean } }): Value {
  const call = (name: string, args: Value[]) => {
    if (name === 'always') return true
    if (name === 'success') return !ctx.status.failed
    if (name === 'failure') return ctx.status.failed
    if (name === 'cancelled') return false
    throw new Error(`function ${name}(${args.length} args) is not supported here`)
  }
  return new Parser(tokenize(expr, 'actions'), { lookup: ctx.lookup, call, equal: looseEqual }).parse()
}

/** Replaces every `${{ … }}` in `text` by its value. */
export function interpolateGithub(text: string, ctx: Parameters<typeof evalGithub>[1]): string {
  return text.replace(/\$\{\{\s*([\s\S]*?)\s*\}\}/g, (_, expr: string) => {
    const v = evalGithub(expr, ctx)
    return v === null ? '' : String(v)
  })
}

/** An Azure Pipelines condition, against the pipeline's variables (names compared case-insensitively). */
export function evalAzure(expr: string, ctx: { variables: Map<string, string>; status: { failed: boolean } }): boolean {
  const lookup = (path: string): Value => {
    const m = /^variables\.(.+)$/.exec(path)
    if (!m) throw new Error(`unknown name '${path}' in: ${expr}`)
    return ctx.variables.get(m[1].toLowerCase()) ?? ''
  }
  const call = (name: string, args: Value[]) => {
    switch (name) {
      case 'and':
        return args.every(truthy)
      case 'or':
        return args.some(truthy)
      case 'not':
        return !truthy(args[0])
      case 'eq':
        return looseEqual(String(args[0] ?? ''), String(args[1] ?? ''))
      case 'ne':
        return !looseEqual(String(args[0] ?? ''), String(args[1] ?? ''))
      case 'succeeded':
        return !ctx.status.failed
      case 'failed':
        return ctx.status.failed
      case 'succeededOrFailed':
      case 'always':
        return true
      default:
        throw new Error(`function ${name}() is not supported here`)
    }
  }
  return truthy(new Parser(tokenize(expr, 'actions'), { lookup, call, equal: looseEqual }).parse())
}

/**
 * A GitLab `rules: if:` / `workflow: rules: if:` expression against the variables a rule sees.
 * An undefined variable is null (`$X == null`), unlike a defined empty one (`$X == ""`); a bare
 * `$X` is true when defined and not empty; comparisons are case-sensitive.
 */
export function evalGitlab(expr: string, variables: Record<string, string>): boolean {
  const lookup = (name: string): Value => (Object.hasOwn(variables, name) ? variables[name] : null)
  const call = (name: string): Value => {
    throw new Error(`GitLab expressions have no functions (${name}) in: ${expr}`)
  }
  return truthy(new Parser(tokenize(expr, 'gitlab'), { lookup, call, equal: (a, b) => a === b }).parse())
}
